"""The winner of a random split with `auto_winner`: the path every new enrollment then takes.

A winner is per workflow version: a new version starts over. `decide_split_winner` is where the
decision is made; the experiment statistics (lift with an anytime-valid interval) decide and
record the row in `split_winners`. Until that decision is plugged in here, it only reads the row
that is there (written by the statistics, or by hand).
"""

from sqlmodel import Session, select

from flowline.core.models.experiments import SplitWinner


def recorded_winner(
    session: Session, workflow_id: int, version: int, step_path: str
) -> SplitWinner | None:
    return session.exec(
        select(SplitWinner).where(
            SplitWinner.workflow_id == workflow_id,
            SplitWinner.version == version,
            SplitWinner.step_path == step_path,
        )
    ).first()


def decide_split_winner(
    session: Session, workflow_id: int, version: int, step_path: str
) -> SplitWinner | None:
    """The split's winner for this version, if there is one.

    Called (in the worker, inside the transaction that records the path) before a split with
    `auto_winner` chooses a path. The decision itself (one path significantly better than every
    other, recorded with its lift and interval) belongs here, in the same session, so that it
    is made once and every later enrollment reads the row.
    """
    return recorded_winner(session, workflow_id, version, step_path)
