"""The SQLite database behind the sandbox: one connection, WAL, no fsync per commit.

`synchronous=NORMAL` in WAL mode keeps every commit atomic and durable across a process restart
(only an OS crash may lose the last commits), which is what an emulator needs and what lets it
serve thousands of writes per second.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

SCHEMA_VERSION = 1

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
    created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS contacts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, tenant_id TEXT NOT NULL,
    list_id TEXT NOT NULL, phone TEXT NOT NULL, first_name TEXT, last_name TEXT, email TEXT,
    attributes TEXT NOT NULL DEFAULT '{}', created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    writes INTEGER NOT NULL DEFAULT 0, UNIQUE (list_id, phone));
CREATE INDEX IF NOT EXISTS contacts_by_list ON contacts (list_id, seq);
CREATE TABLE IF NOT EXISTS import_jobs (
    id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, list_id TEXT NOT NULL, status TEXT NOT NULL,
    header TEXT NOT NULL, records BLOB NOT NULL, total INTEGER NOT NULL,
    next_index INTEGER NOT NULL DEFAULT 0, processed INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    completed_at TEXT);
CREATE TABLE IF NOT EXISTS import_row_errors (
    job_id TEXT NOT NULL, row INTEGER NOT NULL, field TEXT, code TEXT NOT NULL,
    message TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS import_row_errors_by_job ON import_row_errors (job_id, row);
CREATE TABLE IF NOT EXISTS campaigns (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, tenant_id TEXT NOT NULL,
    body TEXT NOT NULL, version INTEGER NOT NULL, created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS campaign_versions (
    campaign_id TEXT NOT NULL, version INTEGER NOT NULL, body TEXT NOT NULL, at TEXT NOT NULL,
    PRIMARY KEY (campaign_id, version));
CREATE TABLE IF NOT EXISTS suppressions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, tenant_id TEXT NOT NULL,
    phone TEXT NOT NULL, reason TEXT NOT NULL, expires_at TEXT, created_at TEXT NOT NULL,
    UNIQUE (tenant_id, phone));
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
    "idempotency",
)


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the database at `path` in WAL mode with the schema applied."""
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("PRAGMA temp_store=MEMORY")
    conn.execute("PRAGMA cache_size=-65536")
    conn.executescript(SCHEMA)
    conn.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)",
        (str(SCHEMA_VERSION),),
    )
    return conn
