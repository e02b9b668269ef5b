"""The documented exit codes of `cxo`, and the mapping from errors to them."""

from __future__ import annotations

import asyncio
from enum import IntEnum

from pydantic import ValidationError as PydanticValidationError

from cxone_outbound.client import errors
from cxone_outbound.engine.sources.tabular import SourceBroken


class ExitCode(IntEnum):
    OK = 0
    FAILED_RECORDS = 1  # the run finished, some records failed (also: an unexpected error)
    BAD_INPUT = 2  # bad usage, bad file, invalid configuration
    AUTH = 3  # authentication or permission
    UNAVAILABLE = 4  # service unavailable: 5xx, 429 or connection errors outlived the retries
    SCHEMA_DRIFT = 5  # a reply whose shape the client does not know: nothing more is sent
    INTERRUPTED = 130  # stopped by Ctrl-C / SIGTERM; resumable


def exit_code_for(exc: BaseException) -> ExitCode:
    """The exit code a failed command ends with."""
    if isinstance(exc, errors.AuthError | errors.PermissionDenied):
        return ExitCode.AUTH
    if isinstance(exc, errors.SchemaDrift):
        return ExitCode.SCHEMA_DRIFT
    if isinstance(exc, errors.ServerError | errors.TransportError | errors.RateLimited):
        return ExitCode.UNAVAILABLE
    # A NotFound that ends a command is what it targets (`--list`, `--campaign`): bad input.
    if isinstance(exc, errors.ConfigurationError | errors.ValidationError | errors.NotFound):
        return ExitCode.BAD_INPUT
    if isinstance(exc, KeyboardInterrupt | asyncio.CancelledError):
        return ExitCode.INTERRUPTED
    # Errors that escaped the client's classification: a refused connection or a timeout means
    # the service is unavailable; a missing or unreadable input file is bad input.
    if isinstance(exc, ConnectionError | TimeoutError):  # a database lost mid-query too
        return ExitCode.UNAVAILABLE
    if isinstance(exc, SourceBroken):  # an input file unreadable part-way: not all read
        return ExitCode.BAD_INPUT
    if isinstance(exc, FileNotFoundError | IsADirectoryError | NotADirectoryError):
        return ExitCode.BAD_INPUT
    if isinstance(exc, PermissionError | UnicodeDecodeError | PydanticValidationError):
        return ExitCode.BAD_INPUT
    return ExitCode.FAILED_RECORDS
