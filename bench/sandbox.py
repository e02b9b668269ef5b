"""How many PATCH /api/v2/contacts/{id} per second the sandbox serves, with SQLite writes.

Runs a sandbox subprocess with the rate limit off, seeds contacts, then drives PATCHes from an
aiohttp client over loopback with N concurrent workers. Prints requests/s for the PATCH and, as a
baseline measured in the same run, for GET /sandbox/health (no auth, no database), and the ratio.

    .venv/bin/python bench/sandbox.py [--seconds 5] [--concurrency 32] [--contacts 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import itertools
import time

import aiohttp

from cxone_outbound.sandbox.server import SandboxServer


async def _token(session: aiohttp.ClientSession, base: str) -> str:
    basic = base64.b64encode(b"demo-client:demo-secret").decode()
    async with session.post(f"{base}/oauth/token", data={"grant_type": "client_credentials"},
                            headers={"Authorization": f"Basic {basic}"}) as resp:
        resp.raise_for_status()
        return str((await resp.json())["access_token"])


async def _contact_ids(session: aiohttp.ClientSession, base: str, token: str,
                       list_id: str) -> list[str]:
    ids: list[str] = []
    path: str | None = f"/api/v2/campaigns/contactlists/{list_id}?limit=1000"
    while path:
        async with session.get(base + path, headers={"Authorization": f"Bearer {token}"}) as resp:
            page = await resp.json()
        ids += [c["id"] for c in page["contacts"]]
        path = page.get("nextPageUri")
    return ids


async def _drive(session: aiohttp.ClientSession, seconds: float, concurrency: int,
                 make: object) -> tuple[int, int]:
    stop = time.perf_counter() + seconds
    ok = bad = 0

    async def worker() -> None:
        nonlocal ok, bad
        while time.perf_counter() < stop:
            async with make() as resp:  # type: ignore[operator]
                await resp.read()
                if resp.status < 300:
                    ok += 1
                else:
                    bad += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return ok, bad


async def main(seconds: float, concurrency: int, contacts: int) -> None:
    with SandboxServer(rate_limit=0) as server:
        base = server.base_url
        list_id = server.control.seed_contacts(None, contacts)
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:
            token = await _token(session, base)
            ids = itertools.cycle(await _contact_ids(session, base, token, list_id))
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            counter = itertools.count()

            def patch() -> object:
                n = next(counter)
                return session.patch(f"{base}/api/v2/contacts/{next(ids)}", headers=headers,
                                     data=b'{"firstName": "Bench%d"}' % n)

            def health() -> object:
                return session.get(f"{base}/sandbox/health")

            await _drive(session, 1.0, concurrency, patch)  # warm up
            ok_h, _ = await _drive(session, seconds, concurrency, health)
            ok_p, bad_p = await _drive(session, seconds, concurrency, patch)
        writes = server.control.counters()["contactWrites"]
    base_rate, patch_rate = ok_h / seconds, ok_p / seconds
    print(f"baseline GET /sandbox/health: {base_rate:8.0f} req/s")
    print(f"PATCH /api/v2/contacts/{{id}}:  {patch_rate:8.0f} req/s "
          f"({bad_p} non-2xx; {concurrency} concurrent; SQLite WAL writes)")
    print(f"ratio PATCH/baseline: {patch_rate / base_rate:.2f}; contact writes recorded: {writes}")
    print(f"goal >= 2000 PATCH/s: {'met' if patch_rate >= 2000 else 'NOT met'}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--contacts", type=int, default=2000)
    args = parser.parse_args()
    asyncio.run(main(args.seconds, args.concurrency, args.contacts))
