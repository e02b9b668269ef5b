"""Import jobs: accepted at once, then processed in chunks (QUEUED → RUNNING → COMPLETED/FAILED).

A job's records and progress live in the database, so a restart resumes a running job where its
last committed chunk ended.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

import orjson

from cxone_outbound.sandbox.errors import Conflict, NotFound
from cxone_outbound.sandbox.store.database import Database
from cxone_outbound.sandbox.store.lists.contacts import Contacts
from cxone_outbound.sandbox.store.lists.csv_import import (
    ContactValues,
    ImportFile,
    RowChecker,
    RowError,
)

MAX_REPORTED_ERRORS = 1000
ACTIVE = ("QUEUED", "RUNNING")

AdminRows = Callable[
    [sqlite3.Connection, str, str, tuple[str, ...], Sequence[Sequence[str]], int, dict[str, str]],
    tuple[int, list[RowError], list[str | None]],
]
"""Applies a chunk of an admin upload: (applied, row errors, the external id of each error)."""


class Imports:
    """The import job table and the step that advances a job by one chunk."""

    def __init__(self, db: Database, contacts: Contacts) -> None:
        self.db = db
        self.contacts = contacts
        self._parsed: dict[str, tuple[tuple[str, ...], list[list[str]]]] = {}
        self.admin_rows: AdminRows | None = None  # the admin dialect's upsert by external id

    def create_admin(self, tenant_id: str, list_id: str, header: tuple[str, ...],
                     records: Sequence[Sequence[str]], options: dict[str, Any]) -> str:
        """Queue an admin-dialect upload (rows keyed by external id); its job id."""
        job_id = self.db.new_id()
        now = self.db.now()
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO import_jobs (id, tenant_id, list_id, status, header, records, total,"
                " created_at, updated_at, kind, options)"
                " VALUES (?, ?, ?, 'QUEUED', ?, ?, ?, ?, ?, 'admin', ?)",
                (job_id, tenant_id, list_id, orjson.dumps(list(header)).decode(),
                 orjson.dumps([list(r) for r in records]), len(records), now, now,
                 orjson.dumps(options).decode()))
        return job_id

    def cancel(self, tenant_id: str, job_id: str) -> None:
        """Stop a job not yet complete; rows already applied stay. 409 when it is complete."""
        with self.db.transaction() as conn:
            row = conn.execute("SELECT status FROM import_jobs WHERE id = ? AND tenant_id = ?",
                               (job_id, tenant_id)).fetchone()
            if row is None:
                raise NotFound(f"upload job {job_id} not found", field="jobId")
            if row["status"] not in ACTIVE:
                raise Conflict(f"upload job {job_id} is already complete")
            now = self.db.now()
            conn.execute("UPDATE import_jobs SET status = 'CANCELLED', updated_at = ?,"
                         " completed_at = ?, records = ? WHERE id = ?", (now, now, b"[]", job_id))
        self._parsed.pop(job_id, None)

    def admin_number(self, job_id: str) -> int:
        """The integer `jobId` the admin dialect shows for a job (its row number)."""
        return int(self.db.conn.execute("SELECT rowid FROM import_jobs WHERE id = ?",
                                        (job_id,)).fetchone()[0])

    def admin_job_id(self, tenant_id: str, number: int) -> str:
        """The job an admin `jobId` names; 404 for another tenant's or a v2 import."""
        row = self.db.conn.execute("SELECT id FROM import_jobs WHERE rowid = ? AND tenant_id = ?"
                                   " AND kind = 'admin'", (number, tenant_id)).fetchone()
        if row is None:
            raise NotFound(f"upload job {number} not found", field="jobId")
        return str(row["id"])

    def admin_view(self, tenant_id: str, job_id: str) -> dict[str, Any]:
        """A job as S1 publishes it: no counts, no row results, no file name."""
        row = self.db.conn.execute(
            "SELECT j.rowid AS number, j.*, l.seq AS list_seq, l.name AS list_name"
            " FROM import_jobs j LEFT JOIN lists l ON l.id = j.list_id"
            " WHERE j.id = ? AND j.tenant_id = ?", (job_id, tenant_id)).fetchone()
        if row is None:
            raise NotFound(f"upload job {job_id} not found", field="jobId")
        started = row["status"] != "QUEUED"
        return {"jobId": row["number"], "listId": row["list_seq"], "listName": row["list_name"],
                "startDate": row["updated_at"] if started else None,
                "submitDate": row["created_at"], "isComplete": row["status"] not in ACTIVE,
                "isCancelled": row["status"] == "CANCELLED",
                "completedDate": row["completed_at"]}

    def admin_job_ids(self, tenant_id: str, skip: int, top: int) -> list[str]:
        return [r["id"] for r in self.db.conn.execute(
            "SELECT id FROM import_jobs WHERE tenant_id = ? AND kind = 'admin'"
            " ORDER BY created_at, rowid LIMIT ? OFFSET ?", (tenant_id, top, skip))]

    def create(self, tenant_id: str, list_id: str, data: ImportFile) -> dict[str, Any]:
        self.contacts.get_list(tenant_id, list_id)  # 404 for an unknown list, before queueing
        job_id = self.db.new_id()
        now = self.db.now()
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO import_jobs (id, tenant_id, list_id, status, header, records, total,"
                " created_at, updated_at) VALUES (?, ?, ?, 'QUEUED', ?, ?, ?, ?, ?)",
                (job_id, tenant_id, list_id, orjson.dumps(list(data.header)).decode(),
                 orjson.dumps(data.records), len(data.records), now, now))
        return {"jobId": job_id, "status": "QUEUED", "contactListId": list_id,
                "totalRecords": len(data.records)}

    def get(self, tenant_id: str, job_id: str) -> dict[str, Any]:
        row = self.db.conn.execute(
            "SELECT id, list_id, status, total, processed, failed, created_at, updated_at,"
            " completed_at FROM import_jobs WHERE id = ? AND tenant_id = ?",
            (job_id, tenant_id)).fetchone()
        if row is None:
            raise NotFound(f"import job {job_id} not found", field="jobId")
        errors = [
            RowError(e["row"], e["field"], e["code"], e["message"])
            for e in self.db.conn.execute(
                "SELECT row, field, code, message FROM import_row_errors WHERE job_id = ?"
                " ORDER BY row LIMIT ?", (job_id, MAX_REPORTED_ERRORS))
        ]
        body: dict[str, Any] = {
            "jobId": row["id"],
            "contactListId": row["list_id"],
            "status": row["status"],
            "totalRecords": row["total"],
            "recordsProcessed": row["processed"],
            "recordsFailed": row["failed"],
            "errors": [e.as_text() for e in errors],
            "rowErrors": [e.as_dict() for e in errors],
            "createdAt": row["created_at"],
            "updatedAt": row["updated_at"],
        }
        if row["completed_at"]:
            body["completedAt"] = row["completed_at"]
        return body

    def next_active(self) -> str | None:
        """The oldest job still to process, if any."""
        row = self.db.conn.execute(
            "SELECT id FROM import_jobs WHERE status IN ('QUEUED', 'RUNNING')"
            " ORDER BY created_at, rowid LIMIT 1").fetchone()
        return None if row is None else str(row["id"])

    def step(self, job_id: str, max_rows: int) -> bool:
        """Process up to `max_rows` more rows of the job in one transaction; True when finished."""
        row = self.db.conn.execute("SELECT * FROM import_jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None or row["status"] not in ACTIVE:
            return True
        tenant_id, list_id = row["tenant_id"], row["list_id"]
        if job_id not in self._parsed:  # decode once per job, not once per chunk
            self._parsed = {job_id: (tuple(orjson.loads(row["header"])),
                                     orjson.loads(row["records"]))}
        header, records = self._parsed[job_id]
        start = row["next_index"]
        chunk = records[start:start + max_rows]
        now = self.db.now()
        try:
            schema = self.contacts.schema(tenant_id, list_id)
        except NotFound:
            self._finish(job_id, tenant_id, list_id, "FAILED", now,
                         error=RowError(0, None, "LIST_DELETED", "the contact list is gone"))
            return True
        with self.db.transaction() as conn:
            extra = [h for h in header if h not in ("phone_number", "first_name", "last_name",
                                                     "email", "__external_id")]
            if start == 0 and extra:
                schema = self.contacts.extend_schema(tenant_id, list_id, extra)
            errors: list[RowError] = []
            owners: list[str | None] = []
            if row["kind"] == "admin" and self.admin_rows is not None:
                applied, errors, owners = self.admin_rows(conn, tenant_id, list_id, header,
                                                          chunk, start, schema)
            else:
                good: list[ContactValues] = []
                check = RowChecker(header, schema).check
                for number, record in enumerate(chunk, start + 1):
                    if not "".join(record).strip():
                        continue  # a blank line keeps its number but is no record
                    checked = check(number, record)
                    if isinstance(checked, tuple):
                        good.append(checked)
                    else:
                        errors.extend(checked)
                self.contacts.upsert_many(conn, tenant_id, list_id, good)
                applied = len(good)
            conn.executemany(
                "INSERT INTO import_row_errors (job_id, row, field, code, message, external_id)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [(job_id, e.row, e.field, e.code, e.message, owners[i] if owners else None)
                 for i, e in enumerate(errors)])
            failed_rows = len({e.row for e in errors})
            conn.execute(
                "UPDATE import_jobs SET status = 'RUNNING', next_index = ?,"
                " processed = processed + ?, failed = failed + ?, updated_at = ? WHERE id = ?",
                (start + len(chunk), applied, failed_rows, now, job_id))
        if start + len(chunk) < len(records):
            return False
        done = self.db.conn.execute("SELECT processed, failed FROM import_jobs WHERE id = ?",
                                    (job_id,)).fetchone()
        status = "FAILED" if done["processed"] == 0 and done["failed"] > 0 else "COMPLETED"
        self._finish(job_id, tenant_id, list_id, status, now)
        return True

    def fail(self, job_id: str, message: str) -> None:
        """Mark a job FAILED (the worker's last resort); rows already committed stay."""
        row = self.db.conn.execute("SELECT tenant_id, list_id FROM import_jobs WHERE id = ?",
                                   (job_id,)).fetchone()
        if row is not None:
            self._finish(job_id, row["tenant_id"], row["list_id"], "FAILED", self.db.now(),
                         error=RowError(0, None, "INTERNAL_ERROR", message))

    def _finish(self, job_id: str, tenant_id: str, list_id: str, status: str, now: str,
                error: RowError | None = None) -> None:
        with self.db.transaction() as conn:
            if error is not None:
                conn.execute("INSERT INTO import_row_errors (job_id, row, field, code, message)"
                             " VALUES (?, ?, ?, ?, ?)",
                             (job_id, error.row, error.field, error.code, error.message))
            conn.execute("UPDATE import_jobs SET status = ?, updated_at = ?, completed_at = ?,"
                         " records = ? WHERE id = ?", (status, now, now, b"[]", job_id))
            summary = self.get(tenant_id, job_id)
            self.db.emit(tenant_id, "import.completed",
                         {k: summary[k] for k in ("jobId", "contactListId", "status",
                                                  "totalRecords", "recordsProcessed",
                                                  "recordsFailed")})
        self._parsed.pop(job_id, None)
