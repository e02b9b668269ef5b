"""Rows over the API's limits (limits.py) fail alone in `prepare`, before anything is sent."""

from __future__ import annotations

import pytest

from cxone_outbound.client.admin.outbound import ADMIN_CAPABILITIES
from cxone_outbound.client.capabilities import V2_CAPABILITIES
from cxone_outbound.engine import Item, Record, RecordError
from cxone_outbound.jobs.enrich.job import EnrichJob
from cxone_outbound.jobs.enrich.mapping import parse_mapping
from cxone_outbound.jobs.import_ import ImportJob, ImportOptions
from cxone_outbound.jobs.update import UpdateJob
from cxone_outbound.limits import (
    ADMIN_MAX_RECORD_CHARS,
    MAX_ATTRIBUTE_CHARS,
    MAX_CSV_FIELD_CHARS,
    MAX_EMAIL_CHARS,
    MAX_NAME_CHARS,
)


def record(**fields: str) -> Record:
    return Record("2", 2, fields, list(fields.values()))


def contact_row(**extra: str) -> Record:
    return record(
        phone_number="+14155550100", first_name="Ann", last_name="Lee", email="", **extra
    )


def code_of(result: Item | RecordError) -> str | None:
    return result.code if isinstance(result, RecordError) else None


def test_import_fails_an_attribute_over_the_api_limit_naming_it() -> None:
    job = ImportJob(ImportOptions(), ["tier"])
    result = job.prepare(contact_row(tier="x" * (MAX_ATTRIBUTE_CHARS + 1)))
    assert isinstance(result, RecordError) and (result.code, result.field) == (
        "FIELD_TOO_LONG", "tier",
    )  # fmt: skip
    assert code_of(job.prepare(contact_row(tier="x" * MAX_ATTRIBUTE_CHARS))) is None


def test_import_fails_a_name_the_servers_csv_parser_would_refuse_the_chunk_for() -> None:
    job = ImportJob(ImportOptions(), ["tier"])
    row = contact_row(tier="a")
    long_name = Record("2", 2, {**row.fields, "last_name": "y" * (MAX_CSV_FIELD_CHARS + 1)}, [])
    assert code_of(job.prepare(long_name)) == "FIELD_TOO_LONG"


def test_import_on_admin_fails_a_record_over_512_characters_with_its_external_id() -> None:
    admin = ImportJob(ImportOptions(list_id="L"), ["note"], ADMIN_CAPABILITIES)
    v2 = ImportJob(ImportOptions(), ["note"], V2_CAPABILITIES)
    # external id (the phone, 12) + phone 12 + Ann 3 + Lee 3 + "" + note, 5 commas
    fits = "n" * (ADMIN_MAX_RECORD_CHARS - (12 + 12 + 3 + 3 + 5))
    assert code_of(admin.prepare(contact_row(note=fits))) is None
    assert code_of(admin.prepare(contact_row(note=fits + "n"))) == "RECORD_TOO_LONG"
    assert code_of(v2.prepare(contact_row(note=fits + "n"))) is None


def test_import_reads_a_guarded_cell_without_its_guard() -> None:
    job = ImportJob(ImportOptions(), ["tier"])
    result = job.prepare(record(phone_number="'+14155550100", first_name="''=x",
                                last_name="'twas", email="", tier="'-1"))
    assert isinstance(result, Item)
    assert result.payload == ("+14155550100", "'=x", "'twas", "", "-1")


def test_import_refuses_an_unnamed_or_repeated_attribute_column() -> None:
    with pytest.raises(ValueError, match="has no name"):
        ImportJob(ImportOptions(), ["tier", " "])
    with pytest.raises(ValueError, match="appears twice"):
        ImportJob(ImportOptions(), ["tier", "tier "])


def test_update_fails_a_name_over_the_patch_limit_on_either_patch_not_on_the_re_upload() -> None:
    row = record(contactId="c1", firstName="n" * (MAX_NAME_CHARS + 1))
    assert code_of(UpdateJob().prepare(row)) == "FIELD_TOO_LONG"
    grouped = UpdateJob(list_id="L", capabilities=ADMIN_CAPABILITIES)
    assert code_of(grouped.prepare(row)) is None  # the re-upload's limit is the record's
    # v2's batch PATCH refuses it too, and with it the whole batch of 100: it fails alone
    batched = UpdateJob(list_id="L", capabilities=V2_CAPABILITIES)
    assert batched.grouped and code_of(batched.prepare(row)) == "FIELD_TOO_LONG"


def test_update_checks_every_cell_at_the_shortest_limit_and_passes_each_at_its_own() -> None:
    # prepare skips the checks for a row whose every cell is within the shortest limit
    # (the email's): a cell one longer is checked against the limit of its own field
    over = record(contactId="c1", email="e" * (MAX_EMAIL_CHARS + 1))
    assert code_of(UpdateJob().prepare(over)) == "FIELD_TOO_LONG"
    at = record(contactId="c1", email="e" * MAX_EMAIL_CHARS, firstName="n" * MAX_NAME_CHARS,
                tier="t" * MAX_ATTRIBUTE_CHARS)
    assert code_of(UpdateJob().prepare(at)) is None


def test_update_fails_an_attribute_over_the_api_limit() -> None:
    row = record(contactId="c1", tier="t" * (MAX_ATTRIBUTE_CHARS + 1))
    result = UpdateJob().prepare(row)
    assert isinstance(result, RecordError) and result.field == "tier"


def test_update_on_admin_fails_a_row_whose_own_cells_pass_the_record_limit() -> None:
    row = record(contactId="c1", tier="t" * ADMIN_MAX_RECORD_CHARS)
    grouped = UpdateJob(list_id="L", capabilities=ADMIN_CAPABILITIES)
    assert code_of(grouped.prepare(row)) == "RECORD_TOO_LONG"


def test_enrich_fails_a_string_value_over_the_api_limit() -> None:
    mapping = parse_mapping('[key]\ncolumn = "id"\n\n[[field]]\ncolumn = "note"\n')
    job = EnrichJob(mapping, list_id="L", campaign_id="C", batch_size=10)
    result = job.prepare(record(id="c1", note="n" * (MAX_ATTRIBUTE_CHARS + 1)))
    assert isinstance(result, RecordError) and (result.code, result.field) == (
        "FIELD_TOO_LONG", "note",
    )  # fmt: skip
