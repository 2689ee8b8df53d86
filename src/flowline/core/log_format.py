"""Log lines: text for people, or one JSON object per line (`FLOWLINE_LOG_FORMAT=json`).

Lines logged while an activity runs carry the enrollment's Temporal workflow id (its profile part
redacted) and run id (read from `temporalio.activity.info()`); lines from `workflow.logger` carry
them too. Every handler, ours and uvicorn's, first passes each record through
`RedactPersonalData` (core/log_redaction.py).
"""

import copy
import json
import logging
from datetime import UTC, datetime
from typing import IO, Any

from temporalio import activity
from uvicorn.config import LOGGING_CONFIG

from flowline.core.log_redaction import RedactPersonalData, redact_workflow_id

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_IDS = ("workflow_id", "run_id", "activity")


class TemporalIds(logging.Filter):
    """Adds `workflow_id`, `run_id` (and `activity`) to records logged inside Temporal code."""

    def filter(self, record: logging.LogRecord) -> bool:
        if activity.in_activity():
            info = activity.info()
            record.workflow_id = redact_workflow_id(info.workflow_id or "")
            record.run_id = info.workflow_run_id
            record.activity = info.activity_type
        else:
            # `workflow.logger` puts the workflow's details here.
            details: Any = getattr(record, "temporal_workflow", None)
            if isinstance(details, dict):
                workflow_id = details.get("workflow_id")
                if isinstance(workflow_id, str):
                    record.workflow_id = redact_workflow_id(workflow_id)
                record.run_id = details.get("run_id")
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in _IDS:
            value = getattr(record, name, None)
            if value:
                entry[name] = value
        if record.exc_text:  # left redacted by RedactPersonalData
            entry["exception"] = record.exc_text
        elif record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str)


def log_handler(log_format: str, stream: IO[str] | None = None) -> logging.Handler:
    handler = logging.StreamHandler(stream)
    # On the handler, not a logger: it then sees records from every logger (httpx, temporalio...).
    handler.addFilter(TemporalIds())
    handler.addFilter(RedactPersonalData())
    formatter = JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    handler.setFormatter(formatter)
    return handler


# Libraries whose INFO lines are one per request they make, each with its URL: an HTTP step's
# target URL may hold an address. Their warnings still show.
QUIET_LOGGERS = ("httpx", "httpcore")


def configure_logging(log_format: str) -> None:
    """Everything to stderr, INFO and up, in the configured format."""
    logging.basicConfig(level=logging.INFO, handlers=[log_handler(log_format)], force=True)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def uvicorn_log_config(log_format: str) -> dict[str, Any] | None:
    """uvicorn's logging setup; none for JSON, so its loggers reach our handler instead.

    For text, uvicorn's own handlers (its access log on stdout), each with our redaction.
    """
    if log_format == "json":
        return None
    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"personal_data": {"()": RedactPersonalData}}
    for handler in config["handlers"].values():
        handler["filters"] = ["personal_data"]
    return config
