"""Errors that carry their HTTP status; the API renders them as `{"error", "detail"}`."""

from collections.abc import Sequence
from typing import Any

from flowline.definitions.error_words import in_words
from flowline.definitions.step_kinds import ARM_NAMES, KINDS


class FlowlineError(Exception):
    status_code = 400
    # Seconds a client should wait before trying again (`Retry-After`), when that is known.
    retry_after: int | None = None

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    @property
    def error(self) -> str:
        return type(self).__name__


class NotFound(FlowlineError):
    status_code = 404


class Unauthorized(FlowlineError):
    status_code = 401


class Forbidden(FlowlineError):
    status_code = 403


class Conflict(FlowlineError):
    status_code = 409


class WorkflowDisabled(Conflict):
    pass


class WorkflowHasRunningEnrollments(Conflict):
    pass


class CampaignInUse(Conflict):
    pass


class SegmentInUse(Conflict):
    pass


class ConsentMissing(Conflict):
    pass


class ReentryNotAllowed(Conflict):
    pass


class TemporalUnavailable(FlowlineError):
    """The answer says only that the engine is unavailable; what the client library reported
    (`cause`) is for the log, not for the caller."""

    status_code = 503
    retry_after = 5
    PUBLIC_DETAIL = "the workflow engine is unavailable"

    def __init__(self, cause: str) -> None:
        super().__init__(self.PUBLIC_DETAIL)
        self.cause = cause

    def __str__(self) -> str:
        return f"{self.PUBLIC_DETAIL}: {self.cause}"


def rpc_cause(error: Exception) -> str:
    """A Temporal RPC failure for the log: its status and message."""
    status = getattr(error, "status", None)
    return f"{getattr(status, 'name', type(error).__name__)}: {getattr(error, 'message', error)}"


class DatabaseUnavailable(FlowlineError):
    """The database refused the request or kept it waiting: worth trying again shortly."""

    status_code = 503
    retry_after = 5

    def __init__(self, detail: str = "the database is unavailable") -> None:
        super().__init__(detail)


class ValidationFailed(FlowlineError):
    """422 with the path of every bad field."""

    status_code = 422

    def __init__(self, errors: Sequence[tuple[Sequence[str | int], str]]) -> None:
        self.errors = [{"loc": list(loc), "msg": msg} for loc, msg in errors]
        super().__init__(
            "; ".join(f"{'.'.join(str(p) for p in loc) or 'body'}: {msg}" for loc, msg in errors)
        )

    @property
    def error(self) -> str:
        return "ValidationError"

    @classmethod
    def at(cls, loc: Sequence[str | int], msg: str) -> "ValidationFailed":
        return cls([(loc, msg)])


def pydantic_errors(errors: Sequence[Any], prefix: Sequence[str | int] = ()) -> ValidationFailed:
    """Turn pydantic's errors into ours, in words, with union tags taken out of the paths."""
    return ValidationFailed([((*prefix, *clean_loc(e["loc"])), in_words(e)) for e in errors])


_TRIGGER_GOAL_TAGS = {"segment_entered", "segment_left", "event", "segment"}
_STEP_LISTS = {"steps", *ARM_NAMES}


def clean_loc(loc: Sequence[str | int]) -> list[str | int]:
    """`steps.1.wait.duration` → `steps.1.duration`: the union member's tag is noise to a user.

    Nested steps too: `steps.3.branch.then.0.wait.duration` → `steps.3.then.0.duration`.
    """
    # A bad dict key (a header name) is addressed by the key itself, without pydantic's "[key]".
    parts = [part for part in loc if part != "[key]"]
    if parts and parts[0] == "body":
        parts = parts[1:]
    if len(parts) > 2 and parts[0] in ("trigger", "goal") and parts[1] in _TRIGGER_GOAL_TAGS:
        del parts[1]
    at = 0
    while at + 2 < len(parts):
        if parts[at] in _STEP_LISTS and isinstance(parts[at + 1], int):
            tag = parts[at + 2]
            if isinstance(tag, str) and tag in KINDS:
                del parts[at + 2]
            at += 2
        else:
            at += 1
    return parts


class PayloadTooLarge(FlowlineError):
    status_code = 413
