-- outbox.sql — what max-bridge has not yet carried to RabbitMQ.
--
-- A view for operators, created in the session only (TEMP):
--   sqlite3 var/max.db -cmd '.read sql/outbox.sql' -cmd '.mode box' \
--     "SELECT * FROM outbox_backlog"
--
-- The API writes every notification and every exchange/binding change as
-- an outbox row in the same transaction as the change; max-bridge
-- publishes the rows in id order and deletes each once RabbitMQ confirmed
-- it. An empty outbox is the normal state; rows that pile up mean the
-- bridge is stopped or RabbitMQ is away (`maxctl stats` shows the same
-- count). attempts counts the rows' failed tries.

CREATE TEMP VIEW IF NOT EXISTS outbox_backlog AS
SELECT op,
       count(*)                      AS rows,
       min(created_at)               AS oldest,
       max(created_at)               AS newest,
       max(attempts)                 AS max_attempts,
       round((julianday('now') - julianday(min(created_at))) * 86400) AS oldest_age_s
FROM outbox
GROUP BY op;

-- Examples
--
-- The backlog per operation, and in all:
--   SELECT * FROM outbox_backlog;
--   SELECT count(*), min(created_at) FROM outbox;
--
-- The next rows the bridge will send:
--   SELECT id, op, exchange, destination, routing_key, attempts FROM outbox ORDER BY id LIMIT 20;
--
-- Rows per exchange (which user or conversation is noisy):
--   SELECT exchange, count(*) AS n FROM outbox WHERE op = 'publish'
--   GROUP BY exchange ORDER BY n DESC LIMIT 20;
