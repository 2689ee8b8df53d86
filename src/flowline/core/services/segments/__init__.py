"""Segments: CRUD (`crud`), who is in which segment (`membership`), and the per-condition
counters kept up to date at ingestion (`condition_counters`)."""
