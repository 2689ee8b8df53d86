"""The audit log: `record` in the caller's transaction, `entries` to read it back, and the
summaries in words of each kind of change."""
