"""Timeouts and retry policies of every activity call, in one place.

The rule behind the numbers: Temporal must never start attempt N+1 while attempt N may still be
sending. So every attempt has a total budget that the activity enforces itself (each phase runs
under `asyncio.timeout`), and the start-to-close timeout is that budget plus a margin for
reporting back. No heartbeat timeout: a late heartbeat would let Temporal retry while the first
attempt still talks to the SMTP server, which is exactly what must not happen.
"""

from datetime import timedelta

from temporalio.common import RetryPolicy

# The longest a single database statement waits for a lock: SQLite's busy_timeout and
# PostgreSQL's lock_timeout (see core/database.py; tests/worker/test_policies.py checks both).
DATABASE_WAIT = timedelta(seconds=30)
# Reporting an outcome back to Temporal, and clock differences between worker and server.
REPORT_MARGIN = timedelta(seconds=15)

# The phases of one attempt of a step activity (email or HTTP).
# Before acting: the enrollment row, the live profile, consent, the campaign (a few statements).
STEP_PREPARE_BUDGET = 2 * DATABASE_WAIT
# After acting: the delivery row. If it cannot be written in time the activity still reports
# the outcome, and the workflow writes it (RECORD_DELIVERY).
STEP_RECORD_BUDGET = DATABASE_WAIT + timedelta(seconds=15)

# SMTP: each command may take SMTP_COMMAND_TIMEOUT; the whole conversation SMTP_SEND_BUDGET.
SMTP_COMMAND_TIMEOUT = timedelta(seconds=30)
SMTP_SEND_BUDGET = 2 * SMTP_COMMAND_TIMEOUT
EMAIL_ATTEMPT_BUDGET = STEP_PREPARE_BUDGET + SMTP_SEND_BUDGET + STEP_RECORD_BUDGET
EMAIL_TIMEOUT = EMAIL_ATTEMPT_BUDGET + REPORT_MARGIN
# The activity gives up after FLOWLINE_EMAIL_RETRY_SECONDS (at most RETRY_WINDOW_LIMIT) and
# records the delivery `failed`; the schedule-to-close timeout is the hard backstop behind it.
EMAIL_INITIAL_RETRY = timedelta(seconds=1)
EMAIL_MAX_RETRY = timedelta(minutes=5)
RETRY_WINDOW_LIMIT = timedelta(days=7)
STEP_SCHEDULE_TO_CLOSE = RETRY_WINDOW_LIMIT + timedelta(hours=1)
EMAIL_SCHEDULE_TO_CLOSE = STEP_SCHEDULE_TO_CLOSE
EMAIL_RETRY = RetryPolicy(
    initial_interval=EMAIL_INITIAL_RETRY,
    backoff_coefficient=2.0,
    maximum_interval=EMAIL_MAX_RETRY,
    maximum_attempts=0,
    non_retryable_error_types=["EmailRejected"],
)


def http_attempt_budget(step_timeout: timedelta) -> timedelta:
    """The step's own `timeout` bounds the request and reading the answer; the rest is ours."""
    return STEP_PREPARE_BUDGET + step_timeout + STEP_RECORD_BUDGET


def http_start_to_close(step_timeout: timedelta) -> timedelta:
    return http_attempt_budget(step_timeout) + REPORT_MARGIN


# The HTTP activity decides itself when to give up (FLOWLINE_HTTP_RETRY_SECONDS and
# FLOWLINE_HTTP_MAX_ATTEMPTS) and how long to back off (next_retry_delay), because the workflow
# cannot read configuration.
HTTP_SCHEDULE_TO_CLOSE = STEP_SCHEDULE_TO_CLOSE
HTTP_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=5),
    maximum_attempts=0,
    non_retryable_error_types=["HttpClientError", "HttpRetriesExhausted", "HttpTargetRefused"],
)

# Bookkeeping in our own database: retried until the database is back, up to the backstop.
# One attempt writes in at most two transactions (the enrollment row, then the change).
RECORD_BUDGET = 2 * DATABASE_WAIT
RECORD_TIMEOUT = RECORD_BUDGET + REPORT_MARGIN
RECORD_SCHEDULE_TO_CLOSE = STEP_SCHEDULE_TO_CLOSE
RECORD_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=1),
    maximum_attempts=0,
)

# Local activities (branch evaluation, send-window lookups, bookkeeping at the end): short
# database work run inside the workflow task, no round trip through the server. The same
# budget as the other bookkeeping, so an attempt is never retried while it may still be writing.
LOCAL_TIMEOUT = RECORD_TIMEOUT
LOCAL_SCHEDULE_TO_CLOSE = STEP_SCHEDULE_TO_CLOSE
LOCAL_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=1),
    maximum_attempts=0,
)
# Writing a profile change (update_profile): an ordinary activity, retried until the database
# is back; the write and its record are one transaction, so a retry never applies it twice.
UPDATE_PROFILE_TIMEOUT = RECORD_TIMEOUT
