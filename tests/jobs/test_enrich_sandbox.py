"""Acceptance of `cxo enrich`'s job against the real sandbox over HTTP.

The expectations are computed here, independently of the mapping code: a 20k-row extract with
good, null-like, mistyped and unknown-contact rows must leave every contact with exactly the
attributes its row maps to, put every rejected row in failed.csv with its reason, and report
fill rates equal to a count made here.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import json
import os
import random
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from pydantic import SecretStr
from tests.engine.live import assert_accounted
from tests.jobs.conftest import SANDBOX_LIST_COLUMNS, skip_unless_admin_serves

from cxone_outbound.client.api import CXoneClient
from cxone_outbound.client.dialect import OpenedApi, open_api
from cxone_outbound.client.models import SchemaField
from cxone_outbound.config import Settings
from cxone_outbound.engine.runner import RunConfig, Runner, RunSummary
from cxone_outbound.engine.sources.csv_source import CsvSource
from cxone_outbound.jobs.enrich.job import EnrichJob
from cxone_outbound.jobs.enrich.mapping import parse_mapping
from cxone_outbound.jobs.enrich.setup import plan_enrichment, webhook_name
from cxone_outbound.sandbox.control import SandboxControl
from cxone_outbound.sandbox.store.admin.access_keys import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
)
from cxone_outbound.signing import verify

MAPPING_TOML = """
[key]
column = "cid"

[[field]]
column = "Status"
attribute = "status"
transforms = ["trim", "lower"]
map = { a = "active", c = "churned" }

[[field]]
column = "Score"
attribute = "score"
type = "integer"
required = true

[[field]]
column = "Balance"
attribute = "balance"
type = "decimal"

[[field]]
column = "VIP"
attribute = "vip"
type = "boolean"
default = false

[[field]]
column = "Since"
attribute = "since"
type = "date"
format = "%d/%m/%Y"
"""
SCHEMA = [
    ("status", "string"),
    ("score", "integer"),
    ("balance", "decimal"),
    ("vip", "boolean"),
    ("since", "date"),
]
NULLS = ["", "  ", "NULL", "null", "None", "N/A", "nan", "NaN"]
CONTACTS = 19_800
UNKNOWN = 200


@pytest.fixture(scope="module")
def sandbox_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Our own sandbox on a free loopback port (unthrottled: this is not a rate test)."""
    db = tmp_path_factory.mktemp("sandbox") / "sandbox.db"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cxone_outbound.sandbox",
            "--port",
            "0",
            "--db",
            str(db),
            "--rate-limit",
            "100000",
            "--burst",
            "100000",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            pytest.fail("the sandbox did not start")
        yield json.loads(line)["baseUrl"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def dialect_of(
    base_url: str, dialect: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """Settings for our sandbox in `dialect`; admin keeps its caches inside the test."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    settings = Settings(
        base_url=base_url, dialect=dialect, access_key_id=DEFAULT_ACCESS_KEY_ID,
        list_columns=SANDBOX_LIST_COLUMNS,
        access_key_secret=SecretStr(DEFAULT_ACCESS_KEY_SECRET),
    )
    skip_unless_admin_serves(settings, "campaigns")  # enrichment reads the campaign
    return settings


class Receiver:
    """A tiny loopback webhook receiver that keeps each raw body and its signature."""

    def __init__(self) -> None:
        self.received: list[tuple[bytes, str | None]] = []
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((await request.read(), request.headers.get("X-CXone-Signature")))
        return web.Response(status=204)


@contextlib.asynccontextmanager
async def receiver() -> AsyncIterator[Receiver]:
    rec = Receiver()
    app = web.Application()
    app.router.add_post("/hook", rec.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    rec.url = f"http://127.0.0.1:{port}/hook"
    try:
        yield rec
    finally:
        await runner.cleanup()


def crm_row(cid: str, rng: random.Random) -> dict[str, str]:
    """A CRM row whose cells are good, null-like or mistyped at random."""

    def pick(good: str, bad: str) -> str:
        roll = rng.random()
        return good if roll < 0.7 else rng.choice(NULLS) if roll < 0.85 else bad

    return {
        "cid": cid,
        "Status": pick(rng.choice(["A", " c ", "Gold", "SILVER"]), "x"),
        "Score": pick(str(rng.randint(-50, 500)), rng.choice(["4.5", "ten", "1e3"])),
        "Balance": pick(
            f"{rng.randint(0, 99999)}.{rng.randint(0, 99):02d}", rng.choice(["12,5", "abc"])
        ),
        "VIP": pick(rng.choice(["yes", "no", "Y", "n", "1", "0", "TRUE", "false"]), "maybe"),
        "Since": pick(
            f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1990, 2024)}",
            "2024-13-01",
        ),
    }


def expected(row: dict[str, str]) -> tuple[dict[str, Any] | None, dict[str, bool]]:
    """From the docs, not the code: (attributes, or None if rejected; sendable per attribute)."""

    def null(v: str) -> bool:
        return v.strip().lower() in {"", "null", "none", "n/a", "nan"}

    out: dict[str, Any] = {}
    s = row["Status"]
    if not null(s):
        t = s.strip().lower()
        out["status"] = {"a": "active", "c": "churned"}.get(t, t)
    sc = row["Score"].strip()
    if not null(sc) and sc.lstrip("+-").isdigit():
        out["score"] = int(sc)
    b = row["Balance"].strip()
    if not null(b) and "," not in b:
        with contextlib.suppress(ValueError):
            out["balance"] = float(b)
    v = row["VIP"].strip().lower()
    if null(v):
        out["vip"] = False
    elif v in {"yes", "y", "1", "true"}:
        out["vip"] = True
    elif v in {"no", "n", "0", "false"}:
        out["vip"] = False
    d = row["Since"].strip()
    if not null(d):
        parts = d.split("/")
        if len(parts) == 3:
            out["since"] = f"{parts[2]}-{parts[1]}-{parts[0]}"
    filled = {name: name in out for name, _ in SCHEMA}
    return (out if "score" in out else None), filled


async def setup_list(client: CXoneClient, timeout_ms: int) -> tuple[str, str, list[str]]:
    lst = await client.create_list(
        f"crm-{uuid.uuid4().hex[:8]}", [SchemaField(name=n, type=t) for n, t in SCHEMA]
    )
    seeded = await client.request(
        "POST", "/sandbox/seed", json={"count": CONTACTS, "contactListId": lst.id, "seed": 7}
    )
    assert seeded.json()["written"] == CONTACTS
    ids = [c.id async for c in client.iter_contacts(lst.id)]
    campaign = await client.create_campaign(
        {"name": "enrich-acceptance", "maxEnrichmentTimeout": timeout_ms}
    )
    return lst.id, campaign.key, ids


async def run_enrich(
    client: CXoneClient,
    settings: Settings,
    csv_path: Path,
    state: Path,
    list_id: str,
    campaign_id: str,
    hook_url: str | None,
) -> tuple[EnrichJob, RunSummary, Any]:
    mapping = parse_mapping(MAPPING_TOML)
    source = CsvSource(csv_path)
    if settings.dialect != "v2":  # ids of the dialect; setup and checks stay on v2
        ids = SandboxControl(settings.base_url).admin_ids(list_id=list_id, campaign_id=campaign_id)
        list_id, campaign_id = str(ids["listId"]), str(ids["skillId"])
    async with open_api(settings) as api:
        plan = await plan_enrichment(
            api,
            list_id=list_id,
            campaign_id=campaign_id,
            mapping=mapping,
            header=source.header,
            webhook_url=hook_url,
        )
    job = EnrichJob(mapping, list_id=list_id, campaign_id=campaign_id, batch_size=plan.batch_size)

    @contextlib.asynccontextmanager
    async def factory(observer: Any) -> AsyncIterator[OpenedApi]:
        async with open_api(settings, observer=observer) as c:
            yield c

    summary = await Runner(job, source, RunConfig(state_dir=state), client_factory=factory).run()
    assert_accounted(summary, source)
    return job, summary, plan


async def test_a_20k_extract_leaves_each_contact_with_exactly_its_mapped_row(
    sandbox_url: str, tmp_path: Path, dialect: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = dialect_of(sandbox_url, dialect, tmp_path, monkeypatch)
    rng = random.Random(2024)
    async with CXoneClient(settings) as client, receiver() as hook:
        list_id, campaign_id, ids = await setup_list(client, timeout_ms=2500)
        rows = [crm_row(cid, rng) for cid in ids] + [
            crm_row(str(uuid.uuid4()), rng) for _ in range(UNKNOWN)
        ]
        rng.shuffle(rows)
        path = tmp_path / "crm.csv"
        with path.open("w", newline="") as fh:
            writer = csv.DictWriter(fh, list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)

        job, summary, plan = await run_enrich(
            client, settings, path, tmp_path / "state", list_id, campaign_id, hook.url
        )
        if dialect == "v2":  # an admin campaign has no enrichment timeout to size batches by
            assert plan.batch_size == 250  # 2500 ms at 10 ms per contact
        assert plan.webhook_created and plan.webhook is not None and plan.webhook.secret is not None

        # Every contact reads back as exactly its row mapped (attributes start empty but `segment`).
        known = set(ids)
        want = {r["cid"]: expected(r)[0] for r in rows}
        got = {
            c.id: {k: v for k, v in c.attributes.items() if k != "segment"}
            async for c in client.iter_contacts(list_id)
        }
        for cid in ids:
            assert got[cid] == (want[cid] or {}), cid

        # Rejected rows are in failed.csv with reasons; nothing else is.
        with (summary.run_dir / "failed.csv").open(newline="") as fh:
            failed = {r["cid"]: r for r in csv.DictReader(fh)}
        unknown_sent = {
            r["cid"] for r in rows if r["cid"] not in known and want[r["cid"]] is not None
        }
        rejected = {r["cid"] for r in rows if want[r["cid"]] is None}
        assert set(failed) == unknown_sent | rejected
        assert all(failed[c]["error_code"] == "CONTACT_NOT_FOUND" for c in unknown_sent)
        assert all(
            failed[c]["error_code"] == "REQUIRED_VALUE" and "'score'" in failed[c]["error_message"]
            for c in rejected
        )

        # Fill rates equal a count made here.
        counts = {name: sum(expected(r)[1][name] for r in rows) for name, _ in SCHEMA}
        report = json.loads((summary.run_dir / "summary.json").read_text())
        fill = job.report()["fillRates"]
        assert fill["rows"] == len(rows)
        for name, _ in SCHEMA:
            assert fill["attributes"][name]["sent"] == counts[name], name
        assert fill["overall"] == round(sum(counts.values()) / (len(rows) * len(SCHEMA)), 6)
        assert report["counts"]["failed"] == len(failed)

        # The receiver gets signed contact.enriched events (polled with a deadline).
        secret = plan.webhook.secret.get_secret_value()
        deadline = asyncio.get_running_loop().time() + 20
        while not hook.received and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
        assert hook.received
        body, signature = hook.received[0]
        assert verify(secret, body, signature)
        assert json.loads(body)["event"] == "contact.enriched"

        # A re-run registers no second webhook.
        _, _, again = await run_enrich(
            client, settings, path, tmp_path / "state2", list_id, campaign_id, hook.url
        )
        assert not again.webhook_created
        async with open_api(settings) as api:  # admin: the tool keeps its own registrations
            registered = await api.list_webhooks()
        hooks = [w for w in registered if w.name == webhook_name(job.list_id)]
        assert len(hooks) == 1


async def test_a_batch_poisoned_by_one_bad_contact_applies_the_others(
    sandbox_url: str, tmp_path: Path, dialect: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = dialect_of(sandbox_url, dialect, tmp_path, monkeypatch)
    async with CXoneClient(settings) as client:
        lst = await client.create_list(
            f"p-{uuid.uuid4().hex[:8]}", [SchemaField(name=n, type=t) for n, t in SCHEMA]
        )
        await client.request(
            "POST", "/sandbox/seed", json={"count": 9, "contactListId": lst.id, "seed": 1}
        )
        ids = [c.id async for c in client.iter_contacts(lst.id)]
        campaign = await client.create_campaign({"name": "poison", "maxEnrichmentTimeout": 100})
        bad = "00000000-0000-4000-8000-000000000000"
        rows = [
            {
                "cid": c,
                "Status": "a",
                "Score": str(i),
                "Balance": "1.5",
                "VIP": "y",
                "Since": "01/02/2020",
            }
            for i, c in enumerate(ids)
        ]
        rows.insert(4, {**rows[0], "cid": bad})
        path = tmp_path / "p.csv"
        with path.open("w", newline="") as fh:
            writer = csv.DictWriter(fh, list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        _, summary, plan = await run_enrich(
            client, settings, path, tmp_path / "s", lst.id, campaign.key, None
        )
        if dialect == "v2":  # an admin campaign has no enrichment timeout to size batches by
            assert plan.batch_size == 10  # the whole extract is one batch
        got = {c.id: c.attributes async for c in client.iter_contacts(lst.id)}
        assert all(got[c]["score"] == i for i, c in enumerate(ids))
        with (summary.run_dir / "failed.csv").open(newline="") as fh:
            failed = list(csv.DictReader(fh))
        assert [(f["cid"], f["error_code"]) for f in failed] == [(bad, "CONTACT_NOT_FOUND")]
