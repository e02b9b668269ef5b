"""The `zipcodes` data set reduced to what a time zone needs, cached on disk (`data_cache`).

`zipcodes` hands out its 42k ZIPs as dicts of 14 fields: about 140 MB of Python objects, which
an import or a check would carry for the whole run once a row has a ZIP. The fields we read
(zone, state, area codes) are written once per machine and `zipcodes` version to a small JSON
file in the user's cache folder, by a child process; the run reads the compact file (1.5 MB,
a line per ZIP, read as a stream: parsing it whole as JSON peaked at 27 MB) and shares each
zone, state and area-code tuple between the ZIPs that repeat it (about 6 MB held).

    python -m cxone_outbound.dialability.zip_data PATH   # what the child runs
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, TextIO

from cxone_outbound.dialability.data_cache import cache_file, load_reduction, write_atomic

__all__ = ["ZipRow", "load_zip_rows"]

ZipRow = tuple[str, str, tuple[str, ...]]  # (zone as the data set spells it, state, area codes)


def _reduced() -> dict[str, ZipRow]:
    """Every ZIP's (zone, state, area codes), read from `zipcodes`' own extension (its module
    keeps a cached list of every dict once asked; the extension returns a fresh one we drop)."""
    from zipcodes import _zipcodes  # the Rust extension behind `zipcodes.list_all`

    rows: list[dict[str, Any]] = _zipcodes.list_all()
    return {
        str(row["zip_code"]): (str(row.get("timezone") or ""), str(row["state"]),
                               tuple(str(code) for code in row.get("area_codes") or ()))
        for row in rows
    }


def cache_path() -> Path:
    import zipcodes

    return cache_file(f"zip-index-{zipcodes.__version__}.tsv")


HEADER = "zip\tzone\tstate\tarea codes"


def write_cache(path: Path) -> None:
    """A line per ZIP: `zip TAB zone TAB state TAB code,code,...`, under `HEADER`."""
    def write(out: TextIO) -> None:
        out.write(HEADER + "\n")
        for zip_code, (zone, state, codes) in _reduced().items():
            out.write(f"{zip_code}\t{zone}\t{state}\t{','.join(codes)}\n")

    write_atomic(path, write)


def _read(path: Path) -> dict[str, ZipRow] | None:
    shared: dict[Any, Any] = {}  # one object per distinct zone, state or tuple of area codes
    rows: dict[str, ZipRow] = {}
    with path.open(encoding="utf-8") as lines:
        if lines.readline().rstrip("\n") != HEADER:
            return None
        for line in lines:
            zip_code, zone, state, codes = line.rstrip("\n").split("\t")
            key = tuple(shared.setdefault(c, c) for c in codes.split(",") if c)
            rows[zip_code] = (shared.setdefault(zone, zone), shared.setdefault(state, state),
                              shared.setdefault(key, key))
    return rows or None


def load_zip_rows(path: Path | None = None) -> dict[str, ZipRow]:
    """The reduced set: from the cache file, else written there by a child process first, else
    (no cache folder, no child) reduced in this process."""
    return load_reduction(path or cache_path(), __name__, _read, _reduced)


if __name__ == "__main__":
    write_cache(Path(sys.argv[1]))
