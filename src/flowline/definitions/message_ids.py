"""The Message-ID of a workflow email, and how to read back which delivery it belongs to.

`<{digest}.{enrollment id}@flowline>`: the digest (the first 32 hex digits of SHA-256 over the
Temporal workflow id, the run id and the step's path) is stable across retries of the step, so
receivers can de-duplicate; the enrollment id names where to look, and the digest proves the
step (a made-up id names no delivery).
"""

import hashlib
import re

_OURS = re.compile(r"<?([0-9a-f]{32})\.([0-9]{1,19})@flowline>?")


def step_digest(temporal_workflow_id: str, run_id: str, step_path: str) -> str:
    seed = f"{temporal_workflow_id}:{run_id}:{step_path}"
    return hashlib.sha256(seed.encode()).hexdigest()[:32]


def header_message_id(digest: str, enrollment_id: int) -> str:
    return f"<{digest}.{enrollment_id}@flowline>"


def read_message_id(value: str) -> tuple[str, int] | None:
    """(digest, enrollment id) of one of our Message-IDs, with or without its angle brackets."""
    found = _OURS.fullmatch(value.strip())
    if found is None:
        return None
    return found.group(1), int(found.group(2))
