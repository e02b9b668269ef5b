"""Bulk import at scale: rows/s, peak RSS and on-disk state of `cxo import` (default 1 M rows).

Runs `cxo import` in a subprocess against a local sandbox (its import worker set fast so the
client side is measured), and beside it, in the same run and against a sandbox of its own, a bare
chunk-and-POST loop (csv.reader, chunks rendered and gzipped at the same level, 4 uploads in
flight, each job polled to its end; no validation, journal or result files): the ratio says
what the engine's per-row work costs (issue 15's goal: >= 20k rows/s at 1M). Also a bare
`csv.reader` pass. Peak RSS is the child's maximum resident set (goal < 250 MB: the file is
streamed); state is what the run leaves in its state dir (goal <= 2x the input file). CPU is
counted for each side (`cxo`'s process, the sandbox's process from /proc): on a loaded machine
the CPU microseconds a row on each side say more than the wall rate (with both processes on one
quiet 2-core machine, 20k rows/s wants well under 50 us a row on each side).

    .venv/bin/python bench/import.py [--rows 1000000] [--five-million] [--chunk-size 5000]
        [--baseline-src DIR]   # also another version's `src` (e.g. main's, `git archive`d):
                               # its `cxo` against its own sandbox
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import gzip
import io
import itertools
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from cxone_outbound.sandbox.server import SandboxServer

GZIP_LEVEL = 1  # as jobs/import_.py sends

# `cxo` in-process, reporting its own peak RSS (the sandbox is another child: not counted)
CXO_WITH_RSS = (
    "import resource, sys\n"
    "from cxone_outbound.cli.main import invoke\n"
    "code = invoke(sys.argv[1:])\n"
    "usage = resource.getrusage(resource.RUSAGE_SELF)\n"
    "sys.stderr.write(f'PEAK_RSS_KB={usage.ru_maxrss}\\n')\n"
    "sys.stderr.write(f'CPU_S={usage.ru_utime + usage.ru_stime}\\n')\n"
    "sys.exit(code)\n"
)


def generate(path: Path, rows: int) -> None:
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["phone_number", "first_name", "last_name", "email", "tier"])
        for i in range(rows):
            writer.writerow(
                [
                    f"+1{2000000000 + i}",
                    f"First{i}",
                    f"Last{i}",
                    f"user{i}@example.com",
                    "gold" if i % 3 else "silver",
                ]
            )


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a live process (Linux /proc), e.g. the sandbox's."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bare_read(path: Path) -> float:
    started = time.perf_counter()
    with path.open(newline="", encoding="utf-8") as fh:
        for _ in csv.reader(fh):
            pass
    return time.perf_counter() - started


async def _token(session: aiohttp.ClientSession, base: str) -> str:
    form = {"grant_type": "client_credentials", "client_id": "demo-client",
            "client_secret": "demo-secret"}
    async with session.post(f"{base}/oauth/token", data=form) as response:
        return str((await response.json())["access_token"])


async def bare_post_loop(base: str, path: Path, chunk: int, workers: int) -> int:
    """Chunk, gzip, POST and poll each import job to its end: the baseline. Returns rows sent."""
    sent = 0
    async with aiohttp.ClientSession() as session:
        headers = {"Authorization": f"Bearer {await _token(session, base)}",
                   "Content-Type": "text/csv", "Content-Encoding": "gzip"}
        queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=workers)

        async def worker() -> None:
            while (body := await queue.get()) is not None:
                url = f"{base}/api/v2/contacts/import"
                async with session.post(url, data=body, headers=headers) as response:
                    job_id = (await response.json())["jobId"]
                delay = 0.2
                while True:
                    async with session.get(f"{url}/{job_id}", headers=headers) as response:
                        if (await response.json())["status"] in ("COMPLETED", "FAILED"):
                            break
                    await asyncio.sleep(delay)
                    delay = min(2.0, delay * 2)

        tasks = [asyncio.create_task(worker()) for _ in range(workers)]
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            while rows := list(itertools.islice(reader, chunk)):
                buffer = io.StringIO()
                writer = csv.writer(buffer)
                writer.writerow(header)
                writer.writerows(rows)
                data = gzip.compress(buffer.getvalue().encode(), compresslevel=GZIP_LEVEL, mtime=0)
                await queue.put(data)
                sent += len(rows)
        for _ in tasks:
            await queue.put(None)
        await asyncio.gather(*tasks)
    return sent


def state_bytes(state: Path) -> dict[str, int]:
    """Bytes the run left in its state dir: the journal (with -wal/-shm) and each run file."""
    sizes = {"journal": sum(p.stat().st_size for p in state.glob("journal.sqlite3*"))}
    for path in state.glob("runs/*/*"):
        sizes[path.name] = sizes.get(path.name, 0) + path.stat().st_size
    return sizes


def run_cxo(
    path: Path, state: Path, chunk: int, concurrency: int, src: Path | None
) -> tuple[float, float, float, float]:
    """`cxo import` in a child (of the code in `src`, else this checkout) against a fresh
    sandbox (of the same code): (wall seconds, peak RSS MB, CPU seconds, sandbox CPU seconds)."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src.resolve())
    server = SandboxServer(import_rows_per_s=2_000_000, rate_limit=1000, burst=1000)
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = env.get("PYTHONPATH", "")  # the sandbox inherits it
    try:
        server.start()
    finally:
        if saved is None:
            os.environ.pop("PYTHONPATH")
        else:
            os.environ["PYTHONPATH"] = saved
    try:
        server_cpu = process_cpu_s(server.pid)
        started = time.perf_counter()
        result = subprocess.run(
            [
                sys.executable, "-c", CXO_WITH_RSS, "--json", "--base-url", server.base_url,
                "import", str(path), "--state-dir", str(state), "--chunk-size", str(chunk),
                "--concurrency", str(concurrency), "--progress", "none",
            ],
            capture_output=True,
            text=True,
            env=env,
        )
        elapsed = time.perf_counter() - started
        server_cpu = process_cpu_s(server.pid) - server_cpu
    finally:
        server.stop()
    if result.returncode != 0:
        sys.exit(f"cxo import failed ({result.returncode}): {result.stderr[-2000:]}")
    lines = result.stderr.splitlines()
    peak_kb = next(int(line.split("=")[1]) for line in lines if "PEAK_RSS_KB=" in line)
    cpu_s = next(float(line.split("=")[1]) for line in lines if "CPU_S=" in line)
    return elapsed, peak_kb / 1024, cpu_s, server_cpu  # Linux reports KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--five-million", action="store_true", help="5 M rows")
    parser.add_argument("--chunk-size", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--baseline-src", type=Path, help="another version's src dir, run too")
    args = parser.parse_args()
    rows = 5_000_000 if args.five_million else args.rows
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "contacts.csv"
        generate(path, rows)
        size_mb = path.stat().st_size / 1e6
        input_bytes = path.stat().st_size
        bare = bare_read(path)
        with SandboxServer(import_rows_per_s=2_000_000, rate_limit=1000, burst=1000) as server:
            started, cpu = time.perf_counter(), time.process_time()
            loop_server_cpu = process_cpu_s(server.pid)
            posted = asyncio.run(
                bare_post_loop(server.base_url, path, args.chunk_size, args.concurrency)
            )
            loop_s, loop_cpu = time.perf_counter() - started, time.process_time() - cpu
            loop_server_cpu = process_cpu_s(server.pid) - loop_server_cpu
        figures = run_cxo(path, Path(tmp) / "state", args.chunk_size, args.concurrency, None)
        state = state_bytes(Path(tmp) / "state")
        before, before_state = None, 0
        if args.baseline_src:
            before = run_cxo(path, Path(tmp) / "before", args.chunk_size, args.concurrency,
                             args.baseline_src)
            before_state = sum(state_bytes(Path(tmp) / "before").values())
    elapsed, peak_mb, cpu_s, server_s = figures
    print(f"load average at the end: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} CPUs")
    print(
        f"{rows} rows ({size_mb:.0f} MB), chunks of {args.chunk_size}, {args.concurrency} in flight"
    )
    print(
        f"  cxo import: {rows / elapsed:,.0f} rows/s ({elapsed:.1f} s), peak RSS {peak_mb:.0f} MB"
        f" (goal < 250 MB); {rows / cpu_s:,.0f} rows per CPU second of its process"
        f" ({cpu_s / rows * 1e6:.1f} us a row); sandbox {rows / server_s:,.0f} rows per CPU"
        f" second ({server_s / rows * 1e6:.1f} us a row)"
    )
    slower = max(cpu_s, server_s)
    print(
        f"  CPU ceiling with a free core each: {rows / slower:,.0f} rows/s (the slower side's"
        f" {slower / rows * 1e6:.1f} us a row); both on one core: {rows / (cpu_s + server_s):,.0f}"
        " rows/s"
    )
    if before is not None:
        b_elapsed, b_peak, b_cpu, b_server = before
        print(
            f"  baseline {args.baseline_src}: {rows / b_elapsed:,.0f} rows/s ({b_elapsed:.1f} s),"
            f" peak RSS {b_peak:.0f} MB, {rows / b_cpu:,.0f} rows per CPU second"
            f" ({b_cpu / rows * 1e6:.1f} us a row), its sandbox {b_server / rows * 1e6:.1f} us"
            f" a row, state {before_state / input_bytes:.2f}x the input;"
            f" this / baseline speed: {b_elapsed / elapsed:.2f},"
            f" per CPU second: cxo {b_cpu / cpu_s:.2f}, sandbox {b_server / server_s:.2f}"
        )
    print(
        f"  bare chunk-and-POST loop: {posted / loop_s:,.0f} rows/s ({loop_s:.1f} s);"
        f" import / bare-loop speed ratio: {loop_s / elapsed:.2f};"
        f" {posted / loop_cpu:,.0f} rows per CPU second"
        f" (import / bare-loop, per CPU second: {loop_cpu * rows / posted / cpu_s:.2f});"
        f" its sandbox {loop_server_cpu / posted * 1e6:.1f} us a row"
    )
    print(
        f"  bare csv.reader pass: {rows / bare:,.0f} rows/s;"
        f" import / bare-read speed ratio: {bare / elapsed:.3f}"
    )
    total = sum(state.values())
    parts = ", ".join(f"{name} {size / 1e6:.1f}" for name, size in sorted(state.items()))
    print(
        f"  state left: {total / 1e6:.1f} MB = {total / input_bytes:.2f}x the input"
        f" (goal <= 2x; MB: {parts})"
    )


if __name__ == "__main__":
    main()
