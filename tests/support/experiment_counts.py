"""The experiment counts two ways: as the triggers keep them in `experiment_tallies`, and
counted afresh from `enrollments` and `enrollment_paths` (what they must equal)."""

import sqlalchemy as sa
from sqlalchemy import Engine

Counts = dict[tuple[int, int, str, str, int], tuple[int, int]]


def kept_tallies(engine: Engine) -> Counts:
    """The tallies, without rows that went back to nothing."""
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT workflow_id, version, step_path, cohort, path_index, enrolled, converted "
                "FROM experiment_tallies"
            )
        ).all()
    return {(w, v, s, c, i): (n, k) for w, v, s, c, i, n, k in rows if (n, k) != (0, 0)}


def counted_afresh(engine: Engine) -> Counts:
    with engine.connect() as connection:
        groups = connection.execute(
            sa.text(
                "SELECT workflow_id, version, cohort, count(*), count(converted_at) "
                "FROM enrollments WHERE NOT test GROUP BY workflow_id, version, cohort"
            )
        ).all()
        paths = connection.execute(
            sa.text(
                "SELECT e.workflow_id, e.version, p.step_path, e.cohort, p.path_index, "
                "count(*), count(e.converted_at) FROM enrollment_paths AS p "
                "JOIN enrollments AS e ON e.id = p.enrollment_id WHERE NOT e.test "
                "GROUP BY e.workflow_id, e.version, p.step_path, e.cohort, p.path_index"
            )
        ).all()
    found: Counts = {(w, v, "", c, 0): (n, k) for w, v, c, n, k in groups}
    found.update({(w, v, s, c, i): (n, k) for w, v, s, c, i, n, k in paths})
    return found
