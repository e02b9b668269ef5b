"""`ScreeningJob`: the wrapped job never sees a screened-out record (a DNC match, a blocked
verdict), in send, batch ids or reconcile; it sends each kept row's time zone."""

from __future__ import annotations

import csv
import random
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from cxone_outbound.client.clock import FakeClock
from cxone_outbound.dialability.timezones import ZoneFinder
from cxone_outbound.dialability.windows import CallingPolicy
from cxone_outbound.dialability.zone_fill import ZoneFill
from cxone_outbound.dnc import DncScreen, parse_dnc_line
from cxone_outbound.engine import BaseJob, Batch, Item, Outcome, Record, RecordError, RunContext
from cxone_outbound.engine.metrics import RunMetrics
from cxone_outbound.engine.records import State
from cxone_outbound.jobs.check import Checker
from cxone_outbound.jobs.screening import Screened, ScreeningJob, TimeZoneCell
from cxone_outbound.phones import PhoneNormalizer


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


def _job() -> tuple[ScreeningJob, Recorder]:
    inner = Recorder()
    screen = DncScreen([Listed()])  # type: ignore[list-item]
    return ScreeningJob(inner, lambda item: item.payload, header=["phone"], screen=screen), inner


def _ctx(tmp_path: Path) -> RunContext:
    return RunContext("run", tmp_path, None, FakeClock(), random.Random(0), RunMetrics())


def _items(job: ScreeningJob, *phones: str) -> list[Item]:
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
    assert isinstance(item, Item) and item.payload == Screened("+12125550101", "federal")
    sections = job.summary_extra(_ctx(tmp_path))
    assert sections["import"] == {"ok": True}
    assert sections["dnc"]["by_source"] == {"federal": 1}
    assert job.name == "import" and job.options()["scrub_dnc"]["tenant"] is False


class RowJob(Recorder):
    """A wrapped job whose payload is a row: (phone, time zone, zip)."""

    def prepare(self, record: Record) -> Item | RecordError:
        return Item(record, (record.fields["phone"], "", record.fields.get("zip", "")))

    async def send(self, batch: Batch, ctx: RunContext) -> Sequence[Outcome]:
        self.rows = [i.payload for i in batch.items]
        return await super().send(batch, ctx)


NOW = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)  # 10:00 in New York, 07:00 in San Francisco


def _screening(*, check: bool = True, zones: bool = True) -> tuple[ScreeningJob, RowJob]:
    inner = RowJob()
    finder = ZoneFinder()
    checker = Checker(CallingPolicy(), NOW, normalizer=PhoneNormalizer("US"), finder=finder,
                      dnc=DncScreen([Listed()]).match) if check else None  # type: ignore[list-item]
    cell = TimeZoneCell(ZoneFill(finder, own_column="tz", zip_column="zip"), 1) if zones else None
    job = ScreeningJob(inner, lambda item: item.payload[0], header=["phone", "zip", "tz"],
                       checker=checker, time_zone=cell,
                       facts={"zip_code": "zip", "contactId": "id"})
    return job, inner


def _record(n: int, phone: str, zip_code: str = "", tz: str = "") -> Record:
    fields = {"id": f"c{n}", "phone": phone, "zip": zip_code, "tz": tz}
    return Record(str(n), n, fields, [phone, zip_code, tz])


def _prepared(job: ScreeningJob, *records: Record) -> list[Item]:
    items = [job.prepare(r) for r in records]
    assert all(isinstance(i, Item) for i in items), items
    return items  # type: ignore[return-value]


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


async def test_a_blocked_record_is_skipped_with_every_reason_and_never_sent(
    tmp_path: Path,
) -> None:
    job, inner = _screening()
    items = _prepared(job, _record(2, "+12125550101"), _record(3, "+12125550199"))
    outcomes = {o.key: o for o in await job.send(Batch("b", items), _ctx(tmp_path))}
    assert inner.sent == [["3"]]
    assert outcomes["2"].state is State.SKIPPED and outcomes["2"].error is not None
    assert outcomes["2"].error.message == "BLOCKED: dnc: federal"
    (row,) = _csv(tmp_path / "dialability.csv")
    assert (row["line"], row["contact_id"], row["verdict"]) == ("2", "c2", "blocked")
    assert (tmp_path / "scrubbed.csv").exists()  # a DNC match is listed there too
    assert job.summary_extra(_ctx(tmp_path))["check"]["blocked_reasons"] == {"dnc": 1}


async def test_a_record_outside_its_window_is_sent_and_listed_with_when_it_opens(
    tmp_path: Path,
) -> None:
    job, inner = _screening()
    items = _prepared(job, _record(2, "+14155550101"), _record(3, "+12125550199"))
    outcomes = await job.send(Batch("b", items), _ctx(tmp_path))
    assert inner.sent == [["2", "3"]] and {o.state for o in outcomes} == {State.SUCCEEDED}
    (row,) = _csv(tmp_path / "dialability.csv")
    assert (row["line"], row["verdict"], row["callable_at"]) == (
        "2", "not_now", "2026-12-03T16:00:00Z")
    verdicts = job.summary_extra(_ctx(tmp_path))["check"]["verdicts"]
    assert verdicts == {"dialable": 1, "not_now": 1, "blocked": 0}


async def test_each_sent_row_carries_its_zone_and_a_row_without_one_is_listed(
    tmp_path: Path,
) -> None:
    job, inner = _screening(check=False)
    items = _prepared(job, _record(2, "+12125550101", "94105"), _record(3, "+12125550199"),
                      _record(4, "+16055550101"), _record(5, "+12125550100", tz="America/Boise"))
    await job.send(Batch("b", items), _ctx(tmp_path))
    assert [row[1] for row in inner.rows] == [
        "America/Los_Angeles", "America/New_York", "", "America/Boise"]
    (row,) = _csv(tmp_path / "no-time-zone.csv")
    assert (row["line"], row["reason"]) == ("4", "ambiguous")
    section = job.summary_extra(_ctx(tmp_path))["time_zone"]
    assert section["filled_by_source"] == {"column": 1, "phone": 1, "zip": 1}
    assert section["left_empty_by_reason"] == {"ambiguous": 1}


def test_a_row_whose_own_zone_is_not_an_iana_name_fails_alone() -> None:
    job, _ = _screening(check=False)
    error = job.prepare(_record(2, "+12125550101", tz="Eastern"))
    assert isinstance(error, RecordError)
    assert (error.code, error.field) == ("INVALID_TIME_ZONE", "tz")


def test_with_a_verdict_the_zone_sent_is_the_zone_judged() -> None:
    job, _ = _screening()
    (item,) = _prepared(job, _record(2, "+12125550199", "94105"))
    assert item.payload[1] == "America/Los_Angeles"


def test_a_dry_run_settles_screened_rows_and_lists_them_without_the_wrapped_job(
    tmp_path: Path,
) -> None:
    job, inner = _screening()
    items = _prepared(job, _record(2, "+12125550101"), _record(3, "+14155550101"))
    settled = job.settle_dry_run(Batch("", items), _ctx(tmp_path))
    assert [(o.key, o.state) for o in settled] == [("2", State.SKIPPED)]
    assert inner.sent == [] and inner.named == []
    assert [r["verdict"] for r in _csv(tmp_path / "dialability.csv")] == ["blocked", "not_now"]


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


def test_the_wrapped_jobs_choice_of_succeeded_rows_is_kept() -> None:
    from cxone_outbound.jobs.import_ import ImportJob

    assert ImportJob.succeeded_rows is False  # import's succeeded.csv: `line, remote_id`
    inner = Recorder()
    inner.succeeded_rows = False
    assert ScreeningJob(inner, lambda item: item.payload, header=["phone"]).succeeded_rows is False
    assert _job()[0].succeeded_rows is True
