-- 004_conversations.sql — private messaging (api.md 4.8–4.10, 5.8, 5.9,
-- api.md 8): conversations, their participants and subscriptions ("members"),
-- messages and push device tokens.
--
-- participants ≠ members: a 2-person conversation keeps both participants
-- when one side leaves (tag single), but only the other one stays a member.
-- Listing a user's conversations newest-message-first reads one index
-- (conversation_members_by_user), never the messages table; the newest
-- message of a conversation is one primary-key lookup (last_message_id).

CREATE TABLE conversations (
    id                     TEXT PRIMARY KEY,          -- 24-hex ObjectId
    display_name           TEXT NOT NULL,             -- stored name (api.md 8.4 shows the partner's for 1:1)
    permissions_json       TEXT NOT NULL,             -- policy dict, {"read":"subscribed",…}
    creator                TEXT NOT NULL,
    owner                  TEXT NOT NULL,
    published              TEXT NOT NULL,
    tag_group              INTEGER NOT NULL DEFAULT 0, -- tags (api.md 8.3), shown in this order
    tag_single             INTEGER NOT NULL DEFAULT 0,
    tag_archive            INTEGER NOT NULL DEFAULT 0,
    last_message_id        TEXT,                      -- newest message, NULL before the first
    last_message_published TEXT,                      -- its published (microsecond text)
    pair_key               TEXT                       -- "a b" (sorted) of a non-group 1:1, for api.md 8.1 reuse
);
CREATE INDEX conversations_pair ON conversations(pair_key) WHERE pair_key IS NOT NULL;

-- The ordered participants list (api.md 4.8 participants[]); display_name follows
-- the person's displayName (hook_person_renamed) and is kept after the
-- person is deleted.
CREATE TABLE conversation_participants (
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    username        TEXT NOT NULL,
    display_name    TEXT NOT NULL,
    position        INTEGER NOT NULL,                 -- append order
    PRIMARY KEY (conversation_id, username)
) WITHOUT ROWID;
CREATE INDEX conversation_participants_user ON conversation_participants(username);

-- Subscriptions to conversations (a user's talkingIn): the permission list
-- in its order (api.md 4.3, api.md 6.3), the persistent grants/vetos (NULL until the
-- first grant or revoke touched them), a bit mask of the list for checks,
-- and a copy of the conversation's last_message_published so that
-- GET /conversations walks members_by_user in order.
CREATE TABLE conversation_members (
    conversation_id  TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    username         TEXT NOT NULL,
    permissions_json TEXT NOT NULL,                   -- ["read","write","unsubscribe"]
    perm_mask        INTEGER NOT NULL,                -- bit per permission (conversations.h)
    grants_json      TEXT,                            -- ["invite"] or NULL
    vetos_json       TEXT,
    subscribed_at    TEXT NOT NULL,
    last_published   TEXT NOT NULL DEFAULT '',        -- = conversations.last_message_published
    PRIMARY KEY (conversation_id, username)
) WITHOUT ROWID;
CREATE INDEX conversation_members_by_user
    ON conversation_members(username, last_published, conversation_id);

-- Messages (api.md 4.9): kept out of the activities table. object_json holds the
-- object with its private keys (keywords, hashtags); the conversation
-- snapshot of contexts[0] is the conversation's current stored name, read
-- at render time (a rename updates every message in the original).
CREATE TABLE messages (
    id              TEXT PRIMARY KEY,                 -- 24-hex ObjectId, sorts by creation
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    actor           TEXT NOT NULL,                    -- username
    actor_display   TEXT NOT NULL,                    -- displayName at posting time
    object_type     TEXT NOT NULL CHECK (object_type IN ('note', 'image', 'file')),
    object_json     TEXT NOT NULL,
    creator         TEXT NOT NULL,
    owner           TEXT NOT NULL,
    published       TEXT NOT NULL,                    -- YYYY-MM-DDTHH:MM:SS.ffffffZ
    generator       TEXT
);
CREATE INDEX messages_conversation ON messages(conversation_id, id);
CREATE INDEX messages_actor ON messages(actor, id);

-- Push device tokens (api.md 4.10): a token string belongs to one user.
CREATE TABLE device_tokens (
    id        TEXT PRIMARY KEY,                       -- 24-hex ObjectId
    token     TEXT NOT NULL UNIQUE,
    platform  TEXT NOT NULL CHECK (platform IN ('ios', 'android')),
    device    TEXT,
    owner     TEXT NOT NULL,
    creator   TEXT NOT NULL,
    published TEXT NOT NULL
);
CREATE INDEX device_tokens_owner ON device_tokens(owner, platform, id);
