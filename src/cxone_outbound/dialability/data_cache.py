"""Small reductions of large package data sets, written once per machine by a child process.

A lookup often needs a sliver of a package's data: a ZIP's zone and state out of `zipcodes`'
42k dicts (~140 MB of objects), a +1 number's state out of libphonenumber's geocoder (the
whole world's place names, ~90 MB once imported). The sliver is written to a small JSON file in
the user's cache folder, keyed by the package's version, by a child process (`python -m
MODULE PATH`), so no run's own memory ever holds the full set. Without a usable cache folder or
child, the caller reduces in-process, as before.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO, TypeVar

import platformdirs

__all__ = ["cache_file", "load_reduction", "read_json", "write_atomic", "write_json"]

T = TypeVar("T")


def cache_file(name: str) -> Path:
    """`name` in the user's cache folder for cxone-outbound."""
    return Path(platformdirs.user_cache_dir("cxone-outbound")) / name


def write_atomic(path: Path, write: Callable[[TextIO], None]) -> None:
    """Write a text file through `write` atomically (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            write(out)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, data: object) -> None:
    write_atomic(path, lambda out: json.dump(data, out, separators=(",", ":")))


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _read(path: Path, read: Callable[[Path], T | None]) -> T | None:
    try:
        return read(path)
    except (OSError, TypeError, ValueError, AttributeError, IndexError):
        return None  # missing, damaged or foreign: rebuilt by the caller


def load_reduction(path: Path, module: str, read: Callable[[Path], T | None],
                   reduce: Callable[[], T]) -> T:
    """The reduction in `path` as `read` reads it (None or an error: unusable); else written
    there first by `python -m module path`; else (no cache folder, no child) `reduce()` here."""
    cached = _read(path, read)
    if cached is not None:
        return cached
    try:
        subprocess.run(  # noqa: S603  # this interpreter, our module, our own path
            [sys.executable, "-m", module, str(path)], check=True, timeout=120,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return reduce()
    built = _read(path, read)
    return built if built is not None else reduce()
