"""One check of a number against every DNC source: compiled files, then the tenant's groups."""

from __future__ import annotations

from collections import Counter
from collections.abc import Container, Sequence
from typing import Any

from cxone_outbound.dnc.fileformat import DncFile

TENANT_SOURCE = "tenant"  # what a match in the tenant's own DNC groups reports


class DncScreen:
    """Names the DNC source that lists a number (the first file's, then the tenant's), or None.

    `tenant` is any container of E.164 strings: the tenant's active suppressions, read once
    before the run (the dialer holds those groups; the files hold what is too big to upload).
    """

    def __init__(self, files: Sequence[DncFile], tenant: Container[str] | None = None) -> None:
        self.files = list(files)
        self.tenant = tenant
        self.matches: Counter[str] = Counter()

    def match(self, e164: str) -> str | None:
        for dnc in self.files:
            source = dnc.match(e164)
            if source is not None:
                self.matches[source] += 1
                return source
        if self.tenant is not None and e164 in self.tenant:
            self.matches[TENANT_SOURCE] += 1
            return TENANT_SOURCE
        return None

    def describe(self) -> dict[str, Any]:
        """What the screen checks against: journaled with the run's options."""
        return {
            "files": [{"file": str(f.path), "count": f.count, "sources": f.source_names}
                      for f in self.files],
            "tenant": self.tenant is not None,
        }

    def close(self) -> None:
        for dnc in self.files:
            dnc.close()
