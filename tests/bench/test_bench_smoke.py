"""`make bench` keeps working: its entry point runs every scenario at a tiny size and prints
every figure line. Speed is not judged here (the bench asserts nothing either)."""

import subprocess
import sys
from pathlib import Path

# `python -m bench` runs from the repository root, as `make bench` does.
ROOT = Path(__file__).resolve().parents[2]

TINY = [
    "--quick",
    "--enrollments", "3",
    "--latency-samples", "1",
    "--burst", "5",
    "--waiting", "5",
    "--goals", "1",
    "--stats-enrollments", "50",
    "--campaign-deliveries", "40",
    "--search-profiles", "30",
    "--preview-profiles", "30",
    "--preview-events", "300",
    "--batches", "2",
    "--batch-size", "20",
    "--profiles", "20",
    "--fault-mails", "20",
    "--dryrun-events", "300",
    "--dryrun-profiles", "30",
    "--experiment-enrollments", "50",
]  # fmt: skip
FIGURES = [
    "5. ingestion on sqlite through the API",
    "5. sqlite: batch 2 / batch 1 speed",
    "stats at 50 enrollment rows [sqlite]",
    "campaign stats at 40 deliveries [sqlite] median / p95 (API)",
    "workflow stats with email figures, 10 enrollments / 40 deliveries [sqlite]",
    "profiles search at 30 [sqlite] id prefix median / p95",
    "profiles search at 30 [sqlite] rare value (coupon, 1 in 100,000) median / p95",
    "dry run of 300 events / 30 profiles [sqlite] best / median",
    "dry run of 300 events [sqlite] peak Python memory",
    "segment preview at 30 / 300 [sqlite] property eq (city, 2.5 %) median / p95",
    "segment preview at 30 / 300 [sqlite] performed page_view >= 3 within 30 days median / p95",
    "segment preview at 30 / 300 [sqlite] where plan=pro, counted by a segment median / p95",
    "segment preview at 30 / 300 [sqlite] any/not mix median / p95",
    "experiment at 50 enrollment rows [sqlite] median / p95 (API)",
    "1. throughput [send_email, wait PT1S], N=3",
    "2. trigger -> first mail p50 / p95",
    "1. throughput [http_call], N=3",
    "3. burst of 5 absorbed",
    "3. goal -> closed p95 while absorbing",
    "3. goal -> closed p95 once absorbed",
    "4. 5 waiting: worker RSS",
    "4. 5 waiting: stats median / p95",
    "4. 5 waiting: goal -> closed p95 once absorbed",
    "worker killed mid-burst: duplicated mails",
    "worker killed mid-burst: lost mails",
    "worker killed mid-burst: kill -> steps retried",
    "worker killed mid-burst: kill -> first retried mail",
]


def test_bench_runs_every_scenario_and_prints_every_figure() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", *TINY],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    summary = done.stdout.split("== figures", 1)[1]
    for figure in FIGURES:
        assert figure in summary, f"{figure!r} missing from:\n{summary}"
    assert "not measured" not in summary


def test_preview_reuses_the_database_it_kept(tmp_path: Path) -> None:
    """`--keep-data DIR`: the first run loads and keeps the preview's database, the second
    reuses it (no load) and finds the same counts."""
    command = [
        sys.executable, "-m", "bench", "--quick", "--only", "preview", "--backend", "sqlite",
        "--preview-profiles", "30", "--preview-events", "300", "--keep-data", str(tmp_path),
    ]  # fmt: skip
    runs = [
        subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
        for _ in range(2)
    ]
    for done in runs:
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    first, second = (done.stdout for done in runs)
    assert "events written and indexed" in first and "reusing" not in first
    assert "reusing the database loaded before" in second
    assert "events written and indexed" not in second

    def counts(output: str) -> list[str]:
        line = next(
            line for line in output.splitlines() if "segment preview at 30 profiles" in line
        )
        return [part.split("(count ")[1] for part in line.split("; ")]

    assert counts(first) == counts(second)


def test_hot_path_times_each_piece_of_an_enrollment_s_database_work() -> None:
    from bench.hot_path import measure  # noqa: PLC0415 - the bench is not a package dependency

    figures = measure(5)

    assert set(figures) == {
        "prepare_input (checks + snapshot)",
        "ensure_enrollment (the row)",
        "load_step_context",
        "write_delivery",
        "finish_enrollment",
    }
    assert all(ms > 0 for ms in figures.values())
