"""The `zipcodes` data set reduced to what a time zone needs, cached on disk.

`zipcodes` hands out its 42k ZIPs as dicts of 14 fields: about 140 MB of Python objects, which
an import or a check would carry for the whole run once a row has a ZIP. The fields we read
(zone, state, area codes) are written once per machine and `zipcodes` version to a small JSON
file in the user's cache folder, by a child process, so no run's own memory ever holds the full
set; the run reads the compact file (a few MB). Without a usable cache folder the set is reduced
in-process, as before.

    python -m cxone_outbound.dialability.zip_data PATH   # what the child runs
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import platformdirs

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

    version = str(zipcodes.__version__)
    return Path(platformdirs.user_cache_dir("cxone-outbound")) / f"zip-index-{version}.json"


def write_cache(path: Path) -> None:
    """Write the reduced set to `path` atomically (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {zip_code: [zone, state, list(codes)]
            for zip_code, (zone, state, codes) in _reduced().items()}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".zip-index-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, separators=(",", ":"))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_cache(path: Path) -> dict[str, ZipRow] | None:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(raw, dict):
        return None
    try:
        return {str(zip_code): (str(zone), str(state), tuple(str(c) for c in codes))
                for zip_code, (zone, state, codes) in raw.items()}
    except (TypeError, ValueError):
        return None  # a damaged or foreign file: rebuilt below


def load_zip_rows(path: Path | None = None) -> dict[str, ZipRow]:
    """The reduced set: from the cache file, else written there by a child process first, else
    (no cache folder, no child) reduced in this process."""
    target = path or cache_path()
    cached = _read_cache(target)
    if cached is not None:
        return cached
    try:
        subprocess.run(  # noqa: S603  # this interpreter, our module, our own path
            [sys.executable, "-m", __name__, str(target)], check=True, timeout=120,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return _reduced()
    return _read_cache(target) or _reduced()


if __name__ == "__main__":
    write_cache(Path(sys.argv[1]))
