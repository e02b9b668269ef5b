-- The sandbox database as version 1 wrote it (before the admin dialect), with a little data:
-- tests/sandbox/test_db_migration.py opens it with today's code.
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
INSERT INTO meta VALUES ('schema_version', '1');
INSERT INTO tenants VALUES ('demo', 'Demo tenant', 'list-default');
INSERT INTO clients VALUES ('demo-client', 'demo-secret', 'demo', 'contacts:read contacts:write');
INSERT INTO lists (id, tenant_id, name, schema, is_default, created_at)
    VALUES ('list-default', 'demo', 'Default list', '[{"name": "tier", "type": "string"}]', 1, '2026-01-05T10:00:00Z');
INSERT INTO contacts (id, tenant_id, list_id, phone, first_name, last_name, email, attributes,
                      created_at, updated_at, writes)
    VALUES ('c-1', 'demo', 'list-default', '+15551230001', 'Ada', 'Lovelace', NULL,
            '{"tier": "gold"}', '2026-01-05T10:00:00Z', '2026-01-05T10:00:00Z', 1);
INSERT INTO suppressions (id, tenant_id, phone, reason, expires_at, created_at)
    VALUES ('s-1', 'demo', '+15551230001', 'asked not to be called', NULL, '2026-01-06T09:00:00Z');
INSERT INTO suppressions (id, tenant_id, phone, reason, expires_at, created_at)
    VALUES ('s-2', 'demo', '+15551230002', 'legal hold', '2027-01-01T00:00:00Z',
            '2026-01-06T09:05:00Z');
INSERT INTO import_jobs (id, tenant_id, list_id, status, header, records, total, created_at,
                         updated_at) VALUES ('job-1', 'demo', 'list-default', 'COMPLETED', '[]',
                         X'', 0, '2026-01-05T10:00:00Z', '2026-01-05T10:00:00Z');
