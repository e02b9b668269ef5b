"""The sandbox's folders are its architecture (issue 16): state and rules apart from HTTP,
small modules, small folders, and imports that only point down.

Read from the source with `ast` (every import, those inside functions and `TYPE_CHECKING`
too), so a test fails the day a module reaches back up.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import cxone_outbound.sandbox

ROOT = Path(cxone_outbound.sandbox.__file__).parent
PACKAGE = "cxone_outbound.sandbox"
HTTP_LIBRARIES = {"starlette", "aiohttp", "uvicorn", "httpx", "uvloop"}
# the only project modules outside the sandbox it may use (config: the loopback check)
OUTSIDE = ("cxone_outbound.limits", "cxone_outbound.signing", "cxone_outbound.private_files",
           "cxone_outbound.config")
MAX_LINES = 450
MAX_MODULES = 15


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join((PACKAGE, *parts)).removesuffix(".__init__")
        found[name] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> Iterator[str]:
    """Every module `path` imports: `from a.b import c` is `a.b.c` when that is a module."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                yield child if child in MODULES else node.module


def _sandbox_imports(name: str) -> set[str]:
    return {i for i in _imports(MODULES[name]) if i in MODULES and i != PACKAGE}


def test_no_module_is_over_450_lines() -> None:
    long = {name: n for name, path in MODULES.items()
            if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert long == {}


def test_no_folder_holds_more_than_15_modules() -> None:
    folders = {path.parent for path in MODULES.values()}
    crowded = {str(f.relative_to(ROOT)): n for f in folders
               if (n := len([p for p in f.glob("*.py") if p.name != "__init__.py"])) > MAX_MODULES}
    assert crowded == {}


def test_the_store_never_sees_http() -> None:
    store = [name for name in MODULES if name.startswith(f"{PACKAGE}.store")]
    upward = (f"{PACKAGE}.http", f"{PACKAGE}.v2", f"{PACKAGE}.admin", f"{PACKAGE}.control",
              f"{PACKAGE}.lookups", f"{PACKAGE}.server")
    seen = {name: sorted(i for i in _imports(MODULES[name])
                         if i.split(".")[0] in HTTP_LIBRARIES or i.startswith(upward))
            for name in store}
    assert {name: found for name, found in seen.items() if found} == {}


def test_the_sandbox_imports_no_client_engine_or_job_code() -> None:
    outside = {name: sorted(i for i in _imports(path) if i.startswith("cxone_outbound.")
                            and not i.startswith((PACKAGE, *OUTSIDE)))
               for name, path in MODULES.items()}
    assert {name: found for name, found in outside.items() if found} == {}


def test_no_import_circles_inside_the_sandbox() -> None:
    graph = {name: _sandbox_imports(name) for name in MODULES}
    state: dict[str, int] = {}  # 1: on the path being walked, 2: done
    circles: list[list[str]] = []

    def walk(name: str, path: list[str]) -> None:
        state[name] = 1
        for target in sorted(graph[name]):
            if state.get(target) == 1:
                circles.append([*path[path.index(target):], target])
            elif target not in state:
                walk(target, [*path, target])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            walk(name, [name])
    assert circles == []
