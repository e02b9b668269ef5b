"""`cxo sanitize`, in-process against the sandbox: plan only, guard, apply, stale plan, callback."""

from __future__ import annotations

import asyncio
import json
import random
import shlex
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from tests.jobs.conftest import Cxo

from cxone_outbound.client import CXoneClient
from cxone_outbound.client.clock import FakeClock
from cxone_outbound.client.models import Contact
from cxone_outbound.config import Settings
from cxone_outbound.jobs.sanitize import fetch_contacts
from cxone_outbound.jobs.sanitize.callback import Callback, post_callback
from cxone_outbound.report import load_run, render_report
from cxone_outbound.sandbox.control import SandboxControl
from cxone_outbound.signing import SIGNATURE_HEADER, verify

DELETE_ROUTE = "DELETE /api/v2/campaigns/contacts/{contactId}"
PHONES = [
    "+12125550101",  # unchanged
    "+442079460958",  # unchanged
    "+4402079460959",  # normalise (trunk 0)
    "+445612345678",  # voip
    "+999123456789",  # invalid country code
]


def _list(control: SandboxControl) -> str:
    list_id = control.create_list("cli")
    control.add_contacts(list_id, [{"phone": p, "firstName": "A", "lastName": "B"} for p in PHONES])
    return list_id


def test_plan_only_changes_nothing_and_saves_the_plan(
    cxo: Cxo, sandbox_control: SandboxControl, tmp_path: Path
) -> None:
    list_id = _list(sandbox_control)
    code, out, _ = cxo("--json", "sanitize", "--list", list_id, "--block-line-type", "voip")
    assert code == 0
    document = json.loads(out)
    assert document["sanitize"]["applied"] is False
    assert document["sanitize"]["plan"]["normalise"] == 1
    assert document["sanitize"]["plan"]["purge_by_reason"] == {
        "blocked_line_type": 1,
        "invalid_country_code": 1,
    }
    plan = json.loads((Path(document["run_dir"]) / "plan.json").read_text())
    assert len(plan["entries"]) == len(PHONES)
    assert sandbox_control.requests_to(DELETE_ROUTE) == 0


def test_the_plan_counts_are_in_summary_json_and_the_report(
    cxo: Cxo, sandbox_control: SandboxControl
) -> None:
    list_id = _list(sandbox_control)
    code, out, _ = cxo("--json", "sanitize", "--list", list_id, "--block-line-type", "voip")
    assert code == 0
    run_dir = Path(json.loads(out)["run_dir"])
    on_disk = json.loads((run_dir / "summary.json").read_text())
    assert on_disk["sanitize"]["plan"]["purge"] == 2
    page = render_report(load_run(run_dir, now=0.0))
    assert "Sanitize report" in page and '<span class="name">blocked_line_type</span>' in page


def test_apply_refuses_to_purge_more_than_max_purge(
    cxo: Cxo, sandbox_control: SandboxControl
) -> None:
    list_id = _list(sandbox_control)
    code, _, err = cxo("sanitize", "--list", list_id, "--block-line-type", "voip", "--apply")
    assert code == 2
    assert "--max-purge" in err
    assert sandbox_control.requests_to(DELETE_ROUTE) == 0


def test_apply_with_force_normalises_and_purges(cxo: Cxo, sandbox_control: SandboxControl) -> None:
    list_id = _list(sandbox_control)
    code, out, _ = cxo(
        "--json", "sanitize", "--list", list_id, "--block-line-type", "voip", "--apply", "--force"
    )
    assert code == 0, out
    document = json.loads(out)
    assert document["counts"] == {"succeeded": 3}
    assert sandbox_control.requests_to(DELETE_ROUTE, 204) == 2
    restore = (Path(document["run_dir"]) / "restore.csv").read_text().splitlines()
    assert restore[0] == "phone_number,first_name,last_name,email"
    # guarded like the result files (safe in a spreadsheet); `cxo import` removes the guard
    assert sorted(line.split(",")[0] for line in restore[1:]) == [
        "'+445612345678", "'+999123456789",
    ]  # fmt: skip
    restore_path = Path(document["run_dir"]) / "restore.csv"
    code, out, err = cxo("--json", "import", str(restore_path), "--list", list_id)
    assert code == 0, err
    assert json.loads(out)["counts"] == {"succeeded": 2}


def _contacts(settings: Settings, list_id: str) -> list[Contact]:
    async def read() -> list[Contact]:
        async with CXoneClient(settings) as client:
            return await fetch_contacts(client, list_id)

    return asyncio.run(read())


def test_a_purged_contact_without_names_comes_back_with_the_printed_restore_command(
    cxo: Cxo, settings: Settings, sandbox_control: SandboxControl
) -> None:
    list_id = sandbox_control.create_list("nameless")
    sandbox_control.add_contacts(list_id, [{"phone": "+12125550101"}, {"phone": "+445612345678"}])
    code, out, err = cxo(
        "--json", "sanitize", "--list", list_id, "--block-line-type", "voip", "--apply", "--force"
    )
    assert code == 0, err
    restore = json.loads(out)["sanitize"]["restore"]
    assert f"to undo the purge: {restore['command']}" in err
    argv = shlex.split(restore["command"])
    assert argv[:2] == ["cxo", "import"]
    code, out, err = cxo("--json", *argv[1:])
    assert code == 0, err
    assert json.loads(out)["counts"] == {"succeeded": 1}
    assert sorted(c.phone or "" for c in _contacts(settings, list_id)) == [
        "+12125550101", "+445612345678",
    ]  # fmt: skip


def test_a_saved_plan_is_refused_once_the_list_changed(
    cxo: Cxo, sandbox_control: SandboxControl
) -> None:
    list_id = _list(sandbox_control)
    code, out, _ = cxo("--json", "sanitize", "--list", list_id)
    plan_path = Path(json.loads(out)["run_dir"]) / "plan.json"
    sandbox_control.add_contacts(list_id, [{"phone": "+12125550199"}])
    code, _, err = cxo(
        "sanitize", "--list", list_id, "--apply", "--force", "--plan", str(plan_path)
    )
    assert code == 2
    assert "changed since the plan" in err


def test_applying_a_saved_plan_does_not_offer_its_dry_run_for_resume(
    cxo: Cxo, sandbox_control: SandboxControl
) -> None:
    list_id = _list(sandbox_control)
    code, out, _ = cxo("--json", "sanitize", "--list", list_id)
    plan_path = Path(json.loads(out)["run_dir"]) / "plan.json"
    code, out, err = cxo(
        "--json", "sanitize", "--list", list_id, "--apply", "--force", "--plan", str(plan_path)
    )
    assert code == 0, err
    assert "did not finish" not in err and "--resume" not in err
    assert json.loads(out)["sanitize"]["applied"] is True


def test_resume_finishes_a_purge_halted_by_a_server_error(
    cxo: Cxo, sandbox_control: SandboxControl
) -> None:
    list_id = sandbox_control.create_list("halt")
    junk = [{"phone": f"+999{n:09d}"} for n in range(40)]
    sandbox_control.add_contacts(list_id, [{"phone": p} for p in PHONES[:2]] + junk)
    sandbox_control.set_faults("error@DELETE:*=0.2:503,seed=1")
    code, out, _ = cxo("--json", "sanitize", "--list", list_id, "--apply", "--force")
    first = json.loads(out)
    assert code == 1 and first["counts"]["failed"] > 0
    sandbox_control.clear_faults()
    code, out, _ = cxo(
        "--json", "sanitize", "--list", list_id, "--apply", "--resume", first["run_id"]
    )
    assert code == 0, out
    assert json.loads(out)["counts"] == {"succeeded": 40}
    assert sandbox_control.requests_to(DELETE_ROUTE, 204) == 40


def test_a_bad_directive_is_a_usage_error(cxo: Cxo, sandbox_control: SandboxControl) -> None:
    code, _, err = cxo("sanitize", "--list", "x", "--allow-region", "Atlantis")
    assert code == 2
    assert "not a region code" in err


class _Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[bytes, str | None]]] = []
    answers: ClassVar[list[int]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((body, self.headers.get(SIGNATURE_HEADER)))
        status = type(self).answers.pop(0) if type(self).answers else 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, type[_Receiver]]]:
    handler = type("Receiver", (_Receiver,), {"received": [], "answers": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", handler
    server.shutdown()
    server.server_close()


def test_apply_posts_a_signed_summary_to_the_callback(
    cxo: Cxo, sandbox_control: SandboxControl, receiver: tuple[str, type[_Receiver]]
) -> None:
    url, handler = receiver
    list_id = _list(sandbox_control)
    code, _, _ = cxo(
        "--json", "sanitize", "--list", list_id, "--apply", "--force",
        "--callback", url, "--callback-secret", "s3cret",
    )  # fmt: skip
    assert code == 0
    ((body, signature),) = handler.received
    assert verify("s3cret", body, signature)
    summary = json.loads(body)
    assert summary["list_id"] == list_id
    assert summary["done"]["purged"] == 1 and summary["success_rate"] == 1.0


async def test_callback_is_retried_with_backoff_then_delivered(
    receiver: tuple[str, type[_Receiver]],
) -> None:
    url, handler = receiver
    handler.answers.extend([503, 500])
    clock = FakeClock()
    report = await post_callback(Callback(url), {"a": 1}, clock=clock, rng=random.Random(1))
    assert report.delivered and report.attempts == 3
    assert len(clock.slept) == 2


async def test_callback_failure_is_reported_not_raised(
    receiver: tuple[str, type[_Receiver]],
) -> None:
    url, handler = receiver
    handler.answers.extend([500] * 4)
    report = await post_callback(
        Callback(url, attempts=4), {"a": 1}, clock=FakeClock(), rng=random.Random(1)
    )
    assert not report.delivered and report.attempts == 4
    assert "500" in report.describe()


async def test_callback_is_not_retried_on_a_client_error(
    receiver: tuple[str, type[_Receiver]],
) -> None:
    url, handler = receiver
    handler.answers.append(400)
    report = await post_callback(Callback(url), {}, clock=FakeClock(), rng=random.Random(1))
    assert (report.delivered, report.attempts) == (False, 1)


async def test_callback_to_nowhere_is_reported() -> None:
    report = await post_callback(
        Callback("http://127.0.0.1:9/none", attempts=2), {}, clock=FakeClock(), rng=random.Random()
    )
    assert not report.delivered and report.error
