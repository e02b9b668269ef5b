"""End to end: `cxo update` against the sandbox under faults, then `cxo runs report` on its run."""

from __future__ import annotations

import csv
import html
import re
from pathlib import Path
from typing import Any

import orjson
import pytest
from tests.engine.report_runs import cxo, isolate_cli


def kpi(page: str, label: str) -> str:
    match = re.search(
        rf'<div class="label">{re.escape(label)}</div><div class="value">([^<]*)</div>', page
    )
    assert match, f"no KPI {label!r}"
    return html.unescape(match.group(1))


def cxo_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any]:
    code, out, err = cxo(capsys, "--json", *args)
    assert out, err
    return code, orjson.loads(out)


def test_report_of_a_real_update_run_matches_its_summary(
    tmp_path: Path,
    sandbox: Any,
    sandbox_control: Any,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    isolate_cli(monkeypatch, tmp_path)
    monkeypatch.setenv("CXONE_CLIENT_ID", sandbox.client_id)
    monkeypatch.setenv("CXONE_CLIENT_SECRET", sandbox.client_secret)
    monkeypatch.setenv("CXONE_MAX_ATTEMPTS", "8")
    list_id = sandbox_control.create_list("r", [{"name": "tier", "type": "string"}])
    sandbox_control.seed_contacts(list_id, 120)
    ids = sorted(sandbox_control.writes(list_id))
    sandbox_control.set_faults("error@PATCH:*=0.1:503,storm=500ms@60,seed=4")
    path = tmp_path / "u.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["contactId", "tier"])
        writer.writerows([i, "gold"] for i in ids)
        writer.writerow(["no-such-contact", "<b>gold</b>"])
    state = str(tmp_path / "state")

    code, summary = cxo_json(
        capsys, "--base-url", sandbox.base_url, "update", str(path), "--state-dir", state,
        "--progress", "none",
    )  # fmt: skip
    assert code == 1, summary  # the unknown contact failed
    code, result = cxo_json(capsys, "runs", "report", summary["run_id"], "--state-dir", state)
    assert code == 0
    page = Path(result["report"]).read_text(encoding="utf-8")

    counts, metrics = summary["counts"], summary["metrics"]
    assert kpi(page, "Succeeded") == f"{counts['succeeded']:,}"
    assert kpi(page, "Failed") == f"{counts['failed']:,}"
    assert kpi(page, "Requests") == f"{metrics['requests']:,}"
    assert kpi(page, "Retries") == f"{metrics['retries']:,}"
    assert kpi(page, "429s") == f"{metrics['throttled_429']:,}"
    assert metrics["throttled_429"] > 0 and metrics["server_or_connection_errors"] > 0
    assert "429s, retries and server errors" in page
    assert '<span class="name">503</span>' in page
    assert '<td class="code">NOT_FOUND</td>' in page
    assert "&lt;b&gt;gold&lt;/b&gt;" in page
