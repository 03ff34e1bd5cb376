-- 014_post_unseen.sql — the latest date of the posts the duplicate guard
-- cannot know as they are.
--
-- The duplicate guard (model/dupguard.c) answers "no earlier post to
-- repeat" from memory: it knows the posts written since it began, as they
-- were written, and a post is written at most a minute before the date it
-- is published (a client's clock may run a little ahead). A post
-- backdated by its client is written later, so it is known too. Two kinds
-- are not:
--   * a post dated further ahead: written an hour ago for tomorrow, it may
--     be repeated tomorrow;
--   * a post whose actor, context or content changed after it was written
--     (a context renamed: its posts get the new hash).
-- post_unseen keeps the latest date of those, and while a new post's
-- window (published - 60 s, api.md #14) begins before it, the guard asks
-- the full-text index instead. The minute is FUTURE_S in dupguard.c.
--
-- The triggers write nothing for an ordinary post, so it writes no page
-- more. The row is never lowered: a deleted post only sends the guard to
-- the index until its date has passed.
CREATE TABLE post_unseen (
    one       INTEGER PRIMARY KEY CHECK (one = 1),
    published TEXT NOT NULL
);

-- The posts already there: when each was written is not known, so every
-- one dated after five minutes ago counts (the guard's window never
-- reaches back that far); the guard then asks the index for a minute or two.
INSERT INTO post_unseen (one, published)
    SELECT 1, max(published) FROM activities
    WHERE verb = 'post' AND published > strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-300 seconds')
    HAVING max(published) IS NOT NULL;

CREATE TRIGGER post_unseen_ai AFTER INSERT ON activities
WHEN NEW.verb = 'post' AND NEW.published > strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '+60 seconds')
BEGIN
    INSERT INTO post_unseen (one, published) VALUES (1, NEW.published)
    ON CONFLICT (one) DO UPDATE SET published = max(published, excluded.published);
END;

-- a post changed in what the guard compares (its date included), if its
-- date is recent enough to matter
CREATE TRIGGER post_unseen_au
AFTER UPDATE OF published, verb, actor_kind, actor, context_hash, object_json ON activities
WHEN NEW.verb = 'post'
 AND NEW.published > strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-300 seconds')
 AND (NEW.published IS NOT OLD.published OR NEW.verb IS NOT OLD.verb
      OR NEW.actor_kind IS NOT OLD.actor_kind OR NEW.actor IS NOT OLD.actor
      OR NEW.context_hash IS NOT OLD.context_hash
      OR json_extract(NEW.object_json, '$.content') IS NOT
         json_extract(OLD.object_json, '$.content'))
BEGIN
    INSERT INTO post_unseen (one, published) VALUES (1, NEW.published)
    ON CONFLICT (one) DO UPDATE SET published = max(published, excluded.published);
END;
