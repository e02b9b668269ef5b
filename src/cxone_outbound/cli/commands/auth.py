"""`cxo auth check`: prove the credentials work, show what the token grants; never the token."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer
from rich.console import Console

from cxone_outbound.cli.state import CliState
from cxone_outbound.client import AccessToken, CXoneClient
from cxone_outbound.client.admin.auth import token_url
from cxone_outbound.client.admin.session import AdminSession
from cxone_outbound.config import Settings, mask_url_userinfo

auth_app = typer.Typer(help="Check the client credentials.", no_args_is_help=True)


def token_report(
    token: AccessToken, settings: Settings, *, now_monotonic: float, now_wall: datetime
) -> dict[str, Any]:
    """What `auth check` says about a token: scopes and expiry, never the token's value."""
    expires_in_s = max(0.0, token.expires_at - now_monotonic)
    granted = set(token.scopes)
    return {
        "ok": True,
        "client_id": settings.client_id,
        "token_url": mask_url_userinfo(settings.effective_token_url),
        "auth_method": settings.auth_method,
        "token_type": token.token_type,
        "scopes": list(token.scopes),
        "missing_scopes": [s for s in settings.scopes if s not in granted],
        "expires_in_s": round(expires_in_s, 1),
        "expires_at": (now_wall + timedelta(seconds=expires_in_s)).isoformat(timespec="seconds"),
    }


def _render(report: dict[str, Any], console: Console) -> None:
    console.print(
        f"token ok: client {report['client_id']} at {report['token_url']} "
        f"({report['auth_method']} auth)",
        markup=False,
    )
    console.print(f"scopes: {' '.join(report['scopes']) or '(none)'}", markup=False)
    if report["missing_scopes"]:
        console.print(
            f"requested but not granted: {' '.join(report['missing_scopes'])}", markup=False
        )
    console.print(
        f"expires in {report['expires_in_s']:.0f} s (at {report['expires_at']})", markup=False
    )


def admin_report(session: AdminSession, token: AccessToken, now_wall: datetime) -> dict[str, Any]:
    """What `auth check --dialect admin` says: login, tenant, discovered host, refresh."""
    settings = session.settings
    discovery = session.discovery
    expires_in_s = max(0.0, token.expires_at - session.clock.monotonic())
    return {
        "ok": True,
        "dialect": "admin",
        "access_key_id": settings.access_key_id,
        "token_url": mask_url_userinfo(token_url(settings)),
        "auth_method": settings.admin_auth,
        "tenant_id": session.auth.tenant_id,
        "api_host": discovery.api_endpoint if discovery else None,
        "discovery": discovery.source if discovery else None,
        "logins": session.auth.logins,
        "refreshed": session.auth.refreshes > 0,
        "token_type": token.token_type,
        "expires_in_s": round(expires_in_s, 1),
        "expires_at": (now_wall + timedelta(seconds=expires_in_s)).isoformat(timespec="seconds"),
    }


def _render_admin(report: dict[str, Any], console: Console) -> None:
    console.print(
        f"token ok: access key {report['access_key_id']} at {report['token_url']} "
        f"({report['auth_method']} login)",
        markup=False,
    )
    console.print(f"tenant: {report['tenant_id'] or '(unknown)'}", markup=False)
    console.print(f"API host: {report['api_host']} ({report['discovery']})", markup=False)
    relogin = "failed: logged in again with the access key" if report["logins"] > 1 else "not done"
    console.print(f"refresh: {'ok' if report['refreshed'] else relogin}", markup=False)
    console.print(
        f"expires in {report['expires_in_s']:.0f} s (at {report['expires_at']})", markup=False
    )


async def _fetch_report(settings: Settings) -> dict[str, Any]:
    if settings.dialect == "admin":
        async with AdminSession(settings) as session:
            token = await session.fetch_token()  # the refresh, by refresh token
            return admin_report(session, token, datetime.now(UTC))
    async with CXoneClient(settings) as client:
        token = await client.fetch_token()
        now = client.transport.clock.monotonic()
        return token_report(token, settings, now_monotonic=now, now_wall=datetime.now(UTC))


@auth_app.command("check")
def check(
    ctx: typer.Context,
    max_attempts: Annotated[
        int | None,
        typer.Option("--max-attempts", min=1, help="Attempts at the token endpoint."),
    ] = None,
    dialect: Annotated[
        str | None,
        typer.Option("--dialect", help="v2 (the tutorials' API) or admin (a real tenant)."),
    ] = None,
) -> None:
    """Fetch a token; print the granted scopes and expiry (exit 3: refused, 4: unreachable).

    With `--dialect admin`: log in with the access key, discover the API host, refresh the
    token, and print the host.
    """
    state = ctx.ensure_object(CliState)
    settings = state.settings(max_attempts=max_attempts, dialect=dialect)
    report = asyncio.run(_fetch_report(settings))
    render = _render_admin if settings.dialect == "admin" else _render
    state.output.result(report, lambda console: render(report, console))
