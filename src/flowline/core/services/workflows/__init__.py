"""Workflows: CRUD with immutable versions (`crud`), parsed versions (`versions`), per-workflow
figures (`stats`, `overview`)."""
