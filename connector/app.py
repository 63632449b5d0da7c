"""The Starlette application: routes, and a lifespan that opens the database and runs the worker."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.routing import BaseRoute

from connector.logs import setup_logging
from connector.routes import admin, health, storefront, webhooks
from connector.routes import shopify_app as shopify_app_routes
from connector.routes import woocommerce as woocommerce_routes
from connector.services.handlers import build_worker
from connector.services.runtime import Runtime, make_http_client
from connector.settings import Settings, load_settings
from connector.store.db import close_db, init_db, migrate

log = logging.getLogger("connector")


def all_routes(settings: Settings | None = None) -> list[BaseRoute]:
    """Every route of the app (the App Proxy's path comes from the settings)."""
    proxy_path = settings.shopify.proxy_path if settings else storefront.DEFAULT_PROXY_PATH
    return [
        *health.routes,
        *webhooks.routes,
        *shopify_app_routes.routes,
        *admin.routes,
        *woocommerce_routes.routes,
        *storefront.build_routes(proxy_path),
    ]


def create_app(
    settings: Settings | None = None,
    *,
    runtime: Runtime | None = None,
    manage_db: bool = True,
    run_worker: bool | None = None,
) -> Starlette:
    """Build the app. Tests pass a ready `runtime` and `manage_db=False`."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        nonlocal runtime
        cfg = runtime.settings if runtime else (settings or load_settings())
        setup_logging(cfg.log_level)
        if manage_db:
            if cfg.is_sqlite:
                applied = await migrate(cfg.database_url)
                await close_db()
                if applied:
                    log.info("applied migrations: %s", ", ".join(applied))
            await init_db(cfg.database_url)
        own_runtime = runtime is None
        rt = runtime or Runtime(cfg, make_http_client())
        app.state.runtime = rt
        for line in cfg.unconfigured_features():
            log.warning("not configured: %s", line)
        stop = asyncio.Event()
        task = None
        if run_worker if run_worker is not None else cfg.worker.in_process:
            task = asyncio.create_task(build_worker(rt).run(stop), name="worker")
        try:
            yield
        finally:
            stop.set()
            if task is not None:
                await task
            if own_runtime:
                await rt.http.aclose()
            if manage_db:
                await close_db()

    return Starlette(
        routes=all_routes(runtime.settings if runtime else settings), lifespan=lifespan
    )
