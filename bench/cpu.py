"""CPU seconds used by the processes of a run: the dev server, the worker, the API (Linux /proc).

Best effort: elsewhere, or if /proc cannot be read, the figures are simply left out.
"""

import os
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


class CpuMeter:
    """CPU seconds each named process used since the meter was made (`per(n)`: per item)."""

    def __init__(self, pids: dict[str, int | None]) -> None:
        self._pids = {name: pid for name, pid in pids.items() if pid is not None}
        self._start = {name: _cpu_seconds(pid) for name, pid in self._pids.items()}

    def used(self) -> dict[str, float]:
        found = {}
        for name, pid in self._pids.items():
            before, now = self._start[name], _cpu_seconds(pid)
            if before is not None and now is not None:
                found[name] = now - before
        return found

    def per(self, n: int) -> str:
        """`CPU per enrollment: temporal server 4.1 ms, worker 6.0 ms, api 1.2 ms`."""
        parts = [f"{name} {seconds / n * 1000:.1f} ms" for name, seconds in self.used().items()]
        return "CPU per enrollment: " + (", ".join(parts) if parts else "unknown")
