"""`--changed-only`: rows whose values already hold in the list are settled, never sent.

The baseline (`--against`) is what a row is compared with:

- `list` (the default, exact): at the start of each session the list is read once (v2: paged;
  admin: the download the update itself uses) into `CurrentValues` on disk;
- `last-sync`: the snapshot of what earlier runs of this tool verified the list holds
  (`snapshot.Snapshot`), no list read at all. No snapshot for this scope yet, or one whose
  list read is older than `relist_days`: the list is read instead, and the run says so.

Each row is compared after the job's own mapping, as the body it would send: when every value
it writes equals the baseline's (`values.writes_hold`) it ends `unchanged` without a request;
otherwise it is sent as in a full run, and the contact is dropped from the baseline so a later
row of the same contact is sent too. Every `--changed-only` run keeps the snapshot: rows found
unchanged on a list read and rows the server answered written go in; a contact is dropped from
it before its row is sent (`sending`, `answered`: called by the job's `send`). A run of the
list without `--changed-only` invalidates its snapshot at its start (`guard.SnapshotGuard`).

Early settling (`--against last-sync`, a job that gives a `fingerprint`): the snapshot also
keeps a digest of the row the server verified (its cells after the header mapping, with the
fingerprint of everything else `prepare` depends on). A row whose digest equals its contact's
would prepare into the very writes verified, so it is settled `unchanged` before `prepare`
(`settles_early`): no parsing, no building of the body, no comparison of values.

A change made to the list by someone else after the read (or, with `last-sync`, since the last
sync) is not seen by this run: a row that held is counted unchanged and the other writer's
value stays, until a sync against the list.
"""

from __future__ import annotations

import hashlib
import itertools
import operator
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any, Literal, NamedTuple

import orjson

from cxone_outbound.engine.job import PassThroughSource, RunContext, Source
from cxone_outbound.engine.records import Item, Outcome, Record, State
from cxone_outbound.jobs.sync.guard import snapshot_file
from cxone_outbound.jobs.sync.index import Compared, CurrentValues
from cxone_outbound.jobs.sync.snapshot import Snapshot, scope_of
from cxone_outbound.jobs.sync.values import writes_hold
from cxone_outbound.jobs.sync.verified import DIGEST_BYTES, VerifiedRows
from cxone_outbound.private_files import private_dir

SCRATCH_DIR = "scratch"
INDEX_FILE = "current-values.sqlite3"
LOOK_AHEAD = 1000  # rows whose contacts are fetched together
DAY = 86_400.0
Against = Literal["list", "last-sync"]
AGAINST: tuple[Against, ...] = ("list", "last-sync")
_MISSING: Any = object()
_error_of = operator.attrgetter("error")
SETTLED_EARLY: Mapping[str, Any] = MappingProxyType({})
"""The writes of a row settled before `prepare` (`ChangedOnly.settles_early`): not built."""


class ReadWindow(NamedTuple):
    """A window of rows as `LookAhead` read it: the records, and `key_of` of each ("" for
    none), in order."""

    records: Sequence[Record]
    keys: list[str]
    key_of: Callable[[Record], str]


class ChangedOnly:
    """The comparison of one run's rows with one list's values (as read, or as last synced)."""

    def __init__(
        self,
        list_id: str,
        compared: Compared,
        *,
        job: str = "update",
        scope: Any = None,
        against: Against = "list",
        relist_days: float | None = None,
        now: Callable[[], float] = time.time,
        fingerprint: Any = None,
    ) -> None:
        self.list_id = list_id
        self.compared = compared
        # what the snapshot's scope is told apart by: the job and what its rows write
        self.scope = scope_of(job, scope if scope is not None else [
            sorted(compared.fields), sorted(compared.attributes)])
        self.against: Against = against
        self.relist_days = relist_days
        self.now = now
        # everything but a row's cells that its writes depend on; None: no early settling
        self._fingerprint = None if fingerprint is None else orjson.dumps(fingerprint)
        self._hasher = hashlib.blake2b(self._fingerprint or b"", digest_size=DIGEST_BYTES)
        self._verified = VerifiedRows({})  # the window's verified rows, by digest
        self._read: ReadWindow | None = None  # `look_ahead`'s window
        self._unverified: set[str] = set()  # the window's rows found not verified, by key
        self.settled_early = 0
        self.index: CurrentValues | Snapshot | None = None
        self.snapshot: Snapshot | None = None
        self.baseline: Against | None = None  # what this session compared with
        self._read_at = 0.0  # when this session's list read began
        self.phones_as_digits = False
        self.contacts_read = 0
        self.rows_compared = 0
        self.unchanged = 0
        self._ahead: dict[str, Mapping[str, Any] | bytes | None] = {}  # `look_ahead`'s window
        self._unfetched: list[str] = []  # the window's contacts whose writes are still to fetch
        self._seen_equal: dict[str, Mapping[str, Any]] = {}  # unchanged on a read, to record
        self._seen_raw: dict[str, bytes] = {}  # their rows' digests
        # contacts of rows decided to send and not answered yet (as many as are queued or in
        # flight: bounded by the engine's batches), and those that had two at once
        self._pending: dict[str, int] = {}
        self._overlapped: set[str] = set()

    async def start(self, ctx: RunContext) -> None:
        """Open the snapshot and pick the baseline; read the list into the index unless the
        snapshot serves (a dry run reads and keeps nothing: its rows are planned as if
        changed)."""
        self.close()
        if ctx.client is None:
            return
        self.phones_as_digits = bool(ctx.client.capabilities.phones_as_digits)
        snapshot = Snapshot(snapshot_file(ctx, self.list_id), self.scope)
        self.snapshot = snapshot
        if self.against == "last-sync":
            why = self._unusable(snapshot)
            if why is None:
                self.index, self.baseline = snapshot, "last-sync"
                ctx.log(f"comparing with the last sync of list {self.list_id} (no list read;"
                        " changes made in CXone since then are not seen)")
                ctx.audit({"event": "baseline", "against": "last-sync", "list": self.list_id})
                return
            ctx.log(f"--against last-sync: {why}; reading the list instead")
        snapshot.begin()
        if not ctx.resumed:  # a new read: what the list no longer holds must not stay
            snapshot.clear()
        read_at = self.now()
        folder = private_dir(ctx.run_dir / SCRATCH_DIR)
        index = CurrentValues(folder / INDEX_FILE)
        ctx.log(f"reading the current values of list {self.list_id} (--changed-only)")
        complete = await index.fill(ctx.client.iter_contact_pages(self.list_id), self.compared,
                                    stopping=lambda: ctx.stopping)
        self.contacts_read = index.count
        ctx.audit({"event": "current_values_read", "list": self.list_id,
                   "contacts": index.count, "complete": complete})
        if complete:
            self.index, self.baseline = index, "list"
            self._read_at = read_at
        else:  # stopped while reading: nothing will be sent anyway
            index.close()

    def _unusable(self, snapshot: Snapshot) -> str | None:
        """Why the snapshot cannot serve as the baseline, or None when it can."""
        state = snapshot.state()
        if not state.complete:
            return "no complete snapshot of this list for these fields yet"
        if self.relist_days is not None and (
            state.listed_at is None or self.now() - state.listed_at > self.relist_days * DAY
        ):
            return f"the list was last read over {self.relist_days:g} days ago"
        return None

    def raw_digest(self, record: Record) -> bytes | None:
        """What a row's writes follow from: its cells and the job's fingerprint (None when the
        job gives none)."""
        if self._fingerprint is None:
            return None
        return self._digests([record])[0] or None

    def _digests(self, records: Iterable[Record]) -> list[bytes]:
        """`raw_digest` of each record (b"" for None), in one loop: no call a row."""
        copy, dumps, found = self._hasher.copy, orjson.dumps, []
        for record in records:
            fields = record.fields
            try:
                cells = dumps(fields if type(fields) is dict else dict(fields))
            except orjson.JSONEncodeError:  # not text a source renders: compared the slow way
                found.append(b"")
                continue
            hasher = copy()  # the fingerprint's part hashed once: a third cheaper
            hasher.update(cells)
            found.append(hasher.digest())
        return found

    def settles_early(self, record: Record, contact_id: str) -> bool:
        """Whether a row can end `unchanged` before `prepare`: against the last sync, its digest
        is that of the row the server verified for its contact (so it would prepare into the
        same writes), and no earlier row of the contact is on its way."""
        if self.baseline != "last-sync" or contact_id in self._pending:
            return False
        if record.key in self._unverified:  # `settle_window` found its digest not the one
            return False  # (a window's verified rows are only ever dropped, never added)
        digest = self.raw_digest(record)
        return digest is not None and self._verified.holds(contact_id, digest)

    def settle_window(
        self, records: Sequence[Record], contact_id_of: Callable[[Record], str]
    ) -> list[tuple[int, str]]:
        """The rows of a window read that `settles_early` would settle, decided together
        (index in `records`, contact id), counted as settled: the engine ends them `unchanged`
        in bulk, without a `prepare`, an item or an outcome each. A row after another of its
        contact in the window that is not settled here goes the row-by-row way, which sees
        whether that earlier row is on its way."""
        if self.baseline != "last-sync" or self._fingerprint is None:
            return []
        pending, read = self._pending, self._read
        if (read is not None and read.key_of is contact_id_of and records
                and len(read.records) == len(records) and read.records[0] is records[0]
                and read.records[-1] is records[-1]
                and not any(map(_error_of, records))):  # the window `look_ahead` was told of
            ids = read.keys
        else:
            ids = [contact_id_of(r) if r.error is None else "" for r in records]
        at = [index for index, contact_id in enumerate(ids) if contact_id]  # rows of a contact
        if len(at) < len(ids):
            ids = [ids[index] for index in at]
            records = [records[index] for index in at]
        verified = self._verified.holding(list(zip(ids, self._digests(records), strict=True)))
        held: set[str] = set()  # contacts of this window's rows left to the row-by-row way
        settled: list[tuple[int, str]] = []
        unverified = self._unverified = set()
        for index, record, contact_id, holds in zip(at, records, ids, verified, strict=True):
            if holds and contact_id not in held and contact_id not in pending:
                settled.append((index, contact_id))
            else:
                held.add(contact_id)
                if not holds:
                    unverified.add(record.key)
        self._unfetched = list(held)  # the rows left need their contacts' writes, no others
        self.rows_compared += len(settled)
        self.unchanged += len(settled)
        self.settled_early += len(settled)
        return settled

    def settle_early(self, key: str, contact_id: str) -> Outcome:
        """The outcome of a row `settles_early` let through (counted as compared, unchanged)."""
        self.rows_compared += 1
        self.unchanged += 1
        self.settled_early += 1
        return Outcome.unchanged(key, remote_id=contact_id)

    def settle(
        self, key: str, contact_id: str, writes: Mapping[str, Any], record: Record | None = None
    ) -> Outcome | None:
        """`unchanged` when every value `writes` sets already holds, else None (send it);
        `record`: the row, whose digest the snapshot keeps when a list read verifies it."""
        if self.index is None:
            return None
        self.rows_compared += 1
        if contact_id not in self._pending:  # else an earlier row of it is on its way: send
            current = self._ahead.get(contact_id, _MISSING)
            if current is _MISSING and self._unfetched:
                self._fetch_unfetched()
                current = self._ahead.get(contact_id, _MISSING)
            if current is _MISSING:
                current = self.index.get(contact_id)
            if current is not None and self._holds(writes, current):
                self.unchanged += 1
                if self.baseline == "list":  # verified by the read: the snapshot keeps it
                    self._seen_equal[contact_id] = writes
                    raw = None if record is None else self.raw_digest(record)
                    if raw is not None:
                        self._seen_raw[contact_id] = raw
                    if len(self._seen_equal) >= LOOK_AHEAD:  # a source without `LookAhead`
                        self._commit_window()
                return Outcome.unchanged(key, remote_id=contact_id)
            if isinstance(self.index, CurrentValues) and current is not None:
                self.index.forget(contact_id)
            # the snapshot drops it when its batch is sent (`sending`); until it is answered,
            # `_pending` has a later row of it sent whatever the snapshot still says
        self._seen_equal.pop(contact_id, None)
        self._seen_raw.pop(contact_id, None)
        self._ahead[contact_id] = None
        self._verified.drop(contact_id)
        count = self._pending[contact_id] = self._pending.get(contact_id, 0) + 1
        if count > 1:
            self._overlapped.add(contact_id)
        return None

    def _holds(self, writes: Mapping[str, Any], current: Mapping[str, Any] | bytes) -> bool:
        if isinstance(current, bytes):  # the snapshot's: the same writes as last time, as bytes
            if current == orjson.dumps(writes):
                return True
            held: Mapping[str, Any] = orjson.loads(current)
        else:
            held = current
        return writes_hold(writes, held, phones_as_digits=self.phones_as_digits)

    def look_ahead(self, contact_ids: Sequence[str], read: ReadWindow | None = None) -> None:
        """Fetch the current values of the next rows' contacts in one go (one query, not one a
        row); `settle` looks there first. The rows the previous window found unchanged on a
        list read are put in the snapshot first. Until the list is read, nothing to fetch.
        `read`: the window's records and the contact id of each, which `settle_window` takes
        instead of asking each row again when handed that window."""
        self._read = read
        self._commit_window()
        self._unfetched = []
        if isinstance(self.index, Snapshot) and self._fingerprint is not None:
            # most rows settle on their digest: the writes are fetched for the others only,
            # when the first of them is compared
            self._verified = self.index.verified_rows(contact_ids)
            self._ahead, self._unfetched = {}, list(contact_ids)
        elif isinstance(self.index, Snapshot):
            found, raws = self.index.lookup(contact_ids)
            self._verified = VerifiedRows(raws)
            self._ahead = {cid: found.get(cid) for cid in contact_ids}
        elif self.index is not None:
            found_now = self.index.get_many(contact_ids)
            self._ahead = {cid: found_now.get(cid) for cid in contact_ids}

    def _fetch_unfetched(self) -> None:
        """The writes of the window's contacts `look_ahead` left unfetched, in one go (a value
        `settle` has set since stays)."""
        assert self.index is not None
        ids, self._unfetched = self._unfetched, []
        found = self.index.get_many(ids)
        for cid in ids:
            self._ahead.setdefault(cid, found.get(cid))

    def _commit_window(self) -> None:
        if self.snapshot is None:
            return
        equal, self._seen_equal = self._seen_equal, {}
        raws, self._seen_raw = self._seen_raw, {}
        self.snapshot.record(equal.items(), raws)

    def sending(self, contact_ids: Iterable[str]) -> None:
        """Contacts whose rows are about to be sent: out of the snapshot (committed) first."""
        if self.snapshot is not None:
            self.snapshot.forget(contact_ids)

    def answered(
        self,
        items: Sequence[Item],
        outcomes: Sequence[Outcome],
        writes_of: Callable[[Item], tuple[str, Mapping[str, Any]]],
    ) -> None:
        """A sent batch's answer (no outcomes: its send raised): the rows the server answered
        written (`succeeded`) go into the snapshot with the values they wrote (`writes_of`:
        contact id, writes), unless another row of the contact was on its way meanwhile (which
        landed last is not known: it stays out, and is sent next time)."""
        done = {o.key for o in outcomes if o.state is State.SUCCEEDED}
        verified = []
        raws: dict[str, bytes] = {}
        for item in items:
            contact_id, writes = writes_of(item)
            left = self._pending.pop(contact_id, 1) - 1
            if left > 0:
                self._pending[contact_id] = left
                continue
            overlapped = contact_id in self._overlapped
            self._overlapped.discard(contact_id)
            if item.key in done and not overlapped:
                verified.append((contact_id, writes))
                raw = self.raw_digest(item.record)
                if raw is not None:
                    raws[contact_id] = raw
        if self.snapshot is not None:
            self.snapshot.record(verified, raws)

    def finished(self) -> None:
        """Every row was compared: a snapshot this run built from a list read is complete."""
        self._commit_window()
        if self.snapshot is not None and self.baseline == "list":
            self.snapshot.listed(self._read_at)
        self.close()

    def close(self) -> None:
        """Drop the index (its file too) and the snapshot's connection: called when the run is
        done with them (what was recorded stays)."""
        self._commit_window()
        if isinstance(self.index, CurrentValues):
            self.index.close()
        self.index = None
        if self.snapshot is not None:
            self.snapshot.close()
            self.snapshot = None

    def report(self) -> dict[str, Any]:
        """This session's comparison, for the summary (`sync`)."""
        early = {} if self._fingerprint is None else {"settledEarly": self.settled_early}
        return {"list": self.list_id, "against": self.baseline or self.against,
                "contactsRead": self.contacts_read, "rowsCompared": self.rows_compared,
                "unchanged": self.unchanged, **early,
                "sent": self.rows_compared - self.unchanged}


class LookAhead(PassThroughSource):
    """A source as it is, whose next rows' contacts are fetched a window at a time by the
    `ChangedOnly` it serves (`key_of`: a record's contact id, "" when it has none)."""

    def __init__(self, source: Source, sync: ChangedOnly, key_of: Callable[[Record], str]) -> None:
        super().__init__(source)
        self.sync = sync
        self.key_of = key_of

    def __iter__(self) -> Iterator[Record]:
        records = iter(self.source)
        while window := list(itertools.islice(records, LOOK_AHEAD)):
            keys = list(map(self.key_of, window))
            self.sync.look_ahead([k for k in keys if k], ReadWindow(window, keys, self.key_of))
            yield from window
