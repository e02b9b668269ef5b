"""Folders and files only their owner may read: run data holds personal data and secrets.

Run folders and the state dir are 0700; files with contact data (result files, journal, audit,
plans, restore files) and the sandbox database are 0600. A leaf: imports nothing of ours, so
the engine, the jobs and the sandbox can all use it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import IO, Any

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create `path` (and missing parents, 0700 too) if needed and make it 0700; returns it.

    Parents that already exist are left as they are: they may be shared folders (/tmp).
    """
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=DIR_MODE, exist_ok=True)
    if stat.S_IMODE(path.stat().st_mode) != DIR_MODE:
        path.chmod(DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create `path` empty if it does not exist, and make it 0600 either way; returns it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
    try:
        if stat.S_IMODE(os.fstat(fd).st_mode) != FILE_MODE:
            os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return path


def open_private(path: Path, mode: str = "w", **kwargs: Any) -> IO[Any]:
    """`path.open(mode)` for a file that is created (or kept) 0600 before anything is written."""
    private_file(path)
    return path.open(mode, **kwargs)


def write_private(path: Path, text: str, encoding: str = "utf-8") -> None:
    """Replace the contents of `path` with `text`, the file being 0600."""
    with open_private(path, "w", encoding=encoding) as fh:
        fh.write(text)
