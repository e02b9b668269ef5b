"""docs/architecture.md's layout block is the tree: it cannot drift from src/cxone_outbound/.

The block names every package (directory) and every top-level module, and every file it names
exists. Inside the block an entry is a path at the start of a line, indented two spaces a level
(`engine/` then `    sources/` is engine/sources/); a description and its continuation lines
start at column 21.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "cxone_outbound"
DOC = ROOT / "docs" / "architecture.md"
DESCRIPTION_COLUMN = 21


def layout_block(text: str) -> list[str]:
    """The lines of the tree under `src/cxone_outbound/` in the Layout section's code block."""
    section = text.split("\n## Layout\n", 1)[1]
    block = section.split("```", 2)[1]
    lines = block.splitlines()
    start = lines.index("src/cxone_outbound/")
    tree: list[str] = []
    for line in lines[start + 1 :]:
        if line and not line.startswith(" "):
            break
        tree.append(line)
    return tree


def layout_entries(tree: list[str]) -> set[str]:
    """Every path the block names, relative to src/cxone_outbound/ (directories end in `/`)."""
    entries: set[str] = set()
    parents: list[str] = []
    for line in tree:
        indent = len(line) - len(line.lstrip(" "))
        if not line.strip() or indent >= DESCRIPTION_COLUMN:
            continue  # a description's continuation
        depth = indent // 2 - 1
        name = line.split()[0]
        path = "".join(parents[:depth]) + name
        entries.add(path)
        if name.endswith("/"):
            parents[depth:] = [name]
    return entries


def documented() -> set[str]:
    return layout_entries(layout_block(DOC.read_text(encoding="utf-8")))


def test_the_layout_names_every_package() -> None:
    actual = {
        path.relative_to(PACKAGE).as_posix() + "/"
        for path in PACKAGE.rglob("*")
        if path.is_dir() and any(path.glob("*.py"))
    }
    named = {entry for entry in documented() if entry.endswith("/")}
    assert named == actual, (
        f"missing from docs/architecture.md: {sorted(actual - named)}; "
        f"named there but not in the tree: {sorted(named - actual)}"
    )


def test_the_layout_names_every_top_level_module() -> None:
    actual = {path.name for path in PACKAGE.glob("*.py")}
    named = {entry for entry in documented() if "/" not in entry}
    assert named == actual, (
        f"missing from docs/architecture.md: {sorted(actual - named)}; "
        f"named there but not in the tree: {sorted(named - actual)}"
    )


def test_every_module_the_layout_names_exists() -> None:
    stale = sorted(
        entry
        for entry in documented()
        if not (PACKAGE / entry).exists()
    )
    assert not stale, f"docs/architecture.md names what the tree does not hold: {stale}"


def test_an_entry_nests_under_the_directory_above_it() -> None:
    tree = [
        "  config/            settings",
        "                     sources/ in a description is not an entry",
        "  engine/            what every job shares",
        "    sources/         where records come from",
        "    runner.py        the runner",
        "  signing.py         HMAC",
    ]
    assert layout_entries(tree) == {
        "config/", "engine/", "engine/sources/", "engine/runner.py", "signing.py"}
