"""HTML run reports: what each kind of run folder renders to, and that run data stays inert."""

from __future__ import annotations

import json
import math
import re
import tracemalloc
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from tests.engine.report_runs import (
    busy_run,
    engine_run,
    outcome,
    request,
    run_line,
    write_run,
)

from cxone_outbound.report import load_run, render_report, write_report
from cxone_outbound.report.audit_stats import AuditStats
from cxone_outbound.report.page_assets import SCRIPT, script_hash
from cxone_outbound.report.sections import job_sections
from cxone_outbound.report.svg import nice_step
from cxone_outbound.report.timeline import Timeline

FAILED_HEADER = ["line", "error_code", "error_message", "error_field", "attempts", "id", "name"]
HOSTILE = [
    "<script>window.__pwned = 1</script>",
    '"><img src=x onerror="window.__pwned = 2">',
    "</td></tr></table><h1>injected</h1>",
    "javascript:alert(1)",
]


def render(run_dir: Path) -> str:
    return render_report(load_run(run_dir, now=0.0))


def kpi(page: str, label: str) -> str:
    match = re.search(
        rf'<div class="label">{re.escape(label)}</div><div class="value">([^<]*)</div>', page
    )
    assert match, f"no KPI {label!r}"
    return match.group(1)


# the timeline and the audit statistics


@given(st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), max_size=300))
def test_timeline_keeps_every_event_in_at_most_max_buckets(times: list[float]) -> None:
    timeline = Timeline(max_buckets=10)
    for t in times:
        timeline.add(t, "x")
    buckets = timeline.buckets()
    assert len(buckets) <= 10
    assert sum(b.counts["x"] for b in buckets) == len(times)


@given(st.lists(st.floats(min_value=0, max_value=1e5, allow_nan=False), min_size=1, max_size=200))
def test_timeline_puts_each_event_in_the_slice_holding_its_time(times: list[float]) -> None:
    for t in times:
        timeline = Timeline(max_buckets=8)
        for other in times:
            timeline.add(other, "other")
        timeline.add(t, "me")
        (home,) = [b for b in timeline.buckets() if b.counts["me"]]
        assert home.start_s <= t < home.start_s + home.width_s


def test_session_gaps_are_left_out_of_active_time(tmp_path: Path) -> None:
    stats = AuditStats()
    for line in [
        run_line(1000, "started"),
        outcome(1010),
        run_line(1010, "interrupted"),
        run_line(90000, "resumed"),
        outcome(90005),
    ]:
        stats.add(line)
    assert stats.active_s == 15
    assert [(m.at_s, m.event) for m in stats.markers] == [(0, "started"), (10, "resumed")]
    assert stats.timeline.width_s == 1  # a day's gap did not coarsen the timeline


def test_429s_retries_and_server_errors_are_counted_from_request_lines() -> None:
    stats = AuditStats()
    for line in [
        request(1, status=429),
        request(1.5, status=200, attempt=2),
        request(2, status=503),
        request(3, status=None, attempt=3),
    ]:
        stats.add(line)
    assert stats.requests == 4
    assert stats.timeline.total("throttled") == 1
    assert stats.timeline.total("retries") == 2
    assert stats.timeline.total("errors") == 2
    assert stats.statuses == {"429": 1, "200": 1, "503": 1, "no answer": 1}


def test_latency_bins_place_each_attempt_by_its_elapsed_time() -> None:
    stats = AuditStats()
    for ms in (0.5, 3, 3, 40, 120_000):
        stats.add(request(1, ms=ms))
    nonzero = {i: n for i, n in enumerate(stats.latency_bins) if n}
    assert nonzero == {0: 1, 2: 2, 5: 1, len(stats.latency_bins) - 1: 1}


def test_counted_outcome_lines_add_their_records_to_the_timeline() -> None:
    stats = AuditStats()
    stats.add({"type": "outcomes", "ts": 1.0, "counts": {"succeeded": 2000}})
    stats.add(outcome(1.5, "failed", "REFUSED"))
    stats.add({"type": "outcomes", "ts": 2.0, "counts": {"succeeded": -3, "x": 1}})
    assert stats.outcomes == {"succeeded": 2000, "failed": 1}
    assert stats.timeline.total("succeeded") == 2000


def test_distinct_error_codes_are_capped_with_the_rest_as_other() -> None:
    stats = AuditStats()
    for n in range(80):
        stats.add(outcome(1, "failed", f"CODE_{n}"))
    assert len(stats.failure_codes) == 51
    assert stats.failure_codes["other"] == 30


def test_the_audit_log_is_streamed_in_memory_that_does_not_grow_with_it(tmp_path: Path) -> None:
    lines = [request(1000 + i / 50, status=429 if i % 7 == 0 else 200) for i in range(60_000)]
    run_dir = write_run(tmp_path / "big", audit=lines)
    size = (run_dir / "audit.jsonl").stat().st_size
    tracemalloc.start()
    try:
        data = load_run(run_dir)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert data.audit.requests == 60_000
    assert peak < size / 5


@given(st.floats(min_value=1e-3, max_value=1e9, allow_nan=False))
def test_axis_steps_are_round_and_cover_the_peak(peak: float) -> None:
    step = nice_step(peak)
    assert step * 4 >= peak * (1 - 1e-9)
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert any(abs(mantissa - m) < 1e-6 for m in (1, 2, 2.5, 5, 10))


# pages of real engine runs


async def test_report_shows_the_counts_of_an_engine_run(tmp_path: Path) -> None:
    summary = await engine_run(tmp_path, "id,name\n1,a\n2,b\n3,c\n,no id\n", refuse={"2": "nope"})
    page = render(summary.run_dir)
    assert kpi(page, "Succeeded") == "2"
    assert kpi(page, "Failed") == "2"
    assert '<span class="badge completed">completed</span>' in page
    assert "Records per second over time" in page


async def test_empty_run_renders_and_says_nothing_was_sent(tmp_path: Path) -> None:
    summary = await engine_run(tmp_path, "id,name\n")
    page = render(summary.run_dir)
    assert kpi(page, "Succeeded") == "0"
    assert "nothing was sent" in page
    assert "No failed record." in page


async def test_dry_run_report_says_what_would_have_been_sent(tmp_path: Path) -> None:
    summary = await engine_run(tmp_path, "id,name\n1,a\n2,b\n,bad\n", dry_run=True)
    page = render(summary.run_dir)
    assert "badge dry-run" in page
    assert "It would have sent 2 record(s) in 1 batch(es)" in page
    assert "MISSING_ID" in page


async def test_run_with_only_failures_lists_every_one(tmp_path: Path) -> None:
    summary = await engine_run(
        tmp_path, "id,name\n1,a\n2,b\n", refuse={"1": "refused one", "2": "refused two"}
    )
    page = render(summary.run_dir)
    assert kpi(page, "Succeeded") == "0"
    assert "The first 2 of 2 failed record(s)" in page
    assert "refused one" in page and "refused two" in page
    assert '<span class="name">REFUSED</span>' in page  # failures by code


def test_interrupted_run_says_how_to_resume(tmp_path: Path) -> None:
    run_dir = write_run(tmp_path / "r9", summary={"run_id": "r9", "status": "interrupted"})
    assert "<code>--resume r9</code>" in render(run_dir)


def test_failures_table_shows_the_first_rows_and_counts_the_rest(tmp_path: Path) -> None:
    rows = [[str(i), "E", "m", "", "1", str(i), "n"] for i in range(2, 122)]
    run_dir = write_run(tmp_path / "r", summary={}, failed_rows=[FAILED_HEADER, *rows])
    page = render(run_dir)
    assert "The first 50 of 120 failed record(s)" in page
    assert page.count("<tr>") == 51  # the header and 50 rows


# hostile run data


def test_hostile_failed_cells_are_rendered_as_text(tmp_path: Path) -> None:
    rows = [["2", "BAD", cell, "", "1", cell, cell] for cell in HOSTILE]
    run_dir = write_run(tmp_path / "r", summary={}, failed_rows=[FAILED_HEADER, *rows])
    page = render(run_dir)
    assert page.count("<script") == 1  # the page's own
    assert "<img" not in page and "<h1>injected" not in page
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page
    assert "&quot;&gt;&lt;img src=x onerror=&quot;window.__pwned = 2&quot;&gt;" in page


def test_hostile_summary_and_audit_values_are_rendered_as_text(tmp_path: Path) -> None:
    evil = "<script>window.__pwned = 3</script>"
    run_dir = write_run(
        tmp_path / "r",
        summary={"run_id": evil, "job": evil, "status": evil, "input": evil, "fatal_error": evil,
                 evil: {evil: 3, "nested": {evil: evil}}},
        audit=[outcome(1, "failed", evil), request(1, status=None)],
    )  # fmt: skip
    page = render(run_dir)
    assert page.count("<script") == 1
    assert "&lt;script&gt;window.__pwned = 3&lt;/script&gt;" in page


def test_the_page_references_nothing_outside_itself(tmp_path: Path) -> None:
    page = render(busy_run(tmp_path / "r1"))
    assert "://" not in page
    assert not re.search(r"\b(src|href)\s*=|url\(|@import", page)


def test_only_the_pages_own_script_may_run(tmp_path: Path) -> None:
    page = render(busy_run(tmp_path / "r1"))
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page)
    assert policy is not None
    assert f"script-src {script_hash(SCRIPT)};" in policy.group(1).replace("&#x27;", "'")
    assert "default-src &#x27;none&#x27;" in policy.group(1)
    assert f"<script>{SCRIPT}</script>" in page


# damaged folders


def test_missing_summary_and_unreadable_audit_lines_become_notes(tmp_path: Path) -> None:
    run_dir = write_run(tmp_path / "r", audit=[outcome(1), outcome(2, "failed", "X")])
    with (run_dir / "audit.jsonl").open("a") as fh:
        fh.write('{"type": "outc\n[1, 2]\n')
    page = render(run_dir)
    assert "summary.json is missing" in page
    assert "2 unreadable line(s) were skipped" in page
    assert kpi(page, "Failed") == "1"  # counted from the audit instead


def test_write_report_puts_report_html_in_the_run_folder(tmp_path: Path) -> None:
    run_dir = busy_run(tmp_path / "r1")
    path = write_report(run_dir)
    assert path == run_dir / "report.html"
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


# job sections of summary.json


def test_fill_rates_per_attribute_become_a_percentage_chart() -> None:
    summary = {
        "counts": {"succeeded": 1},
        "enrich": {
            "fillRates": {
                "rows": 10,
                "attributes": {
                    "tier": {"fillRate": 0.9, "sent": 9, "invalid": 1},
                    "score": {"fillRate": 0.25, "sent": 2, "invalid": 0},
                },
            },
            "batchLatency": {"batches": 3, "p50Ms": 12.5},
        },
    }
    (section,) = job_sections(summary)
    (chart,) = section.charts
    assert chart.ratio
    assert [(b.label, b.value) for b in chart.bars] == [("tier", 0.9), ("score", 0.25)]
    assert ("Fill rates › Rows", "10") in section.facts
    assert ("Batch latency › P50 ms", "12.5") in section.facts


def test_purge_reasons_become_counts_ranked_from_the_largest() -> None:
    summary = {"sanitize": {"plan": {"unchanged": 5, "purge": {"TOO_SHORT": 2, "INVALID": 7}}}}
    (section,) = job_sections(summary)
    (chart,) = section.charts
    assert chart.title == "Plan › Purge" and not chart.ratio
    assert [(b.label, b.value) for b in chart.bars] == [("INVALID", 7), ("TOO_SHORT", 2)]


def test_fill_rates_and_purge_reasons_appear_on_the_page(tmp_path: Path) -> None:
    run_dir = busy_run(tmp_path / "r1")
    summary = json.loads((run_dir / "summary.json").read_text())
    summary["enrich"] = {"fillRates": {"attributes": {"tier": {"fillRate": 0.5}}}}
    summary["sanitize"] = {"purgeReasons": {"DISPOSABLE": 4}}
    (run_dir / "summary.json").write_text(json.dumps(summary))
    page = render(run_dir)
    assert "Enrich report" in page and "50.0 %" in page
    assert "Sanitize report" in page and '<span class="name">DISPOSABLE</span>' in page


def test_the_engines_own_keys_are_not_job_sections() -> None:
    summary = {"counts": {"succeeded": 3}, "metrics": {"requests": 3}, "planned": {"records": 1}}
    assert job_sections(summary) == []
