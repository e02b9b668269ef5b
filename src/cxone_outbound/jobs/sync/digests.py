"""The row digests of a last-sync snapshot's scope, held in memory as one sorted array, for a
nightly sync that looks up most of the list anyway (`Snapshot.verified_rows`).

A window's look-up in SQLite costs ~3-5 µs a contact (a B-tree descent each, through pages
that also hold the verified writes); one read of the scope's digests into an array and a binary
search a window cost well under 1 µs a row, and 16 bytes a contact in memory (16 MB at the
1,000,000 records a business unit holds).

No contact id is held: a row's digest (`ChangedOnly.raw_digest`) covers all its cells, the
contact id among them, so a digest found among the scope's is the digest of that very
contact's verified row (128 bits: a false match is not a practical concern; a row not found is
only compared the slow way).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

from cxone_outbound.jobs.sync.verified import DIGEST_BYTES

_WORDS = np.dtype(">u8")  # a digest as two 64-bit words, the first ordering it


def _words(digests: bytes) -> npt.NDArray[np.uint64]:
    """Digests as rows of two words, in the machine's byte order (a search through an array
    of the other order converts the whole array each time)."""
    return np.frombuffer(digests, dtype=_WORDS).reshape(-1, 2).astype(np.uint64)


class DigestIndex:
    """The set of a scope's verified row digests."""

    def __init__(self, digests: bytes) -> None:
        """`digests`: DIGEST_BYTES each, one after another."""
        words = _words(digests)
        order = np.argsort(words[:, 0], kind="stable")
        self._high: npt.NDArray[np.uint64] = words[order, 0]
        self._low: npt.NDArray[np.uint64] = words[order, 1]

    @classmethod
    def of_sorted(cls, digests: bytes) -> DigestIndex:
        """From `sorted_digests()` of an index: no sort to do."""
        index = cls(b"")
        words = _words(digests)
        index._high, index._low = words[:, 0].copy(), words[:, 1].copy()
        return index

    def sorted_digests(self) -> bytes:
        """The digests, DIGEST_BYTES each, in the index's order (what `of_sorted` takes)."""
        return np.stack([self._high, self._low], axis=1).astype(_WORDS).tobytes()

    def changed(self, removed: Sequence[bytes], added: Sequence[bytes]) -> DigestIndex:
        """The index without the digests `removed` (those it holds) and with `added`."""
        keep = np.ones(len(self._high), dtype=bool)
        gone = [d for d in removed if len(d) == DIGEST_BYTES]
        if gone:  # every position of an equal first word is looked at: exact, ties or not
            words = _words(b"".join(gone))
            starts = np.searchsorted(self._high, words[:, 0], side="left").tolist()
            ends = np.searchsorted(self._high, words[:, 0], side="right").tolist()
            for (_, low), start, end in zip(words.tolist(), starts, ends, strict=True):
                for position in range(start, end):
                    if int(self._low[position]) == low:
                        keep[position] = False
        index = DigestIndex(b"".join(d for d in added if len(d) == DIGEST_BYTES))
        at = np.searchsorted(self._high[keep], index._high)  # merged in order: no sort
        index._high = np.insert(self._high[keep], at, index._high)
        index._low = np.insert(self._low[keep], at, index._low)
        return index

    @classmethod
    def read(cls, chunks: Iterable[Sequence[bytes]]) -> DigestIndex:
        """From chunks of digests (one query's rows a chunk at a time: no list of the whole
        scope's objects); a digest of another size (none is) is left out."""
        parts = [b"".join([raw for raw in chunk if len(raw) == DIGEST_BYTES])
                 for chunk in chunks]
        return cls(b"".join(parts))

    def __len__(self) -> int:
        return len(self._high)

    def holding(self, digests: Sequence[bytes]) -> list[bool]:
        """Whether each digest is one of the scope's (each DIGEST_BYTES long)."""
        if not digests or not len(self._high):
            return [False] * len(digests)
        words = _words(b"".join(digests))
        high, low = words[:, 0], words[:, 1]
        at = np.searchsorted(self._high, high)
        at[at >= len(self._high)] = 0
        found: list[bool] = ((self._high[at] == high) & (self._low[at] == low)).tolist()
        return found
