"""`AdminRemovals`: a delete is `DELETE /lists/call-lists/{id}/removeProspects`; per-record
failures inside a 200 become failed records, and a record is removed only when the reply says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cxone_outbound.client.admin import contract
from cxone_outbound.client.admin.outbound.downloads import AdminDownloads
from cxone_outbound.client.admin.records import text_of
from cxone_outbound.client.api import seg
from cxone_outbound.client.capabilities import ADMIN_CAPABILITIES
from cxone_outbound.client.errors import CXoneError, NotFound

_NOT_FOUND_CODES = {"NOT_FOUND", "RECORD_NOT_FOUND", "PROSPECT_NOT_FOUND", "404"}


class AdminRemovals(AdminDownloads):
    """Records removed from a calling list, many a call."""

    async def delete_contact(self, contact_id: str, *, list_id: str | None = None) -> None:
        list_id = self._list_for(contact_id, list_id)
        error = (await self.delete_contacts(list_id, [contact_id]))[contact_id]
        if error is not None:
            raise error

    async def delete_contacts(
        self, list_id: str, contact_ids: Sequence[str]
    ) -> dict[str, CXoneError | None]:
        """Remove records in one `removeProspects` call (at most `max_delete_batch`): per id,
        None when the reply lists it in `successfulRecords`, else its error (`NotFound` for an
        unknown record). An id the reply names in neither list is an error too: nothing is
        reported removed that the server did not say it removed."""
        if len(contact_ids) > ADMIN_CAPABILITIES.max_delete_batch:
            raise ValueError(f"at most {ADMIN_CAPABILITIES.max_delete_batch} records per call")
        # Snapshot the list before the first removal: a skip/top download racing concurrent
        # removals would see pages shift and miss records that re-uploads then need.
        await self._current(list_id, contact_ids)
        body = await self._json(
            "DELETE", "lists", f"lists/call-lists/{seg(list_id)}/removeProspects",
            json={"prospectsToRemove": [{"externalId": i} for i in contact_ids]},
        )
        found = contract.read(contract.REMOVE_PROSPECTS, body)
        done, failures = found["successfulRecords"], found["failedRecords"]
        if not isinstance(done, list) or not isinstance(failures, list):
            raise contract.SchemaDrift(contract.REMOVE_PROSPECTS.endpoint,
                                       expected=contract.REMOVE_PROSPECTS.keys, seen=found,
                                       where="successfulRecords/failedRecords (not lists)")
        results: dict[str, CXoneError | None] = {
            i: CXoneError(f"removeProspects: the reply does not name {i}", status=200,
                          code="NO_RESULT") for i in contact_ids}
        for item in done:
            contact_id = text_of(item, "externalId") if isinstance(item, Mapping) else None
            if contact_id in results:
                results[contact_id] = None
        for failure in failures:
            contact_id = text_of(failure, "externalId") if isinstance(failure, Mapping) else None
            if contact_id not in results or not isinstance(failure, Mapping):
                raise CXoneError(f"removeProspects refused a record it does not name: {failure}",
                                 status=200, body=body)
            code = text_of(failure, "resultCode") or "REMOVE_FAILED"
            if code.upper() in _NOT_FOUND_CODES:
                results[contact_id] = NotFound(f"contact {contact_id} is not in list {list_id}",
                                               status=404, code=code)
            else:
                results[contact_id] = CXoneError(f"removeProspects refused {contact_id}: {code}",
                                                 status=200, code=code, body=failure)
        removed = [i for i, error in results.items() if error is None]
        self._downloaded.remove(list_id, removed)
        if removed:  # the records after them moved up: the places seen are no longer sure
            self._places.forget(list_id)
        for contact_id in removed:
            await self._emit("contact.deleted", {"contactId": contact_id,
                                                 "contactListId": list_id})
        return results

