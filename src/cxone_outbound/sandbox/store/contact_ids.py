"""Contact ids: UUID4s that are a keyed permutation of the contact's row number (issue 15).

A unique index on random UUID4 text is most of what an import costs the sandbox at scale: each
chunk's ids land on random pages of an index as large as the list, so every commit rewrites
most of it (bare SQLite, 1M rows: 10 µs a row without that index, 34 µs with it at the end).
Here the 122 free bits of a new contact's UUID4 are a 4-round Feistel permutation of its `seq`
under a per-database key: the ids look uniformly random and are never reused (seq never is:
AUTOINCREMENT), and an id is found by decoding it back to its seq, so no id index is needed.
The version nibble is 4 and the variant 10xx, as API.md's UUID4 ids; the ids are
pseudo-random, not secret (the round function is a statistical mixer, not a cipher).

A database made before this (its `contacts.id` UNIQUE, no key in `meta`) keeps random ids and
its index: `ContactIds(None)`.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable

KEY_NAME = "contact_id_key"
ROUNDS = 4
_HALF = 61  # 122 free bits of a UUID4 as two halves
_HALF_MASK = (1 << _HALF) - 1
_M64 = (1 << 64) - 1
_MAX_SEQ = (1 << 63) - 1  # SQLite's largest rowid


def _mix(x: int) -> int:
    """SplitMix64's finaliser: every input bit moves every output bit."""
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
    return x ^ (x >> 31)


class ContactIds:
    """Mints contact ids from seqs and reads a seq back from an id (a database's key)."""

    def __init__(self, key: bytes | None) -> None:
        self.sealed = key is not None
        raw = key or bytes(8 * ROUNDS)
        self._keys = [int.from_bytes(raw[8 * i:8 * i + 8], "little") for i in range(ROUNDS)]

    @classmethod
    def of(cls, conn: sqlite3.Connection) -> ContactIds:
        """The database's ids: sealed when its schema made the key (see `schema.connect`)."""
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (KEY_NAME,)).fetchone()
        return cls(bytes.fromhex(row[0]) if row is not None else None)

    @staticmethod
    def new_key() -> str:
        return os.urandom(8 * ROUNDS).hex()

    def mint(self, first_seq: int, count: int) -> list[str]:
        """The ids of the seqs `first_seq`, `first_seq + 1`, ... (`count` of them)."""
        k0, k1, k2, k3 = self._keys
        half, mask = _HALF, _HALF_MASK
        ids = []
        for seq in range(first_seq, first_seq + count):
            left, right = seq >> half, seq & mask
            left ^= _mix(right ^ k0) & mask
            right ^= _mix(left ^ k1) & mask
            left ^= _mix(right ^ k2) & mask
            right ^= _mix(left ^ k3) & mask
            value = (left << half) | right
            text = f"{value >> 74:012x}4{(value >> 62) & 0xFFF:03x}{8 | ((value >> 60) & 3):x}" \
                   f"{value & ((1 << 60) - 1):015x}"
            ids.append(f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}")
        return ids

    def new_keys(self, conn: sqlite3.Connection, count: int,
                 random_ids: Callable[[int], list[str]]) -> list[tuple[int | None, str]]:
        """(seq, id) for `count` new contacts, to insert in this order in the caller's tx.

        Sealed ids are made from the seqs AUTOINCREMENT would give next (past the largest
        ever used, so never reused); an older database's are `random_ids` (seq left to SQLite).
        """
        if not self.sealed:
            return [(None, contact_id) for contact_id in random_ids(count)]
        last = conn.execute(
            "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'contacts'), 0),"
            " COALESCE((SELECT MAX(seq) FROM contacts), 0))").fetchone()[0]
        first = int(last) + 1
        return list(zip(range(first, first + count), self.mint(first, count), strict=True))

    def seq_of(self, contact_id: str) -> int | None:
        """The seq `contact_id` was minted from; None when it cannot be one of ours."""
        if len(contact_id) != 36 or contact_id.count("-") != 4:
            return None
        digits = contact_id.replace("-", "")
        try:
            number = int(digits, 16)
        except ValueError:
            return None
        if len(digits) != 32 or digits[12] != "4" or digits[16] not in "89ab":
            return None
        value = ((number >> 80) << 74) | (((number >> 64) & 0xFFF) << 62) \
            | (((number >> 60) & 3) << 60) | (number & ((1 << 60) - 1))
        k0, k1, k2, k3 = self._keys
        half, mask = _HALF, _HALF_MASK
        left, right = value >> half, value & mask
        right ^= _mix(left ^ k3) & mask
        left ^= _mix(right ^ k2) & mask
        right ^= _mix(left ^ k1) & mask
        left ^= _mix(right ^ k0) & mask
        seq = (left << half) | right
        return seq if seq <= _MAX_SEQ else None

    def where(self, contact_id: str) -> tuple[str, tuple[object, ...]]:
        """A WHERE clause (and its parameters) selecting the contact with this id, by seq when
        sealed (the id is still compared: a spelling we did not mint matches nothing)."""
        if not self.sealed:
            return "id = ?", (contact_id,)
        seq = self.seq_of(contact_id)
        if seq is None:
            return "0", ()
        return "seq = ? AND id = ?", (seq, contact_id)
