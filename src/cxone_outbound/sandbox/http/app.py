"""The ASGI app: API routes, token routes, control routes, and a lifespan that owns the workers."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from cxone_outbound.sandbox.admin.dnc_routes import DNC_ROUTES
from cxone_outbound.sandbox.admin.login import ADMIN_AUTH_ROUTES
from cxone_outbound.sandbox.admin.routes import ADMIN_ROUTES
from cxone_outbound.sandbox.admin.skill_routes import SKILL_ROUTES
from cxone_outbound.sandbox.control.routes import CONTROL_ROUTES
from cxone_outbound.sandbox.errors import MethodNotAllowed, NotFound, SandboxError
from cxone_outbound.sandbox.http.endpoint import error_response
from cxone_outbound.sandbox.http.runtime import Sandbox
from cxone_outbound.sandbox.lookups.routes import LOOKUP_ROUTES
from cxone_outbound.sandbox.options import SandboxOptions
from cxone_outbound.sandbox.v2.oauth import TOKEN_ROUTES
from cxone_outbound.sandbox.v2.openapi import OPENAPI_ROUTES
from cxone_outbound.sandbox.v2.routes import API_ROUTES


async def _http_error(request: Request, exc: Exception) -> Response:
    """Unknown paths and wrong methods get contract error bodies too."""
    request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    error: SandboxError
    if status == 404:
        error = NotFound(f"no route {request.url.path}")
    elif status == 405:
        error = MethodNotAllowed(f"{request.method} is not allowed on {request.url.path}")
    else:
        error = SandboxError(str(getattr(exc, "detail", "error")))
        error.status = status
    headers = dict(getattr(exc, "headers", None) or {})
    return error_response(error, request_id, headers)


def build_app(options: SandboxOptions, db_path: Path) -> Starlette:
    """The sandbox app over the database at `db_path`; the workers run during its lifespan."""
    sandbox = Sandbox(options, db_path)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await sandbox.start()
        try:
            yield
        finally:
            await sandbox.stop()

    app = Starlette(
        routes=[*TOKEN_ROUTES, *API_ROUTES, *ADMIN_AUTH_ROUTES, *ADMIN_ROUTES, *DNC_ROUTES,
                *SKILL_ROUTES,
                *CONTROL_ROUTES, *OPENAPI_ROUTES, *LOOKUP_ROUTES],
        exception_handlers={HTTPException: _http_error},
        lifespan=lifespan,
    )
    app.state.sandbox = sandbox
    return app
