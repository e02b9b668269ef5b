"""Acceptance: hostile input files against the real sandbox (issue 14: strict CSV, limits).

Each test is a repro of the issue: a row never absorbs another, a bad row never fails its chunk,
and every run accounts for each record it read (`run_live` asserts it).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tests.engine.live import run_live
from tests.jobs.conftest import list_id_for

from cxone_outbound.client.capabilities import capabilities_for
from cxone_outbound.client.dialect import open_api
from cxone_outbound.config import Settings
from cxone_outbound.engine import CsvSource, Item, Record, RecordError
from cxone_outbound.jobs.import_ import IMPORT_FIELDS, ImportJob, ImportOptions
from cxone_outbound.jobs.update import CONTACT_FIELDS, UpdateJob
from cxone_outbound.limits import MAX_CSV_FIELD_CHARS


def failed_codes(run_dir: Path) -> dict[int, str]:
    with (run_dir / "failed.csv").open(newline="") as fh:
        return {int(r["line"]): r["error_code"] for r in csv.DictReader(fh)}


def audit_events(run_dir: Path, event: str) -> list[dict[str, Any]]:
    lines = (run_dir / "audit.jsonl").read_text().splitlines()
    return [e for e in map(json.loads, lines) if e.get("event") == event]


def import_file(path: Path, n: int, hostile: Mapping[int, Sequence[str]] = {}) -> Path:
    """`n` good rows; the row of index i replaced by `hostile[i]` (cells, written raw)."""
    lines = ["phone_number,first_name,last_name,email,tier"]
    for i in range(n):
        cells = hostile.get(i) or (f"+1415{i:07d}", f"F{i}", f"L{i}", f"u{i}@example.com", "a")
        lines.append(",".join(cells))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def test_an_unterminated_quote_in_an_update_file_fails_its_row_and_updates_the_rest(
    tmp_path: Path, settings: Settings, sandbox_control: Any
) -> None:
    list_id = sandbox_control.create_list("u", [{"name": "tier", "type": "string"}])
    sandbox_control.seed_contacts(list_id, 5)
    ids = sorted(sandbox_control.writes(list_id))
    lines = ["contactId,firstName,tier", f"{ids[0]},Ann,gold", f'{ids[1]},"Bob,gold']
    lines += [f"{contact_id},Name{n},silver" for n, contact_id in enumerate(ids[2:])]
    path = tmp_path / "u.csv"
    path.write_text("\n".join(lines) + "\n")
    summary = await run_live(
        UpdateJob(), CsvSource(path, aliases=CONTACT_FIELDS), settings, tmp_path / "s"
    )
    assert summary.counts == {"succeeded": 4, "failed": 1}
    assert failed_codes(summary.run_dir) == {3: "UNTERMINATED_QUOTE"}
    async with open_api(settings) as api:
        assert (await api.get_contact(ids[1])).first_name != "Bob"
        names = [(await api.get_contact(c)).first_name for c in ids[2:]]
    assert names == ["Name0", "Name1", "Name2"]


async def test_a_nul_byte_or_a_200kb_field_fails_its_row_alone_not_its_chunk(
    tmp_path: Path, dialect_settings: Settings, sandbox_control: Any
) -> None:
    huge = "x" * 200_000
    path = import_file(
        tmp_path / "c.csv",
        200,
        {
            10: ("+14150000010", "F\x00", "L", "", "a"),
            50: ("+14150000050", "F", huge, "", "a"),
        },
    )
    list_id = sandbox_control.default_list_id()
    target = list_id_for(dialect_settings, sandbox_control, list_id)
    job = ImportJob(
        ImportOptions(list_id=target, chunk_size=100, poll_initial_s=0.05),
        ["tier"],
        capabilities_for(dialect_settings.dialect),
    )
    summary = await run_live(
        job, CsvSource(path, aliases=IMPORT_FIELDS), dialect_settings, tmp_path / "state"
    )
    assert summary.counts == {"succeeded": 198, "failed": 2}
    assert failed_codes(summary.run_dir) == {12: "NUL_BYTE", 52: "FIELD_TOO_LONG"}
    assert len(sandbox_control.writes(list_id)) == 198


class UncheckedImport(ImportJob):
    """An import that skips the client's checks: what the server does with a row over its
    limits when nothing stops it."""

    def prepare(self, record: Record) -> Item | RecordError:
        return Item(record, tuple(record.fields.get(c, "") for c in self.columns))


async def test_a_chunk_the_server_refuses_whole_is_bisected_down_to_its_bad_row(
    tmp_path: Path, settings: Settings, sandbox_control: Any
) -> None:
    big = "y" * (MAX_CSV_FIELD_CHARS + 1)  # the server's CSV parser refuses the whole body
    path = import_file(tmp_path / "c.csv", 64, {37: ("+14150000037", big, "L", "", "a")})
    job = UncheckedImport(ImportOptions(chunk_size=64, poll_initial_s=0.05), ["tier"])
    summary = await run_live(
        job, CsvSource(path, aliases=IMPORT_FIELDS), settings, tmp_path / "state"
    )
    assert summary.counts == {"succeeded": 63, "failed": 1}
    assert failed_codes(summary.run_dir) == {39: "ROW_REFUSED"}
    (bisected,) = audit_events(summary.run_dir, "chunk_bisected")
    assert bisected["refused"] == 1 and bisected["uploads"] <= 2 * 6 + 1  # log2(64) = 6
    assert len(sandbox_control.writes(sandbox_control.default_list_id())) == 63
