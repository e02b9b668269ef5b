"""What a list's last-sync snapshot is owed by runs that do not compare (`SnapshotGuard`), and
where a list's snapshot lives (`snapshot_file`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from cxone_outbound.engine.job import RunContext
from cxone_outbound.engine.records import Item, Outcome
from cxone_outbound.jobs.sync.snapshot import Snapshot, snapshot_path


def tenant_of(client: Any) -> list[str]:
    """Who a list id belongs to: the client's base URL, client id, tenant and dialect."""
    settings = getattr(client, "settings", None)
    return [str(getattr(settings, name, "") or "")
            for name in ("base_url", "client_id", "tenant_id", "dialect")]


def snapshot_file(ctx: RunContext, list_id: str) -> Path:
    """The last-sync snapshot of a list of the run's tenant, under the run's state dir."""
    state_dir = ctx.run_dir.parent.parent  # engine.runner.runs.run_dir_for: <state>/runs/<id>
    return snapshot_path(state_dir, tenant_of(ctx.client), list_id)


class SnapshotGuard:
    """What a run without `--changed-only` owes the list's snapshot, if there is one: it
    writes contacts the snapshot cannot follow one by one (without a commit per batch), so the
    snapshot is invalidated at its start, and the next sync of each scope reads the list."""

    def __init__(self, list_id: str) -> None:
        self.list_id = list_id

    async def start(self, ctx: RunContext) -> None:
        if ctx.client is None or ctx.dry_run:
            return
        path = snapshot_file(ctx, self.list_id)
        if path.exists():
            snapshot = Snapshot(path, scope="")
            snapshot.invalidate()
            snapshot.close()
            ctx.log(f"list {self.list_id}'s last-sync snapshot is dropped: this run writes"
                    " without comparing (the next --against last-sync reads the list)")

    def sending(self, contact_ids: Iterable[str]) -> None:
        """Nothing to drop: the snapshot was invalidated at the start."""

    def answered(
        self,
        items: Sequence[Item],
        outcomes: Sequence[Outcome],
        writes_of: Callable[[Item], tuple[str, Mapping[str, Any]]],
    ) -> None:
        """Nothing to keep: no scope of this run's is compared with."""

    def finished(self) -> None:
        """Nothing open."""
