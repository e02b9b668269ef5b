"""The pacing of upload-job polls: start short, back off to a cap, follow the server and the job."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from cxone_outbound.client.admin.outbound import AdminOutboundApi
from cxone_outbound.client.admin.upload_poll import JobProgress, UploadPollPolicy, retry_after_s
from cxone_outbound.client.clock import FakeClock
from cxone_outbound.config import Settings

POLICY = UploadPollPolicy(first=0.02, cap=2.0, factor=2.0, max_hint=30.0)


def test_the_first_look_comes_after_the_short_first_delay() -> None:
    assert POLICY.delay(0) == 0.02


def test_without_news_the_delay_doubles_up_to_the_cap() -> None:
    delays = [POLICY.delay(looks) for looks in range(10)]
    assert delays[:5] == [0.02, 0.02, 0.04, 0.08, 0.16]
    assert delays[-1] == 2.0
    assert delays == sorted(delays)


def test_a_server_hint_is_followed_within_its_bounds() -> None:
    assert POLICY.delay(6, hint=5.0) == 5.0
    assert POLICY.delay(6, hint=0.0) == 0.02  # never hammering
    assert POLICY.delay(0, hint=3600.0) == 30.0  # never sleeping past max_hint


def test_a_job_about_to_finish_is_looked_at_when_it_should_be_done() -> None:
    # 900 of 1000 records in 0.9 s: about 0.1 s to go, sooner than the 2 s back-off step
    near_end = JobProgress(processed=900, total=1000, elapsed_s=0.9)
    assert POLICY.delay(9, progress=near_end) == pytest.approx(0.1)


def test_a_long_job_is_still_looked_at_no_more_often_than_the_back_off() -> None:
    early = JobProgress(processed=10, total=500_000, elapsed_s=1.0)
    assert POLICY.delay(9, progress=early) == 2.0


def test_a_stalled_job_gets_the_plain_back_off() -> None:
    stalled = JobProgress(processed=0, total=1000, elapsed_s=5.0)
    assert POLICY.delay(9, progress=stalled) == 2.0


def test_the_estimate_never_shortens_a_delay_below_the_first() -> None:
    done_but_not_marked = JobProgress(processed=1000, total=1000, elapsed_s=0.5)
    assert POLICY.delay(5, progress=done_but_not_marked) == 0.02


@pytest.mark.parametrize("value,seconds", [("3", 3.0), (" 0.5 ", 0.5), (None, None),
                                           ("Wed, 21 Oct 2026 07:28:00 GMT", None), ("-1", None)])
def test_retry_after_is_read_in_seconds_only(value: str | None, seconds: float | None) -> None:
    assert retry_after_s(value) == seconds


def test_a_nonsensical_policy_is_refused() -> None:
    with pytest.raises(ValueError):
        UploadPollPolicy(first=0, cap=1)
    with pytest.raises(ValueError):
        UploadPollPolicy(first=3, cap=1)


async def test_the_admin_client_paces_its_polls_by_the_policy_on_its_clock() -> None:
    clock = FakeClock()
    api = AdminOutboundApi(Settings(dialect="admin"), clock=clock, poll=POLICY)
    # what three looks show (a job publishes no progress): running; running with a hint of
    # 1.5 s; complete
    looks: list[tuple[bool, float | None]] = [(False, None), (False, 1.5), (True, None)]

    async def read_job(job_id: str) -> tuple[Mapping[str, Any], float | None]:
        complete, hint = looks.pop(0)
        return {"jobId": 1, "isComplete": complete, "isCancelled": False}, hint

    api._read_job = read_job  # type: ignore[method-assign]
    cancelled = await api._wait("1")
    assert cancelled is False
    assert clock.slept == [0.02, 0.02, 1.5]  # first look, plain back-off, the server's hint
