"""Experiments end to end (API, outbox, Temporal dev server, worker, SMTP and HTTP targets):
a holdout that is sent nothing but converts, the goal window, and random splits."""

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from flowline.core.models.experiments import EnrollmentPath, SplitWinner
from flowline.definitions.experiments import chosen_path, cohort_of
from testkit.eventually import eventually
from tests.api.steps import email_step, http_step
from tests.support.flowline_harness import Flowline


def ids_in(workflow: dict[str, Any], cohort: str, count: int, prefix: str) -> list[str]:
    """Profile ids that the workflow's current version draws into `cohort`."""
    found = (
        f"{prefix}-{n}"
        for n in range(1000)
        if cohort_of(workflow["id"], workflow["version"], f"{prefix}-{n}", 50) == cohort
    )
    return [next(found) for _ in range(count)]


def ids_on_path(workflow: dict[str, Any], path: int, count: int, prefix: str) -> list[str]:
    found = (
        f"{prefix}-{n}"
        for n in range(1000)
        if chosen_path(workflow["id"], workflow["version"], "0", f"{prefix}-{n}", [50, 50]) == path
    )
    return [next(found) for _ in range(count)]


async def enrolled(flowline: Flowline, workflow_id: int, count: int) -> list[dict[str, Any]]:
    async def all_ended() -> list[dict[str, Any]] | None:
        rows = await flowline.enrollments_of(workflow_id)
        done = [r for r in rows if r["status"] != "active"]
        return rows if len(done) == count and len(rows) == count else None

    return await eventually(all_ended, 30, f"{count} enrollments ended", interval=0.05)


async def test_holdout_profiles_are_sent_nothing_and_convert_on_the_goal(
    flowline: Flowline,
) -> None:
    campaign = await flowline.campaign()
    hook = flowline.http_target.url("/hook")
    workflow = await flowline.workflow(
        holdout_percent=50,
        goal={"event": "purchase"},
        steps=[email_step(campaign["id"]), http_step(hook)],
    )
    held = ids_in(workflow, "holdout", 2, "held")
    treated = ids_in(workflow, "treatment", 2, "treated")
    for profile_id in held + treated:
        await flowline.profile(profile_id, email=f"{profile_id}@example.com", first_name="Ann")
        await flowline.event(profile_id, "registered")
    await flowline.settled()
    await flowline.mailbox.wait_for(2)
    await flowline.http_target.wait_for("/hook", 2)
    rows = await enrolled(flowline, workflow["id"], 4)
    await flowline.event(held[0], "purchase")
    await flowline.settled()

    groups = {r["profile_id"]: r["group"] for r in rows}
    assert groups == {**dict.fromkeys(held, "holdout"), **dict.fromkeys(treated, "treatment")}
    recipients = sorted(r for message in flowline.mailbox.recipients for r in message)
    assert recipients == sorted(f"{p}@example.com" for p in treated)
    assert sorted(r.json()["p"] for r in flowline.http_target.to("/hook")) == sorted(treated)
    by_profile = {r["profile_id"]: await flowline.enrollment(r["id"]) for r in rows}
    assert by_profile[held[0]]["converted"] is True
    assert by_profile[held[1]]["converted"] is False
    assert by_profile[held[1]]["steps"] == []
    timeline = by_profile[held[1]]["timeline"]
    assert [e["kind"] for e in timeline][:3] == ["entered", "consent", "holdout"]
    stats = (await flowline.api.get(f"/v1/workflows/{workflow['id']}/stats")).json()
    assert stats["holdout"] == {"enrolled": 2, "converted": 1, "conversion_rate": 0.5}
    assert [s["executed"] for s in stats["steps"]] == [2, 2]


async def test_a_goal_after_the_steps_converts_within_the_window_and_not_after_it(
    flowline: Flowline,
) -> None:
    window = timedelta(seconds=3)
    workflow = await flowline.workflow(
        goal={"event": "purchase"},
        goal_window=window.total_seconds(),
        steps=[http_step(flowline.http_target.url("/hook"))],
    )
    for profile_id in ("in-time", "too-late"):
        await flowline.profile(profile_id)
        await flowline.event(profile_id, "registered")
    await flowline.settled()
    rows = {r["profile_id"]: r for r in await enrolled(flowline, workflow["id"], 2)}
    assert {r["status"] for r in rows.values()} == {"completed"}  # the steps have ended

    await flowline.event("in-time", "purchase")
    await flowline.settled()
    started = datetime.fromisoformat(rows["too-late"]["started_at"])

    async def window_over() -> bool:
        return datetime.now(started.tzinfo) > started + window + timedelta(milliseconds=100)

    await eventually(window_over, 10, "the goal window over", interval=0.05)
    await flowline.event("too-late", "purchase")
    await flowline.settled()

    assert (await flowline.enrollment(rows["in-time"]["id"]))["converted"] is True
    assert (await flowline.enrollment(rows["too-late"]["id"]))["converted"] is False


def paths_of(flowline: Flowline, workflow_id: int) -> dict[str, tuple[int, int]]:
    """`{profile id: (version, path index)}` from `enrollment_paths`."""
    from flowline.core.models.enrollments import Enrollment

    with Session(flowline.engine) as session:
        rows = session.exec(
            select(Enrollment.profile_id, EnrollmentPath.version, EnrollmentPath.path_index)
            .join(Enrollment, Enrollment.id == EnrollmentPath.enrollment_id)  # type: ignore[arg-type]
            .where(EnrollmentPath.workflow_id == workflow_id)
        ).all()
    return {profile_id: (version, index) for profile_id, version, index in rows}


def split_body(flowline: Flowline, *, auto_winner: bool) -> dict[str, Any]:
    return {
        "type": "split",
        "paths": [
            {"name": "A", "weight": 50, "steps": [http_step(flowline.http_target.url("/a"))]},
            {"name": "B", "weight": 50, "steps": [http_step(flowline.http_target.url("/b"))]},
        ],
        "auto_winner": auto_winner,
    }


async def enroll_all(flowline: Flowline, workflow_id: int, profiles: list[str]) -> None:
    for profile_id in profiles:
        await flowline.profile(profile_id)
        assert (await flowline.enroll(workflow_id, profile_id)).status_code == 201


async def test_each_profile_follows_the_path_it_drew_and_its_timeline_shows_it(
    flowline: Flowline,
) -> None:
    workflow = await flowline.workflow(steps=[split_body(flowline, auto_winner=False)])
    on_a = ids_on_path(workflow, 0, 2, "a")
    on_b = ids_on_path(workflow, 1, 2, "b")
    await enroll_all(flowline, workflow["id"], on_a + on_b)
    rows = await enrolled(flowline, workflow["id"], 4)

    assert sorted(r.json()["p"] for r in flowline.http_target.to("/a")) == sorted(on_a)
    assert sorted(r.json()["p"] for r in flowline.http_target.to("/b")) == sorted(on_b)
    assert paths_of(flowline, workflow["id"]) == {
        **dict.fromkeys(on_a, (1, 0)),
        **dict.fromkeys(on_b, (1, 1)),
    }
    detail = await flowline.enrollment(next(r["id"] for r in rows if r["profile_id"] == on_b[0]))
    [path] = [e for e in detail["timeline"] if e["kind"] == "path"]
    assert (path["path"], path["summary"]) == (
        "0",
        "Random split: drawn for path 'B' (50 % of profiles)",
    )
    assert [s["step_path"] for s in detail["steps"]] == ["0", "0.paths.1.0"]
    stats = (await flowline.api.get(f"/v1/workflows/{workflow['id']}/stats")).json()
    assert [(s["path"], s["executed"]) for s in stats["steps"]] == [
        ("0", 4),
        ("0.paths.0.0", 2),
        ("0.paths.1.0", 2),
    ]


async def test_a_recorded_winner_takes_new_enrollments_only_and_a_new_version_starts_over(
    flowline: Flowline,
) -> None:
    workflow = await flowline.workflow(steps=[split_body(flowline, auto_winner=True)])
    before = ids_on_path(workflow, 0, 1, "before")
    await enroll_all(flowline, workflow["id"], before)
    await enrolled(flowline, workflow["id"], 1)
    with Session(flowline.engine) as session:
        session.add(
            SplitWinner(
                workflow_id=workflow["id"],
                version=1,
                step_path="0",
                path_index=1,
                path_name="B",
                lift=0.05,
                ci_low=0.01,
                ci_high=0.09,
            )
        )
        session.commit()
    after = ids_on_path(workflow, 0, 2, "after")  # would draw A: the winner B takes them
    await enroll_all(flowline, workflow["id"], after)
    await enrolled(flowline, workflow["id"], 3)

    body = {k: workflow[k] for k in ("name", "trigger", "consent_property", "steps")}
    response = await flowline.api.put(f"/v1/workflows/{workflow['id']}", json=body)
    assert response.status_code == 200, response.text
    second = response.json()
    assert second["version"] == 2
    fresh = ids_on_path(second, 0, 1, "fresh")  # version 2 draws A for it: no winner there
    await enroll_all(flowline, workflow["id"], fresh)
    await enrolled(flowline, workflow["id"], 4)

    assert paths_of(flowline, workflow["id"]) == {
        before[0]: (1, 0),
        after[0]: (1, 1),
        after[1]: (1, 1),
        fresh[0]: (2, 0),
    }
    detail = await flowline.enrollment(
        next(
            r["id"]
            for r in await flowline.enrollments_of(workflow["id"])
            if r["profile_id"] == after[0]
        )
    )
    [path] = [e for e in detail["timeline"] if e["kind"] == "path"]
    assert path["facts"]["winner"] is True
