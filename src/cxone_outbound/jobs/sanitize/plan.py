"""The sanitise plan: what would change in a list, decided before anything is sent (pure).

Every contact gets one action, with its contact id (never matched back by phone): keep it
(`unchanged`), PATCH its phone to E.164 (`normalise`) or delete it (`purge`, with a reason).
A plan is saved as JSON with a fingerprint of the list it was made from, so `--apply PLAN`
can refuse a list that changed since. Entries are kept in SQLite, not in Python objects, so a
plan of a whole business unit is made, written and read in constant memory.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from cxone_outbound.jobs.list_snapshot import fingerprint_pairs, open_db

__all__ = [
    "DUPLICATE",
    "PLAN_VERSION",
    "Action",
    "Plan",
    "PlanEntry",
    "PlanError",
    "PurgeGuardError",
    "check_purge_guard",
    "list_fingerprint",
]

PLAN_VERSION = 1
DUPLICATE = "duplicate"  # purge reason of a contact whose E.164 form another contact already has
SAMPLES_PER_GROUP = 5


class Action(StrEnum):
    UNCHANGED = "unchanged"
    NORMALISE = "normalise"
    PURGE = "purge"


class PlanError(ValueError):
    """A plan file that cannot be used (not JSON, wrong version, inconsistent)."""


class PurgeGuardError(Exception):
    """The plan would purge more of the list than allowed without --force."""


@dataclass(frozen=True, slots=True)
class PlanEntry:
    """One contact's decision, with the facts that explain it."""

    contact_id: str
    raw: str
    action: Action
    e164: str | None = None
    reason: str | None = None  # a phones.Reason value, or "duplicate"
    detail: str = ""
    region: str | None = None
    line_type: str | None = None
    duplicate_of: str | None = None  # the contact id that keeps the number


def list_fingerprint(contacts: Iterable[tuple[str, str | None]]) -> str:
    """A hash of a list's (contact id, phone) pairs, order-independent: what a plan depends on."""
    return fingerprint_pairs(sorted((cid, phone or "") for cid, phone in contacts))


_COLUMNS = ("contact_id", "raw", "action", "e164", "reason", "detail", "region", "line_type",
            "duplicate_of")
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM entries"  # noqa: S608 (constant names)
_ORDER = {Action.UNCHANGED: 0, Action.NORMALISE: 1, Action.PURGE: 2}


def _entry(row: Sequence[Any]) -> PlanEntry:
    cid, raw, action, e164, reason, detail, region, line_type, duplicate_of = row
    return PlanEntry(str(cid), str(raw), Action(action), e164, reason, detail or "", region,
                     line_type, duplicate_of)


class Plan:
    """The decisions for a whole list, and what they were made from.

    The entries live in SQLite (a file for a real list, memory for a small one), so a plan of a
    million contacts is made, saved, read back and applied in constant memory.
    """

    def __init__(
        self,
        list_id: str,
        list_fingerprint: str,
        directive: Mapping[str, Any],
        entries: Iterable[PlanEntry] = (),
        *,
        path: Path | None = None,
        version: int = PLAN_VERSION,
    ) -> None:
        self.list_id = list_id
        self.list_fingerprint = list_fingerprint
        self.directive = dict(directive)
        self.version = version
        self._db = open_db(path)
        self._db.execute(
            "CREATE TABLE entries (seq INTEGER PRIMARY KEY, contact_id TEXT NOT NULL,"
            " raw TEXT NOT NULL, action TEXT, e164 TEXT, reason TEXT, detail TEXT, region TEXT,"
            " line_type TEXT, duplicate_of TEXT, ok INTEGER, rank INTEGER)"
        )
        self._fingerprint: str | None = None
        self.add(entries)
        self.seal()

    # building (make_plan, reading a file)
    def add(self, entries: Iterable[PlanEntry]) -> None:
        rows = [
            (e.contact_id, e.raw, e.action.value, e.e164, e.reason, e.detail, e.region,
             e.line_type, e.duplicate_of, _ORDER[e.action])
            for e in entries
        ]
        self._db.execute("BEGIN")
        self._db.executemany(
            "INSERT INTO entries (contact_id, raw, action, e164, reason, detail, region,"
            " line_type, duplicate_of, rank) VALUES (?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
        self._db.execute("COMMIT")
        self._fingerprint = None

    def seal(self) -> None:
        """Index the entries once they are all in (before that, lookups would scan)."""
        self._db.execute("CREATE INDEX IF NOT EXISTS entries_contact ON entries (contact_id)")
        self._db.execute("CREATE INDEX IF NOT EXISTS entries_rank ON entries (rank, seq)")

    # reading
    def __iter__(self) -> Iterator[PlanEntry]:
        return self._rows(f"{_SELECT} ORDER BY seq")

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> Iterator[PlanEntry]:
        cursor = self._db.execute(sql, params)
        while page := cursor.fetchmany(5_000):
            yield from (_entry(row) for row in page)

    @property
    def entries(self) -> tuple[PlanEntry, ...]:
        """Every entry in list order (materialised: for small plans and tests)."""
        return tuple(self)

    @property
    def total(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM entries").fetchone()[0])

    def entry(self, contact_id: str) -> PlanEntry | None:
        """The decision for one contact (the last, should a list repeat an id)."""
        rows = list(self._rows(f"{_SELECT} WHERE contact_id = ? ORDER BY seq DESC LIMIT 1",
                               (contact_id,)))
        return rows[0] if rows else None

    def iter_of(self, action: Action) -> Iterator[PlanEntry]:
        return self._rows(f"{_SELECT} WHERE rank = ? ORDER BY seq", (_ORDER[action],))

    def of(self, action: Action) -> list[PlanEntry]:
        return list(self.iter_of(action))

    def count_of(self, action: Action) -> int:
        sql = "SELECT count(*) FROM entries WHERE rank = ?"
        return int(self._db.execute(sql, (_ORDER[action],)).fetchone()[0])

    def changes(self) -> Iterator[PlanEntry]:
        """The entries that change something: normalisations, then purges, each in list order."""
        return self._rows(f"{_SELECT} WHERE rank > 0 ORDER BY rank, seq")

    @property
    def to_purge(self) -> list[PlanEntry]:
        return self.of(Action.PURGE)

    @property
    def to_normalise(self) -> list[PlanEntry]:
        return self.of(Action.NORMALISE)

    def counts(self) -> dict[str, Any]:
        """unchanged / normalise / purge totals, purges by reason, duplicate groups."""
        by_reason = {
            str(reason or ""): int(n)
            for reason, n in self._db.execute(
                "SELECT reason, count(*) FROM entries WHERE rank = 2 GROUP BY reason"
            )
        }
        groups = self._db.execute(
            "SELECT count(DISTINCT duplicate_of) FROM entries WHERE duplicate_of IS NOT NULL"
        ).fetchone()[0]
        return {
            "total": self.total,
            "unchanged": self.count_of(Action.UNCHANGED),
            "normalise": self.count_of(Action.NORMALISE),
            "purge": self.count_of(Action.PURGE),
            "purge_by_reason": dict(sorted(by_reason.items())),
            "duplicates": by_reason.get(DUPLICATE, 0),
            "duplicate_groups": int(groups),
        }

    def purge_share(self) -> float:
        total = self.total
        return self.count_of(Action.PURGE) / total if total else 0.0

    def samples(self, per_group: int = SAMPLES_PER_GROUP) -> dict[str, list[dict[str, Any]]]:
        """A few entries of each kind (normalise, and purge by reason), in list order."""
        out: dict[str, list[dict[str, Any]]] = {}
        normalise = f"{_SELECT} WHERE rank = 1 ORDER BY seq LIMIT ?"
        for entry in self._rows(normalise, (per_group,)):
            out.setdefault("normalise", []).append(_entry_json(entry))
        reasons = [r for (r,) in self._db.execute(
            "SELECT reason FROM entries WHERE rank = 2 GROUP BY reason ORDER BY min(seq)")]
        for reason in reasons:
            sql = f"{_SELECT} WHERE rank = 2 AND reason IS ? ORDER BY seq LIMIT ?"
            out[f"purge:{reason}"] = [_entry_json(e) for e in self._rows(sql, (reason, per_group))]
        ordered = sorted(out.items(), key=lambda item: self._first_seq(item[1][0]["contact_id"]))
        return dict(ordered)

    def _first_seq(self, contact_id: str) -> int:
        row = self._db.execute(
            "SELECT min(seq) FROM entries WHERE contact_id = ?", (contact_id,)
        ).fetchone()
        return int(row[0] or 0)

    def fingerprint(self) -> str:
        """A hash of the decisions themselves: the identity of this plan (resume matches it)."""
        if self._fingerprint is None:
            digest = hashlib.sha256(
                self.list_id.encode() + b"\x1e" + self.list_fingerprint.encode()
            )
            for entry in self:
                digest.update(
                    f"{entry.contact_id}\x1f{entry.raw}\x1f{entry.action}\x1f{entry.e164}\x1e"
                    .encode()
                )
            self._fingerprint = digest.hexdigest()
        return self._fingerprint

    def _head(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "list_id": self.list_id,
            "list_fingerprint": self.list_fingerprint,
            "plan_fingerprint": self.fingerprint(),
            "directive": dict(self.directive),
            "counts": self.counts(),
            "samples": self.samples(),
        }

    def to_json(self) -> dict[str, Any]:
        return {**self._head(), "entries": [_entry_json(e) for e in self]}

    def write(self, handle: IO[str]) -> None:
        """The plan as JSON, streamed: the head, then one entry a line (what `read` streams)."""
        head = json.dumps(self._head(), ensure_ascii=False)
        handle.write(head[:-1] + ', "entries": [\n')
        first = True
        for entry in self:
            handle.write(("" if first else ",\n") + json.dumps(_entry_json(entry),
                                                                ensure_ascii=False))
            first = False
        handle.write("\n]}\n")

    def save(self, path: Path) -> None:
        with path.open("w", encoding="utf-8") as handle:
            self.write(handle)

    def dumps(self) -> str:
        buffer = io.StringIO()
        self.write(buffer)
        return buffer.getvalue()

    @classmethod
    def from_json(cls, data: object, *, path: Path | None = None) -> Plan:
        """A plan read back; PlanError if it is not one, or was edited inconsistently."""
        if not isinstance(data, Mapping):
            raise PlanError("a plan is a JSON object")
        entries = data.get("entries")
        if not isinstance(entries, list):
            entries = None
        plan = cls._from_head(data, (), path=path)
        try:
            plan.add(_entry_from_json(item) for item in (entries or ()))
        except (TypeError, ValueError) as exc:
            raise PlanError(f"not a sanitise plan: {exc}") from exc
        return plan._checked(data)

    @classmethod
    def _from_head(cls, data: Mapping[str, Any], entries: Iterable[PlanEntry], *,
                   path: Path | None) -> Plan:
        if data.get("version") != PLAN_VERSION:
            raise PlanError(f"unsupported plan version {data.get('version')!r}")
        try:
            return cls(
                list_id=str(data["list_id"]),
                list_fingerprint=str(data["list_fingerprint"]),
                directive=dict(data.get("directive") or {}),
                entries=entries,
                path=path,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise PlanError(f"not a sanitise plan: {exc}") from exc

    def _checked(self, data: Mapping[str, Any]) -> Plan:
        if "entries" not in data and not self.total:
            raise PlanError("not a sanitise plan: 'entries'")
        self.seal()
        if data.get("plan_fingerprint") != self.fingerprint():
            raise PlanError("the plan's entries do not match its fingerprint (edited?)")
        return self

    @classmethod
    def loads(cls, text: str) -> Plan:
        try:
            return cls.from_json(json.loads(text))
        except json.JSONDecodeError as exc:
            raise PlanError(f"a plan file is JSON: {exc}") from exc

    @classmethod
    def read(cls, source: Path, *, path: Path | None = None) -> Plan:
        """A plan file read back in constant memory when it is laid out as `write` writes it
        (any other layout of valid JSON is read whole); `path` is where its entries are kept."""
        with source.open(encoding="utf-8") as handle:
            first = handle.readline()
            if not first.endswith('"entries": [\n'):
                return cls.loads(first + handle.read())
            try:
                head = json.loads(first[: -len(', "entries": [\n')] + "}")
                plan = cls._from_head(head, (), path=path)
                batch: list[PlanEntry] = []
                for line in handle:
                    text = line.rstrip("\n").rstrip(",")
                    if text in ("]}", ""):
                        continue
                    batch.append(_entry_from_json(json.loads(text)))
                    if len(batch) >= 10_000:
                        plan.add(batch)
                        batch = []
                plan.add(batch)
            except json.JSONDecodeError as exc:
                raise PlanError(f"a plan file is JSON: {exc}") from exc
            except (TypeError, ValueError, KeyError) as exc:
                raise PlanError(f"not a sanitise plan: {exc}") from exc
        return plan._checked({**head, "entries": []})

    def close(self) -> None:
        self._db.close()


def _entry_json(entry: PlanEntry) -> dict[str, Any]:
    data = asdict(entry)
    data["action"] = entry.action.value
    return {k: v for k, v in data.items() if v not in (None, "")}


def _entry_from_json(item: Any) -> PlanEntry:
    if not isinstance(item, Mapping):
        raise TypeError("an entry is an object")
    action = Action(item["action"])
    entry = PlanEntry(
        contact_id=str(item["contact_id"]),
        raw=str(item.get("raw", "")),
        action=action,
        e164=item.get("e164"),
        reason=item.get("reason"),
        detail=str(item.get("detail", "")),
        region=item.get("region"),
        line_type=item.get("line_type"),
        duplicate_of=item.get("duplicate_of"),
    )
    if action is Action.NORMALISE and not entry.e164:
        raise ValueError(f"entry {entry.contact_id}: normalise without e164")
    if action is Action.PURGE and not entry.reason:
        raise ValueError(f"entry {entry.contact_id}: purge without a reason")
    return entry


def check_purge_guard(plan: Plan, max_purge_percent: float, *, force: bool) -> None:
    """Refuse a plan that purges more than `max_purge_percent` of the list, unless forced."""
    share = plan.purge_share() * 100
    if share > max_purge_percent and not force:
        purged = plan.count_of(Action.PURGE)
        raise PurgeGuardError(
            f"the plan purges {purged} of {plan.total} contacts ({share:.1f} %), "
            f"more than --max-purge {max_purge_percent:g} %; review the plan, then add --force "
            "or raise --max-purge"
        )
