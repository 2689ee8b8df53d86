"""Opens and clicks recorded after the answer went out (the pixel and the redirect never wait
for ingestion), each in a transaction of its own. A failure is logged, without the token, the
address or the profile, and the fetch stays unrecorded."""

import logging
from datetime import datetime

from sqlalchemy import Engine

from flowline.core.database import session_scope
from flowline.core.services.engagement.links import Engaged, opened_delivery
from flowline.core.services.engagement.recording import Kind, record_engagement
from flowline.core.services.engagement.tokens import TrackedDelivery
from flowline.definitions.prefetching_agents import made_by_machine

logger = logging.getLogger("flowline.engagement")


def record_open_job(
    engine: Engine, tracked: TrackedDelivery, user_agent: str | None, at: datetime
) -> None:
    try:
        with session_scope(engine) as session:
            engaged = opened_delivery(session, tracked)
            if engaged is not None:
                machine = made_by_machine(user_agent, engaged.sent_at, at)
                record_engagement(session, engaged, "open", machine=machine, at=at)
    except Exception as error:
        _log("open", error)


def record_click_job(
    engine: Engine, engaged: Engaged, user_agent: str | None, at: datetime
) -> None:
    try:
        with session_scope(engine) as session:
            machine = made_by_machine(user_agent, engaged.sent_at, at)
            record_engagement(session, engaged, "click", machine=machine, at=at)
    except Exception as error:
        _log("click", error)


def _log(kind: Kind, error: Exception) -> None:
    # The message may quote a statement's parameters (the link's address): only the type.
    logger.warning("a tracked %s was not recorded (%s)", kind, type(error).__qualname__)
