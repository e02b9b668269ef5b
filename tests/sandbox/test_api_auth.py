"""OAuth client credentials: every alias and credential form, scope aliases, 400/401/403."""

from __future__ import annotations

import base64
import json
import time
from urllib.parse import quote_plus

import pytest
from tests.sandbox.httpapi import Api

from cxone_outbound.sandbox.control import SandboxControl

TOKEN_PATHS = ["/oauth/token", "/api/v2/oauth/token", "/api/v2/oauth2/token"]


@pytest.mark.parametrize("path", TOKEN_PATHS)
def test_every_token_alias_issues_a_bearer_token(api: Api, path: str) -> None:
    answer = api.token_request(path=path)
    assert answer.status == 200
    assert answer.json["token_type"] == "Bearer"
    assert answer.json["expires_in"] == 3600
    assert answer.headers["Cache-Control"] == "no-store"


def test_basic_credentials_are_form_urlencoded_inside_the_base64(
        api: Api, sandbox_control: SandboxControl) -> None:
    secret = "s+e/c:r et%"
    sandbox_control.create_client("app:one", secret, ["contacts:read"])
    encoded = f"{quote_plus('app:one')}:{quote_plus(secret)}"
    answer = api.send("POST", "/oauth/token", body=b"grant_type=client_credentials", auth=False,
                      headers={"Authorization": "Basic " + base64.b64encode(
                          encoded.encode()).decode(),
                          "Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status == 200, answer.raw


def test_basic_credentials_sent_without_urlencoding_a_plus_are_refused(
        api: Api, sandbox_control: SandboxControl) -> None:
    sandbox_control.create_client("app-two", "a+b", ["contacts:read"])
    answer = api.token_request(client_id="app-two", secret="a+b")  # "+" decodes to a space
    assert (answer.status, answer.json["error"]) == (401, "invalid_client")


def test_credentials_in_the_form_body_are_accepted(api: Api) -> None:
    body = (f"grant_type=client_credentials&client_id={api.client_id}"
            f"&client_secret={api.client_secret}").encode()
    answer = api.send("POST", "/oauth/token", body=body, auth=False,
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status == 200


def test_credentials_as_json_are_accepted(api: Api) -> None:
    body = {"grant_type": "client_credentials", "client_id": api.client_id,
            "client_secret": api.client_secret}
    answer = api.send("POST", "/api/v2/oauth2/token", json_body=body, auth=False)
    assert answer.status == 200


def test_a_wrong_secret_is_401_invalid_client(api: Api) -> None:
    answer = api.token_request(secret="wrong")
    assert answer.status == 401
    assert answer.json["error"] == "invalid_client"


def test_another_grant_type_is_unsupported(api: Api) -> None:
    answer = api.send("POST", "/oauth/token", body=b"grant_type=password", auth=False,
                      headers={"Content-Type": "application/x-www-form-urlencoded",
                               "Authorization": "Basic ZGVtby1jbGllbnQ6ZGVtby1zZWNyZXQ="})
    assert (answer.status, answer.json["error"]) == (400, "unsupported_grant_type")


def test_an_unknown_scope_is_invalid_scope(api: Api) -> None:
    answer = api.token_request(scope="contacts:everything")
    assert (answer.status, answer.json["error"]) == (400, "invalid_scope")


def test_seed_scope_spellings_are_granted_as_the_canonical_scope(api: Api) -> None:
    answer = api.token_request(scope="contact:write outbound.read campaign:contactlist:read")
    assert set(answer.json["scope"].split()) == {"contacts:write", "campaigns:read",
                                                 "contacts:read"}


def test_a_missing_token_is_401_with_www_authenticate(api: Api) -> None:
    answer = api.get("/api/v2/contacts/lists", auth=False)
    assert answer.status == 401
    assert 'error="invalid_token"' in answer.headers["WWW-Authenticate"]
    assert answer.code == "INVALID_TOKEN"
    assert answer.json["requestId"]


def test_a_token_without_the_scope_is_403(api: Api) -> None:
    token = api.get_token(scope="contacts:read")
    answer = api.patch("/api/v2/contacts/whatever", {"firstName": "x"},
                       headers={"Authorization": f"Bearer {token}"})
    assert answer.status == 403


def test_a_revoked_token_is_401(api: Api, sandbox_control: SandboxControl) -> None:
    api.get_token()
    assert sandbox_control.revoke_tokens() >= 1
    assert api.get("/api/v2/contacts/lists").status == 401


def test_an_expired_token_is_401(api: Api, sandbox_control: SandboxControl) -> None:
    sandbox_control.set_token_ttl(1)
    answer = api.token_request()
    assert answer.json["expires_in"] == 1
    token = answer.json["access_token"]
    status = 200
    deadline = time.monotonic() + 10
    while status in (200, 429) and time.monotonic() < deadline:
        status = api.get("/api/v2/contacts/lists",
                         headers={"Authorization": f"Bearer {token}"}).status
    assert status == 401


def test_a_client_limited_to_some_scopes_cannot_ask_for_others(
        api: Api, sandbox_control: SandboxControl) -> None:
    sandbox_control.create_client("reader", "reader-secret", ["contacts.read"])
    answer = api.token_request(client_id="reader", secret="reader-secret", scope="contacts:write")
    assert (answer.status, answer.json["error"]) == (400, "invalid_scope")


def test_the_request_id_is_echoed(api: Api) -> None:
    answer = api.get("/api/v2/contacts/lists", headers={"X-Request-Id": "abc-123"})
    assert answer.headers["X-Request-Id"] == "abc-123"
    assert json.loads(answer.raw)["defaultListId"]
