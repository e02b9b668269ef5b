"""The sandbox's OpenAPI document, served at /openapi.json (filled in below)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

DOCUMENT: dict[str, Any] = {"openapi": "3.0.3", "info": {"title": "CXone sandbox", "version": "2"},
                            "paths": {}}


async def openapi(request: Request) -> Response:
    return Response(orjson.dumps(DOCUMENT), 200, media_type="application/json")


OPENAPI_ROUTES = [Route("/openapi.json", openapi, methods=["GET"])]
