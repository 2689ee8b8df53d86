"""A request's writes are committed before its answer leaves: a 201 means it is there."""

import json
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.orm import Session

from tests.api.raw_asgi import call


@pytest.fixture
def commits() -> Iterator[list[str]]:
    log: list[str] = []

    def committed(_: Session) -> None:
        log.append("committed")

    event.listen(Session, "after_commit", committed)
    yield log
    event.remove(Session, "after_commit", committed)


async def test_a_created_campaign_is_committed_before_the_201_starts(
    api_app: FastAPI, commits: list[str]
) -> None:
    campaign = {"name": "Welcome", "subject": "Hi", "html": "<p>Hi</p>", "status": "active"}

    exchange = await call(
        api_app, "POST", "/v1/campaigns", iter([json.dumps(campaign).encode()]), log=commits
    )

    assert exchange.status == 201, exchange.body
    assert commits == ["committed", "response started"]
