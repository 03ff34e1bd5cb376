-- context_members.sql — the members of each context with their permissions.
--
-- A view for operators, created in the session only (TEMP: the schema is
-- the migrations' business):
--   sqlite3 var/max.db -cmd '.read sql/context_members.sql' -cmd '.mode box' \
--     "SELECT username, permissions FROM context_members WHERE url = 'http://atenea.upc.edu'"
--
-- permissions is the member's effective list (api.md 4.3); grants and vetos
-- are the persistent per-user overrides (api.md 6.3, NULL when never set);
-- perm_mask holds the list as bits: invite=1 read=2 write=4 subscribe=8
-- flag=16 unsubscribe=32 kick=64 delete=128.

CREATE TEMP VIEW IF NOT EXISTS context_members AS
SELECT c.hash,
       c.url,
       c.display_name                  AS context_name,
       c.owner                         AS context_owner,
       s.username,
       p.display_name,
       s.permissions_json              AS permissions,
       s.grants_json                   AS grants,
       s.vetos_json                    AS vetos,
       s.perm_mask,
       s.subscribed_at,
       EXISTS (SELECT 1 FROM push_optouts o
               WHERE o.username = s.username AND o.hash = s.hash) AS push_opted_out
FROM subscriptions s
JOIN contexts c ON c.hash = s.hash
JOIN people p ON p.username = s.username;

-- Examples
--
-- Members of a context, by URL:
--   SELECT username, display_name, permissions FROM context_members
--   WHERE url = 'http://atenea.upc.edu' ORDER BY username;
--
-- Who may write in it (bit 4), who may delete others' posts (bit 128):
--   SELECT username FROM context_members WHERE url = 'http://atenea.upc.edu' AND perm_mask & 4;
--   SELECT username FROM context_members WHERE url = 'http://atenea.upc.edu' AND perm_mask & 128;
--
-- Members whose permissions differ from the context's policy (a grant or a veto):
--   SELECT url, username, grants, vetos FROM context_members
--   WHERE grants <> '[]' OR vetos <> '[]';
--
-- Contexts by size:
--   SELECT url, count(*) AS members FROM context_members GROUP BY hash ORDER BY members DESC;
