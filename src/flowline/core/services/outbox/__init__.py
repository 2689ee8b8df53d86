"""The outbox: intents written in the transaction of the change that causes them (`intents`),
handed to Temporal by one dispatcher at a time (`dispatch_jobs`) that holds the lease
(`lease_jobs`)."""
