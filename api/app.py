"""The FastAPI application: ``/api/v1`` JSON API, ``/health``, and the web pages (:mod:`api.web`)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

from api import docs_ui, errors, web
from api.middleware import RequestContext
from api.ratelimit import limiter_for
from api.routers import (
    dispatch,
    exports,
    notifications,
    registry,
    reports,
    schedules,
    sla,
    system,
    tickets,
    uptime,
    webhooks,
)
from api.routing import LANE_SIZES, TransactionRoute
from api.settings import Settings, get_settings
from fleet.answers import AnswerCache
from fleet.db import Database, make_engine

API_PREFIX = "/api/v1"


def create_app(settings: Settings | None = None, *, db: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    threads = settings.worker_threads
    LANE_SIZES["reports"] = settings.report_concurrency

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # the request threads every handler's trip runs in (anyio's default: 40), lanes aside (api/routing.py)
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        yield

    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = FastAPI(
        title="slatrack",
        version="0.1.0",
        description="Service-level tracker for equipment fleets under government contracts.",
        openapi_url="/openapi.json",
        docs_url=None,  # served from local files: api/docs_ui.py
        redoc_url=None,
        lifespan=lifespan,
    )
    app.router.route_class = TransactionRoute  # routes added on the app itself too (api/routing.py)
    app.state.settings = settings
    app.state.db = db or Database(make_engine(settings.database_url, pool_size=settings.db_pool_size))
    app.state.rate_limiter = limiter_for(settings.rate_limit_per_minute)
    app.state.answers = AnswerCache(settings.answer_cache_size)
    errors.install(app)
    app.include_router(system.health_router, prefix=API_PREFIX, responses=errors.ERROR_RESPONSES)
    app.include_router(system.health_router, include_in_schema=False)
    app.include_router(system.router, prefix=API_PREFIX, responses=errors.ERROR_RESPONSES)
    app.include_router(registry.router, prefix=API_PREFIX, responses=errors.ERROR_RESPONSES)
    app.include_router(tickets.router, prefix=API_PREFIX, responses=errors.ERROR_RESPONSES)
    app.include_router(dispatch.router, prefix=API_PREFIX, responses=errors.ERROR_RESPONSES)
    app.include_router(sla.router, prefix=API_PREFIX, responses=errors.ERROR_RESPONSES)
    app.include_router(uptime.router, prefix=API_PREFIX, responses=errors.ERROR_RESPONSES)
    app.include_router(exports.router, prefix=API_PREFIX, responses=errors.ERROR_RESPONSES)
    app.include_router(reports.router, prefix=API_PREFIX, responses=errors.ERROR_RESPONSES)
    app.include_router(webhooks.router, prefix=API_PREFIX, responses=errors.ERROR_RESPONSES)
    app.include_router(notifications.router, prefix=API_PREFIX, responses=errors.ERROR_RESPONSES)
    app.include_router(schedules.router, prefix=API_PREFIX, responses=errors.ERROR_RESPONSES)
    docs_ui.install(app, openapi_url="/openapi.json", title="slatrack")
    web.install(app, settings)
    app.add_middleware(RequestContext, max_body_bytes=settings.max_body_bytes,
                       max_upload_bytes=settings.max_upload_bytes,
                       upload_paths=(f"{API_PREFIX}/reports/verify", "/reports/verify"), json_prefix=API_PREFIX,
                       raw_json_paths=(f"{API_PREFIX}/status-events",))
    return app
