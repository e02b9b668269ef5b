"""CXoneClient's endpoint methods: what goes on the wire and what comes back (API.md §3-§7)."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import pytest
from fake_api import CLIENT_ID, Reply

from cxone_outbound.client import (
    Conflict,
    CXoneClient,
    EnrichmentItem,
    IdempotencyKeyReused,
    NotFound,
    PreconditionFailed,
    SchemaField,
    ServerError,
    ValidationError,
)
from cxone_outbound.client.idempotency import scoped_key

CONTACT = {"id": "c1", "contactListId": "L1", "phone": "+15551230001", "firstName": "Ada",
           "attributes": {"tier": "gold"}, "createdAt": "2030-01-01T00:00:00Z"}


@pytest.fixture
async def client(fake_api, clock):
    async with CXoneClient(fake_api.settings(), clock=clock) as c:
        yield c


async def test_contacts_are_paged_by_following_next_page_uri(fake_api, client):
    path = "/api/v2/campaigns/contactlists/L1"

    def page(seen):
        n = int(dict(p.split("=") for p in seen.query.split("&")).get("cursor", "0"))
        body = {"contacts": [{**CONTACT, "id": f"c{n}-{i}"} for i in range(2)]}
        if n < 2:
            body["nextPageUri"] = f"{path}?limit=2&cursor={n + 1}"
        return Reply(200, body)

    fake_api.reply("GET", path, page)
    ids = [c.id async for c in client.iter_contacts("L1", page_size=2)]
    assert ids == ["c0-0", "c0-1", "c1-0", "c1-1", "c2-0", "c2-1"]
    assert [s.query for s in fake_api.requests_to("GET", path)] == [
        "limit=2", "limit=2&cursor=1", "limit=2&cursor=2"]


async def test_ids_are_escaped_into_one_path_segment(fake_api, client):
    fake_api.reply("GET", "/api/v2/contacts/a/b", Reply(200, {**CONTACT, "id": "wrong"}))
    fake_api.reply("GET", "/api/v2/contacts/a%2Fb", Reply(200, CONTACT))
    contact = await client.get_contact("a/b")
    assert contact.first_name == "Ada" and contact.attributes == {"tier": "gold"}


async def test_create_list_sends_name_and_schema_with_an_idempotency_key(fake_api, client):
    fake_api.reply("POST", "/api/v2/contacts/lists", Reply(201, {"id": "L9", "name": "x"}))
    created = await client.create_list("x", [SchemaField(name="tier", type="string")])
    (seen,) = fake_api.requests_to("POST", "/api/v2/contacts/lists")
    assert seen.json() == {"name": "x", "schema": {"fields": [{"name": "tier", "type": "string"}]}}
    assert seen.headers["Idempotency-Key"] and created.id == "L9"


async def test_get_list_schema(fake_api, client):
    fake_api.reply("GET", "/api/v2/contacts/lists/L1/schema",
                   Reply(200, {"fields": [{"name": "score", "type": "integer"}]}))
    schema = await client.get_list_schema("L1")
    assert schema.fields == [SchemaField(name="score", type="integer")]


async def test_update_contact_patches_the_changes(fake_api, client):
    fake_api.reply("PATCH", "/api/v2/contacts/c1", Reply(200, {**CONTACT, "email": "a@b.c"}))
    contact = await client.update_contact("c1", {"email": "a@b.c"})
    assert fake_api.requests_to("PATCH", "/api/v2/contacts/c1")[0].json() == {"email": "a@b.c"}
    assert contact.email == "a@b.c"


async def test_batch_update_reports_updated_and_failed(fake_api, client):
    path = "/api/v2/campaigns/contactlists/L1/contacts"
    answer = {"updated": 1, "failed": [{"id": "c2", "error": "x"}]}
    fake_api.reply("PATCH", path, Reply(200, answer))
    result = await client.update_contacts("L1", [{"id": "c1", "phone": "+1"}, {"id": "c2"}])
    assert result.updated == 1 and result.failed[0].id == "c2"
    assert fake_api.requests_to("PATCH", path)[0].json() == {
        "contacts": [{"id": "c1", "phone": "+1"}, {"id": "c2"}]}


async def test_batch_update_refuses_more_than_100_contacts_before_sending(fake_api, client):
    with pytest.raises(ValueError, match="at most 100"):
        await client.update_contacts("L1", [{"id": str(i)} for i in range(101)])
    assert not fake_api.requests_to("PATCH", "/api/v2/campaigns/contactlists/L1/contacts")


async def test_delete_contact(fake_api, client):
    fake_api.reply("DELETE", "/api/v2/campaigns/contacts/c1", Reply(204))
    assert await client.delete_contact("c1") is None


async def test_start_import_uploads_gzipped_csv_to_a_list(fake_api, client):
    answer = {"jobId": "j1", "status": "QUEUED"}
    fake_api.reply("POST", "/api/v2/contacts/import", Reply(201, answer))
    csv = b"phone_number,first_name,last_name,email\n+15551230001,A,B,a@b.c\n"
    job = await client.start_import(gzip.compress(csv), list_id="L1", idempotency_key="chunk-1")
    (seen,) = fake_api.requests_to("POST", "/api/v2/contacts/import")
    assert seen.query == "contactListId=L1"
    assert seen.body == csv  # the server decoded it: real gzip went on the wire
    assert (seen.headers["Content-Type"], seen.headers["Content-Encoding"]) == ("text/csv", "gzip")
    assert seen.headers["Idempotency-Key"] == scoped_key(
        "chunk-1", tenant=f"{fake_api.url} {CLIENT_ID} ", dialect="v2", method="POST",
        path="/api/v2/contacts/import", params={"contactListId": "L1"})
    assert (job.job_id, job.status, job.finished) == ("j1", "QUEUED", False)


async def test_an_operation_key_is_bound_to_its_list(fake_api, client):
    queued = Reply(201, {"jobId": "j1", "status": "QUEUED"})
    fake_api.reply("POST", "/api/v2/contacts/import", queued)
    for list_id in ("L1", "L1", "L2"):
        await client.start_import(b"phone_number\n", list_id=list_id, gzipped=False,
                                  idempotency_key="chunk-1")
    sent = [s.headers["Idempotency-Key"] for s in fake_api.requests_to(
        "POST", "/api/v2/contacts/import")]
    assert sent[0] == sent[1] != sent[2]
    assert "chunk-1" not in sent


async def test_get_import_job_reads_row_errors(fake_api, client):
    fake_api.reply("GET", "/api/v2/contacts/import/j1", Reply(200, {
        "jobId": "j1", "status": "COMPLETED", "recordsProcessed": 9, "recordsFailed": 1,
        "errors": ["row 7: bad"], "rowErrors": [{"row": 7, "field": "phone_number",
                                                 "code": "INVALID_E164", "message": "bad"}]}))
    job = await client.get_import_job("j1")
    assert job.finished and job.row_errors[0].code == "INVALID_E164"


async def test_get_campaign_keeps_the_etag(fake_api, client):
    fake_api.reply("GET", "/api/v2/outbound/campaigns/k1", Reply(
        200, {"campaignId": "k1", "maxEnrichmentTimeout": 30000, "version": 3},
        {"ETag": '"3"'}))
    campaign = await client.get_campaign("k1")
    assert (campaign.etag, campaign.version, campaign.max_enrichment_timeout) == ('"3"', "3", 30000)
    assert campaign.key == "k1"


async def test_update_campaign_sends_if_match_and_returns_the_new_etag(fake_api, client):
    path = "/api/v2/outbound/campaigns/k1"
    fake_api.reply("PUT", path, Reply(200, {"version": "4", "status": "ACTIVE"}, {"ETag": '"4"'}))
    update = await client.update_campaign("k1", {"name": "n"}, if_match="3")
    assert fake_api.requests_to("PUT", path)[0].headers["If-Match"] == '"3"'
    assert (update.version, update.etag) == ("4", '"4"')


async def test_a_stale_if_match_is_precondition_failed_with_the_current_version(fake_api, client):
    fake_api.reply("PUT", "/api/v2/outbound/campaigns/k1", Reply(412, {
        "error": {"code": "VERSION_MISMATCH", "message": "stale"}, "currentVersion": "5"}))
    with pytest.raises(PreconditionFailed) as caught:
        await client.update_campaign("k1", {}, if_match='"3"')
    assert caught.value.current_version == "5"


async def test_enrich_contacts_posts_an_atomic_batch(fake_api, client):
    path = "/api/v2/contacts/lists/L1/contacts"
    fake_api.reply("POST", path, Reply(200, {"processedCount": 2}))
    items = [EnrichmentItem(contact_id="c1", attributes={"tier": "gold"}),
             EnrichmentItem(contact_id="c2", attributes={})]
    result = await client.enrich_contacts("L1", items, idempotency_key="batch-1")
    seen = fake_api.requests_to("POST", path)[0]
    assert seen.json() == {"contactListId": "L1", "contacts": [
        {"contactId": "c1", "attributes": {"tier": "gold"}}, {"contactId": "c2", "attributes": {}}]}
    assert result.processed_count == 2
    assert seen.headers["Idempotency-Key"] == scoped_key(
        "batch-1", tenant=f"{fake_api.url} {CLIENT_ID} ", dialect="v2", method="POST", path=path)


async def test_refresh_list(fake_api, client):
    fake_api.reply("POST", "/api/v2/contacts/lists/L1/actions/refresh",
                   Reply(202, {"refreshId": "r1", "status": "ACCEPTED"}))
    assert (await client.refresh_list("L1")).status == "ACCEPTED"


async def test_campaigns_are_filtered_and_paged(fake_api, client):
    path = "/api/v2/outbound/campaigns"
    fake_api.script("GET", path, Reply(200, {"entity": [{"id": "k1"}],
                                              "nextPageUri": f"{path}?page=2"}))
    fake_api.reply("GET", path, Reply(200, {"entity": [{"id": "k2"}], "nextPageUri": ""}))
    ids = [c.id async for c in client.iter_campaigns(type="PREVIEW", status="ACTIVE")]
    assert ids == ["k1", "k2"]
    assert "type=PREVIEW" in fake_api.requests_to("GET", path)[0].query


async def test_create_campaign(fake_api, client):
    fake_api.reply("POST", "/api/v2/outbound/campaigns", Reply(201, {"id": "k3", "name": "n"}))
    assert (await client.create_campaign({"name": "n"})).id == "k3"


async def test_suppressions_are_read_by_phone_number(fake_api, client):
    fake_api.reply("GET", "/api/v2/outbound/suppressions", Reply(200, {"entity": [
        {"id": "s1", "phoneNumber": "+15551230001", "reason": "dnc",
         "expiresAt": "2031-01-01T00:00:00Z"}]}))
    (suppression,) = [s async for s in client.iter_suppressions()]
    assert suppression.phone_number == "+15551230001"
    assert suppression.expires_at == datetime(2031, 1, 1, tzinfo=UTC)


async def test_create_suppression(fake_api, client):
    path = "/api/v2/outbound/suppressions"
    fake_api.reply("POST", path, Reply(201, {"id": "s2", "phoneNumber": "+15551230002"}))
    await client.create_suppression("+15551230002", reason="asked",
                                    expires_at=datetime(2031, 1, 1, tzinfo=UTC))
    assert fake_api.requests_to("POST", path)[0].json() == {
        "phoneNumber": "+15551230002", "reason": "asked", "expiresAt": "2031-01-01T00:00:00+00:00"}


async def test_webhooks_are_created_listed_and_deleted(fake_api, client):
    path = "/api/v2/webhooks"
    fake_api.reply("POST", path, Reply(201, {"id": "w1", "name": "n", "secret": "whsec-1"}))
    fake_api.reply("GET", path, Reply(200, {"entity": [{"id": "w1", "name": "n"}]}))
    fake_api.reply("DELETE", f"{path}/w1", Reply(204))
    hook = await client.create_webhook("n", "http://127.0.0.1:9/h", ["contact.updated"],
                                       max_retries=5, backoff_ms=200)
    assert fake_api.requests_to("POST", path)[0].json() == {
        "name": "n", "url": "http://127.0.0.1:9/h", "events": ["contact.updated"],
        "retryPolicy": {"maxRetries": 5, "backoffMs": 200}}
    assert hook.secret is not None and hook.secret.get_secret_value() == "whsec-1"
    assert "whsec-1" not in repr(hook)
    assert [w.id for w in await client.list_webhooks()] == ["w1"]
    await client.delete_webhook("w1")


async def test_an_answer_off_contract_is_a_clear_error(fake_api, client):
    fake_api.reply("GET", "/api/v2/contacts/import/j2", Reply(200, {"status": "QUEUED"}))
    with pytest.raises(Exception, match="does not match the contract"):
        await client.get_import_job("j2")


async def test_delete_contacts_gives_each_id_its_own_result(fake_api, client):
    base = "/api/v2/campaigns/contacts"
    fake_api.reply("DELETE", f"{base}/gone", Reply(204))
    fake_api.reply("DELETE", f"{base}/unknown",
                   Reply(404, {"error": {"code": "NOT_FOUND", "message": "no such contact"}}))
    results = await client.delete_contacts("L1", ["gone", "unknown"])
    assert results["gone"] is None
    assert isinstance(results["unknown"], NotFound)


async def test_delete_contacts_raises_when_the_server_fails(fake_api, client):
    fake_api.reply("DELETE", "/api/v2/campaigns/contacts/x",
                   Reply(503, {"error": {"code": "UNAVAILABLE", "message": "busy"}}))
    with pytest.raises(ServerError):
        await client.delete_contacts("L1", ["x"])


def test_a_plain_id_is_its_own_segment_and_anything_else_is_escaped():
    from cxone_outbound.client.api import seg

    assert seg("c-1_A.b~9") == "c-1_A.b~9"
    assert [seg(v) for v in (".", "..", "a b", "é", "a?b#c", "a/b", "")] == [
        "%2E", "%2E%2E", "a%20b", "%C3%A9", "a%3Fb%23c", "a%2Fb", ""]


async def test_an_id_of_dots_reaches_the_server_as_an_id_not_as_a_parent_path(fake_api, client):
    with pytest.raises(NotFound):
        await client.get_contact("..")
    assert [s.path for s in fake_api.seen if s.method == "GET"] == ["/api/v2/contacts/.."]


async def test_a_refused_key_reuse_is_its_own_error_and_not_sent_again(fake_api, client):
    path = "/api/v2/contacts/lists/L1/contacts"
    fake_api.reply("POST", path, Reply(422, {"error": {
        "code": "IDEMPOTENCY_KEY_REUSED", "message": "used", "field": "Idempotency-Key"}}))
    items = [EnrichmentItem(contact_id="c1", attributes={"tier": "gold"})]
    with pytest.raises(IdempotencyKeyReused) as caught:
        await client.enrich_contacts("L1", items, idempotency_key="batch-1")
    assert (caught.value.status, caught.value.code) == (422, "IDEMPOTENCY_KEY_REUSED")
    assert not isinstance(caught.value, ValidationError)
    assert len(fake_api.requests_to("POST", path)) == 1


@pytest.mark.parametrize("error", [
    {"code": "IDEMPOTENCY_KEY_REUSED", "message": "used", "field": "Idempotency-Key"},
    {"code": "KEY_IN_USE", "message": "another server's code"},
    {"message": "no code at all"},
], ids=["the-sandbox-code", "another-code", "no-code"])
async def test_a_409_on_a_keyed_post_is_a_reused_key_whatever_its_code(fake_api, client, error):
    path = "/api/v2/contacts/lists/L1/contacts"
    fake_api.reply("POST", path, Reply(409, {"error": error}))
    items = [EnrichmentItem(contact_id="c1", attributes={"tier": "gold"})]
    with pytest.raises(IdempotencyKeyReused) as caught:
        await client.enrich_contacts("L1", items, idempotency_key="batch-1")
    assert caught.value.status == 409
    assert len(fake_api.requests_to("POST", path)) == 1  # not retried


async def test_a_409_naming_a_field_of_the_body_is_a_conflict_not_a_reused_key(fake_api, client):
    path = "/api/v2/outbound/suppressions"
    fake_api.reply("POST", path, Reply(409, {"error": {
        "code": "ALREADY_SUPPRESSED", "message": "+15551230001 is already suppressed",
        "field": "phoneNumber"}}))
    with pytest.raises(Conflict) as caught:
        await client.create_suppression("+15551230001")
    assert not isinstance(caught.value, IdempotencyKeyReused)
    assert caught.value.code == "ALREADY_SUPPRESSED"


async def test_a_409_without_a_key_is_a_conflict(fake_api, client):
    fake_api.reply("PATCH", "/api/v2/contacts/c1", Reply(409, {"error": {
        "code": "DUPLICATE_PHONE", "message": "another contact has it"}}))
    with pytest.raises(Conflict) as caught:
        await client.update_contact("c1", {"phone": "+15551230002"})
    assert not isinstance(caught.value, IdempotencyKeyReused)


def test_a_keyed_409_from_a_dialect_without_keys_in_its_contract_stays_a_conflict():
    from cxone_outbound.client.errors import error_from_response

    error = error_from_response(409, {"error": "Conflict", "error_description": "in use"},
                                context="POST lists/call-lists/7/upload", request_id=None,
                                keyed_409_is_reuse=False)
    assert type(error) is Conflict
