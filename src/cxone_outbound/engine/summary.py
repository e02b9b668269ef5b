"""The end-of-run summary as text for humans."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from cxone_outbound.engine.records import OUTCOME_STATES, State
from cxone_outbound.engine.runner import RunSummary

MAX_FACTS_PER_SECTION = 8
MAX_VALUE_CHARS = 60


def _facts(data: Any, path: str = "") -> Iterator[str]:
    """`a.b=value` for every scalar of a section, depth first, in its own order."""
    if isinstance(data, Mapping):
        for name, value in data.items():
            yield from _facts(value, f"{path}.{name}" if path else str(name))
    elif isinstance(data, list | tuple):
        yield f"{path}=[{len(data)} items]"
    else:
        text = str(data)
        if len(text) > MAX_VALUE_CHARS:
            text = text[: MAX_VALUE_CHARS - 1] + "…"
        yield f"{path}={text}" if path else text


def render_section(name: str, data: Any) -> str:
    """One line for a job's summary section: its first scalars; the rest is in summary.json."""
    facts = list(_facts(data))
    shown = ", ".join(facts[:MAX_FACTS_PER_SECTION])
    more = len(facts) - MAX_FACTS_PER_SECTION
    return f"  {name}: {shown}" + (f", … {more} more in summary.json" if more > 0 else "")


_ALWAYS_COUNTED = (State.SUCCEEDED, State.FAILED, State.SKIPPED)


def render_counts(counts: Mapping[str, int]) -> str:
    """`8 succeeded, 2 failed, 0 skipped[, 5 unchanged], 0 in flight`: every state that ended a
    record (the first three always), then what is still in flight."""
    shown = [s for s in OUTCOME_STATES if s in _ALWAYS_COUNTED or counts.get(str(s), 0)]
    parts = [f"{counts.get(str(s), 0)} {s}" for s in shown]
    return ", ".join([*parts, f"{counts.get(str(State.IN_FLIGHT), 0)} in flight"])


def render_summary(summary: RunSummary) -> str:
    """A few lines: status, counts, speed, latency, throttling, files, how to resume."""
    m = summary.metrics
    lat = m.get("latency_ms", {})
    lines = [
        f"run {summary.run_id} ({summary.job}): {summary.status}",
        f"  records: {render_counts(summary.counts)}"
        f" (this session: {m['processed']} at {m['records_per_s'] or 0}/s;"
        f" {m['previously_done']} done before)",
        f"  requests: {m['requests']}, 429s: {m['throttled_429']}, retries: {m['retries']},"
        f" latency p50/p95/p99: {lat.get('p50')}/{lat.get('p95')}/{lat.get('p99')} ms,"
        f" elapsed {m['elapsed_s']} s",
    ]
    if summary.accounting is not None:
        lines.append(summary.accounting.render())
    if summary.planned:
        lines.append(
            f"  dry run: would send {summary.planned['records']} records"
            f" in {summary.planned['batches']} batches; nothing was sent"
        )
    lines += [render_section(name, data) for name, data in summary.sections.items()]
    if summary.fatal_error:
        lines.append(f"  stopped by: {summary.fatal_error}")
    lines.append(f"  files: {summary.run_dir}")
    if summary.resumable:
        lines.append(f"  to resume: add --resume {summary.run_id} to the same command")
    return "\n".join(lines)
