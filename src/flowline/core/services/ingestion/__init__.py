"""Ingestion: a batch of events and profile changes applied in one transaction (`changes`), the
profiles it locks (`locking`), what it stores (`storage`), the intents it causes (`triggers`),
and the worker's periodic time-window pass (`time_windows`)."""
