"""The mirror's files in the run folder, each written whole beside its place and renamed in.

`restore.csv` is sanitise's (`RestoreWriter`: the import format, formula-guarded) and fsynced,
its folder too, before the first removal; the others are rewritten from the plan's states at the
end of every session, so a crash never leaves one torn or disagreeing with the plan.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from cxone_outbound.client.models import Contact
from cxone_outbound.engine.results import SafeCsvWriter
from cxone_outbound.jobs.mirror.plan import RemovalPlan, RemovalState
from cxone_outbound.jobs.sanitize import RestoreWriter, restore_header

__all__ = [
    "NOT_REMOVED_CSV",
    "PLAN_DB",
    "REMOVED_CSV",
    "RESTORE_CSV",
    "TO_REMOVE_CSV",
    "write_outcomes",
    "write_restore",
    "write_to_remove",
]

PLAN_DB = "mirror.sqlite3"
RESTORE_CSV = "restore.csv"
TO_REMOVE_CSV = "to-remove.csv"
REMOVED_CSV = "removed.csv"
NOT_REMOVED_CSV = "not-removed.csv"
_LIST_COLUMNS = ["contact_id", "phone_number", "first_name", "last_name", "email"]


def write_to_remove(path: Path, plan: RemovalPlan) -> Path:
    """to-remove.csv: the records the plan would remove (contact id, then the import's)."""
    rows = ([c.id, c.phone or "", c.first_name or "", c.last_name or "", c.email or ""]
            for c in plan.contacts())
    _replace_csv(path, _LIST_COLUMNS, rows)
    return path


def write_restore(path: Path, plan: RemovalPlan, importable: Callable[[Contact], Contact]) -> None:
    """restore.csv: every record to remove, as `importable` makes it, on disk before any goes."""
    scratch = path.with_name(f".{path.name}.writing")
    scratch.unlink(missing_ok=True)
    writer = RestoreWriter(scratch, restore_header(plan.attribute_names()))
    try:
        for contact in plan.contacts():
            writer.write(importable(contact))
        writer.sync()
    finally:
        writer.close()
    os.replace(scratch, path)
    _sync_dir(path.parent)


def write_outcomes(folder: Path, plan: RemovalPlan) -> None:
    """removed.csv and not-removed.csv, from the plan's states."""
    _replace_csv(
        folder / REMOVED_CSV, ["contact_id", "phone", "outcome"],
        ([cid, phone, state] for cid, phone, state, _, _ in
         plan.rows(RemovalState.REMOVED, RemovalState.GONE)),
    )
    _replace_csv(
        folder / NOT_REMOVED_CSV,
        ["contact_id", "phone", "state", "error_code", "error_message"],
        ([cid, phone, "held_back" if state == RemovalState.PLANNED else state, code, message]
         for cid, phone, state, code, message in plan.rows(
             RemovalState.FAILED, RemovalState.SENDING, RemovalState.PLANNED)),
    )


def _replace_csv(path: Path, header: Sequence[str], rows: Iterator[Sequence[str]]) -> None:
    """A result CSV written whole beside `path`, then put in its place (formula-guarded)."""
    scratch = path.with_name(f".{path.name}.writing")
    scratch.unlink(missing_ok=True)
    writer = SafeCsvWriter(scratch, header)
    try:
        for row in rows:
            writer.writerow(row)
        writer.sync()
    finally:
        writer.close()
    os.replace(scratch, path)


def _sync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
