-- stream.sql — the activity stream for operators: posts with their
-- counters, a user's timeline, a context's posts and comments.
--
-- Views created in the session only (TEMP: the schema is the migrations'
-- business):
--   sqlite3 var/max.db -cmd '.read sql/stream.sql' -cmd '.mode box' \
--     "SELECT id, author, context_url, content FROM posts ORDER BY id DESC LIMIT 20"
--
-- A post is an activities row with verb 'post'; its actor, object and
-- context snapshot are the JSON the clients see. A comment is an activity
-- with verb 'comment' whose in_reply_to is the post; reply_deleted = 1 once
-- it was taken out of the post's replies (the comment activity stays).
-- visible = 0 for the posts of a deleted context. Like and flag dates keep
-- microseconds (the API shows them without).

CREATE TEMP VIEW IF NOT EXISTS posts AS
SELECT a.id,
       a.published,
       a.actor                                      AS author,   -- username, or context hash
       a.actor_kind,
       a.context_hash,
       json_extract(a.context_json, '$.url')        AS context_url,
       json_extract(a.object_json, '$.objectType')  AS object_type,
       json_extract(a.object_json, '$.content')     AS content,
       a.last_comment,
       (SELECT count(*) FROM activities c WHERE c.in_reply_to = a.id
          AND c.verb = 'comment' AND c.reply_deleted = 0) AS comments,
       a.likes_count                                AS likes,
       a.favorites_count                            AS favorites,
       CASE a.flag_state WHEN 1 THEN a.flagged END  AS flagged,
       a.visible,
       a.creator,
       a.owner,
       a.generator
FROM activities a
WHERE a.verb = 'post';

CREATE TEMP VIEW IF NOT EXISTS comments AS
SELECT c.id,
       c.published,
       c.actor                                      AS author,
       c.in_reply_to                                AS post_id,
       c.reply_context                              AS context_hash,
       json_extract(c.object_json, '$.content')     AS content,
       c.reply_deleted
FROM activities c
WHERE c.verb = 'comment';

-- Examples
--
-- A user's timeline (api.md 7.1): his own posts and those of the contexts
-- he may read, newest first (the API pages it with a faster plan):
--   SELECT id, published, author, context_url, content FROM posts
--   WHERE visible = 1 AND (author = 'alice' AND actor_kind = 'person'
--         OR context_hash IN (SELECT hash FROM subscriptions
--                             WHERE username = 'alice' AND perm_mask & 2))
--   ORDER BY id DESC LIMIT 20;
--
-- A context's posts, by URL, with their comments:
--   SELECT p.id, p.author, p.content, p.comments, p.likes FROM posts p
--   JOIN contexts x ON x.hash = p.context_hash
--   WHERE x.url = 'http://atenea.upc.edu' ORDER BY p.id DESC LIMIT 20;
--   SELECT c.post_id, c.author, c.content FROM comments c
--   JOIN contexts x ON x.hash = c.context_hash
--   WHERE x.url = 'http://atenea.upc.edu' AND c.reply_deleted = 0 ORDER BY c.id;
--
-- Who liked a post, in order:
--   SELECT username, liked_at FROM likes WHERE activity_id = '…' ORDER BY rowid;
--
-- Flagged (pinned) posts of a context:
--   SELECT id, flagged, content FROM posts WHERE context_hash = '…' AND flagged IS NOT NULL
--   ORDER BY flagged DESC;
--
-- Full-text search over posts and comments (what `q` does):
--   SELECT t.post_id, t.activity_id, t.text FROM stream_text t
--   WHERE t.id IN (SELECT rowid FROM stream_fts WHERE stream_fts MATCH '"creacio"');
--
-- Posts by hashtag, keyword:
--   SELECT p.id, p.content FROM posts p
--   WHERE p.id IN (SELECT activity_id FROM stream_hashtags WHERE hashtag = 'upc');
--   SELECT p.id, p.content FROM posts p
--   WHERE p.id IN (SELECT activity_id FROM stream_keywords WHERE keyword = 'examen');
