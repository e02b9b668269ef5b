"""A loopback proxy in front of the sandbox that renames keys in chosen replies: a tenant whose
replies drifted from the published shapes, for tests of what the client does then."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@contextmanager
def drifted(target: str, path_suffix: str, old: bytes, new: bytes) -> Iterator[str]:
    """The proxy's base URL; replies to paths ending in `path_suffix` have `old` as `new`."""
    target = target.rstrip("/")

    class Handler(BaseHTTPRequestHandler):
        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items()
                       if k.lower() not in ("host", "content-length", "connection")}
            request = urllib.request.Request(target + self.path, data=body, headers=headers,
                                             method=self.command)
            try:
                with urllib.request.urlopen(request, timeout=30) as answer:
                    status, reply, kept = answer.status, answer.read(), answer.headers
            except urllib.error.HTTPError as exc:
                status, reply, kept = exc.code, exc.read(), exc.headers
            here = f"http://{self.server.server_address[0]}:{self.server.server_address[1]}"
            reply = reply.replace(target.encode(), here.encode())
            if self.path.split("?")[0].endswith(path_suffix):
                reply = reply.replace(old, new)
            self.send_response(status)
            for key, value in kept.items():
                if key.lower() not in ("content-length", "transfer-encoding", "connection",
                                       "date", "server"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
