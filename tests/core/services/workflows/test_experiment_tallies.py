"""The experiment tallies follow every change of enrollments and their paths, whatever writes
them: kept by triggers, checked against the counts made afresh after each kind of change."""

import random

import sqlalchemy as sa
from sqlalchemy import Engine

from flowline.core.database import session_scope
from flowline.core.models.enrollments import Enrollment
from flowline.core.timestamps import utcnow
from tests.support.experiment_counts import counted_afresh, kept_tallies
from tests.support.experiment_rows import (
    add_enrollments,
    experiment_definition,
    store_new_version,
    store_workflow,
)


def _ids(engine: Engine, where: str = "1 = 1") -> list[int]:
    with engine.connect() as connection:
        return list(
            connection.execute(sa.text(f"SELECT id FROM enrollments WHERE {where} ORDER BY id"))
            .scalars()
            .all()
        )


def _execute(engine: Engine, statement: str, **values: object) -> None:
    with engine.begin() as connection:
        connection.execute(sa.text(statement), values)


def test_tallies_follow_inserts_conversions_paths_cohorts_test_flags_and_erasure(
    engine: Engine,
) -> None:
    rng = random.Random(18)
    wid = store_workflow(engine, experiment_definition())
    other = store_workflow(engine, experiment_definition())
    add_enrollments(engine, wid, 1, 40, 10, cohort="treatment")
    add_enrollments(engine, wid, 1, 8, 3, cohort="holdout")
    add_enrollments(engine, wid, 1, 5, 5, test=True)
    add_enrollments(engine, other, 1, 6, 2, path=("1", 1, "B"))
    version = store_new_version(engine, wid, experiment_definition())
    add_enrollments(engine, wid, version, 12, 4, path=("1", 0, "A"))
    assert kept_tallies(engine) == counted_afresh(engine)

    # A split chooses paths for enrollments, some of which converted before reaching it.
    now = utcnow()
    for eid in _ids(engine, f"workflow_id = {wid} AND version = 1 AND cohort = 'treatment'")[:30]:
        _execute(
            engine,
            "INSERT INTO enrollment_paths (enrollment_id, workflow_id, version, step_path, "
            "path_index, path_name, chosen_at) VALUES (:eid, :wid, 1, '1', :k, 'AB', :now)",
            eid=eid,
            wid=wid,
            k=rng.randrange(2),
            now=now,
        )
    assert kept_tallies(engine) == counted_afresh(engine)

    # Conversions, through the ORM as the worker records them, and one taken back.
    open_ids = _ids(engine, f"workflow_id = {wid} AND converted_at IS NULL")
    with session_scope(engine) as session:
        for eid in rng.sample(open_ids, 15):
            session.get_one(Enrollment, eid).converted_at = now
    converted = _ids(engine, f"workflow_id = {wid} AND converted_at IS NOT NULL")
    _execute(engine, "UPDATE enrollments SET converted_at = NULL WHERE id = :eid", eid=converted[0])
    assert kept_tallies(engine) == counted_afresh(engine)

    # An update that leaves the conversion as it was changes nothing.
    _execute(engine, "UPDATE enrollments SET converted_at = :now", now=utcnow())
    _execute(engine, "UPDATE enrollments SET status = 'exited' WHERE id = :eid", eid=converted[1])
    assert kept_tallies(engine) == counted_afresh(engine)

    # A cohort written after the insert, and the test flag both ways.
    some = _ids(engine, f"workflow_id = {wid} AND version = 1")
    _execute(engine, "UPDATE enrollments SET cohort = 'holdout' WHERE id = :eid", eid=some[0])
    _execute(engine, "UPDATE enrollments SET test = :t WHERE id = :eid", t=True, eid=some[1])
    tested = _ids(engine, "test")
    _execute(engine, "UPDATE enrollments SET test = :t WHERE id = :eid", t=False, eid=tested[0])
    assert kept_tallies(engine) == counted_afresh(engine)

    # Erasure deletes enrollments (their path rows cascade).
    for eid in rng.sample(_ids(engine), 20):
        _execute(engine, "DELETE FROM enrollments WHERE id = :eid", eid=eid)
    assert kept_tallies(engine) == counted_afresh(engine)


def test_deleting_a_workflow_takes_its_tallies_with_it(engine: Engine) -> None:
    wid = store_workflow(engine, experiment_definition())
    add_enrollments(engine, wid, 1, 5, 1, path=("1", 0, "A"))

    _execute(engine, "DELETE FROM workflows WHERE id = :wid", wid=wid)

    assert kept_tallies(engine) == {} == counted_afresh(engine)
