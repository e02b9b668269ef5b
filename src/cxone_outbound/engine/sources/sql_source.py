"""The rows of a SQL query (PostgreSQL, MySQL, SQLite through SQLAlchemy) read as records.

The query runs once, on a server-side cursor (`stream_results`, `yield_per`): the database
hands rows over a few thousand at a time, so a query of millions runs in constant memory.

The DSN's password is a secret: `description` (journaled, printed, in the summary) and every
error message show the DSN masked. A record is keyed by its row number (the first row is 1) and
the fingerprint is the query and the masked DSN, so a resume runs the query again and matches
rows by number: the query must order its rows (`ORDER BY`) for a resume to be right.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cxone_outbound.engine.records import Record
from cxone_outbound.engine.sources.csv_source import SourceError
from cxone_outbound.engine.sources.tabular import (
    SourceBroken,
    mapped_columns,
    render_row,
    row_record,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import URL, Connection, CursorResult, Engine

YIELD_PER = 2000
_SECRET_QUERY_KEYS = ("password", "passwd", "pass", "secret", "token", "sslpassword")


class SourceLost(SourceBroken, ConnectionError):
    """The database stopped answering mid-run: the run stops, resumable (exit 4: a connection
    error, the service unavailable); like any broken source, its input was not all read."""


def dsn_secrets(dsn: str) -> list[str]:
    """The secrets a DSN carries (its password, password-like query parameters), as written
    and percent-decoded: what must never be printed. Plain parsing, no driver needed."""
    from urllib.parse import parse_qsl, unquote, urlsplit

    try:
        parts = urlsplit(dsn)
        found = [parts.password or ""]
    except ValueError:  # not a URL: nothing to find, and `_parse_dsn` refuses it
        return []
    found += [value for key, value in parse_qsl(parts.query, keep_blank_values=False)
              if key.lower() in _SECRET_QUERY_KEYS]
    for raw in parts.query.split("&"):  # the value as written, before parse_qsl decodes it
        key, _, value = raw.partition("=")
        if key.lower() in _SECRET_QUERY_KEYS:
            found.append(value)
    found += [unquote(value) for value in found]
    return sorted({value for value in found if value})


def _parse_dsn(dsn: str) -> URL:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(dsn)
    except (ArgumentError, ValueError):
        raise SourceError(
            "the DSN is not a database URL (e.g. postgresql+psycopg://user@host/db, "
            "sqlite:///file.db)"
        ) from None


def masked_dsn(dsn: str) -> str:
    """The DSN as it may be shown: password (and password-like query parameters) as `***`."""
    url = _parse_dsn(dsn)
    query = {
        key: ("***" if key.lower() in _SECRET_QUERY_KEYS else value)
        for key, value in url.query.items()
    }
    return url.set(query=query).render_as_string(hide_password=True).replace("%2A%2A%2A", "***")


def _as_driver_sql(query: str, engine: Engine) -> str:
    """The query as the driver must get it: SQLAlchemy hands psycopg and PyMySQL an (empty)
    parameter set, so a `%` in the query (`LIKE '%@example.com'`) must be doubled."""
    if engine.dialect.paramstyle in ("format", "pyformat"):
        return query.replace("%", "%%")
    return query


class SqlSource:
    """Records of one query, streamed from a server-side cursor."""

    def __init__(
        self,
        query: str,
        dsn: str,
        *,
        mappings: Mapping[str, str] | None = None,
        aliases: Mapping[str, Sequence[str]] | None = None,
        yield_per: int = YIELD_PER,
    ) -> None:
        if not query.strip():
            raise SourceError("--source-sql is empty")
        self.query = query
        self.yield_per = yield_per
        self._url = _parse_dsn(dsn)
        database = str(self._url.database or "")
        on_disk = database not in ("", ":memory:") and not database.startswith("file:")
        if self._url.get_backend_name() == "sqlite" and on_disk and not Path(database).is_file():
            raise SourceError(f"no such SQLite database: {database}")  # not a new, empty one
        self._secrets = [str(s) for s in (self._url.password, *(
            v for k, v in self._url.query.items() if k.lower() in _SECRET_QUERY_KEYS)) if s]
        self._masked = masked_dsn(dsn)
        self._engine: Engine | None = None
        self._connection: Connection | None = None
        self._result: CursorResult[Any] | None = None
        # run the query now: a bad DSN or query is refused before anything is sent
        result = self._execute()
        names = result.keys()  # the cursor's column names (iterating `result` reads rows)
        self.header = [str(name) for name in names]
        if not self.header:
            self.close()
            raise SourceError(f"{self.description}: the query returns no columns")
        try:
            self.columns = mapped_columns(
                self.description, self.header, aliases or {}, mappings or {}
            )
        except SourceError:
            self.close()
            raise

    @property
    def description(self) -> str:
        return f"sql {self._masked}: {' '.join(self.query.split())}"

    def fingerprint(self) -> str:
        text = f"{self._masked}\n{self.query.strip()}"
        return "sql:" + hashlib.sha256(text.encode()).hexdigest()

    def progress(self) -> float | None:
        return None  # a cursor does not say how many rows are coming

    def _safe(self, exc: BaseException) -> str:
        """One line about a database error, without the DSN's secrets."""
        original = getattr(exc, "orig", None) or exc
        lines = [line.strip() for line in str(original).splitlines() if line.strip()]
        message = lines[0] if lines else type(original).__name__
        for secret in self._secrets:
            message = message.replace(str(secret), "***")
        return message

    def _execute(self) -> CursorResult[Any]:
        from sqlalchemy import create_engine
        from sqlalchemy.exc import SQLAlchemyError
        from sqlalchemy.pool import NullPool

        self.close()
        try:
            self._engine = create_engine(self._url, poolclass=NullPool)
            self._connection = self._engine.connect()
            streaming = self._connection.execution_options(
                stream_results=True, yield_per=self.yield_per
            )
            self._result = streaming.exec_driver_sql(_as_driver_sql(self.query, self._engine))
        except (SQLAlchemyError, ImportError, OSError) as exc:
            self.close()
            raise SourceError(f"{self.description}: {self._safe(exc)}") from None
        if not self._result.returns_rows:
            self.close()
            raise SourceError(f"{self.description}: the statement returns no rows")
        return self._result

    def close(self) -> None:
        """Close the cursor and the connection (the query's transaction is rolled back).

        Closing a connection the server already dropped raises whatever the driver raises;
        there is nothing left to release then, and the loss itself was reported already.
        """
        result, connection, engine = self._result, self._connection, self._engine
        self._result = self._connection = self._engine = None
        for step in (
            result.close if result is not None else None,
            connection.close if connection is not None else None,
            engine.dispose if engine is not None else None,
        ):
            if step is not None:
                with contextlib.suppress(Exception):
                    step()

    def __iter__(self) -> Iterator[Record]:
        from sqlalchemy.exc import SQLAlchemyError

        # the result opened by __init__ on the first pass; the query again on any later one
        result = self._result if self._result is not None else self._execute()
        self._result = None
        columns = self.columns
        line = 0
        try:
            # fetchmany with an explicit size: `partitions()` may fetch everything left at once
            while partition := result.fetchmany(self.yield_per):
                for row in partition:
                    line += 1
                    yield row_record(line, columns, render_row(row))
        except SQLAlchemyError as exc:
            raise SourceLost(f"{self.description}: after row {line}: {self._safe(exc)}") from None
        finally:
            with contextlib.suppress(Exception):  # a dropped connection: see close()
                result.close()
            self.close()
