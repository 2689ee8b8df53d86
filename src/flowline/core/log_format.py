"""Log lines: text for people, or one JSON object per line (`FLOWLINE_LOG_FORMAT=json`).

Lines logged while an activity runs carry the enrollment's Temporal workflow id and run id (read
from `temporalio.activity.info()`); lines from `workflow.logger` carry them too.
"""

import json
import logging
from datetime import UTC, datetime
from typing import IO, Any

from temporalio import activity
from uvicorn.config import LOGGING_CONFIG

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_IDS = ("workflow_id", "run_id", "activity")


class TemporalIds(logging.Filter):
    """Adds `workflow_id`, `run_id` (and `activity`) to records logged inside Temporal code."""

    def filter(self, record: logging.LogRecord) -> bool:
        if activity.in_activity():
            info = activity.info()
            record.workflow_id = info.workflow_id
            record.run_id = info.workflow_run_id
            record.activity = info.activity_type
        else:
            # `workflow.logger` puts the workflow's details here.
            details: Any = getattr(record, "temporal_workflow", None)
            if isinstance(details, dict):
                record.workflow_id = details.get("workflow_id")
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
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str)


def log_handler(log_format: str, stream: IO[str] | None = None) -> logging.Handler:
    handler = logging.StreamHandler(stream)
    # On the handler, not a logger: it then sees records from every logger (httpx, temporalio...).
    handler.addFilter(TemporalIds())
    formatter = JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    handler.setFormatter(formatter)
    return handler


def configure_logging(log_format: str) -> None:
    """Everything to stderr, INFO and up, in the configured format."""
    logging.basicConfig(level=logging.INFO, handlers=[log_handler(log_format)], force=True)


def uvicorn_log_config(log_format: str) -> dict[str, Any] | None:
    """uvicorn's logging setup; none for JSON, so its loggers reach our handler instead."""
    return None if log_format == "json" else LOGGING_CONFIG
