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

import pytest
from tests.jobs.conftest import SANDBOX_LIST_COLUMNS, Cxo

from cxone_outbound.client import CXoneClient
from cxone_outbound.config import Settings
from cxone_outbound.engine.accounting import accounting_of
from cxone_outbound.engine.results import unguard_cell
from cxone_outbound.jobs.sanitize import fetch_contacts
from cxone_outbound.report import load_run, render_report
from cxone_outbound.sandbox.control import SandboxControl
from cxone_outbound.sandbox.server import SandboxServer

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


@pytest.fixture(params=["v2", "admin"])
def dialect(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def mirror_cxo(
    dialect: str, cxo: Cxo, sandbox_server: SandboxServer | None,
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> Cxo:
    """`cxo` in the dialect under test (admin: the sandbox's access key, caches in the test)."""
    if dialect == "v2":
        return cxo
    if sandbox_server is None or not getattr(sandbox_server, "access_key_id", None):
        pytest.skip("needs a local sandbox serving the admin dialect")
    monkeypatch.setenv("CXONE_ACCESS_KEY_ID", str(sandbox_server.access_key_id))
    monkeypatch.setenv("CXONE_ACCESS_KEY_SECRET", str(sandbox_server.access_key_secret))
    monkeypatch.setenv("CXONE_LIST_COLUMNS", SANDBOX_LIST_COLUMNS)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    return lambda *args: cxo("--dialect", "admin", *args)


def _ten(control: SandboxControl, cxo: Cxo, dialect: str, tmp_path: Path) -> tuple[str, str]:
    """A list of ten records, imported in the dialect (admin: keyed by phone, as an import
    keys them): (its v2 id, the id the dialect addresses it by)."""
    v2_id = control.create_list("mirror")
    list_id = v2_id if dialect == "v2" else str(control.admin_ids(list_id=v2_id)["listId"])
    seed = tmp_path / "ten.csv"
    seed.write_text("\n".join([HEADER, *(f"{p},F,L{i},gold" for i, p in enumerate(LISTED))]))
    code, _, err = cxo("import", str(seed), "--list", list_id, "--state-dir",
                       str(tmp_path / "seed-state"))
    assert code == 0, err
    return v2_id, list_id


def _source(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "source.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def _rows(phones: list[str]) -> list[str]:
    return [f"{p},F,L,silver" for p in phones]


def _phones(settings: Settings, v2_id: str) -> list[str]:
    async def read() -> list[str]:
        async with CXoneClient(settings) as client:
            return sorted(c.phone or "" for c in await fetch_contacts(client, v2_id))

    return asyncio.run(read())


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [{k: unguard_cell(v) for k, v in row.items()} for row in csv.DictReader(handle)]


def _digits(phone: str) -> str:
    return phone.lstrip("+")


def test_mirror_adds_the_new_records_and_removes_the_absent_ones(
    mirror_cxo: Cxo, dialect: str, settings: Settings, sandbox_control: SandboxControl,
    tmp_path: Path,
) -> None:
    v2_id, list_id = _ten(sandbox_control, mirror_cxo, dialect, tmp_path)
    source = _source(tmp_path, _rows(KEPT + NEW))
    code, out, err = mirror_cxo("--json", "import", str(source), "--list", list_id, "--mirror",
                                "--max-remove", "3")
    assert code == 0, err
    document = json.loads(out)
    assert document["counts"] == {"succeeded": 9}
    mirror = document["mirror"]
    assert (mirror["absent"], mirror["removed"], mirror["held_back"]) == (3, 3, 0)
    assert (mirror["list_records"], mirror["present"]) == (12, 9)  # read after the import
    assert _phones(settings, v2_id) == sorted(KEPT + NEW)
    removals = accounting_of(document).removals
    assert removals is not None and removals.removed == 3 and not removals.problems
    run_dir = Path(document["run_dir"])
    removed = _csv(run_dir / "removed.csv")
    shown = _digits if dialect == "admin" else str
    assert sorted(r["phone"] for r in removed) == sorted(shown(p) for p in ABSENT)
    assert {r["outcome"] for r in removed} == {"removed"}
    assert sandbox_control.requests_to(DELETES[dialect]) >= 1


def test_removed_is_in_the_printed_summary_and_the_report(
    cxo: Cxo, sandbox_control: SandboxControl, tmp_path: Path
) -> None:
    _, list_id = _ten(sandbox_control, cxo, "v2", tmp_path)
    source = _source(tmp_path, _rows(KEPT + NEW))
    code, _out, err = cxo("import", str(source), "--list", list_id, "--mirror", "--progress",
                         "none")
    assert code == 0, err
    text = " ".join(err.split())  # people's output is on stderr, wrapped to the terminal
    assert ("list: 3 absent from the source = 3 removed + 0 failed to remove + 0 held back"
            " (balanced)") in text
    assert "mirror: applied=True, list_id=" in text
    run_id = text.split("run ")[1].split()[0]
    run_dir = tmp_path / "state" / "runs" / run_id  # CXONE_STATE_DIR of the `cxo` fixture
    page = render_report(load_run(run_dir, now=0.0))
    assert "Removed" in page and "removed.csv" in page


def test_a_dry_run_writes_the_plan_and_removes_nothing(
    mirror_cxo: Cxo, dialect: str, settings: Settings, sandbox_control: SandboxControl,
    tmp_path: Path,
) -> None:
    v2_id, list_id = _ten(sandbox_control, mirror_cxo, dialect, tmp_path)
    source = _source(tmp_path, _rows(KEPT + NEW))
    code, out, err = mirror_cxo("--json", "import", str(source), "--list", list_id, "--mirror",
                                "--dry-run")
    assert code == 0, err
    document = json.loads(out)
    assert document["planned"]["records"] == 9  # to add or update
    assert (document["mirror"]["absent"], document["mirror"]["removed"]) == (3, 0)
    assert document["mirror"]["applied"] is False
    plan = _csv(Path(document["mirror"]["files"]["to-remove.csv"]))
    shown = _digits if dialect == "admin" else str
    assert sorted(r["phone_number"] for r in plan) == sorted(shown(p) for p in ABSENT)
    assert _phones(settings, v2_id) == sorted(LISTED)
    assert sandbox_control.requests_to(DELETES[dialect]) == 0


def test_more_absent_records_than_max_remove_are_refused_and_none_removed(
    mirror_cxo: Cxo, dialect: str, settings: Settings, sandbox_control: SandboxControl,
    tmp_path: Path,
) -> None:
    v2_id, list_id = _ten(sandbox_control, mirror_cxo, dialect, tmp_path)
    source = _source(tmp_path, _rows(KEPT + NEW))
    code, out, err = mirror_cxo("--json", "import", str(source), "--list", list_id, "--mirror",
                                "--max-remove", "2")
    assert code == 2
    assert "remove 3 records" in out + err and "--max-remove 2" in out + err
    assert _phones(settings, v2_id) == sorted(LISTED + NEW)
    assert sandbox_control.requests_to(DELETES[dialect]) == 0
    document = json.loads(out)
    assert (document["mirror"]["held_back"], document["mirror"]["removed"]) == (3, 0)
    assert not (Path(document["run_dir"]) / "restore.csv").exists()


def test_a_source_row_that_fails_validation_keeps_its_record(
    mirror_cxo: Cxo, dialect: str, settings: Settings, sandbox_control: SandboxControl,
    tmp_path: Path,
) -> None:
    v2_id, list_id = _ten(sandbox_control, mirror_cxo, dialect, tmp_path)
    # the last kept record's row has no last name: it fails, and still names its record
    rows = [*_rows(KEPT[:-1] + NEW), f"{KEPT[-1]},F,,silver"]
    code, out, err = mirror_cxo("--json", "import", str(_source(tmp_path, rows)), "--list",
                                list_id, "--mirror")
    assert code == 1, err  # a row failed
    document = json.loads(out)
    assert document["counts"] == {"succeeded": 8, "failed": 1}
    assert document["mirror"]["removed"] == 3
    assert KEPT[-1] in _phones(settings, v2_id)


def test_a_source_row_without_a_usable_phone_holds_every_removal_back(
    mirror_cxo: Cxo, dialect: str, settings: Settings, sandbox_control: SandboxControl,
    tmp_path: Path,
) -> None:
    v2_id, list_id = _ten(sandbox_control, mirror_cxo, dialect, tmp_path)
    rows = [*_rows(KEPT + NEW), "(415) 555-0108,F,L,silver"]  # national: not E.164
    code, out, _ = mirror_cxo("--json", "import", str(_source(tmp_path, rows)), "--list",
                              list_id, "--mirror")
    assert code == 1
    mirror = json.loads(out)["mirror"]
    assert (mirror["held_back"], mirror["removed"], mirror["source_rows_without_phone"]) == (
        3, 0, 1)
    assert "line 11" in mirror["held_back_because"] or "lines 11" in mirror["held_back_because"]
    assert _phones(settings, v2_id) == sorted(LISTED + NEW)
    assert sandbox_control.requests_to(DELETES[dialect]) == 0


def test_the_restore_file_brings_the_removed_records_back(
    mirror_cxo: Cxo, dialect: str, settings: Settings, sandbox_control: SandboxControl,
    tmp_path: Path,
) -> None:
    v2_id, list_id = _ten(sandbox_control, mirror_cxo, dialect, tmp_path)
    code, out, err = mirror_cxo("--json", "import", str(_source(tmp_path, _rows(KEPT + NEW))),
                                "--list", list_id, "--mirror")
    assert code == 0, err
    restore = json.loads(out)["mirror"]["restore"]
    rows = _csv(Path(restore["file"]))
    assert sorted(r["phone_number"] for r in rows) == ABSENT  # E.164: the import takes it back
    assert {r["tier"] for r in rows} == {"gold"}
    command = restore["command"].split()
    assert command[:3] == ["cxo", "import", restore["file"]]
    code, out, err = mirror_cxo("--json", *command[1:])
    assert code == 0, err
    assert json.loads(out)["counts"] == {"succeeded": 3}
    assert _phones(settings, v2_id) == sorted(LISTED + NEW)


def test_server_errors_never_count_a_removal_and_a_resume_finishes_once(
    mirror_cxo: Cxo, dialect: str, settings: Settings, sandbox_control: SandboxControl,
    tmp_path: Path,
) -> None:
    v2_id, list_id = _ten(sandbox_control, mirror_cxo, dialect, tmp_path)
    source = _source(tmp_path, _rows(KEPT + NEW))
    sandbox_control.set_faults(DELETE_FAULTS[dialect])
    try:
        code, out, _ = mirror_cxo("--json", "import", str(source), "--list", list_id,
                                  "--mirror")
    finally:
        sandbox_control.clear_faults()
    assert code == 1
    first = json.loads(out)
    assert (first["mirror"]["removed"], first["mirror"]["failed_to_remove"]) == (0, 3)
    assert first["mirror"]["removal_halted"] is True
    assert _phones(settings, v2_id) == sorted(LISTED + NEW)
    run_dir = Path(first["run_dir"])
    restore = (run_dir / "restore.csv").read_bytes()
    not_removed = _csv(run_dir / "not-removed.csv")
    assert len(not_removed) == 3 and all(r["state"] == "failed" for r in not_removed)

    code, out, err = mirror_cxo("--json", "import", str(source), "--list", list_id, "--mirror",
                                "--resume", first["run_id"])
    assert code == 0, err
    second = json.loads(out)
    assert second["run_id"] == first["run_id"]
    assert (second["mirror"]["removed"], second["mirror"]["failed_to_remove"]) == (3, 0)
    assert _phones(settings, v2_id) == sorted(KEPT + NEW)
    assert (run_dir / "restore.csv").read_bytes() == restore  # written once, kept
    assert len(_csv(run_dir / "removed.csv")) == 3
