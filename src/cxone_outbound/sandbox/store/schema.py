"""The SQLite database behind the sandbox: one connection, WAL, no fsync per commit.

`synchronous=NORMAL` in WAL mode keeps every commit atomic and durable across a process restart
(only an OS crash may lose the last commits), which is what an emulator needs and what lets it
serve thousands of writes per second.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from cxone_outbound.private_files import private_sqlite
from cxone_outbound.sandbox.store import contact_ids

SCHEMA_VERSION = 2

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tenants (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, default_list_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS clients (
    client_id TEXT PRIMARY KEY, secret TEXT NOT NULL, tenant_id TEXT NOT NULL,
    scopes TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY, client_id TEXT NOT NULL, tenant_id TEXT NOT NULL,
    scopes TEXT NOT NULL, expires_at REAL NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS lists (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, tenant_id TEXT NOT NULL,
    name TEXT NOT NULL, schema TEXT NOT NULL, is_default INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL, mapping TEXT);
CREATE TABLE IF NOT EXISTS contacts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, tenant_id TEXT NOT NULL,
    list_id TEXT NOT NULL, phone TEXT NOT NULL, first_name TEXT, last_name TEXT, email TEXT,
    attributes TEXT NOT NULL DEFAULT '{}', created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    writes INTEGER NOT NULL DEFAULT 0, external_id TEXT, UNIQUE (list_id, phone));
CREATE INDEX IF NOT EXISTS contacts_by_list ON contacts (list_id, seq);
CREATE INDEX IF NOT EXISTS contacts_by_external_id ON contacts (list_id, external_id);
CREATE TABLE IF NOT EXISTS import_jobs (
    id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, list_id TEXT NOT NULL, status TEXT NOT NULL,
    header TEXT NOT NULL, records BLOB NOT NULL, total INTEGER NOT NULL,
    next_index INTEGER NOT NULL DEFAULT 0, processed INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    completed_at TEXT, kind TEXT NOT NULL DEFAULT 'v2', options TEXT NOT NULL DEFAULT '{}');
CREATE TABLE IF NOT EXISTS import_row_errors (
    job_id TEXT NOT NULL, row INTEGER NOT NULL, field TEXT, code TEXT NOT NULL,
    message TEXT NOT NULL, external_id TEXT);
CREATE INDEX IF NOT EXISTS import_row_errors_by_job ON import_row_errors (job_id, row);
CREATE TABLE IF NOT EXISTS campaigns (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, tenant_id TEXT NOT NULL,
    body TEXT NOT NULL, version INTEGER NOT NULL, created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS campaign_versions (
    campaign_id TEXT NOT NULL, version INTEGER NOT NULL, body TEXT NOT NULL, at TEXT NOT NULL,
    PRIMARY KEY (campaign_id, version));
CREATE TABLE IF NOT EXISTS dnc_groups (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, tenant_id TEXT NOT NULL, name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '', is_active INTEGER NOT NULL DEFAULT 1,
    is_default INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS suppressions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, tenant_id TEXT NOT NULL,
    phone TEXT NOT NULL, reason TEXT NOT NULL, expires_at TEXT, created_at TEXT NOT NULL,
    group_id INTEGER NOT NULL, UNIQUE (group_id, phone));
CREATE INDEX IF NOT EXISTS suppressions_by_group ON suppressions (group_id, seq);
CREATE TABLE IF NOT EXISTS access_keys (
    key_id TEXT PRIMARY KEY, secret TEXT NOT NULL, tenant_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS refresh_tokens (
    token TEXT PRIMARY KEY, key_id TEXT NOT NULL, client_id TEXT NOT NULL,
    expires_at REAL NOT NULL, used INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS webhooks (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, tenant_id TEXT NOT NULL,
    name TEXT NOT NULL, url TEXT NOT NULL, events TEXT NOT NULL, method TEXT NOT NULL,
    enabled INTEGER NOT NULL, max_retries INTEGER NOT NULL, backoff_ms INTEGER NOT NULL,
    secret TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS deliveries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, webhook_id TEXT NOT NULL, tenant_id TEXT NOT NULL,
    event_id TEXT NOT NULL, event TEXT NOT NULL, attempt INTEGER NOT NULL, status INTEGER,
    error TEXT, delivered INTEGER NOT NULL, at TEXT NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS refreshes (
    id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, list_id TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS idempotency (
    tenant_id TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL, headers TEXT NOT NULL, body BLOB NOT NULL, created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, key));
"""

DATA_TABLES = (
    "tenants", "clients", "tokens", "lists", "contacts", "import_jobs", "import_row_errors",
    "campaigns", "campaign_versions", "suppressions", "webhooks", "deliveries", "refreshes",
    "idempotency", "dnc_groups", "access_keys", "refresh_tokens",
)


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the database at `path` in WAL mode with the schema applied.

    The file is made 0600 first (its -wal and -shm files copy the mode): it holds client
    secrets, tokens and personal data.
    """
    private_sqlite(path)
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("PRAGMA temp_store=MEMORY")
    conn.execute("PRAGMA cache_size=-65536")
    _migrate_v1(conn)
    fresh = not _columns(conn, "contacts")
    conn.executescript(SCHEMA)
    if fresh:  # ids found by seq, no id index (contact_ids.py); an older database keeps its own
        conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)",
                     (contact_ids.KEY_NAME, contact_ids.ContactIds.new_key()))
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                 (str(SCHEMA_VERSION),))
    return conn


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


def _migrate_v1(conn: sqlite3.Connection) -> None:
    """Bring a version-1 database (before the admin dialect) to version 2, keeping its data."""
    if "seq" not in _columns(conn, "suppressions") or "group_id" in _columns(
            conn, "suppressions"):
        return  # a new database, or already migrated
    conn.executescript("""
        BEGIN;
        ALTER TABLE lists ADD COLUMN mapping TEXT;
        ALTER TABLE contacts ADD COLUMN external_id TEXT;
        ALTER TABLE import_jobs ADD COLUMN kind TEXT NOT NULL DEFAULT 'v2';
        ALTER TABLE import_jobs ADD COLUMN options TEXT NOT NULL DEFAULT '{}';
        ALTER TABLE import_row_errors ADD COLUMN external_id TEXT;
        ALTER TABLE suppressions RENAME TO suppressions_v1;
        COMMIT;
    """)
    conn.executescript(SCHEMA)
    conn.executescript("""
        BEGIN;
        INSERT INTO dnc_groups (tenant_id, name, is_default, created_at)
            SELECT id, 'Default DNC group', 1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM tenants;
        INSERT INTO suppressions (seq, id, tenant_id, phone, reason, expires_at, created_at,
                                  group_id)
            SELECT s.seq, s.id, s.tenant_id, s.phone, s.reason, s.expires_at, s.created_at,
                   (SELECT g.seq FROM dnc_groups g WHERE g.tenant_id = s.tenant_id
                    AND g.is_default = 1)
            FROM suppressions_v1 s;
        DROP TABLE suppressions_v1;
        COMMIT;
    """)
