-- 010_ldap_sync.sql — what max-ldap-sync manages. A person it created or
-- adopted is marked here, so people made through the API or maxctl are
-- never touched; a subscription it made for a group mapping is recorded,
-- so it removes only its own subscriptions and never a manual one. Both
-- marks go with the row they mark (a person deleted through the API, an
-- unsubscription, a deleted context) and follow a context's new hash.

CREATE TABLE ldap_people (
    username      TEXT PRIMARY KEY REFERENCES people(username) ON DELETE CASCADE,
    marked_at     TEXT NOT NULL,
    missing_since TEXT                             -- NULL while in the directory
) WITHOUT ROWID;

CREATE TABLE ldap_subscriptions (
    username   TEXT NOT NULL,
    hash       TEXT NOT NULL,
    group_name TEXT NOT NULL,                       -- the first mapped group that reached him
    created_at TEXT NOT NULL,
    PRIMARY KEY (username, hash),
    FOREIGN KEY (username, hash) REFERENCES subscriptions(username, hash)
        ON DELETE CASCADE ON UPDATE CASCADE
) WITHOUT ROWID;
CREATE INDEX ldap_subscriptions_hash ON ldap_subscriptions(hash);
