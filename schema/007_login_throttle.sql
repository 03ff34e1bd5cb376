-- 007_login_throttle.sql — failed logins of the token server, counted per
-- user name and per client address in fixed windows ([oauth]
-- login_failures_per_name, login_failures_per_addr, login_window_seconds).
-- A spent budget answers 429 at once instead of a wrong password holding
-- a worker asleep; rows older than the window are purged.

CREATE TABLE login_failures (
    kind     TEXT NOT NULL CHECK (kind IN ('name', 'addr')),
    key      TEXT NOT NULL,                       -- normalised user name, or address
    since    INTEGER NOT NULL,                    -- unix seconds: start of the window
    failures INTEGER NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE INDEX login_failures_since ON login_failures(since);
