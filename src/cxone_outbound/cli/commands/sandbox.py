"""`cxo sandbox serve`: run the local emulator of the CXone outbound API."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cxone_outbound.cli.exit_codes import ExitCode
from cxone_outbound.sandbox.control.guard import TOKEN_ENV
from cxone_outbound.sandbox.http.faults import FaultSpecError, parse_fault_spec
from cxone_outbound.sandbox.http.ratelimit import DEFAULT_BURST, DEFAULT_RATE
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
from cxone_outbound.sandbox.store.auth import DEFAULT_TENANT

app = typer.Typer(help="The local sandbox: an emulator of the CXone outbound API.",
                  no_args_is_help=True)


@app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = DEFAULT_HOST,
    port: Annotated[int, typer.Option(help="Port (0 picks a free one).", min=0,
                                      max=65535)] = DEFAULT_PORT,
    db: Annotated[Path | None, typer.Option(
        help="SQLite file that keeps the state across restarts (default: temporary).")] = None,
    rate_limit: Annotated[float, typer.Option(
        "--rate-limit", help="Requests/s per client; 0 turns limiting off.", min=0)] = DEFAULT_RATE,
    burst: Annotated[int, typer.Option(help="Token bucket size.", min=1)] = DEFAULT_BURST,
    no_rate_headers: Annotated[bool, typer.Option(
        "--no-rate-headers",
        help="No X-RateLimit-* and no Retry-After on a 429 (as a real tenant).")] = False,
    faults: Annotated[str, typer.Option(
        help="Fault spec, e.g. 'error=0.1:503,drop=0.02,latency=5ms,seed=7' "
             "(see docs/sandbox.md).")] = "",
    seed_contacts: Annotated[int, typer.Option(
        "--seed-contacts", help="Put N realistic contacts in the default list (and a preview "
        "campaign when there is none).", min=0)] = 0,
    token_ttl: Annotated[int, typer.Option(
        "--token-ttl", help="Token lifetime in seconds.", min=1)] = DEFAULT_TOKEN_TTL,
    import_rows_per_s: Annotated[float, typer.Option(
        "--import-rows-per-s", help="Import job speed.", min=1)] = DEFAULT_IMPORT_ROWS_PER_S,
    control_token: Annotated[str | None, typer.Option(
        "--control-token", envvar=TOKEN_ENV, show_default=False,
        help="Require this token (X-Sandbox-Control-Token) on every /sandbox control call.")
    ] = None,
) -> None:
    """Serve the sandbox until interrupted; prints the URL and the demo credentials."""
    try:
        parse_fault_spec(faults)
    except FaultSpecError as exc:
        typer.echo(f"error: --faults: {exc}", err=True)
        raise typer.Exit(ExitCode.BAD_INPUT) from None
    options = SandboxOptions(host=host, port=port, db_path=db, rate_limit=rate_limit,
                             burst=burst, rate_headers=not no_rate_headers, faults=faults,
                             seed_contacts=seed_contacts,
                             token_ttl=token_ttl, import_rows_per_s=import_rows_per_s,
                             control_token=control_token or None)

    def announce(url: str, db_path: Path) -> None:
        limit = f"{rate_limit:g} req/s, burst {burst}" if rate_limit > 0 else "off"
        sys.stderr.write(
            f"CXone sandbox listening on {url}\n"
            f"  v2: tenant demo, client id demo-client, client secret demo-secret\n"
            f"  admin: tenant id {DEFAULT_TENANT}, access key id {DEFAULT_ACCESS_KEY_ID},"
            f" access key secret {DEFAULT_ACCESS_KEY_SECRET}\n"
            f"  database {db_path}{'' if db else ' (temporary)'}\n"
            f"  rate limit {limit}; faults {faults or 'none'}\n"
            f"  control API (/sandbox): {'token required' if control_token else 'no token'}\n"
            f"  Ctrl-C to stop\n")
        sys.stderr.flush()

    # the server's stack (uvicorn, starlette) is loaded by this command only: every other
    # `cxo` command starts without it
    from cxone_outbound.sandbox.http.serving import serve

    try:
        serve(options, announce)
    except OSError as exc:
        typer.echo(f"error: cannot listen on {host}:{port}: {exc}", err=True)
        raise typer.Exit(ExitCode.UNAVAILABLE) from None
    except KeyboardInterrupt:
        pass
