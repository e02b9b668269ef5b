"""`ScrubbingJob`: the wrapped job never sees a DNC match, in send, batch ids or reconcile."""

from __future__ import annotations

import csv
import random
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from cxone_outbound.client.clock import FakeClock
from cxone_outbound.dnc import DncScreen, parse_dnc_line
from cxone_outbound.engine import BaseJob, Batch, Item, Outcome, Record, RecordError, RunContext
from cxone_outbound.engine.metrics import RunMetrics
from cxone_outbound.engine.records import State
from cxone_outbound.jobs.dnc_scrub import Scrubbed, ScrubbingJob


class Recorder(BaseJob):
    """A job that remembers what it was asked to batch, send and reconcile."""

    name = "import"
    batch_size = 10

    def __init__(self) -> None:
        self.named: list[list[str]] = []
        self.sent: list[list[str]] = []
        self.reconciled: list[list[str]] = []
        self.answer: Sequence[Outcome] | None = None

    def prepare(self, record: Record) -> Item | RecordError:
        phone = record.fields["phone"]
        if not phone.startswith("+"):
            return RecordError("INVALID_E164", "not E.164", "phone")
        return Item(record, phone)

    def batch_id(self, items: Sequence[Item], attempt: int) -> str:
        self.named.append([i.key for i in items])
        return "inner-" + "-".join(i.key for i in items)

    async def send(self, batch: Batch, ctx: RunContext) -> Sequence[Outcome]:
        self.sent.append(batch.keys)
        return [Outcome.succeeded(k) for k in batch.keys]

    async def reconcile(self, batch: Batch, ctx: RunContext) -> Sequence[Outcome] | None:
        self.reconciled.append(batch.keys)
        return None if self.answer is None else [Outcome.succeeded(k) for k in batch.keys]

    def summary_extra(self, ctx: RunContext) -> Mapping[str, Any]:
        return {"import": {"ok": True}}


LISTED = {"+12125550101": "federal", "+12125550102": "tenant"}


class Listed:
    """A stand-in DNC file: `match` by a dict."""

    path = Path("listed.bin")
    count = len(LISTED)
    source_names = ("federal",)

    def match(self, e164: str) -> str | None:
        return LISTED.get(e164)

    def close(self) -> None:
        pass


def _job() -> tuple[ScrubbingJob, Recorder]:
    inner = Recorder()
    screen = DncScreen([Listed()])  # type: ignore[list-item]
    return ScrubbingJob(inner, screen, lambda item: item.payload, header=["phone"]), inner


def _ctx(tmp_path: Path) -> RunContext:
    return RunContext("run", tmp_path, None, FakeClock(), random.Random(0), RunMetrics())


def _items(job: ScrubbingJob, *phones: str) -> list[Item]:
    out = []
    for n, phone in enumerate(phones, start=2):
        item = job.prepare(Record(str(n), n, {"phone": phone}, [phone]))
        assert isinstance(item, Item)
        out.append(item)
    return out


async def test_matches_are_skipped_and_only_the_rest_reach_the_wrapped_job(
    tmp_path: Path,
) -> None:
    job, inner = _job()
    items = _items(job, "+12125550101", "+13105550100", "+12125550102")
    batch = Batch(job.batch_id(items, 1), items)
    outcomes = await job.send(batch, _ctx(tmp_path))
    assert inner.named == [["3"]] and inner.sent == [["3"]] and batch.id == "inner-3"
    by_key = {o.key: o for o in outcomes}
    assert by_key["3"].state is State.SUCCEEDED
    assert (by_key["2"].state, by_key["2"].error.message) == (State.SKIPPED, "DNC:federal")
    assert by_key["4"].error is not None and by_key["4"].error.message == "DNC:tenant"
    with (tmp_path / "scrubbed.csv").open(newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows == [["line", "phone_e164", "dnc_source", "phone"],
                    ["2", "'+12125550101", "federal", "'+12125550101"],
                    ["4", "'+12125550102", "tenant", "'+12125550102"]]


async def test_a_batch_of_matches_only_never_calls_the_wrapped_job(tmp_path: Path) -> None:
    job, inner = _job()
    items = _items(job, "+12125550101", "+12125550102")
    batch = Batch(job.batch_id(items, 1), items)
    outcomes = await job.send(batch, _ctx(tmp_path))
    assert batch.id.startswith("dnc-") and inner.named == [] and inner.sent == []
    assert {o.state for o in outcomes} == {State.SKIPPED}
    assert await job.reconcile(batch, _ctx(tmp_path)) is not None
    assert inner.reconciled == []


async def test_reconcile_hands_the_wrapped_job_the_rows_it_was_sent(tmp_path: Path) -> None:
    job, inner = _job()
    items = _items(job, "+13105550100", "+12125550101", "+13105550101")
    batch = Batch(job.batch_id(items, 1), items, remote_id="job-1")
    assert await job.reconcile(batch, _ctx(tmp_path)) is None  # inner: send it again
    inner.answer = []
    outcomes = await job.reconcile(batch, _ctx(tmp_path))
    assert inner.reconciled == [["2", "4"], ["2", "4"]]
    assert outcomes is not None and sorted(o.key for o in outcomes) == ["2", "3", "4"]


def test_invalid_rows_stay_the_wrapped_jobs_errors_and_the_summary_counts_matches(
    tmp_path: Path,
) -> None:
    job, _ = _job()
    assert isinstance(job.prepare(Record("2", 2, {"phone": "2125550101"})), RecordError)
    item = job.prepare(Record("3", 3, {"phone": "+12125550101"}))
    assert isinstance(item, Item) and item.payload == Scrubbed("federal", "+12125550101")
    sections = job.summary_extra(_ctx(tmp_path))
    assert sections["import"] == {"ok": True}
    assert sections["dnc"]["by_source"] == {"federal": 1}
    assert job.name == "import" and job.options()["scrub_dnc"]["tenant"] is False


_area = st.integers(200, 999)
_exchange = st.integers(200, 999)
_line = st.integers(0, 9999)
_separators = st.sampled_from(["", " ", "-", ".", "(", ")", ","])


@given(_area, _exchange, _line, st.lists(_separators, min_size=3, max_size=3),
       st.booleans(), st.sampled_from(["", "\r", "  "]))
def test_a_us_number_reads_the_same_however_it_is_punctuated(
    area: int, exchange: int, line: int, seps: list[str], country: bool, tail: str,
) -> None:
    prefix = "1" + seps[0] if country else ""
    text = f"{prefix}{seps[0]}{area}{seps[1]}{exchange}{seps[2]}{line:04d}"
    assert parse_dnc_line(f"{text}{tail}\n".encode()) == int(f"1{area}{exchange}{line:04d}")
    assert parse_dnc_line(f"+1 {area} {exchange} {line:04d}".encode()) == int(
        f"1{area}{exchange}{line:04d}")


@given(st.binary(max_size=40))
def test_any_line_is_a_key_a_refusal_or_nothing_never_an_exception(raw: bytes) -> None:
    result = parse_dnc_line(raw)
    assert result is None or isinstance(result, int) or result.reason
    if isinstance(result, int):
        assert 0 < result < 10**15
