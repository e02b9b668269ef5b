"""Benchmark: scrub contacts against a compiled DNC file at two sizes; speed and peak RSS.

    .venv/bin/python bench/dnc.py [--numbers 100000000] [--contacts 1000000] [--seed 1]

Writes two DNC files in a temporary directory (`--numbers` and a tenth of it; US numbers,
sorted by construction with numpy, laid out by the library's own `write_dnc_file`), then scrubs
the same `--contacts` contacts (10 % of them listed) against each in a fresh process, and once
against a Python `set` holding the small file's numbers in memory: the baseline, the way one
would do it without a compiled file. Each process prints contacts/s, its peak RSS and its RSS
before the scrub (VmHWM and VmRSS from /proc: Linux only). The goal: the file's RSS does not
grow with the file (under 200 MB), while the set's grows with its size. Matches are checked
against the sample drawn from the file.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from cxone_outbound.dnc import DncFile, DncScreen, DncSource, SourceStats, compile_dnc
from cxone_outbound.dnc.fileformat import FENCE_STRIDE, write_dnc_file

LOW, HIGH = 12_000_000_000, 19_999_999_999  # +1 200 000 0000 .. +1 999 999 9999
CHUNK = 5_000_000


def generate(path: Path, n: int, seed: int, sample_path: Path) -> None:
    """`n` sorted distinct keys between LOW and HIGH, two sources, plus a sample of them."""
    rng = np.random.default_rng(seed)
    mean_gap = (HIGH - LOW) // (n + 1)
    work = path.parent
    numbers_tmp, sources_tmp = work / f"{path.name}.keys", work / f"{path.name}.src"
    fence: list[int] = []
    samples: list[np.ndarray] = []
    last = LOW
    written = 0
    with numbers_tmp.open("wb") as keys_out, sources_tmp.open("wb") as src_out:
        while written < n:
            size = min(CHUNK, n - written)
            gaps = rng.integers(1, 2 * mean_gap, size=size, dtype=np.int64)
            keys = last + np.cumsum(gaps)
            last = int(keys[-1])
            first = -written % FENCE_STRIDE
            fence.extend(int(k) for k in keys[first::FENCE_STRIDE])
            keys.astype("<i8").tofile(keys_out)
            (rng.random(size) < 0.2).astype("<u2").tofile(src_out)  # 20 % "internal"
            samples.append(rng.choice(keys, size=max(1, min(size // 100, 10_000)), replace=False))
            written += size
    assert last <= HIGH
    sources = [SourceStats("federal", "generated", n, n, 0, n), SourceStats("internal",
                                                                             "generated")]
    write_dnc_file(path, count=n, numbers_file=numbers_tmp, sources_file=sources_tmp,
                   fence=fence, sources=sources)
    numbers_tmp.unlink()
    sources_tmp.unlink()
    np.save(sample_path, np.concatenate(samples))


def contacts(n: int, sample: np.ndarray, seed: int) -> Iterator[tuple[str, bool]]:
    """`n` E.164 numbers, 10 % drawn from `sample` (listed), the rest random (mostly not)."""
    rng = np.random.default_rng(seed)
    for start in range(0, n, 10_000):
        size = min(10_000, n - start)
        listed = rng.random(size) < 0.10
        keys = rng.integers(LOW, HIGH, size=size, dtype=np.int64)
        keys[listed] = rng.choice(sample, size=int(listed.sum()))
        for key, hit in zip(keys.tolist(), listed.tolist(), strict=True):
            yield f"+{key}", hit


def status_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process, in MB. Not ru_maxrss: across exec it
    keeps the forking parent's peak (Linux `signal->maxrss`), which is the generator's here."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1e3
    raise RuntimeError(f"no {field} in /proc/self/status")


def scrub(kind: str, path: Path, sample_path: Path, n: int, seed: int) -> dict[str, object]:
    """One measured scrub in this process (a child)."""
    sample = np.load(sample_path)
    with DncFile(path) as probe:
        count = probe.count
    if kind == "set":
        with DncFile(path) as dnc:  # the same numbers, loaded the naive way
            keys = np.fromfile(path, dtype="<i8", count=dnc.count, offset=dnc.numbers_offset)
            listed = {f"+{k}" for k in keys.tolist()}
            del keys
        screen = None
    else:
        screen = DncScreen([DncFile(path)])
    before = status_mb("VmRSS")
    matched = expected = 0
    started = time.perf_counter()
    for phone, hit in contacts(n, sample, seed):
        found = (phone in listed) if screen is None else (screen.match(phone) is not None)
        matched += found
        expected += hit
    elapsed = time.perf_counter() - started
    peak = status_mb("VmHWM")
    assert matched >= expected, (matched, expected)  # random numbers may be listed too
    return {"kind": kind, "file_numbers": count, "contacts_per_s": round(n / elapsed),
            "matched": matched, "rss_before_mb": round(before, 1), "peak_rss_mb": round(peak, 1)}


def write_registry(path: Path, n: int, seed: int) -> None:
    """`n` lines as registries and CRM exports write them: 10-digit, punctuated, E.164,
    10 % repeated, 0.1 % junk, CRLF."""
    rng = np.random.default_rng(seed)
    with path.open("w", newline="") as out:
        for start in range(0, n, 100_000):
            size = min(100_000, n - start)
            keys = (rng.integers(200, 1000, size=size) * 10_000_000
                    + rng.integers(200, 1000, size=size) * 10_000
                    + rng.integers(0, 10_000, size=size))
            style = rng.integers(0, 10, size=size)
            lines = []
            for key, kind in zip(keys.tolist(), style.tolist(), strict=True):
                text = f"{key:010d}"
                if kind == 0:
                    text = f"({text[:3]}) {text[3:6]}-{text[6:]}"
                elif kind == 1:
                    text = f"+1{text}"
                elif kind == 2:
                    text = f"{text[:3]},{text[3:]}"
                lines.append(text)
            lines += lines[: size // 10]  # duplicates
            lines += ["n/a"] * (size // 1000)  # junk: refused and reported
            out.write("\r\n".join(lines) + "\r\n")


def compile_child(path: Path, out: Path) -> dict[str, object]:
    """One measured compile in this process (a child)."""
    before = status_mb("VmRSS")
    started = time.perf_counter()
    report = compile_dnc([DncSource("registry", path)], out)
    elapsed = time.perf_counter() - started
    lines = report.sources[0].lines
    return {"kind": "compile", "lines": lines, "numbers": report.count,
            "refused": report.refused, "lines_per_s": round(lines / elapsed),
            "rss_before_mb": round(before, 1), "peak_rss_mb": round(status_mb("VmHWM"), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--numbers", type=int, default=100_000_000)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--compile-lines", type=int, default=0,
                        help="also compile registry text files of this many lines and a tenth")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "FILE", "SAMPLE"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, file, sample = args.child
        if kind == "compile":
            print(json.dumps(compile_child(Path(file), Path(sample))))
        else:
            print(json.dumps(scrub(kind, Path(file), Path(sample), args.contacts, args.seed)))
        return
    if args.compile_lines:
        compile_bench(args.compile_lines, args.seed)
        if not args.numbers:
            return
    sizes = [max(1000, args.numbers // 10), args.numbers]
    with tempfile.TemporaryDirectory(prefix="bench-dnc-") as tmp:
        results = []
        for size in sizes:
            path = Path(tmp) / f"dnc-{size}.bin"
            sample = Path(tmp) / f"sample-{size}.npy"
            started = time.perf_counter()
            generate(path, size, args.seed, sample)
            print(f"generated {size:,} numbers ({path.stat().st_size / 1e6:,.0f} MB) in "
                  f"{time.perf_counter() - started:.1f} s", file=sys.stderr)
            runs = [("file", path)] + ([("set", path)] if size == sizes[0] else [])
            for kind, file in runs:
                child = subprocess.run(
                    [sys.executable, __file__, "--child", kind, str(file), str(sample),
                     "--contacts", str(args.contacts), "--seed", str(args.seed)],
                    check=True, capture_output=True, text=True,
                )
                results.append(json.loads(child.stdout))
                print(json.dumps(results[-1]), file=sys.stderr)
    print(f"{'lookup':<6} {'DNC numbers':>13} {'contacts/s':>11} {'RSS before':>11} "
          f"{'peak RSS':>9}")
    for r in results:
        print(f"{r['kind']:<6} {r['file_numbers']:>13,} {r['contacts_per_s']:>11,} "
              f"{r['rss_before_mb']:>9} MB {r['peak_rss_mb']:>6} MB")
    files = [r for r in results if r["kind"] == "file"]
    baseline = next(r for r in results if r["kind"] == "set")
    print(f"file speed / in-memory set speed (same {sizes[0]:,} numbers): "
          f"{files[0]['contacts_per_s'] / baseline['contacts_per_s']:.2f}")
    print(f"peak RSS, {sizes[1]:,} vs {sizes[0]:,} numbers: "
          f"{files[1]['peak_rss_mb'] / files[0]['peak_rss_mb']:.2f}x")


def compile_bench(lines: int, seed: int) -> None:
    """Compile speed and peak RSS at two input sizes (memory should not follow the input)."""
    with tempfile.TemporaryDirectory(prefix="bench-dnc-compile-") as tmp:
        for n in (max(1000, lines // 10), lines):
            text = Path(tmp) / f"registry-{n}.txt"
            write_registry(text, n, seed)
            child = subprocess.run(
                [sys.executable, __file__, "--child", "compile", str(text),
                 str(Path(tmp) / f"out-{n}.bin")],
                check=True, capture_output=True, text=True,
            )
            r = json.loads(child.stdout)
            print(f"compile {r['lines']:>12,} lines ({text.stat().st_size / 1e6:,.0f} MB): "
                  f"{r['lines_per_s']:,} lines/s, {r['numbers']:,} numbers, {r['refused']:,} "
                  f"refused, peak RSS {r['peak_rss_mb']} MB (before {r['rss_before_mb']} MB)")
            text.unlink()


if __name__ == "__main__":
    main()
