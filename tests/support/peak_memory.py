"""How far this process's resident memory rose above where it stood, read from Linux's counters.

`tracemalloc` would measure Python's allocations more finely, but on Python 3.11 stopping it
while another thread allocates without the GIL (Temporal's core threads do) can crash the
process (CPython gh-128679, fixed in 3.12.9 and 3.13.2 only): it took a pytest worker down.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

_STATUS = Path("/proc/self/status")


@dataclass
class PeakGrowth:
    """Filled in when the block ends: the peak resident size minus the size at its start."""

    bytes: int = 0


def _kib(field: str) -> int:
    found = re.search(rf"^{field}:\s+(\d+) kB$", _STATUS.read_text(), re.MULTILINE)
    assert found, f"{field} missing from {_STATUS}"
    return int(found.group(1))


@contextmanager
def peak_growth() -> Iterator[PeakGrowth]:
    """Reset the resident high-water mark, run the block, report how far above its start it rose."""
    # Writing 5 to clear_refs sets VmHWM back to the current resident size (Linux ≥ 4.0).
    Path("/proc/self/clear_refs").write_text("5")
    start = _kib("VmRSS")
    growth = PeakGrowth()
    yield growth
    growth.bytes = max(0, _kib("VmHWM") - start) * 1024
