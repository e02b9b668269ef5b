"""Charts as inline SVG strings, drawn in Python: no script, no library, nothing to fetch.

Every chart scales with its container (a viewBox and width 100 %); colours come from CSS
classes (`c-<series>`) so the page's stylesheet owns the palette. Each time slice carries an
invisible hover target whose `<title>` lists its values: tooltips without JavaScript.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from cxone_outbound.report.timeline import Bucket

WIDE = (1040, 250)  # viewBox of a chart spanning the page
HALF = (520, 280)  # viewBox of a chart in a half-width column
LEFT, RIGHT, TOP, BOTTOM = 48, 14, 22, 30
_DURATION_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200)


@dataclass(frozen=True)
class Series:
    """One line or bar layer of a time chart: the timeline key, its label and its CSS class."""

    key: str
    label: str
    css: str


@dataclass(frozen=True)
class Marker:
    """A vertical line on a time chart (e.g. where a resumed session starts)."""

    at_s: float
    label: str
    detail: str = ""


def nice_step(maximum: float, ticks: int = 4) -> float:
    """A 1-2-5 step so that `ticks` steps cover `maximum`."""
    if maximum <= 0:
        return 1.0
    raw = maximum / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1.0, 2.0, 2.5, 5.0, 10.0):
        if factor * magnitude >= raw:
            return float(factor * magnitude)
    return float(10 * magnitude)  # unreachable: factor 10 always covers raw


def format_number(value: float) -> str:
    """Short axis and label text: 950, 1.2k, 3.4M, 0.25, 12.5."""
    magnitude = abs(value)
    if magnitude >= 1_000_000:
        return f"{value / 1_000_000:.3g}M"
    if magnitude >= 10_000:
        return f"{value / 1000:.3g}k"
    if magnitude >= 100 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:.3g}"


def format_duration(seconds: float) -> str:
    """0s, 45s, 2m, 2m30s, 1h, 1h05m."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m" + (f"{secs:02d}s" if secs else "")
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h" + (f"{minutes:02d}m" if minutes else "")


@dataclass(frozen=True)
class Frame:
    """A chart's viewBox and its plot area inside the axes."""

    width: int
    height: int

    @property
    def plot_w(self) -> float:
        return self.width - LEFT - RIGHT

    @property
    def plot_h(self) -> float:
        return self.height - TOP - BOTTOM

    @property
    def bottom(self) -> float:
        return TOP + self.plot_h

    def open(self, title: str) -> list[str]:
        return [
            f'<svg class="chart{" wide" if self.width > 600 else ""}" '
            f'viewBox="0 0 {self.width} {self.height}" role="img" '
            f'aria-label="{escape(title)}">',
            f"<title>{escape(title)}</title>",
        ]

    def y_axis(self, top_value: float, step: float, unit: str) -> list[str]:
        parts: list[str] = []
        for i in range(round(top_value / step) + 1):
            value = i * step
            y = self.bottom - self.plot_h * value / top_value
            parts.append(
                f'<line class="grid" x1="{LEFT}" x2="{self.width - RIGHT}" '
                f'y1="{y:.1f}" y2="{y:.1f}"/>'
                f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
                f"{escape(format_number(value))}</text>"
            )
        parts.append(f'<text class="unit" x="4" y="{TOP - 9}">{escape(unit)}</text>')
        return parts

    def baseline(self) -> str:
        return (
            f'<line class="axis" x1="{LEFT}" x2="{self.width - RIGHT}" y1="{self.bottom}" '
            f'y2="{self.bottom}"/>'
        )

    def time_axis(self, total_s: float) -> list[str]:
        ticks = max(2, round(self.width / 160))
        step = next((s for s in _DURATION_STEPS if total_s / s <= ticks), None)
        if step is None:
            step = math.ceil(total_s / ticks / 86400) * 86400
        parts = [self.baseline()]
        t = 0.0
        while t <= total_s + 1e-9:
            x = LEFT + self.plot_w * t / total_s
            anchor = "start" if t == 0 else ("end" if x > self.width - RIGHT - 20 else "middle")
            parts.append(
                f'<text class="tick" x="{x:.1f}" y="{self.height - 10}" text-anchor="{anchor}">'
                f"{format_duration(t)}</text>"
            )
            t += step
        return parts


def _scale(peak: float) -> tuple[float, float]:
    step = nice_step(peak)
    return step * max(1, math.ceil(peak / step)), step


def _slice_label(bucket: Bucket) -> str:
    return f"{format_duration(bucket.start_s)}–{format_duration(bucket.start_s + bucket.width_s)}"


def time_chart(
    buckets: Sequence[Bucket],
    *,
    bars: Sequence[Series] = (),
    lines: Sequence[Series] = (),
    title: str,
    per_second: bool,
    markers: Sequence[Marker] = (),
    size: tuple[int, int] = WIDE,
) -> str:
    """Per time slice: `bars` stacked, `lines` drawn over them; as a rate or a count."""
    if not buckets:
        return ""
    frame = Frame(*size)

    def value(bucket: Bucket, key: str) -> float:
        return bucket.rate(key) if per_second else float(bucket.counts[key])

    peak = max(
        max((sum(value(b, s.key) for s in bars) for b in buckets), default=0.0),
        max((value(b, s.key) for b in buckets for s in lines), default=0.0),
    )
    top_value, step = _scale(peak)
    total_s = buckets[-1].start_s + buckets[-1].width_s
    slot = frame.plot_w / len(buckets)
    parts = frame.open(title)
    parts += frame.y_axis(top_value, step, "per second" if per_second else "per slice")

    def y_of(v: float) -> float:
        return frame.bottom - frame.plot_h * v / top_value

    gap = 1.0 if slot > 4 else 0.0
    for i, bucket in enumerate(buckets):
        base = 0.0
        for s in bars:
            v = value(bucket, s.key)
            if v <= 0:
                continue
            y_top, y_base = y_of(base + v), y_of(base)
            parts.append(
                f'<rect class="{s.css}" x="{LEFT + i * slot + gap / 2:.2f}" '
                f'y="{y_top:.2f}" width="{max(slot - gap, 0.5):.2f}" '
                f'height="{max(y_base - y_top, 0.5):.2f}"/>'
            )
            base += v
    for s in lines:
        points = [(LEFT + (i + 0.5) * slot, y_of(value(b, s.key))) for i, b in enumerate(buckets)]
        if len(points) == 1:
            ((cx, cy),) = points
            parts.append(f'<circle class="{s.css} dot" cx="{cx:.2f}" cy="{cy:.2f}" r="3"/>')
        else:
            text = " ".join(f"{x:.2f},{y:.2f}" for x, y in points)
            parts.append(f'<polyline class="{s.css} line" points="{text}"/>')
    for marker in markers:
        if 0 < marker.at_s < total_s:
            x = LEFT + frame.plot_w * marker.at_s / total_s
            near_end = x > LEFT + frame.plot_w * 0.8
            parts.append(
                f'<line class="marker" x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" '
                f'y2="{frame.bottom}"/><text class="marker-label" '
                f'x="{x - 4 if near_end else x + 4:.1f}" y="{TOP + 10}" '
                f'text-anchor="{"end" if near_end else "start"}">{escape(marker.label)}'
                f"<title>{escape(marker.detail)}</title></text>"
            )
    parts += frame.time_axis(total_s)
    unit = "/s" if per_second else ""
    for i, bucket in enumerate(buckets):
        tip = [_slice_label(bucket)] + [
            f"{s.label}: {format_number(value(bucket, s.key))}{unit}" for s in (*bars, *lines)
        ]
        parts.append(
            f'<rect class="hit" x="{LEFT + i * slot:.2f}" y="{TOP}" width="{slot:.2f}" '
            f'height="{frame.plot_h}"><title>{escape(chr(10).join(tip))}</title></rect>'
        )
    parts.append("</svg>")
    return "".join(parts)


def histogram(
    bins: Sequence[tuple[str, int]], *, title: str, css: str, size: tuple[int, int] = HALF
) -> str:
    """Vertical bars, one per labelled bin, with the count above each bar."""
    if not bins or not any(count for _, count in bins):
        return ""
    frame = Frame(*size)
    top_value, step = _scale(max(count for _, count in bins))
    slot = frame.plot_w / len(bins)
    parts = frame.open(title)
    parts += frame.y_axis(top_value, step, "requests")
    parts.append(frame.baseline())
    for i, (label, count) in enumerate(bins):
        x = LEFT + i * slot
        height = frame.plot_h * count / top_value
        y = frame.bottom - height
        parts.append(
            f'<rect class="{css}" x="{x + slot * 0.1:.2f}" y="{y:.2f}" '
            f'width="{slot * 0.8:.2f}" height="{height:.2f}"/>'
        )
        if count:
            parts.append(
                f'<text class="value" x="{x + slot / 2:.2f}" y="{y - 4:.2f}" '
                f'text-anchor="middle">{escape(format_number(count))}</text>'
            )
        parts.append(
            f'<text class="tick" x="{x + slot / 2:.2f}" y="{frame.height - 10}" '
            f'text-anchor="middle">{escape(label)}</text>'
            f'<rect class="hit" x="{x:.2f}" y="{TOP}" width="{slot:.2f}" '
            f'height="{frame.plot_h}"><title>{escape(label)} ms: {count:,} request(s)</title>'
            "</rect>"
        )
    parts.append("</svg>")
    return "".join(parts)
