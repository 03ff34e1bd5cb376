-- 001_foundation.sql — people, roles, OAuth tokens, local passwords,
-- the exceptions log and the transactional outbox.
-- Timestamps are ISO-8601 UTC text ("2026-11-28T03:15:12Z"); ids are the
-- 24-hex ObjectIds the clients know, so they sort in creation order.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE people (
    username         TEXT PRIMARY KEY,            -- lower-case, immutable
    id               TEXT NOT NULL UNIQUE,        -- 24 hex
    display_name     TEXT NOT NULL,
    twitter_username TEXT,                        -- lower-case, without '@'
    creator          TEXT NOT NULL,
    published        TEXT NOT NULL,
    last_login       TEXT NOT NULL
);
CREATE INDEX people_published ON people(published);

-- Global roles (api.md 1.5); the user need not exist.
CREATE TABLE roles (
    role     TEXT NOT NULL CHECK (role IN ('Manager', 'NonVisible')),
    username TEXT NOT NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (role, username)
);
CREATE INDEX roles_username ON roles(username);

-- OAuth tokens: only the SHA-256 of the token is stored.
CREATE TABLE oauth_tokens (
    token_hash   TEXT PRIMARY KEY,                -- hex sha256
    username     TEXT NOT NULL,
    scope        TEXT,
    issued_at    TEXT NOT NULL,
    expires_at   TEXT,                            -- NULL = never
    last_used_at TEXT,
    client       TEXT
);
CREATE INDEX oauth_tokens_username ON oauth_tokens(username);
CREATE INDEX oauth_tokens_expires ON oauth_tokens(expires_at) WHERE expires_at IS NOT NULL;

-- Local credential store: scrypt hashes in libscrypt's MCF text form.
CREATE TABLE local_passwords (
    username   TEXT PRIMARY KEY,
    hash       TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Every 500, with the request that caused it (tokens masked).
CREATE TABLE exceptions (
    id        TEXT PRIMARY KEY,                   -- sha1 of the report
    date      TEXT NOT NULL,
    request   TEXT NOT NULL,
    traceback TEXT NOT NULL
);
CREATE INDEX exceptions_date ON exceptions(date);

-- Transactional outbox (doc/messaging.md 2.5):
-- written in the same transaction as the change it reports, published by
-- max-bridge in id order, deleted only after RabbitMQ confirmed it.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at  TEXT NOT NULL,
    op          TEXT NOT NULL CHECK (op IN ('publish', 'declare_user', 'bind', 'unbind', 'delete_user')),
    exchange    TEXT NOT NULL DEFAULT '',         -- publish: exchange; bind/unbind: source
    destination TEXT NOT NULL DEFAULT '',         -- bind/unbind: destination exchange; declare/delete: user
    routing_key TEXT NOT NULL DEFAULT '',
    body        TEXT,                             -- publish: packed MaxCarrot JSON (or plain text)
    attempts    INTEGER NOT NULL DEFAULT 0
);

-- The security settings document's id (GET /admin/security), an ObjectId
-- made of the creation time and random bytes.
INSERT INTO meta (key, value)
VALUES ('security_id', printf('%08x', CAST(strftime('%s', 'now') AS INTEGER)) || lower(hex(randomblob(8))));
