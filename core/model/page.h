/*
 * page.h — the one `limit+1` pager of every listing (people, messages,
 * conversations).
 *
 * A page asks the store for one row more than it shows: when that extra
 * row exists the listing has more, which the HTTP layer tells the client
 * with X-Has-Remaining-Items. Bind page_fetch() as the query's LIMIT and
 * step with page_step(); the extra row is never handed to the caller.
 */
#ifndef MAX_PAGE_H
#define MAX_PAGE_H

#include "store/store.h"

#include <stdint.h>

struct page {
	long limit;   /* rows to show; < 0: all of them */
	long seen;    /* rows handed out so far */
	int has_more; /* the extra row was there */
};

/* A page of limit rows (< 0: unbounded). */
struct page page_of(long limit);
/* The LIMIT to bind: limit + 1, or -1 (no limit) for an unbounded page. */
int64_t page_fetch(const struct page *p);
/* store_step() that stops at the page's end: STORE_ROW for a row of the
 * page; STORE_DONE at the end (the extra row sets has_more and resets q);
 * STORE_ERR on a storage error. */
int page_step(struct page *p, store_q *q);

#endif
