"""What each kind of log line keeps of a path, a URL, a workflow id and an address."""

import io
import json
import logging
import logging.config
import time
from urllib.parse import quote

import pytest
from uvicorn.logging import AccessFormatter

from flowline.core.log_format import configure_logging, log_handler, uvicorn_log_config
from flowline.core.log_redaction import (
    RedactPersonalData,
    redact,
    redact_path,
    redact_workflow_id,
)

# Ids ingestion accepts: slashes, percent signs, quotes, spaces, unicode, a long one.
PROFILE_IDS = [
    "gdpr/subject",
    "tenant:42:ada",
    "50%off",
    'o\'neil "the" one',
    "anne b?c#d",
    "../..",
    "zoë@例え.jp",
    "x" * 255,
]


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/v1/profiles/ada", "/v1/profiles/<redacted>"),
        ("/v1/profiles/gdpr/subject/events?limit=5", "/v1/profiles/<redacted>"),
        ("/profiles/ada%40example.test", "/profiles/<redacted>"),
        ("/profiles?id=ada%40example.test", "/profiles"),
        ("/u/WyJhZGEiLDFd.c2ln", "/u/<token>"),
        ("/c/abc.def?u=https%3A%2F%2Fexample.test", "/c/<token>"),
        ("/o/abc.def", "/o/<token>"),
        ("/set-password/Zm9v_YmFy-9", "/set-password/<token>"),
        ("/v1/enrollments?profile_id=ada", "/v1/enrollments"),
        ("/v1/workflows/3/stats", "/v1/workflows/3/stats"),
        ("/users/u/1", "/users/u/1"),
        # The erase form names no profile in its path (the id is in the body).
        ("/profiles/erase", "/profiles/erase"),
        ("/v1/profiles/erase", "/v1/profiles/<redacted>"),
    ],
)
def test_a_request_path_keeps_no_query_profile_id_or_token(path: str, logged: str) -> None:
    assert redact_path(path) == logged


@pytest.mark.parametrize("profile_id", PROFILE_IDS)
def test_workflow_ids_lose_their_profile_part_however_temporal_quotes_them(
    profile_id: str,
) -> None:
    workflow_id = f"enroll:12:{profile_id}"
    info = {"activity_type": "http_call", "workflow_id": workflow_id, "workflow_run_id": "r-1"}
    lines = [
        f"Completing activity as failed ({info})",
        f"Failed activation on workflow EnrollmentWorkflow with ID {workflow_id} and run ID r-1",
        f"Activity function http_call for workflow {workflow_id} is not registered",
        f"task (workflow: EnrollmentWorkflow, id: {workflow_id}, run: r-1)",
    ]
    for line in lines:
        redacted = redact(line)
        assert "enroll:12:<redacted>" in redacted, redacted
        for part in profile_id.split():
            assert len(part) < 4 or part not in redacted, redacted
    assert "'workflow_run_id': 'r-1'" in redact(lines[0])
    assert redact(lines[1]).endswith("enroll:12:<redacted> and run ID r-1")
    assert redact_workflow_id(workflow_id) == "enroll:12:<redacted>"


def test_urls_lose_their_query_and_addresses_are_replaced_anywhere() -> None:
    address = "erase.me@example.test"
    line = (
        f"HTTP Request: POST http://127.0.0.1:8080/erase?e={quote(address, safe='')}&p=7 "
        f'"HTTP/1.1 503" to <{address}>, form {address.replace("@", "%40")}'
    )
    redacted = redact(line)
    assert "http://127.0.0.1:8080/erase " in redacted
    assert "erase.me" not in redacted and "?e=" not in redacted
    assert redacted.count("<address>") == 2


def test_a_set_password_link_loses_its_token_in_free_text() -> None:
    line = "mail to <x> with https://flowline.example/set-password/abc_DEF-123 failed"

    assert redact(line) == "mail to <x> with https://flowline.example/set-password/<token> failed"


def test_uvicorn_access_lines_keep_their_shape_with_the_path_redacted() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "DELETE", "/v1/profiles/ada%40example.test?x=1", "1.1", 204),
        None,
    )
    assert RedactPersonalData().filter(record)
    line = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s').format(record)
    assert line == '127.0.0.1:5000 - "DELETE /v1/profiles/<redacted> HTTP/1.1" 204 No Content'


def test_uvicorn_text_config_puts_the_filter_on_each_of_its_handlers() -> None:
    config = uvicorn_log_config("text")
    assert config is not None
    assert all(h["filters"] == ["personal_data"] for h in config["handlers"].values())
    assert uvicorn_log_config("json") is None  # its loggers reach our handler, filter and all


def test_an_exception_text_is_redacted_in_json_lines() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("flowline.test_redaction")
    logger.addHandler(log_handler("json", stream))
    logger.propagate = False
    try:
        try:
            raise ValueError("no mailbox for ada@example.test at http://t.test/x?e=ada")
        except ValueError:
            logger.exception("failed for workflow %s", "enroll:3:ada@example.test")
    finally:
        logger.handlers.clear()
        logger.propagate = True
    [line] = [json.loads(text) for text in stream.getvalue().splitlines()]
    assert line["message"] == "failed for workflow enroll:3:<redacted>"
    assert "ValueError: no mailbox for <address> at http://t.test/x" in line["exception"]
    assert "ada" not in stream.getvalue()


def test_http_clients_log_requests_only_from_warning_up() -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        configure_logging("text")
        assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
        assert not logging.getLogger("httpcore.http11").isEnabledFor(logging.INFO)
        assert logging.getLogger("httpx").isEnabledFor(logging.WARNING)
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        for name in ("httpx", "httpcore"):
            logging.getLogger(name).setLevel(logging.NOTSET)


@pytest.mark.parametrize("line", ["a" * 100_000, "http://" * 15_000, "'enroll:1:" * 10_000])
def test_a_long_line_is_redacted_in_about_linear_time(line: str) -> None:
    started = time.perf_counter()
    redact(line)
    assert time.perf_counter() - started < 2.0  # quadratic backtracking would take minutes
