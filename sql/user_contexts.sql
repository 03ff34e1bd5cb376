-- user_contexts.sql — the contexts of each user, as his subscribedTo list.
--
-- A view for operators, created in the session only (TEMP):
--   sqlite3 var/max.db -cmd '.read sql/user_contexts.sql' -cmd '.mode box' \
--     "SELECT url, permissions FROM user_contexts WHERE username = 'messi'"
--
-- One row per subscription, in the order the user subscribed (ordinal);
-- policy is the context's permissions dict (api.md 6.2), permissions the user's
-- effective list (api.md 6.3), owner_of whether the user owns the context.

CREATE TEMP VIEW IF NOT EXISTS user_contexts AS
SELECT s.username,
       row_number() OVER (PARTITION BY s.username ORDER BY s.id) AS ordinal,
       c.hash,
       c.url,
       c.display_name,
       c.tags_json                     AS tags,
       c.notifications_json            AS notifications,
       c.permissions_json              AS policy,
       s.permissions_json              AS permissions,
       s.grants_json                   AS grants,
       s.vetos_json                    AS vetos,
       c.owner = s.username            AS owner_of,
       EXISTS (SELECT 1 FROM push_optouts o
               WHERE o.username = s.username AND o.hash = s.hash) AS push_opted_out,
       s.subscribed_at
FROM subscriptions s
JOIN contexts c ON c.hash = s.hash;

-- Examples
--
-- A user's contexts, in his order:
--   SELECT ordinal, url, permissions FROM user_contexts WHERE username = 'messi' ORDER BY ordinal;
--
-- Users in no context at all (they see nobody in restricted visibility mode, api.md 1.6):
--   SELECT username FROM people WHERE username NOT IN (SELECT username FROM user_contexts);
--
-- Contexts a user owns but is not subscribed to:
--   SELECT url FROM contexts WHERE owner = 'messi'
--   AND hash NOT IN (SELECT hash FROM user_contexts WHERE username = 'messi');
--
-- Users who opted out of a context's pushes while staying subscribed:
--   SELECT username, url FROM user_contexts WHERE push_opted_out;
