-- conversations.sql — who is in which conversation, for operators.
--
-- Two views, created in the session only (TEMP: the schema is the
-- migrations' business):
--   sqlite3 var/max.db -cmd '.read sql/conversations.sql' -cmd '.mode box' \
--     "SELECT username, member, permissions FROM conversation_people WHERE conversation_id = '…'"
--   sqlite3 var/max.db -cmd '.read sql/conversations.sql' -cmd '.mode box' \
--     "SELECT conversation_id, name, tags, last_message FROM user_conversations WHERE username = 'messi'"
--
-- conversation_people: one row per participant of each conversation (api.md
-- api.md 4.8 participants, in order), with his subscription when he has one: a
-- 1:1 partner who left is a participant but no member (tag single); a
-- deleted user is neither a person nor a member (tag archive).
-- user_conversations: one row per subscription, newest message first — the
-- user's GET /conversations and talkingIn. perm_mask bits: invite=1 read=2
-- write=4 subscribe=8 flag=16 unsubscribe=32 kick=64 delete=128.

CREATE TEMP VIEW IF NOT EXISTS conversation_people AS
SELECT c.id                            AS conversation_id,
       c.display_name                  AS name,
       trim(iif(c.tag_group, 'group ', '') || iif(c.tag_single, 'single ', '') ||
            iif(c.tag_archive, 'archive', '')) AS tags,
       c.owner,
       p.position,
       p.username,
       p.display_name,
       m.username IS NOT NULL          AS member,
       EXISTS (SELECT 1 FROM people u WHERE u.username = p.username) AS person_exists,
       m.permissions_json              AS permissions,
       m.grants_json                   AS grants,
       m.vetos_json                    AS vetos,
       m.perm_mask,
       m.subscribed_at
FROM conversations c
JOIN conversation_participants p ON p.conversation_id = c.id
LEFT JOIN conversation_members m ON m.conversation_id = c.id AND m.username = p.username;

CREATE TEMP VIEW IF NOT EXISTS user_conversations AS
SELECT m.username,
       c.id                            AS conversation_id,
       c.display_name                  AS name,
       trim(iif(c.tag_group, 'group ', '') || iif(c.tag_single, 'single ', '') ||
            iif(c.tag_archive, 'archive', '')) AS tags,
       c.owner = m.username            AS owner_of,
       (SELECT count(*) FROM conversation_participants p
        WHERE p.conversation_id = c.id) AS participants,
       m.permissions_json              AS permissions,
       c.last_message_published        AS last_message,
       (SELECT count(*) FROM messages x WHERE x.conversation_id = c.id) AS messages
FROM conversation_members m
JOIN conversations c ON c.id = m.conversation_id;

-- Examples
--
-- The participants of a conversation, and who still takes part:
--   SELECT position, username, member, permissions FROM conversation_people
--   WHERE conversation_id = '54b4e6a2c2a8f6a1b0e1d2c3' ORDER BY position;
--
-- A user's conversations, newest message first (the GET /conversations order):
--   SELECT conversation_id, name, tags, last_message FROM user_conversations
--   WHERE username = 'messi' ORDER BY last_message DESC;
--
-- 1:1 conversations where one side left (single) or was deleted (archive):
--   SELECT conversation_id, username, member, person_exists FROM conversation_people
--   WHERE tags IN ('single', 'archive') ORDER BY conversation_id, position;
--
-- Group owners that are no longer members (may need an ownership transfer):
--   SELECT DISTINCT conversation_id, name, owner FROM conversation_people
--   WHERE tags LIKE 'group%' AND owner NOT IN
--     (SELECT username FROM conversation_people x
--      WHERE x.conversation_id = conversation_people.conversation_id AND x.member);
--
-- Who may add people (bit 1) or kick (bit 64) in a group:
--   SELECT conversation_id, username FROM conversation_people WHERE perm_mask & 65;
--
-- Device tokens of a conversation's members, as the push consumer reads them:
--   SELECT t.token, t.platform, t.owner FROM device_tokens t
--   JOIN conversation_members m ON m.username = t.owner
--   WHERE m.conversation_id = '54b4e6a2c2a8f6a1b0e1d2c3' ORDER BY t.id DESC;
