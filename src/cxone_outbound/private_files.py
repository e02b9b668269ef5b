"""Folders and files only their owner may read: run data holds personal data and secrets.

Run folders and the state dir are 0700; files with contact data (result files, journal, audit,
plans, restore files) and the sandbox database are 0600. A leaf: imports nothing of ours, so
the engine, the jobs and the sandbox can all use it.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
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


def private_sqlite(path: Path) -> Path:
    """Make an SQLite database 0600 before it is opened, with the -wal/-shm files an older
    version may have left readable (new ones copy the database's mode)."""
    private_file(path)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        with contextlib.suppress(FileNotFoundError):
            if stat.S_IMODE(side.stat().st_mode) != FILE_MODE:
                side.chmod(FILE_MODE)
    return path


def open_private(path: Path, mode: str = "w", **kwargs: Any) -> IO[Any]:
    """`path.open(mode)` for a file that is created (or kept) 0600 before anything is written."""
    private_file(path)
    return path.open(mode, **kwargs)


def write_private(path: Path, text: str, encoding: str = "utf-8") -> None:
    """Replace the contents of `path` with `text`, the file being 0600."""
    with open_private(path, "w", encoding=encoding) as fh:
        fh.write(text)


class UnsafeTarget(ValueError):
    """An output path that is not a regular file (a symlink, FIFO, device...): refused."""


def check_regular_target(path: Path, *, force: bool = False) -> None:
    """Refuse to write over anything but a regular file, unless `force`.

    Writing "a report" into a FIFO blocks or feeds another process, into a device node (as
    root) clobbers it, and through a symlink lands wherever the link points.
    """
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return
    if stat.S_ISDIR(mode):
        raise UnsafeTarget(f"{path} is a folder, not a file")
    if stat.S_ISREG(mode) or force:
        return
    kind = (
        "a symbolic link" if stat.S_ISLNK(mode)
        else "a FIFO" if stat.S_ISFIFO(mode)
        else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "a socket" if stat.S_ISSOCK(mode)
        else "not a regular file"
    )
    raise UnsafeTarget(f"{path} is {kind}; refusing to write over it (--force replaces it)")


def replace_private(path: Path, text: str, encoding: str = "utf-8") -> None:
    """Write `text` to a fresh 0600 file beside `path`, then rename it over `path` (atomic).

    The scratch file is made with O_EXCL under a random name, so nothing planted beside the
    target (a symlink named like the scratch file) is followed.
    """
    fd, scratch = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding=encoding) as fh:
            fh.write(text)
        os.replace(scratch, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(scratch)
        raise
