"""Every job at scale: wall time, records/s and peak RSS per job, and how RSS grows with N.

Runs the demo's workload (`cxo demo`: import, update, enrich, sanitise plan and apply, preview,
check) at each size. Each (dialect, size) demo runs in a child process of its own, and every
`cxo` step of it in a grandchild of its own, so that each peak RSS (`VmHWM`) is that process's
alone: the steps' rows are the jobs, the "demo" row the demo's own orchestration (generating
the workload, reading the list back, drawing the rest from it); the sandbox is another process
again. The slope between the smallest and the largest size is the memory a process holds per
1,000 contacts: one that streams shows a slope near 0 (the goal: under 250 MB at 1M contacts,
whatever N).

    .venv/bin/python bench/scale.py [--sizes 100000,1000000] [--dialects v2,admin] [--out F]

Each row is printed as it ends and appended to a JSON-lines file (`--out`, default under /tmp)
at once, so a run cut short keeps every figure it measured; the table comes at the end. The
baseline of each ratio is the same process at the smallest size, measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

CHILD = "import sys; from cxone_outbound.cli.main import run; sys.argv[0] = 'cxo'; run()"
DEMO_LABEL = "demo"
POLL_S = 0.05


@dataclass
class Measured:
    """One measured process: a `cxo` step, or the demo itself (`DEMO_LABEL`)."""

    run: str  # one (dialect, size) demo of one bench invocation
    dialect: str
    size: int
    label: str
    exit_code: int
    wall_s: float
    peak_rss_mb: float
    load_1m: float  # the load average as the process ended: how loose its wall time is

    def line(self) -> str:
        return (f"  [{self.dialect} {self.size:,}] {self.label}: {self.wall_s:.1f} s, "
                f"{self.peak_rss_mb:.0f} MB, exit {self.exit_code}, load {self.load_1m:.1f}")


def record(out: Path, measured: Measured) -> None:
    """Print a row and append it to the JSON-lines file at once (flushed, one write)."""
    print(measured.line(), flush=True)
    with out.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(asdict(measured)) + "\n")


def _high_water_kb(pid: int | str) -> int:
    """A process's own peak RSS (VmHWM). Not `wait4`'s ru_maxrss: after a fork, Linux keeps
    the parent's high-water mark in the child's, so every child would report this bench's size."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def run_measured(argv: Sequence[str], *, quiet: bool = True) -> tuple[int, float, float]:
    """Run `argv` to its end, polling its VmHWM: (exit code, wall s, peak RSS MB). `quiet`:
    its output is dropped (a `cxo` step); else it shares ours (the demo, printing its rows)."""
    started = time.perf_counter()
    sink = subprocess.DEVNULL if quiet else None
    process = subprocess.Popen(argv, stdout=sink, stderr=sink)
    peak_kb = 0
    while process.poll() is None:
        peak_kb = max(peak_kb, _high_water_kb(process.pid))
        time.sleep(POLL_S)
    return process.returncode, time.perf_counter() - started, peak_kb / 1024


class ChildInvoke:
    """`invoke` for the demo: each `cxo` command in a child process, measured and recorded."""

    def __init__(self, out: Path, run: str, dialect: str, size: int) -> None:
        self.out, self.run, self.dialect, self.size = out, run, dialect, size

    def __call__(self, argv: Sequence[str]) -> int:
        # the same interpreter and package as this bench
        code, wall_s, peak_mb = run_measured([sys.executable, "-c", CHILD, *argv])
        record(self.out, Measured(self.run, self.dialect, self.size, _label(argv), code, wall_s,
                                  peak_mb, os.getloadavg()[0]))
        return code


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
    if label == "enrich" and "--changed-only" in argv:
        label += " changed"
    return label


def demo_child(out: Path, run: str, dialect: str, size: int) -> int:
    """What the demo's own process runs: the demo, its steps in grandchildren; then its own
    row (VmHWM read at the end: a high-water mark, so nothing is missed)."""
    from rich.console import Console

    from cxone_outbound.demo import DemoOptions, run_demo

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cxo-scale-") as folder:
        options = DemoOptions(state_dir=Path(folder), contacts=size, fresh=True,
                              progress="none", dialect=dialect)
        result = run_demo(options, ChildInvoke(out, run, dialect, size),
                          Console(stderr=True, quiet=True))
        if result.problems:
            print(f"  ({dialect} {size:,}: {'; '.join(result.problems)})", flush=True)
        record(out, Measured(run, dialect, size, DEMO_LABEL, 0 if result.ok else 1,
                             time.perf_counter() - started, _high_water_kb("self") / 1024,
                             os.getloadavg()[0]))
    return 0 if result.ok else 1


def measure(out: Path, dialect: str, size: int) -> list[Measured]:
    """One (dialect, size) demo in a child process of its own; every row it recorded. A demo
    that dies without its own row gets one from the VmHWM polled here."""
    run = uuid.uuid4().hex[:12]
    code, wall_s, peak_mb = run_measured(
        [sys.executable, __file__, "--demo-child", run, "--dialects", dialect,
         "--sizes", str(size), "--out", str(out)], quiet=False)
    rows = [m for m in read_rows(out) if m.run == run]
    if not any(m.label == DEMO_LABEL for m in rows):
        cut = Measured(run, dialect, size, f"{DEMO_LABEL} (exit {code}, polled)", code,
                       wall_s, peak_mb, os.getloadavg()[0])
        record(out, cut)
        rows.append(cut)
    return rows


def read_rows(out: Path) -> list[Measured]:
    if not out.exists():
        return []
    with out.open(encoding="utf-8") as fh:
        return [Measured(**json.loads(line)) for line in fh if line.strip()]


def print_table(dialect: str, sizes: Sequence[int], runs: dict[int, list[Measured]]) -> None:
    print(f"\n{dialect}: wall s / contacts per s / peak RSS MB, by size")
    print(f"{'job':<18}" + "".join(f"{size:>26,}" for size in sizes)
          + f"{'RSS MB per 1k':>16}{'RSS ratio':>11}")
    labels: list[str] = []
    for size in sizes:
        labels += [m.label for m in runs[size] if m.label not in labels]
    for label in labels:
        row = f"{label:<18}"
        points = []
        for size in sizes:
            found = next((m for m in runs[size] if m.label == label), None)
            if found is None:
                row += f"{'-':>26}"
                continue
            mark = "" if found.exit_code in (0, 1) else f" (exit {found.exit_code})"
            row += (f"{found.wall_s:>8.1f} {size / max(found.wall_s, 1e-9):>8,.0f} "
                    f"{found.peak_rss_mb:>7.0f}{mark}")
            points.append((size, found.peak_rss_mb))
        if len(points) >= 2:
            (n0, r0), (n1, r1) = points[0], points[-1]
            row += f"{(r1 - r0) / ((n1 - n0) / 1000):>16.3f}{r1 / r0:>11.2f}"
        print(row)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="one size or several")
    parser.add_argument("--dialects", default="v2,admin")
    parser.add_argument("--out", type=Path, default=None,
                        help="JSON-lines file every measured row is appended to "
                             "(default: a new file under /tmp)")
    parser.add_argument("--demo-child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    dialects = [d for d in args.dialects.split(",") if d.strip()]
    if args.demo_child is not None:
        return demo_child(args.out, args.demo_child, dialects[0], sizes[0])
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out: Path = args.out or Path(tempfile.gettempdir()) / f"cxo-scale-{stamp}.jsonl"
    print(f"rows appended to {out} (load average {os.getloadavg()[0]:.1f} at start)", flush=True)
    for dialect in dialects:
        runs = {size: measure(out, dialect, size) for size in sizes}
        print_table(dialect, sizes, runs)
    print("\nRSS ratio: peak RSS at the largest size / at the smallest (1.0 = flat); "
          f"'{DEMO_LABEL}' is the demo's own process, its steps aside.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
