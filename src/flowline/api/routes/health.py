import asyncio
from typing import Literal

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from flowline.api.routing import api_router
from flowline.core.database_availability import database_answers
from flowline.http.dependencies import EngineDep

router = api_router(tags=["health"])
Status = Literal["ok", "unavailable"]


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    database: Status
    temporal: Status


@router.get(
    "/health",
    response_model=Health,
    responses={503: {"description": "The database or Temporal does not answer.", "model": Health}},
)
async def health(request: Request, engine: EngineDep) -> JSONResponse:
    """Whether the database and Temporal answer (no authentication)."""
    database = "ok" if await asyncio.to_thread(database_answers, engine) else "unavailable"
    temporal = "ok" if await request.app.state.temporal.healthy() else "unavailable"
    healthy = database == "ok" and temporal == "ok"
    return JSONResponse(
        {"status": "ok" if healthy else "degraded", "database": database, "temporal": temporal},
        status_code=200 if healthy else 503,
    )
