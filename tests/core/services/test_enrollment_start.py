"""A manual enrollment answers 201 when Temporal started a run, whoever wrote the row first."""

from types import SimpleNamespace

from flowline.core.services.enrollments import _started_new_run


def test_a_new_run_counts_as_created_even_if_its_first_activity_wrote_the_row() -> None:
    handle = SimpleNamespace(_start_workflow_response=SimpleNamespace(started=True))
    assert _started_new_run(handle, row_created=False) is True


def test_use_existing_is_not_created_even_if_the_row_is_new() -> None:
    handle = SimpleNamespace(_start_workflow_response=SimpleNamespace(started=False))
    assert _started_new_run(handle, row_created=True) is False


def test_without_temporals_answer_the_row_decides() -> None:
    assert _started_new_run(SimpleNamespace(), row_created=True) is True
