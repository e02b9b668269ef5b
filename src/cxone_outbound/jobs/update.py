"""Bulk update: change each contact of a CSV (`contactId` plus the fields to change).

With the contacts' list known (`--list`), rows go in groups of up to `max_update_batch` (at most
`MAX_GROUP`) through `update_contacts`: v2's batch PATCH of 100, the admin dialect's re-upload.
Its per-record failures become the rows' failures, so each row's outcome is the one it would
have alone, while a rate limit carries 100 rows a request instead of one. Without a list, or
with `per_contact` where the dialect has a per-record PATCH, one request per row (the tutorial's
way; a contact of another list is then updated all the same).

Every request goes through the run's one client (shared pool, adaptive limiter, retries for 429
and 5xx). A 404 is a failed NOT_FOUND record, also listed in missing-contacts.csv; a 400 is a
failed record naming the field. An update is idempotent, so an in-flight batch is simply resent
on resume.

A row over one of the API's limits (`limits.py`: an attribute's size, a name's on the PATCH, the
admin dialect's record length as far as the row alone shows it) fails before it is sent.

With `changed_only` (`--changed-only`), the list's current values are read at the start and a
row whose every change already holds ends `unchanged`, unsent (jobs/sync/, docs/sync.md).
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Collection, Coroutine, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from cxone_outbound import limits
from cxone_outbound._version import __version__
from cxone_outbound.client import errors
from cxone_outbound.client.capabilities import Capabilities
from cxone_outbound.client.models import BatchUpdateResult
from cxone_outbound.engine import (
    BaseJob,
    Batch,
    Item,
    Outcome,
    Record,
    RecordError,
    RunContext,
    Source,
)
from cxone_outbound.jobs.sync import (
    SETTLED_EARLY,
    Against,
    ChangedOnly,
    Compared,
    LookAhead,
    SnapshotGuard,
)
from cxone_outbound.limits import (
    MAX_ATTRIBUTE_CHARS,
    MAX_EMAIL_CHARS,
    MAX_NAME_CHARS,
    first_too_long,
    record_chars,
)


def _code_digest(*modules: ModuleType) -> str:
    """A digest of the modules' source: an edit to `prepare` (or the limits it applies) between
    two syncs must not let a row settle early on a digest the old code verified."""
    digest = hashlib.blake2b(digest_size=8)
    for module in modules:
        try:
            digest.update(Path(str(module.__file__)).read_bytes())
        except OSError:  # no source file (a frozen build): the version alone stands for it
            digest.update(module.__name__.encode())
    return digest.hexdigest()


PREPARE_CODE = _code_digest(sys.modules[__name__], limits)

CONTACT_FIELDS: dict[str, tuple[str, ...]] = {
    "contactId": ("contact_id", "id", "contact id"),
    "firstName": ("first_name", "first name", "given_name"),
    "lastName": ("last_name", "last name", "surname", "family_name"),
    "email": ("email_address", "e-mail", "mail"),
    "phone": ("phone_number", "phoneNumber", "mobile"),
}
"""Canonical contact fields and the header spellings read as them; other columns are attributes."""

MISSING_FILE = "missing-contacts.csv"
_SHORTEST = min(MAX_ATTRIBUTE_CHARS, MAX_EMAIL_CHARS, MAX_NAME_CHARS)  # a cell this short is in
MAX_GROUP = 1000  # rows per grouped update: a resent batch stays small


def compared_fields(columns: Sequence[str]) -> Compared:
    """What rows with these (canonical) columns can change: the fields `--changed-only`
    compares (`build_changes`' split: known contact fields, the other columns attributes)."""
    named = frozenset(c for c in columns if c in CONTACT_FIELDS and c != "contactId")
    return Compared(named, frozenset(c for c in columns if c not in CONTACT_FIELDS))


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


def rounds(items: Sequence[Item]) -> list[list[Item]]:
    """Items in rounds where no contact appears twice, each contact's rows in file order.

    One grouped update holds one row per contact: two rows for a contact in one re-upload
    would each be merged onto the record as read, and the later would undo the earlier.
    """
    out: list[list[Item]] = []
    seen: dict[str, int] = {}
    for item in items:
        contact_id = item.payload[0]
        index = seen.get(contact_id, 0)
        seen[contact_id] = index + 1
        if index == len(out):
            out.append([])
        out[index].append(item)
    return out


def unverified(key: str, result: BatchUpdateResult, sent: int) -> Outcome:
    """A record of a batch update whose answer does not say what became of it: failed (a
    resume sends it again: an update is idempotent), never taken for updated."""
    return Outcome.failed(
        key,
        "UNVERIFIED",
        f"the batch update's answer (updated {result.updated}, {len(result.failed)} failed)"
        f" does not account for the {sent} contacts sent",
        retryable=True,
    )


class UpdateJob(BaseJob):
    """One update per record, grouped into batch updates where the dialect prefers them."""

    name = "update"
    batch_size = 1

    def __init__(
        self,
        *,
        concurrency: int = 16,
        list_id: str | None = None,
        capabilities: Capabilities | None = None,
        per_contact: bool = False,
        changed_only: Compared | None = None,
        against: Against = "list",
        relist_days: float | None = None,
    ) -> None:
        self.concurrency = self.requests_in_flight = concurrency
        # `changed_only`: what the rows can change (`compared_fields`), compared with the list
        if changed_only is not None and list_id is None:
            raise ValueError("--changed-only compares with a list's values: name the list")
        self.list_id = list_id  # the batch PATCH's list; the admin dialect's ids are per list
        self.grouped = (
            capabilities is not None
            and list_id is not None
            and capabilities.max_update_batch > 1
            and not (per_contact and capabilities.per_record_update)
        )
        if self.grouped and capabilities is not None:
            self.batch_size = min(MAX_GROUP, capabilities.max_update_batch)
        else:
            # One request a record: twice as many records in flight as the client has
            # connections, so the next PATCH is ready when one returns (the client's limiter
            # still caps requests in flight at `concurrency`).
            self.concurrency = 2 * concurrency
        self._max_record = capabilities.max_record_chars if capabilities else None
        # v2 PATCHes contacts, one or a batch, and refuses a name over MAX_NAME_CHARS (in a
        # batch: the whole batch); the admin dialect re-uploads, with the record's limit instead
        self._patches = capabilities is None or capabilities.per_record_update
        # what `prepare` depends on besides a row's cells: a row whose cells equal those of a
        # row the server verified under the same fingerprint is settled before `prepare`
        fingerprint = [__version__, PREPARE_CODE, self.name, self.grouped, self._max_record,
                       MAX_ATTRIBUTE_CHARS, MAX_EMAIL_CHARS, MAX_NAME_CHARS]
        self.changed_only = (
            ChangedOnly(list_id, changed_only, job=self.name, against=against,
                        relist_days=relist_days, fingerprint=fingerprint)
            if changed_only is not None and list_id else None
        )
        # whatever the run, a list's last-sync snapshot learns of what it writes
        self.keeper = self.changed_only or (SnapshotGuard(list_id) if list_id else None)
        # off when a wrapper (DNC screening) decides on the prepared body: it must see it
        self.early_settling = True

    def options(self) -> Mapping[str, Any]:
        changed_only = (
            {"changed_only": True, "against": self.changed_only.against}
            if self.changed_only else {}
        )
        return {"concurrency": self.requests_in_flight, "list_id": self.list_id,
                "grouped": self.grouped, **changed_only}

    async def start(self, ctx: RunContext) -> None:
        if self.keeper is not None:
            await self.keeper.start(ctx)

    def settle(self, item: Item) -> Outcome | None:
        if self.changed_only is None:
            return None
        contact_id, changes = item.payload
        if changes is SETTLED_EARLY:
            return self.changed_only.settle_early(item.key, contact_id)
        return self.changed_only.settle(item.key, contact_id, changes, item.record)

    async def finish(self, ctx: RunContext) -> None:
        if self.keeper is not None:
            self.keeper.finished()

    def with_look_ahead(self, source: Source) -> Source:
        """The source this job reads, its rows' contacts fetched from the index a window at a
        time when comparing (`--changed-only`); else the source itself."""
        if self.changed_only is None:
            return source
        return LookAhead(source, self.changed_only, _contact_id_of)

    def summary_extra(self, ctx: RunContext) -> Mapping[str, Any]:
        return {} if self.changed_only is None else {"sync": self.changed_only.report()}

    def settle_read(self, records: Sequence[Record]) -> Sequence[tuple[int, str | None]]:
        """Rows of a window read that end `unchanged` before `prepare` (early settling against
        the last sync), by index, each with its contact id."""
        sync = self.changed_only
        if sync is None or not self.early_settling:
            return ()
        return sync.settle_window(records, _contact_id_of)

    def writes(self, batch: Batch) -> Collection[str]:
        """The contacts a batch writes: a later row of one waits for the earlier's batch."""
        items = batch.items
        if len(items) == 1:  # a per-contact update's every batch
            return (items[0].payload[0],)
        return {item.payload[0] for item in items}

    def targets_of(self, record: Record) -> Collection[str]:
        """The contact a row writes (a resume's `Resends`)."""
        contact_id = _contact_id_of(record)
        return (contact_id,) if contact_id else ()

    def prepare(self, record: Record) -> Item | RecordError:
        contact_id = record.fields.get("contactId", "").strip()
        if not contact_id:
            return RecordError("MISSING_CONTACT_ID", "contactId is empty", "contactId")
        sync = self.changed_only
        if sync is not None and self.early_settling and sync.settles_early(record, contact_id):
            return Item(record, (contact_id, SETTLED_EARLY))  # `settle` ends it unchanged
        changes = build_changes(record.fields)
        if not changes:
            return RecordError("NO_CHANGES", "the row has no field to change")
        if self._max_record is not None or max(map(len, record.fields.values())) > _SHORTEST:
            too_long = self._over_limit(contact_id, changes)  # only a long cell can be over
            if too_long is not None:
                return too_long
        return Item(record, (contact_id, changes))

    def _over_limit(self, contact_id: str, changes: Mapping[str, Any]) -> RecordError | None:
        """The limit of the API a row's changes break, if one: the row fails alone, unsent."""
        attributes: Mapping[str, str] = changes.get("attributes", {})
        name = first_too_long(attributes, MAX_ATTRIBUTE_CHARS)
        if name is not None:
            return _too_long(name, len(attributes[name]), MAX_ATTRIBUTE_CHARS)
        if len(changes.get("email", "")) > MAX_EMAIL_CHARS:
            return _too_long("email", len(changes["email"]), MAX_EMAIL_CHARS)
        if self._patches:  # the PATCH's limit
            names = {k: changes[k] for k in ("firstName", "lastName") if k in changes}
            name = first_too_long(names, MAX_NAME_CHARS)
            if name is not None:
                return _too_long(name, len(names[name]), MAX_NAME_CHARS)
        if self._max_record is not None:
            cells = [contact_id, *(v for k, v in changes.items() if k != "attributes")]
            if record_chars([*cells, *attributes.values()]) > self._max_record:
                return RecordError(
                    "RECORD_TOO_LONG", f"the row alone is over {self._max_record} characters"
                )
        return None

    async def send(self, batch: Batch, ctx: RunContext) -> Sequence[Outcome]:
        sync = self.keeper
        if sync is None:
            return await self._send(batch, ctx)
        sync.sending(item.payload[0] for item in batch.items)  # unknown until answered
        outcomes: Sequence[Outcome] = ()
        try:
            outcomes = await self._send(batch, ctx)
        finally:
            sync.answered(batch.items, outcomes, lambda item: item.payload)
        return outcomes

    def _send(self, batch: Batch, ctx: RunContext) -> Coroutine[Any, Any, Sequence[Outcome]]:
        """The sending of a batch (a plain function: no coroutine frame of its own to pass
        through on each of the request's resumptions)."""
        return (self._send_grouped if self.grouped else self._send_each)(batch, ctx)

    async def _send_each(self, batch: Batch, ctx: RunContext) -> Sequence[Outcome]:
        """One PATCH a record; a 404 or a 400 is the record's failure."""
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

    async def _send_grouped(self, batch: Batch, ctx: RunContext) -> Sequence[Outcome]:
        """`update_contacts` per round; its per-record failures become the rows' outcomes."""
        assert self.list_id is not None  # grouped only with a list
        outcomes: list[Outcome] = []
        for group in rounds(batch.items):
            body = [{"id": item.payload[0], **item.payload[1]} for item in group]
            result = await ctx.client.update_contacts(self.list_id, body)
            if not result.accounts_for([item.payload[0] for item in group]):
                outcomes += [unverified(item.key, result, len(group)) for item in group]
                continue
            failed = {f.id: f for f in result.failed if f.id}
            for item in group:
                contact_id = item.payload[0]
                if contact_id not in failed:
                    outcomes.append(Outcome.succeeded(item.key, remote_id=contact_id))
                    continue
                failure = failed[contact_id]
                error = failure.error if isinstance(failure.error, Mapping) else {
                    "code": failure.error, "message": failure.message, "field": failure.field}
                code = str(error.get("code") or "UPDATE_REFUSED")
                message = str(error.get("message") or code)
                if code == "NOT_FOUND":
                    self._note_missing(ctx, item.record.line, contact_id)
                    outcomes.append(Outcome.failed(item.key, "NOT_FOUND", message))
                else:
                    field = error.get("field")
                    outcomes.append(Outcome.failed(
                        item.key, code, message, field=str(field) if field else None,
                        retryable=error.get("retryable") is True,  # e.g. admin's NOT_APPLIED
                    ))
        return outcomes

    @staticmethod
    def _note_missing(ctx: RunContext, line: int, contact_id: str) -> None:
        ctx.csv_output(MISSING_FILE, ["line", "contactId"]).writerow([line, contact_id])


def _too_long(field: str, size: int, limit: int) -> RecordError:
    return RecordError("FIELD_TOO_LONG", f"{size:,} characters; the API takes {limit:,}", field)


def _contact_id_of(record: Record) -> str:
    return record.fields.get("contactId", "").strip()
