"""`cxo import --mirror` against the sandbox, in both dialects: the list made to hold the source.

The list holds ten records; the source names seven of them and two new ones. A mirror adds the
two and removes the three others, safely: a plan in a dry run, a `--max-remove` guard, a
restore file on disk before the first removal, nothing counted removed without the server's
answer, and a source row that fails still keeping its record.
"""

from __future__ import annotations

import asyncio
import csv
import json
from pathlib import Path
from typing import Any

import pytest
from tests.jobs.conftest import Cxo

from cxone_outbound.client import CXoneClient
from cxone_outbound.config import Settings
from cxone_outbound.engine.accounting import accounting_of
from cxone_outbound.engine.results import unguard_cell
from cxone_outbound.jobs.sanitize import fetch_contacts
from cxone_outbound.report import load_run, render_report
from cxone_outbound.sandbox.control import SandboxControl

LISTED = [f"+1415555010{n}" for n in range(10)]
KEPT, ABSENT = LISTED[:7], LISTED[7:]
NEW = ["+14155550200", "+14155550201"]
HEADER = "phone_number,first_name,last_name,tier"
DELETES = {
    "v2": "DELETE /api/v2/campaigns/contacts/{contactId}",
    "admin": "DELETE /inContactAPI/services/vNN.0/lists/call-lists/{sourceName}/removeProspects",
}
DELETE_FAULTS = {
    "v2": "error@DELETE:/api/v2/campaigns/contacts/*=1.0:503",
    "admin": "error@DELETE:/inContactAPI/services/*/lists/call-lists/*/removeProspects=1.0:503",
}


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [{k: unguard_cell(v) for k, v in row.items()} for row in csv.DictReader(handle)]


def _rows(phones: list[str]) -> list[str]:
    return [f"{p},F,L,silver" for p in phones]


class Mirror:
    """A list of ten records imported in the dialect under test (admin: keyed by phone, as an
    import keys them), and `cxo import SOURCE --mirror` into it."""

    def __init__(self, cxo: Cxo, dialect: str, settings: Settings, control: SandboxControl,
                 tmp_path: Path) -> None:
        self.cxo, self.dialect, self.settings, self.control = cxo, dialect, settings, control
        self.tmp_path = tmp_path
        self.v2_id = control.create_list("mirror")
        self.list_id = self.v2_id if dialect == "v2" else str(
            control.admin_ids(list_id=self.v2_id)["listId"])
        seed = tmp_path / "ten.csv"
        seed.write_text("\n".join([HEADER, *(f"{p},F,L{i},gold" for i, p in enumerate(LISTED))]))
        code, _, err = cxo("import", str(seed), "--list", self.list_id, "--state-dir",
                           str(tmp_path / "seed-state"))
        assert code == 0, err

    def run(self, rows: list[str], *flags: str) -> tuple[int, dict[str, Any], str]:
        """`cxo --json import SOURCE --list ID --mirror FLAGS`: exit code, document, stderr."""
        source = self.tmp_path / "source.csv"
        source.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
        code, out, err = self.cxo("--json", "import", str(source), "--list", self.list_id,
                                  "--mirror", *flags)
        return code, json.loads(out), err

    def phones(self) -> list[str]:
        async def read() -> list[str]:
            async with CXoneClient(self.settings) as client:
                return sorted(c.phone or "" for c in await fetch_contacts(client, self.v2_id))

        return asyncio.run(read())

    def deletes(self) -> int:
        return self.control.requests_to(DELETES[self.dialect])

    def shown(self, phone: str) -> str:
        """A phone as the dialect shows a record's (admin: digits)."""
        return phone.lstrip("+") if self.dialect == "admin" else phone


@pytest.fixture(params=["v2", "admin"])
def mirror(
    request: pytest.FixtureRequest, settings: Settings, sandbox_control: SandboxControl,
    tmp_path: Path,
) -> Mirror:
    dialect = str(request.param)
    cxo = request.getfixturevalue("cxo" if dialect == "v2" else "admin_cxo")
    return Mirror(cxo, dialect, settings, sandbox_control, tmp_path)


def test_mirror_adds_the_new_records_and_removes_the_absent_ones(mirror: Mirror) -> None:
    code, document, err = mirror.run(_rows(KEPT + NEW), "--max-remove", "3")
    assert code == 0, err
    assert document["counts"] == {"succeeded": 9}
    section = document["mirror"]
    assert (section["absent"], section["removed"], section["held_back"]) == (3, 3, 0)
    assert (section["list_records"], section["present"]) == (12, 9)  # read after the import
    assert mirror.phones() == sorted(KEPT + NEW)
    removals = accounting_of(document).removals
    assert removals is not None and removals.removed == 3 and not removals.problems
    removed = _csv(Path(document["run_dir"]) / "removed.csv")
    assert sorted(r["phone"] for r in removed) == [mirror.shown(p) for p in ABSENT]
    assert {r["outcome"] for r in removed} == {"removed"}


def test_removed_is_in_the_printed_summary_and_the_report(
    cxo: Cxo, settings: Settings, sandbox_control: SandboxControl, tmp_path: Path
) -> None:
    mirror = Mirror(cxo, "v2", settings, sandbox_control, tmp_path)
    source = tmp_path / "people.csv"
    source.write_text("\n".join([HEADER, *_rows(KEPT + NEW)]) + "\n")
    code, _, err = cxo("import", str(source), "--list", mirror.list_id, "--mirror",
                       "--progress", "none")
    assert code == 0, err
    text = " ".join(err.split())  # people's output is on stderr, wrapped to the terminal
    assert ("list: 3 absent from the source = 3 removed + 0 failed to remove + 0 held back"
            " (balanced)") in text
    assert "mirror: applied=True, list_id=" in text
    run_id = text.split("run ")[1].split()[0]
    page = render_report(load_run(tmp_path / "state" / "runs" / run_id, now=0.0))
    assert "Removed" in page and "removed.csv" in page


def test_a_dry_run_writes_the_plan_and_removes_nothing(mirror: Mirror) -> None:
    code, document, err = mirror.run(_rows(KEPT + NEW), "--dry-run")
    assert code == 0, err
    assert document["planned"]["records"] == 9  # to add or update
    section = document["mirror"]
    assert (section["absent"], section["removed"], section["applied"]) == (3, 0, False)
    plan = _csv(Path(section["files"]["to-remove.csv"]))
    assert sorted(r["phone_number"] for r in plan) == [mirror.shown(p) for p in ABSENT]
    assert mirror.phones() == sorted(LISTED)
    assert mirror.deletes() == 0


def test_more_absent_records_than_max_remove_are_refused_and_none_removed(
    mirror: Mirror,
) -> None:
    code, document, err = mirror.run(_rows(KEPT + NEW), "--max-remove", "2")
    assert code == 2
    assert "remove 3 records" in document["fatal_error"]
    assert "--max-remove 2" in document["fatal_error"]
    assert (document["mirror"]["held_back"], document["mirror"]["removed"]) == (3, 0)
    assert mirror.phones() == sorted(LISTED + NEW)
    assert mirror.deletes() == 0
    assert not (Path(document["run_dir"]) / "restore.csv").exists()

    code, resumed, err = mirror.run(_rows(KEPT + NEW), "--max-remove", "3",
                                    "--resume", document["run_id"])
    assert code == 0, err  # reviewed: the same run, the guard raised, the import not resent
    assert resumed["metrics"]["previously_done"] == 9
    assert resumed["mirror"]["removed"] == 3
    assert mirror.phones() == sorted(KEPT + NEW)


def test_a_source_row_that_fails_validation_keeps_its_record(mirror: Mirror) -> None:
    # the last kept record's row has no last name: it fails, and still names its record
    code, document, err = mirror.run([*_rows(KEPT[:-1] + NEW), f"{KEPT[-1]},F,,silver"])
    assert code == 1, err  # a row failed
    assert document["counts"] == {"succeeded": 8, "failed": 1}
    assert document["mirror"]["removed"] == 3
    assert KEPT[-1] in mirror.phones()


def test_a_source_row_without_a_usable_phone_holds_every_removal_back(mirror: Mirror) -> None:
    code, document, _ = mirror.run([*_rows(KEPT + NEW), "(415) 555-0108,F,L,silver"])
    assert code == 1
    section = document["mirror"]
    assert (section["held_back"], section["removed"], section["source_rows_without_phone"]) == (
        3, 0, 1)
    assert "lines 11)" in section["held_back_because"]
    assert mirror.phones() == sorted(LISTED + NEW)
    assert mirror.deletes() == 0


def test_the_restore_file_brings_the_removed_records_back(mirror: Mirror) -> None:
    code, document, err = mirror.run(_rows(KEPT + NEW))
    assert code == 0, err
    restore = document["mirror"]["restore"]
    rows = _csv(Path(restore["file"]))
    assert sorted(r["phone_number"] for r in rows) == ABSENT  # E.164: the import takes it back
    assert {r["tier"] for r in rows} == {"gold"}
    command = restore["command"].split()
    assert command[:3] == ["cxo", "import", restore["file"]]
    code, out, err = mirror.cxo("--json", *command[1:])
    assert code == 0, err
    assert json.loads(out)["counts"] == {"succeeded": 3}
    assert mirror.phones() == sorted(LISTED + NEW)


def test_server_errors_never_count_a_removal_and_a_resume_finishes_once(
    mirror: Mirror,
) -> None:
    mirror.control.set_faults(DELETE_FAULTS[mirror.dialect])
    try:
        code, first, _ = mirror.run(_rows(KEPT + NEW))
    finally:
        mirror.control.clear_faults()
    assert code == 1
    assert (first["mirror"]["removed"], first["mirror"]["failed_to_remove"]) == (0, 3)
    assert first["mirror"]["removal_halted"] is True
    assert mirror.phones() == sorted(LISTED + NEW)
    run_dir = Path(first["run_dir"])
    restore = (run_dir / "restore.csv").read_bytes()
    not_removed = _csv(run_dir / "not-removed.csv")
    assert len(not_removed) == 3 and {r["state"] for r in not_removed} == {"failed"}

    code, second, err = mirror.run(_rows(KEPT + NEW), "--resume", first["run_id"])
    assert code == 0, err
    assert second["run_id"] == first["run_id"]
    assert (second["mirror"]["removed"], second["mirror"]["failed_to_remove"]) == (3, 0)
    assert mirror.phones() == sorted(KEPT + NEW)
    assert (run_dir / "restore.csv").read_bytes() == restore  # written once, kept
    assert len(_csv(run_dir / "removed.csv")) == 3


def test_succeeded_csv_behind_the_mirror_and_the_screen_is_line_and_remote_id(
    cxo: Cxo, settings: Settings, sandbox_control: SandboxControl, tmp_path: Path
) -> None:
    # `cxo import --mirror` is the import behind the time-zone screen behind the mirror step
    mirror = Mirror(cxo, "v2", settings, sandbox_control, tmp_path)
    code, document, err = mirror.run(_rows(KEPT + NEW))
    assert code == 0, err
    with (Path(document["run_dir"]) / "succeeded.csv").open(newline="") as handle:
        header, *rows = list(csv.reader(handle))
    assert header == ["line", "remote_id"]
    assert [line for line, _ in rows] == [str(n) for n in range(2, 11)]
    assert all(remote_id for _, remote_id in rows)


def test_a_dry_run_behind_the_mirror_counts_screened_rows_as_skipped_not_as_would_send(
    cxo: Cxo, settings: Settings, sandbox_control: SandboxControl, tmp_path: Path
) -> None:
    registry = tmp_path / "registry.txt"
    registry.write_text(NEW[0].removeprefix("+1") + "\n", encoding="utf-8")
    dnc = tmp_path / "dnc.bin"
    assert cxo("dnc", "compile", f"national={registry}", "-o", str(dnc))[0] == 0
    mirror = Mirror(cxo, "v2", settings, sandbox_control, tmp_path)
    code, document, err = mirror.run(_rows(KEPT + NEW), "--scrub-dnc", str(dnc), "--dry-run")
    assert code == 0, err
    assert document["planned"]["records"] == 8
    assert document["counts"].get("skipped") == 1
    assert document["accounting"]["balanced"] is True
    assert document["mirror"]["removed"] == 0
