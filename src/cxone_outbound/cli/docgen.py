"""Write the CLI reference (docs/cli.md) from the commands themselves.

`python -m cxone_outbound.cli.docgen > docs/cli.md` regenerates it; a test fails when the file
is stale, so the reference always says what `--help` says. The text comes from the same click
objects `--help` renders, laid out as Markdown (no terminal width, no box drawing).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import typer
from typer.core import TyperArgument, TyperGroup

try:  # recent typer vendors click as typer._click
    from typer._click import core as click
except ImportError:  # pragma: no cover
    from click import core as click  # type: ignore[no-redef]

HEADER = """\
# CLI reference

Generated from the commands' own help by `python -m cxone_outbound.cli.docgen > docs/cli.md`
(`tests/demo/test_docgen.py` fails when this file is stale). Every command takes the global
options first: `cxo [--profile P] [--base-url URL] [--config FILE] [--json] [-v] COMMAND ...`.
Exit codes are in [exit-codes.md](exit-codes.md).
"""


Walked = tuple[tuple[str, ...], click.Command]


def walk(command: click.Command, path: tuple[str, ...]) -> Iterator[Walked]:
    """Every command under `command`, depth first, in the order `--help` lists them."""
    yield path, command
    if isinstance(command, TyperGroup):
        context = click.Context(command, info_name=path[-1])
        for name in command.list_commands(context):
            sub = command.get_command(context, name)
            if sub is not None and not sub.hidden:
                yield from walk(sub, (*path, name))


def command_paths() -> list[str]:
    """`cxo`, `cxo import`, `cxo runs report`, ...: every command's full name."""
    return [" ".join(path) for path, _ in walk(root_command(), ("cxo",))]


def root_command() -> click.Command:
    from cxone_outbound.cli.main import app

    return typer.main.get_command(app)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _param_name(param: click.Parameter) -> str:
    if isinstance(param, TyperArgument):
        return (param.name or "").upper()
    names = [*param.opts, *param.secondary_opts]
    return ", ".join(f"`{n}`" for n in names)


def _default(param: click.Parameter) -> str:
    if isinstance(param, TyperArgument):
        return "required" if param.required else ""
    if param.required:
        return "required"
    value = param.default
    if value is None or value is False or value == () or value == []:
        return ""
    if isinstance(value, bool):
        return "on"
    return f"`{value}`"


def _help_of(param: click.Parameter) -> str:
    text = getattr(param, "help", None) or ""
    envvar = getattr(param, "envvar", None)
    if envvar:
        text += f" (env: `{envvar}`)"
    return _cell(text)


def _usage(command: click.Command, path: tuple[str, ...]) -> str:
    pieces = [" ".join(path)]
    if any(not isinstance(p, TyperArgument) for p in command.params):
        pieces.append("[OPTIONS]")
    for param in command.params:
        if isinstance(param, TyperArgument):
            name = (param.name or "").upper()
            pieces.append(name if param.required else f"[{name}]")
    if isinstance(command, TyperGroup):
        pieces.append("COMMAND [ARGS]...")
    return " ".join(pieces)


def render_command(path: tuple[str, ...], command: click.Command) -> str:
    lines = [f"## {' '.join(path)}", ""]
    help_text = (command.help or "").strip()
    if help_text:
        lines += [help_text.split("\f")[0].strip(), ""]
    lines += ["```", _usage(command, path), "```", ""]
    params = [p for p in command.params if not getattr(p, "hidden", False)]
    if params:
        lines += ["| argument / option | default | meaning |", "|---|---|---|"]
        for param in params:
            lines.append(f"| {_param_name(param)} | {_default(param)} | {_help_of(param)} |")
        lines.append("")
    if isinstance(command, TyperGroup):
        context = click.Context(command, info_name=path[-1])
        subs = [(n, command.get_command(context, n)) for n in command.list_commands(context)]
        lines += ["| command | what it does |", "|---|---|"]
        for name, sub in subs:
            if sub is not None and not sub.hidden:
                anchor = "-".join((*path, name))
                summary = _cell(sub.get_short_help_str(limit=120))
                lines.append(f"| [`{' '.join((*path, name))}`](#{anchor}) | {summary} |")
        lines.append("")
    return "\n".join(lines)


def render() -> str:
    """The whole reference, one section per command."""
    sections = [render_command(path, command) for path, command in walk(root_command(), ("cxo",))]
    return HEADER + "\n" + "\n".join(sections).rstrip("\n") + "\n"


def main() -> None:
    sys.stdout.write(render())


if __name__ == "__main__":
    main()
