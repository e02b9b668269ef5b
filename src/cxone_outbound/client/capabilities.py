"""What an API dialect can do natively: the only thing the jobs may branch on.

Both dialects' declarations live here, apart from `client.dialect` and from the clients
themselves, so that either client (and `capabilities_for`) can read them without an import
cycle: this module imports nothing of ours but `limits`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from cxone_outbound.limits import ADMIN_MAX_RECORD_CHARS


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a dialect can do natively; the jobs choose their strategy from these alone."""

    dialect: Literal["v2", "admin"]
    per_record_update: bool  # PATCH one contact by id; else re-upload by external id
    max_update_batch: int  # contacts per `update_contacts` call
    write_guard: Literal["etag", "read-compare-write"]  # what guards a campaign write
    server_webhooks: bool  # the server delivers events; else the tool delivers them itself
    list_refresh: bool  # `refresh_list` does something on the server
    list_schema: bool  # `get_list_schema` names the list's typed attributes
    # top-level campaign fields the dialect can hold (None: all), and, prefixed `-`, leaves
    # inside them it cannot (`-previewSettings.agentPromptEnabled`); a job leaves the others alone
    campaign_fields: frozenset[str] | None = None
    # contacts one `delete_contacts` call removes; 1: none, delete them one by one
    max_delete_batch: int = 1
    # phones come back as digits alone (CXone's "universal" format), not as written: a phone
    # is as it should be when its digits are the E.164 number's
    phones_as_digits: bool = False
    # a campaign's skill can be started on request (`start_skill`); v2 has no such call
    skill_start: bool = False
    # characters one uploaded record may hold, cells and commas (None: no such limit)
    max_record_chars: int | None = None


V2_CAPABILITIES = Capabilities(
    dialect="v2",
    per_record_update=True,
    max_update_batch=100,
    write_guard="etag",
    server_webhooks=True,
    list_refresh=True,
    list_schema=True,
)


ADMIN_UNHELD_LEAVES = ("previewSettings.agentPromptEnabled",)
"""v2 leaves inside held fields with no published home on the admin dialect."""
ADMIN_CAMPAIGN_FIELDS = frozenset({"type", "status", "dialingRules", "previewSettings",
                                   *(f"-{leaf}" for leaf in ADMIN_UNHELD_LEAVES)})
"""Top-level v2 campaign fields the admin dialect can write (`client.admin.campaigns`)."""

ADMIN_CAPABILITIES = Capabilities(
    dialect="admin",
    per_record_update=False,
    max_update_batch=10_000,
    write_guard="read-compare-write",
    server_webhooks=False,
    list_refresh=False,
    list_schema=False,
    campaign_fields=ADMIN_CAMPAIGN_FIELDS,
    skill_start=True,
    max_delete_batch=100,  # removeProspects takes an array; the sandbox caps a call at 1000
    phones_as_digits=True,
    max_record_chars=ADMIN_MAX_RECORD_CHARS,
)


def capabilities_for(dialect: str) -> Capabilities:
    """A dialect's capabilities without opening a client (to size a job's batches up front)."""
    return ADMIN_CAPABILITIES if dialect == "admin" else V2_CAPABILITIES
