"""The sanitise directive: which numbers a list may keep, from flags or a TOML file.

A directive is a frozen value; loading it is the only place that touches the disk (the TOML file
and the disposable-number file), and every mistake in it is a `DirectiveError` naming the field.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import phonenumbers

from cxone_outbound.client.errors import ConfigurationError
from cxone_outbound.phones import (
    DisposableList,
    DisposableListError,
    LineType,
    PhonePolicy,
    parse_line_type,
)

__all__ = [
    "Directive",
    "DirectiveError",
    "directive_from_mapping",
    "directive_from_options",
    "load_directive",
]

_KNOWN_KEYS = frozenset(
    {"default_region", "allowed_regions", "blocked_line_types", "disposable_file",
     "line_type_lookup"}
)
LINE_TYPE_LOOKUPS = ("offline", "twilio")  # where line types come from (docs/line-types.md)
_REGIONS = frozenset(phonenumbers.SUPPORTED_REGIONS) | {"001"}


class DirectiveError(ConfigurationError):
    """A directive that cannot be used: unknown region or line type, unreadable file."""


@dataclass(frozen=True)
class Directive:
    """What `cxo sanitize` keeps: numbers of `allowed_regions` (None: any) whose line type is not
    blocked and that are not listed as disposable. `default_region` reads national formats."""

    default_region: str | None = "US"
    allowed_regions: frozenset[str] | None = None
    blocked_line_types: frozenset[LineType] = frozenset()
    disposable_file: Path | None = None
    disposable: DisposableList | None = field(default=None, compare=False, repr=False)
    line_type_lookup: str = "offline"

    def policy(self) -> PhonePolicy:
        return PhonePolicy(self.allowed_regions, self.blocked_line_types, self.disposable)

    def describe(self) -> dict[str, Any]:
        """A JSON-ready description, saved with every plan so a plan says what it was judged by."""
        return {
            "default_region": self.default_region,
            "allowed_regions": sorted(self.allowed_regions)
            if self.allowed_regions is not None
            else None,
            "blocked_line_types": sorted(t.value for t in self.blocked_line_types),
            "disposable_file": str(self.disposable_file) if self.disposable_file else None,
            "disposable_entries": len(self.disposable) if self.disposable is not None else 0,
            "line_type_lookup": self.line_type_lookup,
        }


def _region(value: object, where: str) -> str:
    if not isinstance(value, str) or value.strip().upper() not in _REGIONS:
        raise DirectiveError(
            f"{where}: {value!r} is not a region code (ISO 3166 alpha-2, e.g. US, GB, CA)",
            field=where,
        )
    return value.strip().upper()


def _regions(values: Iterable[object], where: str) -> frozenset[str]:
    out: set[str] = set()
    for value in values:
        # flags may come as "US,CA" as well as repeated options
        parts = value.split(",") if isinstance(value, str) else [value]
        out.update(_region(part, where) for part in parts if part != "")
    return frozenset(out)


def _line_types(values: Iterable[object], where: str) -> frozenset[LineType]:
    out: set[LineType] = set()
    for value in values:
        parts = value.split(",") if isinstance(value, str) else [value]
        for part in parts:
            if not isinstance(part, str):
                raise DirectiveError(f"{where}: {part!r} is not a line type name", field=where)
            if not part.strip():
                continue
            try:
                out.add(parse_line_type(part))
            except ValueError as exc:
                raise DirectiveError(f"{where}: {exc}", field=where) from exc
    return frozenset(out)


def _lookup(value: object) -> str:
    if not isinstance(value, str) or value.strip().lower() not in LINE_TYPE_LOOKUPS:
        raise DirectiveError(
            f"line_type_lookup: {value!r} is not one of {', '.join(LINE_TYPE_LOOKUPS)}",
            field="line_type_lookup",
        )
    return value.strip().lower()


def _load_disposable(path: Path | None) -> DisposableList | None:
    if path is None:
        return None
    try:
        return DisposableList.from_file(path)
    except DisposableListError as exc:
        raise DirectiveError(str(exc), field="disposable_file") from exc


def directive_from_options(
    *,
    default_region: str | None = None,
    allowed_regions: Iterable[str] = (),
    blocked_line_types: Iterable[str] = (),
    disposable_file: Path | None = None,
    line_type_lookup: str | None = None,
    base: Directive | None = None,
) -> Directive:
    """A directive from command-line flags; a flag given overrides the same field of `base`."""
    start = base or Directive()
    region = start.default_region
    if default_region is not None:
        region = None if default_region.strip() == "" else _region(default_region, "default_region")
    allowed_list = list(allowed_regions)
    blocked_list = list(blocked_line_types)
    disposable_path = disposable_file if disposable_file is not None else start.disposable_file
    disposable = (
        _load_disposable(disposable_path)
        if disposable_file is not None or start.disposable is None
        else start.disposable
    )
    return Directive(
        default_region=region,
        allowed_regions=_regions(allowed_list, "allowed_regions")
        if allowed_list
        else start.allowed_regions,
        blocked_line_types=_line_types(blocked_list, "blocked_line_types")
        if blocked_list
        else start.blocked_line_types,
        disposable_file=disposable_path,
        disposable=disposable,
        line_type_lookup=_lookup(line_type_lookup)
        if line_type_lookup is not None
        else start.line_type_lookup,
    )


def directive_from_mapping(data: Mapping[str, Any], *, root: Path | None = None) -> Directive:
    """A directive from parsed TOML (the `[sanitize]` table or the top level)."""
    table = data.get("sanitize", data)
    if not isinstance(table, Mapping):
        raise DirectiveError("[sanitize] must be a table")
    unknown = sorted(set(table) - _KNOWN_KEYS)
    if unknown:
        raise DirectiveError(
            f"unknown directive key(s) {', '.join(unknown)} "
            f"(known: {', '.join(sorted(_KNOWN_KEYS))})",
            field=unknown[0],
        )
    region = table.get("default_region", "US")
    if region is not None and not isinstance(region, str):
        raise DirectiveError("default_region must be a string", field="default_region")
    allowed = table.get("allowed_regions")
    if allowed is not None and not isinstance(allowed, list):
        raise DirectiveError(
            "allowed_regions must be a list of region codes", field="allowed_regions"
        )
    blocked = table.get("blocked_line_types", [])
    if not isinstance(blocked, list):
        raise DirectiveError(
            "blocked_line_types must be a list of line types", field="blocked_line_types"
        )
    disposable_raw = table.get("disposable_file")
    if disposable_raw is not None and not isinstance(disposable_raw, str):
        raise DirectiveError("disposable_file must be a path", field="disposable_file")
    disposable_path: Path | None = None
    if disposable_raw:
        disposable_path = Path(disposable_raw).expanduser()
        if root is not None and not disposable_path.is_absolute():
            disposable_path = root / disposable_path  # relative to the directive file
    return Directive(
        default_region=_region(region, "default_region") if region else None,
        allowed_regions=_regions(allowed, "allowed_regions") if allowed is not None else None,
        blocked_line_types=_line_types(blocked, "blocked_line_types"),
        disposable_file=disposable_path,
        disposable=_load_disposable(disposable_path),
        line_type_lookup=_lookup(table.get("line_type_lookup", "offline")),
    )


def load_directive(path: Path) -> Directive:
    """A directive from a TOML file; a relative `disposable_file` is read beside it."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DirectiveError(f"cannot read directive {path}: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise DirectiveError(f"directive {path} is not UTF-8 text") from exc
    except tomllib.TOMLDecodeError as exc:
        raise DirectiveError(f"directive {path} is not valid TOML: {exc}") from exc
    return directive_from_mapping(data, root=path.parent)
