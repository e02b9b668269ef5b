"""`AsyncResource`: the one spelling of `async with x:` for things that open and close."""

from __future__ import annotations

from types import TracebackType
from typing import Self


class AsyncResource:
    """Opened by `async with` (or `await x.open()`), closed on the way out, error or not.

    Subclasses define `open` and `close`; both must be safe to call twice.
    """

    async def open(self) -> None:
        """Acquire what the resource holds (connections, a server socket)."""

    async def close(self) -> None:
        """Release it."""

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
