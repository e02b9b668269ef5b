"""The package's shape: no import circle, no module too long to read, no folder too crowded.

Read statically (`ast`), so a circle is found even where no test happens to import both ends.
What counts as an import of module A by module B:

- every `import` and `from ... import` in B, at any depth: inside functions and under
  `if TYPE_CHECKING:` too. An import moved into a function to dodge a circle still ties the two
  modules together; it only hides the circle from the interpreter.
- relative imports are resolved against B's package;
- `from pkg import name` counts as importing `pkg.name` when that is a module, else `pkg`;
- importing `a.b.c` counts as importing `a.b.c` only, not the packages `a` and `a.b` that
  Python runs first: a package that re-exports its modules' names is not a circle with them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "cxone_outbound"
ROOT = PACKAGE.name
MAX_LINES = 450
MAX_MODULES = 16  # "~15": a folder's modules besides __init__.py; more wants sub-packages

# Known circles, each fixed on another branch: remove an entry when that branch is merged.
KNOWN_CIRCLES: tuple[frozenset[str], ...] = ()

# Known long modules, each split on another branch: remove an entry when it is merged.
KNOWN_LONG: Mapping[str, str] = {}

# Known crowded folders, each split on another branch: remove an entry when it is merged.
KNOWN_CROWDED: Mapping[str, str] = {}


def module_files() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its `__init__.py`)."""
    modules: dict[str, Path] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def imported_modules(name: str, path: Path, known: Mapping[str, Path]) -> Iterator[str]:
    """The package's modules that module `name` imports, anywhere in its body."""

    def nearest(dotted: str) -> str | None:
        while dotted and dotted not in known:
            dotted = dotted.rpartition(".")[0]
        return dotted or None

    here = name.split(".") if _is_package(path) else name.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            targets = [f"{source}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            if target == ROOT or target.startswith(ROOT + "."):
                found = nearest(target)
                if found is not None and found != name:
                    yield found


def import_graph() -> dict[str, set[str]]:
    known = module_files()
    return {name: set(imported_modules(name, path, known)) for name, path in known.items()}


def circles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def shortest_cycle(graph: Mapping[str, set[str]], members: list[str]) -> list[str]:
    """One shortest path from the first member back to itself, inside the component."""
    inside = set(members)
    start = members[0]
    paths = {nxt: [start, nxt] for nxt in sorted(graph[start] & inside)}
    frontier = list(paths)
    while start not in paths:
        following = []
        for node in frontier:
            for nxt in sorted(graph[node] & inside):
                if nxt not in paths:
                    paths[nxt] = [*paths[node], nxt]
                    following.append(nxt)
        frontier = following
    return paths[start]


def test_no_module_imports_itself_through_others() -> None:
    graph = import_graph()
    unknown = [
        " -> ".join(shortest_cycle(graph, component))
        for component in circles(graph)
        if not any(set(component) <= known for known in KNOWN_CIRCLES)
    ]
    assert not unknown, "import circles:\n" + "\n".join(unknown)


def test_no_module_is_longer_than_450_lines() -> None:
    long = {
        path.relative_to(PACKAGE).as_posix(): lines
        for path in PACKAGE.rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    unexpected = {name: lines for name, lines in long.items() if name not in KNOWN_LONG}
    assert not unexpected, f"modules over {MAX_LINES} lines (split them): {unexpected}"


def test_no_folder_holds_more_than_16_modules() -> None:
    crowded = {
        folder.relative_to(PACKAGE).as_posix(): count
        for folder in [PACKAGE, *(p for p in PACKAGE.rglob("*") if p.is_dir())]
        if (count := len([m for m in folder.glob("*.py") if m.name != "__init__.py"])) > MAX_MODULES
    }
    unexpected = {name: n for name, n in crowded.items() if name not in KNOWN_CROWDED}
    assert not unexpected, f"folders over {MAX_MODULES} modules (make sub-packages): {unexpected}"


def test_a_circle_is_found_and_named_by_a_shortest_path() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == [["a", "b", "c"]]
    assert shortest_cycle(graph, ["a", "b", "c"]) == ["a", "b", "c", "a"]


def test_the_import_reader_resolves_relative_and_lazy_imports(tmp_path: Path) -> None:
    module = tmp_path / "mod.py"
    module.write_text(
        "from . import sibling\n"
        "from .sub import thing\n"
        "def late():\n"
        f"    from {ROOT}.other import name\n"
    )
    known = dict.fromkeys(
        [f"{ROOT}.pkg", f"{ROOT}.pkg.mod", f"{ROOT}.pkg.sibling", f"{ROOT}.pkg.sub",
         f"{ROOT}.other"], module)
    found = set(imported_modules(f"{ROOT}.pkg.mod", module, known))
    assert found == {f"{ROOT}.pkg.sibling", f"{ROOT}.pkg.sub", f"{ROOT}.other"}
