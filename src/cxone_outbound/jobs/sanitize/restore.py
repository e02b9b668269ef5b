"""The restore file: every purged contact's full record, written before its removal is sent,
in the `cxo import` format so one command (`restore_command`) puts the contacts back.
"""

from __future__ import annotations

import csv
import shlex
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from cxone_outbound.client.models import Contact
from cxone_outbound.engine.results import SafeCsvWriter, unguard_cell
from cxone_outbound.jobs.sanitize.plan import Plan

RESTORE_COLUMNS = ["phone_number", "first_name", "last_name", "email"]


def restore_header(contacts: Iterable[Contact] | set[str]) -> list[str]:
    """The restore CSV's columns: the import header, then every attribute name (sorted)."""
    names = sorted(contacts if isinstance(contacts, set) else {
        name for c in contacts for name in c.attributes})
    return RESTORE_COLUMNS + [n for n in names if n not in RESTORE_COLUMNS]


def restore_command(path: Path, plan: Plan) -> str:
    """The command line that imports a run's restore.csv back into the plan's list.

    Names are not required (`--require phone_number`): a contact without one was deleted too.
    """
    region = plan.directive.get("default_region")
    return import_command(path, plan.list_id, str(region) if region else None)


def import_command(path: Path, list_id: str, region: str | None) -> str:
    """The `cxo import` line that brings a restore file's records back into a list."""
    parts = ["cxo", "import", str(path), "--list", list_id, "--require", "phone_number"]
    if region:
        parts += ["--default-region", region]
    return shlex.join(parts)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class RestoreWriter:
    """Appends the full record of each contact about to be deleted, in the `cxo import` format.

    Written (and flushed) before the DELETE is sent: a crash can leave a row for a contact that
    still exists (re-importing it is an upsert by phone), never a deleted contact without one.
    An existing file (a resumed run) keeps its header. Cells are written by the engine's
    `SafeCsvWriter` (formula guard), which `cxo import` undoes (`unguard_cell`).
    """

    def __init__(self, path: Path, header: Sequence[str]) -> None:
        self.path = path
        self.header = list(header)
        if path.exists() and path.stat().st_size:
            with path.open(newline="", encoding="utf-8") as handle:
                written = next(csv.reader(handle), None)
            if written:
                self.header = [unguard_cell(name) for name in written]
        self._writer = SafeCsvWriter(path, self.header)

    def write(self, contact: Contact) -> None:
        values = {
            "phone_number": contact.phone,
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "email": contact.email,
            **{k: v for k, v in contact.attributes.items() if k not in RESTORE_COLUMNS},
        }
        self._writer.writerow([_cell(values.get(name)) for name in self.header])
        self._writer.flush()

    def sync(self) -> None:
        """Every row written so far on disk (fsync): before a removal that cannot be undone."""
        self._writer.sync()

    def close(self) -> None:
        self._writer.close()
