"""Specification of the sanitise job's pure parts: the plan as records, the restore CSV."""

from __future__ import annotations

import csv
from pathlib import Path

from cxone_outbound.client.models import Contact
from cxone_outbound.engine.results import unguard_cell
from cxone_outbound.jobs.sanitize import CHANGED, PlanSource, RestoreWriter, restore_header
from cxone_outbound.jobs.sanitize.prepare import make_plan
from cxone_outbound.phones import PhoneNormalizer

_normalise = PhoneNormalizer("US")


def _contact(cid: str, phone: str, **attributes: object) -> Contact:
    return Contact(id=cid, phone=phone, first_name="Ann", last_name="Lee", attributes=attributes)


def _source(contacts: list[Contact], now: list[Contact] | None = None) -> PlanSource:
    plan = make_plan("l", [(c.id, c.phone) for c in contacts], _normalise, {})
    return PlanSource(plan, now if now is not None else contacts)


def test_plan_records_list_normalisations_before_purges_and_skip_unchanged() -> None:
    source = _source(
        [_contact("a", "junk"), _contact("b", "+12125550101"), _contact("c", "(212) 555-0102")]
    )
    assert [(r.key, r.fields["action"]) for r in source] == [("c", "normalise"), ("a", "purge")]


def test_a_contact_whose_phone_changed_since_the_plan_is_never_sent() -> None:
    planned = [_contact("a", "junk")]
    records = list(_source(planned, now=[_contact("a", "+12125550199")]))
    assert records[0].error is not None and records[0].error.code == CHANGED


def test_a_contact_gone_since_the_plan_is_never_sent() -> None:
    records = list(_source([_contact("a", "junk")], now=[]))
    assert records[0].error is not None and records[0].error.code == CHANGED


def test_plan_source_fingerprint_is_the_plans() -> None:
    contacts = [_contact("a", "junk")]
    assert _source(contacts).fingerprint() == _source(contacts).fingerprint()
    assert _source(contacts).fingerprint() != _source([_contact("a", "junk2")]).fingerprint()


def test_restore_csv_has_the_import_header_and_every_attribute(tmp_path: Path) -> None:
    contacts = [_contact("a", "junk", tier="gold"), _contact("b", "+1", vip=True)]
    writer = RestoreWriter(tmp_path / "restore.csv", restore_header(contacts))
    for contact in contacts:
        writer.write(contact)
    writer.close()
    rows = list(csv.DictReader((tmp_path / "restore.csv").open(newline="")))
    assert list(rows[0]) == ["phone_number", "first_name", "last_name", "email", "tier", "vip"]
    assert rows[1] == {
        "phone_number": "'+1",  # the result files' formula guard; cxo import removes it
        "first_name": "Ann",
        "last_name": "Lee",
        "email": "",
        "tier": "",
        "vip": "true",
    }


def test_restore_csv_cells_are_formula_safe_and_unguard_to_the_exact_values(
    tmp_path: Path,
) -> None:
    hostile = _contact("a", "+12125550100", note="=cmd|' /C calc'!A0", quote="'=x")
    writer = RestoreWriter(tmp_path / "restore.csv", restore_header([hostile]))
    writer.write(hostile)
    writer.close()
    (row,) = csv.DictReader((tmp_path / "restore.csv").open(newline=""))
    assert all(not v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in row.values())
    assert {k: unguard_cell(v) for k, v in row.items()} == {
        "phone_number": "+12125550100",
        "first_name": "Ann",
        "last_name": "Lee",
        "email": "",
        "note": "=cmd|' /C calc'!A0",
        "quote": "'=x",
    }


def test_restore_csv_of_a_resumed_run_appends_under_its_first_header(tmp_path: Path) -> None:
    path = tmp_path / "restore.csv"
    first = RestoreWriter(path, restore_header([_contact("a", "x", tier="gold")]))
    first.write(_contact("a", "x", tier="gold"))
    first.close()
    second = RestoreWriter(path, restore_header([_contact("b", "y")]))
    second.write(_contact("b", "y", tier="silver"))
    second.close()
    rows = list(csv.DictReader(path.open(newline="")))
    assert [(r["phone_number"], r["tier"]) for r in rows] == [("x", "gold"), ("y", "silver")]
