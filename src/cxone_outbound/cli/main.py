"""The `cxo` command: global options, sub-commands, and errors turned into exit codes.

Every command module is thin: it parses its arguments, calls the library, renders the result.
To add commands, write `cli/commands/<name>.py` exposing a `typer.Typer` (or a function that
registers commands on `app`) and register it below.
"""

from __future__ import annotations

import gc
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, NoReturn

import typer

try:  # recent typer vendors click as typer._click; older typer used click itself
    from typer._click import exceptions as click_exceptions
except ImportError:  # pragma: no cover
    from click import exceptions as click_exceptions  # type: ignore[no-redef]

from cxone_outbound._version import __version__
from cxone_outbound.cli.commands import sandbox
from cxone_outbound.cli.commands.auth import auth_app
from cxone_outbound.cli.commands.check import check_command
from cxone_outbound.cli.commands.config import config_app
from cxone_outbound.cli.commands.demo import demo_command
from cxone_outbound.cli.commands.dnc import app as dnc_app
from cxone_outbound.cli.commands.enrich import enrich_command
from cxone_outbound.cli.commands.import_ import import_contacts
from cxone_outbound.cli.commands.preview import app as preview_app
from cxone_outbound.cli.commands.report import report_run
from cxone_outbound.cli.commands.runs import runs_app
from cxone_outbound.cli.commands.sanitize import sanitize_command
from cxone_outbound.cli.commands.tenant import tenant_app
from cxone_outbound.cli.commands.update import update_contacts
from cxone_outbound.cli.commands.webhooks import app as webhooks_app
from cxone_outbound.cli.exit_codes import ExitCode, exit_code_for
from cxone_outbound.cli.output import configure_logging, emit_json
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
    dialect: Annotated[
        str | None,
        typer.Option("--dialect", help="API dialect: v2 (the tutorials' API) or admin (a real "
                     "tenant's Admin API; docs/real-tenant.md)."),
    ] = None,
    skill: Annotated[
        int | None,
        typer.Option("--skill", min=1, help="admin: the dialing skill uploads attach records "
                     "to (default: upload_skill_id, else the list's own skill)."),
    ] = None,
    expiration_days: Annotated[
        int | None,
        typer.Option("--expiration-days", min=1, max=3650, help="admin: uploaded records "
                     "expire this many days from today (default: 30)."),
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
    # `invoke` passes a CliState in so it can read -v when a command fails; CliRunner does not.
    state = ctx.ensure_object(CliState)
    state.profile = profile
    state.base_url = base_url
    state.dialect = dialect
    state.upload_flags = {"upload_skill_id": skill, "upload_expiration_days": expiration_days}
    state.config_file = config_file
    state.json_output = json_output
    state.verbose = verbose
    configure_logging(verbose, state.redactor)


# Sub-commands are registered here, one line each.
app.add_typer(config_app, name="config")
app.add_typer(auth_app, name="auth")
app.add_typer(webhooks_app, name="webhooks")
app.add_typer(preview_app, name="preview")
app.add_typer(runs_app, name="runs")
app.add_typer(dnc_app, name="dnc")
runs_app.command("report")(report_run)
app.add_typer(sandbox.app, name="sandbox")
app.add_typer(tenant_app, name="tenant")
app.command("enrich")(enrich_command)
app.command("update")(update_contacts)
app.command("import")(import_contacts)
app.command("sanitize")(sanitize_command)
app.command("check")(check_command)
app.command("demo")(demo_command)


def _one_line(text: str) -> str:
    return " ".join(text.split())


GC_THRESHOLD = (50_000, 20, 100)
"""The collector's generation thresholds while `cxo` runs (`gc.set_threshold`)."""


def invoke(argv: Sequence[str] | None = None) -> int:
    """Run `cxo` with `argv` (default: sys.argv[1:]) and return its exit code.

    Never lets a traceback out: usage errors exit 2 with one line, library errors with their
    documented code, anything unexpected with one line (the traceback only with -v). Whatever
    it creates is its user's only (umask 077): plans, restore files, reports and run data hold
    contact data.

    The cyclic garbage collector runs every `GC_THRESHOLD[0]` container allocations, not
    Python's 700: a run allocates a few objects a row that all die young, so the default made
    it collect thousands of times a run, the full collections walking the whole heap (issue 15:
    a fifth of `cxo import`'s CPU at 300k rows). Restored on return (a test runs many `cxo`s).
    """
    previous = os.umask(0o077)
    previous_gc = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLD)
    try:
        return _invoke(argv)
    finally:
        os.umask(previous)
        gc.set_threshold(*previous_gc)


def _invoke(argv: Sequence[str] | None) -> int:
    state = CliState(invoke=invoke)
    try:
        result = app(
            args=list(sys.argv[1:] if argv is None else argv),
            prog_name="cxo",
            standalone_mode=False,
            obj=state,
        )
    except SystemExit as exc:  # sys.exit() from a command
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else ExitCode.FAILED_RECORDS)
    except click_exceptions.NoArgsIsHelpError as exc:  # `cxo` or `cxo config` alone: help
        sys.stdout.write(exc.format_message() + "\n")
        return ExitCode.OK
    except click_exceptions.UsageError as exc:
        hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
        sys.stderr.write(f"error: {_one_line(exc.format_message())}{hint}\n")
        return ExitCode.BAD_INPUT
    except click_exceptions.ClickException as exc:  # e.g. a file argument that cannot be opened
        sys.stderr.write(f"error: {_one_line(exc.format_message())}\n")
        return ExitCode.BAD_INPUT
    except typer.Abort:
        sys.stderr.write("aborted\n")
        return ExitCode.INTERRUPTED
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return ExitCode.INTERRUPTED
    except CXoneError as exc:
        _report(state, exc, str(exc))
        return exit_code_for(exc)
    except Exception as exc:
        _report(state, exc, f"{type(exc).__name__}: {exc}")
        return exit_code_for(exc)
    if result == ExitCode.INTERRUPTED:  # typer turns Ctrl-C into Exit(130)
        sys.stderr.write("interrupted\n")
    # typer.Exit(n) comes back as n; a command's other return values are not exit codes.
    return result if isinstance(result, int) and not isinstance(result, bool) else ExitCode.OK


def _report(state: CliState, exc: BaseException, message: str) -> None:
    """One redacted line on stderr (the traceback too with -v); with --json, an error document.

    The JSON error document on stdout is `{"ok": false, "error": {"type", "message", "code",
    "status", "request_id", "exit_code"}}`, so scripts need not parse stderr.
    """
    line = state.redactor.redact(_one_line(message))
    if state.verbose:
        detail = "".join(traceback.format_exception(exc))
        sys.stderr.write(state.redactor.redact(detail))
    sys.stderr.write(f"error: {line}\n")
    if state.json_output:
        error: dict[str, object] = {"type": type(exc).__name__, "message": line}
        if isinstance(exc, CXoneError):
            error.update(
                message=state.redactor.redact(_one_line(exc.message)),
                code=exc.code,
                status=exc.status,
                request_id=exc.request_id,
            )
        error["exit_code"] = int(exit_code_for(exc))
        emit_json({"ok": False, "error": error})


def run() -> NoReturn:
    """Console-script entry point."""
    sys.exit(invoke())
