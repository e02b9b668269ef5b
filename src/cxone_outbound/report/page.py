"""A run's report as one self-contained HTML page: data in, a string out, no I/O.

Every piece of run data is escaped on the way in (failed rows are hostile input: a cell may hold
markup), and a Content-Security-Policy allows only the page's own inline script by its hash,
nothing fetched from anywhere: even a missed escape could not run a script or phone home.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from html import escape
from typing import Any

from cxone_outbound import __version__
from cxone_outbound.engine.results import RESULT_FILES
from cxone_outbound.report import audit_stats as a
from cxone_outbound.report.audit_stats import LATENCY_EDGES_MS, AuditStats
from cxone_outbound.report.load import FailureRows, RunData
from cxone_outbound.report.page_assets import SCRIPT, STYLE, script_hash
from cxone_outbound.report.sections import Bar, BarChart, JobSection, job_sections
from cxone_outbound.report.svg import (
    HALF,
    Marker,
    Series,
    format_duration,
    format_number,
    histogram,
    time_chart,
)

REMOVAL_FILES = ("removed.csv", "not-removed.csv", "to-remove.csv", "restore.csv")
MAX_CELL = 300  # characters of a failed row's cell shown; the file has the rest
NUMERIC_COLUMNS = frozenset({"line", "attempts"})
MESSAGE_COLUMNS = frozenset({"error_message"})
CODE_COLUMNS = frozenset({"error_code"})
THROTTLED_SERIES = Series(a.THROTTLED, "429 Too Many Requests", "c-throttled")
OUTCOME_SERIES = tuple(Series(state, state, f"c-{state}") for state in a.OUTCOMES)
ALWAYS_SHOWN = (a.SUCCEEDED, a.FAILED, a.SKIPPED)  # the other outcomes once a record has one
KPI_TONES = {a.SUCCEEDED: "ok", a.FAILED: "bad"}
PUSHBACK_LINES = (
    Series(a.RETRIES, "retries", "c-retries"),
    Series(a.ERRORS, "5xx or no answer", "c-errors"),
)


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _when(ts: float | None) -> str:
    if ts is None:
        return "—"
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _int(mapping: Mapping[str, Any], key: str) -> int:
    value = mapping.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{format_number(round(value, 1))} ms"


# the page, top to bottom


def render_report(data: RunData) -> str:
    """The whole HTML document for one run."""
    summary = data.summary
    title = f"{summary.get('job', 'run')} {data.run_id}"
    body = [
        _header(data),
        _notes(data),
        _kpis(data),
        _throughput(data.audit),
        '<div class="grid2">',
        _latency(data.audit),
        _pushback(data.audit),
        "</div>",
        _breakdowns(data.audit),
        *(_job_section(s) for s in _sections(data)),
        _failures(data),
        _footer(data),
    ]
    csp = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        f"script-src {script_hash(SCRIPT)}; base-uri 'none'; form-action 'none'"
    )
    return "".join(
        [
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{_e(csp)}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="color-scheme" content="light">',
            f"<title>{_e(title)} · cxo run report</title>",
            f"<style>{STYLE}</style></head><body><main>",
            *body,
            f"</main><script>{SCRIPT}</script></body></html>\n",
        ]
    )


def _header(data: RunData) -> str:
    s = data.summary
    status = str(s.get("status") or data.audit.run_status or "unknown")
    job = str(s.get("job") or "run")
    meta = [
        ("run", data.run_id),
        ("input", s.get("input") or "—"),
        ("started", _when(data.audit.first_ts)),
        ("last activity", _when(data.audit.last_ts)),
    ]
    sessions = len(data.audit.markers)
    if sessions > 1:
        meta.append(("sessions", f"{sessions} (resumed {sessions - 1}×)"))
    meta_html = "".join(f"<span>{_e(k)} <b>{_e(v)}</b></span>" for k, v in meta)
    badge_class = status if status in (
        "completed", "interrupted", "running", "failed", "dry-run"
    ) else "unknown"  # fmt: skip
    return (
        f'<header class="top"><h1>{_e(job.capitalize())} run'
        f'<span class="badge {badge_class}">{_e(status)}</span></h1>'
        f'<div class="meta">{meta_html}</div></header>'
    )


def _notes(data: RunData) -> str:
    s = data.summary
    parts = []
    fatal = s.get("fatal_error")
    if fatal:
        parts.append(f'<div class="note bad"><b>The run stopped:</b> {_e(fatal)}</div>')
    planned = s.get("planned")
    if isinstance(planned, Mapping) and planned:
        parts.append(
            '<div class="note"><b>Dry run:</b> nothing was sent. It would have sent '
            f"{_int(planned, 'records'):,} record(s) in {_int(planned, 'batches'):,} "
            "batch(es); the records it refused are listed below.</div>"
        )
    elif s.get("status") in ("interrupted", "failed"):
        parts.append(
            f'<div class="note warn">This run did not finish. To resume it, add '
            f"<code>--resume {_e(data.run_id)}</code> to the same command.</div>"
        )
    parts += [f'<div class="note warn">{_e(note)}</div>' for note in data.notes]
    return "".join(parts)


def _kpi(label: str, value: str, tone: str = "") -> str:
    return (
        f'<div class="kpi {tone}"><div class="label">{_e(label)}</div>'
        f'<div class="value">{_e(value)}</div></div>'
    )


def _removal_kpis(summary: Mapping[str, Any]) -> list[str]:
    """Removed (and what was not) beside succeeded/failed, for a run that removes list records
    (`import --mirror`): list records, not input lines, so in cards of their own."""
    accounting = summary.get("accounting")
    removals = accounting.get("removals") if isinstance(accounting, Mapping) else None
    if not isinstance(removals, Mapping):
        return []
    removed, failed = _int(removals, "removed"), _int(removals, "failed")
    held = _int(removals, "held_back")
    cards = [_kpi("Removed", f"{removed:,}", "ok" if removed else "")]
    if failed:
        cards.append(_kpi("Failed to remove", f"{failed:,}", "bad"))
    if held:
        cards.append(_kpi("Held back", f"{held:,}", "warn"))
    return cards


def _counts(data: RunData) -> Mapping[str, Any]:
    """Records by state: the summary's, else (no summary) what the audit saw."""
    counts = data.summary.get("counts")
    return counts if isinstance(counts, Mapping) else dict(data.audit.outcomes)


def _kpis(data: RunData) -> str:
    s, audit = data.summary, data.audit
    counts = _counts(data)
    metrics = s.get("metrics") if isinstance(s.get("metrics"), Mapping) else {}
    assert isinstance(metrics, Mapping)
    in_flight = _int(counts, "in-flight")
    active = audit.active_s or float(metrics.get("elapsed_s") or 0)
    done_in_audit = sum(audit.outcomes.values())
    rate = done_in_audit / active if active > 0 and done_in_audit else metrics.get("records_per_s")
    requests = audit.requests or _int(metrics, "requests")
    throttled = audit.timeline.total(a.THROTTLED) or _int(metrics, "throttled_429")
    retries = audit.timeline.total(a.RETRIES) or _int(metrics, "retries")
    latency = metrics.get("latency_ms") if isinstance(metrics.get("latency_ms"), Mapping) else {}
    assert isinstance(latency, Mapping)

    def pct(p: float, key: str) -> str:
        value = audit.latency_percentile_ms(p)
        return _ms(value if value is not None else latency.get(key))

    cards = [
        _kpi(state.capitalize(), f"{n:,}", KPI_TONES.get(state, "") if n else "")
        for state in a.OUTCOMES
        if (n := _int(counts, state)) or state in ALWAYS_SHOWN
    ]
    if in_flight:
        cards.append(_kpi("In flight", f"{in_flight:,}", "warn"))
    cards += _removal_kpis(s)
    cards += [
        _kpi("Records/s", format_number(round(float(rate), 1)) if rate else "—"),
        _kpi("Requests", f"{requests:,}"),
        _kpi("429s", f"{throttled:,}", "warn" if throttled else ""),
        _kpi("Retries", f"{retries:,}", "warn" if retries else ""),
        _kpi("Latency p50", pct(50, "p50")),
        _kpi("p95", pct(95, "p95")),
        _kpi("p99", pct(99, "p99")),
        _kpi("Active time", format_duration(active) if active else "—"),
    ]
    return f'<div class="kpis">{"".join(cards)}</div>'


def _legend(series: Iterable[Series]) -> str:
    items = "".join(f'<span><i class="sw-{s.key}"></i>{_e(s.label)}</span>' for s in series)
    return f'<div class="legend">{items}</div>'


def _markers(audit: AuditStats) -> list[Marker]:
    return [
        Marker(m.at_s, "resumed", f"resumed at {_when(m.wall_ts)}")
        for m in audit.markers
        if m.at_s > 0
    ]


def _card(title: str, sub: str, content: str) -> str:
    return (
        f'<section class="card"><h2>{_e(title)}</h2><div class="sub">{sub}</div>{content}</section>'
    )


def _empty(text: str) -> str:
    return f'<p class="empty">{_e(text)}</p>'


def _throughput(audit: AuditStats) -> str:
    buckets = audit.timeline.buckets()
    if not audit.outcomes:
        return _card(
            "Throughput",
            "Records finished per second.",
            _empty("No record outcome in the audit log: nothing was sent."),
        )
    chart = time_chart(
        buckets,
        bars=OUTCOME_SERIES,
        title="Records per second over time",
        per_second=True,
        markers=_markers(audit),
    )
    sub = (
        f"Records finished per second, by outcome, in {format_duration(audit.timeline.width_s)} "
        "slices of active run time (gaps between sessions left out). Hover a slice for values."
    )
    figure = f'<figure><div class="scroll-x">{chart}</div>{_legend(OUTCOME_SERIES)}</figure>'
    return _card("Throughput", _e(sub), figure)


def _latency_bins(audit: AuditStats) -> list[tuple[str, int]]:
    labels = [f"<{format_number(LATENCY_EDGES_MS[0])}"]
    labels += [
        f"{format_number(lo)}–{format_number(hi)}"
        for lo, hi in itertools.pairwise(LATENCY_EDGES_MS)
    ]
    labels.append(f"≥{format_number(LATENCY_EDGES_MS[-1])}")
    used = [i for i, n in enumerate(audit.latency_bins) if n]
    if not used:
        return []
    lo, hi = max(0, used[0] - 1), min(len(labels) - 1, used[-1] + 1)
    return [(labels[i], audit.latency_bins[i]) for i in range(lo, hi + 1)]


def _latency(audit: AuditStats) -> str:
    bins = _latency_bins(audit)
    if not bins:
        return _card("Latency", "Per HTTP attempt.", _empty("No request in the audit log."))
    sub = (
        f"{audit.requests:,} HTTP attempts, by time to answer (ms). "
        f"p50 {_ms(audit.latency_percentile_ms(50))} · p95 {_ms(audit.latency_percentile_ms(95))}"
        f" · p99 {_ms(audit.latency_percentile_ms(99))}"
    )
    chart = histogram(bins, title="Latency histogram (ms)", css="c-latency")
    return _card("Latency", _e(sub), f"<figure>{chart}</figure>")


def _pushback(audit: AuditStats) -> str:
    title = "429s and retries"
    if not audit.requests:
        return _card(title, "Per time slice.", _empty("No request in the audit log."))
    pushback = (THROTTLED_SERIES, *PUSHBACK_LINES)
    if not any(audit.timeline.total(s.key) for s in pushback):
        return _card(
            title,
            "Per time slice.",
            _empty("No 429, no retry, no server error: the API never pushed back."),
        )
    chart = time_chart(
        audit.timeline.buckets(),
        bars=(THROTTLED_SERIES,),
        lines=PUSHBACK_LINES,
        title="429s, retries and server errors",
        per_second=False,
        markers=_markers(audit),
        size=HALF,
    )
    sub = (
        f"429 answers (bars), retried attempts and 5xx or unanswered attempts (lines), "
        f"per {format_duration(audit.timeline.width_s)} slice."
    )
    return _card(title, _e(sub), f"<figure>{chart}{_legend(pushback)}</figure>")


def _bar_list(chart: BarChart) -> str:
    if not chart.bars:
        return _empty("Nothing counted.")
    peak = max((b.value for b in chart.bars), default=0.0) or 1.0
    rows = []
    for bar in chart.bars:
        if chart.ratio:
            width, text = max(0.0, min(1.0, bar.value)) * 100, f"{bar.value * 100:.1f} %"
            tone = "ratio low" if bar.value < 0.5 else "ratio"
        else:
            width, text, tone = bar.value / peak * 100, format_number(bar.value), ""
        rows.append(
            f'<span class="name">{_e(bar.label)}</span>'
            f'<span class="track"><span class="fill {tone}" style="width:{width:.1f}%">'
            f'</span></span><span class="num">{_e(text)}</span>'
        )
        if bar.detail:
            rows.append(f'<span class="detail">{_e(bar.detail)}</span>')
    more = f'<p class="sub">and {chart.hidden:,} more</p>' if chart.hidden else ""
    return f'<div class="bars">{"".join(rows)}</div>{more}'


def _breakdowns(audit: AuditStats) -> str:
    parts = []
    if audit.statuses:
        chart = BarChart("Responses by status", _bars(audit.statuses), ratio=False)
        parts.append(f"<div><h3>Responses by HTTP status</h3>{_bar_list(chart)}</div>")
    if audit.failure_codes:
        chart = BarChart("Failures by code", _bars(audit.failure_codes), ratio=False)
        parts.append(f"<div><h3>Failed records by error code</h3>{_bar_list(chart)}</div>")
    if not parts:
        return ""
    return _card(
        "Breakdown",
        "From the audit log, across every session of the run.",
        f'<div class="grid2">{"".join(parts)}</div>',
    )


def _bars(counter: Mapping[str, int]) -> list[Bar]:
    return [Bar(k, float(v)) for k, v in sorted(counter.items(), key=lambda kv: -kv[1])]


def _sections(data: RunData) -> list[JobSection]:
    """The job's sections of summary.json (written by the engine from `Job.summary_extra`)."""
    return job_sections(data.summary)


def _job_section(section: JobSection) -> str:
    parts = [f"<div><h3>{_e(c.title)}</h3>{_bar_list(c)}</div>" for c in section.charts]
    if section.facts:
        facts = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in section.facts)
        parts.append(f'<div><h3>Details</h3><dl class="facts">{facts}</dl></div>')
    return _card(
        f"{section.title} report",
        f"What the job reported ({_e(section.key)}).",
        f'<div class="grid2">{"".join(parts)}</div>',
    )


def _cell(column: str, value: str) -> str:
    text = value if len(value) <= MAX_CELL else value[: MAX_CELL - 1] + "…"
    css = (
        "num" if column in NUMERIC_COLUMNS
        else "msg" if column in MESSAGE_COLUMNS
        else "code" if column in CODE_COLUMNS
        else ""
    )  # fmt: skip
    attr = f' class="{css}"' if css else ""
    return f"<td{attr}>{_e(text)}</td>"


def _failures(data: RunData) -> str:
    rows: FailureRows = data.failures
    if not rows.total:
        return _card("Failures", "From failed.csv.", _empty("No failed record."))
    width = max([len(rows.header), *(len(r) for r in rows.rows)])
    header = [*rows.header, *(f"column {i + 1}" for i in range(len(rows.header), width))]
    head = "".join(
        f'<th scope="col"{" class=num" if h in NUMERIC_COLUMNS else ""}>{_e(h)}</th>'
        for h in header
    )
    body = "".join(
        "<tr>" + "".join(_cell(h, v) for h, v in zip(header, _padded(r, width), strict=True))
        + "</tr>"
        for r in rows.rows
    )  # fmt: skip
    shown = len(rows.rows)
    sub = (
        f"The first {shown:,} of {rows.total:,} failed record(s) in "
        f"<code>{_e(data.run_dir / 'failed.csv')}</code>. Click a column to sort."
    )
    table = (
        f'<div class="table-wrap"><table class="sortable"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )
    return _card("Failures", sub, table)


def _padded(row: Sequence[str], width: int) -> list[str]:
    return [*row, *([""] * (width - len(row)))]


def _footer(data: RunData) -> str:
    names = ["summary.json", "audit.jsonl", "succeeded.csv", "failed.csv"]
    counts = _counts(data)
    names += [name for state, name in RESULT_FILES.items()
              if name not in names and _int(counts, str(state))]
    names += [name for name in REMOVAL_FILES if (data.run_dir / name).exists()]
    files = "".join(f"<li><code>{_e(data.run_dir / name)}</code></li>" for name in names)
    return (
        f"<footer>Generated {_e(_when(data.generated_at))} by cxone-outbound {_e(__version__)}"
        f" from {data.audit.lines:,} audit line(s). Files of this run:<ul>{files}</ul></footer>"
    )
