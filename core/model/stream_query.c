/*
 * stream_query.c — the listing engine of the activity stream (see
 * stream_query.h). Every listing is a static SQL text (named parameters,
 * all bound; a NULL parameter switches its filter off) chosen by source
 * and sort:
 *
 *  - a timeline or a context listing merges several contexts. Sorting all
 *    their posts would cost as much as the contexts are big, so each
 *    context contributes only its newest k candidates: a correlated
 *    subquery finds the k-th newest key of the context on the index
 *    (context_hash, visible, key), and the range scan stops there. The work
 *    is (contexts + own posts) × k index entries whatever the data size.
 *  - likes/flagged orders are two parts: the liked (flagged) posts, few,
 *    sorted in full by their composite key; then the others, by id,
 *    through the merge above. `before` continues the composite order from
 *    the item it names.
 *  - the other listings walk one index in key order.
 *
 * Filters are indexable: text, keywords and hashtags through the full-text
 * index, the favourites of the acting user through theirs.
 */
#include "model/stream_query.h"
#include "model/activities.h"
#include "util/text.h"

#include <stdio.h>
#include <string.h>

#define AUTHORS_BATCH 30  /* authors: batches of 30 posts … */
#define AUTHORS_BATCHES 7 /* … at most 7 of them */
#define KEY_TOP "~"       /* above every id: no `before` */

/* ---- SQL ------------------------------------------------------------------- */

/* Join orders and indexes are pinned (CROSS JOIN, INDEXED BY): without
 * statistics SQLite would rather walk every post by id and look each one
 * up in the subscriptions. */

/* filters read from the row (or the favourites of :fav) */
#define FILTERS(X)                                                                                 \
	" AND (:from IS NULL OR " X ".published >= :from)"                                         \
	" AND (:to IS NULL OR " X ".published < :to)"                                              \
	" AND (:actor IS NULL OR (" X ".actor = :actor AND " X ".actor_kind = 'person'))"          \
	" AND (:fav IS NULL OR " X ".id IN"                                                        \
	"      (SELECT activity_id FROM favorites WHERE username = :fav))"                         \
	" AND (:ctags IS NULL OR (SELECT count(DISTINCT value)"                                    \
	"      FROM json_each(" X ".context_json, '$.tags')"                                       \
	"      WHERE value IN (SELECT value FROM json_each(:ctags))) = :nctags)"

/* The full-text index (schema 009) holds a row per post and comment: the
 * plain text, and tokens 'k'/'h' + hex for its keywords and hashtags,
 * 'p' + hex for the words a comment brings to its post. A post has a
 * keyword when it or one of its live replies has it, a hashtag when it or
 * any of its replies has it (a post keeps the hashtags of removed
 * comments); the full text matches a post by its own text or its live
 * replies'. */
#define HEXOF "lower(hex(j.value))"
#define POST_OF "CASE WHEN x.verb = 'post' THEN x.id ELSE x.in_reply_to END"
#define LIVE " (x.verb = 'post' OR (x.verb = 'comment' AND x.reply_deleted = 0))"
#define ANY " (x.verb = 'post' OR x.verb = 'comment')"
/* the posts having each of the N values of LIST, a token TOK each */
#define POSTS_WITH_ALL(LIST, N, TOK, WHICH)                                                        \
	"SELECT post FROM (SELECT DISTINCT j.value AS w, " POST_OF " AS post"                      \
	" FROM json_each(" LIST ") j JOIN stream_fts f ON f.stream_fts MATCH (" TOK ")"            \
	" JOIN activities x ON x.rid = f.rowid WHERE" WHICH ") GROUP BY post"                      \
	" HAVING count(*) = " N
/* the rows having each of them themselves */
#define ROWS_WITH_ALL(LIST, N, TOK)                                                                \
	"SELECT r FROM (SELECT DISTINCT j.value AS w, f.rowid AS r FROM json_each(" LIST ") j"     \
	" JOIN stream_fts f ON f.stream_fts MATCH (" TOK ")) GROUP BY r HAVING count(*) = " N
#define TOK_KW_POST "'{terms} : (k' || " HEXOF " || ' OR p' || " HEXOF " || ')'"
#define TOK_KW "'{terms} : k' || " HEXOF
#define TOK_TAG "'{terms} : h' || " HEXOF
#define TERMS_POSTS(X)                                                                             \
	" AND (:keywords IS NULL OR " X                                                            \
	".id IN (" POSTS_WITH_ALL(":keywords", ":nkeywords", TOK_KW_POST,                          \
				  LIVE) "))"                                                       \
					" AND (:hashtags IS NULL OR " X                            \
					".id IN (" POSTS_WITH_ALL(":hashtags", ":nhashtags",       \
								  TOK_TAG, ANY) "))"
#define TERMS_COMMENTS(X)                                                                          \
	" AND (:keywords IS NULL OR " X                                                            \
	".rid IN (" ROWS_WITH_ALL(":keywords", ":nkeywords",                                       \
				  TOK_KW) "))"                                                     \
					  " AND (:hashtags IS NULL OR " X                          \
					  ".rid IN (" ROWS_WITH_ALL(":hashtags", ":nhashtags",     \
								    TOK_TAG) "))"

/* full text (:q is "{text} : (…)"): a post matches by its own text or its
 * live replies' */
#define Q_POSTS(X)                                                                                 \
	" AND (:q IS NULL OR " X ".id IN (SELECT " POST_OF " FROM stream_fts f"                    \
	"      JOIN activities x ON x.rid = f.rowid WHERE f.stream_fts MATCH :q AND" LIVE "))"
#define Q_COMMENTS(X)                                                                              \
	" AND (:q IS NULL OR " X ".rid IN (SELECT rowid FROM stream_fts WHERE stream_fts MATCH "   \
	":q))"

/* second part of the likes (1) and flagged (2) orders */
#define MODE(X)                                                                                    \
	" AND (:mode != 1 OR " X ".likes_count = 0) AND (:mode != 2 OR " X ".flag_state != 1)"

/* every filter of a post listing, and of a comment listing */
#define PF_ALL(X) FILTERS(X) TERMS_POSTS(X) Q_POSTS(X)
#define CF_ALL(X) FILTERS(X) TERMS_COMMENTS(X) Q_COMMENTS(X)
#define POST_FILTERS(X) MODE(X) PF_ALL(X)
/* the plain timeline and context listings have no filter at all: their
 * statements skip even the tests of NULL parameters */
#define NO_FILTERS(X) ""
/* the half of the comments order that has no comment yet (lastComment
 * is the post itself), read by id */
#define NOC(X) " AND " X ".last_comment IS NULL"
#define NOC_FILTERS(X) NOC(X) POST_FILTERS(X)

/* contexts whose posts a timeline shows: the subscriptions still holding
 * read. The original used every subscription; contexts the reader may no
 * longer read drop out, which also keeps the timeline consistent with the
 * rule on who may view a post. */
#define SET_TIMELINE "SELECT hash FROM subscriptions WHERE username = :u AND perm_mask & 2"
/* a context listing: contexts under the URL prefix the reader may read */
#define SET_CONTEXT                                                                                \
	"SELECT hash FROM contexts WHERE url >= :url AND url < :urlhi"                             \
	" AND (:all OR hash IN (SELECT hash FROM subscriptions WHERE username = :r"                \
	"      AND perm_mask & 2) OR json_extract(permissions_json, '$.read') = 'public')"

/* the live posts of the contexts of SET, through index IDX, key K in range */
#define IN_SET(SET, IDX, K)                                                                        \
	" FROM (" SET ") s CROSS JOIN activities a INDEXED BY " IDX                                \
	" ON a.context_hash = s.hash AND a.verb = 'post' AND a.visible = 1"                        \
	" AND a." K " < :hi AND a." K " > :lo"
/* the user's own live posts, wherever they are */
#define OWN(IDX, K)                                                                                \
	" FROM activities a INDEXED BY " IDX " WHERE a.actor = :u AND a.actor_kind = 'person'"     \
	" AND a.verb = 'post' AND a.visible = 1 AND a." K " < :hi AND a." K " > :lo"

/* The newest :k posts of many contexts without sorting them all. With
 * H the k-th highest of the contexts' newest keys ("heads"), every one of
 * the k newest posts has a key >= H (the k heads above it are k posts),
 * so it lives in a context whose head is >= H (at most k of them) and is
 * among that context's own newest k. So: one index seek per context for
 * its head, then, in the <= k contexts that qualify, a range scan from
 * max(H, the context's k-th key, just above :lo) up to its head. The work
 * is (contexts + k²) index entries whatever the number of posts. */
#define HEAD_OF(X, IDX, K, PF, OFFSET)                                                             \
	"(SELECT b." K " FROM activities b INDEXED BY " IDX " WHERE b.context_hash = " X           \
	" AND b.verb = 'post' AND b.visible = 1 AND b." K " < :hi AND b." K                        \
	" > :lo" PF("b") " ORDER BY b." K " DESC LIMIT 1" OFFSET ")"
#define HEADS(SET, IDX, K, PF)                                                                     \
	"WITH heads AS MATERIALIZED (SELECT s.hash AS hash, " HEAD_OF(                             \
		"s.hash", IDX, K, PF,                                                              \
		"") " AS head FROM (" SET ") s),"                                                  \
		    " th(v) AS (SELECT IFNULL((SELECT head FROM heads WHERE head IS NOT NULL"      \
		    " ORDER BY head DESC LIMIT 1 OFFSET :k1), '')) "
#define FROM_HEADS(IDX, K, PF)                                                                     \
	" FROM heads h CROSS JOIN activities a INDEXED BY " IDX                                    \
	" ON a.context_hash = h.hash AND a.verb = 'post' AND a.visible = 1"                        \
	" AND a." K " <= h.head AND a." K " >= max(:lo1, (SELECT v FROM th),"                      \
	" IFNULL(" HEAD_OF("h.hash", IDX, K, PF,                                                   \
			   " OFFSET :k1") ", ''))" PF("a") " WHERE h.head >= (SELECT v FROM th)"

#define IDX_ID "activities_ctx"
#define IDX_LASTC "activities_ctx_lastc" /* posts with comments only */
#define OWN_ID "activities_actor"
#define OWN_LASTC "activities_actor_lastc" /* posts with comments only */

#define MERGE_TIMELINE(K, IDX, OIDX, PF)                                                           \
	HEADS(SET_TIMELINE, IDX, K, PF)                                                            \
	"SELECT k, id FROM (SELECT a." K                                                           \
	" AS k, a.id AS id" FROM_HEADS(IDX, K, PF) " UNION SELECT k, id FROM (SELECT a." K         \
						   " AS k, a.id AS id" OWN(OIDX, K)                \
							   PF("a") " ORDER BY a." K                \
								   " DESC LIMIT :k)) ORDER BY k "  \
								   "DESC, id DESC LIMIT :k"
#define MERGE_CONTEXT(K, IDX, PF)                                                                  \
	HEADS(SET_CONTEXT, IDX, K, PF)                                                             \
	"SELECT k, id FROM (SELECT a." K                                                           \
	" AS k, a.id AS id" FROM_HEADS(IDX, K, PF) ") ORDER BY k DESC, id DESC LIMIT :k"
#define COUNT_TIMELINE(K, IDX, OIDX)                                                               \
	"SELECT count(*) FROM (SELECT a.id" IN_SET(SET_TIMELINE, IDX, K)                           \
		POST_FILTERS("a") " UNION SELECT a.id" OWN(OIDX, K) POST_FILTERS("a") ")"
#define COUNT_CONTEXT(K, IDX) "SELECT count(*)" IN_SET(SET_CONTEXT, IDX, K) POST_FILTERS("a")

/* The comments order (key lastComment, the post's own id while it has no
 * comment) in two halves: the posts with comments through the lastComment
 * indexes, the others through the id indexes. The newest k of the whole
 * are among the newest k of each half. */
#define BY_COMMENTS(A, B)                                                                          \
	"SELECT k, id FROM (" A ") UNION ALL SELECT k, id FROM (" B ")"                            \
	" ORDER BY k DESC, id DESC LIMIT :k"
#define MERGE2_TIMELINE(PFA, PFB)                                                                  \
	BY_COMMENTS(MERGE_TIMELINE("last_comment", IDX_LASTC, OWN_LASTC, PFA),                     \
		    MERGE_TIMELINE("id", IDX_ID, OWN_ID, PFB))
#define MERGE2_CONTEXT(PFA, PFB)                                                                   \
	BY_COMMENTS(MERGE_CONTEXT("last_comment", IDX_LASTC, PFA), MERGE_CONTEXT("id", IDX_ID, PFB))
#define COUNT2_TIMELINE                                                                            \
	"SELECT count(*) FROM (SELECT a.id" IN_SET(SET_TIMELINE, IDX_LASTC, "last_comment")        \
		POST_FILTERS("a") " UNION SELECT a.id" OWN(OWN_LASTC, "last_comment")              \
			POST_FILTERS("a") " UNION SELECT a.id" IN_SET(SET_TIMELINE, IDX_ID, "id")  \
				NOC_FILTERS("a") " UNION SELECT a.id" OWN(OWN_ID, "id")            \
					NOC_FILTERS("a") ")"
#define COUNT2_CONTEXT                                                                             \
	"SELECT (SELECT count(*)" IN_SET(SET_CONTEXT, IDX_LASTC, "last_comment")                   \
		POST_FILTERS("a") ") + (SELECT count(*)" IN_SET(SET_CONTEXT, IDX_ID, "id")         \
			NOC_FILTERS("a") ")"

/* The first part of the likes and flagged orders: the liked (flagged)
 * posts, sorted in full by (c1, c2, id), continued after (:c1, :c2, :cid). */
#define CONTINUE                                                                                   \
	" AND (:cont = 0 OR c1 < :c1 OR (c1 = :c1 AND (c2 < :c2 OR (c2 = :c2 AND id < :cid))))"
#define LIKED_COLS                                                                                 \
	"SELECT a.likes_count AS c1,"                                                              \
	" (CASE WHEN :prio THEN IFNULL(a.last_comment, a.id) ELSE a.last_like END) AS c2,"         \
	" a.id AS id"
#define FLAGGED_COLS                                                                               \
	"SELECT a.flagged AS c1, (CASE WHEN :prio THEN IFNULL(a.last_comment, a.id)"               \
	" ELSE a.id END) AS c2,"                                                                   \
	" a.id AS id"
#define LIKED_SET(SET)                                                                             \
	LIKED_COLS " FROM (" SET ") s CROSS JOIN activities a INDEXED BY activities_ctx_liked"     \
		   " ON a.context_hash = s.hash AND a.verb = 'post' AND a.likes_count > 0"         \
		   " AND a.visible = 1" PF_ALL("a")
#define LIKED_OWN                                                                                  \
	LIKED_COLS " FROM activities a INDEXED BY activities_actor WHERE a.actor = :u"             \
		   " AND a.actor_kind = 'person' AND a.verb = 'post' AND a.likes_count > 0"        \
		   " AND a.visible = 1" PF_ALL("a")
#define FLAGGED_SET(SET)                                                                           \
	FLAGGED_COLS " FROM (" SET ") s CROSS JOIN activities a"                                   \
		     " INDEXED BY activities_ctx_flagged ON a.context_hash = s.hash AND a.verb = " \
		     "'post'"                                                                      \
		     " AND a.flag_state = 1 AND a.visible = 1" PF_ALL("a")
#define FLAGGED_OWN                                                                                \
	FLAGGED_COLS " FROM activities a INDEXED BY activities_actor WHERE a.actor = :u"           \
		     " AND a.actor_kind = 'person' AND a.verb = 'post' AND a.flag_state = 1"       \
		     " AND a.visible = 1" PF_ALL("a")
#define PART(ARMS)                                                                                 \
	"SELECT id FROM (" ARMS ") WHERE 1" CONTINUE " ORDER BY c1 DESC, c2 DESC, id DESC LIMIT "  \
	":k"
#define PART_COUNT(ARMS) "SELECT count(*) FROM (" ARMS ") WHERE 1" CONTINUE

/* single-index listings, newest first */
#define BOUNDS " AND a.id < :hi AND a.id > :lo"
#define WHERE_USER                                                                                 \
	" FROM activities a INDEXED BY activities_actor WHERE a.actor = :u"                        \
	" AND a.actor_kind = 'person' AND a.verb = 'post' AND a.visible = 1" BOUNDS                \
	" AND ((:ctx IS NULL AND a.context_hash IS NULL) OR ((:ctx IS NULL OR"                     \
	"      a.context_hash = :ctx) AND a.context_hash IN (SELECT s.hash FROM subscriptions s"   \
	"      WHERE s.username = :u AND (:all OR s.hash IN (SELECT hash FROM subscriptions"       \
	"      WHERE username = :r) OR EXISTS (SELECT 1 FROM contexts x WHERE x.hash = s.hash"     \
	"      AND json_extract(x.permissions_json, '$.read') = 'public')))))" PF_ALL("a")
#define WHERE_GLOBAL                                                                               \
	" FROM activities a INDEXED BY activities_id WHERE a.verb = 'post'" BOUNDS PF_ALL("a")
#define WHERE_CONTEXT_EXACT                                                                        \
	" FROM activities a INDEXED BY " IDX_ID " WHERE a.context_hash = :ctx"                     \
	" AND a.verb = 'post' AND a.visible = 1" BOUNDS PF_ALL("a")
#define WHERE_COMMENTS                                                                              \
	" FROM activities a INDEXED BY activities_comments WHERE a.verb = 'comment'" BOUNDS CF_ALL( \
		"a")
#define WHERE_USER_COMMENTS                                                                        \
	" FROM activities a INDEXED BY activities_actor WHERE a.actor = :u"                        \
	" AND a.actor_kind = 'person' AND a.verb = 'comment'" BOUNDS CF_ALL("a")
#define WHERE_CONTEXT_COMMENTS                                                                     \
	" FROM activities a INDEXED BY activities_reply_ctx WHERE a.reply_context = :ctx"          \
	" AND a.verb = 'comment'" BOUNDS CF_ALL("a")
#define LIST(W) "SELECT a.id" W " ORDER BY a.id DESC LIMIT :k"
#define COUNT(W) "SELECT count(*)" W

/* ---- statements ---------------------------------------------------------------- */

/* Each SQL text once, so that the store caches it by address. */

/* the merged listings: context (else timeline), by lastComment (else id),
 * filtered (else not) */
static store_q *merge_stmt(struct store *st, int ctx, int lastc, int filt)
{
	if (ctx && lastc)
		return filt ? store_sql(st, MERGE2_CONTEXT(POST_FILTERS, NOC_FILTERS))
			    : store_sql(st, MERGE2_CONTEXT(NO_FILTERS, NOC));
	if (ctx)
		return filt ? store_sql(st, MERGE_CONTEXT("id", IDX_ID, POST_FILTERS))
			    : store_sql(st, MERGE_CONTEXT("id", IDX_ID, NO_FILTERS));
	if (lastc)
		return filt ? store_sql(st, MERGE2_TIMELINE(POST_FILTERS, NOC_FILTERS))
			    : store_sql(st, MERGE2_TIMELINE(NO_FILTERS, NOC));
	return filt ? store_sql(st, MERGE_TIMELINE("id", IDX_ID, OWN_ID, POST_FILTERS))
		    : store_sql(st, MERGE_TIMELINE("id", IDX_ID, OWN_ID, NO_FILTERS));
}

static store_q *merge_count_stmt(struct store *st, int ctx, int lastc)
{
	if (ctx)
		return lastc ? store_sql(st, COUNT2_CONTEXT)
			     : store_sql(st, COUNT_CONTEXT("id", IDX_ID));
	return lastc ? store_sql(st, COUNT2_TIMELINE)
		     : store_sql(st, COUNT_TIMELINE("id", IDX_ID, OWN_ID));
}

/* the first part of the likes (flagged) order; count: its size */
static store_q *part_stmt(struct store *st, int ctx, int flagged, int count)
{
	if (ctx && flagged)
		return count ? store_sql(st, PART_COUNT(FLAGGED_SET(SET_CONTEXT)))
			     : store_sql(st, PART(FLAGGED_SET(SET_CONTEXT)));
	if (ctx)
		return count ? store_sql(st, PART_COUNT(LIKED_SET(SET_CONTEXT)))
			     : store_sql(st, PART(LIKED_SET(SET_CONTEXT)));
	if (flagged)
		return count ? store_sql(st, PART_COUNT(FLAGGED_SET(
						     SET_TIMELINE) " UNION " FLAGGED_OWN))
			     : store_sql(st, PART(FLAGGED_SET(SET_TIMELINE) " UNION " FLAGGED_OWN));
	return count ? store_sql(st, PART_COUNT(LIKED_SET(SET_TIMELINE) " UNION " LIKED_OWN))
		     : store_sql(st, PART(LIKED_SET(SET_TIMELINE) " UNION " LIKED_OWN));
}

/* the listings that walk one index */
static store_q *simple_stmt(struct store *st, enum stream_src src, int count)
{
	switch (src) {
	case SRC_USER:
		return count ? store_sql(st, COUNT(WHERE_USER)) : store_sql(st, LIST(WHERE_USER));
	case SRC_GLOBAL:
		return count ? store_sql(st, COUNT(WHERE_GLOBAL))
			     : store_sql(st, LIST(WHERE_GLOBAL));
	case SRC_CONTEXT_EXACT:
		return count ? store_sql(st, COUNT(WHERE_CONTEXT_EXACT))
			     : store_sql(st, LIST(WHERE_CONTEXT_EXACT));
	case SRC_COMMENTS:
		return count ? store_sql(st, COUNT(WHERE_COMMENTS))
			     : store_sql(st, LIST(WHERE_COMMENTS));
	case SRC_USER_COMMENTS:
		return count ? store_sql(st, COUNT(WHERE_USER_COMMENTS))
			     : store_sql(st, LIST(WHERE_USER_COMMENTS));
	case SRC_CONTEXT_COMMENTS:
		return count ? store_sql(st, COUNT(WHERE_CONTEXT_COMMENTS))
			     : store_sql(st, LIST(WHERE_CONTEXT_COMMENTS));
	default:
		return NULL;
	}
}

static int merged(enum stream_src src)
{
	return src == SRC_TIMELINE || src == SRC_CONTEXT;
}

/* ---- binding ------------------------------------------------------------------ */

/* The values of the paging parameters of one statement run. */
struct run {
	const char *hi, *lo;
	char lo1[MAX_ID_LEN + 2];
	long long k;
	int mode;      /* MODE(): 0, 1 unliked, 2 unflagged */
	int cont;      /* continue the composite order after: */
	int c1_is_int; /* likes: c1 is the likes count */
	long long c1i;
	char c1[32], c2[32], cid[MAX_ID_LEN + 1];
	char urlhi[4096];
};

static void bind_filters(store_q *s, const struct stream_q *q)
{
	store_bind_text_named(s, ":from", q->from[0] ? q->from : NULL);
	store_bind_text_named(s, ":to", q->to[0] ? q->to : NULL);
	store_bind_text_named(s, ":actor", q->actor);
	store_bind_text_named(s, ":fav", q->fav);
	store_bind_text_named(s, ":hashtags", q->hashtags);
	store_bind_int_named(s, ":nhashtags", q->nhashtags);
	store_bind_text_named(s, ":keywords", q->keywords);
	store_bind_int_named(s, ":nkeywords", q->nkeywords);
	store_bind_text_named(s, ":ctags", q->ctags);
	store_bind_int_named(s, ":nctags", q->nctags);
	if (!q->q.len)
		return;
	/* the text column only: the terms column holds keyword tokens */
	struct buf m;
	buf_init(&m);
	buf_printf(&m, "{text} : (%s)", q->q.data);
	store_bind_text_named(s, ":q", m.data);
	buf_free(&m);
}

static void bind_paging(store_q *s, const struct stream_q *q, struct run *x)
{
	store_bind_text_named(s, ":hi", x->hi);
	store_bind_text_named(s, ":lo", x->lo);
	snprintf(x->lo1, sizeof x->lo1, "%s%s", x->lo, *x->lo ? "\x01" : "");
	store_bind_text_named(s, ":lo1", x->lo1);
	store_bind_int_named(s, ":k", x->k);
	store_bind_int_named(s, ":k1", x->k > 0 ? x->k - 1 : 0);
	store_bind_int_named(s, ":mode", x->mode);
	store_bind_int_named(s, ":prio", q->by_comments);
	store_bind_int_named(s, ":cont", x->cont);
	if (!x->cont)
		return;
	/* the likes count is an integer column: compare it as one */
	if (x->c1_is_int)
		store_bind_int_named(s, ":c1", x->c1i);
	else
		store_bind_text_named(s, ":c1", x->c1);
	store_bind_text_named(s, ":c2", x->c2);
	store_bind_text_named(s, ":cid", x->cid);
}

static void bind_all(store_q *s, const struct stream_q *q, struct run *x)
{
	store_bind_text_named(s, ":u", q->user);
	store_bind_text_named(s, ":r", q->reader);
	store_bind_int_named(s, ":all", q->all);
	store_bind_text_named(s, ":ctx", q->ctx);
	store_bind_text_named(s, ":url", q->url);
	if (q->url) {
		/* every URL with this prefix sorts below prefix + 0xFF (never in UTF-8) */
		snprintf(x->urlhi, sizeof x->urlhi, "%s\xff", q->url);
		store_bind_text_named(s, ":urlhi", x->urlhi);
	}
	bind_filters(s, q);
	bind_paging(s, q, x);
}

/* Runs s and appends the ids it returns (column idcol), up to max. */
static enum max_err run_ids(struct store *st, store_q *s, const struct stream_q *q, struct run *x,
			    int idcol, char (*ids)[MAX_ID_LEN + 1], size_t *n, size_t max)
{
	if (!s)
		return model_fail(st, MAX_ESERVER, "listing query failed");
	bind_all(s, q, x);
	int rc = STORE_DONE;
	while (*n < max && (rc = store_step(s)) == STORE_ROW)
		store_copy(s, idcol, ids[(*n)++], MAX_ID_LEN + 1);
	if (rc == STORE_ROW)
		store_reset(s);
	return rc == STORE_ERR ? model_fail(st, MAX_ESERVER, "listing query failed") : MAX_OK;
}

static enum max_err run_count(struct store *st, store_q *s, const struct stream_q *q, struct run *x,
			      long long *n)
{
	if (!s)
		return model_fail(st, MAX_ESERVER, "count query failed");
	bind_all(s, q, x);
	if (store_one(s) != 1)
		return model_fail(st, MAX_ESERVER, "count query failed");
	*n += store_int(s, 0);
	store_reset(s);
	return MAX_OK;
}

/* ---- the two-part orders -------------------------------------------------------- */

/* Where `before` (row: likes_count, last_like, last_comment, flag_state,
 * flagged) stands in the likes (flagged) order: x's composite key
 * continued after it, or *skip_a when it is in the second part (x->hi is
 * then its id). */
static void composite_key(const struct stream_q *q, store_q *row, struct run *x, int *skip_a)
{
	const char *last_like = store_text(row, 1), *last_comment = store_text(row, 2);
	const char *flagged = store_text(row, 4);
	int in_a;
	if (q->sort == SORT_LIKES) {
		in_a = store_int(row, 0) > 0;
		x->c1_is_int = 1;
		x->c1i = store_int(row, 0);
		snprintf(x->c2, sizeof x->c2, "%s",
			 q->by_comments ? (last_comment ? last_comment : q->before)
					: (last_like ? last_like : ""));
	} else {
		in_a = store_int(row, 3) == 1;
		snprintf(x->c1, sizeof x->c1, "%s", flagged ? flagged : "");
		snprintf(x->c2, sizeof x->c2, "%s",
			 q->by_comments && last_comment ? last_comment : q->before);
	}
	snprintf(x->cid, sizeof x->cid, "%s", q->before);
	x->cont = in_a;
	*skip_a = !in_a;
	if (!in_a)
		x->hi = q->before;
}

/* Sets x for the liked/flagged part after q->before. */
static enum max_err composite_start(struct store *st, const struct stream_q *q, struct run *x,
				    int *skip_a)
{
	*skip_a = 0;
	x->cont = 0;
	if (!q->before)
		return MAX_OK;
	store_q *s = store_sql(st, "SELECT likes_count, last_like, last_comment, flag_state,"
				   " flagged FROM activities WHERE id = ?1");
	if (!s)
		return model_fail(st, MAX_ESERVER, "listing query failed");
	store_bind_text(s, 1, q->before);
	int found = store_one(s);
	if (found <= 0)
		return found < 0 ? model_fail(st, MAX_ESERVER, "listing query failed")
				 : MAX_ENOTFOUND;
	composite_key(q, s, x, skip_a);
	store_reset(s);
	return MAX_OK;
}

/* Does q filter at all (the second part of a likes/flagged order does)? */
static int filtered(const struct stream_q *q)
{
	return q->from[0] || q->to[0] || q->actor || q->fav || q->hashtags || q->keywords ||
	       q->ctags || q->q.len;
}

/* ---- pages and counts ------------------------------------------------------------ */

enum max_err stream_query_page(struct store *st, const struct stream_q *q,
			       char (*ids)[MAX_ID_LEN + 1], size_t *n)
{
	struct run x = {.hi = q->before ? q->before : KEY_TOP,
			.lo = q->after ? q->after : "",
			.k = q->limit};
	size_t max = (size_t)q->limit;
	int ctx = q->src == SRC_CONTEXT;
	*n = 0;
	if (!merged(q->src))
		return run_ids(st, simple_stmt(st, q->src, 0), q, &x, 0, ids, n, max);
	if (q->sort == SORT_PUBLISHED)
		return run_ids(st, merge_stmt(st, ctx, q->by_comments, filtered(q)), q, &x, 1, ids,
			       n, max);
	int skip_a, flagged = q->sort == SORT_FLAGGED;
	x.hi = KEY_TOP;
	enum max_err e = composite_start(st, q, &x, &skip_a);
	if (e)
		return e;
	if (!skip_a && (e = run_ids(st, part_stmt(st, ctx, flagged, 0), q, &x, 0, ids, n, max)))
		return e;
	if (*n >= max)
		return MAX_OK;
	x.k = q->limit - (long long)*n;
	x.mode = flagged ? 2 : 1;
	x.cont = 0;
	return run_ids(st, merge_stmt(st, ctx, 0, 1), q, &x, 1, ids, n, max);
}

enum max_err stream_query_count(struct store *st, const struct stream_q *q, long long *n)
{
	struct run x = {.hi = q->before ? q->before : KEY_TOP,
			.lo = q->after ? q->after : "",
			.k = q->limit};
	int ctx = q->src == SRC_CONTEXT;
	*n = 0;
	if (!merged(q->src))
		return run_count(st, simple_stmt(st, q->src, 1), q, &x, n);
	if (q->sort == SORT_PUBLISHED)
		return run_count(st, merge_count_stmt(st, ctx, q->by_comments), q, &x, n);
	int skip_a, flagged = q->sort == SORT_FLAGGED;
	x.hi = KEY_TOP;
	enum max_err e = composite_start(st, q, &x, &skip_a);
	if (e)
		return e;
	if (!skip_a && (e = run_count(st, part_stmt(st, ctx, flagged, 1), q, &x, n)))
		return e;
	x.mode = flagged ? 2 : 1;
	x.cont = 0;
	return run_count(st, merge_count_stmt(st, ctx, 0), q, &x, n);
}

/* ---- authors -------------------------------------------------------------------- */

/* Hands fn the new person authors of ids; 1 when fn has enough. */
static int authors_of(struct store *st, char (*ids)[MAX_ID_LEN + 1], size_t n, json_object *seen,
		      int (*fn)(void *, const char *, json_object *), void *arg, enum max_err *e)
{
	for (size_t i = 0; i < n; i++) {
		char user[MAX_USERNAME_MAX + 1];
		json_object *actor = NULL;
		int found = act_person_author(st, ids[i], user, &actor);
		if (found < 0) {
			*e = model_fail(st, MAX_ESERVER, "author lookup failed");
			return 1;
		}
		size_t before = json_object_array_length(seen);
		if (found && *user)
			text_set_add(seen, user);
		if (json_object_array_length(seen) == before) {
			json_object_put(actor);
			continue;
		}
		if (fn(arg, user, actor))
			return 1;
	}
	return 0;
}

enum max_err stream_query_authors(struct store *st, struct stream_q *q,
				  int (*fn)(void *arg, const char *user, json_object *actor),
				  void *arg)
{
	char ids[AUTHORS_BATCH][MAX_ID_LEN + 1], last[MAX_ID_LEN + 1];
	json_object *seen = json_object_new_array();
	enum max_err e = MAX_OK;
	q->sort = SORT_PUBLISHED;
	q->by_comments = 0;
	q->limit = AUTHORS_BATCH;
	for (int batch = 0; batch < AUTHORS_BATCHES; batch++) {
		size_t n = 0;
		if ((e = stream_query_page(st, q, ids, &n)))
			break;
		if (authors_of(st, ids, n, seen, fn, arg, &e) || n < AUTHORS_BATCH)
			break;
		snprintf(last, sizeof last, "%s", ids[n - 1]);
		q->before = last;
	}
	json_object_put(seen);
	return e;
}
