-- biggest_conversations.sql — conversations by size.
--
-- A view for operators, created in the session only (TEMP):
--   sqlite3 var/max.db -cmd '.read sql/biggest_conversations.sql' -cmd '.mode box' \
--     "SELECT * FROM conversation_sizes ORDER BY messages DESC LIMIT 20"
--
-- One row per conversation: its messages (and how many carry an image or a
-- file, whose bytes live under [store] files), its participants and
-- current members, the date of its first and newest message.

CREATE TEMP VIEW IF NOT EXISTS conversation_sizes AS
SELECT c.id                                         AS conversation_id,
       c.display_name                               AS name,
       trim(iif(c.tag_group, 'group ', '') || iif(c.tag_single, 'single ', '') ||
            iif(c.tag_archive, 'archive', ''))      AS tags,
       c.owner,
       (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id) AS messages,
       (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id
          AND m.object_type IN ('image', 'file'))   AS attachments,
       (SELECT count(*) FROM conversation_participants p
          WHERE p.conversation_id = c.id)           AS participants,
       (SELECT count(*) FROM conversation_members m
          WHERE m.conversation_id = c.id)           AS members,
       c.published                                  AS created,
       c.last_message_published                     AS last_message
FROM conversations c;

-- Examples
--
-- The 20 biggest by messages, by participants:
--   SELECT * FROM conversation_sizes ORDER BY messages DESC LIMIT 20;
--   SELECT * FROM conversation_sizes ORDER BY participants DESC LIMIT 20;
--
-- Who writes most in one conversation:
--   SELECT actor, count(*) AS n FROM messages WHERE conversation_id = '…'
--   GROUP BY actor ORDER BY n DESC;
--
-- Conversations silent for a year:
--   SELECT conversation_id, name, last_message FROM conversation_sizes
--   WHERE last_message < strftime('%Y-%m-%dT%H:%M:%S', 'now', '-1 year');
