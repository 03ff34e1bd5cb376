/*
 * dupguard.c — the duplicate guard's quick "no".
 *
 * A new post repeats an earlier one (api.md #14, #16) when the same actor
 * has a post with the same content in the same place published after the
 * new one's published - 60 s ("since"). act_find_duplicate() finds such
 * a post through its token in the full-text index, and FTS5 looks a token
 * up in every segment of the index: under sustained posting the index
 * holds about a hundred, and the lookup took a third of the writer's time
 * (perf, doc/performance.md). Nearly every lookup finds nothing. This map
 * says so without the index, and leaves every "maybe" to the lookup, so
 * an entry too many (a post since deleted, two keys that collide) costs
 * time, never a wrong answer. An entry too few would be a wrong answer, so
 * here is why none is missing.
 *
 * The map holds, for each key (actor kind, actor, context, content), the
 * latest published of the posts with that key, for every post
 *   (a) in a row read since the map began: before each answer it reads
 *       the rows after the last one it read, its connection's own uncommitted
 *       posts included (a batch sees its own posts), and
 *   (b) published at or after `from` (older entries are dropped, and
 *       `from` moves with them).
 * When it began it read the last row and the rows whose ids
 * date from the LOOKBACK_S + FUTURE_S + ID_SLACK_S seconds before; `from`
 * is then LOOKBACK_S ago (or FUTURE_S ahead, when those rows were too many
 * to read: no row written before can then be dated after it).
 *
 * A post that repeats an earlier one within its window is then found:
 *   - the earlier post's published is after since, and since >= from;
 *   - if it was dated over FUTURE_S ahead when written, or its actor,
 *     context or content changed since (a context renamed), post_unseen
 *     (schema 014, triggers) holds a date at least as late, and the guard
 *     says "maybe" while since is before post_unseen; the map read the
 *     row as it was written, and an entry read so is never the only one
 *     relied on for such a post;
 *   - otherwise it was written at most FUTURE_S before its published, so
 *     after from - FUTURE_S: either after the map began, with a larger rid
 *     than the last row then (SQLite gives a new row the largest rowid + 1),
 *     so read by (a); or before, but at most LOOKBACK_S + FUTURE_S before
 *     it began, and its id, made when the post was (ids begin with their
 *     second), dates from at most ID_SLACK_S before that, so the first read
 *     took it in;
 *   - SQLite reuses a rowid only when the largest row is gone (deleted, or
 *     its insert rolled back): the map remembers the rids and ids of the
 *     last RING rows it read, and when the last is gone it reads again
 *     after the latest of them that is still there (no new row can have
 *     a smaller rid than that one); when none is, it begins again.
 *
 * The times compare with a second to spare in the safe direction, for
 * dates stored with fractions.
 */
#include "model/dupguard.h"
#include "util/ids.h"
#include "util/status.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOOKBACK_S 75      /* posts backdated by up to 15 s keep the quick answer */
#define ID_SLACK_S 600     /* an id is made at most this long before its row is written */
#define FUTURE_S 60        /* dated further ahead: post_unseen (schema 014's '+60 seconds') */
#define BEGIN_ROWS 100000  /* more rows than this to read when beginning: start from now */
#define REFRESH_ROWS 50000 /* more new rows than this at once: begin again */
#define MAP_MAX (1 << 20)  /* more posts in the map: begin again (16-byte entries) */
#define PRUNE_S 10         /* drop old entries this often (or when the map doubled) */
#define RING 32            /* rows remembered, for a rowid that comes back */

struct dup_entry {
	uint64_t key; /* 0: empty slot */
	int64_t published;
};

struct dupguard {
	struct dup_entry *slots;
	size_t cap, n, prune_at; /* cap a power of two, n <= cap / 2 */
	int64_t pruned;          /* when old entries were last dropped */
	int begun;
	struct dup_seen { /* the last rows read, newest at ring[head - 1] */
		int64_t rid;
		char id[MAX_ID_LEN + 1];
	} ring[RING];
	unsigned head, len; /* len 0: none (the table was empty when it began) */
	int64_t from;
	long long begins;
};

/* ---- the map: open addressing on 64-bit keys ------------------------------- */

static void map_free(void *p)
{
	struct dupguard *g = p;
	if (g)
		free(g->slots);
	free(g);
}

static uint64_t fnv(uint64_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* actor kind, actor, context (NULL apart from ""), content (NULL as "") */
static uint64_t key_of(const char *kind, const char *actor, const char *ctx, const char *content)
{
	static const char sep = 0, none = 1, some = 2;
	uint64_t h = 14695981039346656037ULL;
	h = fnv(h, kind ? kind : "", kind ? strlen(kind) : 0);
	h = fnv(h, &sep, 1);
	h = fnv(h, actor ? actor : "", actor ? strlen(actor) : 0);
	h = fnv(h, &sep, 1);
	h = fnv(h, ctx ? &some : &none, 1);
	h = fnv(h, ctx ? ctx : "", ctx ? strlen(ctx) : 0);
	h = fnv(h, &sep, 1);
	h = fnv(h, content ? content : "", content ? strlen(content) : 0);
	return h ? h : 1;
}

static struct dup_entry *slot_of(struct dup_entry *slots, size_t cap, uint64_t key)
{
	size_t i = (size_t)(key ^ (key >> 29)) & (cap - 1);
	while (slots[i].key && slots[i].key != key)
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

/* the slots resized to cap, keeping the entries published at or after keep */
static int map_rebuild(struct dupguard *g, size_t cap, int64_t keep)
{
	struct dup_entry *s = calloc(cap, sizeof *s);
	if (!s)
		return -1;
	size_t n = 0;
	for (size_t i = 0; i < g->cap; i++)
		if (g->slots[i].key && g->slots[i].published >= keep) {
			*slot_of(s, cap, g->slots[i].key) = g->slots[i];
			n++;
		}
	free(g->slots);
	g->slots = s;
	g->cap = cap;
	g->n = n;
	return 0;
}

static void map_clear(struct dupguard *g)
{
	free(g->slots);
	g->slots = NULL;
	g->cap = g->n = 0;
}

static int map_add(struct dupguard *g, uint64_t key, int64_t published)
{
	if ((g->n + 1) * 2 > g->cap && map_rebuild(g, g->cap ? g->cap * 2 : 1024, INT64_MIN) < 0)
		return -1;
	struct dup_entry *e = slot_of(g->slots, g->cap, key);
	if (!e->key) {
		e->key = key;
		e->published = published;
		g->n++;
	} else if (published > e->published) {
		e->published = published;
	}
	return 0;
}

/* a stored date in seconds; one that does not parse counts as the latest */
static int64_t seconds_of(const char *iso)
{
	time_t t;
	return iso && time_parse_iso(iso, &t) == 0 ? (int64_t)t : INT64_MAX;
}

/* ---- reading the rows -------------------------------------------------------- */

/* columns 0.. of the row readers below: actor_kind, actor, context_hash,
 * content, published */
static int add_row(struct dupguard *g, store_q *q, int c)
{
	const char *ctx = store_is_null(q, c + 2) ? NULL : store_text(q, c + 2);
	uint64_t key = key_of(store_text(q, c), store_text(q, c + 1), ctx, store_text(q, c + 3));
	return map_add(g, key, seconds_of(store_text(q, c + 4)));
}

static void remember(struct dupguard *g, int64_t rid, const char *id)
{
	struct dup_seen *r = &g->ring[g->head];
	r->rid = rid;
	snprintf(r->id, sizeof r->id, "%s", id ? id : "");
	g->head = (g->head + 1) % RING;
	if (g->len < RING)
		g->len++;
}

static const struct dup_seen *newest(const struct dupguard *g)
{
	return g->len ? &g->ring[(g->head + RING - 1) % RING] : NULL;
}

/* old entries were dropped at now: the next time is PRUNE_S later, or when
 * the map has doubled */
static void pruned_at(struct dupguard *g, int64_t now)
{
	g->pruned = now;
	g->prune_at = g->n * 2 > 4096 ? g->n * 2 : 4096;
}

/* Begins afresh: the last row, and the posts of the LOOKBACK_S seconds
 * before (see the top of the file). */
static int begin(struct store *st, struct dupguard *g)
{
	map_clear(g);
	g->begins++;
	g->begun = 0;
	g->head = g->len = 0;
	store_q *q = store_sql(st, "SELECT rid, id FROM activities ORDER BY rid DESC LIMIT 1");
	if (!q)
		return -1;
	int rc = store_one(q);
	if (rc < 0)
		return -1;
	if (rc) {
		remember(g, store_int(q, 0), store_text(q, 1));
		store_reset(q);
	}
	int64_t now = (int64_t)time(NULL);
	char lo[MAX_ID_LEN + 1];
	id_floor((time_t)(now - LOOKBACK_S - FUTURE_S - ID_SLACK_S), lo);
	q = store_sql(st, "SELECT actor_kind, actor, context_hash,"
			  " IFNULL(json_extract(object_json, '$.content'), ''), published"
			  " FROM activities WHERE id >= ?1 AND verb = 'post' LIMIT ?2");
	if (!q)
		return -1;
	store_bind_text(q, 1, lo);
	store_bind_int(q, 2, BEGIN_ROWS + 1);
	long rows = 0;
	while ((rc = store_step(q)) == STORE_ROW)
		if (++rows > BEGIN_ROWS || add_row(g, q, 0) < 0) {
			store_reset(q);
			break;
		}
	if (rc < 0)
		return -1;
	if (rc == STORE_ROW) { /* too many, or out of memory: know no row written before */
		map_clear(g);
		g->from = now + FUTURE_S;
	} else {
		g->from = now - LOOKBACK_S;
	}
	pruned_at(g, now);
	g->begun = 1;
	return 0;
}

/* The last row read is gone: forgets the rows read after the latest one
 * still there, so that they are read again (1), or begins again (0). */
static int step_back(struct store *st, struct dupguard *g)
{
	while (g->len) {
		const struct dup_seen *r = newest(g);
		store_q *q = store_sql(st, "SELECT id FROM activities WHERE rid = ?1");
		if (!q)
			return -1;
		store_bind_int(q, 1, r->rid);
		int rc = store_one(q);
		if (rc < 0)
			return -1;
		int same = rc && !strcmp(store_text(q, 0), r->id);
		if (rc)
			store_reset(q);
		if (same)
			return 1;
		g->head = (g->head + RING - 1) % RING;
		g->len--;
	}
	return begin(st, g);
}

/* Reads the rows written since the last look (see the top of the file):
 * 0 read, 1 the last row read is gone, -1 error. */
static int read_new(struct store *st, struct dupguard *g)
{
	store_q *q =
		store_sql(st, "SELECT rid, id, verb = 'post', actor_kind, actor, context_hash,"
			      " CASE WHEN verb = 'post' THEN"
			      " IFNULL(json_extract(object_json, '$.content'), '') END, published"
			      " FROM activities WHERE rid >= ?1 ORDER BY rid LIMIT ?2");
	if (!q)
		return -1;
	const struct dup_seen *last = newest(g);
	store_bind_int(q, 1, last ? last->rid : 0);
	store_bind_int(q, 2, REFRESH_ROWS + 1);
	int rc = STORE_DONE, seen_last = !last, gone = 0, many = 0;
	long rows = 0;
	while (!gone && !many && (rc = store_step(q)) == STORE_ROW) {
		int64_t rid = store_int(q, 0);
		if (!seen_last) { /* the first row must be the last one read, unchanged */
			seen_last = rid == last->rid && !strcmp(store_text(q, 1), last->id);
			gone = !seen_last;
			continue;
		}
		if (++rows > REFRESH_ROWS || (store_int(q, 2) && add_row(g, q, 3) < 0)) {
			many = 1;
			continue;
		}
		remember(g, rid, store_text(q, 1));
	}
	if (gone || many)
		store_reset(q);
	else if (rc < 0)
		return -1;
	if (many)
		return begin(st, g);
	return gone || !seen_last;
}

static int refresh(struct store *st, struct dupguard *g)
{
	int rc = read_new(st, g);
	if (rc == 1 && (rc = step_back(st, g)) == 1)
		rc = read_new(st, g); /* the row it stepped back to is there: 0 or -1 */
	return rc < 0 ? -1 : 0;
}

/* Drops the entries too old to matter, every PRUNE_S seconds or once the
 * map has doubled: it then holds about LOOKBACK_S + PRUNE_S seconds of posts. */
static int prune(struct store *st, struct dupguard *g)
{
	if (g->n > MAP_MAX)
		return begin(st, g);
	int64_t now = (int64_t)time(NULL);
	if (g->n < g->prune_at && now - g->pruned < PRUNE_S)
		return 0;
	if (now - LOOKBACK_S > g->from)
		g->from = now - LOOKBACK_S;
	if (g->n && map_rebuild(g, g->cap, g->from) < 0)
		return begin(st, g);
	pruned_at(g, now);
	return 0;
}

/* ---- the question -------------------------------------------------------------- */

static struct dupguard *guard_of(struct store *st)
{
	if (!st->extra.data) {
		st->extra.data = calloc(1, sizeof(struct dupguard));
		st->extra.free_ = map_free;
	}
	return st->extra.data;
}

/* the latest date among the posts the map cannot know as they are: dated
 * ahead, or changed since (schema 014's post_unseen); INT64_MIN when none */
static int unseen_of(struct store *st, int64_t *out)
{
	store_q *q = store_sql(st, "SELECT published FROM post_unseen WHERE one = 1");
	if (!q)
		return -1;
	int rc = store_one(q);
	if (rc < 0)
		return -1;
	*out = rc ? seconds_of(store_text(q, 0)) : INT64_MIN;
	if (rc)
		store_reset(q);
	return 0;
}

int dupguard_check(struct store *st, const char *actor_kind, const char *actor,
		   const char *context_hash, const char *content, const char *since)
{
	struct dupguard *g = guard_of(st);
	if (!g)
		return DUPG_MAYBE;
	if ((g->begun ? refresh(st, g) : begin(st, g)) < 0 || prune(st, g) < 0)
		return DUPG_ERROR;
	int64_t s = seconds_of(since), unseen;
	if (s == INT64_MAX || s - 1 < g->from)
		return DUPG_MAYBE;
	if (unseen_of(st, &unseen) < 0)
		return DUPG_ERROR;
	if (unseen != INT64_MIN && s - 1 <= unseen)
		return DUPG_MAYBE;
	if (!g->n)
		return DUPG_NONE;
	const struct dup_entry *e =
		slot_of(g->slots, g->cap, key_of(actor_kind, actor, context_hash, content));
	return e->key && e->published + 1 >= s ? DUPG_MAYBE : DUPG_NONE;
}

void dupguard_stats(const struct store *st, struct dupguard_stats *out)
{
	const struct dupguard *g = st->extra.data;
	memset(out, 0, sizeof *out);
	if (!g)
		return;
	out->entries = (long long)g->n;
	out->begins = g->begins;
	if (g->begun)
		time_iso((time_t)g->from, out->from);
}
