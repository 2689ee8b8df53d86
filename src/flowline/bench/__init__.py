"""`make bench`: how fast ingestion is, printed as figures (a script, not a test).

`python -m flowline.bench --help` lists the options. Nothing here asserts anything.
"""
