"""Services: what Flowline does with its tables, grouped by domain.

Two kinds of module, told apart by their names:
- a module named `*_jobs.py` runs outside a request (the outbox dispatcher, worker activities):
  its functions take an `Engine` or a Temporal `Client`, open their own transactions and commit
  them (`outbox/dispatch_jobs.py`, `outbox/lease_jobs.py`, `enrollments/start_jobs.py`,
  `enrollments/signal_jobs.py`, `enrollments/record_jobs.py`, `profiles/erasure_jobs.py`);
- every other module is request-scoped: its functions take a `Session` and leave the commit to
  the caller's unit of work (a request, or an activity's `session_scope`).

Domains: `workflows/`, `enrollments/`, `segments/`, `ingestion/`, `outbox/`, `campaigns/`,
`profiles/`; small concerns of their own stay top-level modules (`api_keys`, `frequency_cap`,
`installation_settings`, `unsubscribe`). `sql.py` holds the SQL helpers services share. API
schemas (`EventIn`, `Page`...) live in `flowline.core.models`.
"""
