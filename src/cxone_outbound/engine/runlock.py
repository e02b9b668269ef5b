"""One process per run: an exclusive lock in the run folder, taken before anything is sent.

Two processes resuming the same run would send every record twice and write result files that
disagree with the journal. The lock is an `flock` on `<run dir>/run.lock`: the kernel drops it
when its process dies, however it dies, so a lock can never outlive its holder. The file also
names the holder (pid, host, since) for the message the second process prints; a file that
names a holder but is not locked was left by a process that died, and is taken over.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cxone_outbound.private_files import FILE_MODE, private_dir

LOCK_FILE = "run.lock"
PROBE_RETRIES = 3  # tries more before a held lock is a live holder (`check_not_held` probes)
PROBE_WAIT_S = 0.01


@dataclass(frozen=True)
class LockHolder:
    """The process a lock file names."""

    pid: int
    host: str
    since: float

    def describe(self) -> str:
        when = datetime.fromtimestamp(self.since, UTC).isoformat(timespec="seconds")
        return f"pid {self.pid} on {self.host}, since {when.replace('+00:00', 'Z')}"


class RunLocked(Exception):
    """Another live process holds the run: a usage error (exit 2) naming it."""

    def __init__(
        self, run_id: str, holder: LockHolder | None, *, in_progress: bool = False
    ) -> None:
        who = holder.describe() if holder else "another process"
        if in_progress:  # found by the resume offer, not asked for: say why nothing starts
            text = (f"run {run_id} of this job on this input is in progress ({who}); wait for it"
                    " to end (or stop it), then run again: two runs at once would send every"
                    " record twice")
        else:
            text = (f"run {run_id} is in use by {who}; wait for it to end (or stop it) and"
                    " resume again")
        super().__init__(text)
        self.run_id = run_id
        self.holder = holder


def _read_holder(fd: int) -> LockHolder | None:
    os.lseek(fd, 0, os.SEEK_SET)
    raw = os.read(fd, 4096)
    try:
        data = json.loads(raw)
        return LockHolder(int(data["pid"]), str(data["host"]), float(data["since"]))
    except (ValueError, TypeError, KeyError):
        return None  # empty (released cleanly) or damaged: nobody to name


def check_not_held(run_dir: Path) -> None:
    """Raise `RunLocked` (in progress) when a live process holds the run in `run_dir` now.

    A probe: a shared lock tried and dropped at once, never kept, so the run is not taken. A
    process acquiring the run in that instant retries (`RunLock.acquire`).
    """
    try:
        fd = os.open(run_dir / LOCK_FILE, os.O_RDONLY)
    except FileNotFoundError:
        return  # never locked: no process ever held it
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunLocked(run_dir.name, _read_holder(fd), in_progress=True) from None
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


class RunLock:
    """The lock of one run folder; `acquire()` once, `release()` when the run ends."""

    def __init__(
        self, run_dir: Path, *, pid: int | None = None, now: Callable[[], float] = time.time
    ) -> None:
        self.path = run_dir / LOCK_FILE
        self.run_id = run_dir.name
        self._pid = os.getpid() if pid is None else pid
        self._now = now
        self._fd: int | None = None

    def acquire(self) -> LockHolder | None:
        """Take the lock; returns the dead holder it took over, if any. Raises `RunLocked`."""
        private_dir(self.path.parent)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        for attempt in range(PROBE_RETRIES + 1):
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if attempt == PROBE_RETRIES:
                    holder = _read_holder(fd)
                    os.close(fd)
                    raise RunLocked(self.run_id, holder) from None
                time.sleep(PROBE_WAIT_S)  # perhaps only another process's probe, held for µs
        stale = _read_holder(fd)
        me = LockHolder(self._pid, socket.gethostname(), self._now())
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(me.__dict__).encode(), 0)
        os.fsync(fd)
        self._fd = fd
        return stale

    def release(self) -> None:
        """Empty the file (a clean end leaves nobody to take over) and drop the lock."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
        finally:
            os.close(fd)  # closing the descriptor drops the flock
