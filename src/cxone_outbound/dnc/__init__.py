"""Do-not-call scrubbing at registry scale: compile lists into one sorted file, look numbers up.

`compile_dnc` turns registry downloads and internal lists into one sorted file probed in place
(`DncFile`); `DncScreen` checks an E.164 number against such files and the tenant's own DNC
groups in one pass. See docs/dnc.md.
"""

from __future__ import annotations

from cxone_outbound.dnc.compile import (
    CompileReport,
    DncCompileError,
    DncSource,
    RefusedLine,
    compile_dnc,
    parse_source_arg,
)
from cxone_outbound.dnc.fileformat import DncFile, DncFileError, SourceStats
from cxone_outbound.dnc.numbers import key_of_e164, parse_dnc_line
from cxone_outbound.dnc.screen import TENANT_SOURCE, DncScreen

__all__ = [
    "TENANT_SOURCE",
    "CompileReport",
    "DncCompileError",
    "DncFile",
    "DncFileError",
    "DncScreen",
    "DncSource",
    "RefusedLine",
    "SourceStats",
    "compile_dnc",
    "key_of_e164",
    "parse_dnc_line",
    "parse_source_arg",
]
