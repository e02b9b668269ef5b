"""`AdminDownloads`: reading a calling list whole, page by page, and the records as downloaded.

A list is read with `GET /lists/call-lists/{id}?includeRecords=true` paged by `skip`/`top` (100
a page at most). Every page read is also kept on disk (`DownloadedLists`), because a re-upload
merges its change onto the record as downloaded; memory holds one page, whatever the list's size.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

from cxone_outbound.client.admin.lists import record_pages
from cxone_outbound.client.admin.outbound.core import AdminCore
from cxone_outbound.client.admin.records import contact_from_record
from cxone_outbound.client.errors import ConfigurationError
from cxone_outbound.client.models import Contact


class AdminDownloads(AdminCore):
    """The list read whole: streamed to the caller, kept on disk for the re-uploads."""

    async def iter_contact_pages(
        self, list_id: str, *, page_size: int = 1000
    ) -> AsyncIterator[list[Contact]]:
        """The list's records (`resultSet.contactRecords`), 100 a page at most, as the list
        holds them: nothing is held in memory beyond the page."""
        columns = await self._list_columns(list_id)
        self._downloaded.begin(list_id)
        index = 0
        async for items in record_pages(self._json, list_id, page_size=page_size):
            page = [contact_from_record(i, list_id, columns) for i in items]
            self._downloaded.add(list_id, zip((c.id for c in page), items, strict=True),
                                 start=index)
            index += len(page)
            yield page

    async def iter_contacts(self, list_id: str, *, page_size: int = 1000) -> AsyncIterator[Contact]:
        """Every record of the list, one at a time (`iter_contact_pages` flattened)."""
        async for page in self.iter_contact_pages(list_id, page_size=page_size):
            for contact in page:
                yield contact

    async def _current(self, list_id: str, ids: Sequence[str]) -> dict[str, Contact]:
        """The records as downloaded: the whole list once per client (workers share the one
        download), again only after an import into it. Ids absent from it are unknown."""
        lock = self._downloads.setdefault(list_id, asyncio.Lock())
        async with lock:
            known = self._downloaded.get(list_id, ids)
            if not self._downloaded.is_whole(list_id) and any(i not in known for i in ids):
                async for _ in self.iter_contact_pages(list_id):
                    pass
                self._downloaded.mark_whole(list_id)
                known = self._downloaded.get(list_id, ids)
        columns = await self._list_columns(list_id)
        return {i: contact_from_record(r, list_id, columns) for i, r in known.items()}

    def _list_for(self, contact_id: str, list_id: str | None = None) -> str:
        list_id = list_id or self._downloaded.home(contact_id)
        if list_id is None:
            raise ConfigurationError(
                f"contact {contact_id}: on the admin dialect a record is addressed within its "
                "calling list: name the list (--list)"
            )
        return list_id
