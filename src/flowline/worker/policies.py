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
