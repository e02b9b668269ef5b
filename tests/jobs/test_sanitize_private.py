"""Sanitise keeps its secrets: the callback key from the environment or a file, never echoed;
the plan and restore files readable by their owner only."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from tests.jobs.conftest import Cxo
from tests.jobs.test_sanitize_cli import _list, _Receiver, receiver

from cxone_outbound.jobs.sanitize.callback import Callback
from cxone_outbound.sandbox.control import SandboxControl
from cxone_outbound.signing import verify

__all__ = ["receiver"]  # the fixture, shared with the sanitise CLI tests
SECRET = "cb-secret-from-elsewhere"


def test_the_callback_secret_is_read_from_the_environment(
    cxo: Cxo, sandbox_control: SandboxControl, receiver: tuple[str, type[_Receiver]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, handler = receiver
    monkeypatch.setenv("CXONE_CALLBACK_SECRET", SECRET)
    code, out, err = cxo("-vv", "--json", "sanitize", "--list", _list(sandbox_control),
                         "--apply", "--force", "--callback", url)
    assert code == 0, err
    ((body, signature),) = handler.received
    assert verify(SECRET, body, signature)
    assert SECRET not in out + err


def test_the_callback_secret_is_read_from_a_file(
    cxo: Cxo, sandbox_control: SandboxControl, receiver: tuple[str, type[_Receiver]],
    tmp_path: Path,
) -> None:
    url, handler = receiver
    key = tmp_path / "key"
    key.write_text(SECRET + "\n")
    code, out, err = cxo("-vv", "sanitize", "--list", _list(sandbox_control), "--apply",
                         "--force", "--callback", url, "--callback-secret-file", str(key))
    assert code == 0, err
    ((body, signature),) = handler.received
    assert verify(SECRET, body, signature)
    assert SECRET not in out + err


def test_a_secret_given_twice_is_a_usage_error(
    cxo: Cxo, sandbox_control: SandboxControl, tmp_path: Path
) -> None:
    key = tmp_path / "key"
    key.write_text(SECRET)
    code, out, err = cxo("sanitize", "--list", _list(sandbox_control), "--callback",
                         "http://127.0.0.1:9/", "--callback-secret", "other",
                         "--callback-secret-file", str(key))
    assert code == 2 and "once" in err
    assert SECRET not in out + err


def test_an_empty_secret_file_is_a_usage_error(
    cxo: Cxo, sandbox_control: SandboxControl, tmp_path: Path
) -> None:
    key = tmp_path / "key"
    key.write_text("\n")
    code, _, err = cxo("sanitize", "--list", _list(sandbox_control), "--callback",
                       "http://127.0.0.1:9/", "--callback-secret-file", str(key))
    assert code == 2 and "empty" in err


def test_a_callbacks_repr_hides_its_secret() -> None:
    assert SECRET not in repr(Callback("http://127.0.0.1:9/", SECRET))


def test_the_plan_and_restore_files_are_readable_by_their_owner_only(
    cxo: Cxo, sandbox_control: SandboxControl
) -> None:
    code, out, err = cxo("--json", "sanitize", "--list", _list(sandbox_control), "--apply",
                         "--force")
    assert code == 0, err
    run_dir = Path(json.loads(out)["run_dir"])
    files = [p for p in run_dir.iterdir() if p.is_file()]
    assert {"plan.json", "restore.csv"} <= {p.name for p in files}
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in files} == {
        p.name: 0o600 for p in files
    }
    assert stat.S_IMODE(run_dir.stat().st_mode) == 0o700
