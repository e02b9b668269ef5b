"""Read a run folder into a `RunData`: the only part of the report that touches the disk.

summary.json is read whole (it is small), audit.jsonl is streamed line by line into
`AuditStats`, and failed.csv is read for its first rows and counted to the end. Anything
missing or damaged becomes a note on the report, never an exception: a report is most wanted
for the runs that went wrong.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from cxone_outbound.report.audit_stats import AuditStats

FAILURE_ROWS = 50


@dataclass(frozen=True)
class FailureRows:
    """The first rows of failed.csv, as text, and how many rows the file holds in all."""

    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    total: int = 0


@dataclass(frozen=True)
class RunData:
    """Everything a report shows, gathered from one run folder."""

    run_id: str
    run_dir: Path
    summary: dict[str, Any]
    audit: AuditStats
    failures: FailureRows
    generated_at: float
    notes: list[str] = field(default_factory=list)


def load_run(
    run_dir: Path, *, failure_rows: int = FAILURE_ROWS, now: float | None = None
) -> RunData:
    """Gather a run folder's data; raises `FileNotFoundError` if the folder does not exist."""
    if not run_dir.is_dir():
        raise FileNotFoundError(f"no run folder {run_dir}")
    notes: list[str] = []
    summary = _read_summary(run_dir / "summary.json", notes)
    audit = _read_audit(run_dir / "audit.jsonl", notes)
    failures = _read_failures(run_dir / "failed.csv", failure_rows, notes)
    run_id = str(summary.get("run_id") or run_dir.name)
    return RunData(
        run_id=run_id,
        run_dir=run_dir,
        summary=summary,
        audit=audit,
        failures=failures,
        generated_at=time.time() if now is None else now,
        notes=notes,
    )


def _read_summary(path: Path, notes: list[str]) -> dict[str, Any]:
    if not path.exists():
        notes.append("summary.json is missing: the run is still going, or was killed")
        return {}
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        notes.append(f"summary.json could not be read ({exc}); counts come from the audit log")
        return {}
    if not isinstance(document, dict):
        notes.append("summary.json does not hold an object; counts come from the audit log")
        return {}
    return document


def _read_audit(path: Path, notes: list[str]) -> AuditStats:
    stats = AuditStats()
    if not path.exists():
        notes.append("audit.jsonl is missing: no timeline, latency or throttling")
        return stats
    try:
        with path.open("rb") as fh:
            for line in fh:
                if not line.strip():
                    continue
                try:
                    event = orjson.loads(line)
                except orjson.JSONDecodeError:
                    stats.add_unreadable()
                    continue
                if isinstance(event, dict):
                    stats.add(event)
                else:
                    stats.add_unreadable()
    except OSError as exc:
        notes.append(f"audit.jsonl could not be read to the end ({exc})")
    if stats.unreadable_lines:
        notes.append(
            f"audit.jsonl: {stats.unreadable_lines} unreadable line(s) were skipped"
            " (not JSON objects, or times and latencies no run writes: a damaged file)"
        )
    return stats


def _csv_rows(path: Path) -> Iterator[list[str]]:
    with path.open("r", encoding="utf-8", errors="replace", newline="") as fh:
        yield from csv.reader(fh)


def _read_failures(path: Path, limit: int, notes: list[str]) -> FailureRows:
    if not path.exists():
        return FailureRows()
    header: list[str] = []
    rows: list[list[str]] = []
    total = 0
    try:
        for index, row in enumerate(_csv_rows(path)):
            if index == 0:
                header = row
                continue
            total += 1
            if len(rows) < limit:
                rows.append(row)
    except (OSError, csv.Error) as exc:
        notes.append(f"failed.csv could not be read past row {total} ({exc})")
    return FailureRows(header, rows, total)
