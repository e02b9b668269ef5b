"""The sanitise job: read a whole list, plan, then apply the plan on the run engine.

Reading and planning happen before the run (`prepare`: `read_list`, `plan_list`); applying is an
engine run over the plan's actions (`PlanSource`, `SanitizeJob`): batch updates of normalised
phones (v2: PATCH <= 100 a request; admin: a re-upload of up to 1000 records), then the purged
contacts removed (v2: one DELETE each; admin: `removeProspects` with up to
`capabilities.max_delete_batch` records, results per record). Safety, because a purge deletes
customer data:

- only contacts the plan names are ever deleted, and only while their phone is still the one
  the plan judged;
- after the first 5xx or dropped connection of the run, no further removal is started: the
  rest fail as retryable `HALTED_AFTER_SERVER_ERROR`, and a resume (`--resume RUN_ID`) sends
  them;
- every contact is written to `restore.csv` (the import format) before its removal is sent,
  every cell guarded against formulas like the result files' (`'` in front), a guard `cxo
  import` removes: the file opens safely in a spreadsheet and restores every value exactly.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from cxone_outbound.client import errors
from cxone_outbound.client.capabilities import Capabilities
from cxone_outbound.client.models import Contact
from cxone_outbound.engine.job import BaseJob, RunContext
from cxone_outbound.engine.records import Batch, Item, Outcome, Record, RecordError
from cxone_outbound.jobs.list_snapshot import ListSnapshot, as_snapshot
from cxone_outbound.jobs.sanitize.callback import Callback, post_callback
from cxone_outbound.jobs.sanitize.plan import Action, Plan, PlanEntry
from cxone_outbound.jobs.sanitize.restore import RestoreWriter, restore_command, restore_header
from cxone_outbound.jobs.update import unverified

MAX_PATCH = 100
MAX_BATCH = 1000  # actions per engine batch where the dialect takes bigger updates (admin)
HALTED = "HALTED_AFTER_SERVER_ERROR"
CHANGED = "CHANGED_SINCE_PLAN"

_SOURCE_HEADER = ["contact_id", "action", "phone", "e164", "reason"]


class PlanSource:
    """The plan's actions as engine records: normalisations first, then purges.

    Keyed by contact id. A contact that is gone, or whose phone is no longer the one the plan
    judged, becomes a record with a `CHANGED_SINCE_PLAN` error: it is never sent.
    """

    header = _SOURCE_HEADER

    def __init__(self, plan: Plan, contacts: Sequence[Contact] | ListSnapshot) -> None:
        self.plan = plan
        self.contacts = as_snapshot(contacts)
        self._count = plan.total - plan.count_of(Action.UNCHANGED)
        self._done = 0

    @property
    def description(self) -> str:
        return f"list {self.plan.list_id} (plan {self.plan.fingerprint()[:12]})"

    def fingerprint(self) -> str:
        return self.plan.fingerprint()

    def progress(self) -> float | None:
        return self._done / self._count if self._count else 1.0

    def __iter__(self) -> Iterator[Record]:
        for index, entry in enumerate(self.plan.changes(), start=1):
            self._done = index
            fields = {
                "contact_id": entry.contact_id,
                "action": entry.action.value,
                "phone": entry.raw,
                "e164": entry.e164 or "",
                "reason": entry.reason or "",
            }
            raw = [fields[name] for name in _SOURCE_HEADER]
            current = self.contacts.phone_of(entry.contact_id)
            error = None
            if current is None:
                error = RecordError(CHANGED, "the contact is no longer in the list")
            elif current not in (entry.raw, entry.e164 or entry.raw):
                error = RecordError(CHANGED, "the contact's phone changed since the plan")
            yield Record(entry.contact_id, index, fields, raw, error)


class SanitizeJob(BaseJob):
    """Applies a plan: PATCH normalised phones in batches, then DELETE purged contacts."""

    name = "sanitize"
    batch_size = MAX_PATCH

    def __init__(
        self,
        plan: Plan,
        contacts: Sequence[Contact] | ListSnapshot,
        *,
        concurrency: int = 8,
        callback: Callback | None = None,
        capabilities: Capabilities | None = None,
    ) -> None:
        self.plan = plan
        # one `update_contacts` call per batch: as big as the dialect takes (an admin upload
        # job per 100 records would be 10x the jobs), bounded so a resent batch stays small
        if capabilities is not None:
            self.batch_size = max(1, min(MAX_BATCH, capabilities.max_update_batch))
        self.contacts = as_snapshot(contacts)
        self.concurrency = max(1, concurrency)
        self.callback = callback
        self._counts = plan.counts()
        self._restore: RestoreWriter | None = None
        self._errors_seen: int | None = None
        self.halted = False
        self.sent = {"patch": 0, "delete": 0}
        self.done = {"normalised": 0, "purged": 0, "failed": 0, "halted": 0, "skipped": 0}

    def options(self) -> Mapping[str, Any]:
        return {
            "list_id": self.plan.list_id,
            "plan": self.plan.fingerprint(),
            "counts": self._counts,
            "directive": dict(self.plan.directive),
        }

    def prepare(self, record: Record) -> Item | RecordError:
        entry = self.plan.entry(record.key)
        if entry is None or entry.action is Action.UNCHANGED:
            return RecordError("NOT_IN_PLAN", "the plan names no change for this contact")
        return Item(record, entry)

    # the run

    def _save_plan(self, ctx: RunContext) -> None:
        path = ctx.output_path("plan.json")
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            self.plan.save(path)

    def _server_trouble(self, ctx: RunContext) -> bool:
        """True once any request of this run met a 5xx or a dropped connection."""
        if self._errors_seen is None:
            self._errors_seen = ctx.metrics.errors
        if ctx.metrics.errors > self._errors_seen and not self.halted:
            self.halted = True
            ctx.log("a server error occurred: no further DELETE in this run (resume to finish)")
            ctx.audit({"event": "purge_halted", "reason": "server error"})
        return self.halted

    async def send(self, batch: Batch, ctx: RunContext) -> Sequence[Outcome]:
        self._save_plan(ctx)
        self._server_trouble(ctx)  # pin the baseline before this batch's requests
        patches = [i for i in batch.items if i.payload.action is Action.NORMALISE]
        deletes = [i for i in batch.items if i.payload.action is Action.PURGE]
        outcomes: list[Outcome] = []
        if patches:
            outcomes.extend(await self._patch(patches, ctx))
        group = max(1, ctx.client.capabilities.max_delete_batch)
        if group == 1:
            for item in deletes:
                outcomes.append(await self._delete(item, ctx))
        else:
            for start in range(0, len(deletes), group):
                outcomes.extend(await self._delete_many(deletes[start:start + group], ctx))
        return outcomes

    async def _patch(self, items: Sequence[Item], ctx: RunContext) -> list[Outcome]:
        body = [{"id": i.payload.contact_id, "phone": i.payload.e164} for i in items]
        self.sent["patch"] += len(items)
        try:
            result = await ctx.client.update_contacts(self.plan.list_id, body)
        except errors.CXoneError:
            self.done["failed"] += len(items)
            raise  # the engine fails the batch (retryable for 5xx, 429, transport)
        if not result.accounts_for([i.payload.contact_id for i in items]):
            self.done["failed"] += len(items)
            return [unverified(i.key, result, len(items)) for i in items]
        failed = {f.id: f.error for f in result.failed if f.id}
        outcomes = []
        for item in items:
            if item.payload.contact_id in failed:
                self.done["failed"] += 1
                outcomes.append(Outcome.failed(
                    item.key, "PATCH_REFUSED", _text(failed[item.payload.contact_id])
                ))
            else:
                self.done["normalised"] += 1
                outcomes.append(Outcome.succeeded(item.key))
        return outcomes

    async def _delete(self, item: Item, ctx: RunContext) -> Outcome:
        entry: PlanEntry = item.payload
        if self._server_trouble(ctx) or ctx.stopping:
            return self._halted(item)
        self._restore_writer(ctx).write(self._contact(entry))
        self.sent["delete"] += 1
        try:
            await ctx.client.delete_contact(entry.contact_id, list_id=self.plan.list_id)
        except errors.NotFound:
            self.done["skipped"] += 1
            return Outcome.skipped(item.key, "already deleted")
        except (errors.ServerError, errors.TransportError) as exc:
            self._server_trouble(ctx)
            self.done["failed"] += 1
            return Outcome.failed(
                item.key, exc.code or type(exc).__name__, exc.message, retryable=True
            )
        except errors.RateLimited as exc:
            self.done["failed"] += 1
            return Outcome.failed(item.key, "RATE_LIMITED", exc.message, retryable=True)
        self.done["purged"] += 1
        return Outcome.succeeded(item.key, reason=entry.reason)

    def _contact(self, entry: PlanEntry) -> Contact:
        contact = self.contacts.get(entry.contact_id)
        if contact is None:  # PlanSource fails such a record before it is sent
            raise LookupError(f"contact {entry.contact_id} is not in the list as read")
        return contact

    def _restore_writer(self, ctx: RunContext) -> RestoreWriter:
        """restore.csv, opened on the first removal; its columns cover every planned purge."""
        if self._restore is None:
            ids = (e.contact_id for e in self.plan.iter_of(Action.PURGE))
            header = restore_header(self.contacts.attribute_names(ids))
            self._restore = RestoreWriter(ctx.output_path("restore.csv"), header)
        return self._restore

    def _halted(self, item: Item) -> Outcome:
        self.done["halted"] += 1
        return Outcome.failed(
            item.key,
            HALTED,
            "not deleted: a server error occurred earlier in this run; resume to finish",
            retryable=True,
        )

    async def _delete_many(self, items: Sequence[Item], ctx: RunContext) -> list[Outcome]:
        """`_delete` for a dialect that removes many records per call; results stay per record.

        The same safety: no call starts after a server error, and every record of a call is in
        restore.csv before the call is sent. A failed call fails each of its records.
        """
        if self._server_trouble(ctx) or ctx.stopping:
            return [self._halted(item) for item in items]
        entries: list[PlanEntry] = [item.payload for item in items]
        restore = self._restore_writer(ctx)
        for entry in entries:
            restore.write(self._contact(entry))
        self.sent["delete"] += len(items)
        try:
            results = await ctx.client.delete_contacts(
                self.plan.list_id, [e.contact_id for e in entries]
            )
        except (errors.ServerError, errors.TransportError, errors.RateLimited) as exc:
            if not isinstance(exc, errors.RateLimited):
                self._server_trouble(ctx)
            code = "RATE_LIMITED" if isinstance(exc, errors.RateLimited) else (
                exc.code or type(exc).__name__)
            self.done["failed"] += len(items)
            return [Outcome.failed(i.key, code, exc.message, retryable=True) for i in items]
        outcomes = []
        for item, entry in zip(items, entries, strict=True):
            error = results.get(entry.contact_id)
            if error is None:
                self.done["purged"] += 1
                outcomes.append(Outcome.succeeded(item.key, reason=entry.reason))
            elif isinstance(error, errors.NotFound):
                self.done["skipped"] += 1
                outcomes.append(Outcome.skipped(item.key, "already deleted"))
            else:
                self.done["failed"] += 1
                outcomes.append(Outcome.failed(item.key, error.code or "REMOVE_REFUSED",
                                               error.message))
        return outcomes

    def summary(self, ctx: RunContext | None = None) -> dict[str, Any]:
        """What this process did; success rate only over what was sent (None if nothing was)."""
        sent = self.sent["patch"] + self.sent["delete"]
        succeeded = self.done["normalised"] + self.done["purged"]
        return {
            "job": self.name,
            "run_id": ctx.run_id if ctx else None,
            "list_id": self.plan.list_id,
            "plan": self.plan.fingerprint(),
            "planned": self._counts,
            "sent": dict(self.sent),
            "done": dict(self.done),
            "success_rate": round(succeeded / sent, 4) if sent else None,
            "purge_halted": self.halted,
        }

    def summary_extra(self, ctx: RunContext) -> Mapping[str, Any]:
        """The `sanitize` section of summary.json (and `--json`): plan counts, what was done."""
        section: dict[str, Any] = {
            "applied": not ctx.dry_run,
            "list_id": self.plan.list_id,
            "plan": self._counts,
            "plan_fingerprint": self.plan.fingerprint(),
            "sent": dict(self.sent),
            "done": dict(self.done),
            "success_rate": self.summary(ctx)["success_rate"],
            "purge_halted": self.halted,
        }
        checked = self.plan.directive.get("check")
        restore = ctx.output_path("restore.csv")
        if restore.exists():
            command = restore_command(restore, self.plan)
            section["restore"] = {"file": str(restore), "command": command}
        return {"sanitize": section, **({"check": checked} if checked else {})}

    async def finish(self, ctx: RunContext) -> None:
        self._save_plan(ctx)
        if self._restore is not None:
            self._restore.close()
        summary = self.summary(ctx)
        restore = ctx.output_path("restore.csv")
        if restore.exists():
            ctx.log(f"to undo the purge: {restore_command(restore, self.plan)}")
        if self.halted:
            ctx.log(
                "purge halted after a server error; to finish it: "
                f"cxo sanitize --list {self.plan.list_id} --apply --resume {ctx.run_id}"
            )
        if self.callback is not None and not ctx.dry_run:
            report = await post_callback(self.callback, summary, clock=ctx.clock, rng=ctx.rng)
            ctx.audit({"event": "callback", **report.as_dict()})
            ctx.log(f"callback: {report.describe()}")


def _text(error: Any) -> str:
    if isinstance(error, Mapping):
        return str(error.get("message") or error.get("code") or error)
    return str(error)
