"""Which rows of a window are the very rows the server last verified for their contacts, by
the digest of a row's cells (`ChangedOnly.raw_digest`): what early settling asks first."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol

DIGEST_BYTES = 16  # a row's digest (`ChangedOnly.raw_digest`)


class DigestSet(Protocol):
    """A scope's verified row digests held in memory (`digests.DigestIndex`)."""

    def holding(self, digests: Sequence[bytes]) -> list[bool]:
        """Whether each digest (DIGEST_BYTES long) is one of the scope's."""
        ...


class VerifiedRows:
    """A window's contacts' verified rows, by digest (`ChangedOnly.raw_digest`): those read
    from the file by contact (`found`, the digests of `in_file`, or of every contact without
    an `index`), the others found in the scope's digests in memory."""

    def __init__(
        self,
        found: dict[str, bytes],
        index: DigestSet | None = None,
        in_file: Collection[str] = (),
    ) -> None:
        self._found = found
        self._index = index
        self._in_file = in_file
        self._dropped: set[str] = set()

    def drop(self, contact_id: str) -> None:
        """A row of the contact is on its way: no later row of it in the window holds."""
        self._dropped.add(contact_id)

    def holds(self, contact_id: str, digest: bytes) -> bool:
        return self.holding([(contact_id, digest)])[0]

    def holding(self, rows: Sequence[tuple[str, bytes]]) -> list[bool]:
        """Whether each (contact id, row digest) is the contact's verified row."""
        found, index, in_file, dropped = self._found, self._index, self._in_file, self._dropped
        if index is not None and not in_file and not dropped and rows:  # a nightly window
            digests = [digest for _, digest in rows]
            if min(map(len, digests)) == DIGEST_BYTES == max(map(len, digests)):
                return index.holding(digests)
        result: list[bool] = []
        asked: list[int] = []  # positions the index answers
        for position, (contact_id, digest) in enumerate(rows):
            if contact_id in dropped:
                result.append(False)
            elif index is None or contact_id in in_file or len(digest) != DIGEST_BYTES:
                result.append(found.get(contact_id) == digest)
            else:
                result.append(False)
                asked.append(position)
        if index is not None and asked:
            for position, held in zip(asked, index.holding([rows[p][1] for p in asked]),
                                      strict=True):
                result[position] = held
        return result
