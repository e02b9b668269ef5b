"""`cxo demo` end to end on a small workload: every job ran, summarised and reported."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from cxone_outbound.cli.main import invoke
from cxone_outbound.demo import DemoOptions, DemoResult, run_demo

pytestmark = [pytest.mark.xdist_group("demo"), pytest.mark.timeout(120)]

JOBS = ("import", "update", "enrich", "enrich (changed only)", "sanitize (plan)",
        "sanitize (apply)", "preview (apply)", "check")


@pytest.fixture(scope="module", params=["v2", "admin"])
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[DemoResult, str]]:
    """One small demo per dialect: `admin` runs every job through the sandbox's Admin API."""
    state_dir = tmp_path_factory.mktemp("demo-state")
    console = Console(record=True, width=160, force_terminal=False)
    options = DemoOptions(state_dir=state_dir, contacts=3000, fresh=True, progress="none",
                          dialect=request.param)
    result = run_demo(options, invoke, console)
    yield result, console.export_text()


def test_demo_runs_as_designed(demo: tuple[DemoResult, str]) -> None:
    result, _ = demo
    assert result.problems == []
    assert [r.step.label for r in result.results] == [
        "import", "update", "enrich", "enrich (changed only)", "sanitize (plan)",
        "sanitize (apply)", "preview (plan)", "preview (apply)", "check",
    ]


def test_the_second_enrichment_sends_nothing_the_list_already_holds(
    demo: tuple[DemoResult, str],
) -> None:
    result, text = demo
    first = next(r for r in result.results if r.step.label == "enrich")
    again = next(r for r in result.results if r.step.label == "enrich (changed only)")
    assert again.summary["counts"]["unchanged"] == first.summary["counts"]["succeeded"]
    assert again.summary["counts"].get("succeeded", 0) == 0
    assert again.summary["sync"]["sent"] == 0
    assert f"{again.summary['sync']['unchanged']:,} unchanged, 0 sent" in text


@pytest.mark.parametrize("label", JOBS)
def test_every_job_leaves_a_summary_and_a_report(
    demo: tuple[DemoResult, str], label: str
) -> None:
    result, _ = demo
    step = next(r for r in result.results if r.step.label == label)
    assert step.run_dir is not None
    summary = json.loads((step.run_dir / "summary.json").read_text())
    assert summary["run_id"] == step.run_id
    assert step.report is not None
    page = step.report.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") or page.lower().startswith("<!doctype html>")
    assert step.run_id in page


def test_junk_fails_by_design_but_most_records_go_through(demo: tuple[DemoResult, str]) -> None:
    result, _ = demo
    by_label = {r.step.label: r.summary["counts"] for r in result.results if r.summary}
    for label in ("import", "update", "enrich"):
        counts = by_label[label]
        assert counts["failed"] > 0, label  # the workload carries junk on purpose
        assert counts["succeeded"] > 5 * counts["failed"], label


def test_sanitize_applies_exactly_the_plan_it_printed(demo: tuple[DemoResult, str]) -> None:
    result, _ = demo
    plan = next(r for r in result.results if r.step.label == "sanitize (plan)")
    apply = next(r for r in result.results if r.step.label == "sanitize (apply)")
    assert plan.summary["status"] == "dry-run"
    assert apply.summary["counts"]["succeeded"] == plan.summary["planned"]["records"]


def test_the_listener_receives_signed_events_from_the_jobs(
    demo: tuple[DemoResult, str],
) -> None:
    result, _ = demo
    assert result.events.get("import.completed", 0) >= 1
    assert result.events.get("contact.enriched", 0) >= 1
    assert result.events.get("campaign.preview.activated") == 1


def test_the_closing_table_names_every_job_and_its_report(demo: tuple[DemoResult, str]) -> None:
    result, text = demo
    table = text[text.index("cxo demo: every run"):]
    for step in result.results:
        assert step.step.label in table
        if step.report is not None:
            assert step.run_id is not None and step.run_id in table
    assert "expected" in table  # failures by design are said to be so


def test_a_second_session_reuses_the_sandbox_state(tmp_path: Path) -> None:
    console = Console(record=True, width=160)
    options = DemoOptions(state_dir=tmp_path, contacts=300, progress="none")
    first = run_demo(options, invoke, console)
    second = run_demo(options, invoke, console)
    assert first.ok and second.ok
    assert (tmp_path / "demo" / "sandbox.db").exists()
    assert first.folder != second.folder


def test_the_list_as_read_back_is_kept_in_a_file_of_the_session(
    demo: tuple[DemoResult, str],
) -> None:
    """The rest of the workload is drawn from this file as a stream: the demo never holds the
    list, so its own memory does not grow with `--contacts`."""
    result, text = demo
    assert result.folder is not None
    with (result.folder / "list-as-imported.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["contactId", "phone"]
    ids = [row[0] for row in rows[1:]]
    assert len(set(ids)) == len(ids) > 0 and all(ids)
    assert f"the list holds {len(ids):,} contacts" in text
