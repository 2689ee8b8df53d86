"""What the API and the web UI both need of a request, below both and above `core`.

`dependencies` (the request's database session, the settings, the engine, the Temporal client,
the workflow a path names), `parameters` (ids in paths and their limits), `temporal_connection`
(the process's one Temporal client) and `unexpected_errors` (a plain 500, logged without any
value). The worker never needs any of it.
"""
