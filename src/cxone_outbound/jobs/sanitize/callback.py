"""The `--callback URL` of `cxo sanitize`: POST the run's summary to an aggregator.

Signed with `cxone_outbound.signing` (`X-CXone-Signature: sha256=<hex>`) when a secret is given,
retried with full-jitter backoff on a 5xx, a 429 or no answer. A callback that fails is
reported, never fatal: the sanitise itself has already happened.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson

from cxone_outbound.client.clock import Clock
from cxone_outbound.client.retry import full_jitter_backoff
from cxone_outbound.signing import SIGNATURE_HEADER, sign

__all__ = ["Callback", "CallbackReport", "post_callback"]


@dataclass(frozen=True)
class Callback:
    """Where to send the summary, and how hard to try."""

    url: str
    secret: str | None = field(default=None, repr=False)  # never in a log line or a traceback
    attempts: int = 4
    timeout_s: float = 10.0
    backoff_base_s: float = 0.5
    backoff_cap_s: float = 8.0


@dataclass
class CallbackReport:
    """How the callback went: delivered or not, after how many attempts, last status/error."""

    delivered: bool = False
    attempts: int = 0
    status: int | None = None
    error: str | None = None
    waits: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "delivered": self.delivered,
            "attempts": self.attempts,
            "status": self.status,
            "error": self.error,
        }

    def describe(self) -> str:
        if self.delivered:
            return f"delivered (HTTP {self.status}, {self.attempts} attempt(s))"
        return f"NOT delivered after {self.attempts} attempt(s): {self.error}"


def _retryable(status: int) -> bool:
    return status == 429 or status >= 500


async def post_callback(
    callback: Callback, summary: dict[str, Any], *, clock: Clock, rng: random.Random
) -> CallbackReport:
    """POST `summary` as JSON; never raises."""
    body = orjson.dumps(summary)
    headers = {"Content-Type": "application/json"}
    if callback.secret:
        headers[SIGNATURE_HEADER] = sign(callback.secret, body)
    report = CallbackReport()
    timeout = aiohttp.ClientTimeout(total=callback.timeout_s)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session:
            for attempt in range(1, max(1, callback.attempts) + 1):
                report.attempts = attempt
                try:
                    async with session.post(callback.url, data=body, headers=headers) as response:
                        report.status = response.status
                        await response.read()
                    if response.status < 300:
                        report.delivered, report.error = True, None
                        return report
                    report.error = f"HTTP {response.status}"
                    if not _retryable(response.status):
                        return report
                except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                    report.status, report.error = None, f"{type(exc).__name__}: {exc}"
                if attempt < callback.attempts:
                    wait = full_jitter_backoff(
                        attempt, rng, base=callback.backoff_base_s, cap=callback.backoff_cap_s
                    )
                    report.waits.append(wait)
                    await clock.sleep(wait)
    except Exception as exc:  # a callback must never fail the run
        report.error = f"{type(exc).__name__}: {exc}"
    return report
