"""`preview apply` on the run engine: one record (the campaign change), journaled and audited.

Running the single write through the engine gives it what every job has: a run folder,
audit.jsonl with a line (and latency) per HTTP attempt, summary.json, `cxo runs show`, and exit
codes (a conflict is a failed record: exit 1).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cxone_outbound.engine.job import BaseJob, RunContext
from cxone_outbound.engine.records import Batch, Item, Outcome, Record, RecordError
from cxone_outbound.jobs.preview.config import format_path
from cxone_outbound.jobs.preview.run import (
    DEFAULT_MAX_ATTEMPTS,
    PreparedApply,
    PreviewError,
    commit_apply,
)
from cxone_outbound.webhooks.registration import ensure_webhook

ACTIVATED_EVENT = "campaign.preview.activated"
DEFAULT_WEBHOOK_NAME = "cxo-preview-activated"


class CampaignSource:
    """The one record of a preview apply: the campaign, keyed by its id."""

    def __init__(self, prepared: PreparedApply) -> None:
        self.prepared = prepared
        self.header = ["campaign_id"]

    @property
    def description(self) -> str:
        return f"campaign {self.prepared.request.campaign_id}"

    def fingerprint(self) -> str:
        intent = sorted((list(path), value) for path, value in self.prepared.request.intent.items())
        text = json.dumps([self.prepared.request.campaign_id, intent], default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def progress(self) -> float | None:
        return None

    def __iter__(self) -> Iterator[Record]:
        campaign_id = self.prepared.request.campaign_id
        yield Record(key=campaign_id, line=1, fields={"campaign_id": campaign_id},
                     raw=[campaign_id])


@dataclass
class WebhookRequest:
    url: str
    name: str = DEFAULT_WEBHOOK_NAME


class PreviewApplyJob(BaseJob):
    """PUT the prepared configuration (rebasing on 412); upsert the activation webhook first."""

    name = "preview"
    batch_size = 1
    concurrency = 1

    def __init__(
        self,
        prepared: PreparedApply,
        *,
        force: bool = False,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        webhook: WebhookRequest | None = None,
        start_skill: bool = False,
    ) -> None:
        self.prepared = prepared
        self.start_skill = start_skill  # only ever on the user's explicit flag
        self.force = force
        self.max_attempts = max_attempts
        self.webhook = webhook
        self.result: dict[str, Any] = {}  # filled in by send(); the summary's `preview`

    def options(self) -> Mapping[str, Any]:
        return {
            "campaign_id": self.prepared.request.campaign_id,
            "base_version": self.prepared.base.get("version"),
            "changes": [format_path(c.path) for c in self.prepared.changes],
            "force": self.force,
            "max_attempts": self.max_attempts,
            "webhook_url": self.webhook.url if self.webhook else None,
            "start_skill": self.start_skill,
        }

    def prepare(self, record: Record) -> Item | RecordError:
        return Item(record, payload=record.key)

    async def send(self, batch: Batch, ctx: RunContext) -> Sequence[Outcome]:
        item = batch.items[0]
        if self.webhook is not None:
            # Registered before the PUT, so the activation it triggers is delivered.
            hook = await ensure_webhook(
                ctx.client, self.webhook.name, self.webhook.url, [ACTIVATED_EVENT]
            )
            created = hook.secret is not None
            ctx.audit({"event": "webhook.ensured", "webhook_id": hook.id, "created": created})
            if hook.secret is not None:
                path = ctx.output_path("webhook-secret.txt")
                path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "w") as fh:
                    fh.write(hook.secret.get_secret_value() + "\n")
                ctx.log(f"webhook {hook.id} created; its signing secret is in {path}")
        started = ctx.clock.monotonic()
        try:
            result = await commit_apply(
                ctx.client,
                self.prepared,
                force=self.force,
                max_attempts=self.max_attempts,
                audit=ctx.audit,
            )
        except PreviewError as exc:
            ctx.log(str(exc))
            ctx.audit({"event": "preview.refused", "code": exc.code, "message": str(exc)})
            self.result["refused"] = {"code": exc.code, "message": str(exc).splitlines()[0]}
            return [Outcome.failed(item.key, exc.code, str(exc).splitlines()[0])]
        latency_ms = round((ctx.clock.monotonic() - started) * 1000, 3)
        self.result.update(result.to_json(), latency_ms=latency_ms)
        if self.prepared.unheld:
            self.result["not_held"] = list(self.prepared.unheld)
        if self.start_skill:  # after the configuration is in place, never without the flag
            skill_id = await ctx.client.start_skill(self.prepared.request.campaign_id)
            ctx.audit({"event": "preview.skill_started", "skill_id": skill_id})
            self.result["skill_started"] = skill_id
        ctx.output_path("preview.json").write_text(json.dumps(self.result, indent=2) + "\n")
        return [Outcome.succeeded(item.key, remote_id=result.version, attempts=result.attempts)]

    def summary_extra(self, ctx: RunContext) -> Mapping[str, Any]:
        """The `preview` section of summary.json: the campaign as written, or why it was not."""
        return {"preview": dict(self.result)} if self.result else {}
