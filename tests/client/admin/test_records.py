"""The pure translations of the admin dialect: records, upload files, limits, the guard token."""

from __future__ import annotations

import csv
import gzip
import io

import pytest

import cxone_outbound.client.admin.records as records
from cxone_outbound.client.admin.outbound import ADMIN_CAPABILITIES, campaign_digest
from cxone_outbound.client.admin.records import (
    ListColumns,
    chunks_within_limits,
    contact_from_record,
    render_upload,
    upload_row,
    v2_import_to_upload,
)
from cxone_outbound.client.dialect import V2_CAPABILITIES, V2Api
from cxone_outbound.client.errors import SchemaDrift, ValidationError
from cxone_outbound.config import Settings

DEFAULT = ListColumns(attributes=None)
CUSTOM = ListColumns.parse(
    "externalId=crm_id,phone=mobile,firstName=given,lastName=family,attributes=region")


def rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"))))


def test_a_record_becomes_a_contact_keyed_by_external_id_with_attributes_apart() -> None:
    record = {"ExternalId": 7, "PhoneNumber": "14155550100", "FirstName": "Ada",
              "LastName": "L", "Email": "", "tier": "gold"}
    contact = contact_from_record(record, "12", DEFAULT)
    assert (contact.id, contact.phone, contact.first_name, contact.email) == (
        "7", "14155550100", "Ada", None)
    assert contact.attributes == {"tier": "gold"}
    assert contact.contact_list_id == "12"


def test_a_contact_round_trips_through_an_upload_row_under_the_lists_own_columns() -> None:
    record = {"crm_id": "c-1", "mobile": "442071234567", "given": "Bo", "family": "K",
              "region": "EU"}
    contact = contact_from_record(record, "3", CUSTOM)
    row = upload_row(contact, CUSTOM)
    assert row["crm_id"] == "c-1" and row["mobile"] == "442071234567"
    assert contact_from_record(row, "3", CUSTOM) == contact


def test_a_record_without_the_lists_external_id_or_phone_is_drift_not_a_contact() -> None:
    with pytest.raises(SchemaDrift) as drift:
        contact_from_record({"externalId": "c-1", "fields": {"mobile": "1"}}, "3", CUSTOM)
    assert "crm_id" in str(drift.value) and "mobile" in str(drift.value)


def test_an_import_column_the_mapping_cannot_carry_is_refused_by_name_before_sending() -> None:
    body = b"phone_number,first_name,last_name,email,tier\r\n+1415,A,B,,x\r\n"
    with pytest.raises(ValidationError) as refused:
        v2_import_to_upload(body, CUSTOM, gzipped=False)
    assert refused.value.code == "UNMAPPED_COLUMN" and "tier" in str(refused.value)


def test_a_v2_import_becomes_an_upload_keyed_by_phone_in_the_same_row_order() -> None:
    body = b"phone_number,first_name,last_name,email,tier\r\n+1415,A,B,,x\r\n+1416,C,D,e@x.io,y\r\n"
    upload = rows(v2_import_to_upload(gzip.compress(body), DEFAULT, gzipped=True))
    assert [r["ExternalId"] for r in upload] == ["+1415", "+1416"]
    assert upload[1] == {"ExternalId": "+1416", "PhoneNumber": "+1416", "FirstName": "C",
                         "LastName": "D", "Email": "e@x.io", "tier": "y"}


def test_an_upload_header_lists_the_mapped_columns_first_then_each_attribute_once() -> None:
    body = render_upload([{"ExternalId": "1", "b": "x"}, {"ExternalId": "2", "a": "y"}], DEFAULT)
    header = body.decode().splitlines()[0]
    assert header == "ExternalId,PhoneNumber,FirstName,LastName,Email,b,a"


def test_upload_files_are_cut_under_the_record_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(records, "MAX_UPLOAD_RECORDS", 2)
    chunks = list(chunks_within_limits([{"ExternalId": str(i)} for i in range(5)]))
    assert [len(c) for c in chunks] == [2, 2, 1]


def test_the_guard_token_changes_with_any_field_and_not_with_key_order() -> None:
    assert campaign_digest({"a": 1, "b": 2}) == campaign_digest({"b": 2, "a": 1})
    assert campaign_digest({"a": 1}) != campaign_digest({"a": 2})


def test_the_dialects_declare_what_the_jobs_may_branch_on() -> None:
    assert V2Api(Settings()).capabilities == V2_CAPABILITIES
    assert V2_CAPABILITIES.per_record_update and not ADMIN_CAPABILITIES.per_record_update
    assert ADMIN_CAPABILITIES.write_guard == "read-compare-write"
    assert not ADMIN_CAPABILITIES.server_webhooks
