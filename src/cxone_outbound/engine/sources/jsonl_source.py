"""A JSON Lines file (.jsonl, .ndjson) read as records: one object per line.

The header is every key of every object, in the order they first appear (one pass over the file
before the run); an object that leaves a key out reads it as empty. A line that is not a JSON
object is a row error with its line number, and the run goes on.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson

from cxone_outbound.engine.records import Record, RecordError
from cxone_outbound.engine.sources.csv_source import SourceError, file_fingerprint
from cxone_outbound.engine.sources.tabular import mapped_columns, render_value

JSONL_SUFFIXES = (".jsonl", ".ndjson")


def _object(text: bytes) -> dict[str, Any] | RecordError:
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        return RecordError("INVALID_JSON", f"not JSON: {exc}")
    if not isinstance(value, dict):
        return RecordError("NOT_AN_OBJECT", f"expected a JSON object, found {type(value).__name__}")
    return value


class JsonlSource:
    """Records of a JSON Lines file, streamed; each keyed by its line (the first line is 1)."""

    def __init__(
        self,
        path: Path,
        *,
        mappings: Mapping[str, str] | None = None,
        aliases: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise SourceError(f"no such file: {self.path}")
        self._size = self.path.stat().st_size
        self._position = 0
        self._fingerprint: str | None = None
        self.header = self._read_header()
        self.columns = mapped_columns(str(self.path), self.header, aliases or {}, mappings or {})

    @property
    def description(self) -> str:
        return str(self.path)

    def fingerprint(self) -> str:
        if self._fingerprint is None:
            self._fingerprint = file_fingerprint(self.path)
        return self._fingerprint

    def progress(self) -> float | None:
        return min(1.0, self._position / self._size) if self._size else None

    def _read_header(self) -> list[str]:
        """Every key any object has, in the order they first appear: one pass over the file.

        Exports often leave a null key out of an object, so the first object alone would not
        name every column. The pass holds only the keys (constant memory); it costs a parse of
        the file before the run, which is far cheaper than rows failing for want of a column.
        """
        keys: dict[str, None] = {}
        objects = 0
        with self.path.open("rb") as fh:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                value = _object(line.removeprefix(b"\xef\xbb\xbf") if number == 1 else line)
                if isinstance(value, dict):
                    objects += 1
                    keys.update(dict.fromkeys(value))
        if not objects:
            raise SourceError(f"{self.path}: no line is a JSON object")
        if not keys:
            raise SourceError(f"{self.path}: the objects have no keys")
        return list(keys)

    def __iter__(self) -> Iterator[Record]:
        header = self.header
        known = set(header)
        columns = self.columns
        self._position = 0
        with self.path.open("rb") as fh:
            try:
                for line, text in enumerate(fh, start=1):
                    self._position += len(text)
                    if not text.strip():
                        continue  # a blank line, as in a CSV file
                    if line == 1:
                        text = text.removeprefix(b"\xef\xbb\xbf")
                    value = _object(text)
                    if isinstance(value, RecordError):
                        raw = (text.decode("utf-8", "replace").rstrip("\r\n"),)
                        yield Record(str(line), line, {}, raw, value)
                        continue
                    cells = [render_value(value.get(name)) for name in header]
                    extra = [name for name in value if name not in known]
                    if extra:
                        error = RecordError(
                            "UNKNOWN_FIELDS", f"keys not in the header: {sorted(extra)}"
                        )
                        yield Record(str(line), line, {}, cells, error)
                        continue
                    yield Record(str(line), line, dict(zip(columns, cells, strict=True)), cells)
            finally:
                self._position = self._size
