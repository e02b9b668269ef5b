"""Acceptance: the sanitise job against the real sandbox (plan counts, apply, restore, 5xx halt).

The sandbox (like the API contract) stores only E.164-shaped phones, so the list's "messy"
numbers are the ones that survive that check: trunk prefixes after the country code
(`+44020...`, `+11212...`), invalid country codes, wrong lengths, numbers no region has, VoIP,
toll free and foreign regions. National formats and `00`/`011` prefixes are covered by
tests/test_phones.py and tests/jobs/test_sanitize_plan.py.
"""

from __future__ import annotations

import asyncio
import csv
import gzip
import random
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import phonenumbers
import pytest
from tests.jobs.conftest import list_id_for

from cxone_outbound.client import CXoneClient
from cxone_outbound.client.dialect import OpenedApi, open_api
from cxone_outbound.client.events import RequestObserver
from cxone_outbound.config import Settings
from cxone_outbound.engine import RunConfig, Runner, RunSummary
from cxone_outbound.jobs.sanitize import (
    HALTED,
    PlanSource,
    SanitizeJob,
    fetch_contacts,
    plan_list,
)
from cxone_outbound.jobs.sanitize_directive import directive_from_options
from cxone_outbound.jobs.sanitize_plan import Action, Plan

ALLOWED = {"US", "GB", "CA"}
BLOCKED = {phonenumbers.PhoneNumberType.VOIP, phonenumbers.PhoneNumberType.TOLL_FREE}
DIRECTIVE = directive_from_options(
    default_region="US", allowed_regions=["US,GB,CA"], blocked_line_types=["voip", "toll_free"]
)


def _mix(n: int, seed: int) -> list[str]:
    """`n` distinct E.164-shaped phones: mostly good, some to normalise, some to purge."""
    rng = random.Random(seed)
    us_areas = ["212", "415", "646", "718", "305", "312", "617", "202"]
    ca_areas = ["416", "613", "604", "514", "403"]
    gb_fixed: list[str] = []

    def one() -> str:
        kind = rng.random()
        if kind < 0.45:
            return f"+1{rng.choice(us_areas)}{rng.randrange(200, 999)}{rng.randrange(10**4):04d}"
        if kind < 0.57:
            return f"+1{rng.choice(ca_areas)}{rng.randrange(200, 999)}{rng.randrange(10**4):04d}"
        if kind < 0.70:
            return f"+447{rng.randrange(400, 999)}{rng.randrange(10**6):06d}"
        if kind < 0.82:
            number = f"+4420{rng.randrange(7, 9)}{rng.randrange(10**7):07d}"
            gb_fixed.append(number)
            return number
        if kind < 0.88:  # trunk 0 after +44: normalises; some collide with a stored number
            if gb_fixed and rng.random() < 0.3:
                return "+440" + rng.choice(gb_fixed)[3:]
            return f"+44020{rng.randrange(7, 9)}{rng.randrange(10**7):07d}"
        if kind < 0.94:  # NANP trunk 1 after +1
            return f"+11{rng.choice(us_areas)}{rng.randrange(200, 999)}{rng.randrange(10**4):04d}"
        if kind < 0.95:
            return f"+4456{rng.randrange(10**8):08d}"  # GB VoIP
        if kind < 0.96:
            return f"+1800{rng.randrange(2, 10)}{rng.randrange(10**6):06d}"  # toll free
        if kind < 0.975:
            return f"+4930{rng.randrange(10**8):08d}"  # DE: region not allowed
        junk = rng.randrange(4)
        if junk == 0:
            return f"+999{rng.randrange(10**7, 10**9)}"
        if junk == 1:
            return f"+1212{rng.randrange(100, 999)}"  # too short
        if junk == 2:
            return f"+1{rng.randrange(0, 2)}{rng.randrange(10**8, 10**9)}"  # no NANP area
        return f"+1212555{rng.randrange(10**7, 10**8)}"  # too long

    seen: dict[str, None] = {}
    while len(seen) < n:
        seen.setdefault(one(), None)
    return list(seen)


def _independent_plan(
    contacts: Sequence[tuple[str, str]],
) -> tuple[dict[str, str], dict[str, str]]:
    """(contact id -> unchanged / normalise / purge, contact id -> phone kept), computed with
    phonenumbers alone."""
    e164_of: dict[str, str | None] = {}
    for cid, raw in contacts:
        try:
            number = phonenumbers.parse(raw, "US")
        except phonenumbers.NumberParseException:
            e164_of[cid] = None
            continue
        keep = (
            phonenumbers.is_valid_number(number)
            and phonenumbers.region_code_for_number(number) in ALLOWED
            and phonenumbers.number_type(number) not in BLOCKED
        )
        e164_of[cid] = (
            phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            if keep
            else None
        )
    owner: dict[str, str] = {}
    for cid, raw in contacts:  # a number already written in E.164 keeps it
        e164 = e164_of[cid]
        if e164 is not None and raw == e164:
            owner.setdefault(e164, cid)
    for cid, _ in contacts:
        e164 = e164_of[cid]
        if e164 is not None:
            owner.setdefault(e164, cid)
    verdict, kept = {}, {}
    for cid, raw in contacts:
        e164 = e164_of[cid]
        if e164 is None or owner[e164] != cid:
            verdict[cid] = "purge"
        else:
            verdict[cid] = "unchanged" if raw == e164 else "normalise"
            kept[cid] = e164
    return verdict, kept


def _seed_list(control: Any, phones: Sequence[str]) -> tuple[str, dict[str, str]]:
    list_id = control.create_list("sanitise", [{"name": "tier", "type": "string"}])
    ids: dict[str, str] = {}
    for start in range(0, len(phones), 5000):
        chunk = [
            {
                "phone": phone,
                "firstName": f"F{start + i}",
                "lastName": "Test",
                "email": f"c{start + i}@example.com",
                "attributes": {"tier": "gold" if i % 2 else "silver"},
            }
            for i, phone in enumerate(phones[start : start + 5000])
        ]
        for contact in control.add_contacts(list_id, chunk):
            ids[contact["id"]] = contact["phone"]
    return list_id, ids


async def _current(settings: Settings, list_id: str) -> dict[str, str]:
    async with CXoneClient(settings) as client:
        return {c.id: c.phone or "" for c in await fetch_contacts(client, list_id)}


async def _run(
    settings: Settings, plan: Plan, state_dir: Path, resume: str | None = None
) -> tuple[RunSummary, SanitizeJob]:
    async with open_api(settings) as api:
        contacts = await fetch_contacts(api, plan.list_id)

    def factory(observer: RequestObserver) -> OpenedApi:
        return open_api(settings, observer=observer)

    job = SanitizeJob(plan, contacts, concurrency=16)
    runner = Runner(
        job, PlanSource(plan, contacts), RunConfig(state_dir, resume=resume), client_factory=factory
    )
    return await runner.run(), job


async def _make_plan(settings: Settings, list_id: str) -> Plan:
    """The plan, read through the settings' dialect (`list_id` in that dialect)."""
    async with open_api(settings) as api:
        contacts = await fetch_contacts(api, list_id)
    return await plan_list(list_id, contacts, DIRECTIVE)


async def _reimport(settings: Settings, list_id: str, restore: Path) -> None:
    async with CXoneClient(settings) as client:
        job = await client.start_import(gzip.compress(restore.read_bytes()), list_id=list_id)
        for _ in range(600):  # poll with a deadline (60 s)
            state = await client.get_import_job(job.job_id)
            if state.status in ("COMPLETED", "FAILED"):
                break
            await asyncio.sleep(0.1)
        assert state.status == "COMPLETED", state
        assert not state.row_errors, state.row_errors[:3]


@pytest.fixture
def fast_sandbox(sandbox_control: Any) -> Any:
    sandbox_control.set_rate_limit(100_000, burst=100_000)
    return sandbox_control


@pytest.mark.slow
async def test_fifty_thousand_contacts_plan_apply_and_restore(
    tmp_path: Path, settings: Settings, fast_sandbox: Any
) -> None:
    phones = _mix(50_000, seed=11)
    list_id, seeded = _seed_list(fast_sandbox, phones)
    plan = await _make_plan(settings, list_id)

    expected, kept = _independent_plan(list(seeded.items()))
    assert Counter(e.action.value for e in plan.entries) == Counter(expected.values())
    assert {e.contact_id: e.action.value for e in plan.entries} == expected
    counts = plan.counts()
    assert counts["normalise"] > 0 and counts["duplicates"] > 0
    assert {"blocked_line_type", "region_not_allowed", "invalid_country_code"} <= set(
        counts["purge_by_reason"]
    )

    summary, job = await _run(settings, plan, tmp_path / "state")
    assert summary.status == "completed", summary.fatal_error
    assert summary.counts == {"succeeded": counts["normalise"] + counts["purge"]}

    after = await _current(settings, list_id)
    purged = {e.contact_id for e in plan.to_purge}
    # every remaining contact holds the E.164, allowed number phonenumbers alone derived
    assert after == kept
    assert set(after) == set(seeded) - purged
    assert job.summary()["success_rate"] == 1.0

    restore = summary.run_dir / "restore.csv"
    rows = list(csv.DictReader(restore.open(newline="")))
    assert sorted(r["phone_number"] for r in rows) == sorted(seeded[c] for c in purged)
    assert rows[0].keys() == {"phone_number", "first_name", "last_name", "email", "tier"}
    await _reimport(settings, list_id, restore)
    restored = await _current(settings, list_id)
    assert sorted(restored.values()) == sorted(list(after.values()) + [seeded[c] for c in purged])


DELETE_PATHS = {
    "v2": "DELETE:/api/v2/campaigns/contacts/*",
    "admin": "DELETE:/inContactAPI/services/*/lists/call-lists/*/removeProspects",
}


async def test_server_error_during_purge_halts_deletes_until_resumed(
    tmp_path: Path, dialect_settings: Settings, fast_sandbox: Any
) -> None:
    settings = dialect_settings
    phones = _mix(2_000, seed=12)
    list_id, seeded = _seed_list(fast_sandbox, phones)
    plan = await _make_plan(settings, list_id_for(settings, fast_sandbox, list_id))
    purged = {e.contact_id for e in plan.to_purge}
    fast_sandbox.set_faults(f"error@{DELETE_PATHS[settings.dialect]}=0.05:503,seed=3")

    summary, job = await _run(settings, plan, tmp_path / "state")
    assert job.halted
    failed = list(csv.DictReader((summary.run_dir / "failed.csv").open(newline="")))
    assert failed and {r["error_code"] for r in failed} == {HALTED}
    assert summary.counts["failed"] == len(failed)
    midway = await _current(settings, list_id)
    gone = set(seeded) - set(midway)
    assert gone and gone < purged  # deletion stopped part way, only planned contacts gone
    assert len(gone) < len(purged) - len(failed) + 1

    fast_sandbox.clear_faults()
    resumed, job2 = await _run(settings, plan, tmp_path / "state", resume=summary.run_id)
    assert resumed.run_id == summary.run_id
    assert not job2.halted
    assert job2.sent["delete"] == len(failed)
    after = await _current(settings, list_id)
    assert set(seeded) - set(after) == purged
    assert all(e.action is not Action.PURGE or e.contact_id not in after for e in plan.entries)
    restore_rows = list(csv.DictReader((resumed.run_dir / "restore.csv").open(newline="")))
    assert sorted(r["phone_number"] for r in restore_rows) == sorted(seeded[c] for c in purged)
