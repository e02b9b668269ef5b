"""`cxo config`: show the effective settings and where each came from; find or start the file."""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from cxone_outbound.cli.exit_codes import ExitCode
from cxone_outbound.cli.output import emit_json
from cxone_outbound.cli.state import CliState
from cxone_outbound.config import (
    CONFIG_TEMPLATE,
    LoadedSettings,
    mask_url_userinfo,
    resolve_config_path,
)

config_app = typer.Typer(
    help="Show the effective settings and manage the config file.", no_args_is_help=True
)


def settings_document(loaded: LoadedSettings) -> dict[str, Any]:
    """The `config show --json` object: every setting as {value, source}, secrets masked."""
    return {
        "profile": loaded.profile,
        "config_file": str(loaded.config_path),
        "config_file_exists": loaded.config_exists,
        "settings": loaded.describe(),
        "effective_token_url": mask_url_userinfo(loaded.settings.effective_token_url),
        "warnings": [mask_url_userinfo(w) for w in loaded.warnings],
    }


def _render_table(loaded: LoadedSettings, console: Console) -> None:
    exists = "" if loaded.config_exists else " (not found)"
    console.print(f"config file: {loaded.config_path}{exists}", markup=False)
    console.print(f"profile: {loaded.profile}", markup=False)
    table = Table("setting", "value", "source")
    for name, entry in loaded.describe().items():
        value = entry["value"]
        if name == "token_url" and value is None:
            shown = f"{mask_url_userinfo(loaded.settings.effective_token_url)} (from base_url)"
        elif isinstance(value, list):
            shown = " ".join(str(v) for v in value)
        else:
            shown = str(value)
        table.add_row(name, shown, entry["source"])
    console.print(table)


@config_app.command("show")
def show(ctx: typer.Context) -> None:
    """Print the effective settings (secrets masked) and where each value came from."""
    state = ctx.ensure_object(CliState)
    loaded = state.load()
    state.output.result(settings_document(loaded), lambda console: _render_table(loaded, console))


@config_app.command("path")
def path(ctx: typer.Context) -> None:
    """Print the path of the config file in effect (--config, CXONE_CONFIG or the default)."""
    state = ctx.ensure_object(CliState)
    config_path = resolve_config_path(state.config_file, os.environ)
    if state.json_output:
        emit_json({"path": str(config_path), "exists": config_path.is_file()})
    else:
        typer.echo(str(config_path))  # data, not chatter: stdout, so $(cxo config path) works


@config_app.command("init")
def init(
    ctx: typer.Context,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented config file template (readable only by you) at the config path."""
    state = ctx.ensure_object(CliState)
    config_path = resolve_config_path(state.config_file, os.environ)
    if config_path.exists() and not force:
        state.output.info(f"error: {config_path} exists; use --force to overwrite it")
        raise typer.Exit(ExitCode.BAD_INPUT)
    config_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(config_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(CONFIG_TEMPLATE)
    state.output.result(
        {"path": str(config_path), "written": True},
        lambda console: console.print(f"wrote {config_path}", markup=False),
    )
