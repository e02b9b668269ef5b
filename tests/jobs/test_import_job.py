"""The import job on the engine, against an in-memory import API (the sandbox tests are apart)."""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from cxone_outbound.client import ImportJob as ApiJob
from cxone_outbound.client import RowError
from cxone_outbound.client.events import RequestObserver
from cxone_outbound.engine import CsvSource, RunConfig, Runner
from cxone_outbound.engine.job import batch_key
from cxone_outbound.jobs import import_ as import_mod
from cxone_outbound.jobs.import_ import IMPORT_FIELDS, ImportJob, ImportOptions, chunk_id


class FakeImportApi:
    """Creates one job per idempotency key; refuses rows by phone; can fail a job once."""

    def __init__(self, refuse: dict[str, str] | None = None, fail_first_job: bool = False) -> None:
        self.refuse = refuse or {}
        self.jobs: dict[str, ApiJob] = {}
        self.by_key: dict[str, str] = {}
        self.imported: Counter[str] = Counter()
        self.uploads = 0
        self.fail_next = fail_first_job
        self.transient: set[str] = set()

    async def start_import(
        self,
        body: bytes,
        *,
        list_id: str | None = None,
        idempotency_key: str | None = None,
        gzipped: bool = True,
    ) -> ApiJob:
        self.uploads += 1
        assert idempotency_key is not None
        if idempotency_key in self.by_key:
            return self.jobs[self.by_key[idempotency_key]]
        rows = list(csv.DictReader(io.StringIO(gzip.decompress(body).decode())))
        job_id = f"job-{len(self.jobs) + 1}"
        if self.fail_next:
            self.fail_next = False
            job = ApiJob(job_id=job_id, status="FAILED", errors=["storage unavailable"])
        else:
            errors = []
            for n, row in enumerate(rows, start=1):
                phone = row["phone_number"]
                if phone in self.transient:
                    self.transient.discard(phone)
                    errors.append(RowError(row=n, code="TEMPORARY_FAILURE", message="try again"))
                elif phone in self.refuse:
                    errors.append(
                        RowError(
                            row=n, field="phone_number", code=self.refuse[phone], message="refused"
                        )
                    )
                else:
                    self.imported[phone] += 1
            job = ApiJob(
                job_id=job_id,
                status="COMPLETED",
                records_processed=len(rows),
                records_failed=len(errors),
                row_errors=errors,
            )
        self.jobs[job_id] = job
        self.by_key[idempotency_key] = job_id
        return ApiJob(job_id=job_id, status="QUEUED")

    async def get_import_job(self, job_id: str) -> ApiJob:
        return self.jobs[job_id]


def contacts_csv(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "contacts.csv"
    path.write_text("phone_number,first_name,last_name,email,tier\n" + "".join(rows))
    return path


def good(n: int) -> str:
    return f"+1415555{n:04d},F{n},L{n},u{n}@example.com,gold\n"


async def run_import(api: FakeImportApi, path: Path, state: Path, **kw: Any) -> Any:
    @contextlib.asynccontextmanager
    async def factory(observer: RequestObserver) -> AsyncIterator[FakeImportApi]:
        yield api

    source = CsvSource(path, aliases=IMPORT_FIELDS)
    options = ImportOptions(chunk_size=kw.pop("chunk_size", 3), poll_initial_s=0.0, **kw)
    job = ImportJob(options, ["tier"])
    return await Runner(job, source, RunConfig(state), client_factory=factory).run()


async def test_valid_rows_are_imported_once_and_invalid_rows_never_sent(tmp_path: Path) -> None:
    rows = [good(i) for i in range(7)] + [
        "4155550100,A,B,,x\n",
        "+14155550101,,B,,x\n",
        "+14155550102,A,B,not-an-email,x\n",
    ]
    api = FakeImportApi()
    summary = await run_import(api, contacts_csv(tmp_path, rows), tmp_path / "s")
    assert sorted(api.imported.values()) == [1] * 7
    assert summary.counts == {"succeeded": 7, "failed": 3}
    failed = (summary.run_dir / "failed.csv").read_text()
    for line, code in (
        ("9", "INVALID_E164"),
        ("10", "MISSING_FIRST_NAME"),
        ("11", "INVALID_EMAIL"),
    ):
        assert f"{line},{code}," in failed


async def test_names_are_required_by_default(tmp_path: Path) -> None:
    api = FakeImportApi()
    path = contacts_csv(tmp_path, ["+14155550100,A,,,x\n", "+14155550101,,,,x\n"])
    summary = await run_import(api, path, tmp_path / "s")
    assert summary.counts == {"failed": 2}
    failed = (summary.run_dir / "failed.csv").read_text()
    assert "2,MISSING_LAST_NAME," in failed and "3,MISSING_FIRST_NAME," in failed


async def test_rows_without_names_are_imported_when_only_the_phone_is_required(
    tmp_path: Path,
) -> None:
    api = FakeImportApi()
    path = contacts_csv(tmp_path, ["+14155550100,A,,,x\n", "+14155550101,,,,x\n", ",A,B,,x\n"])
    summary = await run_import(api, path, tmp_path / "s", required=("phone_number",))
    assert summary.counts == {"succeeded": 2, "failed": 1}
    assert sorted(api.imported) == ["+14155550100", "+14155550101"]


async def test_a_required_email_must_be_filled(tmp_path: Path) -> None:
    api = FakeImportApi()
    path = contacts_csv(tmp_path, ["+14155550100,A,B,,x\n"])
    summary = await run_import(api, path, tmp_path / "s", required=("phone_number", "email"))
    assert "2,MISSING_EMAIL," in (summary.run_dir / "failed.csv").read_text()


def test_required_fields_are_read_in_any_spelling_and_always_include_the_phone() -> None:
    assert import_mod.parse_required(["firstName", "Last Name"]) == (
        "phone_number", "first_name", "last_name",
    )  # fmt: skip
    assert import_mod.parse_required(["phone,email"]) == ("phone_number", "email")


def test_an_unknown_required_field_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="'nickname' is not an import field"):
        import_mod.parse_required(["first_name,nickname"])


async def test_national_numbers_are_normalised_with_a_default_region(tmp_path: Path) -> None:
    api = FakeImportApi()
    path = contacts_csv(tmp_path, ["(415) 555-0134,A,B,,x\n"])
    summary = await run_import(api, path, tmp_path / "s", default_region="US")
    assert summary.counts == {"succeeded": 1}
    assert list(api.imported) == ["+14155550134"]


async def test_row_errors_are_mapped_back_to_source_lines(tmp_path: Path) -> None:
    api = FakeImportApi(refuse={"+14155550004": "DUPLICATE_IN_FILE"})
    summary = await run_import(
        api, contacts_csv(tmp_path, [good(i) for i in range(6)]), tmp_path / "s"
    )
    failed = list(csv.DictReader((summary.run_dir / "failed.csv").open()))
    assert [(f["line"], f["error_code"], f["error_field"]) for f in failed] == [
        ("6", "DUPLICATE_IN_FILE", "phone_number")
    ]


async def test_only_rows_with_retryable_errors_are_uploaded_again(tmp_path: Path) -> None:
    api = FakeImportApi(refuse={"+14155550001": "INVALID_E164"})
    api.transient = {"+14155550002"}
    summary = await run_import(
        api, contacts_csv(tmp_path, [good(i) for i in range(3)]), tmp_path / "s"
    )
    assert summary.counts == {"succeeded": 2, "failed": 1}
    assert api.imported["+14155550002"] == 1
    assert api.uploads == 2  # the chunk, then the one retryable row


async def test_a_failed_job_is_uploaded_again_under_a_new_key(tmp_path: Path) -> None:
    api = FakeImportApi(fail_first_job=True)
    summary = await run_import(
        api, contacts_csv(tmp_path, [good(i) for i in range(2)]), tmp_path / "s", concurrency=1
    )
    assert summary.counts == {"succeeded": 2}
    assert len(api.by_key) == 2


def test_a_chunk_id_names_its_records_content_and_attempt() -> None:
    assert chunk_id(["2", "3"], b"a", 1) == chunk_id(["2", "3"], b"a", 1)
    ids = {chunk_id(["2", "3"], b"a", 1), chunk_id(["4", "5"], b"a", 1),
           chunk_id(["2", "3"], b"b", 1), chunk_id(["2", "3"], b"a", 2)}
    assert len(ids) == 4  # two chunks that read the same are still two batches


async def test_a_second_run_of_the_same_file_uploads_again_under_new_keys(
    tmp_path: Path,
) -> None:
    api = FakeImportApi()
    path = contacts_csv(tmp_path, [good(i) for i in range(4)])
    first = await run_import(api, path, tmp_path / "s")
    second = await run_import(api, path, tmp_path / "s")
    assert first.run_id != second.run_id
    assert first.counts == second.counts == {"succeeded": 4}
    assert sorted(api.imported.values()) == [2] * 4  # nothing answered from the first run
    assert len(api.by_key) == api.uploads == 4


async def test_resume_reconciles_an_in_flight_chunk_without_uploading_it(tmp_path: Path) -> None:
    from cxone_outbound.engine.journal import Journal
    from cxone_outbound.engine.records import Batch
    from cxone_outbound.engine.runner import journal_path

    path = contacts_csv(tmp_path, [good(i) for i in range(3)])
    state = tmp_path / "s"
    api = FakeImportApi()
    summary = await run_import(api, path, state)
    # pretend the process died after the upload was acknowledged: back to in-flight
    job = ImportJob(ImportOptions(chunk_size=3), ["tier"])
    items = [job.prepare(r) for r in CsvSource(path, aliases=IMPORT_FIELDS)]
    batch = Batch(job.batch_id(items, 1), items, "job-1")  # type: ignore[arg-type]
    with Journal(journal_path(state)) as journal:
        journal.claim(summary.run_id, [batch])
        journal.set_status(summary.run_id, "interrupted")
    uploads = api.uploads
    source = CsvSource(path, aliases=IMPORT_FIELDS)

    @contextlib.asynccontextmanager
    async def factory(observer: RequestObserver) -> AsyncIterator[FakeImportApi]:
        yield api

    resumed = await Runner(
        ImportJob(ImportOptions(chunk_size=3, poll_initial_s=0.0), ["tier"]),
        source,
        RunConfig(state, resume=summary.run_id),
        client_factory=factory,
    ).run()
    assert resumed.counts == {"succeeded": 3}
    assert api.uploads == uploads
    assert sorted(api.imported.values()) == [1, 1, 1]


async def test_each_chunk_body_is_rendered_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    renders = Counter[int]()
    render = import_mod.render_chunk

    def counting(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> bytes:
        renders[len(rows)] += 1
        return render(columns, rows)

    monkeypatch.setattr(import_mod, "render_chunk", counting)
    api = FakeImportApi()
    summary = await run_import(api, contacts_csv(tmp_path, [good(i) for i in range(7)]), tmp_path)
    assert summary.counts == {"succeeded": 7}
    assert renders == {3: 2, 1: 1}  # three chunks, each built once (key and upload share it)


async def test_the_uploaded_body_is_the_chunk_its_key_names(tmp_path: Path) -> None:
    uploads: list[tuple[str | None, bytes]] = []

    class KeyCheckingApi(FakeImportApi):
        async def start_import(self, body: bytes, **kw: Any) -> ApiJob:
            uploads.append((kw["idempotency_key"], gzip.decompress(body)))
            return await super().start_import(body, **kw)

    path = contacts_csv(tmp_path, [good(i) for i in range(20)])
    summary = await run_import(KeyCheckingApi(), path, tmp_path / "s", concurrency=4)
    assert len(uploads) == 7
    for sent, body in uploads:
        phones = [row["phone_number"] for row in csv.DictReader(io.StringIO(body.decode()))]
        lines = [str(int(phone[-4:]) + 2) for phone in phones]  # good(n) is on line n + 2
        batch_id = chunk_id(lines, body, 1)
        assert sent == batch_key(summary.run_id, batch_id, "import", None, 1, lines)


async def test_a_chunk_found_in_flight_without_all_its_rows_is_not_reconciled_by_row_number(
    tmp_path: Path,
) -> None:
    from cxone_outbound.engine.journal import Journal
    from cxone_outbound.engine.records import Batch
    from cxone_outbound.engine.runner import journal_path

    path = contacts_csv(tmp_path, [good(i) for i in range(3)])
    state = tmp_path / "s"
    api = FakeImportApi(refuse={"+14155550000": "INVALID_PHONE"})  # row 1 of job-1
    summary = await run_import(api, path, state)
    assert summary.counts == {"succeeded": 2, "failed": 1}
    # the last two rows back in flight under the whole chunk's id and job: job-1's row 1 is
    # line 2's error, and must not be read as the first of these rows'
    job = ImportJob(ImportOptions(chunk_size=3), ["tier"])
    items = [job.prepare(r) for r in CsvSource(path, aliases=IMPORT_FIELDS)]
    whole = job.batch_id(items, 1)
    with Journal(journal_path(state)) as journal:
        journal.claim(summary.run_id, [Batch(whole, items[1:], "job-1")])  # type: ignore[arg-type]
        journal.set_status(summary.run_id, "interrupted")

    @contextlib.asynccontextmanager
    async def factory(observer: RequestObserver) -> AsyncIterator[FakeImportApi]:
        yield api

    resumed = await Runner(
        ImportJob(ImportOptions(chunk_size=3, poll_initial_s=0.0), ["tier"]),
        CsvSource(path, aliases=IMPORT_FIELDS),
        RunConfig(state, resume=summary.run_id),
        client_factory=factory,
    ).run()
    assert resumed.counts == {"succeeded": 2, "failed": 1}
    failed = (resumed.run_dir / "failed.csv").read_text()
    assert "\n2,INVALID_PHONE," in failed and "\n3," not in failed
