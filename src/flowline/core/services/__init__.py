"""Services: what Flowline does with its tables; the caller's unit of work commits."""
