"""The `cxo` command: global options, sub-commands, and errors turned into exit codes.

Every command module is thin: it parses its arguments, calls the library, renders the result.
To add commands, write `cli/<name>.py` exposing a `typer.Typer` (or a function that registers
commands on `app`) and register it below.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cxone_outbound._version import __version__
from cxone_outbound.cli import webhooks as webhooks_cli
from cxone_outbound.cli.exit_codes import ExitCode, exit_code_for
from cxone_outbound.cli.state import CliState
from cxone_outbound.client.errors import CXoneError

app = typer.Typer(
    name="cxo",
    help="Run the data work of NICE CXone outbound campaigns, safely and fast.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cxone-outbound {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    profile: Annotated[
        str | None, typer.Option("--profile", help="Named profile from the config file.")
    ] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="API base URL (default: the sandbox).")
    ] = None,
    config_file: Annotated[
        Path | None, typer.Option("--config", help="Config file (default: user config dir).")
    ] = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="Machine-readable JSON on stdout; text on stderr.")
    ] = False,
    verbose: Annotated[int, typer.Option("-v", "--verbose", count=True, help="More logs.")] = 0,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    ctx.obj = CliState(
        profile=profile,
        base_url=base_url,
        config_file=config_file,
        json_output=json_output,
        verbose=verbose,
    )


# Sub-commands are registered here, one line each.
app.add_typer(webhooks_cli.app, name="webhooks")


def run() -> None:
    """Console-script entry point: run the app, map errors to exit codes, never a traceback."""
    try:
        app(standalone_mode=False)
    except SystemExit as exc:  # typer.Exit / sys.exit from commands
        raise
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(ExitCode.INTERRUPTED)
    except CXoneError as exc:
        sys.stderr.write(f"error: {exc}\n")
        sys.exit(exit_code_for(exc))
    except Exception as exc:  # click usage errors and the like
        import click

        if isinstance(exc, click.exceptions.Exit):
            sys.exit(exc.exit_code)
        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(ExitCode.BAD_INPUT)
        if isinstance(exc, click.exceptions.Abort):
            sys.stderr.write("aborted\n")
            sys.exit(ExitCode.INTERRUPTED)
        sys.stderr.write(f"error: {type(exc).__name__}: {exc}\n")
        sys.exit(ExitCode.FAILED_RECORDS)
