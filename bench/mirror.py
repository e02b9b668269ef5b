"""The mirror's comparison at scale: a list of N records against a source of N rows, on disk.

For each size, in a child process of its own (so its peak RSS is the comparison's alone): the
list as read (`ListSnapshot`, N records), the source's keys (`SourceKeys`, N rows: 90 % of the
list's phones and 10 % new ones), the plan (`RemovalPlan.build`, 10 % absent) and the restore
file written from it. Prints wall time and peak RSS per size, and the ratio of each to the
smallest size (the baseline, measured in the same run): memory that stays flat while N grows
tenfold is the "constant memory" of docs/mirror.md.

    .venv/bin/python bench/mirror.py [--sizes 100000,1000000]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cxone_outbound.client.models import Contact
from cxone_outbound.jobs.list_snapshot import ListSnapshot
from cxone_outbound.jobs.mirror.plan import RemovalPlan, SourceKeys
from cxone_outbound.jobs.sanitize import RestoreWriter, restore_header
from cxone_outbound.phones import PhoneNormalizer

PAGE = 1000


def _phone(n: int) -> str:
    return f"+1{212 + n // 10_000_000:03d}{n % 10_000_000:07d}"


def compare(size: int, folder: Path) -> dict[str, float]:
    """One size, measured in this process."""
    started = time.perf_counter()
    snapshot = ListSnapshot(folder / "list.sqlite3")
    for start in range(0, size, PAGE):
        snapshot.add([Contact(id=f"c{n}", phone=_phone(n), first_name="F", last_name="L",
                              attributes={"tier": "gold"})
                      for n in range(start, min(size, start + PAGE))])
    keys = SourceKeys(folder / "keys.sqlite3")
    absent_every = 10  # every tenth record of the list is not in the source
    for n in range(size):
        phone = _phone(n if n % absent_every else size + n)
        keys.add(n + 2, [phone])
    read_s = time.perf_counter() - started
    plan = RemovalPlan(folder / "mirror.sqlite3")
    counts = plan.build(snapshot, keys, PhoneNormalizer("US"), digits_only=False)
    writer = RestoreWriter(folder / "restore.csv", restore_header(plan.attribute_names()))
    for contact in plan.contacts():
        writer.write(contact)
    writer.sync()
    writer.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert counts.absent == size // absent_every, counts
    return {"size": size, "absent": counts.absent, "setup_s": round(read_s, 1),
            "plan_and_restore_s": round(time.perf_counter() - started - read_s, 1),
            "peak_rss_mb": round(peak_mb, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        with tempfile.TemporaryDirectory() as folder:
            print(json.dumps(compare(args.child, Path(folder))))
        return
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        out = subprocess.run([sys.executable, __file__, "--child", str(size)], check=True,
                             capture_output=True, text=True).stdout
        results.append(json.loads(out))
    base = results[0]
    for r in results:
        print(f"{r['size']:>9,} records, {r['absent']:>8,} absent: setup {r['setup_s']} s, "
              f"plan + restore {r['plan_and_restore_s']} s "
              f"(x{r['plan_and_restore_s'] / max(base['plan_and_restore_s'], 0.1):.1f}), "
              f"peak RSS {r['peak_rss_mb']} MB (x{r['peak_rss_mb'] / base['peak_rss_mb']:.2f})")


if __name__ == "__main__":
    main()
