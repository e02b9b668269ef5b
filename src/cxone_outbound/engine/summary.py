"""The end-of-run summary as text for humans."""

from __future__ import annotations

from cxone_outbound.engine.runner import RunSummary


def render_summary(summary: RunSummary) -> str:
    """A few lines: status, counts, speed, latency, throttling, files, how to resume."""
    m = summary.metrics
    c = summary.counts
    lat = m.get("latency_ms", {})
    lines = [
        f"run {summary.run_id} ({summary.job}): {summary.status}",
        f"  records: {c.get('succeeded', 0)} succeeded, {c.get('failed', 0)} failed,"
        f" {c.get('skipped', 0)} skipped, {c.get('in-flight', 0)} in flight"
        f" (this session: {m['processed']} at {m['records_per_s'] or 0}/s;"
        f" {m['previously_done']} done before)",
        f"  requests: {m['requests']}, 429s: {m['throttled_429']}, retries: {m['retries']},"
        f" latency p50/p95/p99: {lat.get('p50')}/{lat.get('p95')}/{lat.get('p99')} ms,"
        f" elapsed {m['elapsed_s']} s",
    ]
    if summary.planned:
        lines.append(
            f"  dry run: would send {summary.planned['records']} records"
            f" in {summary.planned['batches']} batches; nothing was sent"
        )
    if summary.fatal_error:
        lines.append(f"  stopped by: {summary.fatal_error}")
    lines.append(f"  files: {summary.run_dir}")
    if summary.resumable:
        lines.append(f"  to resume: add --resume {summary.run_id} to the same command")
    return "\n".join(lines)
