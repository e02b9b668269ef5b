"""How much the client layer costs per request, against a bare aiohttp loop on the same server.

Starts a loopback aiohttp server in a subprocess (a token endpoint and one small JSON endpoint),
then measures requests/s of (a) a bare aiohttp loop and (b) `CXoneClient.request`, both at
concurrency 32, with the client's max_rate set so high that only its overhead is measured.
Both are open at once in one event loop and measured in short bursts, in pairs (bare, client,
the order alternating), so both sides of a pair meet the same machine load; prints the median
per-pair ratio and its middle half (goal: >= 0.8).

    .venv/bin/python bench/transport.py [--requests N] [--pairs P]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import orjson

from cxone_outbound.client import CXoneClient
from cxone_outbound.config import Settings

CONCURRENCY = 32

SERVER = r"""
import sys, orjson
from aiohttp import web

BODY = orjson.dumps({"id": "c-1", "phone": "+15551234567", "firstName": "Ada",
                     "attributes": {"tier": "gold", "score": 7}})
TOKEN = orjson.dumps({"access_token": "bench-token", "token_type": "Bearer",
                      "expires_in": 3600, "scope": "contacts:read"})

async def token(request):
    await request.read()
    return web.Response(body=TOKEN, content_type="application/json")

async def contact(request):
    if request.headers.get("Authorization", "Bearer bench-token") != "Bearer bench-token":
        return web.Response(status=401)
    return web.Response(body=BODY, content_type="application/json")

app = web.Application()
app.router.add_post("/oauth/token", token)
app.router.add_get("/api/v2/contacts/{id}", contact)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(url: str, deadline_s: float = 15.0) -> None:
    deadline = time.monotonic() + deadline_s
    while True:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"bench server did not start at {url}") from None
            time.sleep(0.05)


async def run_workers(total: int, one: Callable[[], Awaitable[None]]) -> tuple[float, float]:
    """Requests/s of `total` calls of `one` by CONCURRENCY workers, and client CPU µs/request."""
    remaining = total

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await one()

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    return total / elapsed, cpu / total * 1e6


@contextlib.asynccontextmanager
async def bare_aiohttp(base: str) -> AsyncIterator[Callable[[], Awaitable[None]]]:
    """One request of the bare loop: same pool size as the client's (concurrency + 2) and, as
    any client must, the body parsed."""
    connector = aiohttp.TCPConnector(limit=CONCURRENCY + 2)
    headers = {"Authorization": "Bearer bench-token", "Accept": "application/json"}
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:
        url = f"{base}/api/v2/contacts/c-1"

        async def one() -> None:
            async with session.get(url) as response:
                body = await response.read()
                response.raise_for_status()
                orjson.loads(body)

        yield one


@contextlib.asynccontextmanager
async def client_layer(base: str) -> AsyncIterator[Callable[[], Awaitable[None]]]:
    """One request through the client: token, limiter, retries, request id, typed answer."""
    settings = Settings(base_url=base, max_rate=1e9, concurrency=CONCURRENCY)
    async with CXoneClient(settings) as client:

        async def one() -> None:
            await client.get_contact("c-1")

        yield one


async def measure(base: str, burst: int, pairs: int) -> list[tuple[tuple[float, float], ...]]:
    """`pairs` x (bare burst, client burst), both open at once in one loop, the order
    alternating, so that each pair meets the same machine (this one's speed swings within
    seconds); each burst is (requests/s, client CPU µs/request)."""
    async with bare_aiohttp(base) as bare, client_layer(base) as layered:
        for one in (bare, layered):
            await run_workers(CONCURRENCY * 8, one)  # warm the pools and the token
        results = []
        for i in range(pairs):
            if i % 2:
                c = await run_workers(burst, layered)
                b = await run_workers(burst, bare)
            else:
                b = await run_workers(burst, bare)
                c = await run_workers(burst, layered)
            results.append((b, c))
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000, help="requests per burst")
    parser.add_argument("--pairs", type=int, default=40)
    args = parser.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(port)])
    try:
        wait_until_up(f"{base}/api/v2/contacts/ping")
        pairs = asyncio.run(measure(base, args.requests, args.pairs))
    finally:
        server.terminate()
        server.wait(timeout=10)
    ratios = sorted(c[0] / b[0] for b, c in pairs)
    bare_rate = statistics.median(b[0] for b, _ in pairs)
    client_rate = statistics.median(c[0] for _, c in pairs)
    b_cpu = statistics.median(b[1] for b, _ in pairs)
    c_cpu = statistics.median(c[1] for _, c in pairs)
    q1, q3 = ratios[len(ratios) // 4], ratios[(3 * len(ratios)) // 4]
    print(f"concurrency {CONCURRENCY}, {args.pairs} pairs of {args.requests}-request bursts")
    for name, rate, cpu in (("bare aiohttp loop", bare_rate, b_cpu),
                            ("CXoneClient.get_contact", client_rate, c_cpu)):
        print(f"{name:24}: {rate:7.0f} req/s median, {cpu:5.0f} µs client CPU/req")
    print(f"ratio client/bare req/s : {statistics.median(ratios):7.2f} median of pairs "
          f"(middle half {q1:.2f}-{q3:.2f})   (goal >= 0.80)")
    print(f"client CPU overhead/req : {c_cpu - b_cpu:7.0f} µs (medians)")


if __name__ == "__main__":
    main()
