"""Run folders for report tests: made by the real engine, or written line by line."""

from __future__ import annotations

import contextlib
import csv
import json
import logging
import os
from collections.abc import AsyncIterator, Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest
from tests.engine.fakes import FakeSink, write_csv

from cxone_outbound.cli.main import invoke
from cxone_outbound.cli.output import remove_logging_handler
from cxone_outbound.client.events import RequestObserver
from cxone_outbound.engine import CsvSource, RunConfig, Runner, RunSummary


@contextlib.asynccontextmanager
async def no_client(observer: RequestObserver) -> AsyncIterator[None]:
    yield None


async def engine_run(
    tmp_path: Path,
    csv_text: str,
    *,
    refuse: Mapping[str, str] | None = None,
    dry_run: bool = False,
) -> RunSummary:
    """A run of the engine's fake sink over `csv_text` (header `id,name`)."""
    source = CsvSource(write_csv(tmp_path / "in.csv", csv_text))
    runner = Runner(
        FakeSink(refuse=refuse),
        source,
        RunConfig(tmp_path / "state", dry_run=dry_run),
        client_factory=no_client,
    )
    return await runner.run()


def write_run(
    run_dir: Path,
    *,
    summary: Mapping[str, Any] | None = None,
    audit: Iterable[Mapping[str, Any]] = (),
    failed_rows: Iterable[list[str]] | None = None,
) -> Path:
    """A run folder with exactly the given files (for shapes the engine makes rarely)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    if summary is not None:
        (run_dir / "summary.json").write_text(json.dumps(summary))
    with (run_dir / "audit.jsonl").open("w") as fh:
        for line in audit:
            fh.write(json.dumps(line) + "\n")
    if failed_rows is not None:
        with (run_dir / "failed.csv").open("w", newline="") as fh:
            csv.writer(fh).writerows(failed_rows)
    return run_dir


def request(
    ts: float, *, status: int | None = 200, attempt: int = 1, ms: float = 20.0
) -> dict[str, Any]:
    return {
        "type": "request",
        "ts": ts,
        "method": "PATCH",
        "path": "/contacts/x",
        "status": status,
        "elapsed_ms": ms,
        "attempt": attempt,
    }


def outcome(ts: float, state: str = "succeeded", code: str | None = None) -> dict[str, Any]:
    return {"type": "outcome", "ts": ts, "key": "1", "line": 2, "state": state, "error_code": code}


def run_line(ts: float, event: str) -> dict[str, Any]:
    return {"type": "run", "ts": ts, "event": event, "run_id": "r1", "job": "update"}


def busy_run(run_dir: Path, *, seconds: int = 60, per_second: int = 20) -> Path:
    """A completed update run with throttling in its middle third and a few failures."""
    audit: list[dict[str, Any]] = [run_line(1000.0, "started")]
    for s in range(seconds):
        for i in range(per_second):
            ts = 1000.0 + s + i / per_second
            throttled = seconds / 3 <= s < 2 * seconds / 3 and i % 5 == 0
            audit.append(request(ts, status=429 if throttled else 200, ms=8 + (i * 7) % 90))
            if throttled:
                audit.append(request(ts + 0.01, attempt=2, ms=15))
            failed = i == 0 and s % 10 == 0
            audit.append(
                outcome(ts, "failed" if failed else "succeeded", "NOT_FOUND" if failed else None)
            )
    audit.append(run_line(1000.0 + seconds, "completed"))
    n = seconds * per_second
    summary = {
        "run_id": run_dir.name,
        "job": "update",
        "status": "completed",
        "input": "contacts.csv",
        "counts": {"succeeded": n - seconds // 10, "failed": seconds // 10},
        "metrics": {"records_per_s": per_second, "elapsed_s": seconds},
        "planned": {},
        "fatal_error": None,
    }
    header = ["line", "error_code", "error_message", "error_field", "attempts", "contactId"]
    rows = [[str(2 + k), "NOT_FOUND", "no such contact", "", "1", f"c{k}"] for k in range(6)]
    return write_run(run_dir, summary=summary, audit=audit, failed_rows=[header, *rows])


def isolate_cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No CXONE_* variable or user config file of the machine reaches an in-process `cxo`."""
    for name in list(os.environ):
        if name.startswith("CXONE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("COLUMNS", "200")


def cxo(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run `cxo ARGS...` in-process; its exit code, stdout and stderr. Logging is put back."""
    capsys.readouterr()
    levels = (logging.getLogger().level, logging.getLogger("cxone_outbound").level)
    try:
        code = invoke(list(args))
    finally:
        remove_logging_handler()
        logging.getLogger().setLevel(levels[0])
        logging.getLogger("cxone_outbound").setLevel(levels[1])
    out = capsys.readouterr()
    return code, out.out, out.err


HOSTILE_CELLS = (
    "<script>window.__pwned = 1</script>",
    '"><img src=x onerror="window.__pwned = 2">',
    "</td></tr></table><h1>injected</h1>",
)


def showcase_run(run_dir: Path) -> Path:
    """A run with every section: throttling, a resumed session, enrich and sanitise reports,
    and failed rows whose cells try to inject markup and script."""
    busy_run(run_dir, seconds=90)
    resumed = 1000.0 + 90 + 3600  # an hour later
    with (run_dir / "audit.jsonl").open("a") as fh:
        for line in [
            run_line(resumed, "resumed"),
            *(request(resumed + i / 10, status=503 if i % 9 == 0 else 200) for i in range(200)),
            *(outcome(resumed + i / 10) for i in range(200)),
            run_line(resumed + 20, "completed"),
        ]:
            fh.write(json.dumps(line) + "\n")
    summary = json.loads((run_dir / "summary.json").read_text())
    summary["enrich"] = {
        "fillRates": {
            "rows": 1800,
            "overall": 0.81,
            "attributes": {
                "tier": {"fillRate": 0.97, "sent": 1746, "value": 1700, "nullLike": 40},
                "score": {"fillRate": 0.42, "sent": 756, "value": 756, "nullLike": 900},
                "region": {"fillRate": 0.88, "sent": 1584, "value": 1500, "nullLike": 200},
            },
        },
        "batchLatency": {"batches": 18, "p50Ms": 41.5, "p95Ms": 88.0},
    }
    summary["sanitize"] = {
        "plan": {
            "unchanged": 1500,
            "normalised": 220,
            "purge": {"INVALID_NUMBER": 41, "TOO_SHORT": 17, "DISPOSABLE": 12, "<b>x</b>": 1},
        }
    }
    (run_dir / "summary.json").write_text(json.dumps(summary))
    with (run_dir / "failed.csv").open("a", newline="") as fh:
        writer = csv.writer(fh)
        for n, cell in enumerate(HOSTILE_CELLS):
            writer.writerow([str(900 + n), "INVALID_FIELD", cell, "email", "1", cell])
    return run_dir
