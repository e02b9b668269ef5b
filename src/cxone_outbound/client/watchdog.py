"""The read timeout: one watchdog per transport instead of a timer per read of every request.

aiohttp's `sock_read` cancels and re-arms a loop timer on every chunk of every response (two or
three per small JSON answer); profiled at concurrency 32 that was the largest single cost the
client added over a bare aiohttp loop. Here each attempt registers a `Watch` (a dict entry),
and one task wakes every `tick` seconds to time out the attempts that have seen no byte for
`timeout` seconds, the way `asyncio.timeout` does it: it cancels the attempt's task and the
attempt turns that cancellation back into a `TimeoutError` (a Ctrl-C meanwhile stays a
cancellation). An attempt times out between `timeout` and `timeout + tick` seconds after the
last sign of life; `tick` is a quarter of the timeout, at most one second.

Progress is the body bytes received (`ClientResponse.content.total_bytes`); before the answer's
headers, the attempt is allowed `timeout` plus the time to send its body at `SEND_FLOOR_BPS`.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

SEND_FLOOR_BPS = 64 * 1024
"""Slowest upload speed a body is allowed before its attempt counts as stalled."""


class Watch:
    """One attempt under watch: its task, deadline, and whether the watchdog ended it."""

    __slots__ = ("cancelling", "deadline", "response", "seen", "task", "timed_out")

    def __init__(self, task: asyncio.Task[Any], deadline: float) -> None:
        self.task = task
        self.deadline = deadline
        self.cancelling = task.cancelling()  # cancellations requested before ours
        self.response: Any = None  # the aiohttp ClientResponse once its headers are in
        self.seen = 0  # body bytes received at the last look
        self.timed_out = False

    def absorb(self) -> bool:
        """After a CancelledError: True if it was this watchdog's (now a timeout), False if
        someone else cancelled the task too (then it must propagate)."""
        return self.timed_out and self.task.uncancel() <= self.cancelling


class ReadWatchdog:
    """Times out attempts that get no data for `timeout` seconds (see the module docstring)."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.tick = min(1.0, timeout / 4)
        self._watches: dict[int, Watch] = {}
        self._task: asyncio.Task[None] | None = None

    def watch(self, task: asyncio.Task[Any], body_size: int = 0) -> Watch:
        """Watch `task`'s attempt (the running task's) from now until `done`."""
        loop = task.get_loop()
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._run(), name="cxone-read-watchdog")
        entry = Watch(task, loop.time() + self.timeout + body_size / SEND_FLOOR_BPS)
        self._watches[id(entry)] = entry
        return entry

    def done(self, entry: Watch) -> None:
        self._watches.pop(id(entry), None)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.tick)
            now = loop.time()
            for key, entry in list(self._watches.items()):
                if now < entry.deadline:
                    continue
                response = entry.response
                received = response.content.total_bytes if response is not None else 0
                if received != entry.seen:  # a byte came since the last look: alive
                    entry.seen = received
                    entry.deadline = now + self.timeout
                    continue
                del self._watches[key]
                entry.timed_out = True
                entry.task.cancel(msg="read timeout")
