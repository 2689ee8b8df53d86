"""`make bench`: how fast ingestion and enrollments are, printed as figures (a script, not a test).

`python -m bench --help` lists the options. Nothing here asserts anything.
"""
