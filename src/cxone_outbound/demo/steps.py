"""The demo's steps as `cxo` command lines, and how a step's outcome is judged and tabled.

Pure: argument lists from paths and ids, verdicts from exit codes and summaries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cxone_outbound.demo.workload import PREVIEW_QUEUE

PREVIEW_REGIONS = ("US", "CA", "GB", "AU")
"""The preview campaign's agents speak English: only these regions are dialled."""

ACCEPTED_EXIT_CODES = frozenset({0, 1})
"""0: every record went through; 1: some failed, as the workload's junk is meant to."""


@dataclass(frozen=True, slots=True)
class Workload:
    """The files and ids one demo session works on."""

    folder: Path
    contacts_csv: Path
    updates_csv: Path
    crm_csv: Path
    mapping: Path
    directive: Path
    preview_config: Path
    list_id: str
    campaign_id: str


@dataclass(frozen=True, slots=True)
class Step:
    """One `cxo` invocation of the demo: a label, the job it runs, its arguments."""

    label: str
    job: str | None  # the engine job it records a run of; None: read-only (no run)
    args: tuple[str, ...]
    explains: str


@dataclass(slots=True)
class StepResult:
    step: Step
    exit_code: int
    elapsed_s: float
    run_id: str | None = None
    run_dir: Path | None = None
    summary: Mapping[str, Any] = field(default_factory=dict)
    report: Path | None = None


def import_step(w: Workload, state_dir: Path, progress: str) -> Step:
    return Step(
        "import",
        "import",
        ("import", str(w.contacts_csv), "--list", w.list_id, "--default-region", "US",
         "--chunk-size", "5000", "--state-dir", str(state_dir), "--progress", progress),
        "validate every row, upload gzip chunks, poll each import job",
    )


def update_step(w: Workload, state_dir: Path, progress: str) -> Step:
    return Step(
        "update",
        "update",
        ("update", str(w.updates_csv), "--list", w.list_id, "--state-dir", str(state_dir),
         "--progress", progress),
        "each row's changes under the adaptive rate limiter; unknown ids fail NOT_FOUND",
    )


def enrich_step(w: Workload, state_dir: Path, progress: str) -> Step:
    return Step(
        "enrich",
        "enrich",
        ("enrich", str(w.crm_csv), "--list", w.list_id, "--campaign", w.campaign_id,
         "--mapping", str(w.mapping), "--state-dir", str(state_dir), "--progress", progress),
        "map CRM columns to attributes; null-likes and junk are never sent",
    )


def enrich_again_step(w: Workload, state_dir: Path, progress: str) -> Step:
    """The same extract again, as a nightly sync would: only what changed is sent."""
    return Step(
        "enrich (changed only)",
        "enrich",
        ("enrich", str(w.crm_csv), "--list", w.list_id, "--campaign", w.campaign_id,
         "--mapping", str(w.mapping), "--changed-only", "--state-dir", str(state_dir),
         "--progress", progress),
        "the same extract again: the list read once, rows whose attributes already hold are "
        "counted unchanged and not sent",
    )


def sanitize_plan_step(w: Workload, state_dir: Path, progress: str) -> Step:
    return Step(
        "sanitize (plan)",
        "sanitize",
        ("sanitize", "--list", w.list_id, "--directive", str(w.directive),
         "--state-dir", str(state_dir), "--progress", progress),
        "judge every phone of the list; nothing changes",
    )


def sanitize_apply_step(w: Workload, plan: Path, state_dir: Path, progress: str) -> Step:
    return Step(
        "sanitize (apply)",
        "sanitize",
        ("sanitize", "--list", w.list_id, "--directive", str(w.directive), "--apply",
         "--plan", str(plan), "--state-dir", str(state_dir), "--progress", progress),
        "carry out exactly that plan: PATCH to E.164, DELETE the purges (restore.csv first)",
    )


def _preview_args(w: Workload) -> tuple[str, ...]:
    regions = tuple(arg for region in PREVIEW_REGIONS for arg in ("--region", region))
    return ("--campaign", w.campaign_id, "--list", w.list_id, "--queue", PREVIEW_QUEUE,
            "--config", str(w.preview_config), *regions)


def preview_plan_step(w: Workload) -> Step:
    return Step(
        "preview (plan)",
        None,
        ("preview", "plan", *_preview_args(w)),
        "the change as a diff, active previews, eligible contacts (suppressions matched on E.164)",
    )


def preview_apply_step(w: Workload, state_dir: Path) -> Step:
    return Step(
        "preview (apply)",
        "preview",
        ("preview", "apply", *_preview_args(w), "--state-dir", str(state_dir)),
        "PUT with If-Match; a 412 is rebased, never overwritten",
    )


def check_step(w: Workload, state_dir: Path, progress: str) -> Step:
    return Step(
        "check",
        "check",
        ("check", "--list", w.list_id, "--default-region", "US", "--state-dir", str(state_dir),
         "--progress", progress),
        "a dialability verdict per contact: time zone, calling window now, every reason",
    )


def global_args(base_url: str, config_file: Path) -> tuple[str, ...]:
    """The `cxo` options every step starts with: the demo's sandbox and its own config file."""
    return ("--base-url", base_url, "--config", str(config_file))


def counts_of(summary: Mapping[str, Any]) -> dict[str, int]:
    counts = summary.get("counts") or {}
    return {str(k): int(v) for k, v in counts.items() if isinstance(v, int)}


def table_row(result: StepResult, base: Path | None = None) -> tuple[str, ...]:
    """job, records, succeeded, failed, unchanged, elapsed, report: a line of the closing table.

    A plan (a dry run) counts the records it planned; a read-only step has no counts.
    """
    counts = counts_of(result.summary)
    planned = result.summary.get("planned") or {}
    report = "-"
    if result.report is not None:
        shown = result.report
        if base is not None and shown.is_relative_to(base):
            shown = shown.relative_to(base)
        report = str(shown)
    elapsed = f"{result.elapsed_s:.1f}s"
    if result.run_id is None:
        return (result.step.label, "-", "-", "-", "-", elapsed, report)
    if result.summary.get("status") == "dry-run":
        records = int(planned.get("records", 0) or 0)
        return (result.step.label, f"{records:,} planned", "-", "-", "-", elapsed, report)
    records = sum(counts.values())
    unchanged = counts.get("unchanged", 0)
    return (
        result.step.label,
        f"{records:,}",
        f"{counts.get('succeeded', 0):,}",
        f"{counts.get('failed', 0):,}",
        f"{unchanged:,}" if unchanged else "-",
        elapsed,
        report,
    )


def problems(results: Sequence[StepResult]) -> list[str]:
    """Why the demo did not run as designed (empty when it did)."""
    found: list[str] = []
    for result in results:
        label = result.step.label
        if result.exit_code not in ACCEPTED_EXIT_CODES:
            found.append(f"{label}: exit code {result.exit_code}")
        elif result.step.job is not None and result.run_dir is None:
            found.append(f"{label}: no run was recorded")
        elif (
            result.step.job is not None
            and "(plan)" not in label
            and sum(counts_of(result.summary).get(s, 0) for s in ("succeeded", "unchanged")) == 0
        ):  # a sync whose rows all held already did what it should
            found.append(f"{label}: no record succeeded")
    return found
