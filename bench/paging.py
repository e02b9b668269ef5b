"""The sandbox's CPU to serve a whole list page by page, per 1k contacts, as the list grows.

Seeds lists of each size in one sandbox (rate limit off), then reads each whole, one request
after another over one loopback connection, 100 records a page, in three ways: the admin
download (`GET /lists/call-lists/{id}?includeRecords=true`, `skip`/`top`), the v2 preview
shape (`page=`) and the v2 cursor (`cursor=`, keyset from the start: the reference). The
figure is the server process's CPU (user + system, from /proc) for the whole read, per 1k
contacts: flat when a page costs the same wherever it is in the list, growing with the list
when each page scans what lies before it.

    .venv/bin/python bench/paging.py [--sizes 20000,100000,400000]
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import time
from collections.abc import Callable
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from cxone_outbound.sandbox.control import SandboxControl
from cxone_outbound.sandbox.server import SandboxServer

PAGE = 100
ADMIN = "/inContactAPI/services/v31.0/lists/call-lists"
SEED_CHUNK = 100_000


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Reader:
    """Sequential GETs over one keep-alive connection, as a downloading client sends them."""

    def __init__(self, base_url: str, token: str) -> None:
        self.parts = urlsplit(base_url)
        self.conn = self.connect()
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def connect(self) -> http.client.HTTPConnection:
        """A new connection (the server closes one idle for 30 s, as while a list is seeded)."""
        self.conn = http.client.HTTPConnection(self.parts.hostname or "127.0.0.1",
                                               self.parts.port)
        return self.conn

    def get(self, path: str) -> Any:
        self.conn.request("GET", path, headers=self.headers)
        response = self.conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {path}: {response.status} {body[:200]!r}")
        return json.loads(body)


def _token(base_url: str) -> str:
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port)
    basic = base64.b64encode(b"demo-client:demo-secret").decode()
    conn.request("POST", "/oauth/token", body="grant_type=client_credentials",
                 headers={"Authorization": f"Basic {basic}",
                          "Content-Type": "application/x-www-form-urlencoded"})
    return str(json.loads(conn.getresponse().read())["access_token"])


def read_admin(reader: Reader, list_seq: int) -> int:
    skip = 0
    while True:
        body = reader.get(f"{ADMIN}/{list_seq}?includeRecords=true&skip={skip}&top={PAGE}")
        records = body["resultSet"]["contactRecords"]
        skip += len(records)
        if len(records) < PAGE:
            return skip


def read_pages(reader: Reader, list_id: str) -> int:
    read = 0
    path: str | None = f"/api/v2/outbound/contactlists/{list_id}/contacts?limit={PAGE}&page=1"
    while path:
        body = reader.get(path)
        read += len(body["entity"])
        path = body.get("nextPageUri")
    return read


def read_cursor(reader: Reader, list_id: str) -> int:
    read = 0
    path: str | None = f"/api/v2/campaigns/contactlists/{list_id}?limit={PAGE}"
    while path:
        body = reader.get(path)
        read += len(body["contacts"])
        path = body.get("nextPageUri")
    return read


def measure(pid: int, read: Callable[[], int]) -> tuple[int, float, float]:
    """(records read, server CPU s, wall s)."""
    cpu, wall = _cpu_seconds(pid), time.perf_counter()
    count = read()
    return count, _cpu_seconds(pid) - cpu, time.perf_counter() - wall


def main(sizes: list[int]) -> None:
    with SandboxServer(rate_limit=0) as server:
        pid = server._process.pid if server._process else 0  # the server's own CPU
        control = SandboxControl(server.base_url, timeout=900)
        reader = Reader(server.base_url, _token(server.base_url))
        print(f"{'contacts':>9} {'read':<14}{'pages':>7}{'CPU s':>9}{'wall s':>9}"
              f"{'CPU s per 1k':>14}")
        for size in sizes:
            list_id = control.create_list(f"paging-{size}")
            for start in range(0, size, SEED_CHUNK):
                control.seed_contacts(list_id, min(SEED_CHUNK, size - start), seed=start)
            list_seq = control.admin_ids(list_id=list_id)["listId"]
            reads: list[tuple[str, Callable[[], int]]] = [
                ("admin skip/top", partial(read_admin, reader, list_seq)),
                ("v2 page=", partial(read_pages, reader, list_id)),
                ("v2 cursor", partial(read_cursor, reader, list_id))]
            for name, read in reads:
                reader.connect()
                count, cpu, wall = measure(pid, read)
                print(f"{count:>9} {name:<14}{-(-count // PAGE):>7}{cpu:>9.2f}{wall:>9.2f}"
                      f"{cpu / count * 1000:>14.4f}", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20000,100000,400000")
    args = parser.parse_args()
    main([int(s) for s in args.sizes.split(",")])
