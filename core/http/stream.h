/*
 * stream.h — what the activity-stream files share (API.md §4.4–§4.7, §6.4,
 * §7): the post a URL names and who may do what with it, the indexes a
 * post or comment feeds (keywords, hashtags, full text), the listing
 * engine of timeline.c and the comment rendering of activity_store.c.
 *
 * Files: activities.c (posts #13–#23), timeline.c (#11 #12 #15 #17 #18
 * and the listing engine), comments.c (#24–#29), reactions.c (#30–#35),
 * maintenance_stream.c (#91–#93), activity_store.c (the renderer).
 */
#ifndef MAX_STREAM_H
#define MAX_STREAM_H

#include "util/buf.h"
#include "http/max.h"
#include "http/contexts.h"
#include "http/perm.h"
#include "model/activities.h"

/* ---- one activity, as the rules see it (activities.c) ------------------- */

/* The acting user as the rules see him: NULL for a context actor. */
const char *stream_acting(const struct max_ctx *c);

/* 1 found, 0 not, -1 error. */
int stream_load(struct max_ctx *c, const char *id, struct act_post *p);
/* The activity of the URL's first placeholder (traversal already found
 * it): MAX_OK, or 404 when it vanished. */
enum max_err stream_load_url(struct max_ctx *c, struct act_post *p);

/* §6.4 for the caller (authenticated and acting user) on a post. */
enum stream_right {
	SR_VIEW,          /* #19, media, #25 (Clean: whoever may view) */
	SR_COMMENT,       /* #26: Sub:write; contextless: anyone */
	SR_DELETE,        /* #20: owner, Sub:delete */
	SR_LIKE,          /* #30: Self and (Sub:read, or read public without subscription) */
	SR_FLAG,          /* #34 #35: Sub:flag; contextless: nobody */
};
/* 1 allowed, 0 not, -1 storage error. Managers may do everything, but
 * flagging a contextless post. */
int stream_may(struct max_ctx *c, const struct act_post *p, enum stream_right r);
/* The same as MAX_OK or the standard 403. */
enum max_err stream_require(struct max_ctx *c, const struct act_post *p, enum stream_right r);
/* A context permission the same for GET and HEAD (HEAD answers what GET
 * would, without the body): MAX_OK or the standard 403. */
enum max_err stream_perm(struct max_ctx *c, const struct context *ctx, enum perm_action a);
/* The URL's activity, for a request that creates something as the acting
 * user (§1.4 Clean: only Managers act as somebody else) and needs r. */
enum max_err stream_load_acting(struct max_ctx *c, struct act_post *p, enum stream_right r);

/* 400 MissingField as the original words it: key absent, or present but
 * null or "". */
enum max_err stream_missing(struct max_ctx *c, json_object *o, const char *key);
/* The body's "object" and its objectType (400s when the body is not an
 * object, the object is missing or not an object, objectType missing). */
enum max_err stream_body_object(struct max_ctx *c, json_object **object, const char **type);

/* ---- rendering (activity_store.c) --------------------------------------- */

/* §4.5 comments of a post, oldest first; deletable when ACT_ACTING
 * (post_deletable: the post is deletable for the acting user). */
json_object *stream_replies(struct max_ctx *c, const char *post_id, unsigned flags,
			    int post_deletable);
/* Is the activity deletable for the acting user (§4.4)? */
int stream_deletable(struct max_ctx *c, const char *owner, const char *context_hash);
/* The likes (favourites) of an activity as §4.4 shows them; *mine: the
 * acting user is among them. */
json_object *stream_marks(struct max_ctx *c, enum act_mark m, const char *id, int *mine);

/* ---- listings (timeline.c) ---------------------------------------------- */

enum stream_src {
	SRC_TIMELINE,        /* #11: posts by user, or in the contexts he reads */
	SRC_CONTEXT,         /* #15: posts of the contexts under url the reader may read */
	SRC_CONTEXT_EXACT,   /* #17: posts of exactly ctx */
	SRC_USER,            /* #13: posts by user the reader may see */
	SRC_GLOBAL,          /* #18: every post */
	SRC_COMMENTS,        /* #24: every comment activity */
	SRC_USER_COMMENTS,   /* #28: comment activities by user */
	SRC_CONTEXT_COMMENTS,/* #29: comment activities on posts of ctx */
};
enum stream_sort { SORT_PUBLISHED, SORT_LIKES, SORT_FLAGGED };

struct stream_q {
	enum stream_src src;
	const char *user;       /* :u */
	const char *reader;     /* :r the caller (for SRC_USER, SRC_CONTEXT) */
	int all;                /* the caller may read everything (Manager) */
	const char *ctx;        /* :ctx a context hash */
	const char *url;        /* :url context URL prefix (SRC_CONTEXT) */
	/* filters (§1.11) */
	char from[21], to[21];
	char *actor;
	const char *fav;
	char *hashtags, *keywords, *ctags; /* JSON arrays, NULL when absent */
	int nhashtags, nkeywords, nctags;
	struct buf q;          /* FTS5 query, empty when absent */
	/* paging and order */
	const char *before, *after;
	long limit;
	enum stream_sort sort;
	int by_comments;       /* priority=comments */
};

/* Reads the query string into q (limit default def_limit). with_sort:
 * this endpoint sorts (#11, #15). */
enum max_err stream_q_parse(struct max_ctx *c, struct stream_q *q, long def_limit,
			    int with_sort);
void stream_q_free(struct stream_q *q);
/* The ids of one page, in order, in ids (each MAX_ID_LEN + 1 bytes);
 * returns the count in *n. */
enum max_err stream_page(struct max_ctx *c, struct stream_q *q, char (*ids)[MAX_ID_LEN + 1],
			 size_t *n);
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
/* Number of items matching q regardless of limit (HEAD, §1.10). */
enum max_err stream_count(struct max_ctx *c, struct stream_q *q, long long *n);
/* A listing answer: the page rendered with flags, or for HEAD (when
 * counted) only X-totalItems. */
enum max_err stream_answer(struct max_ctx *c, struct max_resp *r, struct stream_q *q,
			   unsigned flags, int counted);

#endif
