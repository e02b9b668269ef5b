"""`cxo check`: a verdict for every record of a file or a list; nothing is sent."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from tests.jobs.conftest import Cxo

from cxone_outbound.report import load_run, render_report
from cxone_outbound.sandbox.control import SandboxControl

NOW = "2026-12-03T15:00:00Z"  # 10:00 in New York, 07:00 in San Francisco


def _rows(run_dir: Path) -> list[dict[str, str]]:
    with (run_dir / "dialability.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "in.csv"
    path.write_text("id,phone,zip\n" + body, encoding="utf-8")
    return path


def test_a_file_gets_one_verdict_per_record_and_every_line_is_accounted_for(
    cxo: Cxo, sandbox_control: SandboxControl, tmp_path: Path
) -> None:
    path = _file(tmp_path, "a,(212) 555-0101,\nb,+14155550101,94105\nc,junk,\nd,1,2,3,4\n")
    sandbox_control.reset_counters()
    code, out, _ = cxo("--json", "check", str(path), "--now", NOW)
    document = json.loads(out)
    assert code == 1  # the ragged row failed; the others were judged
    assert document["check"]["verdicts"] == {"dialable": 1, "not_now": 1, "blocked": 1}
    counts = document["counts"]
    assert counts.get("succeeded", 0) + counts.get("failed", 0) + counts.get("skipped", 0) == 4
    rows = {r["contact_id"]: r for r in _rows(Path(document["run_dir"]))}
    assert rows["a"]["verdict"] == "dialable"
    assert rows["b"]["verdict"] == "not_now"
    assert rows["b"]["callable_at"] == "2026-12-03T16:00:00Z"
    assert rows["b"]["zone_source"] == "zip"
    assert rows["c"]["verdict"] == "blocked" and "invalid_phone" in rows["c"]["reasons"]
    assert sandbox_control.counters()["requests"] == 0 or not any(
        k.startswith(("PATCH", "POST /api")) for k in sandbox_control.counters().get("routes", {})
    )


def test_a_state_policy_narrows_its_records(cxo: Cxo, tmp_path: Path) -> None:
    path = _file(tmp_path, "a,+12125550101,10001\n")
    policy = tmp_path / "policy.toml"
    policy.write_text('[regions.US-NY]\nhours = "11:00-20:00"\n', encoding="utf-8")
    code, out, _ = cxo("--json", "check", str(path), "--now", NOW, "--policy", str(policy))
    assert code == 0
    (row,) = _rows(Path(json.loads(out)["run_dir"]))
    assert (row["verdict"], row["state"], row["callable_at"]) == (
        "not_now", "NY", "2026-12-03T16:00:00Z")


def test_a_list_is_checked_through_the_api(
    cxo: Cxo, sandbox_control: SandboxControl
) -> None:
    list_id = sandbox_control.create_list("check", fields=[{"name": "zip", "type": "string"}])
    sandbox_control.add_contacts(list_id, [
        {"phone": "+12125550101", "firstName": "A", "lastName": "B"},
        {"phone": "+14155550101", "firstName": "C", "lastName": "D",
         "attributes": {"zip": "94105"}},
    ])
    code, out, _ = cxo("--json", "check", "--list", list_id, "--now", NOW)
    document = json.loads(out)
    assert code == 0, document
    assert document["check"]["verdicts"] == {"dialable": 1, "not_now": 1, "blocked": 0}
    assert document["counts"] == {"succeeded": 2}


def test_bad_arguments_exit_2_with_one_line(cxo: Cxo, tmp_path: Path) -> None:
    path = _file(tmp_path, "a,+12125550101,\n")
    bad_policy = tmp_path / "p.toml"
    bad_policy.write_text('[default]\nhours = "9-5"\n', encoding="utf-8")
    for args in (
        ("check",),
        ("check", str(path), "--list", "x"),
        ("check", str(path), "--now", "yesterday"),
        ("check", str(path), "--now", "2026-12-03T15:00:00"),
        ("check", str(path), "--policy", str(bad_policy)),
        ("check", str(path), "--block-line-type", "landlines"),
    ):
        code, _, err = cxo(*args)
        assert code == 2, args
        assert "Traceback" not in err and err.strip(), args


def test_the_report_charts_reasons_and_callable_now_by_time_zone(
    cxo: Cxo, tmp_path: Path
) -> None:
    path = _file(tmp_path, "a,(212) 555-0101,\nb,+14155550101,94105\nc,junk,\n")
    code, out, _ = cxo("--json", "check", str(path), "--now", NOW)
    assert code == 0
    page = render_report(load_run(Path(json.loads(out)["run_dir"]), now=0.0))
    assert "Check report" in page
    for title in ("Reasons", "Callable now by zone", "Records by zone", "Verdicts"):
        assert title in page, title
    assert '<span class="name">America/New_York</span>' in page


def test_a_number_in_a_compiled_dnc_file_is_blocked_naming_its_source(
    cxo: Cxo, tmp_path: Path
) -> None:
    registry = tmp_path / "registry.txt"
    registry.write_text("2125550101\n", encoding="utf-8")
    dnc = tmp_path / "dnc.bin"
    code, _, err = cxo("dnc", "compile", f"national={registry}", "-o", str(dnc))
    assert code == 0, err
    path = _file(tmp_path, "a,(212) 555-0101,\nb,(212) 555-0102,\n")
    code, out, _ = cxo("--json", "check", str(path), "--now", NOW, "--dnc", str(dnc))
    assert code == 0
    rows = {r["contact_id"]: r for r in _rows(Path(json.loads(out)["run_dir"]))}
    assert rows["a"]["verdict"] == "blocked" and "dnc: national" in rows["a"]["reasons"]
    assert rows["b"]["verdict"] == "dialable"
