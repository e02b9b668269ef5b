"""The enrichment job on the real engine, against an in-process atomic enrichment fake.

The fake keeps the contract's one rule that matters here: a batch with any unknown contact or
any value the schema refuses is refused whole, nothing applied. The sandbox acceptance tests
(test_enrich_sandbox.py) check the same against the real HTTP stack.
"""

from __future__ import annotations

import contextlib
import csv
import json
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from cxone_outbound.client.errors import IdempotencyKeyReused, ValidationError
from cxone_outbound.client.models import EnrichmentItem, EnrichmentResult, RefreshResult
from cxone_outbound.engine.runner import RunConfig, Runner, RunSummary
from cxone_outbound.engine.sources.csv_source import CsvSource
from cxone_outbound.jobs.enrich.job import EnrichJob
from cxone_outbound.jobs.enrich.mapping import parse_mapping

MAPPING = parse_mapping(
    """
[key]
column = "id"

[[field]]
column = "tier"
transforms = ["trim", "lower"]

[[field]]
column = "score"
type = "integer"
"""
)


class AtomicEnrichApi:
    """Applies a batch only if every contact is known and every score is an int."""

    def __init__(self, known: set[str], *, details: bool = True, short_count: bool = False) -> None:
        self.known = known
        self.details = details
        self.short_count = short_count
        self.attributes: dict[str, dict[str, Any]] = {}
        self.posts: list[list[str]] = []
        self.keys: list[str | None] = []
        self.refreshes = 0

    async def enrich_contacts(
        self,
        list_id: str,
        contacts: Sequence[EnrichmentItem],
        *,
        idempotency_key: str | None = None,
    ) -> EnrichmentResult:
        self.posts.append([c.contact_id for c in contacts])
        self.keys.append(idempotency_key)
        bad = [c.contact_id for c in contacts if c.contact_id not in self.known]
        if bad:
            details = [
                {"contactId": b, "field": "contactId", "code": "CONTACT_NOT_FOUND"} for b in bad
            ]
            raise ValidationError(
                "enrichment refused",
                status=400,
                code="ENRICHMENT_REJECTED",
                details=details if self.details else (),
            )
        for c in contacts:
            self.attributes.setdefault(c.contact_id, {}).update(c.attributes)
        count = len(contacts) - 1 if self.short_count else len(contacts)
        return EnrichmentResult(processed_count=count)

    async def refresh_list(self, list_id: str) -> RefreshResult:
        self.refreshes += 1
        return RefreshResult(refresh_id=f"r{self.refreshes}", status="ACCEPTED")


async def run(
    tmp_path: Path, api: AtomicEnrichApi, rows: list[dict[str, str]], batch_size: int = 3
) -> RunSummary:
    path = tmp_path / "crm.csv"
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, ["id", "tier", "score"])
        writer.writeheader()
        writer.writerows(rows)

    @contextlib.asynccontextmanager
    async def factory(observer: Any) -> AsyncIterator[AtomicEnrichApi]:
        yield api

    job = EnrichJob(MAPPING, list_id="L", campaign_id="C", batch_size=batch_size, concurrency=1)
    runner = Runner(
        job, CsvSource(path), RunConfig(state_dir=tmp_path / "state"), client_factory=factory
    )
    return await runner.run()


def failed_rows(summary: RunSummary) -> dict[str, dict[str, str]]:
    with (summary.run_dir / "failed.csv").open(newline="") as fh:
        return {row["id"]: row for row in csv.DictReader(fh)}


async def test_good_rows_are_applied_typed_and_the_list_refreshed_once(tmp_path: Path) -> None:
    api = AtomicEnrichApi({"a", "b", "c", "d"})
    rows = [{"id": c, "tier": " Gold ", "score": "7"} for c in "abcd"]
    summary = await run(tmp_path, api, rows)
    assert api.attributes == {c: {"tier": "gold", "score": 7} for c in "abcd"}
    assert [len(p) for p in api.posts] == [3, 1]
    assert api.refreshes == 1
    assert summary.counts["succeeded"] == 4


async def test_a_batch_poisoned_by_one_unknown_contact_applies_the_others(tmp_path: Path) -> None:
    api = AtomicEnrichApi({"a", "c"})
    summary = await run(tmp_path, api, [{"id": c, "tier": "x", "score": "1"} for c in "abc"])
    assert set(api.attributes) == {"a", "c"}
    assert api.posts == [["a", "b", "c"], ["a", "c"]]
    failed = failed_rows(summary)
    assert list(failed) == ["b"]
    assert failed["b"]["error_code"] == "CONTACT_NOT_FOUND"
    assert "refused by the server" in failed["b"]["error_message"]


async def test_without_details_the_poisoned_batch_is_bisected(tmp_path: Path) -> None:
    api = AtomicEnrichApi({"a", "b", "d"}, details=False)
    summary = await run(
        tmp_path, api, [{"id": c, "tier": "x", "score": "1"} for c in "abcd"], batch_size=4
    )
    assert set(api.attributes) == {"a", "b", "d"}
    assert list(failed_rows(summary)) == ["c"]


async def test_each_post_carries_its_own_idempotency_key(tmp_path: Path) -> None:
    api = AtomicEnrichApi({"a", "c"})
    await run(tmp_path, api, [{"id": c, "tier": "x", "score": "1"} for c in "abc"])
    assert len(set(api.keys)) == len(api.keys) == 2 and all(api.keys)


async def test_a_second_run_of_the_same_extract_posts_under_new_keys(tmp_path: Path) -> None:
    api = AtomicEnrichApi({"a", "b"})
    rows = [{"id": c, "tier": "x", "score": "1"} for c in "ab"]
    await run(tmp_path, api, rows)
    await run(tmp_path, api, rows)
    assert len(api.keys) == len(set(api.keys)) == 2


async def test_a_refused_key_reuse_fails_the_batch_with_its_code_unbisected(
    tmp_path: Path,
) -> None:
    class ReusedKeyApi(AtomicEnrichApi):
        async def enrich_contacts(
            self, list_id: str, contacts: Sequence[EnrichmentItem], **kw: Any
        ) -> EnrichmentResult:
            self.posts.append([c.contact_id for c in contacts])
            raise IdempotencyKeyReused(
                "used for another request", status=422, code="IDEMPOTENCY_KEY_REUSED",
                field="Idempotency-Key",
            )

    api = ReusedKeyApi({"a", "b", "c"})
    summary = await run(tmp_path, api, [{"id": c, "tier": "x", "score": "1"} for c in "abc"])
    assert api.posts == [["a", "b", "c"]]
    assert summary.counts == {"failed": 3}
    assert {r["error_code"] for r in failed_rows(summary).values()} == {"IDEMPOTENCY_KEY_REUSED"}


async def test_a_processed_count_short_of_the_batch_fails_the_batch_loudly(tmp_path: Path) -> None:
    api = AtomicEnrichApi({"a", "b"}, short_count=True)
    summary = await run(tmp_path, api, [{"id": c, "tier": "x", "score": "1"} for c in "ab"])
    failed = failed_rows(summary)
    assert set(failed) == {"a", "b"}
    assert failed["a"]["error_message"] == "processedCount 1 != batch size 2"


async def test_rows_the_mapping_rejects_are_never_sent_and_say_why(tmp_path: Path) -> None:
    api = AtomicEnrichApi({"a", "b", "c"})
    rows = [
        {"id": "a", "tier": "NULL", "score": "n/a"},
        {"id": "NULL", "tier": "gold", "score": "1"},
        {"id": "c", "tier": "gold", "score": "1"},
        {"id": "c", "tier": "silver", "score": "2"},
    ]
    summary = await run(tmp_path, api, rows)
    assert api.posts == [["c"]]
    with (summary.run_dir / "failed.csv").open(newline="") as fh:
        reasons = {r["line"]: (r["error_code"], r["error_message"]) for r in csv.DictReader(fh)}
    assert reasons == {
        "2": ("NOTHING_TO_SEND", "no attribute has a value in this row"),
        "3": ("NO_CONTACT_ID", "no contact id in key column 'id'"),
        "5": ("DUPLICATE_CONTACT", "contact c already enriched by line 4"),
    }


async def test_fill_rates_are_written_to_the_run_folder(tmp_path: Path) -> None:
    api = AtomicEnrichApi({"a", "b"})
    summary = await run(
        tmp_path,
        api,
        [{"id": "a", "tier": "g", "score": "x"}, {"id": "b", "tier": "", "score": "2"}],
    )
    report = json.loads((summary.run_dir / "fill_rates.json").read_text())
    assert report["fillRates"]["attributes"]["tier"]["fillRate"] == 0.5
    assert report["fillRates"]["attributes"]["score"]["invalid"] == 1
    assert report["batchLatency"]["batches"] == 1
    assert report["refreshId"] == "r1"


async def test_the_enrich_report_and_plan_are_in_the_run_summary(tmp_path: Path) -> None:
    path = tmp_path / "crm.csv"
    path.write_text("id,tier,score\na,g,1\n")

    @contextlib.asynccontextmanager
    async def factory(observer: Any) -> AsyncIterator[AtomicEnrichApi]:
        yield AtomicEnrichApi({"a"})

    job = EnrichJob(MAPPING, list_id="L", campaign_id="C", batch_size=10, plan={"batchSize": 10})
    config = RunConfig(state_dir=tmp_path / "state")
    summary = await Runner(job, CsvSource(path), config, client_factory=factory).run()
    section = json.loads((summary.run_dir / "summary.json").read_text())["enrich"]
    assert section["fillRates"]["attributes"]["tier"]["fillRate"] == 1.0
    assert (section["refreshId"], section["plan"]) == ("r1", {"batchSize": 10})
