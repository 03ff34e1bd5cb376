-- 002_activities.sql — every activity (api.md 4.4–4.7): posts, comment
-- activities, subscribe, like/unlike, favorite/unfavorite, in one table.
-- The actor, object and context snapshot are kept as the JSON the clients
-- see (they are free-form documents); everything queried is a column.

CREATE TABLE activities (
    id              TEXT PRIMARY KEY,                 -- 24-hex ObjectId, sorts by creation
    verb            TEXT NOT NULL CHECK (verb IN ('post', 'comment', 'subscribe', 'like',
                                                  'unlike', 'favorite', 'unfavorite')),
    actor_kind      TEXT NOT NULL DEFAULT 'person' CHECK (actor_kind IN ('person', 'context')),
    actor           TEXT NOT NULL,                    -- username, or context hash
    actor_json      TEXT NOT NULL,                    -- {"objectType","username","displayName"} …
    object_type     TEXT NOT NULL,                    -- note image file comment context conversation activity
    object_json     TEXT NOT NULL,                    -- the object, private keys included
    context_hash    TEXT,                             -- first context; NULL when none
    context_json    TEXT,                             -- snapshot of that context (contexts[0])
    conversation_id TEXT,                             -- conversation subscribe activities
    in_reply_to     TEXT,                             -- comment activities: the post's id
    creator         TEXT NOT NULL,
    owner           TEXT NOT NULL,
    published       TEXT NOT NULL,
    generator       TEXT,
    visible         INTEGER NOT NULL DEFAULT 1,       -- 0 once its context is deleted (#41)
    keywords_json   TEXT NOT NULL DEFAULT '[]',
    -- post state (api.md 4.4)
    last_comment    TEXT,                             -- newest comment id, or the post's own id
    likes_count     INTEGER NOT NULL DEFAULT 0,
    last_like       TEXT,
    favorites_count INTEGER NOT NULL DEFAULT 0,
    flagged         TEXT,                             -- date while flagged
    flag_state      INTEGER NOT NULL DEFAULT 0        -- 0 never flagged, 1 flagged, 2 unflagged (null)
);
CREATE INDEX activities_context_posts ON activities(context_hash, id) WHERE verb = 'post';
CREATE INDEX activities_actor ON activities(actor, verb, id);
CREATE INDEX activities_verb ON activities(verb, id);
CREATE INDEX activities_reply ON activities(in_reply_to, id) WHERE in_reply_to IS NOT NULL;
CREATE INDEX activities_conversation ON activities(conversation_id, actor, id)
    WHERE conversation_id IS NOT NULL;
