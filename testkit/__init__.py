"""What the benchmark and the tests both run against: an SMTP capture, an HTTP target, a private
Temporal dev server, and `eventually` (wait for a state, not for a clock). Not installed: it is
imported from the repository root, as `bench` and `tests` are."""
