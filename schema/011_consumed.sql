-- 011_consumed.sql — the MaxCarrot messages max-bridge has consumed, by
-- their producer's uuid and sender. RabbitMQ delivers at least once: a
-- chat line redelivered after a crash (or published twice) finds its row
-- here, written in the same transaction as the stored message, and is
-- stored only once. Rows older than a few days are deleted by the bridge.

CREATE TABLE consumed (
    sender  TEXT NOT NULL,
    uuid    TEXT NOT NULL,
    seen    TEXT NOT NULL,            -- ISO-8601 UTC
    PRIMARY KEY (sender, uuid)
);
CREATE INDEX consumed_seen ON consumed (seen);
