"""`cxo import --mirror`: after the import, the list's records the source does not hold are removed.

The import runs as ever (the wrapped job). Every source row passes `KeyedSource` on its way to
the engine, which keeps its identity keys on disk (`mirror_plan.SourceKeys`). When the import
has an outcome for every row, `MirrorJob.finish` reads the list, judges each record against the
keys (`mirror_plan.RemovalPlan`) and removes the absent ones with sanitise's safety:

- nothing is removed when the import left rows in flight, or when a source row has no usable
  phone (it cannot be told which record it names): every absent record is then held back;
- nothing is removed when more than `--max-remove` records are absent: exit 2, the list of
  them in `to-remove.csv`;
- every absent record is written to `restore.csv` (sanitise's `RestoreWriter`: the import
  format, formula-guarded) and the file fsynced before the first removal;
- a record counts as removed only on the server's answer about it; after a 5xx or a dropped
  connection no further removal is started (they fail as `HALTED_AFTER_SERVER_ERROR`; a resume
  sends them);
- each removal's state is committed before it is sent and after its answer, in the run folder
  (`mirror.sqlite3`): a resume sends only what has no answer, and never writes restore.csv anew.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cxone_outbound.client import errors
from cxone_outbound.client.models import Contact
from cxone_outbound.engine.accounting import Removals
from cxone_outbound.engine.job import (
    Deferred,
    Job,
    PassThroughSource,
    RunContext,
    Source,
    WrappingJob,
)
from cxone_outbound.engine.records import Batch, Outcome, Record
from cxone_outbound.jobs.list_snapshot import ListSnapshot
from cxone_outbound.jobs.mirror.files import (
    NOT_REMOVED_CSV,
    PLAN_DB,
    REMOVED_CSV,
    RESTORE_CSV,
    TO_REMOVE_CSV,
    write_outcomes,
    write_restore,
    write_to_remove,
)
from cxone_outbound.jobs.mirror.plan import RemovalPlan, RemovalState, SourceKeys
from cxone_outbound.jobs.sanitize import HALTED, import_command, read_list
from cxone_outbound.phones import PhoneNormalizer, as_written

__all__ = [
    "DEFAULT_MAX_REMOVE",
    "KeyedSource",
    "MirrorJob",
    "MirrorOptions",
    "RemovalRefused",
]

DEFAULT_MAX_REMOVE = 100


class RemovalRefused(errors.ConfigurationError):
    """More records are absent than `--max-remove` allows: none was removed (exit 2)."""


@dataclass(frozen=True, slots=True)
class MirrorOptions:
    """What the mirror step removes from, and how much it may remove."""

    list_id: str
    max_remove: int = DEFAULT_MAX_REMOVE
    default_region: str | None = None  # how the list's national phones are read
    digits_only: bool = False  # `capabilities.phones_as_digits` (admin)


class KeyedSource(PassThroughSource):
    """A source whose rows' identity keys are kept as they pass (every row, every session)."""

    def __init__(
        self, source: Source, identity: Callable[[Record], str | None], keys: SourceKeys
    ) -> None:
        super().__init__(source)
        self.identity = identity
        self.keys = keys

    def __iter__(self) -> Iterator[Record]:
        for record in self.source:
            phone = self.identity(record)
            written = record.fields.get("phone_number", "").strip()
            self.keys.add(record.line, [phone, written] if phone else [])
            yield record


class MirrorJob(WrappingJob):
    """`inner` (the import), then the list's records absent from the source removed."""

    def __init__(
        self,
        inner: Job,
        keys: SourceKeys,
        options: MirrorOptions,
        work: Path,
        *,
        snapshot: ListSnapshot | None = None,
    ) -> None:
        super().__init__(inner)
        self.keys = keys
        self.opts = options
        self.work = work
        self.snapshot = snapshot  # the list as read before a dry run (no client in one)
        self.deferred = 0  # rows whose import job is still running: their outcome unknown
        self.halted = False
        self._removals: Removals | None = None
        self._section: dict[str, Any] = {}

    def options(self) -> Mapping[str, Any]:
        return {**self.inner.options(), "mirror": {"max_remove": self.opts.max_remove}}

    async def send(self, batch: Batch, ctx: RunContext) -> Sequence[Outcome]:
        try:
            return await self.inner.send(batch, ctx)
        except Deferred:
            self.deferred += len(batch.items)
            raise

    async def reconcile(self, batch: Batch, ctx: RunContext) -> Sequence[Outcome] | None:
        try:
            return await self.inner.reconcile(batch, ctx)
        except Deferred:
            self.deferred += len(batch.items)
            raise

    def removals(self) -> Removals | None:
        """The accounting of the list's absent records (the engine checks and prints it)."""
        return self._removals

    def summary_extra(self, ctx: RunContext) -> Mapping[str, Any]:
        section = self._section or {
            "removed": 0, "not_reached": "the import did not finish: nothing was planned or "
            "removed (resume to finish)"}
        return {**self.inner.summary_extra(ctx), "mirror": section}

    # the mirror step

    async def finish(self, ctx: RunContext) -> None:
        await self.inner.finish(ctx)
        self.keys.seal()
        if ctx.dry_run:
            self._dry_run(ctx)
            return
        plan = RemovalPlan(ctx.output_path(PLAN_DB))
        try:
            await self._apply(ctx, plan)
        finally:
            plan.close()

    def _normaliser(self) -> PhoneNormalizer:
        return PhoneNormalizer(self.opts.default_region or "US")

    def _build(self, plan: RemovalPlan, snapshot: ListSnapshot) -> None:
        plan.build(snapshot, self.keys, self._normaliser(), digits_only=self.opts.digits_only)

    def _blocked(self) -> str | None:
        """Why no record may be removed now, whatever the plan says."""
        if self.deferred:
            return (f"{self.deferred} source rows are still being imported: their outcome is "
                    "unknown (resume to finish)")
        unkeyed = self.keys.unkeyed()
        if unkeyed:
            lines = ", ".join(map(str, self.keys.unkeyed_lines()))
            return (f"{unkeyed} source rows have no usable phone (lines {lines}"
                    f"{', ...' if unkeyed > len(self.keys.unkeyed_lines()) else ''}): the list "
                    "records they name cannot be told; fix them")
        return None

    def _dry_run(self, ctx: RunContext) -> None:
        if self.snapshot is None:
            raise ValueError("a dry run's mirror needs the list as read before it")
        plan = RemovalPlan()
        try:
            self._build(plan, self.snapshot)
            path = self._write_list(ctx, plan)
            absent = plan.total()
            reason = self._blocked() or self._over_guard(absent, path) or "dry run"
            ctx.log(f"mirror plan: {absent} of {plan.counts().list_records} records of list "
                    f"{self.opts.list_id} are absent from the source and would be removed "
                    f"({path}); nothing was removed")
            self._report(ctx, plan, held_because=reason)
        finally:
            plan.close()

    def _over_guard(self, absent: int, listed: Path) -> str | None:
        if absent <= self.opts.max_remove:
            return None
        return (f"the mirror would remove {absent} records of list {self.opts.list_id}, more "
                f"than --max-remove {self.opts.max_remove}; nothing was removed: review "
                f"{listed}, then raise --max-remove")

    async def _apply(self, ctx: RunContext, plan: RemovalPlan) -> None:
        blocked = self._blocked()
        if not plan.sealed:
            snapshot_path = self.work / "list.sqlite3"
            snapshot_path.unlink(missing_ok=True)
            snapshot = await read_list(ctx.client, self.opts.list_id, ListSnapshot(snapshot_path))
            try:
                self._build(plan, snapshot)
            finally:
                snapshot.close()
        if blocked is not None:
            ctx.log(f"mirror: nothing removed: {blocked}")
            ctx.audit({"event": "mirror_held_back", "reason": blocked})
            self._report(ctx, plan, held_because=blocked)
            return
        if not plan.sealed:
            refusal = self._over_guard(plan.total(), ctx.output_path(TO_REMOVE_CSV))
            if refusal is not None:
                self._write_list(ctx, plan)
                ctx.audit({"event": "mirror_refused", "absent": plan.total(),
                           "max_remove": self.opts.max_remove})
                self._report(ctx, plan, held_because=refusal)
                raise RemovalRefused(refusal)
            self._write_list(ctx, plan)
            self._write_restore(ctx, plan)
            plan.seal()
        try:
            await self._remove(ctx, plan)
        finally:
            write_outcomes(ctx.run_dir, plan)
            held = "stopped before their turn (resume to finish)" if plan.count(
                RemovalState.PLANNED) else None
            self._report(ctx, plan, held_because=held)
            restore = ctx.output_path(RESTORE_CSV)
            if plan.count(RemovalState.REMOVED):
                ctx.log(f"to undo the removal: {self._restore_command(restore)}")

    async def _remove(self, ctx: RunContext, plan: RemovalPlan) -> None:
        """Remove the plan's pending records a call at a time, each state committed around it."""
        group = max(1, ctx.client.capabilities.max_delete_batch)
        baseline = ctx.metrics.errors
        after = 0
        while rows := plan.pending(after, group):
            after = rows[-1][0]
            if ctx.stopping:
                return
            if not self.halted and ctx.metrics.errors > baseline:
                self._halt(ctx)
            if self.halted:
                message = "not removed: a server error occurred earlier in this run; resume"
                plan.mark((cid, RemovalState.FAILED, HALTED, message) for _, cid, _ in rows)
                continue
            prior = {cid: state for _, cid, state in rows}
            plan.mark((cid, RemovalState.SENDING, None, None) for cid in prior)
            try:
                results = await ctx.client.delete_contacts(self.opts.list_id, list(prior))
            except (errors.ServerError, errors.TransportError, errors.RateLimited) as exc:
                code = "RATE_LIMITED" if isinstance(exc, errors.RateLimited) else (
                    exc.code or type(exc).__name__)
                plan.mark((cid, RemovalState.FAILED, code, exc.message) for cid in prior)
                if not isinstance(exc, errors.RateLimited):
                    self._halt(ctx)
                continue
            except errors.CXoneError as exc:  # auth, permission: the run ends (a resume retries)
                plan.mark((cid, RemovalState.FAILED, exc.code or type(exc).__name__,
                           exc.message) for cid in prior)
                raise
            plan.mark(_judged(prior, results))
            ctx.audit({"event": "mirror_removed", "records": len(prior)})

    def _halt(self, ctx: RunContext) -> None:
        self.halted = True
        ctx.log("a server error occurred: no further removal in this run (resume to finish)")
        ctx.audit({"event": "removal_halted", "reason": "server error"})

    def _write_list(self, ctx: RunContext, plan: RemovalPlan) -> Path:
        return write_to_remove(ctx.output_path(TO_REMOVE_CSV), plan)

    def _write_restore(self, ctx: RunContext, plan: RemovalPlan) -> None:
        write_restore(ctx.output_path(RESTORE_CSV), plan, self._importable)

    def _importable(self, contact: Contact) -> Contact:
        """The record as `cxo import` takes it back: a phone shown as digits (admin) as E.164."""
        if not (self.opts.digits_only and contact.phone):
            return contact
        normaliser = self._normaliser()
        result = normaliser(as_written(contact.phone, normaliser))
        return contact.model_copy(update={"phone": result.e164}) if result.e164 else contact

    def _restore_command(self, path: Path) -> str:
        return import_command(path, self.opts.list_id, self.opts.default_region)

    def _report(self, ctx: RunContext, plan: RemovalPlan, *, held_because: str | None) -> None:
        """The `mirror` section of the summary, and the accounting of the absent records: from
        each record's state once the plan is sealed (removals may have begun), else all held."""
        counts = plan.counts()
        absent = counts.absent
        applied = plan.sealed
        if applied:
            removals = Removals(
                absent=absent,
                removed=plan.count(RemovalState.REMOVED),
                already_gone=plan.count(RemovalState.GONE),
                failed=plan.count(RemovalState.FAILED) + plan.count(RemovalState.SENDING),
                held_back=plan.count(RemovalState.PLANNED),
            )
        else:
            removals = Removals(absent=absent, held_back=plan.total())
        self._removals = removals
        files = {name: str(ctx.output_path(name))
                 for name in (TO_REMOVE_CSV, REMOVED_CSV, NOT_REMOVED_CSV)
                 if ctx.output_path(name).exists()}
        section: dict[str, Any] = {
            "applied": applied,
            "list_id": self.opts.list_id,
            "absent": absent,
            "removed": removals.removed,
            "failed_to_remove": removals.failed,
            "held_back": removals.held_back,
            "held_back_because": held_because if removals.held_back else None,
            "already_gone": removals.already_gone,
            "list_records": counts.list_records,
            "present": counts.present,
            "max_remove": self.opts.max_remove,
            "removal_halted": self.halted,
            "source_rows": self.keys.rows,
            "source_rows_without_phone": self.keys.unkeyed(),
            "files": files,
        }
        restore = ctx.output_path(RESTORE_CSV)
        if applied and restore.exists():
            section["restore"] = {"file": str(restore),
                                  "command": self._restore_command(restore)}
        self._section = section


def _judged(
    prior: Mapping[str, RemovalState], results: Mapping[str, errors.CXoneError | None]
) -> Iterator[tuple[str, RemovalState, str | None, str | None]]:
    """Each record's state from the server's answer about it (and nothing else)."""
    for cid, before in prior.items():
        if cid not in results:
            yield cid, RemovalState.FAILED, "NO_RESULT", "the server's answer does not name it"
            continue
        error = results[cid]
        if error is None:
            yield cid, RemovalState.REMOVED, None, None
        elif isinstance(error, errors.NotFound):
            # sent before without an answer (a crash, a stop): that removal is what took it
            state = RemovalState.REMOVED if before is RemovalState.SENDING else RemovalState.GONE
            yield cid, state, None, None
        else:
            yield cid, RemovalState.FAILED, error.code or "REMOVE_REFUSED", error.message
