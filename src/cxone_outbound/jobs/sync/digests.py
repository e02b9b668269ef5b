"""The row digests of a last-sync snapshot's scope, held in memory as two sorted arrays, for a
nightly sync that looks up most of the list anyway (`Snapshot.raws`).

A window's look-up in SQLite costs ~3-5 µs a contact (a B-tree descent each, through pages
that also hold the verified writes); one read of the scope's (id, digest) pairs into arrays and
a binary search a window cost ~1 µs a contact, and 32 bytes a contact in memory (32 MB at the
1,000,000 records a business unit holds): what a row compares first (`ChangedOnly.raw_digest`)
never needs more.

A contact is found by two salted hashes of its id (the process's own `hash`, so the arrays
mean nothing outside it), never by the id itself: 128 bits, and an id whose first hash another
id shares is left out (found absent: its row is compared the slow way).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

DIGEST_BYTES = 16
_CHUNK = 65_536  # pairs read into arrays at a time: no list of the whole scope in memory


def _second(contact_id: str) -> int:
    return hash(contact_id + "\x1f")


class DigestIndex:
    """Contact id -> the digest of the row the server last verified for it."""

    def __init__(
        self,
        first: npt.NDArray[np.int64],
        second: npt.NDArray[np.int64],
        digests: npt.NDArray[np.bytes_],
    ) -> None:
        order = np.argsort(first, kind="stable")
        first, second, digests = first[order], second[order], digests[order]
        shared = np.zeros(len(first), dtype=bool)  # a first hash two ids share: left out
        if len(first) > 1:
            same = first[1:] == first[:-1]
            shared[1:] |= same
            shared[:-1] |= same
        keep = ~shared
        self._first, self._second, self._digests = first[keep], second[keep], digests[keep]

    @classmethod
    def read(cls, pairs: Iterable[tuple[str, bytes]]) -> DigestIndex:
        """From (contact id, digest) pairs, a chunk at a time; a digest of another size
        (none is) is left out."""
        firsts: list[npt.NDArray[np.int64]] = []
        seconds: list[npt.NDArray[np.int64]] = []
        digests: list[npt.NDArray[np.bytes_]] = []
        ids: list[str] = []
        raws: list[bytes] = []
        for contact_id, raw in pairs:
            if len(raw) != DIGEST_BYTES:
                continue
            ids.append(contact_id)
            raws.append(raw)
            if len(ids) >= _CHUNK:
                cls._add(ids, raws, firsts, seconds, digests)
                ids, raws = [], []
        cls._add(ids, raws, firsts, seconds, digests)
        return cls(np.concatenate(firsts), np.concatenate(seconds), np.concatenate(digests))

    @staticmethod
    def _add(
        ids: list[str],
        raws: list[bytes],
        firsts: list[npt.NDArray[np.int64]],
        seconds: list[npt.NDArray[np.int64]],
        digests: list[npt.NDArray[np.bytes_]],
    ) -> None:
        firsts.append(np.fromiter(map(hash, ids), dtype=np.int64, count=len(ids)))
        seconds.append(np.fromiter(map(_second, ids), dtype=np.int64, count=len(ids)))
        digests.append(np.array(raws, dtype=f"S{DIGEST_BYTES}"))

    def __len__(self) -> int:
        return len(self._first)

    def find(self, contact_ids: Sequence[str]) -> list[bytes | None]:
        """Each contact's digest, None where the index holds none."""
        if not contact_ids or not len(self._first):
            return [None] * len(contact_ids)
        first = np.fromiter(map(hash, contact_ids), dtype=np.int64, count=len(contact_ids))
        second = np.fromiter(map(_second, contact_ids), dtype=np.int64, count=len(contact_ids))
        at = np.searchsorted(self._first, first)
        at[at >= len(self._first)] = 0
        hit = (self._first[at] == first) & (self._second[at] == second)
        found: list[bytes] = self._digests[at].tolist()  # numpy drops a digest's trailing NULs
        return [(raw if len(raw) == DIGEST_BYTES else raw.ljust(DIGEST_BYTES, b"\0")) if ok
                else None for raw, ok in zip(found, hit.tolist(), strict=True)]
