"""Running the sandbox under uvicorn (uvloop + httptools) on a socket we bind ourselves.

Binding first lets `--port 0` pick a free port and report it before serving: the `ready` callback
gets the base URL once the socket listens.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import socket
import tempfile
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import uvicorn

from cxone_outbound.sandbox.http.app import build_app
from cxone_outbound.sandbox.options import SandboxOptions


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on (host, port); port 0 picks a free one."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.set_inheritable(True)
    return sock


def base_url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def serve(options: SandboxOptions, ready: Callable[[str, Path], None] | None = None) -> None:
    """Serve until interrupted. Without a db path, a temporary database is removed at exit."""
    tmpdir = None
    db_path = options.db_path
    if db_path is None:
        tmpdir = tempfile.mkdtemp(prefix="cxone-sandbox-")
        db_path = Path(tmpdir) / "sandbox.db"
    else:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        sock = bind(options.host, options.port)
        app = build_app(options, db_path)
        config = uvicorn.Config(app, loop="uvloop", http="httptools", lifespan="on",
                                access_log=False, log_level="warning", timeout_keep_alive=30,
                                backlog=1024)
        server = uvicorn.Server(config)

        async def run() -> None:
            task = asyncio.create_task(server.serve(sockets=[sock]))
            while not server.started and not task.done():  # noqa: ASYNC110 - uvicorn has no event
                await asyncio.sleep(0.01)
            if ready is not None and server.started:
                ready(base_url(sock), db_path)
            await task

        logging.getLogger("uvicorn.error").setLevel(logging.WARNING)
        if _uvloop():
            _uvloop_run(run)
        else:
            asyncio.run(run())
    finally:
        if tmpdir is not None:
            shutil.rmtree(tmpdir, ignore_errors=True)


def _uvloop() -> bool:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return False
    return True


def _uvloop_run(main: Callable[[], Coroutine[Any, Any, None]]) -> None:
    import uvloop

    uvloop.run(main())
