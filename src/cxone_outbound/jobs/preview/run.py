"""Plan and apply a preview configuration against the API (the I/O around the pure parts).

`plan_preview` reads: the campaign and the body that would be PUT (as a diff), the active
preview campaigns across all pages against a limit, and the list's eligibility. `prepare_apply`
reads the campaign and validates what would be PUT; `commit_apply` PUTs it with `If-Match`
and, on 412, re-reads, re-applies only our fields (`changes.rebase`) and tries again, a
bounded number of times. Keeping the two steps apart is what lets a reviewer plan, then apply
against the version they saw, and what lets tests race two writers deterministically.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from cxone_outbound.client.capabilities import Capabilities
from cxone_outbound.client.errors import PreconditionFailed
from cxone_outbound.client.models import Campaign
from cxone_outbound.jobs.preview.changes import (
    FieldChange,
    FieldConflict,
    desired_body,
    diff,
    rebase,
)
from cxone_outbound.jobs.preview.config import (
    Intent,
    format_path,
    split_intent,
    unheld_labels,
)
from cxone_outbound.jobs.preview.eligibility import (
    Candidate,
    Eligibility,
    SuppressionEntry,
    SuppressionIndex,
    judge,
    normalise_regions,
)
from cxone_outbound.phones import PhoneNormalizer, as_written

DEFAULT_MAX_ATTEMPTS = 5
AuditSink = Callable[[dict[str, Any]], None]


class PreviewError(Exception):
    """A preview apply that must stop; `code` names why (for outcomes and exit codes)."""

    code = "PREVIEW_ERROR"


class PreviewConflict(PreviewError):
    """Another writer changed the fields we set; nothing of ours was written."""

    code = "CONFLICT"

    def __init__(self, campaign_id: str, version: str | None, conflicts: list[FieldConflict]):
        self.campaign_id = campaign_id
        self.version = version
        self.conflicts = conflicts
        lines = "\n".join(f"  {c.describe()}" for c in conflicts)
        super().__init__(
            f"campaign {campaign_id} was changed by another writer (now version {version}) "
            f"in fields this apply sets; nothing was written (use --force to overwrite):\n{lines}"
        )


class ConcurrencyLimitReached(PreviewError):
    code = "PREVIEW_LIMIT_REACHED"


class TooManyConflicts(PreviewError):
    code = "TOO_MANY_412"


@dataclass(frozen=True, slots=True)
class PreviewRequest:
    """What one plan or apply is asked to do."""

    campaign_id: str
    intent: Intent
    list_id: str | None = None
    regions: tuple[str, ...] = ()
    max_concurrent: int | None = None
    default_region: str = "US"


def campaign_document(campaign: Campaign) -> dict[str, Any]:
    """The campaign as the API sent it (wire names, unknown fields kept)."""
    return campaign.model_dump(mode="json", by_alias=True, exclude_none=True)


def campaign_etag(campaign: Campaign) -> str:
    return campaign.etag or f'"{campaign.version}"'


class PreviewApi(Protocol):
    """The slice of `OutboundApi` the preview job uses."""

    @property
    def capabilities(self) -> Capabilities: ...

    async def get_campaign(self, campaign_id: str) -> Campaign: ...

    async def update_campaign(
        self, campaign_id: str, body: Any, *, if_match: str
    ) -> Any: ...

    def iter_campaigns(self, *, type: str | None = None, status: str | None = None) -> Any: ...

    def iter_contacts(self, list_id: str, *, page_size: int = 1000) -> Any: ...

    def iter_suppressions(self, *, page_size: int = 1000) -> Any: ...


@dataclass(frozen=True, slots=True)
class ActivePreviews:
    """Active preview campaigns other than ours, against the limit."""

    others: tuple[str, ...]
    limit: int | None
    ours_active: bool

    @property
    def within_limit(self) -> bool:
        return self.limit is None or self.ours_active or len(self.others) < self.limit

    def to_json(self) -> dict[str, Any]:
        return {
            "active_others": len(self.others),
            "ids": list(self.others),
            "limit": self.limit,
            "ours_active": self.ours_active,
            "within_limit": self.within_limit,
        }


async def active_previews(
    client: PreviewApi, campaign_id: str, limit: int | None, *, ours_active: bool
) -> ActivePreviews:
    """Every active preview campaign, across all pages (the seed read only the first)."""
    others = [
        campaign.key
        async for campaign in client.iter_campaigns(type="preview", status="active")
        if campaign.key != campaign_id
    ]
    return ActivePreviews(tuple(others), limit, ours_active)


@dataclass
class ListAssessment:
    eligibility: Eligibility
    suppressions: SuppressionIndex

    def to_json(self) -> dict[str, Any]:
        return {
            **self.eligibility.to_json(),
            "suppressions": {
                "active": len(self.suppressions.numbers),
                "expired": self.suppressions.expired,
                "unreadable": len(self.suppressions.unreadable),
            },
        }


async def assess_list(
    client: PreviewApi,
    list_id: str,
    *,
    regions: tuple[str, ...] = (),
    now: datetime,
    default_region: str = "US",
) -> ListAssessment:
    """Eligibility over a whole list against every page of suppressions.

    The list streams through (counts only, no ids kept): memory holds the suppressions' numbers,
    never the list.
    """
    normalize = PhoneNormalizer(default_region)
    entries = [
        SuppressionEntry(s.phone_number, s.expires_at, s.id)
        async for s in client.iter_suppressions()
    ]
    index = SuppressionIndex.build(entries, now=now, normalize=normalize)
    wanted = normalise_regions(regions)
    outcome = Eligibility(keep_ids=False)
    digits = client.capabilities.phones_as_digits  # admin: phones come back as digits
    async for c in client.iter_contacts(list_id):
        phone = as_written(c.phone, normalize) if digits and c.phone else c.phone
        candidate = Candidate(c.id, phone, _region(c.attributes, c.model_extra))
        outcome.add(
            c.id, judge(candidate, regions=wanted, suppressions=index, normalize=normalize)
        )
    return ListAssessment(outcome, index)


def _region(attributes: dict[str, Any], extra: dict[str, Any] | None) -> str | None:
    for source in (attributes, extra or {}):
        for key in ("region", "Region", "REGION"):
            value = source.get(key)
            if isinstance(value, str) and value:
                return value
    return None


@dataclass
class PreparedApply:
    """A campaign as read, and the validated body our intent makes of it.

    `held` names the top-level fields the API dialect can hold (None: all); `unheld` the fields
    the request named that it cannot (they only identified the list and queue: left alone).
    """

    request: PreviewRequest
    base: dict[str, Any]
    etag: str
    body: dict[str, Any]
    active: ActivePreviews | None = None
    held: frozenset[str] | None = None
    unheld: tuple[str, ...] = ()

    @property
    def intent(self) -> Intent:
        """The request's intent within the fields the dialect holds (what a rebase re-applies)."""
        return split_intent(self.request.intent, self.held)[0]

    @property
    def changes(self) -> list[FieldChange]:
        return diff(self.base, self.body)

    @property
    def needs_put(self) -> bool:
        """False when the campaign already has this configuration and is active."""
        return bool(self.changes) or self.base.get("status") != "active"


async def prepare_apply(client: PreviewApi, request: PreviewRequest) -> PreparedApply:
    """Read the campaign and validate what would be PUT (PreviewConfigError if invalid)."""
    held = client.capabilities.campaign_fields
    intent, unheld = split_intent(request.intent, held)
    campaign = await client.get_campaign(request.campaign_id)
    base = campaign_document(campaign)
    body = desired_body(base, intent, held)
    active = None
    if request.max_concurrent is not None:
        active = await active_previews(
            client,
            request.campaign_id,
            request.max_concurrent,
            ours_active=base.get("status") == "active",
        )
    return PreparedApply(request, base, campaign_etag(campaign), body, active, held,
                         tuple(unheld_labels(unheld)))


@dataclass
class ApplyResult:
    campaign_id: str
    version: str | None
    status: str | None
    attempts: int
    changes: list[FieldChange]
    merged_theirs: list[FieldChange] = field(default_factory=list)
    overridden: list[FieldConflict] = field(default_factory=list)
    written: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "campaign_id": self.campaign_id,
            "version": self.version,
            "status": self.status,
            "written": self.written,
            "attempts": self.attempts,
            "changes": [format_path(c.path) for c in self.changes],
            "merged_from_other_writers": [format_path(c.path) for c in self.merged_theirs],
            "overridden_by_force": [format_path(c.path) for c in self.overridden],
        }


async def commit_apply(
    client: PreviewApi,
    prepared: PreparedApply,
    *,
    force: bool = False,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    audit: AuditSink | None = None,
) -> ApplyResult:
    """PUT with If-Match; on 412 rebase onto the fresh version and retry (bounded)."""
    note = audit or (lambda event: None)
    request = prepared.request
    if prepared.active is not None and not prepared.active.within_limit:
        raise ConcurrencyLimitReached(
            f"{len(prepared.active.others)} preview campaigns are active already "
            f"(limit {prepared.active.limit}): not activating {request.campaign_id}"
        )
    if not prepared.needs_put:
        note({"event": "preview.unchanged", "campaign_id": request.campaign_id})
        return ApplyResult(
            request.campaign_id, str(prepared.base.get("version")),
            str(prepared.base.get("status")), 0, [], written=False,
        )
    base, body, etag = prepared.base, prepared.body, prepared.etag
    merged: list[FieldChange] = []
    overridden: list[FieldConflict] = []
    for attempt in range(1, max_attempts + 1):
        try:
            update = await client.update_campaign(request.campaign_id, body, if_match=etag)
        except PreconditionFailed as exc:
            fresh_campaign = await client.get_campaign(request.campaign_id)
            fresh = campaign_document(fresh_campaign)
            result = rebase(base, fresh, prepared.intent, force=force, held=prepared.held)
            note(
                {
                    "event": "preview.precondition_failed",
                    "campaign_id": request.campaign_id,
                    "attempt": attempt,
                    "sent_if_match": etag,
                    "current_version": exc.current_version or fresh.get("version"),
                    "their_changes": [format_path(c.path) for c in result.theirs],
                    "conflicts": [c.describe() for c in result.conflicts],
                }
            )
            if result.body is None:
                raise PreviewConflict(
                    request.campaign_id, str(fresh.get("version")), result.conflicts
                ) from None
            merged.extend(result.theirs)
            overridden.extend(result.conflicts)
            base, body, etag = fresh, result.body, campaign_etag(fresh_campaign)
            continue
        note(
            {
                "event": "preview.applied",
                "campaign_id": request.campaign_id,
                "attempt": attempt,
                "version": getattr(update, "version", None),
            }
        )
        return ApplyResult(
            request.campaign_id,
            getattr(update, "version", None),
            getattr(update, "status", None),
            attempt,
            diff(base, body),
            merged,
            overridden,
        )
    raise TooManyConflicts(
        f"campaign {request.campaign_id} kept changing under us: gave up after "
        f"{max_attempts} attempts (each a 412)"
    )


@dataclass
class PreviewPlan:
    prepared: PreparedApply
    active: ActivePreviews
    assessment: ListAssessment | None

    def to_json(self) -> dict[str, Any]:
        from cxone_outbound.jobs.preview.changes import ABSENT

        def show(value: Any) -> Any:
            return None if value is ABSENT else value

        return {
            "campaign_id": self.prepared.request.campaign_id,
            "version": self.prepared.base.get("version"),
            "status": self.prepared.base.get("status"),
            "changes": [
                {"field": c.label, "before": show(c.before), "after": show(c.after)}
                for c in self.prepared.changes
            ],
            "body": self.prepared.body,
            "not_held": list(self.prepared.unheld),
            "active_previews": self.active.to_json(),
            "contacts": self.assessment.to_json() if self.assessment else None,
        }


async def plan_preview(
    client: PreviewApi, request: PreviewRequest, *, now: datetime | None = None
) -> PreviewPlan:
    """Everything an apply would do, read-only."""
    prepared = await prepare_apply(client, request)
    active = prepared.active or await active_previews(
        client,
        request.campaign_id,
        request.max_concurrent,
        ours_active=prepared.base.get("status") == "active",
    )
    assessment = None
    if request.list_id is not None:
        assessment = await assess_list(
            client,
            request.list_id,
            regions=request.regions,
            now=now or datetime.now(UTC),
            default_region=request.default_region,
        )
    return PreviewPlan(prepared, active, assessment)
