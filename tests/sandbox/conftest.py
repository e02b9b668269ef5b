"""Fixtures of the sandbox tests: raw HTTP access to the shared or a dedicated server."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from tests.sandbox.httpapi import Api


@pytest.fixture
def api(sandbox: Any) -> Api:
    return Api(sandbox.base_url, sandbox.client_id, sandbox.client_secret)


@pytest.fixture
def api_for() -> Callable[[Any], Api]:
    def make(server: Any) -> Api:
        return Api(server.base_url, server.client_id, server.client_secret)

    return make
