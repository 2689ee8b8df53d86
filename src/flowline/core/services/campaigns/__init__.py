"""Campaigns: CRUD (`crud`) and a saved campaign rendered for one profile (`preview`)."""
