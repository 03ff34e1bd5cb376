/*
 * stream.h — what the activity-stream handler files share: the post a URL
 * names and who may do what with it, the rendering of comments, likes and
 * favourites, and the listing endpoints (the query string parsed into the
 * model's struct stream_q, the page rendered).
 *
 * Files: activities.c (posts), timeline.c (listings), comments.c,
 * reactions.c (likes, favourites, flags), maintenance_stream.c,
 * activity_store.c (the renderer).
 */
#ifndef MAX_STREAM_H
#define MAX_STREAM_H

#include "util/buf.h"
#include "http/max.h"
#include "http/contexts.h"
#include "http/perm.h"
#include "model/activities.h"
#include "model/stream_query.h"

/* ---- one activity, as the rules see it (activities.c) ------------------- */

/* The acting user as the rules see him: NULL for a context actor. */
const char *stream_acting(const struct max_ctx *c);

/* 1 found, 0 not, -1 error. */
int stream_load(struct max_ctx *c, const char *id, struct act_post *p);
/* The activity of the URL's first placeholder (traversal already found
 * it): MAX_OK, or 404 when it vanished. */
enum max_err stream_load_url(struct max_ctx *c, struct act_post *p);

/* api.md 6.4 for the caller (authenticated and acting user) on a post. */
enum stream_right {
	SR_VIEW,    /* #19, media, #25 (unlike the original: whoever may view) */
	SR_COMMENT, /* #26: Sub:write; contextless: anyone */
	SR_DELETE,  /* #20: owner, Sub:delete */
	SR_LIKE,    /* #30: Self and (Sub:read, or read public without subscription) */
	SR_FLAG,    /* #34 #35: Sub:flag; contextless: nobody */
};
/* 1 allowed, 0 not, -1 storage error. Managers may do everything, but
 * flagging a contextless post. */
int stream_may(struct max_ctx *c, const struct act_post *p, enum stream_right r);
/* The same as MAX_OK or the standard 403. */
enum max_err stream_require(struct max_ctx *c, const struct act_post *p, enum stream_right r);
/* The URL's activity, for a request that creates something as the acting
 * user (api.md 1.4, unlike the original: only Managers act as somebody else) and needs r. */
enum max_err stream_load_acting(struct max_ctx *c, struct act_post *p, enum stream_right r);

/* 400 MissingField as the original words it: key absent, or present but
 * null or "". */
enum max_err stream_missing(struct max_ctx *c, json_object *o, const char *key);
/* The body's "object" and its objectType (400s when the body is not an
 * object, the object is missing or not an object, objectType missing). */
enum max_err stream_body_object(struct max_ctx *c, json_object **object, const char **type);

/* ---- rendering (activity_store.c) --------------------------------------- */

/* api.md 4.5 comments of a post, oldest first; deletable when ACT_ACTING
 * (post_deletable: the post is deletable for the acting user). */
json_object *stream_replies(struct max_ctx *c, const char *post_id, unsigned flags,
			    int post_deletable);
/* Is the activity deletable for the acting user (api.md 4.4)? */
int stream_deletable(struct max_ctx *c, const char *owner, const char *context_hash);
/* The likes (favourites) of an activity as api.md 4.4 shows them; *mine: the
 * acting user is among them. */
json_object *stream_marks(struct max_ctx *c, enum act_mark m, const char *id, int *mine);

/* ---- listings (timeline.c) ---------------------------------------------- */

/* Reads the query string into q (limit default def_limit). with_sort:
 * this endpoint sorts (a timeline, a context's posts). */
enum max_err stream_q_parse(struct max_ctx *c, struct stream_q *q, long def_limit, int with_sort);
void stream_q_free(struct stream_q *q);
/* Where a listing reads (the source fields of stream_q). */
struct stream_from {
	enum stream_src src;
	const char *user, *reader, *ctx, *url;
	int all;
};
/* A whole listing endpoint: the query string parsed (limit default
 * def_limit, sort when with_sort), the source set, the answer rendered
 * with flags (HEAD: X-totalItems when counted). */
enum max_err stream_list(struct max_ctx *c, struct max_resp *r, const struct stream_from *from,
			 long def_limit, int with_sort, unsigned flags, int counted);
/* A listing answer: the page rendered with flags, or for HEAD (when
 * counted) only X-totalItems. */
enum max_err stream_answer(struct max_ctx *c, struct max_resp *r, struct stream_q *q,
			   unsigned flags, int counted);

#endif
