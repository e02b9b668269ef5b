"""`skip`/`top` paging of the Admin API listings, each page read through its contract shape.

CXONE-REAL.md: `top` is at most 100 (S2); stop on an empty page or once `totalRecords` rows are
read, never on a page shorter than `top` (a server may cap `top` lower than asked).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

from cxone_outbound.client.admin import contract
from cxone_outbound.client.errors import CXoneError

JsonCall = Callable[..., Awaitable[Any]]
"""`(method, resource, path, **kw) -> parsed JSON`: the admin session at the resource's version."""

PAGE_MAX = 100


async def pages(
    call: JsonCall, resource: str, path: str, shape: contract.Shape, *,
    params: Mapping[str, str | int] | None = None, page_size: int = PAGE_MAX, skip: int = 0,
) -> AsyncIterator[list[Mapping[str, Any]]]:
    """The checked rows of a listing, page by page from `skip`.

    `_links` are not followed (they may be relative or absent): `skip` is ours to count. A
    server that ignores `skip` (the same page again) is an error, not an endless read.
    """
    assert shape.rows is not None, shape.endpoint
    top = max(1, min(page_size, PAGE_MAX))
    last: list[Mapping[str, Any]] | None = None
    while True:
        body = await call("GET", resource, path, params={**(params or {}), "skip": skip,
                                                          "top": top})
        found = contract.read(shape, body)
        rows: list[Mapping[str, Any]] = list(found[shape.rows])
        if not rows:
            return
        if rows == last:
            raise CXoneError(f"{shape.endpoint}: the page at skip={skip} repeats the one before "
                             "(the server ignores skip?): stopping rather than reading forever")
        last = rows
        yield rows
        skip += len(rows)
        total = found.get("totalRecords")
        if isinstance(total, int) and skip >= total:
            return
