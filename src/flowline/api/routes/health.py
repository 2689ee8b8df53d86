from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from flowline.api.deps import EngineDep

router = APIRouter(tags=["health"])


@router.get("/health")
async def health(request: Request, engine: EngineDep) -> JSONResponse:
    """Whether the database and Temporal answer (no authentication)."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        database = "ok"
    except Exception:
        database = "unavailable"
    temporal = "ok" if await request.app.state.temporal.healthy() else "unavailable"
    healthy = database == "ok" and temporal == "ok"
    return JSONResponse(
        {"status": "ok" if healthy else "degraded", "database": database, "temporal": temporal},
        status_code=200 if healthy else 503,
    )
