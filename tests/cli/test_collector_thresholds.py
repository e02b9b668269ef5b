"""`cxo` runs with a lazier cyclic garbage collector (issue 15) and gives the process its own
thresholds back, so a library user or a test running many `cxo`s keeps its setting."""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence

import pytest

from cxone_outbound.cli import main


@pytest.fixture
def thresholds() -> Iterator[tuple[int, int, int]]:
    saved = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield gc.get_threshold()
    gc.set_threshold(*saved)


def test_a_run_collects_by_the_cli_thresholds_and_restores_the_callers(
        thresholds: tuple[int, int, int], monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[int, int, int]] = []

    def run(argv: Sequence[str] | None) -> int:
        seen.append(gc.get_threshold())
        return 0

    monkeypatch.setattr(main, "_invoke", run)
    assert main.invoke(["--version"]) == 0
    assert seen == [main.GC_THRESHOLD] and gc.get_threshold() == thresholds


def test_the_callers_thresholds_come_back_after_a_failing_run(
        thresholds: tuple[int, int, int], monkeypatch: pytest.MonkeyPatch) -> None:
    def run(argv: Sequence[str] | None) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr(main, "_invoke", run)
    with pytest.raises(RuntimeError):
        main.invoke([])
    assert gc.get_threshold() == thresholds
