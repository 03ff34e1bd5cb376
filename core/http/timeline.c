/*
 * timeline.c — the stream listings as HTTP sees them (api.md 7; endpoints.md): #11
 * a user's timeline, #12 its authors, #15 a context's (and its
 * sub-contexts') posts, #17 its authors, #18 all posts; comments.c and
 * activities.c (#13) list the same way. Here the query string becomes a
 * struct stream_q and the ids the model's listing engine
 * (model/stream_query.c) returns become documents.
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
#include "model/people.h"
#include "model/person.h"
#include "http/perm.h"
#include "model/stream_query.h"
#include "http/stream.h"
#include "util/text.h"
#include "http/traverse.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MULTI_MAX 16 /* values of one repeatable filter */

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
		return max_fail(c, MAX_ESEARCH, "at most %d %s values are allowed", MULTI_MAX,
				name);
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
				int touches = (o > v &&
					       (isalnum((unsigned char)o[-1]) || o[-1] == '_')) ||
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

/* api.md 1.11 sort/priority, and the deprecated sortBy */
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

/* The model's MAX_ENOTFOUND: `before` names no activity. */
static enum max_err listing_error(struct max_ctx *c, const struct stream_q *q, enum max_err e)
{
	return e == MAX_ENOTFOUND ? traverse_not_found(c, "_id", q->before, "activity") : e;
}

enum max_err stream_answer(struct max_ctx *c, struct max_resp *r, struct stream_q *q,
			   unsigned flags, int counted)
{
	enum max_err e;
	if (c->is_head) {
		long long n = 0;
		if (counted && (e = listing_error(c, q, stream_query_count(c->db, q, &n))))
			return e;
		if (counted)
			total_header(r, n);
		return resp_json(r, 200, json_object_new_array());
	}
	char(*ids)[MAX_ID_LEN + 1] = xcalloc((size_t)q->limit + 1, sizeof *ids);
	size_t n = 0;
	if ((e = listing_error(c, q, stream_query_page(c->db, q, ids, &n)))) {
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

/* #11 GET /people/{username}/timeline: lean; HEAD has no count (api.md 1.10). */
enum max_err timeline_get(struct max_ctx *c, struct max_resp *r)
{
	struct stream_from from = {.src = SRC_TIMELINE, .user = c->params[0]};
	return stream_list(c, r, &from, 10, 1, ACT_ACTING, 0);
}

/* authors: the visible ones, up to want */
struct found_authors {
	struct max_ctx *c;
	json_object *found;
	long want;
};

/* NonVisible authors stay hidden from those who may not see
 * them (api.md 1.6, the acting user as viewer) */
static int author_found(void *arg, const char *user, json_object *actor)
{
	struct found_authors *x = arg;
	if (people_exists(x->c->db, user) == 1 &&
	    person_may_see(x->c->db, x->c->cfg->restricted_visibility, x->c->actor, user))
		json_object_array_add(x->found, actor);
	else
		json_object_put(actor);
	return (long)json_object_array_length(x->found) >= x->want;
}

/* endpoints.md #12/#17: the distinct person authors of the newest posts (by id),
 * existing users the reader may see (api.md 1.6), in batches of 30, at most 7
 * batches. */
static enum max_err authors(struct max_ctx *c, struct max_resp *r, struct stream_q *q)
{
	struct found_authors x = {c, json_object_new_array(), q->limit};
	enum max_err e = x.want > 0 ? stream_query_authors(c->db, q, author_found, &x) : MAX_OK;
	if (e) {
		json_object_put(x.found);
		return e;
	}
	if (c->is_head) {
		total_header(r, (long long)json_object_array_length(x.found));
		json_object_put(x.found);
		return resp_json(r, 200, json_object_new_array());
	}
	return resp_json(r, 200, x.found);
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

/* The context of the URL, readable by the caller (api.md 6.4 list posts). */
static enum max_err readable_context(struct max_ctx *c, struct context *ctx)
{
	int found = ctx_find(c->db, c->params[0], ctx);
	if (found < 0)
		return max_fail(c, MAX_ESERVER, "context lookup failed");
	if (!found)
		return traverse_not_found(c, "hash", c->params[0], "contexts");
	enum max_err e = perm_require(c, ctx, PA_LIST_POSTS);
	if (e)
		ctx_free(ctx);
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
	struct stream_from from = {.src = SRC_CONTEXT,
				   .url = ctx.url,
				   .reader = c->actor,
				   .all = auth_is_manager(c)};
	e = stream_list(c, r, &from, 10, 1, ACT_ACTING, 1);
	ctx_free(&ctx);
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
	ctx_free(&ctx);
	return e;
}

/* ---- #18 --------------------------------------------------------------------- */

/* #18 GET /activities: every post, full; Managers (HEAD: anyone, api.md 1.10). */
enum max_err activities_global(struct max_ctx *c, struct max_resp *r)
{
	struct stream_from from = {.src = SRC_GLOBAL};
	return stream_list(c, r, &from, 10, 0, ACT_PRIVATE | ACT_ACTING, 1);
}
