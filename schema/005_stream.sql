-- 005_stream.sql — the activity stream's own state (api.md 4.4–4.7, 7):
-- which comment activities are a post's replies, likes, favourites, the
-- keyword and hashtag side tables the filters use, the full-text index,
-- and the indexes the listings scan.
--
-- A comment is one row of activities (verb 'comment', in_reply_to = the
-- post); it is part of the post's `replies` until it is deleted (#27),
-- after which the comment activity stays and only reply_deleted is set.
-- Like and flag dates carry microseconds ("…:SS.ffffffZ") so that sorting
-- by them is exact; they are rendered without the fraction.

ALTER TABLE activities ADD COLUMN reply_context TEXT;    -- comments: the post's first context hash
ALTER TABLE activities ADD COLUMN reply_deleted INTEGER NOT NULL DEFAULT 0; -- comments: removed from replies
-- posts: sha1 of (actor kind, actor, context, content), for the duplicate
-- guard of #14/#16 (the same post again within a minute)
ALTER TABLE activities ADD COLUMN dup_key TEXT;

CREATE TABLE likes (
    activity_id TEXT NOT NULL,
    username    TEXT NOT NULL,
    liked_at    TEXT NOT NULL,                      -- microseconds
    PRIMARY KEY (activity_id, username)             -- rowid order = order of the likes array
);
CREATE INDEX likes_username ON likes(username, activity_id);

CREATE TABLE favorites (
    activity_id  TEXT NOT NULL,
    username     TEXT NOT NULL,
    favorited_at TEXT NOT NULL,
    PRIMARY KEY (activity_id, username)
);
CREATE INDEX favorites_username ON favorites(username, activity_id);

-- What the keyword and hashtag filters match (api.md 1.11): for a post its
-- activity keywords (comments' included) and object hashtags; for a comment
-- activity its object's keywords and hashtags.
CREATE TABLE stream_keywords (
    keyword     TEXT NOT NULL,
    activity_id TEXT NOT NULL,
    PRIMARY KEY (keyword, activity_id)
) WITHOUT ROWID;
CREATE INDEX stream_keywords_activity ON stream_keywords(activity_id);

CREATE TABLE stream_hashtags (
    hashtag     TEXT NOT NULL,
    activity_id TEXT NOT NULL,
    PRIMARY KEY (hashtag, activity_id)
) WITHOUT ROWID;
CREATE INDEX stream_hashtags_activity ON stream_hashtags(activity_id);

-- Full-text search (the `q` parameter): the plain text of every post and
-- comment; post_id is the post a text belongs to (the post itself, or the
-- post a comment is a reply of; NULL once the comment left the replies).
CREATE TABLE stream_text (
    id          INTEGER PRIMARY KEY,
    activity_id TEXT NOT NULL UNIQUE,
    post_id     TEXT,
    text        TEXT NOT NULL
);
CREATE INDEX stream_text_post ON stream_text(post_id);
CREATE VIRTUAL TABLE stream_fts USING fts5(text, content = 'stream_text', content_rowid = 'id',
                                            tokenize = 'unicode61 remove_diacritics 2');
CREATE TRIGGER stream_text_ai AFTER INSERT ON stream_text BEGIN
    INSERT INTO stream_fts (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER stream_text_ad AFTER DELETE ON stream_text BEGIN
    INSERT INTO stream_fts (stream_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER stream_text_au AFTER UPDATE OF text ON stream_text BEGIN
    INSERT INTO stream_fts (stream_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO stream_fts (rowid, text) VALUES (new.id, new.text);
END;

-- Listings (api.md 7): per-context post scans in either first sort key, the
-- liked and flagged parts of the composite orders, context comments.
CREATE INDEX activities_ctx_posts_id ON activities(context_hash, visible, id)
    WHERE verb = 'post';
CREATE INDEX activities_ctx_posts_lastc ON activities(context_hash, visible, last_comment)
    WHERE verb = 'post';
CREATE INDEX activities_ctx_liked ON activities(context_hash, likes_count)
    WHERE verb = 'post' AND likes_count > 0;
CREATE INDEX activities_ctx_flagged ON activities(context_hash, flagged)
    WHERE verb = 'post' AND flag_state = 1;
CREATE INDEX activities_reply_ctx ON activities(reply_context, id)
    WHERE verb = 'comment';
CREATE INDEX activities_actor_posts_lastc ON activities(actor, last_comment)
    WHERE verb = 'post';
CREATE INDEX activities_dup ON activities(dup_key, published) WHERE dup_key IS NOT NULL;
