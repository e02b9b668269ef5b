"""The demo's verdicts and closing table, from exit codes and run summaries."""

from __future__ import annotations

import tomllib
from pathlib import Path

from cxone_outbound.demo.steps import (
    Step,
    StepResult,
    Workload,
    problems,
    table_row,
    update_step,
)
from cxone_outbound.demo.workload import preview_toml

RUN = Step("import", "import", ("import", "x.csv"), "")
READ_ONLY = Step("preview (plan)", None, ("preview", "plan"), "")


def _done(step: Step, code: int, counts: dict[str, int], **summary: object) -> StepResult:
    return StepResult(step, code, 1.25, run_id="r1", run_dir=Path("/s/runs/r1"),
                      summary={"counts": counts, **summary}, report=Path("/s/runs/r1/report.html"))


def test_records_failing_by_design_are_as_designed() -> None:
    assert problems([_done(RUN, 1, {"succeeded": 90, "failed": 10})]) == []


def test_an_exit_code_other_than_0_or_1_is_a_problem() -> None:
    assert problems([_done(RUN, 4, {"succeeded": 90})]) == ["import: exit code 4"]


def test_a_job_where_nothing_succeeded_is_a_problem() -> None:
    assert problems([_done(RUN, 1, {"succeeded": 0, "failed": 10})]) == [
        "import: no record succeeded"
    ]


def test_a_job_that_recorded_no_run_is_a_problem() -> None:
    assert problems([StepResult(RUN, 0, 1.0)]) == ["import: no run was recorded"]


def test_a_read_only_step_needs_no_run() -> None:
    assert problems([StepResult(READ_ONLY, 0, 1.0)]) == []


def test_the_table_row_counts_records_and_shortens_the_report_path() -> None:
    row = table_row(_done(RUN, 1, {"succeeded": 1200, "failed": 3}), Path("/s"))
    assert row == ("import", "1,203", "1,200", "3", "-", "1.2s", "runs/r1/report.html")


def test_the_table_row_counts_unchanged_records_of_a_sync() -> None:
    sync = Step("enrich (changed only)", "enrich", (), "")
    row = table_row(_done(sync, 0, {"unchanged": 1500, "failed": 4}))
    assert row[1:5] == ("1,504", "0", "4", "1,500")


def test_a_sync_whose_rows_all_held_already_is_as_designed() -> None:
    sync = Step("enrich (changed only)", "enrich", (), "")
    assert problems([_done(sync, 1, {"unchanged": 1500, "failed": 4})]) == []


def test_a_plan_row_counts_what_it_planned() -> None:
    plan = Step("sanitize (plan)", "sanitize", (), "")
    result = _done(plan, 0, {"failed": 0}, status="dry-run", planned={"records": 42})
    assert table_row(result)[1:5] == ("42 planned", "-", "-", "-")


def _workload() -> Workload:
    folder = Path("/w")
    return Workload(folder, folder / "c.csv", folder / "u.csv", folder / "crm.csv",
                    folder / "m.toml", folder / "d.toml", folder / "p.toml", "L1", "C1")


def test_the_update_step_names_the_list_its_ids_belong_to() -> None:
    args = update_step(_workload(), Path("/s"), "none").args
    assert args[args.index("--list") + 1] == "L1"



def test_the_admin_preview_config_sends_no_agent_directives() -> None:
    assert "agentDirectives" in preview_toml("v2")
    assert "agentDirectives" not in preview_toml("admin")
    assert tomllib.loads(preview_toml("admin"))["dialingRules"] == {
        "maxAttempts": 3, "callbackEnabled": True}
