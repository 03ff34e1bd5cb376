-- The full-text index merges its segments in the background checkpointer
-- (store_fts_merge_step), in small steps between requests' transactions.
-- With FTS5's automerge on, every 64th post paid for a merge inside its
-- own INSERT (tens of milliseconds and hundreds of WAL pages).
INSERT INTO stream_fts (stream_fts, rank) VALUES ('automerge', 0);
