"""`cxo demo`: the five jobs end to end on an embedded sandbox (see README.md)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console

from cxone_outbound.cli.commands import runs
from cxone_outbound.engine.launch import default_state_dir


def demo_command(
    ctx: typer.Context,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Start from a new sandbox (forget the demo's state).")
    ] = False,
    contacts: Annotated[
        int, typer.Option("--contacts", min=100, max=1_000_000, help="Contacts to generate.")
    ] = 100_000,
    state_dir: runs.StateDirOpt = None,
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="Sandbox port (0: a free one).")
    ] = 0,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the generated workload.")] = 7,
    progress: runs.ProgressOpt = "auto",
    dialect: Annotated[
        str | None,
        typer.Option("--dialect", help="v2 (default) or admin: the jobs speak the sandbox's "
                     "Admin API, as on a real tenant (docs/real-tenant.md)."),
    ] = None,
) -> None:
    """Run import, update, enrich, sanitize and preview end to end on a local sandbox."""
    from cxone_outbound.demo import DemoOptions, run_demo

    state = runs.cli_state(ctx)
    if state.invoke is None:  # the demo runs `cxo` itself, in-process, through its entry point
        runs.usage_error("cxo demo runs through cxo's entry point (cli.main.invoke)")
    if state.json_output:
        runs.usage_error("cxo demo is a guided tour for people; it has no --json output")
    if progress not in ("auto", "rich", "plain", "none"):
        runs.usage_error(f"--progress must be auto, rich, plain or none, not {progress!r}")
    dialect = dialect or state.dialect or "v2"  # the demo's own sandbox: no profile applies
    if dialect not in ("v2", "admin"):
        runs.usage_error(f"--dialect must be v2 or admin, not {dialect!r}")
    options = DemoOptions(
        state_dir=state_dir or default_state_dir(),
        contacts=contacts,
        fresh=fresh,
        port=port,
        seed=seed,
        progress=progress,
        dialect=dialect,
    )
    # Piped to a file or a CI log, a wide table stays readable (a terminal sets its own width).
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 120)
    result = run_demo(options, state.invoke, console)
    raise typer.Exit(0 if result.ok else 1)
