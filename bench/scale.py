"""Every job at scale: wall time, records/s and peak RSS per job, and how RSS grows with N.

Runs the demo's workload (`cxo demo`: import, update, enrich, sanitise plan and apply, preview)
at each size, with every `cxo` step in a child process of its own so that its peak RSS
(`VmHWM`, read while it runs) is that job's alone; the sandbox is another process again. The slope
between the smallest and the largest size is the memory a job holds per 1,000 contacts: a job
that streams shows a slope near 0 (the goal: under 250 MB at 1M contacts, whatever N).

    .venv/bin/python bench/scale.py [--sizes 100000,1000000] [--dialects v2,admin]

The baseline of each ratio is the same job at the smallest size, measured in the same run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from cxone_outbound.demo import DemoOptions, run_demo

CHILD = "import sys; from cxone_outbound.cli.main import run; sys.argv[0] = 'cxo'; run()"


@dataclass
class Measured:
    label: str
    exit_code: int
    wall_s: float
    peak_rss_mb: float


@dataclass
class ChildInvoke:
    """`invoke` for the demo: each `cxo` command in a child process, measured; each step is
    printed as it ends (`tag` names the run), so a run cut short still reports its steps."""

    tag: str = ""
    steps: list[Measured] = field(default_factory=list)

    def __call__(self, argv: Sequence[str]) -> int:
        label = _label(argv)
        started = time.perf_counter()
        process = subprocess.Popen(  # the same interpreter and package as this bench
            [sys.executable, "-c", CHILD, *argv],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        peak_kb = 0
        while process.poll() is None:
            peak_kb = max(peak_kb, _high_water_kb(process.pid))
            time.sleep(0.05)
        step = Measured(label, process.returncode, time.perf_counter() - started, peak_kb / 1024)
        self.steps.append(step)
        print(f"  [{self.tag}] {label}: {step.wall_s:.1f} s, {step.peak_rss_mb:.0f} MB, exit "
              f"{step.exit_code}", flush=True)
        return process.returncode


def _high_water_kb(pid: int) -> int:
    """The process's own peak RSS (VmHWM). Not `wait4`'s ru_maxrss: after a fork, Linux keeps
    the parent's high-water mark in the child's, so every child would report this bench's size."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _label(argv: Sequence[str]) -> str:
    words = [a for a in argv if not a.startswith("-")]
    # skip the values of the global options (--base-url URL --config FILE)
    args = list(argv)
    while args and args[0].startswith("--"):
        args = args[2:]
    command = args[:2] if args[:1] == ["preview"] else args[:1]
    label = " ".join(command) or " ".join(words[:1])
    if label == "sanitize":
        label += " apply" if "--apply" in argv else " plan"
    return label


def measure(size: int, dialect: str) -> list[Measured]:
    invoke = ChildInvoke(tag=f"{dialect} {size:,}")
    with tempfile.TemporaryDirectory(prefix="cxo-scale-") as folder:
        options = DemoOptions(state_dir=Path(folder), contacts=size, fresh=True,
                              progress="none", dialect=dialect)
        result = run_demo(options, invoke, Console(stderr=True, quiet=True))
        if result.problems:
            print(f"  ({dialect} {size:,}: {'; '.join(result.problems)})")
    return invoke.steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--dialects", default="v2,admin")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    for dialect in args.dialects.split(","):
        runs = {size: measure(size, dialect) for size in sizes}
        print(f"\n{dialect}: wall s / contacts per s / peak RSS MB, by size")
        print(f"{'job':<18}" + "".join(f"{size:>26,}" for size in sizes)
              + f"{'RSS MB per 1k':>16}{'RSS ratio':>11}")
        labels = [m.label for m in runs[sizes[0]]]
        for index, label in enumerate(labels):
            row = f"{label:<18}"
            points = []
            for size in sizes:
                steps = runs[size]
                if index >= len(steps) or steps[index].label != label:
                    row += f"{'-':>26}"
                    continue
                m = steps[index]
                mark = "" if m.exit_code in (0, 1) else f" (exit {m.exit_code})"
                row += f"{m.wall_s:>8.1f} {size / m.wall_s:>8,.0f} {m.peak_rss_mb:>7.0f}{mark}"
                points.append((size, m.peak_rss_mb))
            if len(points) >= 2:
                (n0, r0), (n1, r1) = points[0], points[-1]
                row += f"{(r1 - r0) / ((n1 - n0) / 1000):>16.3f}{r1 / r0:>11.2f}"
            print(row)
    print("\nRSS ratio: peak RSS at the largest size / at the smallest (1.0 = flat).")


if __name__ == "__main__":
    main()
