/*
 * timeline.c — the listing engine of the activity stream and the stream
 * reads (API.md §5.3, §7): #11 a user's timeline, #12 its authors, #15 a
 * context's (and its sub-contexts') posts, #17 its authors, #18 all posts.
 * comments.c and activities.c (#13) list through the same engine.
 *
 * Every listing is a static SQL text (named parameters, all bound; a NULL
 * parameter switches its filter off) chosen by source and sort:
 *
 *  - a timeline or a context listing merges several contexts. Sorting all
 *    their posts would cost as much as the contexts are big, so each
 *    context contributes only its newest k candidates: a correlated
 *    subquery finds the k-th newest key of the context on the index
 *    (context_hash, visible, key), and the range scan stops there. The work
 *    is (contexts + own posts) × k index entries whatever the data size.
 *  - likes/flagged orders (§7.2) are two parts: the liked (flagged) posts,
 *    few, sorted in full by their composite key; then the others, by id,
 *    through the merge above. `before` continues the composite order from
 *    the item it names (404 when unknown).
 *  - the other listings walk one index in key order.
 *
 * Filters (§1.11) are indexable: hashtags and keywords through their side
 * tables, the favourites of the acting user, `q` through the FTS5 index.
 */
#include "http/activity_store.h"
#include "http/auth.h"
#include "util/config.h"
#include "http/contexts.h"
#include "http/filters.h"
#include "http/handlers.h"
#include "http/http.h"
#include "util/ids.h"
#include "util/jsonx.h"
#include "http/people.h"
#include "model/person.h"
#include "http/perm.h"
#include "store/store.h"
#include "http/stream.h"
#include "util/text.h"
#include "http/traverse.h"

#include <sqlite3.h> /* to be moved behind store/ */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MULTI_MAX 16          /* values of one repeatable filter */
#define AUTHORS_BATCH 30      /* §5.3 #12: batches of 30 posts … */
#define AUTHORS_BATCHES 7     /* … at most 7 of them */
#define KEY_TOP "~"           /* above every id: no `before` */

/* ---- SQL ------------------------------------------------------------------- */

/* Join orders and indexes are pinned (CROSS JOIN, INDEXED BY): without
 * statistics SQLite would rather walk every post by id and look each one
 * up in the subscriptions. */

#define FILTERS(X)                                                                          \
	" AND (:from IS NULL OR " X ".published >= :from)"                                  \
	" AND (:to IS NULL OR " X ".published < :to)"                                       \
	" AND (:actor IS NULL OR (" X ".actor = :actor AND " X ".actor_kind = 'person'))"   \
	" AND (:fav IS NULL OR " X ".id IN"                                                 \
	"      (SELECT activity_id FROM favorites WHERE username = :fav))"                  \
	" AND (:hashtags IS NULL OR " X ".id IN (SELECT activity_id FROM stream_hashtags"   \
	"      WHERE hashtag IN (SELECT value FROM json_each(:hashtags))"                   \
	"      GROUP BY activity_id HAVING count(*) = :nhashtags))"                         \
	" AND (:keywords IS NULL OR " X ".id IN (SELECT activity_id FROM stream_keywords"   \
	"      WHERE keyword IN (SELECT value FROM json_each(:keywords))"                   \
	"      GROUP BY activity_id HAVING count(*) = :nkeywords))"                         \
	" AND (:ctags IS NULL OR (SELECT count(DISTINCT value)"                             \
	"      FROM json_each(" X ".context_json, '$.tags')"                                \
	"      WHERE value IN (SELECT value FROM json_each(:ctags))) = :nctags)"

/* full text: a post matches by its own text or its replies' */
#define Q_POSTS(X)                                                                          \
	" AND (:q IS NULL OR " X ".id IN (SELECT post_id FROM stream_text WHERE id IN"      \
	"      (SELECT rowid FROM stream_fts WHERE stream_fts MATCH :q)))"
#define Q_COMMENTS(X)                                                                       \
	" AND (:q IS NULL OR " X ".id IN (SELECT activity_id FROM stream_text WHERE id IN"  \
	"      (SELECT rowid FROM stream_fts WHERE stream_fts MATCH :q)))"

/* second part of the likes (1) and flagged (2) orders */
#define MODE(X) " AND (:mode != 1 OR " X ".likes_count = 0) AND (:mode != 2 OR " X ".flag_state != 1)"

#define POST_FILTERS(X) MODE(X) FILTERS(X) Q_POSTS(X)
/* the plain timeline and context listings have no filter at all: their
 * statements skip even the tests of NULL parameters */
#define NO_FILTERS(X) ""

/* contexts whose posts a timeline shows: the subscriptions still holding
 * read. API.md §7.1 (and the original) use every subscription; issue #4
 * asks that contexts the reader may no longer read drop out, which also
 * keeps the timeline consistent with the §6.4 view rule. */
#define SET_TIMELINE "SELECT hash FROM subscriptions WHERE username = :u AND perm_mask & 2"
/* #15: contexts under the URL prefix the reader may read */
#define SET_CONTEXT                                                                          \
	"SELECT hash FROM contexts WHERE url >= :url AND url < :urlhi"                        \
	" AND (:all OR hash IN (SELECT hash FROM subscriptions WHERE username = :r"           \
	"      AND perm_mask & 2) OR json_extract(permissions_json, '$.read') = 'public')"

/* the live posts of the contexts of SET, through index IDX, key K in range */
#define IN_SET(SET, IDX, K)                                                                  \
	" FROM (" SET ") s CROSS JOIN activities a INDEXED BY " IDX                           \
	" ON a.context_hash = s.hash AND a.verb = 'post' AND a.visible = 1"                   \
	" AND a." K " < :hi AND a." K " > :lo"
/* the user's own live posts, wherever they are */
#define OWN(IDX, K)                                                                          \
	" FROM activities a INDEXED BY " IDX " WHERE a.actor = :u AND a.actor_kind = 'person'" \
	" AND a.verb = 'post' AND a.visible = 1 AND a." K " < :hi AND a." K " > :lo"

/* The newest :k posts of many contexts without sorting them all. With
 * H the k-th highest of the contexts' newest keys ("heads"), every one of
 * the k newest posts has a key >= H (the k heads above it are k posts),
 * so it lives in a context whose head is >= H (at most k of them) and is
 * among that context's own newest k. So: one index seek per context for
 * its head, then, in the <= k contexts that qualify, a range scan from
 * max(H, the context's k-th key, just above :lo) up to its head. The work
 * is (contexts + k²) index entries whatever the number of posts. */
#define HEAD_OF(X, IDX, K, PF, OFFSET)                                                       \
	"(SELECT b." K " FROM activities b INDEXED BY " IDX " WHERE b.context_hash = " X      \
	" AND b.verb = 'post' AND b.visible = 1 AND b." K " < :hi AND b." K " > :lo" PF("b") \
	" ORDER BY b." K " DESC LIMIT 1" OFFSET ")"
#define HEADS(SET, IDX, K, PF)                                                               \
	"WITH heads AS MATERIALIZED (SELECT s.hash AS hash, "                                 \
	HEAD_OF("s.hash", IDX, K, PF, "") " AS head FROM (" SET ") s),"                       \
	" th(v) AS (SELECT IFNULL((SELECT head FROM heads WHERE head IS NOT NULL"              \
	" ORDER BY head DESC LIMIT 1 OFFSET :k1), '')) "
#define FROM_HEADS(IDX, K, PF)                                                               \
	" FROM heads h CROSS JOIN activities a INDEXED BY " IDX                               \
	" ON a.context_hash = h.hash AND a.verb = 'post' AND a.visible = 1"                   \
	" AND a." K " <= h.head AND a." K " >= max(:lo1, (SELECT v FROM th),"                 \
	" IFNULL(" HEAD_OF("h.hash", IDX, K, PF, " OFFSET :k1") ", ''))" PF("a")             \
	" WHERE h.head >= (SELECT v FROM th)"

#define IDX_ID "activities_ctx_posts_id"
#define IDX_LASTC "activities_ctx_posts_lastc"
#define OWN_ID "activities_actor"
#define OWN_LASTC "activities_actor_posts_lastc"

#define MERGE_TIMELINE(K, IDX, OIDX, PF)                                                     \
	HEADS(SET_TIMELINE, IDX, K, PF) "SELECT k, id FROM (SELECT a." K " AS k, a.id AS id"   \
	FROM_HEADS(IDX, K, PF) " UNION SELECT k, id FROM (SELECT a." K " AS k, a.id AS id"     \
	OWN(OIDX, K) PF("a") " ORDER BY a." K " DESC LIMIT :k)) ORDER BY k DESC, id DESC LIMIT :k"
#define MERGE_CONTEXT(K, IDX, PF)                                                            \
	HEADS(SET_CONTEXT, IDX, K, PF) "SELECT k, id FROM (SELECT a." K " AS k, a.id AS id"    \
	FROM_HEADS(IDX, K, PF) ") ORDER BY k DESC, id DESC LIMIT :k"
#define COUNT_TIMELINE(K, IDX, OIDX)                                                         \
	"SELECT count(*) FROM (SELECT a.id" IN_SET(SET_TIMELINE, IDX, K) POST_FILTERS("a")     \
	" UNION SELECT a.id" OWN(OIDX, K) POST_FILTERS("a") ")"
#define COUNT_CONTEXT(K, IDX) "SELECT count(*)" IN_SET(SET_CONTEXT, IDX, K) POST_FILTERS("a")

/* The first part of the likes and flagged orders: the liked (flagged)
 * posts, sorted in full by (c1, c2, id), continued after (:c1, :c2, :cid). */
#define CONTINUE                                                                             \
	" AND (:cont = 0 OR c1 < :c1 OR (c1 = :c1 AND (c2 < :c2 OR (c2 = :c2 AND id < :cid))))"
#define LIKED_COLS                                                                           \
	"SELECT a.likes_count AS c1,"                                                        \
	" (CASE WHEN :prio THEN a.last_comment ELSE a.last_like END) AS c2, a.id AS id"
#define FLAGGED_COLS                                                                         \
	"SELECT a.flagged AS c1, (CASE WHEN :prio THEN a.last_comment ELSE a.id END) AS c2,"  \
	" a.id AS id"
#define LIKED_SET(SET)                                                                       \
	LIKED_COLS " FROM (" SET ") s CROSS JOIN activities a INDEXED BY activities_ctx_liked" \
	" ON a.context_hash = s.hash AND a.verb = 'post' AND a.likes_count > 0"               \
	" AND a.visible = 1" FILTERS("a") Q_POSTS("a")
#define LIKED_OWN                                                                            \
	LIKED_COLS " FROM activities a INDEXED BY activities_actor WHERE a.actor = :u"        \
	" AND a.actor_kind = 'person' AND a.verb = 'post' AND a.likes_count > 0"              \
	" AND a.visible = 1" FILTERS("a") Q_POSTS("a")
#define FLAGGED_SET(SET)                                                                     \
	FLAGGED_COLS " FROM (" SET ") s CROSS JOIN activities a"                              \
	" INDEXED BY activities_ctx_flagged ON a.context_hash = s.hash AND a.verb = 'post'"   \
	" AND a.flag_state = 1 AND a.visible = 1" FILTERS("a") Q_POSTS("a")
#define FLAGGED_OWN                                                                          \
	FLAGGED_COLS " FROM activities a INDEXED BY activities_actor WHERE a.actor = :u"      \
	" AND a.actor_kind = 'person' AND a.verb = 'post' AND a.flag_state = 1"               \
	" AND a.visible = 1" FILTERS("a") Q_POSTS("a")
#define PART(ARMS) "SELECT id FROM (" ARMS ") WHERE 1" CONTINUE " ORDER BY c1 DESC, c2 DESC, id DESC LIMIT :k"
#define PART_COUNT(ARMS) "SELECT count(*) FROM (" ARMS ") WHERE 1" CONTINUE

/* single-index listings, newest first */
#define BOUNDS " AND a.id < :hi AND a.id > :lo"
#define WHERE_USER                                                                           \
	" FROM activities a INDEXED BY activities_actor WHERE a.actor = :u"                   \
	" AND a.actor_kind = 'person' AND a.verb = 'post' AND a.visible = 1" BOUNDS           \
	" AND ((:ctx IS NULL AND a.context_hash IS NULL) OR ((:ctx IS NULL OR"               \
	"      a.context_hash = :ctx) AND a.context_hash IN (SELECT s.hash FROM subscriptions s" \
	"      WHERE s.username = :u AND (:all OR s.hash IN (SELECT hash FROM subscriptions"   \
	"      WHERE username = :r) OR EXISTS (SELECT 1 FROM contexts x WHERE x.hash = s.hash" \
	"      AND json_extract(x.permissions_json, '$.read') = 'public')))))"               \
	FILTERS("a") Q_POSTS("a")
#define WHERE_GLOBAL                                                                         \
	" FROM activities a INDEXED BY activities_verb WHERE a.verb = 'post'" BOUNDS          \
	FILTERS("a") Q_POSTS("a")
#define WHERE_CONTEXT_EXACT                                                                  \
	" FROM activities a INDEXED BY " IDX_ID " WHERE a.context_hash = :ctx"                \
	" AND a.verb = 'post' AND a.visible = 1" BOUNDS FILTERS("a") Q_POSTS("a")
#define WHERE_COMMENTS                                                                       \
	" FROM activities a INDEXED BY activities_verb WHERE a.verb = 'comment'" BOUNDS       \
	FILTERS("a") Q_COMMENTS("a")
#define WHERE_USER_COMMENTS                                                                  \
	" FROM activities a INDEXED BY activities_actor WHERE a.actor = :u"                   \
	" AND a.actor_kind = 'person' AND a.verb = 'comment'" BOUNDS FILTERS("a")             \
	Q_COMMENTS("a")
#define WHERE_CONTEXT_COMMENTS                                                               \
	" FROM activities a INDEXED BY activities_reply_ctx WHERE a.reply_context = :ctx"     \
	" AND a.verb = 'comment'" BOUNDS FILTERS("a") Q_COMMENTS("a")
#define LIST(W) "SELECT a.id" W " ORDER BY a.id DESC LIMIT :k"
#define COUNT(W) "SELECT count(*)" W

/* Each text once, so that store_stmt() caches it by address:
 * [timeline 0, context 1][id 0, lastComment 1][unfiltered 0, filtered 1] */
static const char *const merge_sql[2][2][2] = {
	{{MERGE_TIMELINE("id", IDX_ID, OWN_ID, NO_FILTERS),
	  MERGE_TIMELINE("id", IDX_ID, OWN_ID, POST_FILTERS)},
	 {MERGE_TIMELINE("last_comment", IDX_LASTC, OWN_LASTC, NO_FILTERS),
	  MERGE_TIMELINE("last_comment", IDX_LASTC, OWN_LASTC, POST_FILTERS)}},
	{{MERGE_CONTEXT("id", IDX_ID, NO_FILTERS), MERGE_CONTEXT("id", IDX_ID, POST_FILTERS)},
	 {MERGE_CONTEXT("last_comment", IDX_LASTC, NO_FILTERS),
	  MERGE_CONTEXT("last_comment", IDX_LASTC, POST_FILTERS)}},
};
static const char *const merge_count_sql[2][2] = {
	{COUNT_TIMELINE("id", IDX_ID, OWN_ID), COUNT_TIMELINE("last_comment", IDX_LASTC, OWN_LASTC)},
	{COUNT_CONTEXT("id", IDX_ID), COUNT_CONTEXT("last_comment", IDX_LASTC)},
};
/* [timeline 0, context 1][likes 0, flagged 1] */
static const char *const part_sql[2][2] = {
	{PART(LIKED_SET(SET_TIMELINE) " UNION " LIKED_OWN),
	 PART(FLAGGED_SET(SET_TIMELINE) " UNION " FLAGGED_OWN)},
	{PART(LIKED_SET(SET_CONTEXT)), PART(FLAGGED_SET(SET_CONTEXT))},
};
static const char *const part_count_sql[2][2] = {
	{PART_COUNT(LIKED_SET(SET_TIMELINE) " UNION " LIKED_OWN),
	 PART_COUNT(FLAGGED_SET(SET_TIMELINE) " UNION " FLAGGED_OWN)},
	{PART_COUNT(LIKED_SET(SET_CONTEXT)), PART_COUNT(FLAGGED_SET(SET_CONTEXT))},
};

static const char *simple_sql(enum stream_src src, int count)
{
	static const char *const list[] = {
		[SRC_USER] = LIST(WHERE_USER),
		[SRC_GLOBAL] = LIST(WHERE_GLOBAL),
		[SRC_CONTEXT_EXACT] = LIST(WHERE_CONTEXT_EXACT),
		[SRC_COMMENTS] = LIST(WHERE_COMMENTS),
		[SRC_USER_COMMENTS] = LIST(WHERE_USER_COMMENTS),
		[SRC_CONTEXT_COMMENTS] = LIST(WHERE_CONTEXT_COMMENTS),
	};
	static const char *const counts[] = {
		[SRC_USER] = COUNT(WHERE_USER),
		[SRC_GLOBAL] = COUNT(WHERE_GLOBAL),
		[SRC_CONTEXT_EXACT] = COUNT(WHERE_CONTEXT_EXACT),
		[SRC_COMMENTS] = COUNT(WHERE_COMMENTS),
		[SRC_USER_COMMENTS] = COUNT(WHERE_USER_COMMENTS),
		[SRC_CONTEXT_COMMENTS] = COUNT(WHERE_CONTEXT_COMMENTS),
	};
	return count ? counts[src] : list[src];
}

static int merged(enum stream_src src)
{
	return src == SRC_TIMELINE || src == SRC_CONTEXT;
}

/* ---- binding --------------------------------------------------------------- */

/* The values of the paging parameters of one statement run. */
struct run {
	const char *hi, *lo;
	char lo1[MAX_ID_LEN + 2];
	long long k;
	int mode;                /* MODE(): 0, 1 unliked, 2 unflagged */
	int cont;                /* continue the composite order after: */
	int c1_is_int;           /* likes: c1 is the likes count */
	long long c1i;
	char c1[32], c2[32], cid[MAX_ID_LEN + 1];
	char urlhi[4096];
};

static void bind_text(sqlite3_stmt *s, const char *name, const char *v)
{
	int i = sqlite3_bind_parameter_index(s, name);
	if (i)
		store_bind_text(s, i, v);
}

static void bind_int(sqlite3_stmt *s, const char *name, long long v)
{
	int i = sqlite3_bind_parameter_index(s, name);
	if (i)
		sqlite3_bind_int64(s, i, v);
}

static void bind_all(sqlite3_stmt *s, const struct stream_q *q, struct run *x)
{
	bind_text(s, ":u", q->user);
	bind_text(s, ":r", q->reader);
	bind_int(s, ":all", q->all);
	bind_text(s, ":ctx", q->ctx);
	bind_text(s, ":url", q->url);
	if (q->url) {
		/* every URL with this prefix sorts below prefix + 0xFF (never in UTF-8) */
		snprintf(x->urlhi, sizeof x->urlhi, "%s\xff", q->url);
		bind_text(s, ":urlhi", x->urlhi);
	}
	bind_text(s, ":from", q->from[0] ? q->from : NULL);
	bind_text(s, ":to", q->to[0] ? q->to : NULL);
	bind_text(s, ":actor", q->actor);
	bind_text(s, ":fav", q->fav);
	bind_text(s, ":hashtags", q->hashtags);
	bind_int(s, ":nhashtags", q->nhashtags);
	bind_text(s, ":keywords", q->keywords);
	bind_int(s, ":nkeywords", q->nkeywords);
	bind_text(s, ":ctags", q->ctags);
	bind_int(s, ":nctags", q->nctags);
	bind_text(s, ":q", q->q.len ? q->q.data : NULL);
	bind_text(s, ":hi", x->hi);
	bind_text(s, ":lo", x->lo);
	snprintf(x->lo1, sizeof x->lo1, "%s%s", x->lo, *x->lo ? "\x01" : "");
	bind_text(s, ":lo1", x->lo1);
	bind_int(s, ":k", x->k);
	bind_int(s, ":k1", x->k > 0 ? x->k - 1 : 0);
	bind_int(s, ":mode", x->mode);
	bind_int(s, ":prio", q->by_comments);
	bind_int(s, ":cont", x->cont);
	if (x->cont) {
		/* the likes count is an integer column: compare it as one */
		int i = sqlite3_bind_parameter_index(s, ":c1");
		if (i && x->c1_is_int)
			sqlite3_bind_int64(s, i, x->c1i);
		else if (i)
			store_bind_text(s, i, x->c1);
		bind_text(s, ":c2", x->c2);
		bind_text(s, ":cid", x->cid);
	}
}

/* Runs sql and appends the ids it returns (column idcol). */
static enum max_err run_ids(struct max_ctx *c, const char *sql, const struct stream_q *q,
			    struct run *x, int idcol, char (*ids)[MAX_ID_LEN + 1], size_t *n,
			    size_t max)
{
	sqlite3_stmt *s = store_prepare_(c->db, sql);
	if (!s)
		return max_fail(c, MAX_ESERVER, "listing query failed");
	bind_all(s, q, x);
	int rc = SQLITE_DONE;
	while (*n < max && (rc = sqlite3_step(s)) == SQLITE_ROW)
		snprintf(ids[(*n)++], MAX_ID_LEN + 1, "%s",
			 (const char *)sqlite3_column_text(s, idcol));
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return max_fail(c, MAX_ESERVER, "listing query failed: %s", sqlite3_errmsg(c->db->db));
	return MAX_OK;
}

static enum max_err run_count(struct max_ctx *c, const char *sql, const struct stream_q *q,
			      struct run *x, long long *n)
{
	sqlite3_stmt *s = store_prepare_(c->db, sql);
	if (!s)
		return max_fail(c, MAX_ESERVER, "count query failed");
	bind_all(s, q, x);
	int rc = sqlite3_step(s);
	*n += rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? MAX_OK : max_fail(c, MAX_ESERVER, "count query failed");
}

/* ---- the two-part orders (§7.2, §7.3) ----------------------------------------- */

/* Sets x for the liked/flagged part after q->before; *skip_a when the
 * item named is in the second part (x->hi is then its id). */
static enum max_err composite_start(struct max_ctx *c, const struct stream_q *q, struct run *x,
				    int *skip_a)
{
	*skip_a = 0;
	x->cont = 0;
	if (!q->before)
		return MAX_OK;
	sqlite3_stmt *s = store_stmt(c->db, "SELECT likes_count, last_like, last_comment, flag_state,"
					    " flagged FROM activities WHERE id = ?1");
	if (!s)
		return max_fail(c, MAX_ESERVER, "listing query failed");
	store_bind_text(s, 1, q->before);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		return traverse_not_found(c, "_id", q->before, "activity");
	}
	const char *last_like = (const char *)sqlite3_column_text(s, 1);
	const char *last_comment = (const char *)sqlite3_column_text(s, 2);
	const char *flagged = (const char *)sqlite3_column_text(s, 4);
	int liked = sqlite3_column_int64(s, 0) > 0, in_a;
	if (q->sort == SORT_LIKES) {
		in_a = liked;
		x->c1_is_int = 1;
		x->c1i = sqlite3_column_int64(s, 0);
		snprintf(x->c2, sizeof x->c2, "%s",
			 q->by_comments ? (last_comment ? last_comment : q->before)
					: (last_like ? last_like : ""));
	} else {
		in_a = sqlite3_column_int(s, 3) == 1;
		snprintf(x->c1, sizeof x->c1, "%s", flagged ? flagged : "");
		snprintf(x->c2, sizeof x->c2, "%s",
			 q->by_comments && last_comment ? last_comment : q->before);
	}
	sqlite3_reset(s);
	snprintf(x->cid, sizeof x->cid, "%s", q->before);
	if (in_a)
		x->cont = 1;
	else {
		*skip_a = 1;
		x->hi = q->before;
	}
	return MAX_OK;
}

/* Does q filter at all (the second part of a likes/flagged order does)? */
static int filtered(const struct stream_q *q)
{
	return q->from[0] || q->to[0] || q->actor || q->fav || q->hashtags || q->keywords ||
	       q->ctags || q->q.len;
}

static int src_index(enum stream_src src)
{
	return src == SRC_CONTEXT;
}

enum max_err stream_page(struct max_ctx *c, struct stream_q *q, char (*ids)[MAX_ID_LEN + 1],
			 size_t *n)
{
	struct run x = {.hi = q->before ? q->before : KEY_TOP, .lo = q->after ? q->after : "",
			.k = q->limit};
	*n = 0;
	if (!merged(q->src))
		return run_ids(c, simple_sql(q->src, 0), q, &x, 0, ids, n, (size_t)q->limit);
	int si = src_index(q->src);
	if (q->sort == SORT_PUBLISHED)
		return run_ids(c, merge_sql[si][q->by_comments][filtered(q)], q, &x, 1, ids, n,
			       (size_t)q->limit);
	int skip_a;
	x.hi = KEY_TOP;
	enum max_err e = composite_start(c, q, &x, &skip_a);
	if (e)
		return e;
	int kind = q->sort == SORT_FLAGGED;
	if (!skip_a && (e = run_ids(c, part_sql[si][kind], q, &x, 0, ids, n, (size_t)q->limit)))
		return e;
	if (*n >= (size_t)q->limit)
		return MAX_OK;
	x.k = q->limit - (long long)*n;
	x.mode = kind ? 2 : 1;
	x.cont = 0;
	return run_ids(c, merge_sql[si][0][1], q, &x, 1, ids, n, (size_t)q->limit);
}

enum max_err stream_count(struct max_ctx *c, struct stream_q *q, long long *n)
{
	struct run x = {.hi = q->before ? q->before : KEY_TOP, .lo = q->after ? q->after : "",
			.k = q->limit};
	*n = 0;
	if (!merged(q->src))
		return run_count(c, simple_sql(q->src, 1), q, &x, n);
	int si = src_index(q->src);
	if (q->sort == SORT_PUBLISHED)
		return run_count(c, merge_count_sql[si][q->by_comments], q, &x, n);
	int skip_a, kind = q->sort == SORT_FLAGGED;
	x.hi = KEY_TOP;
	enum max_err e = composite_start(c, q, &x, &skip_a);
	if (e)
		return e;
	if (!skip_a && (e = run_count(c, part_count_sql[si][kind], q, &x, n)))
		return e;
	x.mode = kind ? 2 : 1;
	x.cont = 0;
	return run_count(c, merge_count_sql[si][0], q, &x, n);
}

/* ---- parameters -------------------------------------------------------------- */

/* Repeatable parameter as a JSON array: lower-cased (keywords, hashtags)
 * or with the whitespace around words removed (context_tags, as the
 * original's re.sub), empty values dropped, duplicates removed. */
static enum max_err multi(struct max_ctx *c, const char *name, int lower, char **json, int *count)
{
	const char *vals[MULTI_MAX + 1];
	size_t n = qs_all(c, name, vals, MULTI_MAX + 1);
	*json = NULL;
	*count = 0;
	if (n > MULTI_MAX)
		return max_fail(c, MAX_ESEARCH, "at most %d %s values are allowed", MULTI_MAX, name);
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		char *v = xstrdup(vals[i]);
		if (lower) {
			text_lower(v);
		} else {
			/* drop whitespace runs that touch a word character */
			char *o = v;
			for (char *p = v; *p;) {
				if (!isspace((unsigned char)*p)) {
					*o++ = *p++;
					continue;
				}
				char *e = p;
				while (isspace((unsigned char)*e))
					e++;
				int touches = (o > v && (isalnum((unsigned char)o[-1]) || o[-1] == '_')) ||
					      isalnum((unsigned char)*e) || *e == '_';
				if (!touches)
					while (p < e)
						*o++ = *p++;
				p = e;
			}
			*o = 0;
		}
		text_set_add(arr, v);
		free(v);
	}
	*count = (int)json_object_array_length(arr);
	if (*count)
		*json = xstrdup(jx_text(arr));
	json_object_put(arr);
	return MAX_OK;
}

/* §1.11 sort/priority, and the deprecated sortBy */
static enum max_err parse_sort(struct max_ctx *c, struct stream_q *q)
{
	static const struct {
		const char *name;
		enum stream_sort sort;
		int by_comments;
	} sort_by[] = {{"activities", SORT_PUBLISHED, 0},
		       {"comments", SORT_PUBLISHED, 1},
		       {"likes", SORT_LIKES, 0},
		       {"flagged", SORT_FLAGGED, 0}};
	const char *by = qs_get(c, "sortBy"), *sort = qs_get(c, "sort");
	for (size_t i = 0; by && i < sizeof sort_by / sizeof sort_by[0]; i++)
		if (!strcmp(by, sort_by[i].name)) {
			q->sort = sort_by[i].sort;
			q->by_comments = sort_by[i].by_comments;
		}
	if (!sort || !*sort)
		return MAX_OK;
	if (!strcmp(sort, "published"))
		q->sort = SORT_PUBLISHED;
	else if (!strcmp(sort, "likes"))
		q->sort = SORT_LIKES;
	else if (!strcmp(sort, "flagged"))
		q->sort = SORT_FLAGGED;
	else
		return max_fail(c, MAX_ESEARCH, "sort must be one of published, likes, flagged");
	const char *prio = qs_get(c, "priority");
	if (!prio || !*prio || !strcmp(prio, "activity"))
		q->by_comments = 0;
	else if (!strcmp(prio, "comments"))
		q->by_comments = 1;
	else
		return max_fail(c, MAX_ESEARCH, "priority must be one of activity, comments");
	return MAX_OK;
}

enum max_err stream_q_parse(struct max_ctx *c, struct stream_q *q, long def_limit, int with_sort)
{
	memset(q, 0, sizeof *q);
	buf_init(&q->q);
	enum max_err e;
	if ((e = http_limit(c, def_limit, &q->limit)) ||
	    (e = filter_offsets(c, &q->before, &q->after)))
		return e;
	filter_date_range(qs_get(c, "date_filter"), q->from, q->to);
	if ((e = multi(c, "hashtag", 1, &q->hashtags, &q->nhashtags)) ||
	    (e = multi(c, "keyword", 1, &q->keywords, &q->nkeywords)) ||
	    (e = multi(c, "context_tags", 0, &q->ctags, &q->nctags)))
		return e;
	const char *actor = qs_get(c, "actor");
	if (actor && *actor) {
		q->actor = text_lower(xstrdup(actor));
		for (size_t n = strlen(q->actor); n && isspace((unsigned char)q->actor[n - 1]); n--)
			q->actor[n - 1] = 0;
	}
	if (parse_bool(qs_get(c, "favorites")))
		q->fav = c->actor;
	if (text_fts_query(qs_get(c, "q"), &q->q) < 0)
		return max_fail(c, MAX_ESEARCH, "q must have at most %d terms and %d bytes",
				TEXT_Q_MAX_TERMS, TEXT_Q_MAX_BYTES);
	if (with_sort && (e = parse_sort(c, q)))
		return e;
	if (q->sort != SORT_PUBLISHED && q->after)
		return max_fail(c, MAX_ESEARCH, "after cannot be used with sort=likes or flagged");
	return MAX_OK;
}

void stream_q_free(struct stream_q *q)
{
	free(q->actor);
	free(q->hashtags);
	free(q->keywords);
	free(q->ctags);
	buf_free(&q->q);
}

static void total_header(struct max_resp *r, long long n)
{
	char v[24];
	snprintf(v, sizeof v, "%lld", n);
	resp_header(r, "X-totalItems", v);
}

enum max_err stream_answer(struct max_ctx *c, struct max_resp *r, struct stream_q *q,
			   unsigned flags, int counted)
{
	enum max_err e;
	if (c->is_head) {
		long long n = 0;
		if (counted && (e = stream_count(c, q, &n)))
			return e;
		if (counted)
			total_header(r, n);
		return resp_json(r, 200, json_object_new_array());
	}
	char(*ids)[MAX_ID_LEN + 1] = xcalloc((size_t)q->limit + 1, sizeof *ids);
	size_t n = 0;
	if ((e = stream_page(c, q, ids, &n))) {
		free(ids);
		return e;
	}
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		json_object *o = activity_render(c, ids[i], flags);
		if (o)
			json_object_array_add(arr, o);
	}
	free(ids);
	return resp_json(r, 200, arr);
}

enum max_err stream_list(struct max_ctx *c, struct max_resp *r, const struct stream_from *from,
			 long def_limit, int with_sort, unsigned flags, int counted)
{
	struct stream_q q;
	enum max_err e = stream_q_parse(c, &q, def_limit, with_sort);
	if (!e) {
		q.src = from->src;
		q.user = from->user;
		q.reader = from->reader;
		q.ctx = from->ctx;
		q.url = from->url;
		q.all = from->all;
		e = stream_answer(c, r, &q, flags, counted);
	}
	stream_q_free(&q);
	return e;
}

/* ---- #11 #12 timeline -------------------------------------------------------- */

/* #11 GET /people/{username}/timeline: lean; HEAD has no count (§1.10). */
enum max_err timeline_get(struct max_ctx *c, struct max_resp *r)
{
	struct stream_from from = {.src = SRC_TIMELINE, .user = c->params[0]};
	return stream_list(c, r, &from, 10, 1, ACT_ACTING, 0);
}

/* §5.3 #12/#17: the distinct person authors of the newest posts (by id),
 * existing users the reader may see (§1.6), in batches of 30, at most 7
 * batches. */
static enum max_err authors(struct max_ctx *c, struct max_resp *r, struct stream_q *q)
{
	long want = q->limit;
	json_object *found = json_object_new_array(), *names = json_object_new_array();
	char ids[AUTHORS_BATCH][MAX_ID_LEN + 1], last[MAX_ID_LEN + 1];
	q->sort = SORT_PUBLISHED;
	q->by_comments = 0;
	q->limit = AUTHORS_BATCH;
	enum max_err e = MAX_OK;
	for (int batch = 0; batch < AUTHORS_BATCHES && (long)json_object_array_length(found) < want;
	     batch++) {
		size_t n = 0;
		if ((e = stream_page(c, q, ids, &n)))
			break;
		for (size_t i = 0; i < n && (long)json_object_array_length(found) < want; i++) {
			sqlite3_stmt *s = store_stmt(c->db, "SELECT actor, actor_json FROM activities"
							    " WHERE id = ?1 AND actor_kind = 'person'");
			if (!s) {
				e = max_fail(c, MAX_ESERVER, "author lookup failed");
				break;
			}
			store_bind_text(s, 1, ids[i]);
			char user[MAX_USERNAME_MAX + 1] = "";
			json_object *actor = NULL;
			if (sqlite3_step(s) == SQLITE_ROW) {
				snprintf(user, sizeof user, "%s", (const char *)sqlite3_column_text(s, 0));
				actor = json_tokener_parse((const char *)sqlite3_column_text(s, 1));
			}
			sqlite3_reset(s);
			size_t before = json_object_array_length(names);
			if (*user)
				text_set_add(names, user);
			/* issue #4: NonVisible authors stay hidden from those who
			 * may not see them (§1.6, the acting user as viewer) */
			if (json_object_array_length(names) > before && people_exists(c->db, user) == 1 &&
			    person_may_see(c->db, c->cfg->restricted_visibility, c->actor, user))
				json_object_array_add(found, actor);
			else
				json_object_put(actor);
		}
		if (e || n < AUTHORS_BATCH)
			break;
		snprintf(last, sizeof last, "%s", ids[n - 1]);
		q->before = last;
	}
	json_object_put(names);
	if (e) {
		json_object_put(found);
		return e;
	}
	if (c->is_head) {
		total_header(r, (long long)json_object_array_length(found));
		json_object_put(found);
		return resp_json(r, 200, json_object_new_array());
	}
	return resp_json(r, 200, found);
}

/* #12 GET /people/{username}/timeline/authors */
enum max_err timeline_authors(struct max_ctx *c, struct max_resp *r)
{
	struct stream_q q;
	enum max_err e = stream_q_parse(c, &q, 8, 0);
	if (!e) {
		q.src = SRC_TIMELINE;
		q.user = c->params[0];
		e = authors(c, r, &q);
	}
	stream_q_free(&q);
	return e;
}

/* ---- #15 #17 context --------------------------------------------------------- */

/* The context of the URL, readable by the caller (§6.4 list posts). */
static enum max_err readable_context(struct max_ctx *c, struct context *ctx)
{
	int found = context_load(c, c->params[0], ctx);
	if (found < 0)
		return max_fail(c, MAX_ESERVER, "context lookup failed");
	if (!found)
		return traverse_not_found(c, "hash", c->params[0], "contexts");
	enum max_err e = stream_perm(c, ctx, PA_LIST_POSTS);
	if (e)
		context_free(ctx);
	return e;
}

/* #15 GET /contexts/{hash}/activities: its posts and those of every
 * context whose URL starts with its URL, that the reader may read. */
enum max_err context_activities(struct max_ctx *c, struct max_resp *r)
{
	struct context ctx;
	enum max_err e = readable_context(c, &ctx);
	if (e)
		return e;
	struct stream_from from = {
		.src = SRC_CONTEXT, .url = ctx.url, .reader = c->actor, .all = auth_is_manager(c)};
	e = stream_list(c, r, &from, 10, 1, ACT_ACTING, 1);
	context_free(&ctx);
	return e;
}

/* #17 GET /contexts/{hash}/activities/authors: exactly this context. */
enum max_err context_authors(struct max_ctx *c, struct max_resp *r)
{
	struct context ctx;
	enum max_err e = readable_context(c, &ctx);
	if (e)
		return e;
	struct stream_q q;
	e = stream_q_parse(c, &q, 8, 0);
	if (!e) {
		q.src = SRC_CONTEXT_EXACT;
		q.ctx = ctx.hash;
		e = authors(c, r, &q);
	}
	stream_q_free(&q);
	context_free(&ctx);
	return e;
}

/* ---- #18 --------------------------------------------------------------------- */

/* #18 GET /activities: every post, full; Managers (HEAD: anyone, §1.10). */
enum max_err activities_global(struct max_ctx *c, struct max_resp *r)
{
	struct stream_from from = {.src = SRC_GLOBAL};
	return stream_list(c, r, &from, 10, 0, ACT_PRIVATE | ACT_ACTING, 1);
}
