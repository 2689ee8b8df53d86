"""A real HTTP target never receives a header that could reframe the request or forge ours.

Real HTTP server on 127.0.0.1, real Temporal dev server, real database.
"""

from typing import Any

from sqlmodel import Session, select

from flowline.core.models.workflows import Workflow, WorkflowVersion
from tests.api.steps import http_step
from tests.support.flowline_harness import Flowline


def store_version_as_saved_earlier(flowline: Flowline, workflow_id: int, steps: list[Any]) -> None:
    """A definition saved before its headers were refused: written as it was, never re-checked."""
    with Session(flowline.engine) as session:
        workflow = session.get(Workflow, workflow_id)
        assert workflow is not None
        current = session.exec(
            select(WorkflowVersion).where(
                WorkflowVersion.workflow_id == workflow_id,
                WorkflowVersion.version == workflow.version,
            )
        ).one()
        workflow.version += 1
        session.add(workflow)
        session.add(
            WorkflowVersion(
                workflow_id=workflow_id,
                version=workflow.version,
                definition={**current.definition, "steps": steps},
            )
        )
        session.commit()


async def test_stored_step_with_smuggling_headers_fails_unsent_and_the_next_step_runs(
    flowline: Flowline,
) -> None:
    target = flowline.http_target
    workflow = await flowline.workflow(steps=[http_step(target.url("/after"))])
    smuggling = {
        "/framing": {"Transfer-Encoding": "chunked"},
        "/key": {"Idempotency_Key": "forged"},
        "/proxy": {"Proxy-Authorization": "Basic eA=="},
    }
    store_version_as_saved_earlier(
        flowline,
        workflow["id"],
        [
            *(http_step(target.url(path), headers=h) for path, h in smuggling.items()),
            http_step(target.url("/after"), headers={"X-Ok": "1"}),
        ],
    )
    await flowline.profile("p-old")

    enrolled = await flowline.enroll(workflow["id"], "p-old")
    assert enrolled.status_code == 201, enrolled.text
    ended = await flowline.ended(enrolled.json()["id"])

    *refused, after = ended["deliveries"]
    assert [(d["status"], d["attempts"]) for d in refused] == [("failed", 1)] * 3
    assert refused[0]["detail"] == (
        "request not sent: Transfer-Encoding cannot be set on an HTTP step: it controls how "
        "the request travels (connection, framing or proxy), which Flowline decides"
    )
    assert "Idempotency_Key is set by Flowline" in refused[1]["detail"]
    assert "Proxy-Authorization cannot be set" in refused[2]["detail"]
    assert after["status"] == "sent"
    assert [r.path for r in target.requests] == ["/after"]
    (received,) = target.requests
    assert received.headers["X-Ok"] == "1"
    assert received.json() == {"p": "p-old"}
    names = [n.lower() for n in received.headers]
    assert names.count("idempotency-key") == 1
    assert not {"idempotency_key", "transfer-encoding", "proxy-authorization"} & set(names)
