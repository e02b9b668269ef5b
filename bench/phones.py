"""Benchmark: the phone normaliser beside a bare phonenumbers loop on the same mixed numbers.

    .venv/bin/python bench/phones.py [--n 1000000] [--seed 5]

Prints numbers/s of both and their ratio for two scenarios: all-distinct inputs, and 20 %
duplicates (a duplicate repeats a value drawn uniformly from the distinct ones). Rates are
numbers per CPU-second of this process, timed in alternating blocks. Goals:
ratio >= 0.9 distinct, >= 1.5 with duplicates. The baseline does per number what a hand-written
sanitiser would: parse, is_valid_number, format_number(E164), number_type.

The normaliser finds more valid numbers than the baseline: it retries a failed national
reading with a 00/011 international prefix (`0044 20 ...` with a US default), and it does the
baseline's work plus a reason for every rejection.
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from collections.abc import Callable, Sequence

import phonenumbers

from cxone_outbound.phones import PhoneNormalizer

_E164 = phonenumbers.PhoneNumberFormat.E164


def _us_national(rng: random.Random) -> str:
    area, mid, last = rng.randrange(201, 990), rng.randrange(200, 999), rng.randrange(10_000)
    style = rng.randrange(4)
    if style == 0:
        return f"({area}) {mid}-{last:04d}"
    if style == 1:
        return f"{area}.{mid}.{last:04d}"
    if style == 2:
        return f"1-{area}-{mid}-{last:04d}"
    return f"+1{area}{mid}{last:04d}"


def _gb(rng: random.Random) -> str:
    style = rng.randrange(4)
    if style == 0:
        return f"020 {rng.randrange(7000, 8999)} {rng.randrange(10_000):04d}"
    if style == 1:
        return f"07{rng.randrange(400, 999)} {rng.randrange(1_000_000):06d}"
    if style == 2:
        return f"0044 20 {rng.randrange(7000, 8999)} {rng.randrange(10_000):04d}"
    return f"+44 7{rng.randrange(400, 999)} {rng.randrange(1_000_000):06d}"


def _other(rng: random.Random) -> str:
    style = rng.randrange(6)
    if style == 0:  # toll free
        return f"1-8{rng.choice('0458')}{rng.choice('0458')}-{rng.randrange(2_000_000, 9_999_999)}"
    if style == 1:  # GB VoIP
        return f"+44 56 {rng.randrange(10_000_000, 99_999_999)}"
    if style == 2:  # international from the US
        return f"011 49 30 {rng.randrange(1_000_000, 99_999_999)}"
    if style == 3:  # extension
        return (
            f"({rng.randrange(201, 990)}) 555-{rng.randrange(10_000):04d} ext. {rng.randrange(999)}"
        )
    if style == 4:  # Canada
        area = rng.choice(["416", "613", "604", "514"])
        return f"+1 {area} {rng.randrange(200, 999)} {rng.randrange(10_000):04d}"
    return f"+{rng.randrange(20, 99)} {rng.randrange(10**6, 10**10)}"


def _junk(rng: random.Random) -> str:
    style = rng.randrange(4)
    if style == 0:
        return "n/a " + str(rng.randrange(10**6))
    if style == 1:
        return str(rng.randrange(10**3, 10**5))
    if style == 2:
        return f"+999 {rng.randrange(10**8)}"
    return f"{rng.randrange(10**13, 10**16)}"


_MAKERS: list[tuple[float, Callable[[random.Random], str]]] = [
    (0.45, _us_national),
    (0.25, _gb),
    (0.20, _other),
    (0.10, _junk),
]


def mixed_numbers(n: int, *, duplicates: float, seed: int) -> list[str]:
    """`n` raw phones; a `duplicates` share repeat values seen earlier, the rest are distinct."""
    rng = random.Random(seed)
    weights = [w for w, _ in _MAKERS]
    makers = [m for _, m in _MAKERS]
    distinct_target = n - round(n * duplicates)
    seen: set[str] = set()
    distinct: list[str] = []
    while len(distinct) < distinct_target:
        raw = rng.choices(makers, weights)[0](rng)
        if raw not in seen:
            seen.add(raw)
            distinct.append(raw)
    out = list(distinct)
    for _ in range(n - distinct_target):
        # a duplicate is inserted after a uniformly chosen earlier value
        out.append(distinct[rng.randrange(len(distinct))])
    # interleave: keep the first occurrence order, scatter the repeats after their originals
    rng.shuffle(out)
    return out


def bare_loop(numbers: Sequence[str], region: str) -> int:
    valid = 0
    for raw in numbers:
        try:
            number = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            phonenumbers.format_number(number, _E164)
            phonenumbers.number_type(number)
            valid += 1
    return valid


def normaliser_loop(numbers: Sequence[str], normalise: PhoneNormalizer) -> int:
    valid = 0
    for raw in numbers:
        if normalise(raw).ok:
            valid += 1
    return valid


def _timed(fn: Callable[..., int], *args: object) -> tuple[float, int]:
    # CPU time of this process: on a shared machine, wall time mostly measures the neighbours
    start = time.process_time()
    valid = fn(*args)
    return time.process_time() - start, valid


def compare(
    numbers: Sequence[str], memo: int, blocks: int = 20
) -> tuple[float, float, int, int, float]:
    """(baseline/s, normaliser/s, valid by each, memo hit rate) over the same stream.

    Timed in alternating blocks, each side going first every other block, so the load of a
    shared machine (and the garbage one side leaves to the other) spreads over both evenly.
    One normaliser serves the whole stream, so its memo sees every earlier value.
    """
    normalise = PhoneNormalizer("US", max_size=memo)
    size = max(1, len(numbers) // blocks)
    base_time = our_time = 0.0
    base_valid = our_valid = 0
    gc.collect()
    for index, start in enumerate(range(0, len(numbers), size)):
        block = numbers[start : start + size]
        for side in ("base", "ours") if index % 2 == 0 else ("ours", "base"):
            if side == "base":
                elapsed, valid = _timed(bare_loop, block, "US")
                base_time, base_valid = base_time + elapsed, base_valid + valid
            else:
                elapsed, valid = _timed(normaliser_loop, block, normalise)
                our_time, our_valid = our_time + elapsed, our_valid + valid
    hit_rate = normalise.hits / max(1, normalise.hits + normalise.misses)
    return len(numbers) / base_time, len(numbers) / our_time, base_valid, our_valid, hit_rate


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="numbers per scenario")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument(
        "--memo", type=int, default=None, help="memo size (default: --n, as the sanitise job)"
    )
    args = parser.parse_args(argv)
    memo = args.memo if args.memo is not None else args.n
    print(
        f"{args.n:,} mixed numbers per scenario (US/GB/CA/intl/toll free/VoIP/junk), memo {memo:,}"
    )
    # warm up: phonenumbers loads each region's metadata and compiles its patterns lazily
    warm = mixed_numbers(min(args.n, 20_000), duplicates=0.0, seed=args.seed + 1)
    compare(warm, memo, blocks=1)
    met = True
    for label, dup, goal in (("all distinct", 0.0, 0.9), ("20 % duplicates", 0.2, 1.5)):
        numbers = mixed_numbers(args.n, duplicates=dup, seed=args.seed)
        base, ours, base_valid, our_valid, hits = compare(numbers, memo)
        ratio = ours / base
        met = met and ratio >= goal
        print(
            f"{label:>16}: phonenumbers {base:>9,.0f}/s   normaliser {ours:>9,.0f}/s   "
            f"ratio {ratio:.2f} (goal >= {goal}: {'met' if ratio >= goal else 'MISSED'})   "
            f"(valid {base_valid:,} vs {our_valid:,}, memo hits {hits:.0%})"
        )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
