/*
 * page.c — the limit+1 pager (see page.h).
 */
#include "model/page.h"

struct page page_of(long limit)
{
	struct page p = {.limit = limit};
	return p;
}

int64_t page_fetch(const struct page *p)
{
	return p->limit < 0 ? -1 : (int64_t)p->limit + 1;
}

int page_step(struct page *p, store_q *q)
{
	int rc = store_step(q);
	if (rc != STORE_ROW)
		return rc;
	if (p->limit >= 0 && p->seen == p->limit) {
		p->has_more = 1;
		store_reset(q);
		return STORE_DONE;
	}
	p->seen++;
	return STORE_ROW;
}
