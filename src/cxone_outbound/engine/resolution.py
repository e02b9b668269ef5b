"""What to send next when the server refuses a batch as a whole: a pure state machine.

Shared by the jobs whose endpoint is all-or-nothing for a batch (enrichment: one unknown
contact or one attribute the schema refuses and nothing is applied; an import chunk the server
refuses at once, e.g. a body it cannot read). When the refusal names the offending contacts
(`error.details[].contactId`), those are set aside as failed with their reason and the rest is
resent; when it names none, the batch is bisected until the bad item stands alone. Every
refusal removes at least one item or halves a batch, so resolution always ends, after at most
about 2 x bad items x log2(batch size) extra requests.

The caller drives it: `next_batch()` → send → `applied()` / `refused()` / `uncertain()`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class RefusalDetail:
    """One entry of `error.details`: which contact, which field, what code."""

    contact_id: str | None
    field: str | None = None
    code: str | None = None

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> RefusalDetail:
        def text(key: str) -> str | None:
            value = raw.get(key)
            return None if value is None else str(value)

        return cls(contact_id=text("contactId"), field=text("field"), code=text("code"))

    def describe(self) -> str:
        what = self.code or "REFUSED"
        return f"{what} ({self.field})" if self.field else what


@dataclass(frozen=True)
class Failed(Generic[T]):
    """A contact set aside, with the reason the server (or the planner) gave."""

    item: T
    reason: str
    details: tuple[RefusalDetail, ...] = ()


@dataclass
class BatchResolution(Generic[T]):
    """Resolves one batch into applied items and failed items, whatever the server refuses."""

    items: Sequence[T]
    contact_id_of: Callable[[T], str]
    applied_items: list[T] = field(default_factory=list)
    failed: list[Failed[T]] = field(default_factory=list)
    attempts: int = 0
    _pending: deque[list[T]] = field(default_factory=deque, init=False)

    def __post_init__(self) -> None:
        if self.items:
            self._pending.append(list(self.items))

    @property
    def done(self) -> bool:
        return not self._pending

    def next_batch(self) -> list[T] | None:
        """The sub-batch to send next (it stays pending until reported on), or None when done."""
        if not self._pending:
            return None
        self.attempts += 1
        return self._pending[0]

    def applied(self, batch: Sequence[T]) -> None:
        """The server applied `batch` whole."""
        self._take(batch)
        self.applied_items.extend(batch)

    def uncertain(self, batch: Sequence[T], reason: str, *details: RefusalDetail) -> None:
        """The server's answer does not prove what was applied: fail the batch, loudly (never
        bisected: a smaller batch would not make that answer one about it)."""
        self._take(batch)
        self.failed.extend(Failed(item, reason, details) for item in batch)

    def refused(
        self, batch: Sequence[T], details: Sequence[RefusalDetail], message: str = "refused"
    ) -> None:
        """The server refused `batch` whole; set aside who it names, else bisect."""
        self._take(batch)
        reasons: dict[str, list[RefusalDetail]] = {}
        for d in details:
            if d.contact_id is not None:
                reasons.setdefault(d.contact_id, []).append(d)
        named = [item for item in batch if self.contact_id_of(item) in reasons]
        if named:
            for item in named:
                own = tuple(reasons[self.contact_id_of(item)])
                why = "; ".join(d.describe() for d in own)
                self.failed.append(Failed(item, f"refused by the server: {why}", own))
            rest = [item for item in batch if self.contact_id_of(item) not in reasons]
            if rest:
                self._pending.appendleft(rest)
            return
        if len(batch) == 1:
            self.failed.append(Failed(batch[0], f"refused by the server: {message}"))
            return
        middle = len(batch) // 2
        self._pending.appendleft(list(batch[middle:]))
        self._pending.appendleft(list(batch[:middle]))

    def _take(self, batch: Sequence[T]) -> None:
        if not self._pending or self._pending[0] is not batch:
            raise RuntimeError("report on the batch next_batch() returned, once")
        self._pending.popleft()
