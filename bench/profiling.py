"""cProfile over the service path: where one batch's time goes."""

import cProfile
import io
import pstats
from collections.abc import Callable


class Profiler:
    """Wraps each timed batch, so setup and counting stay out of the profile."""

    def __init__(self) -> None:
        self._profile = cProfile.Profile()

    def __call__(self, work: Callable[[], None]) -> None:
        self._profile.enable()
        try:
            work()
        finally:
            self._profile.disable()

    def dump(self, path: str) -> None:
        self._profile.dump_stats(path)

    def report(self, top: int) -> str:
        out = io.StringIO()
        stats = pstats.Stats(self._profile, stream=out)
        stats.strip_dirs()
        stats.sort_stats("cumulative").print_stats(top)
        stats.sort_stats("tottime").print_stats(top)
        return out.getvalue()
