"""Timeouts and retry policies of every activity call, in one place.

The rule behind the numbers: Temporal must never start attempt N+1 while attempt N may still be
sending. So every attempt has a total budget that the activity enforces itself (each phase runs
under `asyncio.timeout`), and the start-to-close timeout is that budget plus a margin for
reporting back.

The step activities (email, HTTP) also heartbeat, from the event loop of the process doing the
work, every STEP_HEARTBEAT_EVERY while an attempt runs (the SDK sends at most one heartbeat per
0.8 x the timeout). A worker that dies stops heartbeating, and Temporal retries its steps after
STEP_HEARTBEAT_TIMEOUT instead of the whole start-to-close timeout (which, for email, follows RFC
5321 and runs to an hour). A live worker whose heartbeats stop reaching Temporal for that long (a
stalled event loop, Temporal away) may see a retry start beside its attempt: the retry finds the
delivery once the attempt recorded it, waits for the attempt when it runs in the same process
(`SendsInFlight`), and otherwise sends the same Message-ID, so receivers can de-duplicate.
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

# SMTP: how long the client waits for each reply, RFC 5321 section 4.5.3.2 (minimums a client
# SHOULD honour: a server that takes 35 s to answer the end of DATA is within its rights, and a
# client that hung up at 30 s had it deliver the message again on every retry).
SMTP_GREETING_TIMEOUT = timedelta(minutes=5)  # connecting and the initial 220
SMTP_COMMAND_TIMEOUT = timedelta(minutes=5)  # MAIL, RCPT; also EHLO, STARTTLS, AUTH
SMTP_DATA_INITIATION_TIMEOUT = timedelta(minutes=2)  # the 354 after DATA
SMTP_DATA_BLOCK_TIMEOUT = timedelta(minutes=3)  # each chunk of the message written
SMTP_DATA_TERMINATION_TIMEOUT = timedelta(minutes=10)  # the 250 after the final "."
# aiosmtplib waits for both replies of DATA (354, then 250) with one timeout: the longer one,
# which also covers writing the message (buffered; the 250 cannot come before it is read).
SMTP_DATA_TIMEOUT = max(
    SMTP_DATA_INITIATION_TIMEOUT, SMTP_DATA_BLOCK_TIMEOUT, SMTP_DATA_TERMINATION_TIMEOUT
)
# QUIT once the message is accepted, RSET once it is refused: politeness, not worth a long wait.
SMTP_QUIT_TIMEOUT = timedelta(seconds=10)
# Commands before MAIL at most: EHLO, STARTTLS, EHLO again, AUTH and its continuation.
SMTP_SETUP_COMMANDS = 5
# The whole conversation: every wait above at its longest, one after the other.
SMTP_SEND_BUDGET = (
    SMTP_GREETING_TIMEOUT
    + SMTP_SETUP_COMMANDS * SMTP_COMMAND_TIMEOUT
    + 2 * SMTP_COMMAND_TIMEOUT  # MAIL, RCPT
    + 2 * SMTP_DATA_TIMEOUT
    + SMTP_QUIT_TIMEOUT
)
EMAIL_ATTEMPT_BUDGET = STEP_PREPARE_BUDGET + SMTP_SEND_BUDGET + STEP_RECORD_BUDGET
EMAIL_TIMEOUT = EMAIL_ATTEMPT_BUDGET + REPORT_MARGIN
# The activity gives up after FLOWLINE_EMAIL_RETRY_SECONDS (at most RETRY_WINDOW_LIMIT) and
# records the delivery `failed`; the schedule-to-close timeout is the hard backstop behind it.
EMAIL_INITIAL_RETRY = timedelta(seconds=1)
EMAIL_MAX_RETRY = timedelta(minutes=5)
RETRY_WINDOW_LIMIT = timedelta(days=7)
# Past the last attempt of the longest retry window, and that attempt's whole start-to-close.
STEP_SCHEDULE_TO_CLOSE = RETRY_WINDOW_LIMIT + timedelta(hours=2)
EMAIL_SCHEDULE_TO_CLOSE = STEP_SCHEDULE_TO_CLOSE
# Step activities heartbeat this often while an attempt runs; an attempt whose heartbeats stop
# for STEP_HEARTBEAT_TIMEOUT (its worker died) is retried then, on any worker. Several beats
# fit in it, so a busy event loop (the beats come from it) is not taken for a dead worker; and a
# dead worker's steps move on within 20 s (the timeout, then the retry's 1 s backoff).
STEP_HEARTBEAT_EVERY = timedelta(seconds=2)
STEP_HEARTBEAT_TIMEOUT = timedelta(seconds=15)
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
