-- 003_contexts.sql — contexts, subscriptions and push opt-outs (api.md
-- api.md 4.2, api.md 4.3, endpoints.md, endpoints.md, api.md 6).
--
-- A context is keyed by the sha1 of its URL. A subscription row holds the
-- user's effective permission list (in the canonical order of api.md 4.3, then
-- grants) and, once a grant/revoke/reset happened, the persistent grants
-- and vetos; perm_mask is the same list as bits for SQL filters:
-- invite=1 read=2 write=4 subscribe=8 flag=16 unsubscribe=32 kick=64
-- delete=128. The subscription's JSON is rendered from the live context
-- row, so nothing here copies the context. Operator views: sql/.

CREATE TABLE contexts (
    hash               TEXT PRIMARY KEY,          -- sha1(url), 40 lower-case hex
    id                 TEXT NOT NULL UNIQUE,      -- 24-hex ObjectId, sorts by creation
    url                TEXT NOT NULL UNIQUE,      -- an absolute URI, as given
    display_name       TEXT NOT NULL,             -- defaults to url
    permissions_json   TEXT NOT NULL              -- the policy dict as given, e.g.
                       CHECK (json_valid(permissions_json)),  -- {"read":"public","write":"subscribed"}
    tags_json          TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags_json)),
    notifications_json TEXT NOT NULL DEFAULT 'false'
                       CHECK (notifications_json IN ('false', 'true', '"posts"', '"comments"')),
    owner              TEXT NOT NULL,             -- username (may modify, delete, manage)
    creator            TEXT NOT NULL,             -- authenticated user who created it
    published          TEXT NOT NULL,
    twitter_hashtag    TEXT,                      -- lower-case, without '#'
    twitter_username   TEXT,                      -- lower-case, without '@'
    upload_url         TEXT                       -- external file store (api.md 9.2)
);
CREATE INDEX contexts_owner ON contexts(owner);

CREATE TABLE subscriptions (
    username         TEXT NOT NULL REFERENCES people(username) ON DELETE CASCADE,
    hash             TEXT NOT NULL REFERENCES contexts(hash) ON DELETE CASCADE ON UPDATE CASCADE,
    id               TEXT NOT NULL,               -- ObjectId of the subscription (its order)
    user_id          TEXT NOT NULL,               -- people.id: "newest user first" listings
    subscribed_at    TEXT NOT NULL,
    permissions_json TEXT NOT NULL,               -- effective list, e.g. ["read","write"]
    perm_mask        INTEGER NOT NULL,            -- the same list as bits
    grants_json      TEXT,                        -- "_grants"; NULL until a grant/revoke/reset
    vetos_json       TEXT,                        -- "_vetos";  NULL likewise
    PRIMARY KEY (username, hash)
) WITHOUT ROWID;
CREATE INDEX subscriptions_hash_id ON subscriptions(hash, id);
CREATE INDEX subscriptions_hash_user ON subscriptions(hash, user_id);

-- Push opt-outs (#55): the user keeps the subscription but gets no mobile
-- push for the context. Entries outlive a deleted context (endpoints.md #41), so
-- they keep the snapshot shown in unsubscribedToPush and have no foreign
-- key to contexts.
CREATE TABLE push_optouts (
    username      TEXT NOT NULL REFERENCES people(username) ON DELETE CASCADE,
    hash          TEXT NOT NULL,
    id            TEXT NOT NULL,                  -- ObjectId: the person's list order
    user_id       TEXT NOT NULL,                  -- people.id: "newest user first"
    snapshot_json TEXT NOT NULL,                  -- the api.md 4.3 entry shown to clients
    PRIMARY KEY (username, hash)
) WITHOUT ROWID;
CREATE INDEX push_optouts_hash_user ON push_optouts(hash, user_id);

-- Every activity of a context (posts and subscribe activities), for the
-- snapshot updates when a context's url, displayName or tags change.
CREATE INDEX activities_context ON activities(context_hash) WHERE context_hash IS NOT NULL;
