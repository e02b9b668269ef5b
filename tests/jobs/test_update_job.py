"""The update job on the engine, against an in-memory contacts API (the sandbox tests are apart)."""

from __future__ import annotations

import contextlib
import csv
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

from cxone_outbound.client import errors
from cxone_outbound.client.events import RequestObserver
from cxone_outbound.engine import CsvSource, RunConfig, Runner, RunSummary
from cxone_outbound.jobs.update import CONTACT_FIELDS, MISSING_FILE, UpdateJob


class FakeContacts:
    """Knows some contact ids; a PATCH to any other is a 404."""

    def __init__(self, known: set[str]) -> None:
        self.known = known
        self.patched: list[str] = []

    async def update_contact(
        self, contact_id: str, changes: Mapping[str, Any], *, list_id: str | None = None
    ) -> None:
        if contact_id not in self.known:
            raise errors.NotFound("no such contact", status=404, code="NOT_FOUND")
        self.patched.append(contact_id)


async def run_update(api: FakeContacts, path: Path, state: Path, **config: Any) -> RunSummary:
    @contextlib.asynccontextmanager
    async def factory(observer: RequestObserver) -> AsyncIterator[FakeContacts]:
        yield api

    source = CsvSource(path, aliases=CONTACT_FIELDS)
    job = UpdateJob(concurrency=4)
    return await Runner(job, source, RunConfig(state, **config), client_factory=factory).run()


def missing_rows(summary: RunSummary) -> list[list[str]]:
    with (summary.run_dir / MISSING_FILE).open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


async def test_missing_contacts_are_listed_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_text("contactId,firstName\nc1,A\nnope,B\nc2,C\n")
    summary = await run_update(FakeContacts({"c1", "c2"}), path, tmp_path / "s")
    assert summary.counts == {"succeeded": 2, "failed": 1}
    assert missing_rows(summary) == [["line", "contactId"], ["3", "nope"]]


async def test_missing_contacts_file_neutralises_formula_cells(tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_text('contactId,firstName\n"=HYPERLINK(""http://x"")",A\n')
    summary = await run_update(FakeContacts(set()), path, tmp_path / "s")
    assert missing_rows(summary)[1] == ["2", '\'=HYPERLINK("http://x")']
