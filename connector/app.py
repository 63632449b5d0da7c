"""The Starlette application: routes, and a lifespan that opens the database and runs the worker."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.routing import BaseRoute

from connector.logs import setup_logging
from connector.routes import admin_ui, health, notifications, storefront, terms, webhooks
from connector.routes import shopify_app as shopify_app_routes
from connector.routes import woocommerce as woocommerce_routes
from connector.routes.admin import api as admin_api
from connector.services.base.runtime import Runtime, make_http_client
from connector.services.handlers import build_worker
from connector.settings import Settings, load_settings
from connector.store.db import close_db, init_db, migrate

log = logging.getLogger("connector")


def all_routes(settings: Settings | None = None) -> list[BaseRoute]:
    """Every route of the app (the App Proxy's path comes from the settings)."""
    proxy_path = settings.shopify.proxy_path if settings else storefront.DEFAULT_PROXY_PATH
    return [
        *webhooks.routes,  # first: the hot path matches at once
        *health.routes,
        *notifications.routes,
        *shopify_app_routes.routes,
        *admin_api.routes,
        *admin_ui.routes,
        *woocommerce_routes.routes,
        *storefront.build_routes(proxy_path),
        *terms.routes,
    ]


def create_app(
    settings: Settings | None = None,
    *,
    runtime: Runtime | None = None,
    manage_db: bool = True,
    run_worker: bool | None = None,
    warn_unconfigured: bool = True,
) -> Starlette:
    """Build the app. Tests pass a ready `runtime` and `manage_db=False`.

    `warn_unconfigured=False` (the demo) logs no warning about settings it does not use.
    """

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
        # Said once, here (the CLI does not repeat it), and only where it applies.
        for line in cfg.unconfigured_features() if warn_unconfigured else ():
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


def demo_app(settings: Settings, storefront_url: str) -> Starlette:
    """The connector's app plus the demo store, set up on start and advanced in the background."""
    # Imported here: only `connector demo` needs the sandbox store's pages.
    from connector.routes import demo as demo_routes
    from connector.services import demo as demo_service

    # The demo drives the worker itself (demo.keep_advancing), so there is no second loop.
    # The sandbox needs no Shopify keys, public URL or production key: no warning about them.
    app = create_app(settings, run_worker=False, warn_unconfigured=False)
    app.router.routes.extend(demo_routes.routes)
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with inner(app):
            runtime: Runtime = app.state.runtime
            await demo_service.set_up(runtime, storefront_url)
            stop = asyncio.Event()
            task = asyncio.create_task(demo_service.keep_advancing(runtime, stop), name="demo")
            try:
                yield
            finally:
                stop.set()
                await task

    app.router.lifespan_context = lifespan
    return app
