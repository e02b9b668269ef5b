"""A fake job and sink for engine tests: records what was sent, fails on demand."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cxone_outbound.engine import BaseJob, Batch, Item, Outcome, Record, RecordError, RunContext


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


class FakeSink(BaseJob):
    """Sends nothing anywhere: counts each key it was asked to send."""

    name = "fake"

    def __init__(
        self,
        *,
        batch_size: int = 2,
        concurrency: int = 4,
        refuse: Mapping[str, str] | None = None,
        stop_after: int | None = None,
        raise_for: set[str] | None = None,
    ) -> None:
        self.batch_size = batch_size
        self.concurrency = concurrency
        self.sent: Counter[str] = Counter()
        self.refuse = dict(refuse or {})
        self.stop_after = stop_after
        self.raise_for = raise_for or set()
        self.on_stop: Any = None
        self.reconciled: list[Batch] = []

    def options(self) -> Mapping[str, Any]:
        return {"batch_size": self.batch_size}

    def prepare(self, record: Record) -> Item | RecordError:
        if not record.fields.get("id"):
            return RecordError("MISSING_ID", "id is required", "id")
        return Item(record, dict(record.fields))

    async def send(self, batch: Batch, ctx: RunContext) -> Sequence[Outcome]:
        await asyncio.sleep(0)
        for key in batch.keys:
            if key in self.raise_for:
                raise RuntimeError("boom")
        outcomes = []
        for item in batch.items:
            self.sent[item.payload["id"]] += 1
            if item.payload["id"] in self.refuse:
                outcomes.append(
                    Outcome.failed(item.key, "REFUSED", self.refuse[item.payload["id"]])
                )
            else:
                outcomes.append(Outcome.succeeded(item.key, remote_id=item.payload["id"]))
        if self.stop_after is not None and sum(self.sent.values()) >= self.stop_after:
            self.on_stop()
        return outcomes

    async def reconcile(self, batch: Batch, ctx: RunContext) -> Sequence[Outcome] | None:
        self.reconciled.append(batch)
        return None
