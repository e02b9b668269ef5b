"""The sanitise plan: what would change in a list, decided before anything is sent (pure).

Every contact gets one action, with its contact id (never matched back by phone): keep it
(`unchanged`), PATCH its phone to E.164 (`normalise`) or delete it (`purge`, with a reason).
A plan is saved as JSON with a fingerprint of the list it was made from, so `--apply PLAN`
can refuse a list that changed since.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from cxone_outbound.phones import PhoneResult

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
    "make_plan",
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
    digest = hashlib.sha256()
    for contact_id, phone in sorted((cid, phone or "") for cid, phone in contacts):
        digest.update(contact_id.encode())
        digest.update(b"\x1f")
        digest.update(phone.encode())
        digest.update(b"\x1e")
    return digest.hexdigest()


@dataclass(frozen=True)
class Plan:
    """The decisions for a whole list, and what they were made from."""

    list_id: str
    list_fingerprint: str
    directive: Mapping[str, Any]
    entries: tuple[PlanEntry, ...]
    version: int = PLAN_VERSION
    _by_action: dict[Action, list[PlanEntry]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        for entry in self.entries:
            self._by_action.setdefault(entry.action, []).append(entry)

    @property
    def total(self) -> int:
        return len(self.entries)

    def of(self, action: Action) -> list[PlanEntry]:
        return list(self._by_action.get(action, ()))

    @property
    def to_purge(self) -> list[PlanEntry]:
        return self.of(Action.PURGE)

    @property
    def to_normalise(self) -> list[PlanEntry]:
        return self.of(Action.NORMALISE)

    def counts(self) -> dict[str, Any]:
        """unchanged / normalise / purge totals, purges by reason, duplicate groups."""
        by_reason = Counter(e.reason or "" for e in self.to_purge)
        groups = {e.duplicate_of for e in self.entries if e.duplicate_of}
        return {
            "total": self.total,
            "unchanged": len(self.of(Action.UNCHANGED)),
            "normalise": len(self.to_normalise),
            "purge": len(self.to_purge),
            "purge_by_reason": dict(sorted(by_reason.items())),
            "duplicates": by_reason.get(DUPLICATE, 0),
            "duplicate_groups": len(groups),
        }

    def purge_share(self) -> float:
        return len(self.to_purge) / self.total if self.total else 0.0

    def samples(self, per_group: int = SAMPLES_PER_GROUP) -> dict[str, list[dict[str, Any]]]:
        """A few entries of each kind (normalise, and purge by reason), in list order."""
        out: dict[str, list[dict[str, Any]]] = {}
        for entry in self.entries:
            if entry.action is Action.UNCHANGED:
                continue
            key = "normalise" if entry.action is Action.NORMALISE else f"purge:{entry.reason}"
            group = out.setdefault(key, [])
            if len(group) < per_group:
                group.append(_entry_json(entry))
        return out

    def fingerprint(self) -> str:
        """A hash of the decisions themselves: the identity of this plan (resume matches it)."""
        digest = hashlib.sha256(self.list_id.encode() + b"\x1e" + self.list_fingerprint.encode())
        for entry in self.entries:
            digest.update(
                f"{entry.contact_id}\x1f{entry.raw}\x1f{entry.action}\x1f{entry.e164}\x1e".encode()
            )
        return digest.hexdigest()

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "list_id": self.list_id,
            "list_fingerprint": self.list_fingerprint,
            "plan_fingerprint": self.fingerprint(),
            "directive": dict(self.directive),
            "counts": self.counts(),
            "samples": self.samples(),
            "entries": [_entry_json(e) for e in self.entries],
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=1, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, data: object) -> Plan:
        """A plan read back; PlanError if it is not one, or was edited inconsistently."""
        if not isinstance(data, Mapping):
            raise PlanError("a plan is a JSON object")
        if data.get("version") != PLAN_VERSION:
            raise PlanError(f"unsupported plan version {data.get('version')!r}")
        try:
            entries = tuple(_entry_from_json(item) for item in data["entries"])
            plan = cls(
                list_id=str(data["list_id"]),
                list_fingerprint=str(data["list_fingerprint"]),
                directive=dict(data.get("directive") or {}),
                entries=entries,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise PlanError(f"not a sanitise plan: {exc}") from exc
        if data.get("plan_fingerprint") != plan.fingerprint():
            raise PlanError("the plan's entries do not match its fingerprint (edited?)")
        return plan

    @classmethod
    def loads(cls, text: str) -> Plan:
        try:
            return cls.from_json(json.loads(text))
        except json.JSONDecodeError as exc:
            raise PlanError(f"a plan file is JSON: {exc}") from exc


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


def make_plan(
    list_id: str,
    contacts: Sequence[tuple[str, str | None]],
    screen: Callable[[str], PhoneResult],
    directive: Mapping[str, Any],
    *,
    digits_only: bool = False,
) -> Plan:
    """Decide every contact of a list, given as (contact id, raw phone) in list order.

    `digits_only`: the API returns phones as their digits (admin), so a phone whose digits are
    its E.164 number's is as it should be — else a clean list would be re-uploaded every run.

    `screen` normalises and judges one raw phone (a memoised `PhoneNormalizer` + policy).
    When several contacts reach the same E.164 number, the one already written that way keeps
    it (else the first in list order) and the others are purged as duplicates: the API keeps
    phones unique within a list, so their PATCH could only fail.
    """
    results = [(cid, phone or "", screen(phone or "")) for cid, phone in contacts]
    keeper: dict[str, str] = {}
    for cid, raw, result in results:
        if result.ok and result.e164 is not None and written_as(raw, result.e164, digits_only):
            keeper.setdefault(result.e164, cid)
    for cid, _, result in results:
        if result.ok and result.e164 is not None:
            keeper.setdefault(result.e164, cid)
    entries = []
    for cid, raw, result in results:
        entries.append(_decide(cid, raw, result, keeper, digits_only))
    return Plan(list_id, list_fingerprint(contacts), directive, tuple(entries))


def written_as(raw: str, e164: str, digits_only: bool) -> bool:
    """Whether `raw` is already `e164` (as text, or by its digits where the API shows digits)."""
    if raw == e164:
        return True
    return digits_only and raw.isdigit() and raw == e164.lstrip("+")


def _decide(cid: str, raw: str, result: PhoneResult, keeper: Mapping[str, str],
            digits_only: bool = False) -> PlanEntry:
    facts: dict[str, Any] = {
        "e164": result.e164,
        "region": result.region,
        "line_type": result.line_type.value if result.e164 else None,
    }
    if not result.ok:
        return PlanEntry(
            cid, raw, Action.PURGE, reason=str(result.reason), detail=result.detail, **facts
        )
    assert result.e164 is not None
    owner = keeper[result.e164]
    if owner != cid:
        return PlanEntry(
            cid,
            raw,
            Action.PURGE,
            reason=DUPLICATE,
            detail=f"same number as contact {owner}",
            duplicate_of=owner,
            **facts,
        )
    action = Action.UNCHANGED if written_as(raw, result.e164, digits_only) else Action.NORMALISE
    return PlanEntry(cid, raw, action, **facts)


def check_purge_guard(plan: Plan, max_purge_percent: float, *, force: bool) -> None:
    """Refuse a plan that purges more than `max_purge_percent` of the list, unless forced."""
    share = plan.purge_share() * 100
    if share > max_purge_percent and not force:
        raise PurgeGuardError(
            f"the plan purges {len(plan.to_purge)} of {plan.total} contacts ({share:.1f} %), "
            f"more than --max-purge {max_purge_percent:g} %; review the plan, then add --force "
            "or raise --max-purge"
        )
