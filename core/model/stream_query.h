/*
 * stream_query.h — the listing engine of the activity stream: which posts
 * (or comment activities) one page of a listing shows, how many there are,
 * and the distinct authors of the newest posts. A query is plain data (the
 * HTTP layer parses it from the query string); the answer is ids in order,
 * rendered by the caller.
 */
#ifndef MAX_MODEL_STREAM_QUERY_H
#define MAX_MODEL_STREAM_QUERY_H

#include "model/model.h"
#include "util/buf.h"

#include <json-c/json.h>

enum stream_src {
	SRC_TIMELINE,         /* a user's timeline: posts by user, or in the contexts he reads */
	SRC_CONTEXT,          /* posts of the contexts under url the reader may read */
	SRC_CONTEXT_EXACT,    /* posts of exactly ctx */
	SRC_USER,             /* posts by user the reader may see */
	SRC_GLOBAL,           /* every post */
	SRC_COMMENTS,         /* every comment activity */
	SRC_USER_COMMENTS,    /* comment activities by user */
	SRC_CONTEXT_COMMENTS, /* comment activities on posts of ctx */
};
enum stream_sort { SORT_PUBLISHED, SORT_LIKES, SORT_FLAGGED };

struct stream_q {
	enum stream_src src;
	const char *user;   /* :u */
	const char *reader; /* :r the caller (for SRC_USER, SRC_CONTEXT) */
	int all;            /* the caller may read everything (Manager) */
	const char *ctx;    /* :ctx a context hash */
	const char *url;    /* :url context URL prefix (SRC_CONTEXT) */
	/* filters: each NULL (empty) when absent */
	char from[21], to[21];             /* published in [from, to) */
	char *actor;                       /* posts by this person */
	const char *fav;                   /* favourites of this user */
	char *hashtags, *keywords, *ctags; /* JSON arrays of distinct values */
	int nhashtags, nkeywords, nctags;
	struct buf q; /* FTS5 query */
	/* paging and order */
	const char *before, *after;
	long limit;
	enum stream_sort sort;
	int by_comments; /* order by lastComment instead of id */
};

/* The ids of one page, in order, into ids (each MAX_ID_LEN + 1 bytes, room
 * for q->limit); the count in *n. MAX_ENOTFOUND (no text) when a likes or
 * flagged order continues `before` an activity that does not exist. */
enum max_err stream_query_page(struct store *st, const struct stream_q *q,
			       char (*ids)[MAX_ID_LEN + 1], size_t *n);
/* Number of items q matches regardless of its limit; errors as above. */
enum max_err stream_query_count(struct store *st, const struct stream_q *q, long long *n);

/* The distinct person authors of the newest posts of q (by id, whatever
 * its sort), read in batches of 30 posts, at most 7 batches: fn gets each
 * username once with its actor object (fn's to keep or put) and returns
 * nonzero when it has enough. q's paging fields are used up. */
enum max_err stream_query_authors(struct store *st, struct stream_q *q,
				  int (*fn)(void *arg, const char *user, json_object *actor),
				  void *arg);

#endif
