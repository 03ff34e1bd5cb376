-- 014_post_future.sql — the latest date of the posts written ahead of their time.
--
-- The duplicate guard (model/dupguard.c) answers "no earlier post to
-- repeat" from memory: it knows the posts written since it began, and a
-- post is written at most a minute before the date it is published (a
-- client's clock may run a little ahead). A post backdated by its client
-- is written later, so it is known too. A post dated further ahead is not:
-- written an hour ago for tomorrow, it may be repeated tomorrow.
-- post_future keeps the latest such date, and while a new post's window
-- (published - 60 s, api.md #14) begins before it, the guard asks the
-- full-text index instead. The minute is FUTURE_S in dupguard.c.
--
-- The trigger writes only for a post dated over a minute ahead, so an
-- ordinary post writes no page more. The row is never lowered: a deleted
-- future post only sends the guard to the index until its date has passed.
CREATE TABLE post_future (
    one       INTEGER PRIMARY KEY CHECK (one = 1),
    published TEXT NOT NULL
);

-- The posts already there: when each was written is not known, so every
-- one dated after five minutes ago counts (the guard's window never
-- reaches back that far); the guard then asks the index for a minute or two.
INSERT INTO post_future (one, published)
    SELECT 1, max(published) FROM activities
    WHERE verb = 'post' AND published > strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-300 seconds')
    HAVING max(published) IS NOT NULL;

CREATE TRIGGER post_future_ai AFTER INSERT ON activities
WHEN NEW.verb = 'post' AND NEW.published > strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '+60 seconds')
BEGIN
    INSERT INTO post_future (one, published) VALUES (1, NEW.published)
    ON CONFLICT (one) DO UPDATE SET published = max(published, excluded.published);
END;

CREATE TRIGGER post_future_au AFTER UPDATE OF published, verb ON activities
WHEN NEW.verb = 'post' AND NEW.published > strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '+60 seconds')
BEGIN
    INSERT INTO post_future (one, published) VALUES (1, NEW.published)
    ON CONFLICT (one) DO UPDATE SET published = max(published, excluded.published);
END;
