"""The figures every scenario reports, gathered for the summary table at the end of a run."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    name: str
    measured: str
    target: str
    baseline: str = ""  # the bare Temporal baseline measured in the same run, where there is one
    met: bool | None = None  # None: nothing to compare (or not measured)


def _mark(met: bool | None) -> str:
    return {True: "yes", False: "NO", None: "-"}[met]


def table(figures: list[Figure]) -> str:
    headers = ("figure", "measured", "target", "bare baseline (same run)", "met")
    rows = [headers] + [(f.name, f.measured, f.target, f.baseline, _mark(f.met)) for f in figures]
    widths = [max(len(row[i]) for row in rows) for i in range(len(headers))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def ms(value: float) -> str:
    return f"{value:,.0f} ms"


def rate(value: float) -> str:
    return f"{value:,.1f}/s"
