"""The admin client against the test session's sandbox, its caches inside the test."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from cxone_outbound.client.admin.discovery import DiscoveryCache
from cxone_outbound.client.admin.events import LocalWebhooks
from cxone_outbound.client.admin.mappings import MappingStore
from cxone_outbound.client.admin.outbound import AdminOutboundApi
from cxone_outbound.config import Settings
from cxone_outbound.sandbox.server import SandboxServer

SANDBOX_LIST_COLUMNS = ("externalId=ExternalId,phone=PhoneNumber,firstName=FirstName,"
                        "lastName=LastName,email=Email,timeZone=TimeZone,attributes=*")
"""The mapping of a list made through v2 (a tenant does not return it: told as a profile would)."""


def api_for(server: SandboxServer, tmp_path: Path) -> AdminOutboundApi:
    settings = Settings(
        base_url=server.base_url, dialect="admin", access_key_id=server.access_key_id,
        access_key_secret=SecretStr(server.access_key_secret),
        list_columns=SANDBOX_LIST_COLUMNS,
    )
    return AdminOutboundApi(settings, cache=DiscoveryCache(tmp_path / "d.json"),
                            webhooks=LocalWebhooks("t", tmp_path / "hooks.json"),
                            mappings=MappingStore(tmp_path / "mappings.json"))
