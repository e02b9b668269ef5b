"""How a sandbox server is configured: one value object shared by the CLI, `__main__` and tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cxone_outbound.sandbox.http.ratelimit import DEFAULT_BURST, DEFAULT_RATE

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8642
DEFAULT_TOKEN_TTL = 3600
DEFAULT_IMPORT_ROWS_PER_S = 50_000.0
MAX_JSON_BYTES = 1024 * 1024


@dataclass(frozen=True)
class SandboxOptions:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    db_path: Path | None = None  # None: a temporary database, deleted at exit
    rate_limit: float = DEFAULT_RATE  # requests/s per client; 0 turns limiting off
    burst: int = DEFAULT_BURST
    rate_headers: bool = True  # False: no X-RateLimit-* and no Retry-After (as a real tenant)
    faults: str = ""
    seed_contacts: int = 0
    token_ttl: int = DEFAULT_TOKEN_TTL
    import_rows_per_s: float = DEFAULT_IMPORT_ROWS_PER_S
    max_json_bytes: int = MAX_JSON_BYTES
    control_token: str | None = None  # when set, every /sandbox call must carry it
