"""Figures for Prometheus.

Several API and worker processes run side by side, so fleet-wide figures (enrollments,
deliveries, the outbox) are read from the database when scraped, with a few grouped counts; every
API process reports the same values (aggregate them with `max`, not `sum`). Events ingested are
counted by the process that committed them (aggregate with `sum`).
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, ProcessCollector, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine, event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlmodel import col, func, select

from flowline.core.database import read_scope
from flowline.core.models.enrollments import ENDED_STATUSES, Delivery, Enrollment
from flowline.core.models.outbox import OutboxIntent
from flowline.core.models.workflows import Workflow
from flowline.core.timestamps import utcnow

DELIVERY_TYPES = ("email", "http")
DELIVERY_STATUSES = ("sent", "failed", "skipped")
_PENDING_EVENTS = "flowline_events_ingested"

EVENTS_INGESTED = Counter(
    "flowline_events_ingested",
    "Events accepted and committed by this process (duplicates not counted).",
    registry=None,
)


def count_events_on_commit(session: Session, accepted: int) -> None:
    """Count `accepted` events once the session's transaction commits (not if it rolls back)."""
    session.info[_PENDING_EVENTS] = session.info.get(_PENDING_EVENTS, 0) + accepted


@event.listens_for(Session, "after_commit")
def _count_committed(session: Session) -> None:
    accepted = session.info.pop(_PENDING_EVENTS, 0)
    if accepted:
        EVENTS_INGESTED.inc(accepted)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_PENDING_EVENTS, None)


class DatabaseFigures(Collector):
    """Enrollments, deliveries and the outbox as the database holds them at scrape time."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("flowline_database_up", "Whether the database answered the scrape.")
        try:
            figures = list(self._figures())
        except SQLAlchemyError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from figures

    def _figures(self) -> Iterator[Metric]:
        with read_scope(self._engine) as session:
            by_status = dict(
                session.exec(
                    select(Enrollment.status, func.count()).group_by(col(Enrollment.status))
                ).all()
            )
            deliveries = session.exec(
                select(Delivery.type, Delivery.status, func.count()).group_by(
                    col(Delivery.type), col(Delivery.status)
                )
            ).all()
            skipped = session.exec(
                select(func.coalesce(func.sum(Workflow.skipped_no_consent), 0))
            ).one()
            depth, oldest = session.exec(
                select(func.count(), func.min(OutboxIntent.created_at)).where(
                    col(OutboxIntent.done_at).is_(None)
                )
            ).one()
        yield from _enrollments(by_status, int(skipped))
        yield _deliveries(deliveries)
        yield from _outbox(int(depth), oldest)


def _enrollments(by_status: dict[str, int], skipped_no_consent: int) -> Iterator[Metric]:
    yield CounterMetricFamily(
        "flowline_enrollments_started",
        "Enrollments started (test enrollments included).",
        value=sum(by_status.values()),
    )
    ended = CounterMetricFamily(
        "flowline_enrollments_ended", "Enrollments ended, by status.", labels=["status"]
    )
    for status in sorted(set(ENDED_STATUSES) | set(by_status) - {"active"}):
        ended.add_metric([status], by_status.get(status, 0))
    yield ended
    yield GaugeMetricFamily(
        "flowline_enrollments_active", "Enrollments running now.", value=by_status.get("active", 0)
    )
    yield CounterMetricFamily(
        "flowline_enrollments_skipped_no_consent",
        "Triggers that did not enroll because the profile had not consented.",
        value=skipped_no_consent,
    )


def _deliveries(rows: Sequence[tuple[str, str, int]]) -> Metric:
    counts = {(t, s): 0 for t in DELIVERY_TYPES for s in DELIVERY_STATUSES}
    counts.update({(t, s): n for t, s, n in rows})
    family = CounterMetricFamily(
        "flowline_deliveries",
        "Executed email and HTTP steps, by type and status.",
        labels=["type", "status"],
    )
    for (type_, status), count in sorted(counts.items()):
        family.add_metric([type_, status], count)
    return family


def _outbox(depth: int, oldest: datetime | None) -> Iterator[Metric]:
    yield GaugeMetricFamily(
        "flowline_outbox_depth", "Intents not yet handed to Temporal.", value=depth
    )
    age = max(0.0, (utcnow() - oldest).total_seconds()) if oldest else 0.0
    yield GaugeMetricFamily(
        "flowline_outbox_oldest_intent_age_seconds",
        "Age of the oldest intent not yet handed to Temporal (0 when there is none).",
        value=age,
    )


def metrics_registry(engine: Engine) -> CollectorRegistry:
    """What `GET /metrics` serves: the database figures and this process's own counters."""
    registry = CollectorRegistry()
    registry.register(DatabaseFigures(engine))
    registry.register(EVENTS_INGESTED)
    ProcessCollector(registry=registry)
    return registry


@contextmanager
def served_on_own_port(registry: CollectorRegistry, host: str, port: int) -> Iterator[None]:
    """`registry` served by prometheus-client's own HTTP server (a thread) while inside."""
    server, thread = start_http_server(port, addr=host, registry=registry)
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
