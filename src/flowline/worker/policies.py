"""Timeouts and retry policies of every activity call, in one place."""

from datetime import timedelta

from temporalio.common import RetryPolicy

# An SMTP outage delays mail, it never drops it: retry without a limit, backing off to 5 min.
EMAIL_TIMEOUT = timedelta(seconds=60)
EMAIL_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=5),
    maximum_attempts=0,
    non_retryable_error_types=["EmailRejected"],
)

# The HTTP activity decides itself when to give up (FLOWLINE_HTTP_MAX_ATTEMPTS) and how long to
# back off (next_retry_delay), because the workflow cannot read configuration.
HTTP_SCHEDULE_TO_CLOSE = timedelta(hours=24)
HTTP_START_TO_CLOSE_MARGIN = timedelta(seconds=30)
HTTP_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=5),
    maximum_attempts=0,
    non_retryable_error_types=["HttpClientError", "HttpRetriesExhausted", "HttpTargetRefused"],
)

# Bookkeeping in our own database: retried until the database is back.
RECORD_TIMEOUT = timedelta(seconds=30)
RECORD_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=1),
    maximum_attempts=0,
)

# Local activities (branch evaluation, send-window lookups, bookkeeping at the end): short
# database work run inside the workflow task, no round trip through the server. Longer than
# SQLite's 30 s busy timeout, so an attempt is never retried while it may still be writing.
LOCAL_TIMEOUT = timedelta(seconds=45)
LOCAL_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=1),
    maximum_attempts=0,
)
# Writing a profile change (update_profile): an ordinary activity, retried until the database
# is back; the write and its record are one transaction, so a retry never applies it twice.
UPDATE_PROFILE_TIMEOUT = timedelta(seconds=45)
