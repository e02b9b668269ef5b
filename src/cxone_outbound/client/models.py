"""Bodies and answers of the API (API.md §3-§7) as pydantic models.

Attributes are snake_case with camelCase aliases, unknown fields are kept (`extra="allow"`: a
server may send more than the contract lists), and numbers arriving where the contract says
string (a version, an id) are read as strings.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic.alias_generators import to_camel


class ApiModel(BaseModel):
    """Base of every model: camelCase on the wire, snake_case in Python."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        extra="allow",
        coerce_numbers_to_str=True,
    )


class SchemaField(ApiModel):
    name: str
    type: str = "string"  # string | integer | decimal | boolean | date


class ListSchema(ApiModel):
    fields: list[SchemaField] = Field(default_factory=list)


class ContactList(ApiModel):
    id: str
    name: str = ""
    list_schema: ListSchema | None = Field(default=None, alias="schema")


class Contact(ApiModel):
    id: str
    contact_list_id: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None


class BatchUpdateFailure(ApiModel):
    id: str | None = None
    error: Any = None  # v2: the code; the admin dialect: {"code", "message", "field"}
    message: str | None = None
    field: str | None = None


class BatchUpdateResult(ApiModel):
    updated: int = 0
    failed: list[BatchUpdateFailure] = Field(default_factory=list)

    def accounts_for(self, ids: Sequence[str]) -> bool:
        """Whether this answer speaks of exactly `ids` (distinct): each failed one is named and
        `updated` counts all the others. Only then is "not failed" proof of "updated"."""
        named = [f.id for f in self.failed]
        return (
            None not in named
            and len(set(named)) == len(named)
            and set(named) <= set(ids)
            and self.updated + len(named) == len(set(ids))
        )


class RowError(ApiModel):
    row: int
    field: str | None = None
    code: str | None = None
    message: str | None = None


class ImportJob(ApiModel):
    job_id: str
    status: str  # QUEUED | RUNNING | COMPLETED | FAILED
    records_processed: int = 0
    records_failed: int = 0
    errors: list[str] = Field(default_factory=list)
    row_errors: list[RowError] = Field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.status in {"COMPLETED", "FAILED"}


class Campaign(ApiModel):
    id: str | None = None
    campaign_id: str | None = None
    name: str | None = None
    type: str | None = None
    status: str | None = None
    max_enrichment_timeout: int | None = None  # milliseconds
    version: str | None = None
    etag: str | None = Field(default=None, exclude=True)  # from the ETag header, not the body

    @property
    def key(self) -> str:
        """The id to address the campaign by (the contract has both `id` and `campaignId`)."""
        return self.id or self.campaign_id or ""


class CampaignUpdate(ApiModel):
    version: str | None = None
    status: str | None = None
    etag: str | None = Field(default=None, exclude=True)


class EnrichmentItem(ApiModel):
    contact_id: str
    attributes: dict[str, Any] = Field(default_factory=dict)


class EnrichmentResult(ApiModel):
    processed_count: int


class RefreshResult(ApiModel):
    refresh_id: str | None = None
    status: str | None = None


class Suppression(ApiModel):
    id: str | None = None
    phone_number: str
    reason: str | None = None
    expires_at: datetime | None = None


class RetryPolicyBody(ApiModel):
    max_retries: int = 3
    backoff_ms: int = 1000


class Webhook(ApiModel):
    id: str
    name: str | None = None
    url: str | None = None
    events: list[str] = Field(default_factory=list)
    retry_policy: RetryPolicyBody | None = None
    secret: SecretStr | None = None  # returned once, at creation: keep it, never print it
