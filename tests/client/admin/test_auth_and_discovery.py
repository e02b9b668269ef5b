"""The admin session: access-key login (both ways), refresh, discovery and its cache, paths."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_tenant import KEY_SECRET, TENANT, FakeTenant, admin_settings, jwt

from cxone_outbound.client.admin.auth import jwt_claims, login_request, tenant_from_claims
from cxone_outbound.client.admin.discovery import DiscoveryCache
from cxone_outbound.client.admin.session import AdminSession, service_path
from cxone_outbound.client.errors import AuthError, ConfigurationError, NotFound


async def test_password_grant_logs_in_then_discovers_the_api_host(
    tenant: FakeTenant, cache: DiscoveryCache
) -> None:
    async with AdminSession(admin_settings(tenant), cache=cache) as session:
        assert session.discovery is not None
        assert session.discovery.api_endpoint == tenant.url
        assert session.discovery.cluster == "c32"
        assert session.auth.tenant_id == TENANT
    assert tenant.count("/auth/token") == 1
    assert ("GET", f"/.well-known/cxone-configuration?tenantId={TENANT}") in tenant.seen


async def test_access_key_endpoint_logs_in_without_an_app_registration(
    tenant: FakeTenant, cache: DiscoveryCache
) -> None:
    settings = admin_settings(tenant, admin_auth="access-key")
    async with AdminSession(settings, cache=cache) as session:
        assert session.auth.logins == 1
    assert tenant.count("/authentication/v1/token/access-key") == 1
    assert tenant.count("/auth/token") == 0


@pytest.mark.parametrize("method", ["password", "access-key"])
async def test_a_second_token_is_a_refresh_not_a_new_login(
    tenant: FakeTenant, cache: DiscoveryCache, method: str
) -> None:
    async with AdminSession(admin_settings(tenant, admin_auth=method), cache=cache) as session:
        token = await session.fetch_token()
        assert token.value.startswith("refreshed-")
        assert (session.auth.logins, session.auth.refreshes) == (1, 1)
        assert session.auth.tenant_id == TENANT


async def test_a_refused_refresh_falls_back_to_a_fresh_login(
    tenant: FakeTenant, cache: DiscoveryCache
) -> None:
    async with AdminSession(admin_settings(tenant), cache=cache) as session:
        tenant.refuse_refresh = True
        token = await session.fetch_token()
        assert token.value.startswith("pw-access-")
        assert (session.auth.logins, session.auth.refreshes) == (2, 0)


@pytest.mark.parametrize(("method", "status"), [("password", 503), ("access-key", 404)])
async def test_a_refresh_failing_any_way_falls_back_to_a_login_with_the_key(
    tenant: FakeTenant, cache: DiscoveryCache, method: str, status: int
) -> None:
    async with AdminSession(admin_settings(tenant, admin_auth=method, max_attempts=1),
                            cache=cache) as session:
        tenant.refresh_status = status
        token = await session.fetch_token()
        assert not token.value.startswith("refreshed-")
        assert (session.auth.logins, session.auth.refreshes) == (2, 0)


async def test_a_tenant_id_missing_from_the_id_token_is_read_from_business_unit(
    tenant: FakeTenant, cache: DiscoveryCache
) -> None:
    tenant.omit_tenant = True
    async with AdminSession(admin_settings(tenant), cache=cache) as session:
        assert session.discovery is not None and session.discovery.tenant_id == TENANT
    assert tenant.count("/inContactAPI/services/v31.0/business-unit") == 1
    assert ("GET", f"/.well-known/cxone-configuration?tenantId={TENANT}") in tenant.seen


def test_the_tenant_claim_is_a_name_and_is_not_read_as_the_id() -> None:
    assert tenant_from_claims({"tenant": "Acme Corp"}) is None


async def test_a_wrong_access_key_is_an_auth_error_naming_the_key_id_not_the_secret(
    tenant: FakeTenant, cache: DiscoveryCache
) -> None:
    settings = admin_settings(tenant, access_key_secret="wrong-wrong-wrong")
    with pytest.raises(AuthError) as caught:
        await AdminSession(settings, cache=cache).open()
    assert "AKID-1" in str(caught.value)
    assert "wrong-wrong-wrong" not in str(caught.value)


async def test_a_missing_access_key_is_a_configuration_error(tenant: FakeTenant) -> None:
    settings = admin_settings(tenant, access_key_id=None)
    with pytest.raises(ConfigurationError, match="CXONE_ACCESS_KEY_ID"):
        login_request(settings)


async def test_discovery_is_cached_across_sessions(
    tenant: FakeTenant, cache: DiscoveryCache
) -> None:
    for _ in range(2):
        async with AdminSession(admin_settings(tenant), cache=cache) as session:
            pass
    assert session.discovery is not None and session.discovery.source == "cache"
    assert tenant.count("/.well-known/cxone-configuration") == 1


async def test_an_expired_cache_entry_is_asked_again(tenant: FakeTenant, tmp_path: Path) -> None:
    now = [1_000.0]
    cache = DiscoveryCache(tmp_path / "d.json", ttl_s=60, now=lambda: now[0])
    async with AdminSession(admin_settings(tenant), cache=cache):
        pass
    now[0] += 61
    async with AdminSession(admin_settings(tenant), cache=cache):
        pass
    assert tenant.count("/.well-known/cxone-configuration") == 2


async def test_a_configured_api_url_skips_discovery(
    tenant: FakeTenant, cache: DiscoveryCache
) -> None:
    settings = admin_settings(tenant, api_url=tenant.url)
    async with AdminSession(settings, cache=cache) as session:
        assert session.discovery is not None and session.discovery.source == "configured"
    assert tenant.count("/.well-known/cxone-configuration") == 0


async def test_an_unknown_tenant_fails_discovery_clearly(
    tenant: FakeTenant, cache: DiscoveryCache
) -> None:
    settings = admin_settings(tenant, tenant_id="someone-else")
    with pytest.raises(NotFound, match="cxone-configuration"):
        await AdminSession(settings, cache=cache).open()


async def test_api_calls_carry_the_token_and_accept_under_the_versioned_prefix(
    tenant: FakeTenant, cache: DiscoveryCache
) -> None:
    settings = admin_settings(tenant, api_versions={"lists": "31"})
    async with AdminSession(settings, cache=cache) as session:
        response = await session.request("GET", "lists", "/lists/call-lists")
    assert response.json()["path"] == "/inContactAPI/services/v31.0/lists/call-lists"


def test_resources_default_to_their_own_version(tenant: FakeTenant) -> None:
    settings = admin_settings(tenant, api_versions={"skills": "v30.0"})
    assert service_path(settings, "skills", "skills/7") == "/inContactAPI/services/v30.0/skills/7"
    assert service_path(settings, "lists", "lists").startswith("/inContactAPI/services/v31.0/")


def test_the_tenant_id_is_read_from_the_id_token_claims() -> None:
    assert tenant_from_claims(jwt_claims(jwt({"tenantId": "t-9"}))) == "t-9"
    assert jwt_claims("not-a-jwt") == {}
    assert jwt_claims("a.!!!.c") == {}


def test_a_login_request_never_shows_the_secret_in_its_repr(tenant: FakeTenant) -> None:
    request = login_request(admin_settings(tenant))
    assert KEY_SECRET not in repr(request)
