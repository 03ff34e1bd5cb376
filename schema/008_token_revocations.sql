-- 008_token_revocations.sql — one counter bumped by every revocation (a
-- token revoked, a user's tokens deleted, a password set). The API
-- workers cache positive token checks; each request reads this row (one
-- primary-key lookup) and drops its cache when the counter moved, so a
-- revoked token stops working at once on every worker.

CREATE TABLE token_revocations (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    counter INTEGER NOT NULL
);
INSERT INTO token_revocations (id, counter) VALUES (1, 0);
