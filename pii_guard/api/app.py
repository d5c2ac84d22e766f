"""The application factory: builds the FastAPI app for one ``Settings``.

Nothing is created at import time. The lifespan starts ``Services`` (storage, migrations,
keys, policies) unless the caller hands in ready ones (tests, the CLI's ``serve``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

import pii_guard
from pii_guard.api.errors import install_error_handlers
from pii_guard.api.metrics import HttpMetrics
from pii_guard.api.middleware import RequestContextMiddleware, RequestLimitsMiddleware
from pii_guard.api.routers import (
    audit,
    classify,
    consent,
    grants,
    health,
    identity,
    inventory,
    policies,
    protect,
    scans,
    simulate,
)
from pii_guard.config import Settings, load_settings
from pii_guard.services import Services

DESCRIPTION = """\
pii-guard discovers and classifies customer personal data, masks or tokenises it according to
graded authorisation, enforces purposes and consent, and records every access in a
tamper-evident audit log.

Every error has the body `{"error": {"code", "message", "request_id"}}` with a stable `code`;
every response carries `X-Request-ID`. Authenticate with `Authorization: Bearer <API key>`.
"""


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    settings = settings or (services.settings if services else load_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = services is None
        app.state.services = services or Services.start(settings)
        try:
            yield
        finally:
            if owned:
                app.state.services.close()

    app = FastAPI(
        title="pii-guard",
        version=pii_guard.__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        license_info={"name": "Apache-2.0", "identifier": "Apache-2.0"},
    )
    app.state.settings = settings
    app.state.metrics = HttpMetrics()
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(identity.router)
    app.include_router(audit.router)
    app.include_router(classify.router)
    app.include_router(inventory.router)
    app.include_router(scans.router)
    app.include_router(policies.router)
    app.include_router(simulate.router)
    app.include_router(grants.router)
    app.include_router(consent.router)
    app.include_router(protect.router)
    _mount_docs(app)
    app.add_middleware(RequestLimitsMiddleware, max_body_bytes=settings.max_body_bytes,
                       max_json_depth=settings.max_json_depth)
    app.add_middleware(RequestContextMiddleware, metrics=app.state.metrics)
    return app


def _mount_docs(app: FastAPI) -> None:
    """Swagger UI from the packaged bundle, so the docs work without internet access."""
    app.mount("/docs/static", StaticFiles(directory=str(swagger_ui_path)), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="pii-guard API",
            swagger_js_url="/docs/static/swagger-ui-bundle.js",
            swagger_css_url="/docs/static/swagger-ui.css",
            swagger_favicon_url="/docs/static/favicon-32x32.png",
        )
