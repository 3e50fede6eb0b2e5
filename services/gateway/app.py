"""The gateway: an ASGI app (FastAPI on Starlette) in front of the services.

``create_app(settings)`` builds it; ``python -m services.gateway`` serves it with uvicorn. On
start it migrates its own database, loads the identity signing key and connects to RabbitMQ; the
OpenAPI document is at ``/openapi.json`` and readable at ``/docs``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from services.gateway import api, auth_routes, repository
from services.gateway.context import CSRF_HEADER, SESSION_COOKIE, Gateway
from services.gateway.errors import HANDLERS, Problem, unexpected
from services.gateway.notify import Notifier, notifier_from_settings
from services.gateway.oidc import OidcProvider
from services.gateway.principal import InternalTokens
from services.gateway.protections import Protections
from services.gateway.rpc_client import RpcClient
from services.gateway.settings import Settings
from services.gateway.store import GatewayStore
from services.gateway.web import admin, frameworks, pages, workspace
from services.gateway.web.rendering import HERE as WEB
from services.gateway.web.rendering import page
from shared.clock import utcnow
from shared.identity import TokenIssuer

log = logging.getLogger("gateway")
STATIC = WEB / "static"
API_VERSION = "1.0.0"
PURGE_SECONDS = 300
DESCRIPTION = """The housing options suite's HTTP API, for web and mobile front ends and council
systems. Staff sign in through the council's identity provider (`/auth/login`) or send its
access token as `Authorization: Bearer`; customers sign in with an emailed link. Errors are
problem details (`application/problem+json`) with a `code`. See docs/api.md."""


def create_app(
    settings: Settings,
    *,
    notifier: Notifier | None = None,
    rpc: RpcClient | None = None,
) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings.check()
        store = GatewayStore(settings.database_url)
        await asyncio.to_thread(store.migrate)
        client = rpc or await RpcClient.connect(settings.amqp_uri)
        issuer = TokenIssuer.from_file(
            settings.signing_key_file,
            issuer=settings.identity_issuer,
            audience=settings.identity_audience,
            lifetime_seconds=settings.identity_token_seconds,
        )
        oidc = OidcProvider(settings) if settings.oidc_configured else None
        app.state.gateway = Gateway(
            settings=settings,
            rpc=client,
            store=store,
            tokens=InternalTokens(issuer),
            notifier=notifier
            or notifier_from_settings(
                settings.notify_kind,
                outbox_folder=settings.notify_outbox,
                notify_api_key=settings.notify_api_key,
                notify_template_id=settings.notify_template_id,
            ),
            oidc=oidc,
        )
        purger = asyncio.create_task(_purge_forever(app.state.gateway))
        try:
            yield
        finally:
            purger.cancel()
            if oidc is not None:
                await oidc.close()
            if rpc is None:
                await client.close()
            store.close()

    app = FastAPI(
        title="Housing options suite API",
        version=API_VERSION,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    for error, handler in HANDLERS.items():
        app.add_exception_handler(error, _as_page_on_pages(handler))
    app.add_exception_handler(pages.SignInFirst, pages.to_sign_in)
    app.add_exception_handler(workspace.StaffSignInFirst, workspace.to_staff_sign_in)

    app.include_router(auth_routes.router)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(workspace.router)
    app.include_router(admin.router)
    app.include_router(frameworks.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    def api_document() -> dict:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            schemas["Problem"] = Problem.model_json_schema()
            # FastAPI's own validation error shapes are never sent: 422 is a Problem.
            schemas.pop("HTTPValidationError", None)
            schemas.pop("ValidationError", None)
            document["components"]["securitySchemes"] = {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "An access token from the council's identity provider"
                    " (audience OIDC_API_AUDIENCE).",
                },
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": SESSION_COOKIE,
                    "description": "A browser session (staff sign-in or a customer's link);"
                    " unsafe requests also send X-CSRF-Token.",
                },
            }
            for path, operations in document["paths"].items():
                if path.startswith("/api/v1/") and path != "/api/v1/health":
                    for operation in operations.values():
                        operation["security"] = [{"bearer": []}, {"session": []}]
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = api_document

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        page = get_swagger_ui_html(openapi_url="/openapi.json", title="Housing options API")
        # Swagger UI comes from its CDN: this page alone may load from there.
        page.headers["Content-Security-Policy"] = (
            "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net;"
            " style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net;"
            " img-src 'self' data: https://fastapi.tiangolo.com; frame-ancestors 'none'"
        )
        return page

    origins = settings.cors_allow_origins
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(origins),
            allow_credentials=True,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", CSRF_HEADER],
            expose_headers=["Retry-After", "Content-Disposition", "Location"],
            max_age=600,
        )
    app.add_middleware(
        Protections,
        max_body_bytes=settings.max_body_bytes,
        trusted_origins=(settings.public_url, *origins),
        secure=settings.public_url.startswith("https://"),
        on_unexpected=unexpected,
    )
    return app


# Addresses of web pages: their errors are pages too, not problem documents.
PAGE_PREFIXES = ("/work", "/apply", "/my-case")


def _as_page_on_pages(handler):  # noqa: ANN001, ANN202 - Starlette's handler signature
    async def answer(request, error):  # noqa: ANN001, ANN202
        response = await handler(request, error)
        if not request.url.path.startswith(PAGE_PREFIXES):
            return response
        problem = json.loads(response.body)
        return page(
            "error.html",
            status_code=response.status_code,
            title=problem.get("title", "Error"),
            detail=problem.get("detail", ""),
            reference=problem.get("reference"),
        )

    return answer


async def _purge_forever(gateway: Gateway) -> None:
    """Expired sessions, used links and old rate windows go, so the tables stay small."""
    longest = max(
        limit.seconds
        for limit in (
            gateway.settings.rate_limit_sign_in,
            gateway.settings.rate_limit_magic_link,
            gateway.settings.rate_limit_submission,
        )
    )
    while True:
        try:
            await gateway.store.run(repository.purge_expired, utcnow(), longest)
        except Exception as failure:  # noqa: BLE001 - tried again next time
            log.warning("purge failed: %s", type(failure).__name__)
        await asyncio.sleep(PURGE_SECONDS)


__all__ = ["create_app"]
