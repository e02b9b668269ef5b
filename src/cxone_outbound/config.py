"""Settings: where to connect, as whom, and how hard to push.

Values come from CLI flags > `CXONE_*` environment variables > a named profile in the TOML config
file > defaults, and every value remembers where it came from (`cxo config show`).
The defaults target the local sandbox with its documented demo credentials.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

SANDBOX_HOST = "127.0.0.1"
SANDBOX_PORT = 8642
SANDBOX_URL = f"http://{SANDBOX_HOST}:{SANDBOX_PORT}"
DEMO_CLIENT_ID = "demo-client"
DEMO_CLIENT_SECRET = "demo-secret"  # noqa: S105 - the sandbox's documented demo credential

ALL_SCOPES: tuple[str, ...] = (
    "contacts:read",
    "contacts:write",
    "contacts:delete",
    "campaigns:read",
    "campaigns:write",
    "suppressions:read",
    "webhooks:write",
)


class Settings(BaseModel):
    """The effective settings of one invocation. Immutable; secrets masked in repr."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    base_url: str = SANDBOX_URL
    token_url: str | None = None  # None: {base_url}/oauth/token
    client_id: str = DEMO_CLIENT_ID
    client_secret: SecretStr = SecretStr(DEMO_CLIENT_SECRET)
    scopes: tuple[str, ...] = ALL_SCOPES
    auth_method: Literal["basic", "body"] = "basic"
    connect_timeout: float = Field(default=10.0, gt=0)
    read_timeout: float = Field(default=60.0, gt=0)
    max_rate: float = Field(default=500.0, gt=0)  # requests/s ceiling for the adaptive limiter
    concurrency: int = Field(default=16, ge=1, le=1024)
    max_attempts: int = Field(default=6, ge=1, le=50)
    deadline: float = Field(default=300.0, gt=0)  # seconds one logical call may take, retries included
    dialect: Literal["v2"] = "v2"

    @property
    def effective_token_url(self) -> str:
        return self.token_url or self.base_url.rstrip("/") + "/oauth/token"
