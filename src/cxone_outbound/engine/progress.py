"""Progress while a run goes: a rich bar on a TTY, plain periodic log lines otherwise, or nothing.

Everything goes to stderr: stdout is kept for the final result (and only JSON with --json).
"""

from __future__ import annotations

import sys
import time
from typing import Literal, Protocol, TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from cxone_outbound.engine.metrics import RunMetrics

ProgressMode = Literal["auto", "rich", "plain", "none"]


class Reporter(Protocol):
    """Receives the run's state a few times a second."""

    interval_s: float

    def start(self, title: str) -> None: ...

    def update(self, metrics: RunMetrics, fraction: float | None, elapsed_s: float) -> None: ...

    def message(self, text: str) -> None: ...

    def stop(self) -> None: ...


def _rate(metrics: RunMetrics, elapsed_s: float) -> float:
    return metrics.done / elapsed_s if elapsed_s > 0 else 0.0


class SilentReporter:
    """Says nothing (--json mode, tests)."""

    interval_s = 1.0

    def __init__(self) -> None:
        self.messages: list[str] = []

    def start(self, title: str) -> None:
        return None

    def update(self, metrics: RunMetrics, fraction: float | None, elapsed_s: float) -> None:
        return None

    def message(self, text: str) -> None:
        self.messages.append(text)

    def stop(self) -> None:
        return None


class PlainReporter:
    """One log line every `interval_s` seconds: for logs and pipes."""

    def __init__(self, stream: TextIO | None = None, interval_s: float = 10.0) -> None:
        self.stream = stream or sys.stderr
        self.interval_s = interval_s
        self._title = ""

    def start(self, title: str) -> None:
        self._title = title
        self.message(f"{title}: started")

    def update(self, metrics: RunMetrics, fraction: float | None, elapsed_s: float) -> None:
        done = f" {fraction:.0%}" if fraction is not None else ""
        self.message(
            f"{self._title}:{done} {metrics.done} records, {metrics.failed} failed,"
            f" {_rate(metrics, elapsed_s):.0f}/s, 429s {metrics.throttled},"
            f" retries {metrics.retries}"
        )

    def message(self, text: str) -> None:
        stamp = time.strftime("%H:%M:%S")
        self.stream.write(f"{stamp} {text}\n")
        self.stream.flush()

    def stop(self) -> None:
        return None


class RichReporter:
    """A live progress bar on the terminal (stderr)."""

    interval_s = 0.2

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TextColumn("{task.fields[records]} rec"),
            TextColumn("{task.fields[rate]}/s"),
            TextColumn("[red]{task.fields[failed]} failed"),
            TextColumn("[yellow]{task.fields[throttled]} 429s"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=self.console,
            transient=False,
        )
        self._task: TaskID | None = None

    def start(self, title: str) -> None:
        self._progress.start()
        self._task = self._progress.add_task(
            title, total=1.0, records=0, rate="0", failed=0, throttled=0
        )

    def update(self, metrics: RunMetrics, fraction: float | None, elapsed_s: float) -> None:
        if self._task is None:
            return
        self._progress.update(
            self._task,
            completed=fraction if fraction is not None else 0.0,
            records=metrics.done,
            rate=f"{_rate(metrics, elapsed_s):.0f}",
            failed=metrics.failed,
            throttled=metrics.throttled,
        )

    def message(self, text: str) -> None:
        self._progress.console.print(text, markup=False, highlight=False)

    def stop(self) -> None:
        self._progress.stop()


def make_reporter(mode: ProgressMode, *, json_output: bool = False) -> Reporter:
    """The reporter for a mode; `auto` picks rich on a TTY, plain lines otherwise."""
    if mode == "none":
        return SilentReporter()
    if json_output:  # messages still go to stderr; no periodic lines
        return PlainReporter(interval_s=float("inf"))
    if mode == "rich" or (mode == "auto" and sys.stderr.isatty()):
        return RichReporter()
    return PlainReporter()
