"""`make bench`: how fast ingestion and enrollments are, printed as figures (a script, not a test).

Not part of the installed product: it runs from the repository root (`python -m bench --help`
lists the options), against testkit's SMTP capture, HTTP target and Temporal dev server, as the
tests do. Nothing here asserts anything.
"""
