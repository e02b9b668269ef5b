"""The `cxo` entry point: version, help, usage errors and unexpected errors as exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from cxone_outbound._version import __version__
from cxone_outbound.cli.exit_codes import ExitCode, exit_code_for
from cxone_outbound.cli.state import CliState
from cxone_outbound.client import errors

if TYPE_CHECKING:
    from conftest import CxoRunner

CXO = Path(sys.executable).parent / "cxo"


def test_the_console_script_prints_the_version() -> None:
    done = subprocess.run(
        [str(CXO), "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0
    assert done.stdout.strip() == f"cxone-outbound {__version__}"


def test_the_console_script_turns_a_usage_error_into_exit_2_and_one_line() -> None:
    done = subprocess.run(
        [str(CXO), "--no-such-flag"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr


def test_version_in_process(cxo: CxoRunner) -> None:
    run = cxo("--version")
    assert (run.code, run.stdout.strip()) == (0, f"cxone-outbound {__version__}")


def test_no_arguments_print_help_and_exit_0(cxo: CxoRunner) -> None:
    run = cxo()
    assert run.code == 0
    assert "Usage: cxo" in run.stdout
    assert "config" in run.stdout
    assert "NoArgsIsHelpError" not in run.stdout + run.stderr


def test_a_group_without_a_command_prints_its_help(cxo: CxoRunner) -> None:
    run = cxo("config")
    assert run.code == 0
    assert "show" in run.stdout


def test_an_unknown_option_is_a_one_line_usage_error(cxo: CxoRunner) -> None:
    run = cxo("--bogus")
    assert run.code == ExitCode.BAD_INPUT
    assert run.stderr.startswith("error: No such option: --bogus")
    assert run.stderr.count("\n") == 1


def test_an_unknown_command_is_a_usage_error(cxo: CxoRunner) -> None:
    run = cxo("frobnicate")
    assert run.code == ExitCode.BAD_INPUT
    assert "frobnicate" in run.stderr


def boom(self: CliState, **flags: object) -> object:
    raise RuntimeError("boom\nsecond line")


def test_an_unexpected_error_is_one_line_without_traceback(
    cxo: CxoRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(CliState, "load", boom)
    run = cxo("config", "show")
    assert run.code == ExitCode.FAILED_RECORDS
    assert run.stderr == "error: RuntimeError: boom second line\n"


def test_an_unexpected_error_shows_the_traceback_with_verbose(
    cxo: CxoRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(CliState, "load", boom)
    run = cxo("-v", "config", "show")
    assert "Traceback" in run.stderr
    assert run.stderr.endswith("error: RuntimeError: boom second line\n")


def test_a_bad_configuration_exits_2_with_one_line(cxo: CxoRunner) -> None:
    run = cxo("config", "show", env={"CXONE_MAX_RATE": "abc"})
    assert run.code == ExitCode.BAD_INPUT
    assert run.stderr.startswith("error: invalid max_rate from CXONE_MAX_RATE='abc'")
    assert run.stderr.count("\n") == 1
    assert run.stdout == ""


def test_with_json_an_error_is_also_a_json_document_on_stdout(cxo: CxoRunner) -> None:
    run = cxo("--json", "--profile", "missing", "config", "show")
    assert run.code == ExitCode.BAD_INPUT
    document = run.json()
    assert isinstance(document, dict)
    assert document["ok"] is False
    assert document["error"]["type"] == "ConfigurationError"
    assert document["error"]["exit_code"] == 2
    assert "profile 'missing' not found" in document["error"]["message"]


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (errors.AuthError("x", status=401), ExitCode.AUTH),
        (errors.PermissionDenied("x", status=403), ExitCode.AUTH),
        (errors.ServerError("x", status=503), ExitCode.UNAVAILABLE),
        (errors.RateLimited("x", status=429), ExitCode.UNAVAILABLE),
        (errors.TransportError("x"), ExitCode.UNAVAILABLE),
        (ConnectionRefusedError(), ExitCode.UNAVAILABLE),
        (errors.ConfigurationError("x"), ExitCode.BAD_INPUT),
        (errors.ValidationError("x", status=400), ExitCode.BAD_INPUT),
        (FileNotFoundError("in.csv"), ExitCode.BAD_INPUT),
        (errors.NotFound("list x not found", status=404), ExitCode.BAD_INPUT),
        (KeyboardInterrupt(), ExitCode.INTERRUPTED),
        (RuntimeError("x"), ExitCode.FAILED_RECORDS),
    ],
)
def test_errors_map_to_the_documented_exit_codes(exc: BaseException, code: ExitCode) -> None:
    assert exit_code_for(exc) == code
