"""How commands talk: human text on stderr (rich), the machine result on stdout (JSON), logs.

Every command renders through `Output` so that with `--json` stdout carries only the final JSON
document and anything meant for a person (tables, progress, warnings) goes to stderr. Log records
pass a `RedactingFilter` so a token or secret never reaches a terminal or a log file.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

import orjson
from pydantic import SecretStr
from rich.console import Console
from rich.markup import escape

from cxone_outbound.config import mask_url_userinfo

REDACTED = "****"

# Credentials as they show up in headers, form bodies, JSON and reprs of dicts.
_AUTH_HEADER = re.compile(
    r"""(?P<key>authorization['"]?\s*[:=]\s*['"]?)(?P<scheme>(?:bearer|basic)\s+)?[^\s'",}]+""",
    re.IGNORECASE,
)
_BEARER = re.compile(r"\b(?P<scheme>bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE)
_SECRET_PARAM = re.compile(
    r"""(?P<key>\b(?:client_secret|access_token|refresh_token|password|secret)['"]?\s*[:=]\s*"""
    r"""['"]?)[^\s'"&,}]+""",
    re.IGNORECASE,
)


def _json_default(obj: Any) -> Any:
    if isinstance(obj, SecretStr):
        return REDACTED
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, set | frozenset):
        return sorted(obj)
    raise TypeError(f"cannot serialise {type(obj).__name__} as JSON")


def emit_json(obj: Any, stream: IO[str] | None = None) -> None:
    """Write `obj` as one JSON document (indented, newline-terminated) to stdout."""
    out = sys.stdout if stream is None else stream
    out.write(orjson.dumps(obj, default=_json_default, option=orjson.OPT_INDENT_2).decode())
    out.write("\n")
    out.flush()


class RedactingFilter(logging.Filter):
    """Rewrites every record it sees so that credentials are replaced by `****`.

    Catches Authorization header values, `client_secret` / `access_token` parameters in forms,
    JSON and reprs, and any literal secret registered with `add_secret` (the configured client
    secret), wherever it appears. Attach it to a handler so that records propagated from any
    logger pass through it.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets: set[str] = {s for s in secrets if s}

    def add_secret(self, secret: str) -> None:
        if len(secret) >= 4:  # masking "a" everywhere would garble every line
            self._secrets.add(secret)

    def redact(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        text = _AUTH_HEADER.sub(lambda m: f"{m['key']}{m['scheme'] or ''}{REDACTED}", text)
        text = _BEARER.sub(lambda m: f"{m['scheme']} {REDACTED}", text)
        text = mask_url_userinfo(text)
        return _SECRET_PARAM.sub(lambda m: f"{m['key']}{REDACTED}", text)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


class _CxoHandler(logging.StreamHandler[IO[str]]):
    """The stderr handler `configure_logging` installs (a class of its own to find it again)."""


def log_level_for(verbose: int) -> int:
    """-v count to a level: warnings by default, -v info, -vv debug."""
    return logging.WARNING if verbose <= 0 else logging.INFO if verbose == 1 else logging.DEBUG


def configure_logging(verbose: int, redactor: RedactingFilter) -> None:
    """Send log records to stderr at the level `-v` asks for, through `redactor`.

    Idempotent: a second call replaces the handler the first one installed.
    """
    level = log_level_for(verbose)
    root = logging.getLogger()
    remove_logging_handler()
    handler = _CxoHandler(sys.stderr)
    handler.setLevel(level)
    handler.addFilter(redactor)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    logging.getLogger("cxone_outbound").setLevel(level)
    if verbose >= 2:  # third-party debug (aiohttp, asyncio) only when asked for twice
        root.setLevel(logging.DEBUG)


def remove_logging_handler() -> None:
    """Take out the handler `configure_logging` installed (for in-process runs and tests)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, _CxoHandler):
            root.removeHandler(handler)


class Output:
    """Where a command's words go: `console` (stderr, for people) and `result` (stdout)."""

    def __init__(self, *, json_mode: bool, redactor: RedactingFilter | None = None) -> None:
        self.json_mode = json_mode
        self.redactor = redactor or RedactingFilter()
        # stderr=True: rich resolves sys.stderr at each print, so redirection and capture work.
        self.console = Console(stderr=True, highlight=False, soft_wrap=False)

    def info(self, message: str) -> None:
        """A line for the person at the terminal (stderr), in either mode."""
        self.console.print(self.redactor.redact(message), markup=False, soft_wrap=True)

    def warn(self, message: str) -> None:
        self.console.print(
            f"[yellow]warning:[/yellow] {escape(self.redactor.redact(message))}", soft_wrap=True
        )

    def result(self, obj: Any, render: Callable[[Console], None]) -> None:
        """The command's final result: JSON on stdout with `--json`, else `render` for people."""
        if self.json_mode:
            emit_json(obj)
        else:
            render(self.console)
