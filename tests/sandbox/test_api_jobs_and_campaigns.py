"""Imports (async jobs, gzip, limits), campaigns (ETag/If-Match), suppressions, idempotency."""

from __future__ import annotations

import gzip
import time
from typing import Any

import pytest
from tests.sandbox.httpapi import Api

from cxone_outbound.sandbox.control import SandboxControl
from cxone_outbound.sandbox.store.validation import is_e164

CSV = {"Content-Type": "text/csv"}
GZ = {"Content-Type": "text/csv", "Content-Encoding": "gzip"}


def _wait_for_job(api: Api, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job = api.get(f"/api/v2/contacts/import/{job_id}").json
        if job["status"] in ("COMPLETED", "FAILED"):
            return dict(job)
    raise AssertionError(f"job {job_id} did not finish")


def test_gzip_import_without_list_goes_to_the_default_list(
        api: Api, sandbox_control: SandboxControl) -> None:
    body = gzip.compress(b"phone_number,first_name,last_name,email,tier\n"
                         b"+14155550100,Ann,Lee,ann@example.com,gold\n")
    answer = api.send("POST", "/api/v2/contacts/import", body=body, headers=GZ)
    assert (answer.status, answer.json["status"]) == (201, "QUEUED")
    job = _wait_for_job(api, answer.json["jobId"])
    assert (job["status"], job["recordsProcessed"]) == ("COMPLETED", 1)
    default = sandbox_control.default_list_id()
    contact = api.get(f"/api/v2/campaigns/contactlists/{default}").json["contacts"][0]
    assert contact["attributes"] == {"tier": "gold"}


def test_an_import_takes_time_in_proportion_to_its_rows(sandbox_factory: Any,
                                                         api_for: Any) -> None:
    server = sandbox_factory(import_rows_per_s=10, rate_limit=0)  # 100 rows: about 10 s
    api = api_for(server)
    rows = b"".join(b"+1415555%04d\n" % i for i in range(100))
    answer = api.send("POST", "/api/v2/contacts/import", body=b"phone_number\n" + rows,
                      headers=CSV)
    job = api.get(f"/api/v2/contacts/import/{answer.json['jobId']}").json
    assert job["status"] in ("QUEUED", "RUNNING")
    assert job["recordsProcessed"] < 100


def test_seed_contacts_fills_the_default_list_with_the_legacy_phones_of_a_real_list(
        sandbox_factory: Any, api_for: Any) -> None:
    server = sandbox_factory(seed_contacts=60, rate_limit=0)
    api = api_for(server)
    list_id = server.control.default_list_id()
    entities = api.get(f"/api/v2/outbound/contactlists/{list_id}/contacts?limit=100").json
    phones = [e["fields"]["phone"] for e in entities["entity"]]
    assert len(phones) == 60
    assert any(p.startswith("+") for p in phones) and not all(is_e164(p) for p in phones)
    assert all(e["fields"]["firstName"] and e["fields"]["email"] for e in entities["entity"])


def test_a_body_that_says_gzip_but_is_not_is_400(api: Api) -> None:
    answer = api.send("POST", "/api/v2/contacts/import", body=b"phone_number\n+1\n", headers=GZ)
    assert (answer.status, answer.code) == (400, "INVALID_GZIP")


def test_an_import_without_a_header_row_is_400(api: Api) -> None:
    answer = api.send("POST", "/api/v2/contacts/import", body=b"", headers=CSV)
    assert (answer.status, answer.code) == (400, "MISSING_HEADER")


def test_non_utf8_csv_is_400(api: Api) -> None:
    answer = api.send("POST", "/api/v2/contacts/import",
                      body="phone_number,first_name\n+14155550100,Zoë\n".encode("latin-1"),
                      headers=CSV)
    assert (answer.status, answer.code) == (400, "INVALID_ENCODING")


def test_over_50000_rows_is_413(api: Api) -> None:
    body = gzip.compress(b"phone_number\n" + b"+14155550100\n" * 50_001)
    answer = api.send("POST", "/api/v2/contacts/import", body=body, headers=GZ)
    assert answer.status == 413


def test_an_import_into_an_unknown_list_is_404(api: Api) -> None:
    answer = api.send("POST", "/api/v2/contacts/import?contactListId=nope",
                      body=b"phone_number\n+14155550100\n", headers=CSV)
    assert answer.status == 404


def test_campaign_get_carries_its_version_as_etag(api: Api) -> None:
    created = api.post("/api/v2/outbound/campaigns", {"name": "c", "type": "preview"}).json
    answer = api.get(f"/api/v2/outbound/campaigns/{created['id']}")
    assert answer.headers["ETag"] == '"1"'
    assert answer.json["maxEnrichmentTimeout"] == 3000


def test_put_with_the_etag_bumps_the_version_and_activates_preview(api: Api) -> None:
    campaign_id = api.post("/api/v2/outbound/campaigns", {"name": "c"}).json["id"]
    answer = api.put(f"/api/v2/outbound/campaigns/{campaign_id}",
                     {"name": "c", "type": "preview",
                      "previewSettings": {"agentPromptEnabled": True}},
                     headers={"If-Match": '"1"'})
    assert answer.status == 200
    assert answer.json["version"] == 2 and answer.json["status"] == "active"
    assert answer.headers["ETag"] == '"2"'


def test_put_with_a_stale_etag_is_412_with_the_current_version(api: Api) -> None:
    campaign_id = api.post("/api/v2/outbound/campaigns", {"name": "c"}).json["id"]
    api.put(f"/api/v2/outbound/campaigns/{campaign_id}", {"name": "d"}, headers={"If-Match": '"1"'})
    answer = api.put(f"/api/v2/outbound/campaigns/{campaign_id}", {"name": "e"},
                     headers={"If-Match": '"1"'})
    assert (answer.status, answer.json["error"]["currentVersion"]) == (412, 2)


def test_put_without_if_match_is_428(api: Api) -> None:
    campaign_id = api.post("/api/v2/outbound/campaigns", {"name": "c"}).json["id"]
    assert api.put(f"/api/v2/outbound/campaigns/{campaign_id}", {"name": "d"}).status == 428


def test_version_history_shows_every_accepted_update(
        api: Api, sandbox_control: SandboxControl) -> None:
    campaign_id = api.post("/api/v2/outbound/campaigns", {"name": "v1"}).json["id"]
    for version in (1, 2):
        api.put(f"/api/v2/outbound/campaigns/{campaign_id}", {"name": f"v{version + 1}"},
                headers={"If-Match": f'"{version}"'})
    history = sandbox_control.campaign_versions(campaign_id)
    assert [h["body"]["name"] for h in history] == ["v1", "v2", "v3"]


def test_campaigns_filter_by_type_and_status(api: Api) -> None:
    api.post("/api/v2/outbound/campaigns", {"name": "a", "type": "preview", "status": "active"})
    api.post("/api/v2/outbound/campaigns", {"name": "b", "type": "predictive"})
    names = [c["name"] for c in
             api.get("/api/v2/outbound/campaigns?type=preview&status=active&limit=1000").json["entity"]]
    assert names == ["a"]


def test_suppressions_page_and_list_expired_ones_with_their_expiry(api: Api) -> None:
    for i in range(3):
        assert api.post("/api/v2/outbound/suppressions",
                        {"phoneNumber": f"+1415555010{i}", "reason": "dnc"}).status == 201
    api.post("/api/v2/outbound/suppressions",
             {"phoneNumber": "+14155550199", "expiresAt": "2000-01-01T00:00:00Z"})
    first = api.get("/api/v2/outbound/suppressions?limit=2").json
    second = api.get(first["nextPageUri"]).json
    listed = [(s["phoneNumber"], s["expiresAt"]) for s in first["entity"] + second["entity"]]
    assert listed == [("+14155550100", None), ("+14155550101", None), ("+14155550102", None),
                      ("+14155550199", "2000-01-01T00:00:00Z")]


@pytest.mark.parametrize("phone", ["(415) 555-2671", "+1 415-555-2671", "0014155552671"])
def test_suppressions_keep_legacy_spellings_as_written(api: Api, phone: str) -> None:
    assert api.post("/api/v2/outbound/suppressions", {"phoneNumber": phone}).status == 201
    assert [s["phoneNumber"] for s in api.get("/api/v2/outbound/suppressions").json["entity"]] \
        == [phone]


@pytest.mark.parametrize("phone", ["", "   ", "no digits", "1" * 33, 4155552671])
def test_a_suppression_without_digits_or_too_long_is_400(api: Api, phone: object) -> None:
    answer = api.post("/api/v2/outbound/suppressions", {"phoneNumber": phone})
    assert (answer.status, answer.code) == (400, "INVALID_VALUE")


def test_the_same_suppression_text_twice_is_409_but_another_spelling_is_not(api: Api) -> None:
    assert api.post("/api/v2/outbound/suppressions", {"phoneNumber": "415-555-2671"}).status \
        == 201
    again = api.post("/api/v2/outbound/suppressions", {"phoneNumber": "415-555-2671"})
    assert (again.status, again.code) == (409, "ALREADY_SUPPRESSED")
    assert api.post("/api/v2/outbound/suppressions", {"phoneNumber": "4155552671"}).status == 201


def test_a_repeated_idempotency_key_replays_the_first_response(api: Api) -> None:
    headers = {"Idempotency-Key": "k1"}
    first = api.post("/api/v2/outbound/campaigns", {"name": "once"}, headers=headers)
    again = api.post("/api/v2/outbound/campaigns", {"name": "once"}, headers=headers)
    assert again.status == 201 and again.json["id"] == first.json["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(api.get("/api/v2/outbound/campaigns").json["entity"]) == 1


def test_the_same_idempotency_key_with_another_body_is_409_as_the_contract_says(api: Api) -> None:
    api.post("/api/v2/outbound/campaigns", {"name": "a"}, headers={"Idempotency-Key": "k2"})
    answer = api.post("/api/v2/outbound/campaigns", {"name": "b"},
                      headers={"Idempotency-Key": "k2"})
    assert (answer.status, answer.code) == (409, "IDEMPOTENCY_KEY_REUSED")
