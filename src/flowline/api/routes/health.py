import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, text

from flowline.api.deps import EngineDep

router = APIRouter(tags=["health"])


def _database_answers(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        return False
    return True


@router.get("/health")
async def health(request: Request, engine: EngineDep) -> JSONResponse:
    """Whether the database and Temporal answer (no authentication)."""
    database = "ok" if await asyncio.to_thread(_database_answers, engine) else "unavailable"
    temporal = "ok" if await request.app.state.temporal.healthy() else "unavailable"
    healthy = database == "ok" and temporal == "ok"
    return JSONResponse(
        {"status": "ok" if healthy else "degraded", "database": database, "temporal": temporal},
        status_code=200 if healthy else 503,
    )
