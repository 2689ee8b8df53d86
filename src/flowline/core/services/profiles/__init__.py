"""Profiles: upsert and reads (`crud`), erasure of the database side in the request's
transaction (`erasure`) and of Temporal's side through the outbox (`erasure_jobs`)."""
