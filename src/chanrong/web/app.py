"""The FastAPI application: API, pages, static files, OpenAPI with the whole data contract."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import duckdb
from fastapi import Depends, FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic.json_schema import models_json_schema

from chanrong import __version__
from chanrong.model import RECORD_MODELS
from chanrong.platform import Platform
from chanrong.web.api import (
    alerts,
    auth,
    bank,
    carbon,
    consents,
    data,
    grading,
    identifiers,
    indicators,
    ingest,
    ledger,
    park,
    supply,
)
from chanrong.web.charts import plotly_js_path
from chanrong.web.pages import carbon as carbon_pages
from chanrong.web.pages import park as park_pages
from chanrong.web.pages import routes as pages
from chanrong.web.security import csrf_guard, security_middleware

log = logging.getLogger("chanrong.web")
STATIC_DIR = __file__.rsplit("/", 1)[0] + "/static"


@dataclass(frozen=True)
class Settings:
    max_body_bytes: int = 64 << 20
    # (username, password, organisation name): shown on the login page in demo mode only.
    demo_logins: tuple[tuple[str, str, str], ...] = ()


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    spec = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    _, defs = models_json_schema(
        [(m, "validation") for m in RECORD_MODELS],
        ref_template="#/components/schemas/{model}",
    )
    spec.setdefault("components", {}).setdefault("schemas", {}).update(defs.get("$defs", {}))
    app.openapi_schema = spec
    return spec


class Service(Protocol):
    """Work that runs beside the web server (a live feed, an MQTT subscriber)."""

    name: str

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def status(self) -> dict[str, Any]: ...


def create_app(
    platform: Platform, settings: Settings | None = None, services: Sequence[Service] = ()
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        log.info(
            "serving",
            extra={"db": platform.store.path, "schema_version": platform.store.schema_version()},
        )
        for service in services:
            service.start()
            log.info("service started", extra={"service": service.name})
        yield
        for service in reversed(services):
            service.stop()
            log.info("service stopped", extra={"service": service.name})
        log.info("shutting down: closing the store")
        platform.close()

    app = FastAPI(
        title="chanrong 产融 API",
        version=__version__,
        description=(
            "Real-time production-operations data for SME credit and orders. Every record kind "
            "of the data contract is under components/schemas; GET /api/v1/kinds lists them."
        ),
        lifespan=lifespan,
    )
    app.state.platform = platform
    app.state.settings = settings or Settings()
    app.state.services = tuple(services)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]

    @app.middleware("http")
    async def access_log(request: Request, call_next: Any) -> Any:
        started = time.perf_counter()
        response = await call_next(request)
        log.info(
            "request",
            extra={
                "method": request.method, "path": request.url.path, "status": response.status_code,
                "ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )  # fmt: skip
        return response

    @app.exception_handler(duckdb.OutOfMemoryException)
    async def short_of_memory(request: Request, exc: Exception) -> JSONResponse:
        log.error(
            "out of memory", extra={"path": request.url.path, "error": str(exc).splitlines()[0]}
        )
        return JSONResponse(
            {
                "detail": "the server is short of memory; nothing was stored, send the batch again later"
            },
            status_code=503,
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"path": request.url.path})
        return JSONResponse(
            {"detail": "internal error; nothing from this request was stored"}, status_code=500
        )

    @app.exception_handler(pages.LoginRequired)
    async def to_login(request: Request, exc: pages.LoginRequired) -> Any:
        return pages.login_redirect(request)

    @app.get("/healthz", tags=["operations"])
    def healthz() -> dict[str, Any]:
        return {
            "status": "ok",
            "version": __version__,
            "schema_version": platform.store.schema_version(),
            "duckdb_memory_mib": {
                tag: round(n / (1 << 20), 1) for tag, n in platform.store.memory_bytes().items()
            },
            "services": {svc.name: svc.status() for svc in services},
        }

    @app.get("/static/vendor/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(plotly_js_path(), media_type="application/javascript")

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    guarded = [Depends(csrf_guard)]
    routers = (auth.router, auth.keys, ingest.router, data.router, consents.router,
               identifiers.router, ledger.router, indicators.router, grading.router,
               bank.router, bank.orgs, alerts.router, supply.router, carbon.router,
               park.router, park.credit, carbon_pages.router, park_pages.router, pages.router)  # fmt: skip
    for router in routers:
        app.include_router(router, dependencies=guarded)
    app.middleware("http")(security_middleware)
    return app
