-- 009_stream_compact.sql — a post writes what it must and no more.
--
-- Before, one ordinary post touched 20 B-trees (~39 WAL pages): a row per
-- keyword and hashtag in two tables with two indexes each, a text row with
-- two indexes, the full-text index, and nine indexes on activities, three
-- of them the same (context, id). Now:
--   * activities gets an INTEGER PRIMARY KEY (rid): the full-text index
--     refers to rows by it, and no VACUUM may renumber it;
--   * one full-text index serves `q`, keyword and hashtag filters: the
--     text column holds the plain text; the terms column one token per
--     keyword ('k' + hex of its UTF-8), hashtag ('h' + hex) and, for a
--     comment, word it brings to its post ('p' + hex: its author's words).
--     Hex makes a token match exactly one word, whatever the tokenizer. A
--     post matches a keyword by its own tokens or a live reply's (a
--     hashtag: any reply's, removed or not, as the post keeps it), so a
--     comment never rewrites its post's index entry. The index is
--     contentless: the tokens are computed from what never changes in a
--     row (content, actor) and removed with the same values;
--   * the three (context, id) indexes become one, which also serves the
--     context family's updates by context; lastComment indexes hold only
--     the posts that have comments (last_comment NULL means "the post
--     itself"); keywords_json is NULL while it is what the post's object
--     and actor give (its object keywords and its author's words);
--   * the duplicate guard finds the posts with the same actor and content
--     through a token of the full-text index ('d' + hex, see store.c), not
--     through a key column and an index of its own;
--   * the ids index is a named unique index: the global listing of posts
--     walks it (the other activities are few beside the posts), and only
--     comments have an index of their own by id.

CREATE TABLE activities_new (
    rid             INTEGER PRIMARY KEY,
    id              TEXT NOT NULL,                    -- 24-hex ObjectId, sorts by creation
    verb            TEXT NOT NULL CHECK (verb IN ('post', 'comment', 'subscribe', 'like',
                                                  'unlike', 'favorite', 'unfavorite')),
    actor_kind      TEXT NOT NULL DEFAULT 'person' CHECK (actor_kind IN ('person', 'context')),
    actor           TEXT NOT NULL,                    -- username, or context hash
    actor_json      TEXT NOT NULL,
    object_type     TEXT NOT NULL,
    object_json     TEXT NOT NULL,
    context_hash    TEXT,
    context_json    TEXT,
    conversation_id TEXT,
    in_reply_to     TEXT,
    creator         TEXT NOT NULL,
    owner           TEXT NOT NULL,
    published       TEXT NOT NULL,
    generator       TEXT,
    visible         INTEGER NOT NULL DEFAULT 1,
    keywords_json   TEXT DEFAULT '[]',                -- posts: NULL = object keywords + author words
    last_comment    TEXT,                             -- posts: newest live reply, NULL = none
    likes_count     INTEGER NOT NULL DEFAULT 0,
    last_like       TEXT,
    favorites_count INTEGER NOT NULL DEFAULT 0,
    flagged         TEXT,
    flag_state      INTEGER NOT NULL DEFAULT 0,
    reply_context   TEXT,
    reply_deleted   INTEGER NOT NULL DEFAULT 0
);
INSERT INTO activities_new (id, verb, actor_kind, actor, actor_json, object_type, object_json,
                            context_hash, context_json, conversation_id, in_reply_to, creator,
                            owner, published, generator, visible, keywords_json, last_comment,
                            likes_count, last_like, favorites_count, flagged, flag_state,
                            reply_context, reply_deleted)
    SELECT id, verb, actor_kind, actor, actor_json, object_type, object_json, context_hash,
           context_json, conversation_id, in_reply_to, creator, owner, published, generator,
           visible, keywords_json, NULLIF(last_comment, id), likes_count, last_like,
           favorites_count, flagged, flag_state, reply_context, reply_deleted
    FROM activities ORDER BY id;

DROP TABLE activities;
ALTER TABLE activities_new RENAME TO activities;

DROP TRIGGER stream_text_ai;
DROP TRIGGER stream_text_ad;
DROP TRIGGER stream_text_au;
DROP TABLE stream_fts;
DROP TABLE stream_text;
DROP TABLE stream_keywords;
DROP TABLE stream_hashtags;

CREATE VIRTUAL TABLE stream_fts USING fts5(text, terms, content = '', columnsize = 0,
                                            tokenize = 'unicode61 remove_diacritics 2');
-- merged in the background (schema 006, store_fts_merge_step)
INSERT INTO stream_fts (stream_fts, rank) VALUES ('automerge', 0);
-- max_fts_text and max_fts_terms: store.c (the same functions add and
-- remove entries at run time)
INSERT INTO stream_fts (rowid, text, terms)
    SELECT rid, max_fts_text(json_extract(object_json, '$.content')),
           max_fts_terms(verb, object_json, actor_kind, actor_json)
    FROM activities WHERE verb IN ('post', 'comment');

-- one (context, verb, visible, id) index for listings and the context
-- family's updates; last_comment rides along so that the "no comment yet"
-- half of the comments order is read from it
CREATE UNIQUE INDEX activities_id ON activities(id);
CREATE INDEX activities_ctx ON activities(context_hash, verb, visible, id, last_comment)
    WHERE context_hash IS NOT NULL;
CREATE INDEX activities_ctx_lastc ON activities(context_hash, visible, last_comment)
    WHERE verb = 'post' AND last_comment IS NOT NULL;
CREATE INDEX activities_actor ON activities(actor, verb, id, last_comment);
CREATE INDEX activities_actor_lastc ON activities(actor, last_comment)
    WHERE verb = 'post' AND last_comment IS NOT NULL;
CREATE INDEX activities_comments ON activities(id) WHERE verb = 'comment';
CREATE INDEX activities_reply ON activities(in_reply_to, id) WHERE in_reply_to IS NOT NULL;
CREATE INDEX activities_reply_ctx ON activities(reply_context, id) WHERE verb = 'comment';
CREATE INDEX activities_conversation ON activities(conversation_id, actor, id)
    WHERE conversation_id IS NOT NULL;
CREATE INDEX activities_ctx_liked ON activities(context_hash, likes_count)
    WHERE verb = 'post' AND likes_count > 0;
CREATE INDEX activities_ctx_flagged ON activities(context_hash, flagged)
    WHERE verb = 'post' AND flag_state = 1;

-- compat: until the families are merged. The old side tables as empty
-- views, for the readers outside the stream (maxctl's orphan counts); an
-- insert of search text outside any activity still reaches the index
-- (under a negative rowid, which no activity has).
CREATE VIEW stream_keywords (keyword, activity_id) AS SELECT NULL, NULL WHERE 0;
CREATE VIEW stream_hashtags (hashtag, activity_id) AS SELECT NULL, NULL WHERE 0;
CREATE VIEW stream_text (activity_id, post_id, text) AS SELECT NULL, NULL, NULL WHERE 0;
CREATE TRIGGER stream_text_insert INSTEAD OF INSERT ON stream_text BEGIN
    INSERT INTO stream_fts (rowid, text, terms)
        VALUES (-1 - (random() & 0xffffffffffff), new.text, '');
END;
