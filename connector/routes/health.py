"""GET /healthz (the process is alive) and GET /readyz (the database answers)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from connector.services.base.health import database_ready


async def healthz(request: Request) -> JSONResponse:
    """Alive: answers while the event loop runs."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """Ready: the database is reachable."""
    ok, detail = await database_ready()
    return JSONResponse(
        {"status": "ready" if ok else "unavailable", "database": detail},
        status_code=200 if ok else 503,
    )


routes = [Route("/healthz", healthz), Route("/readyz", readyz)]
