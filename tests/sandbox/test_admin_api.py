"""The admin dialect over HTTP (docs/admin-dialect.md): access-key auth, discovery, conventions,
calling lists with uploads by external id, DNC groups — all over the store v2 also serves."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from tests.sandbox.httpapi import Answer, Api

from cxone_outbound.sandbox.control import SandboxControl

V = "/inContactAPI/services/v31.0"
KEY = {"accessKeyId": "demo-access-key", "accessKeySecret": "demo-access-secret"}
ACCEPT = {"Accept": "application/json"}


def login(api: Api) -> dict[str, Any]:
    answer = api.post("/authentication/v1/token/access-key", KEY, auth=False)
    assert answer.status == 200, answer.raw
    return dict(answer.json)


def claims(jwt: str) -> dict[str, Any]:
    body = jwt.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))))


class Admin:
    """Raw admin-dialect calls with an access-key token and the Accept header."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.token = login(api)["access_token"]

    def call(self, method: str, path: str, body: Any = None, **headers: str) -> Answer:
        all_headers = ACCEPT | {"Authorization": f"Bearer {self.token}"} | headers
        path = path.removeprefix(self.api.base_url)
        if not path.startswith("/inContactAPI"):
            path = V + path
        return self.api.send(method, path, json_body=body, headers=all_headers)


@pytest.fixture
def admin(api: Api) -> Admin:
    return Admin(api)


def csv_b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def upload(admin: Admin, list_id: int, text: str) -> dict[str, Any]:
    answer = admin.call("POST", f"/lists/call-lists/{list_id}/upload",
                        {"listFile": csv_b64(text), "fileName": "x.csv"})
    assert answer.status == 200, answer.raw
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        job = admin.call("GET", f"/lists/call-lists/jobs/{answer.json['jobId']}").json
        if job["uploadJobs"][0]["isComplete"]:
            return dict(job["uploadJobs"][0])
    raise AssertionError("the upload job did not complete")


def new_list(admin: Admin) -> int:
    answer = admin.call("POST", "/lists/call-lists?listName=Spring&externalIdColumn=Ref"
                        "&firstNameColumn=First", {"destinationMappings": [
                            {"fieldName": "PhoneNumber", "fieldValue": "Phone"}]})
    assert answer.status == 200, answer.raw
    return int(answer.json["listId"])


# auth and discovery ----------------------------------------------------------------------------

def test_password_grant_with_an_access_key_gives_tokens_and_an_id_token_naming_the_tenant(
        api: Api) -> None:
    creds = base64.b64encode(b"demo-client:demo-secret").decode()
    answer = api.send("POST", "/auth/token", auth=False,
                      body=b"grant_type=password&username=demo-access-key"
                           b"&password=demo-access-secret",
                      headers={"Authorization": f"Basic {creds}",
                               "Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status == 200, answer.raw
    assert {"access_token", "refresh_token", "expires_in", "id_token"} <= set(answer.json)
    assert claims(answer.json["id_token"])["tenantId"] == "demo"


def test_password_grant_without_client_authentication_is_401_invalid_client(api: Api) -> None:
    answer = api.send("POST", "/auth/token", auth=False,
                      body=b"grant_type=password&username=demo-access-key&password=x",
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert (answer.status, answer.json["error"]) == (401, "invalid_client")


def test_a_wrong_access_key_secret_is_400_invalid_grant(api: Api) -> None:
    answer = api.post("/authentication/v1/token/access-key",
                      {"accessKeyId": "demo-access-key", "accessKeySecret": "nope"}, auth=False)
    assert (answer.status, answer.json["error"]) == (400, "invalid_grant")
    assert "error_description" in answer.json


def test_the_unconfirmed_refresh_path_is_not_served(api: Api) -> None:
    first = login(api)
    answer = api.post("/public/user/refresh", {"token": first["refresh_token"]}, auth=False)
    assert answer.status == 404


def test_discovery_names_the_sandbox_itself_as_the_api_host(api: Api) -> None:
    answer = api.get("/.well-known/cxone-configuration?tenantId=demo", auth=False)
    assert answer.status == 200
    assert answer.json["api_endpoint"] == api.base_url
    assert {"auth_endpoint", "area", "cluster"} <= set(answer.json)
    unknown = api.get("/.well-known/cxone-configuration?tenantId=nobody", auth=False)
    assert unknown.status == 404


def test_a_new_access_key_logs_into_its_own_tenant(
        api: Api, sandbox_control: SandboxControl) -> None:
    sandbox_control.create_tenant("acme", "acme-app", "acme-secret")
    sandbox_control.create_access_key("acme-key", "acme-key-secret", tenant_id="acme")
    answer = api.post("/authentication/v1/token/access-key",
                      {"accessKeyId": "acme-key", "accessKeySecret": "acme-key-secret"},
                      auth=False)
    assert claims(answer.json["id_token"])["tenantId"] == "acme"


# conventions -----------------------------------------------------------------------------------

def test_without_accept_application_json_the_answer_is_406_no_known_way_to_render(
        admin: Admin) -> None:
    answer = admin.call("GET", "/dnc-groups", Accept="*/*")
    assert answer.status == 406
    assert answer.raw == b"No known way to render data"


def test_the_correlation_id_is_echoed(admin: Admin) -> None:
    assert admin.call("GET", "/dnc-groups", CorrelationId="abc-1").headers["CorrelationId"] \
        == "abc-1"


def test_any_api_version_is_served_and_a_malformed_one_is_404(admin: Admin) -> None:
    assert admin.call("GET", "/inContactAPI/services/v15.0/dnc-groups").status == 200
    assert admin.call("GET", "/inContactAPI/services/latest/dnc-groups").status == 404


def test_errors_are_error_and_error_description(admin: Admin) -> None:
    answer = admin.call("GET", "/dnc-groups/999/records")
    assert answer.status == 404
    assert set(answer.json) == {"error", "error_description"}


def test_a_throttled_admin_request_gets_429_without_retry_after(
        admin: Admin, sandbox_control: SandboxControl) -> None:
    sandbox_control.set_rate_limit(1, 2)
    answers = [admin.call("GET", "/dnc-groups") for _ in range(5)]
    limited = [a for a in answers if a.status == 429]
    assert limited
    assert "Retry-After" not in limited[0].headers
    assert limited[0].json["error"] == "RATE_LIMITED"


def test_an_invalid_token_is_401_invalid_token(api: Api) -> None:
    answer = api.send("GET", V + "/dnc-groups", headers=ACCEPT | {
        "Authorization": "Bearer nope"})
    assert (answer.status, answer.json["error"]) == (401, "invalid_token")


# calling lists ---------------------------------------------------------------------------------

def test_an_upload_adds_records_by_external_id_and_reports_bad_ones_inside_the_job(
        admin: Admin) -> None:
    list_id = new_list(admin)
    job = upload(admin, list_id, "Ref,Phone,First,tier\nc-1,+14155550100,Ann,gold\n"
                 "c-2,555,Bob,x\n,+14155550102,Cy,y\n")
    assert (job["status"], job["successRecords"], job["failedRecords"]) == ("COMPLETED", 1, 2)
    assert [(e["externalId"], e["resultCode"], e["field"]) for e in job["errors"]] == [
        ("c-2", "INVALID_E164", "Phone"), ("", "MISSING_EXTERNAL_ID", "Ref")]
    body = admin.call("GET", f"/lists/call-lists/{list_id}?includeRecords=true").json
    assert body["records"] == [{"externalId": "c-1", "fields": {
        "Phone": "+14155550100", "First": "Ann", "tier": "gold", "Ref": "c-1"}}]


def test_a_re_upload_updates_the_record_with_that_external_id(admin: Admin) -> None:
    list_id = new_list(admin)
    upload(admin, list_id, "Ref,Phone,First\nc-1,+14155550100,Ann\n")
    upload(admin, list_id, "Ref,Phone,First\nc-1,+14155550199,Anna\n")
    records = admin.call("GET", f"/lists/call-lists/{list_id}?includeRecords=true").json
    assert [(r["externalId"], r["fields"]["Phone"], r["fields"]["First"])
            for r in records["records"]] == [("c-1", "+14155550199", "Anna")]


def test_records_page_by_skip_and_top_with_a_full_next_url(admin: Admin) -> None:
    list_id = new_list(admin)
    upload(admin, list_id, "Ref,Phone\n" + "".join(f"c-{i},+1415555010{i}\n" for i in range(5)))
    first = admin.call("GET", f"/lists/call-lists/{list_id}?includeRecords=true&top=2").json
    assert first["totalRecords"] == 5
    assert first["_links"]["next"].startswith(admin.api.base_url + V)
    seen = [r["externalId"] for r in first["records"]]
    page = first
    while page["_links"]["next"]:
        page = admin.call("GET", page["_links"]["next"]).json
        seen += [r["externalId"] for r in page["records"]]
    assert seen == [f"c-{i}" for i in range(5)]


def test_remove_prospects_reports_each_record_inside_a_200(admin: Admin) -> None:
    list_id = new_list(admin)
    upload(admin, list_id, "Ref,Phone\nc-1,+14155550100\nc-2,+14155550101\n")
    answer = admin.call("DELETE", f"/lists/call-lists/{list_id}/removeProspects",
                        {"prospectsToRemove": [{"externalId": "c-1"}, {"externalId": "zz"}]})
    assert answer.status == 200
    assert answer.json["successfulRecords"] == [{"externalId": "c-1"}]
    assert [f["resultCode"] for f in answer.json["failedRecords"]] == ["NOT_FOUND"]


def test_a_v2_contact_is_an_admin_record_whose_external_id_is_its_contact_id(
        admin: Admin, sandbox_control: SandboxControl) -> None:
    list_uuid = sandbox_control.create_list("v2")
    contact = sandbox_control.add_contacts(list_uuid, [{"phone": "+14155550100"}])[0]
    list_id = sandbox_control.admin_ids(list_id=list_uuid)["listId"]
    records = admin.call("GET", f"/lists/call-lists/{list_id}?includeRecords=true").json
    assert records["records"][0]["externalId"] == contact["id"]
    upload(admin, list_id, f"ExternalId,PhoneNumber,FirstName\n{contact['id']},+14155550100,Zoe\n")
    assert admin.api.get(f"/api/v2/contacts/{contact['id']}").json["firstName"] == "Zoe"


def test_a_bad_list_file_is_400_before_any_job(admin: Admin) -> None:
    list_id = new_list(admin)
    not_b64 = admin.call("POST", f"/lists/call-lists/{list_id}/upload", {"listFile": "%%%"})
    assert (not_b64.status, not_b64.json["error"]) == (400, "INVALID_FILE")
    no_ref = admin.call("POST", f"/lists/call-lists/{list_id}/upload",
                        {"listFile": csv_b64("Phone\n+14155550100\n")})
    assert (no_ref.status, no_ref.json["error"]) == (400, "MISSING_HEADER")


@pytest.mark.parametrize("path", [
    "/lists/call-lists/123456789012345678901234567890",
    "/dnc-groups/99999999999999999999/records",
    "/skills/99999999999999999999",
    "/campaigns/99999999999999999999",
    "/skills/%C2%B2",  # '²' is a digit to str.isdigit, not to int()
])
def test_an_id_no_record_can_have_is_404_not_500(admin: Admin, path: str) -> None:
    answer = admin.call("GET", path)
    assert (answer.status, answer.json["error"]) == (404, "NOT_FOUND")


def test_remove_prospects_from_a_list_id_no_list_can_have_is_404(admin: Admin) -> None:
    answer = admin.call("DELETE", "/lists/call-lists/99999999999999999999/removeProspects",
                        {"prospectsToRemove": []})
    assert (answer.status, answer.json["error"]) == (404, "NOT_FOUND")


@pytest.mark.parametrize("query", ["skip=99999999999999999999", "top=%C2%B2", "skip=-1"])
def test_skip_or_top_out_of_range_is_400_invalid_value(admin: Admin, query: str) -> None:
    answer = admin.call("GET", f"/lists/call-lists?{query}")
    assert (answer.status, answer.json["error"]) == (400, "INVALID_VALUE")
