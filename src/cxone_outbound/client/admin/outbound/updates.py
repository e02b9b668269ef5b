"""`AdminUpdates`: an update or enrichment is a re-upload of the changed records, merged onto
each record as downloaded, in files within the 256 MB / 500k limits (`chunks_within_limits`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cxone_outbound.client.admin.outbound.uploads import AdminUploads
from cxone_outbound.client.admin.records import chunks_within_limits, upload_row
from cxone_outbound.client.errors import NotFound, ValidationError
from cxone_outbound.client.models import (
    BatchUpdateFailure,
    BatchUpdateResult,
    Contact,
    EnrichmentItem,
    EnrichmentResult,
    RefreshResult,
)
from cxone_outbound.client.transport import new_idempotency_key


def _refusal(failure: BatchUpdateFailure) -> dict[str, Any]:
    """A refused record as v2's enrichment refusal detail (`CONTACT_NOT_FOUND` for unknown)."""
    error = dict(failure.error) if isinstance(failure.error, Mapping) else {}
    if error.get("code") == "NOT_FOUND":
        error["code"] = "CONTACT_NOT_FOUND"
    return {"contactId": failure.id, **error}


class AdminUpdates(AdminUploads):
    """Updates and enrichments as re-uploads keyed by external id."""

    async def update_contacts(
        self, list_id: str, contacts: Sequence[Mapping[str, Any]]
    ) -> BatchUpdateResult:
        """Re-upload the changed records by external id; a record is updated only when the
        list, read back, holds it as sent. Unknown ids are NOT_FOUND, the rest fail as the
        read-back says (`REJECTED`, `NOT_APPLIED`)."""
        result, _ = await self._reupload(list_id, contacts)
        return result

    async def _reupload(
        self, list_id: str, contacts: Sequence[Mapping[str, Any]],
        current: Mapping[str, Contact] | None = None,
    ) -> tuple[BatchUpdateResult, list[Contact]]:
        """`update_contacts`, and the records the list now holds as sent; `current`: the
        records as downloaded, when the caller has just read them."""
        ids = [str(c.get("id", "")) for c in contacts]
        if current is None:
            current = await self._current(list_id, ids)
        failed = [BatchUpdateFailure(id=i, error={"code": "NOT_FOUND", "message": "no such record"})
                  for i in ids if i not in current]
        merged: list[Contact] = []
        for change in contacts:
            base = current.get(str(change.get("id", "")))
            if base is None:
                continue
            values = {k: v for k, v in change.items() if k not in ("id", "attributes")}
            renamed = {"first_name" if k == "firstName" else "last_name" if k == "lastName" else k:
                       v for k, v in values.items()}
            attributes = {**base.attributes, **dict(change.get("attributes") or {})}
            merged.append(base.model_copy(update={**renamed, "attributes": attributes}))
        updated = 0
        columns = await self._list_columns(list_id)
        refused = columns.uncarried(a for c in merged for a in c.attributes)
        if refused:
            raise ValidationError(
                f"calling list {list_id}: its mapping cannot carry {', '.join(refused)}; map "
                "them (list_columns attributes=...) or leave them out. Nothing was sent",
                status=400, code="UNMAPPED_COLUMN", field=refused[0])
        by_id = {m.id: m for m in merged}
        done: list[Contact] = []
        for chunk in chunks_within_limits([upload_row(c, columns) for c in merged]):
            rows = [dict(r) for r in chunk]
            finished = await self._upload(list_id, rows, columns, new_idempotency_key(),
                                          overwrite=True)
            refusals = {e.row: e for e in finished.row_errors}
            applied: list[tuple[str, Mapping[str, str]]] = []
            for row, record in enumerate(chunk, start=1):
                error = refusals.get(row)
                contact_id = record[columns.external_id]
                if error is None and finished.status == "COMPLETED":
                    updated += 1
                    applied.append((contact_id, record))
                else:
                    code = error.code if error else "NOT_APPLIED"
                    message = error.message if error else "the upload job did not complete"
                    failed.append(BatchUpdateFailure(id=contact_id, error={
                        "code": code, "message": message, "retryable": code == "NOT_APPLIED"}))
            self._downloaded.replace(list_id, applied)  # the list holds them as sent
            done.extend(by_id[contact_id] for contact_id, _ in applied)
        if updated:
            await self._emit("contact.updated", {"contactListId": list_id, "updated": updated})
        return BatchUpdateResult(updated=updated, failed=failed), done

    async def update_contact(
        self, contact_id: str, changes: Mapping[str, Any], *, list_id: str | None = None
    ) -> Contact:
        """A re-upload of the one record, merged onto it as downloaded."""
        list_id = self._list_for(contact_id, list_id)
        result, done = await self._reupload(list_id, [{"id": contact_id, **changes}])
        if result.failed:
            error = result.failed[0].error if isinstance(result.failed[0].error, Mapping) else {}
            if error.get("code") == "NOT_FOUND":
                raise NotFound(f"contact {contact_id} is not in list {list_id}", status=404)
            raise ValidationError(str(error.get("message") or "the record was refused"),
                                  status=400, code=error.get("code"), field=error.get("field"))
        return done[0]

    async def enrich_contacts(
        self,
        list_id: str,
        contacts: Sequence[EnrichmentItem],
        *,
        idempotency_key: str | None = None,
    ) -> EnrichmentResult:
        """Re-upload the records with the new attribute values; refused rows are a 400 with
        details per contact (as v2's atomic refusal), so the caller resends the others.

        Ids the list does not hold are refused before anything is uploaded (atomic, as on v2):
        uploading the others first would have the caller upload them a second time.
        """
        ids = [c.contact_id for c in contacts]
        current = await self._current(list_id, ids)
        unknown = [i for i in ids if i not in current]
        if unknown:
            raise ValidationError(
                f"{len(unknown)} records refused", status=400, code="RECORDS_REFUSED",
                details=[{"contactId": i, "code": "CONTACT_NOT_FOUND", "message": "no such record"}
                         for i in unknown],
            )
        changes = [{"id": c.contact_id, "attributes": dict(c.attributes)} for c in contacts]
        result, _ = await self._reupload(list_id, changes, current)
        if result.failed:
            raise ValidationError(
                f"{len(result.failed)} records refused", status=400, code="RECORDS_REFUSED",
                details=[_refusal(f) for f in result.failed],
            )
        await self._emit("contact.enriched", {"contactListId": list_id,
                                              "contactIds": [c.contact_id for c in contacts],
                                              "processedCount": result.updated})
        return EnrichmentResult(processed_count=result.updated)

    async def refresh_list(self, list_id: str) -> RefreshResult:
        """Nothing to refresh: an upload is what the dialer reads."""
        return RefreshResult(refresh_id=None, status="NOT_APPLICABLE")

