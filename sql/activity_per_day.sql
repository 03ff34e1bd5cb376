-- activity_per_day.sql — how busy MAX is, one row per UTC day.
--
-- A view for operators, created in the session only (TEMP: the schema is
-- the migrations' business):
--   sqlite3 var/max.db -cmd '.read sql/activity_per_day.sql' -cmd '.mode box' \
--     "SELECT * FROM activity_per_day ORDER BY day DESC LIMIT 14"
--
-- posts, comments, likes and favorites count the activities of each verb
-- published that day (a like's activity stays after an unlike); messages
-- the conversation messages; authors the distinct people who posted,
-- commented or sent a message. Dates are the stored UTC texts, so the
-- first 10 characters are the day. A day without any row is absent.

CREATE TEMP VIEW IF NOT EXISTS activity_per_day AS
WITH events (day, kind, who) AS (
    SELECT substr(published, 1, 10), verb, iif(actor_kind = 'person', actor, NULL)
    FROM activities
    UNION ALL
    SELECT substr(published, 1, 10), 'message', actor FROM messages
)
SELECT day,
       sum(kind = 'post')                      AS posts,
       sum(kind = 'comment')                   AS comments,
       sum(kind = 'like')                      AS likes,
       sum(kind = 'favorite')                  AS favorites,
       sum(kind = 'message')                   AS messages,
       count(DISTINCT iif(kind IN ('post', 'comment', 'message'), who, NULL)) AS authors
FROM events
GROUP BY day;

-- Examples
--
-- The last two weeks:
--   SELECT * FROM activity_per_day ORDER BY day DESC LIMIT 14;
--
-- Per month:
--   SELECT substr(day, 1, 7) AS month, sum(posts), sum(comments), sum(messages)
--   FROM activity_per_day GROUP BY month ORDER BY month;
--
-- Posts per day in one context:
--   SELECT substr(published, 1, 10) AS day, count(*) FROM activities
--   WHERE verb = 'post' AND context_hash =
--         (SELECT hash FROM contexts WHERE url = 'http://atenea.upc.edu')
--   GROUP BY day ORDER BY day DESC;
