"""Hypothesis: malformed CSV files through import, update and enrich on the real engine.

Good rows are written, then some lines are broken (a stray quote that never closes, a NUL byte,
a missing or an extra cell, a line over the reader's limit). Whatever the damage, every run
accounts for every line (read = succeeded + failed + skipped), each broken line fails on its
own, each good line succeeds, and nothing that was sent spans two lines.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.engine.live import assert_accounted
from tests.jobs.test_enrich_job import MAPPING, AtomicEnrichApi
from tests.jobs.test_import_job import FakeImportApi
from tests.jobs.test_update_job import FakeContacts

from cxone_outbound.engine import CsvOptions, CsvSource, Job, RunConfig, Runner, RunSummary
from cxone_outbound.jobs.enrich.job import EnrichJob
from cxone_outbound.jobs.import_ import IMPORT_FIELDS, ImportJob, ImportOptions
from cxone_outbound.jobs.update import CONTACT_FIELDS, UpdateJob

LIMIT = 120  # the reader's record limit in these runs: a long line is cheap to write
DAMAGE = ("quote", "nul", "short", "extra", "long")
word = st.text(alphabet="abcdefghij XYZ", min_size=1, max_size=6).map(
    lambda s: s.strip() or "w"
)
damage = st.lists(st.one_of(st.none(), st.sampled_from(DAMAGE)), min_size=1, max_size=10)


def broken(cells: list[str], kind: str | None, rng: int) -> list[str]:
    """`cells` with one kind of damage; which field is hit is chosen by `rng`."""
    if kind is None:
        return cells
    at = rng % len(cells)
    out = list(cells)
    if kind == "quote":  # opens a quoted value before a non-empty field, never closed
        out[at] = '"' + out[at]
    elif kind == "nul":
        out[at] = out[at][:1] + "\x00" + out[at][1:]
    elif kind == "short":
        del out[at]
    elif kind == "extra":
        out.insert(at, "x")
    else:
        out[at] = out[at] + "z" * LIMIT
    return out


def write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    return path


async def run(job: Job, source: CsvSource, api: Any, state: Path) -> RunSummary:
    @contextlib.asynccontextmanager
    async def factory(observer: Any) -> AsyncIterator[Any]:
        yield api

    summary = await Runner(job, source, RunConfig(state), client_factory=factory).run()
    assert summary.status == "completed", summary.fatal_error
    assert_accounted(summary, source)
    return summary


def outcomes(summary: RunSummary) -> tuple[set[int], set[int]]:
    def lines(name: str) -> set[int]:
        text = (summary.run_dir / name).read_text(encoding="utf-8").splitlines()[1:]
        return {int(line.split(",", 1)[0]) for line in text if line[:1].isdigit()}

    return lines("succeeded.csv"), lines("failed.csv")


def check(summary: RunSummary, kinds: list[str | None]) -> None:
    """Good lines succeeded, broken lines failed, each line once, none merged with another."""
    good = {n + 2 for n, kind in enumerate(kinds) if kind is None}
    bad = {n + 2 for n, kind in enumerate(kinds) if kind is not None}
    assert summary.accounting is not None and summary.accounting.read == len(kinds)
    assert outcomes(summary) == (good, bad)


def no_value_spans_rows(values: Mapping[str, Any]) -> None:
    assert not any("\n" in str(v) or "\r" in str(v) for v in values.values())


fuzz = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@fuzz
@given(kinds=damage, names=st.lists(word, min_size=10, max_size=10), rng=st.integers(0, 99))
def test_import_of_a_malformed_file_accounts_for_every_line(
    tmp_path_factory: pytest.TempPathFactory, kinds: list[str | None], names: list[str], rng: int
) -> None:
    tmp = tmp_path_factory.mktemp("imp")
    rows = [
        broken([f"+1415555{n:04d}", names[n], "L", f"u{n}@example.com", "t"], kind, rng + n)
        for n, kind in enumerate(kinds)
    ]
    path = write(tmp / "c.csv", ["phone_number", "first_name", "last_name", "email", "tier"], rows)
    api = FakeImportApi()
    source = CsvSource(path, CsvOptions(record_limit=LIMIT), aliases=IMPORT_FIELDS)
    job = ImportJob(ImportOptions(chunk_size=4, poll_initial_s=0.0), ["tier"])
    summary = asyncio.run(run(job, source, api, tmp / "state"))
    check(summary, kinds)
    sent = {f"+1415555{n:04d}" for n, kind in enumerate(kinds) if kind is None}
    assert dict(api.imported) == dict.fromkeys(sent, 1)


class RecordingContacts(FakeContacts):
    """Keeps each PATCH body, to see exactly what was sent."""

    def __init__(self, known: set[str]) -> None:
        super().__init__(known)
        self.bodies: dict[str, Mapping[str, Any]] = {}

    async def update_contact(
        self, contact_id: str, changes: Mapping[str, Any], *, list_id: str | None = None
    ) -> None:
        await super().update_contact(contact_id, changes, list_id=list_id)
        self.bodies[contact_id] = changes


@fuzz
@given(kinds=damage, names=st.lists(word, min_size=10, max_size=10), rng=st.integers(0, 99))
def test_update_of_a_malformed_file_accounts_for_every_line(
    tmp_path_factory: pytest.TempPathFactory, kinds: list[str | None], names: list[str], rng: int
) -> None:
    tmp = tmp_path_factory.mktemp("upd")
    ids = [f"c{n}" for n in range(len(kinds))]
    rows = [broken([ids[n], names[n], "gold"], kind, rng + n) for n, kind in enumerate(kinds)]
    path = write(tmp / "u.csv", ["contactId", "firstName", "tier"], rows)
    api = RecordingContacts(set(ids))
    source = CsvSource(path, CsvOptions(record_limit=LIMIT), aliases=CONTACT_FIELDS)
    summary = asyncio.run(run(UpdateJob(concurrency=2), source, api, tmp / "state"))
    check(summary, kinds)
    expected = {
        ids[n]: {"firstName": names[n], "attributes": {"tier": "gold"}}
        for n, kind in enumerate(kinds)
        if kind is None
    }
    assert api.bodies == expected
    for body in api.bodies.values():
        no_value_spans_rows(body["attributes"])


@fuzz
@given(kinds=damage, tiers=st.lists(word, min_size=10, max_size=10), rng=st.integers(0, 99))
def test_enrich_of_a_malformed_file_accounts_for_every_line(
    tmp_path_factory: pytest.TempPathFactory, kinds: list[str | None], tiers: list[str], rng: int
) -> None:
    tmp = tmp_path_factory.mktemp("enr")
    ids = [f"c{n}" for n in range(len(kinds))]
    rows = [broken([ids[n], tiers[n], str(n)], kind, rng + n) for n, kind in enumerate(kinds)]
    path = write(tmp / "crm.csv", ["id", "tier", "score"], rows)
    api = AtomicEnrichApi(set(ids))
    source = CsvSource(path, CsvOptions(record_limit=LIMIT))
    job = EnrichJob(MAPPING, list_id="L", campaign_id="C", batch_size=3, concurrency=1)
    summary = asyncio.run(run(job, source, api, tmp / "state"))
    check(summary, kinds)
    expected = {
        ids[n]: {"tier": tiers[n].strip().lower(), "score": n}
        for n, kind in enumerate(kinds)
        if kind is None
    }
    assert api.attributes == expected
    for attributes in api.attributes.values():
        no_value_spans_rows(attributes)
