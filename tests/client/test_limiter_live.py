"""The adaptive limiter against a real loopback server that 429s above a fixed rate."""

from __future__ import annotations

import asyncio

from fake_api import Reply, ServerBucket

from cxone_outbound.client import CXoneClient

SERVER_RATE = 50.0


async def test_limiter_settles_near_the_rate_a_live_server_admits(fake_api):
    fake_api.bucket = ServerBucket(rate=SERVER_RATE, burst=5)
    fake_api.reply("GET", "/t", Reply(200, {"ok": True}))
    settings = fake_api.settings(max_rate=1000.0, concurrency=8, max_attempts=20)
    async with CXoneClient(settings) as client:  # the real clock: the server's bucket is real
        await asyncio.gather(*(client.request("GET", "/t") for _ in range(100)))
        limiter = client.transport.limiter
    served = len(fake_api.requests_to("GET", "/t"))
    assert served - fake_api.throttled == 100  # every call got through in the end
    assert limiter.adapting and limiter.rate < 4 * SERVER_RATE  # learnt from the 429s
    assert fake_api.throttled < 100  # and stopped hammering: fewer 429s than calls


async def test_an_announced_rate_limit_seeds_the_limiter(fake_api, clock):
    # nearly no tokens spare (spare ones would be spent above the limit: test_ratelimit.py)
    fake_api.rate_headers = {"X-RateLimit-Limit": "30", "X-RateLimit-Remaining": "2",
                             "X-RateLimit-Reset": "1"}
    fake_api.reply("GET", "/t", Reply(200, {}))
    async with CXoneClient(fake_api.settings(max_rate=500.0), clock=clock) as client:
        await client.request("GET", "/t")
        assert client.transport.limiter.rate == 30.0
