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


def upload_body(text: str, **extra: Any) -> dict[str, Any]:
    """An upload with S1's required fields."""
    return {"listFile": csv_b64(text), "fileName": "x.csv", "forceOverwrite": True,
            "expirationDate": "2030-01-01", "startSkill": False, "sendEmail": False, **extra}


def upload(admin: Admin, list_id: int, text: str) -> dict[str, Any]:
    answer = admin.call("POST", f"/lists/call-lists/{list_id}/upload", upload_body(text))
    assert answer.status == 200, answer.raw
    assert isinstance(answer.json["jobId"], int)
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

def records_of(admin: Admin, list_id: int, query: str = "") -> list[dict[str, Any]]:
    body = admin.call("GET", f"/lists/call-lists/{list_id}?includeRecords=true{query}").json
    return list(body["resultSet"]["contactRecords"])


def test_an_upload_job_shows_only_the_published_fields_and_refused_rows_count_invalid(
        admin: Admin) -> None:
    list_id = new_list(admin)
    job = upload(admin, list_id, "Ref,Phone,First,tier\nc-1,+14155550100,Ann,gold\n"
                 "c-2,555,Bob,x\n,+14155550102,Cy,y\n")
    assert set(job) == {"jobId", "listId", "listName", "startDate", "submitDate", "isComplete",
                        "isCancelled", "completedDate"}
    assert (job["listId"], job["isComplete"], job["isCancelled"]) == (list_id, True, False)
    result = admin.call("GET", f"/lists/call-lists/{list_id}").json["resultSet"]
    assert (result["totalRecords"], result["validRecords"], result["invalidRecords"]) == (3, 1, 2)
    assert records_of(admin, list_id) == [
        {"Ref": "c-1", "Phone": "14155550100", "First": "Ann", "tier": "gold"}]


def test_a_list_reply_is_a_result_set_without_the_column_mapping(admin: Admin) -> None:
    list_id = new_list(admin)
    body = admin.call("GET", f"/lists/call-lists/{list_id}").json
    assert set(body) == {"resultSet"}
    assert not {"externalIdColumn", "destinationMappings", "listId"} & set(body["resultSet"])
    listed = admin.call("GET", "/lists/call-lists").json
    assert not {"externalIdColumn", "destinationMappings"} & set(listed["callingLists"][0])


def test_a_re_upload_updates_the_record_with_that_external_id(admin: Admin) -> None:
    list_id = new_list(admin)
    upload(admin, list_id, "Ref,Phone,First\nc-1,+14155550100,Ann\n")
    upload(admin, list_id, "Ref,Phone,First\nc-1,+1 (415) 555-0199,Anna\n")
    assert [(r["Ref"], r["Phone"], r["First"]) for r in records_of(admin, list_id)] == [
        ("c-1", "14155550199", "Anna")]


def test_records_page_by_skip_and_top_50_by_default_and_at_most_100(admin: Admin) -> None:
    list_id = new_list(admin)
    upload(admin, list_id, "Ref,Phone\n" + "".join(f"c-{i},+1415555{i:04d}\n"
                                                   for i in range(120)))
    assert len(records_of(admin, list_id)) == 50
    assert len(records_of(admin, list_id, "&top=500")) == 100
    tail = records_of(admin, list_id, "&skip=100&top=100")
    assert [r["Ref"] for r in tail] == [f"c-{i}" for i in range(100, 120)]
    assert records_of(admin, list_id, "&skip=120") == []


def test_remove_prospects_reports_each_record_inside_a_200(admin: Admin) -> None:
    list_id = new_list(admin)
    upload(admin, list_id, "Ref,Phone\nc-1,+14155550100\nc-2,+14155550101\n")
    answer = admin.call("DELETE", f"/lists/call-lists/{list_id}/removeProspects",
                        {"prospectsToRemove": [{"externalId": "c-1"}, {"externalId": "zz"}]})
    assert answer.status == 200
    assert set(answer.json) == {"successfulRecords", "failedRecords"}
    assert [r["externalId"] for r in answer.json["successfulRecords"]] == ["c-1"]
    assert answer.json["failedRecords"] == [{"externalId": "zz", "resultCode": "NOT_FOUND"}]


def test_a_v2_contact_is_an_admin_record_whose_external_id_is_its_contact_id(
        admin: Admin, sandbox_control: SandboxControl) -> None:
    list_uuid = sandbox_control.create_list("v2")
    contact = sandbox_control.add_contacts(list_uuid, [{"phone": "+14155550100"}])[0]
    list_id = sandbox_control.admin_ids(list_id=list_uuid)["listId"]
    assert records_of(admin, list_id)[0]["ExternalId"] == contact["id"]
    upload(admin, list_id, f"ExternalId,PhoneNumber,FirstName\n{contact['id']},14155550100,Zoe\n")
    v2 = admin.api.get(f"/api/v2/contacts/{contact['id']}").json
    assert (v2["firstName"], v2["phone"]) == ("Zoe", "+14155550100")


def test_a_bad_list_file_is_400_before_any_job(admin: Admin) -> None:
    list_id = new_list(admin)
    path = f"/lists/call-lists/{list_id}/upload"
    not_b64 = admin.call("POST", path, upload_body("") | {"listFile": "%%%"})
    assert (not_b64.status, not_b64.json["error"]) == (400, "INVALID_FILE")
    no_ref = admin.call("POST", path, upload_body("Phone\n+14155550100\n"))
    assert (no_ref.status, no_ref.json["error"]) == (400, "MISSING_HEADER")


@pytest.mark.parametrize("field", ["listFile", "forceOverwrite", "expirationDate", "startSkill",
                                   "sendEmail"])
def test_an_upload_without_a_required_field_is_400_naming_it(admin: Admin, field: str) -> None:
    list_id = new_list(admin)
    body = upload_body("Ref,Phone\nc-1,+14155550100\n")
    del body[field]
    answer = admin.call("POST", f"/lists/call-lists/{list_id}/upload", body)
    assert answer.status == 400 and field in answer.json["error_description"]


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
