"""Legacy phones: setup data keeps national spellings, punctuation and junk as written (what real
calling lists hold), while the API itself still writes only E.164. Within a list a phone is
unique by its exact text."""

from __future__ import annotations

import random
import time
from collections import Counter

import phonenumbers
import pytest
from tests.sandbox.httpapi import Api
from tests.sandbox.test_admin_api import Admin, upload

from cxone_outbound.sandbox.control import SandboxControl, SandboxControlError
from cxone_outbound.sandbox.store.lists.seed import seed_rows
from cxone_outbound.sandbox.store.validation import is_e164

LEGACY = ["(212) 555-0100", "0044 20 7946 0958", "011 33 6 12 34 56 78", "n/a", ""]


@pytest.fixture
def list_id(sandbox_control: SandboxControl) -> str:
    return sandbox_control.create_list("legacy")


def test_setup_contacts_keep_their_phones_exactly_as_written(
        api: Api, sandbox_control: SandboxControl, list_id: str) -> None:
    added = sandbox_control.add_contacts(list_id, [{"phone": p} for p in LEGACY])
    assert [c["phone"] for c in added] == LEGACY
    listed = api.get(f"/api/v2/campaigns/contactlists/{list_id}?limit=10").json["contacts"]
    assert sorted(c["phone"] for c in listed) == sorted(LEGACY)


def test_the_uniqueness_key_is_the_phone_text_not_the_number(
        sandbox_control: SandboxControl, list_id: str) -> None:
    first, other = sandbox_control.add_contacts(
        list_id, [{"phone": "(212) 555-0100"}, {"phone": "+12125550100"}])
    assert first["id"] != other["id"]  # two spellings of one number: two contacts
    again = sandbox_control.add_contacts(list_id, [{"phone": "(212) 555-0100",
                                                    "firstName": "Zoe"}])[0]
    assert (again["id"], again["firstName"]) == (first["id"], "Zoe")  # same text: an upsert


def test_a_setup_phone_must_be_text_of_at_most_64_characters(
        sandbox_control: SandboxControl, list_id: str) -> None:
    for bad in (None, 2125550100, "9" * 65):
        with pytest.raises(SandboxControlError) as caught:
            sandbox_control.add_contacts(list_id, [{"phone": bad}])
        assert caught.value.status == 400


def test_the_api_still_refuses_to_write_a_national_phone(
        api: Api, sandbox_control: SandboxControl, list_id: str) -> None:
    contact = sandbox_control.add_contacts(list_id, [{"phone": "+12125550100"}])[0]
    patch = api.patch(f"/api/v2/contacts/{contact['id']}", {"phone": "(212) 555-0101"})
    assert (patch.status, patch.code) == (400, "INVALID_E164")
    job = api.send("POST", f"/api/v2/contacts/import?contactListId={list_id}",
                   body=b"phone_number\n(212) 555-0102\n", headers={"Content-Type": "text/csv"})
    deadline = time.monotonic() + 20
    state = api.get(f"/api/v2/contacts/import/{job.json['jobId']}").json
    while state["status"] not in ("COMPLETED", "FAILED") and time.monotonic() < deadline:
        state = api.get(f"/api/v2/contacts/import/{job.json['jobId']}").json
    assert state["status"] == "FAILED"
    assert [e["code"] for e in state["rowErrors"]] == ["INVALID_E164"]


def test_a_patch_may_leave_a_legacy_phone_as_it_is(
        api: Api, sandbox_control: SandboxControl, list_id: str) -> None:
    contact = sandbox_control.add_contacts(list_id, [{"phone": "n/a"}])[0]
    answer = api.patch(f"/api/v2/contacts/{contact['id']}", {"phone": "n/a", "firstName": "Al"})
    assert (answer.status, answer.json["phone"], answer.json["firstName"]) == (200, "n/a", "Al")


def test_normalising_a_phone_works_beside_another_spelling_and_clashes_only_on_the_same_text(
        api: Api, sandbox_control: SandboxControl, list_id: str) -> None:
    national, spaced, e164 = sandbox_control.add_contacts(list_id, [
        {"phone": "(212) 555-0100"}, {"phone": "212 555 0100"}, {"phone": "+12125550199"}])
    ok = api.patch(f"/api/v2/contacts/{national['id']}", {"phone": "+12125550100"})
    assert (ok.status, ok.json["phone"]) == (200, "+12125550100")
    clash = api.patch(f"/api/v2/contacts/{spaced['id']}", {"phone": "+12125550100"})
    assert (clash.status, clash.code) == (409, "DUPLICATE_PHONE")
    batch = api.patch(f"/api/v2/campaigns/contactlists/{list_id}/contacts", {"contacts": [
        {"id": spaced["id"], "phone": "+12125550199"}]})
    assert [f["error"] for f in batch.json["failed"]] == ["DUPLICATE_PHONE"]
    assert e164["phone"] == "+12125550199"


def test_an_admin_re_upload_may_keep_a_records_legacy_phone(
        api: Api, sandbox_control: SandboxControl, list_id: str) -> None:
    admin = Admin(api)
    contact = sandbox_control.add_contacts(list_id, [{"phone": "0044 20 7946 0958"}])[0]
    admin_list = sandbox_control.admin_ids(list_id=list_id)["listId"]

    def invalid() -> int:
        answer = admin.call("GET", f"/lists/call-lists/{admin_list}")
        return int(answer.json["resultSet"]["invalidRecords"])

    before = invalid()
    job = upload(admin, admin_list,
                 f"ExternalId,PhoneNumber,FirstName\n{contact['id']},0044 20 7946 0958,Ida\n"
                 "new-1,020 7946 0959,Bo\n")
    assert job["isComplete"] and not job["isCancelled"]
    # a job reports no row outcome: the list shows the kept record and the refused new one
    assert api.get(f"/api/v2/contacts/{contact['id']}").json["firstName"] == "Ida"
    assert invalid() == before + 1


def test_a_legacy_phone_has_no_region_in_the_preview_shape(
        api: Api, sandbox_control: SandboxControl, list_id: str) -> None:
    sandbox_control.add_contacts(list_id, [{"phone": "(212) 555-0100"}, {"phone": "+442079460958"}])
    entities = api.get(f"/api/v2/outbound/contactlists/{list_id}/contacts").json["entity"]
    assert sorted((e["fields"]["phone"], e["fields"]["region"]) for e in entities) == [
        ("(212) 555-0100", None), ("+442079460958", "GB")]


def _international(phone: str) -> str | None:
    """The E.164 of an internationally written phone (`+`, `00`, `011`), else None."""
    text = phone.strip()
    for prefix in ("00", "011"):
        if text.startswith(prefix):
            text = "+" + text[len(prefix):]
    if not text.startswith("+"):
        return None
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def test_a_mixed_seed_holds_national_and_international_spellings_junk_and_duplicates() -> None:
    rows = seed_rows(5000, random.Random(3), "mixed")
    phones = [r.phone for r in rows]
    assert len(set(phones)) == 5000  # distinct as written
    kinds = Counter("e164" if is_e164(p) else "00" if p.startswith("00")
                    else "011" if p.startswith("011") else "+" if p.startswith("+")
                    else "national" if sum(c.isdigit() for c in p) >= 9 else "junk"
                    for p in phones)
    assert all(kinds[k] > 25 for k in ("e164", "00", "011", "+", "national", "junk")), kinds
    numbers = Counter(n for n in map(_international, phones) if n)
    assert any(count > 1 for count in numbers.values())  # one number, two spellings
    assert all(r.first_name and r.last_name and r.email for r in rows)


def test_a_clean_seed_holds_only_distinct_e164_phones() -> None:
    rows = seed_rows(2000, random.Random(3))
    assert all(is_e164(r.phone) for r in rows) and len({r.phone for r in rows}) == 2000


def test_seed_over_http_takes_the_phone_mix_and_refuses_an_unknown_one(
        sandbox_control: SandboxControl, list_id: str, api: Api) -> None:
    sandbox_control.seed_contacts(list_id, 50, seed=1, phones="mixed")
    listed = api.get(f"/api/v2/campaigns/contactlists/{list_id}?limit=100").json["contacts"]
    assert len(listed) == 50 and not all(is_e164(c["phone"]) for c in listed)
    with pytest.raises(SandboxControlError):
        sandbox_control.seed_contacts(list_id, 5, phones="messy")
