"""CPU seconds used by this process and by the Temporal dev server it started (Linux /proc).

Best effort: elsewhere, or if /proc cannot be read, the figures are simply left out.
"""

import os
from dataclasses import dataclass
from pathlib import Path

_PROC = Path("/proc")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces: split after its closing parenthesis.
    return text.rsplit(")", 1)[1].split()


def _cpu_seconds(pid: int) -> float | None:
    fields = _stat_fields(pid)
    if fields is None:
        return None
    # utime and stime: fields 14 and 15 of stat, 12 and 13 after the name.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def dev_server_pid() -> int | None:
    """The child process of ours running `temporal server start-dev`."""
    if not _PROC.is_dir():
        return None
    me = os.getpid()
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(int(entry.name))
        if fields is None or int(fields[1]) != me:
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"start-dev" in command:
            return int(entry.name)
    return None


@dataclass(frozen=True)
class CpuSample:
    python: float | None
    server: float | None


def sample(server_pid: int | None) -> CpuSample:
    return CpuSample(
        _cpu_seconds(os.getpid()), _cpu_seconds(server_pid) if server_pid is not None else None
    )


def used(before: CpuSample, after: CpuSample, wall: float, cores: int) -> str | None:
    """`CPU: python 30.1s, temporal server 28.4s of 65 core-seconds (92% of 2 cores)`."""
    if None in (before.python, after.python, before.server, after.server):
        return None
    assert before.python is not None and after.python is not None
    assert before.server is not None and after.server is not None
    python = after.python - before.python
    server = after.server - before.server
    available = wall * cores
    return (
        f"CPU: python process {python:.1f}s, temporal server {server:.1f}s of "
        f"{available:.0f} core-seconds ({(python + server) / available:.0%} of {cores} cores)"
    )
