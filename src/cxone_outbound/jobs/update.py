"""Bulk update: PATCH each contact of a CSV (`contactId` plus the fields to change).

Every PATCH goes through the run's one client (shared pool, adaptive limiter, retries for 429
and 5xx). A 404 is a failed NOT_FOUND record, also listed in missing-contacts.csv; a 400 is a
failed record naming the field. PATCH is idempotent, so an in-flight record is simply resent on
resume.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cxone_outbound.client import errors
from cxone_outbound.engine import BaseJob, Batch, Item, Outcome, Record, RecordError, RunContext

CONTACT_FIELDS: dict[str, tuple[str, ...]] = {
    "contactId": ("contact_id", "id", "contact id"),
    "firstName": ("first_name", "first name", "given_name"),
    "lastName": ("last_name", "last name", "surname", "family_name"),
    "email": ("email_address", "e-mail", "mail"),
    "phone": ("phone_number", "phoneNumber", "mobile"),
}
"""Canonical contact fields and the header spellings read as them; other columns are attributes."""

MISSING_FILE = "missing-contacts.csv"


def build_changes(fields: Mapping[str, str]) -> dict[str, Any]:
    """The PATCH body for a row: known fields by name, other columns as attributes.

    Empty cells change nothing (a CSV cannot tell "empty" from "leave alone").
    """
    changes: dict[str, Any] = {}
    attributes: dict[str, str] = {}
    for name, value in fields.items():
        if name == "contactId" or value == "":
            continue
        if name in CONTACT_FIELDS:
            changes[name] = value.strip()
        else:
            attributes[name] = value
    if attributes:
        changes["attributes"] = attributes
    return changes


class UpdateJob(BaseJob):
    """One PATCH per record."""

    name = "update"
    batch_size = 1

    def __init__(self, *, concurrency: int = 16, list_id: str | None = None) -> None:
        self.concurrency = concurrency
        self.list_id = list_id  # where contact ids are per list (the admin dialect)

    def options(self) -> Mapping[str, Any]:
        return {"concurrency": self.concurrency, "list_id": self.list_id}

    def prepare(self, record: Record) -> Item | RecordError:
        contact_id = record.fields.get("contactId", "").strip()
        if not contact_id:
            return RecordError("MISSING_CONTACT_ID", "contactId is empty", "contactId")
        changes = build_changes(record.fields)
        if not changes:
            return RecordError("NO_CHANGES", "the row has no field to change")
        return Item(record, (contact_id, changes))

    async def send(self, batch: Batch, ctx: RunContext) -> Sequence[Outcome]:
        outcomes: list[Outcome] = []
        for item in batch.items:
            contact_id, changes = item.payload
            try:
                await ctx.client.update_contact(contact_id, changes, list_id=self.list_id)
            except errors.NotFound as exc:
                self._note_missing(ctx, item.record.line, contact_id)
                outcomes.append(
                    Outcome.failed(item.key, "NOT_FOUND", exc.message or "no such contact")
                )
                continue
            except errors.ValidationError as exc:
                outcomes.append(
                    Outcome.failed(
                        item.key, exc.code or "VALIDATION_ERROR", exc.message, field=exc.field
                    )
                )
                continue
            outcomes.append(Outcome.succeeded(item.key, remote_id=contact_id))
        return outcomes

    @staticmethod
    def _note_missing(ctx: RunContext, line: int, contact_id: str) -> None:
        ctx.csv_output(MISSING_FILE, ["line", "contactId"]).writerow([line, contact_id])
