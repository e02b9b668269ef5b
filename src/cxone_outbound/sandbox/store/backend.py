"""The sandbox's whole state and rules, without HTTP: moto's "backend".

Every part shares one `Database`; routes call these methods and render what they return or the
`SandboxError` they raise.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cxone_outbound.sandbox.errors import NotFound
from cxone_outbound.sandbox.store.admin.access_keys import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    AccessKeys,
)
from cxone_outbound.sandbox.store.admin.calling_lists import CallingLists
from cxone_outbound.sandbox.store.admin.skills import Skills
from cxone_outbound.sandbox.store.auth import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_TENANT,
    Auth,
)
from cxone_outbound.sandbox.store.campaigns import Campaigns
from cxone_outbound.sandbox.store.database import Database
from cxone_outbound.sandbox.store.idempotency import Idempotency
from cxone_outbound.sandbox.store.lists.contacts import Contacts
from cxone_outbound.sandbox.store.lists.imports import Imports
from cxone_outbound.sandbox.store.lists.seed import PhoneMix, seed_rows
from cxone_outbound.sandbox.store.schema import DATA_TABLES
from cxone_outbound.sandbox.store.suppressions import Suppressions
from cxone_outbound.sandbox.store.webhooks import Webhooks


class Store:
    """All tenants' data and the rules over it."""

    def __init__(self, path: Path, *, wall: Callable[[], float] = time.time) -> None:
        self.db = Database(path, wall=wall)
        self.auth = Auth(self.db)
        self.access_keys = AccessKeys(self.db, self.auth)
        self.contacts = Contacts(self.db)
        self.calling_lists = CallingLists(self.db, self.contacts)
        self.imports = self._imports()
        self.campaigns = Campaigns(self.db)
        self.skills = Skills(self.campaigns)
        self.suppressions = Suppressions(self.db)
        self.webhooks = Webhooks(self.db)
        self.idempotency = Idempotency(self.db)
        if not self.auth.tenant_exists(DEFAULT_TENANT):
            self.bootstrap()
        elif not self.db.conn.execute("SELECT 1 FROM access_keys WHERE key_id = ?",
                                      (DEFAULT_ACCESS_KEY_ID,)).fetchone():
            # a database from before the admin dialect: give its demo tenant the demo key
            self.access_keys.create(DEFAULT_TENANT, DEFAULT_ACCESS_KEY_ID,
                                    DEFAULT_ACCESS_KEY_SECRET)

    def _imports(self) -> Imports:
        imports = Imports(self.db, self.contacts)
        imports.admin_rows = self.calling_lists.apply_rows
        return imports

    def bootstrap(self) -> None:
        """Create the default tenant, its demo client and its default contact list."""
        self.create_tenant(DEFAULT_TENANT, "Demo tenant", DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
        self.access_keys.create(DEFAULT_TENANT, DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET)

    def create_tenant(self, tenant_id: str, name: str, client_id: str,
                      client_secret: str) -> dict[str, Any]:
        list_id = self.db.new_id()
        self.auth.create_tenant(tenant_id, name, list_id)
        self.contacts.create_list(tenant_id, "Default list", [], list_id=list_id, is_default=True)
        self.auth.create_client(tenant_id, client_id, client_secret)
        self.suppressions.default_group_id(tenant_id)
        return {"tenantId": tenant_id, "clientId": client_id, "defaultListId": list_id}

    def reset(self) -> None:
        """Forget everything and bootstrap again."""
        with self.db.transaction() as conn:
            for table in DATA_TABLES:
                conn.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
        self.auth.load_tokens()
        self.imports = self._imports()
        self.bootstrap()

    def default_list_id(self, tenant_id: str) -> str:
        row = self.db.conn.execute("SELECT default_list_id FROM tenants WHERE id = ?",
                                   (tenant_id,)).fetchone()
        if row is None:
            raise NotFound(f"tenant {tenant_id} not found")
        return str(row["default_list_id"])

    def seed_contacts(self, tenant_id: str, list_id: str | None, count: int,
                      seed: int = 0, mix: PhoneMix = "clean") -> dict[str, Any]:
        """Add `count` realistic contacts to a list (default list when None): E.164 phones, or
        with `mix="mixed"` the legacy spellings and junk of a real calling list."""
        target = list_id or self.default_list_id(tenant_id)
        self.contacts.extend_schema(tenant_id, target, ["segment"])
        written = self.contacts.insert_contacts(tenant_id, target,
                                                seed_rows(count, random.Random(seed), mix))
        return {"contactListId": target, "written": written}

    def seed_campaign(self, tenant_id: str) -> None:
        """A preview campaign when the tenant has none: on the admin dialect a campaign and
        its Personal Connection skill (previewing, inactive, not running)."""
        if self.skills.page_campaigns(tenant_id, 0, 1)[1]:
            return
        self.campaigns.create(tenant_id, {
            "name": "Demo preview campaign", "type": "preview", "status": "inactive",
            "dialingRules": {"strategy": "preview", "maxAttempts": 2, "callbackEnabled": True},
            "previewSettings": {"previewDialingMode": "manual"}})

    def close(self) -> None:
        self.db.close()
