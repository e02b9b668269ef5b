"""`python -m cxone_outbound.sandbox`: the sandbox server (what `cxo sandbox serve` and tests run).

Prints one JSON line to stdout when it listens: `{"baseUrl", "clientId", "clientSecret",
"accessKeyId", "accessKeySecret", "db"}`.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from pathlib import Path

import orjson

from cxone_outbound.sandbox.control.guard import TOKEN_ENV
from cxone_outbound.sandbox.http.faults import FaultSpecError, parse_fault_spec
from cxone_outbound.sandbox.http.ratelimit import DEFAULT_BURST, DEFAULT_RATE
from cxone_outbound.sandbox.http.serving import serve
from cxone_outbound.sandbox.options import (
    DEFAULT_HOST,
    DEFAULT_IMPORT_ROWS_PER_S,
    DEFAULT_PORT,
    DEFAULT_TOKEN_TTL,
    SandboxOptions,
)
from cxone_outbound.sandbox.store.admin.access_keys import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
)
from cxone_outbound.sandbox.store.auth import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_TENANT,
)


def parse_args(argv: list[str]) -> SandboxOptions:
    parser = argparse.ArgumentParser(prog="python -m cxone_outbound.sandbox",
                                     description="Run the CXone outbound API sandbox.")
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--rate-limit", type=float, default=DEFAULT_RATE)
    parser.add_argument("--burst", type=int, default=DEFAULT_BURST)
    parser.add_argument("--no-rate-headers", action="store_true",
                        help="send no X-RateLimit-* and no Retry-After (as a real tenant)")
    parser.add_argument("--faults", default="")
    parser.add_argument("--seed-contacts", type=int, default=0)
    parser.add_argument("--token-ttl", type=int, default=DEFAULT_TOKEN_TTL)
    parser.add_argument("--import-rows-per-s", type=float, default=DEFAULT_IMPORT_ROWS_PER_S)
    parser.add_argument("--control-token", default=os.environ.get(TOKEN_ENV) or None,
                        help=f"Require this token on /sandbox calls (default: ${TOKEN_ENV}).")
    args = parser.parse_args(argv)
    try:
        parse_fault_spec(args.faults)
    except FaultSpecError as exc:
        parser.error(f"--faults: {exc}")
    if args.import_rows_per_s <= 0 or args.token_ttl <= 0 or args.rate_limit < 0:
        parser.error("--import-rows-per-s and --token-ttl must be > 0, --rate-limit >= 0")
    return SandboxOptions(host=args.host, port=args.port, db_path=args.db,
                          rate_limit=args.rate_limit, burst=args.burst,
                          rate_headers=not args.no_rate_headers, faults=args.faults,
                          seed_contacts=args.seed_contacts, token_ttl=args.token_ttl,
                          import_rows_per_s=args.import_rows_per_s,
                          control_token=args.control_token)


def announce(url: str, db: Path) -> None:
    line = {"baseUrl": url, "tenant": DEFAULT_TENANT, "clientId": DEFAULT_CLIENT_ID,
            "clientSecret": DEFAULT_CLIENT_SECRET, "accessKeyId": DEFAULT_ACCESS_KEY_ID,
            "accessKeySecret": DEFAULT_ACCESS_KEY_SECRET, "db": str(db)}
    sys.stdout.write(orjson.dumps(line).decode() + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> None:
    options = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        serve(options, announce)
    except OSError as exc:
        sys.stderr.write(f"error: cannot listen on {options.host}:{options.port}: {exc}\n")
        sys.exit(4)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    # The process is ours: collect cycles every 50,000 allocations, not 700. The import worker
    # holds a job's parsed rows (thousands of lists), which the default made every full
    # collection walk again (issue 15: about 2 us of the sandbox's ~22 us an imported row).
    gc.set_threshold(50_000, 20, 100)
    main()
