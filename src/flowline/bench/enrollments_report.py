"""The enrollment benchmark's printed figures: the scenario line, the table of runs with the
flowline/bare ratios, the notes of each run, and the legend."""

from collections.abc import Iterator, Sequence

from flowline.bench.bare_workflow import ACTIVITIES_PER_RUN
from flowline.bench.enrollments_timing import BARE, FLOWLINE, FLOWLINE_ACTIVITIES, EnrollmentRun

HEADERS = (
    "scenario",
    "N",
    "activities/enrollment",
    "s to all started",
    "starts/s",
    "s to all completed",
    "completed/s",
)


def _row(run: EnrollmentRun) -> tuple[str, ...]:
    return (
        run.scenario,
        f"{run.enrollments:,}",
        str(run.activities),
        f"{run.started_seconds:.2f}",
        f"{run.starts_per_second:,.1f}",
        f"{run.completed_seconds:.2f}",
        f"{run.completed_per_second:,.1f}",
    )


def _ratio_row(flowline: EnrollmentRun, bare: EnrollmentRun) -> tuple[str, ...]:
    return (
        "flowline/bare",
        "",
        "",
        f"{flowline.started_seconds / bare.started_seconds:.2f}x",
        f"{flowline.starts_per_second / bare.starts_per_second:.2f}",
        f"{flowline.completed_seconds / bare.completed_seconds:.2f}x",
        f"{flowline.completed_per_second / bare.completed_per_second:.2f}",
    )


def table(runs: Sequence[EnrollmentRun]) -> str:
    rows: list[tuple[str, ...]] = [HEADERS, *(_row(r) for r in runs)]
    by_name = {r.scenario: r for r in runs}
    if FLOWLINE in by_name and BARE in by_name:
        rows.append(_ratio_row(by_name[FLOWLINE], by_name[BARE]))
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADERS))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        )

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(rows[0]), rule, *(line(r) for r in rows[1:])])


LEGEND = (
    "starts/s = N / s to all started; completed/s = N / s to all completed; both clocks start\n"
    "when the worker (and, for Flowline, the dispatcher) starts; every enrollment includes a\n"
    "1 s timer. flowline/bare: ratio of the seconds (x, lower is better) and of the rates\n"
    "(higher is better, 1.00 = as fast as bare Temporal).\n"
    f"Flowline does more per enrollment: {FLOWLINE_ACTIVITIES} activities (http_call + "
    f"finish_enrollment) against bare's {ACTIVITIES_PER_RUN}\n"
    "(the POST), and database work around them (outbox claim and mark done, the enrollment\n"
    "row, the delivery record, the step counter, the final status); its start also carries 4\n"
    "search attributes, and the workflow upserts its status. Flowline runs first, then bare,\n"
    "on the same server; each has its own worker and task queue in this process.\n"
    "CPU: what the python process and the dev server used while the run was timed."
)


def describe(n: int, timeout: float) -> str:
    return (
        f"scenario: N={n} enrollments of [http_call POST to 127.0.0.1, wait 1 s]: Flowline "
        "(event trigger, one batch through apply_changes, the real worker and outbox "
        "dispatcher, SQLite in a temporary directory) against a bare Temporal workflow of "
        f"the same shape; each run must finish within {timeout:.0f}s"
    )


def details(runs: Sequence[EnrollmentRun]) -> Iterator[str]:
    for run in runs:
        for note in run.notes:
            yield f"  {run.scenario:<8} {note}"
