"""The job-specific parts of summary.json, found generically and shaped for display.

The engine writes a fixed set of keys; a job adds its own (enrich: fill rates per attribute;
sanitise: counts per purge reason; preview: counts per exclusion reason). Rather than knowing
each job, the report reads their shapes: a mapping of names to ratios becomes a percentage
chart, a mapping of names to counts a ranked bar chart, a mapping of names to objects that share
a rate-like number (`fillRate`) a percentage chart of it, and other scalars become facts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cxone_outbound.engine.runner import ENGINE_KEYS

MAX_BARS = 60
MAX_FACTS = 40
MAX_DEPTH = 4
_RATE_LIKE = re.compile(r"rate|ratio|share|percent|fraction|overall", re.I)


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    detail: str = ""


@dataclass(frozen=True)
class BarChart:
    """Ranked bars: counts, or ratios in [0, 1] shown as percentages."""

    title: str
    bars: list[Bar]
    ratio: bool
    hidden: int = 0  # bars left out beyond MAX_BARS


@dataclass(frozen=True)
class JobSection:
    key: str
    title: str
    charts: list[BarChart] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)


def humanise(name: str) -> str:
    """`fillRates` -> `Fill rates`, `purge_reasons` -> `Purge reasons`."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    words = re.sub(r"[_.-]", " ", words)
    text = " ".join(words.split()).lower()
    return text[:1].upper() + text[1:]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_ratio(name: str, value: Any) -> bool:
    return _is_number(value) and 0 <= value <= 1 and bool(_RATE_LIKE.search(name))


def format_fact(name: str, value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if _is_ratio(name, value):
        return f"{value * 100:.1f} %"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, list):
        if all(not isinstance(v, dict | list) for v in value) and len(value) <= 10:
            return ", ".join(str(v) for v in value) or "—"
        return f"{len(value):,} items"
    return str(value)


def _rate_key(values: list[Mapping[str, Any]]) -> str | None:
    """The rate-like numeric key every object of `values` has, if any."""
    common = set(values[0])
    for value in values[1:]:
        common &= set(value)
    for key in sorted(common):
        if _RATE_LIKE.search(key) and all(_is_number(v[key]) and 0 <= v[key] <= 1 for v in values):
            return key
    return None


def _chart(title: str, bars: list[Bar], ratio: bool) -> BarChart:
    if not ratio:
        bars = sorted(bars, key=lambda b: -b.value)
    return BarChart(title, bars[:MAX_BARS], ratio, max(0, len(bars) - MAX_BARS))


def _walk(mapping: Mapping[str, Any], path: list[str], depth: int, section: JobSection) -> None:
    for key, value in mapping.items():
        name = str(key)
        title = " › ".join(humanise(p) for p in [*path, name])
        if isinstance(value, Mapping) and value:
            values = list(value.values())
            if all(_is_number(v) for v in values):
                ratio = bool(_RATE_LIKE.search(name)) and all(0 <= v <= 1 for v in values)
                if ratio or all(isinstance(v, int) for v in values):
                    bars = [Bar(str(k), float(v)) for k, v in value.items()]
                    section.charts.append(_chart(title, bars, ratio))
                    continue
            if all(isinstance(v, Mapping) and v for v in values):
                rate = _rate_key(values)
                if rate is not None:
                    bars = [Bar(str(k), float(v[rate]), _detail(v, rate)) for k, v in value.items()]
                    section.charts.append(_chart(f"{title} ({humanise(rate).lower()})", bars, True))
                    continue
            if depth < MAX_DEPTH:
                _walk(value, [*path, name], depth + 1, section)
                continue
        if isinstance(value, Mapping):
            value = "—" if not value else f"{len(value):,} entries"
        if len(section.facts) < MAX_FACTS:
            section.facts.append((title, format_fact(name, value)))


def _detail(values: Mapping[str, Any], skip: str) -> str:
    return ", ".join(
        f"{humanise(k).lower()} {format_fact(k, v)}"
        for k, v in values.items()
        if k != skip and _is_number(v)
    )


def job_sections(summary: Mapping[str, Any]) -> list[JobSection]:
    """One section per job-specific key of summary.json holding an object."""
    sections = []
    for key, value in summary.items():
        if key in ENGINE_KEYS or not isinstance(value, Mapping) or not value:
            continue
        section = JobSection(str(key), humanise(str(key)))
        _walk(value, [], 0, section)
        sections.append(section)
    return sections
