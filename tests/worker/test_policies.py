"""Every activity's start-to-close timeout outlasts the inner I/O it waits on.

So Temporal never starts a retry while the previous attempt may still be sending.
"""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy import Engine

from flowline.core.settings import Settings
from flowline.worker import policies

MAX_STEP_TIMEOUT = timedelta(minutes=5)  # an HTTP step's longest `timeout`


def test_database_waits_of_both_backends_are_the_one_the_budgets_assume(engine: Engine) -> None:
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            waited = timedelta(
                milliseconds=connection.exec_driver_sql("PRAGMA busy_timeout").scalar_one()
            )
        else:
            shown = connection.execute(sa.text("SHOW lock_timeout")).scalar_one()
            assert shown.endswith("s") and shown[:-1].isdigit(), shown
            waited = timedelta(seconds=int(shown[:-1]))
    assert waited == policies.DATABASE_WAIT


def test_each_phase_budget_outlasts_the_io_it_runs() -> None:
    assert policies.STEP_PREPARE_BUDGET >= policies.DATABASE_WAIT
    assert policies.STEP_RECORD_BUDGET > policies.DATABASE_WAIT
    assert policies.SMTP_SEND_BUDGET >= policies.SMTP_COMMAND_TIMEOUT
    assert policies.RECORD_BUDGET > policies.DATABASE_WAIT


def test_start_to_close_of_each_activity_is_its_whole_budget_plus_a_margin() -> None:
    email_phases = (
        policies.STEP_PREPARE_BUDGET + policies.SMTP_SEND_BUDGET + policies.STEP_RECORD_BUDGET
    )
    assert email_phases <= policies.EMAIL_ATTEMPT_BUDGET
    assert policies.EMAIL_ATTEMPT_BUDGET + timedelta(seconds=10) <= policies.EMAIL_TIMEOUT
    assert policies.RECORD_BUDGET + timedelta(seconds=10) <= policies.RECORD_TIMEOUT
    for step_timeout in (timedelta(seconds=1), timedelta(seconds=10), MAX_STEP_TIMEOUT):
        http_phases = policies.STEP_PREPARE_BUDGET + step_timeout + policies.STEP_RECORD_BUDGET
        assert policies.http_attempt_budget(step_timeout) >= http_phases
        assert policies.http_start_to_close(step_timeout) >= (
            policies.http_attempt_budget(step_timeout) + timedelta(seconds=10)
        )


@pytest.mark.parametrize("setting", ["email_retry_seconds", "http_retry_seconds"])
def test_the_backstop_ends_a_step_only_after_the_longest_retry_window_allowed(
    setting: str,
) -> None:
    limit = policies.RETRY_WINDOW_LIMIT.total_seconds()
    Settings(**{setting: limit})
    with pytest.raises(ValidationError):
        Settings(**{setting: limit + 1})
    last_attempt_ends = policies.RETRY_WINDOW_LIMIT + max(
        policies.EMAIL_TIMEOUT, policies.http_start_to_close(MAX_STEP_TIMEOUT)
    )
    assert last_attempt_ends < policies.EMAIL_SCHEDULE_TO_CLOSE
    assert last_attempt_ends < policies.HTTP_SCHEDULE_TO_CLOSE


def test_smtp_waits_at_least_as_long_as_rfc_5321_asks_and_the_attempt_outlasts_them() -> None:
    # RFC 5321 section 4.5.3.2: initial 220 5 min, MAIL and RCPT 5 min, DATA initiation 2 min,
    # data block 3 min, DATA termination 10 min (minimums).
    assert timedelta(minutes=5) <= policies.SMTP_GREETING_TIMEOUT
    assert timedelta(minutes=5) <= policies.SMTP_COMMAND_TIMEOUT
    assert timedelta(minutes=10) <= policies.SMTP_DATA_TIMEOUT
    conversation = (
        policies.SMTP_GREETING_TIMEOUT
        + (policies.SMTP_SETUP_COMMANDS + 2) * policies.SMTP_COMMAND_TIMEOUT
        + 2 * policies.SMTP_DATA_TIMEOUT
    )
    assert conversation <= policies.SMTP_SEND_BUDGET
    assert policies.EMAIL_TIMEOUT > policies.SMTP_SEND_BUDGET


def test_a_dead_workers_steps_move_on_within_20_s_and_a_busy_one_keeps_beating() -> None:
    # Temporal retries after the heartbeat timeout plus the first retry's backoff.
    assert timedelta(seconds=20) >= policies.STEP_HEARTBEAT_TIMEOUT + policies.EMAIL_INITIAL_RETRY
    assert policies.STEP_HEARTBEAT_TIMEOUT >= 5 * policies.STEP_HEARTBEAT_EVERY
