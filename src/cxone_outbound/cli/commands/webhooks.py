"""`cxo webhooks`: receive deliveries (`listen`), and see or remove registrations."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from typer._click import exceptions as click_exceptions

from cxone_outbound.cli.exit_codes import ExitCode
from cxone_outbound.cli.state import CliState
from cxone_outbound.client.dialect import open_api
from cxone_outbound.client.errors import NotFound
from cxone_outbound.client.models import Webhook
from cxone_outbound.config import Settings
from cxone_outbound.private_files import UnsafeTarget, check_regular_target
from cxone_outbound.webhooks.delivery import (
    DEFAULT_MAX_BODY,
    DEFAULT_TOLERANCE,
    ReceivedEvent,
    Rejection,
)
from cxone_outbound.webhooks.listener import WebhookListener
from cxone_outbound.webhooks.registration import webhook_events, webhook_url

app = typer.Typer(help="Receive webhook deliveries; list and delete webhook registrations.")

_PREVIEW_WIDTH = 160


def _event_line(event: ReceivedEvent) -> str:
    data = json.dumps(event.data, separators=(",", ":"), default=str)
    if len(data) > _PREVIEW_WIDTH:
        data = data[: _PREVIEW_WIDTH - 1] + "…"
    return f"{event.received_at:%H:%M:%S} {event.event} id={event.id} {data}"


@app.command("listen")
def listen(
    ctx: typer.Context,
    secret: Annotated[
        str,
        typer.Option(
            "--secret",
            envvar="CXONE_WEBHOOK_SECRET",
            help="The webhook's signing secret (returned once at registration).",
            show_default=False,
        ),
    ],
    host: Annotated[str, typer.Option("--host", help="Address to bind.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="Port to bind (0: a free one).")
    ] = 8765,
    out: Annotated[
        Path | None, typer.Option("--out", help="Append each accepted event as a JSON line.")
    ] = None,
    max_body: Annotated[
        int, typer.Option("--max-body", min=1, help="Largest body accepted, in bytes (else 413).")
    ] = DEFAULT_MAX_BODY,
    tolerance: Annotated[
        float,
        typer.Option(
            "--tolerance", min=1, help="Seconds an event's occurredAt may differ from now."
        ),
    ] = DEFAULT_TOLERANCE.total_seconds(),
    count: Annotated[
        int | None, typer.Option("--count", min=1, help="Stop after this many accepted events.")
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Append to a --out that is not a regular file (FIFO...)."),
    ] = False,
) -> None:
    """Receive signed webhook deliveries until Ctrl-C (or --count events)."""
    state = ctx.ensure_object(CliState)
    if out is not None:
        try:
            check_regular_target(out, force=force)
        except UnsafeTarget as exc:
            raise click_exceptions.UsageError(str(exc)) from None
    live = sys.stderr if state.json_output else sys.stdout

    def on_event(event: ReceivedEvent) -> None:
        print(_event_line(event), file=live, flush=True)

    def on_reject(rejection: Rejection) -> None:
        print(
            f"refused {rejection.status} {rejection.code}: {rejection.message}",
            file=sys.stderr,
            flush=True,
        )

    def on_abort(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    listener = WebhookListener(
        secret,
        on_abort=on_abort,
        host=host,
        port=port,
        out=out,
        max_body=max_body,
        tolerance=timedelta(seconds=tolerance),
        on_event=on_event,
        on_reject=on_reject,
    )
    try:
        asyncio.run(_serve(listener, count))
    except OSError as exc:
        print(f"error: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        raise typer.Exit(ExitCode.BAD_INPUT) from None
    summary = {"url": listener.url, **listener.stats.to_json()}
    state.output.result(
        summary,
        lambda console: console.print(
            f"stopped: {summary['accepted']} accepted, {summary['duplicates']} duplicates, "
            f"{sum(listener.stats.rejected.values())} refused",
            markup=False,
        ),
    )


async def _serve(listener: WebhookListener, count: int | None) -> None:
    """Serve until SIGINT/SIGTERM, or until `count` events were accepted."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    show = listener.on_event

    def on_event(event: ReceivedEvent) -> None:
        if show is not None:
            show(event)
        if count is not None and listener.stats.accepted >= count:
            stop.set()

    listener.on_event = on_event
    async with listener:
        print(f"listening on {listener.url}", file=sys.stderr, flush=True)
        await stop.wait()


async def _list_webhooks(settings: Settings) -> list[Webhook]:
    async with open_api(settings) as client:  # admin: the tool's own registrations
        return await client.list_webhooks()


async def _delete_webhook(settings: Settings, webhook_id: str) -> None:
    async with open_api(settings) as client:
        await client.delete_webhook(webhook_id)


@app.command("list")
def list_registered(ctx: typer.Context) -> None:
    """List the webhook registrations (secrets are never shown)."""
    state = ctx.ensure_object(CliState)
    hooks = asyncio.run(_list_webhooks(state.settings()))
    rows: list[dict[str, Any]] = [
        {
            "id": hook.id,
            "name": hook.name,
            "url": webhook_url(hook),
            "events": sorted(webhook_events(hook)),
        }
        for hook in hooks
    ]

    def render(console: Console) -> None:
        if not rows:
            console.print("no webhooks registered", markup=False)
            return
        table = Table("id", "name", "url", "events")
        for row in rows:
            table.add_row(row["id"], row["name"] or "", row["url"] or "", ", ".join(row["events"]))
        console.print(table)

    state.output.result({"webhooks": rows}, render)


@app.command("delete")
def delete(
    ctx: typer.Context,
    webhook_id: Annotated[str, typer.Argument(help="The webhook id (see 'cxo webhooks list').")],
) -> None:
    """Remove a webhook registration (exit 1 when there is no such webhook)."""
    state = ctx.ensure_object(CliState)
    try:
        asyncio.run(_delete_webhook(state.settings(), webhook_id))
    except NotFound:
        print(f"error: no webhook {webhook_id}", file=sys.stderr)
        raise typer.Exit(ExitCode.FAILED_RECORDS) from None
    state.output.result(
        {"deleted": webhook_id},
        lambda console: console.print(f"deleted webhook {webhook_id}", markup=False),
    )
