"""The documentation keeps up with the commands: docs/cli.md is generated, and every command
and every option of the job commands is explained on a page of its own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.core import TyperArgument

from cxone_outbound.cli.docgen import command_paths, render, root_command, walk

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
REGENERATE = "python -m cxone_outbound.cli.docgen > docs/cli.md"

# The page that explains each command's options in prose (beyond the generated reference).
PAGES = {
    "cxo import": "docs/import.md",
    "cxo update": "docs/update.md",
    "cxo enrich": "docs/enrich.md",
    "cxo sanitize": "docs/sanitize.md",
    "cxo preview plan": "docs/preview.md",
    "cxo preview apply": "docs/preview.md",
    "cxo webhooks listen": "docs/webhooks.md",
    "cxo runs report": "docs/reports.md",
    "cxo sandbox serve": "docs/sandbox.md",
    "cxo demo": "docs/demo.md",
    "cxo tenant probe": "docs/tenant-probe.md",
}


def _prose() -> str:
    pages = [p for p in DOCS.glob("*.md") if p.name != "cli.md"]
    return "\n".join(p.read_text(encoding="utf-8") for p in [ROOT / "README.md", *pages])


def test_the_cli_reference_is_current() -> None:
    current = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert current == render(), f"docs/cli.md is stale: run `{REGENERATE}`"


@pytest.mark.parametrize("command", command_paths()[1:])
def test_every_command_is_mentioned_outside_the_reference(command: str) -> None:
    assert command in _prose(), f"no page but docs/cli.md mentions `{command}`"


@pytest.mark.parametrize("command", sorted(PAGES))
def test_every_option_of_a_command_is_on_its_page(command: str) -> None:
    text = (ROOT / PAGES[command]).read_text(encoding="utf-8")
    found = {" ".join(path): cmd for path, cmd in walk(root_command(), ("cxo",))}
    options = [
        opt
        for param in found[command].params
        if not isinstance(param, TyperArgument)
        for opt in param.opts
        if opt.startswith("--")
    ]
    missing = [opt for opt in options if opt not in text]
    assert missing == [], f"{PAGES[command]} does not mention {missing}"


def test_relative_links_in_the_docs_resolve() -> None:
    broken = []
    for page in [ROOT / "README.md", *DOCS.glob("*.md")]:
        for target in re.findall(r"\]\(([^)#:]+\.md)(?:#[^)]*)?\)", page.read_text("utf-8")):
            if not (page.parent / target).exists():
                broken.append(f"{page.relative_to(ROOT)} -> {target}")
    assert broken == []

