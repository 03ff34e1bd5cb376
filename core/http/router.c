/*
 * router.c — matching a path against a route table (the one in routes.c,
 * handed in by the HTTP layer, so that the router depends on no handler).
 *
 * Paths are split on '/'; a pattern segment "{name}" matches any non-empty
 * segment. When several patterns match, the one with a literal segment
 * at the first position where they differ wins (/contexts/public beats
 * /contexts/{hash}). The table has ~100 rows: a linear scan is cheaper
 * than anything cleverer at this size.
 */
#include "http/router.h"
#include "util/buf.h"

#include <stdlib.h>
#include <string.h>

#define MAX_SEGS 8

static int split(const char *path, const char *segs[MAX_SEGS], size_t lens[MAX_SEGS])
{
	int n = 0;
	const char *p = path;
	if (*p != '/')
		return -1;
	p++;
	if (!*p)
		return 0;
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		if (!slash && len == 0)
			break; /* one trailing slash is tolerated */
		if (n == MAX_SEGS || len == 0)
			return -1;
		segs[n] = p;
		lens[n] = len;
		n++;
		if (!slash)
			break;
		p = slash + 1;
	}
	return n;
}

/* Returns a score (bit i set: segment i is literal, leftmost = highest)
 * plus one, or 0 when the pattern does not match. Walks the pattern one
 * segment at a time and stops at the first literal that differs: every
 * request is matched against the whole table, and most rows differ in
 * their first segment. */
static unsigned match_pattern(const char *pattern, const char *const *segs, const size_t *lens,
			      int nsegs)
{
	const char *p = pattern;
	if (*p++ != '/')
		return 0;
	unsigned score = 0;
	int i = 0;
	while (*p) {
		if (*p == '/' || i == nsegs)
			return 0; /* an empty segment, or more segments than the path */
		score <<= 1;
		if (*p == '{') {
			const char *slash = strchr(p, '/');
			p = slash ? slash : p + strlen(p);
		} else {
			/* strncmp stops at the pattern's end: no read past it */
			if (*p != segs[i][0] || strncmp(p, segs[i], lens[i]) ||
			    (p[lens[i]] && p[lens[i]] != '/'))
				return 0;
			p += lens[i];
			score |= 1;
		}
		i++;
		if (*p == '/')
			p++; /* one trailing slash is tolerated, as in split() */
	}
	return i == nsegs ? score + 1 : 0;
}

enum router_match router_match(const struct route *table, size_t nroutes, const char *method,
			       const char *path, const struct route **out, char *params[MAX_PARAMS])
{
	const char *segs[MAX_SEGS];
	size_t lens[MAX_SEGS];
	int n = split(path, segs, lens);
	if (n < 0)
		return ROUTER_NO_ROUTE;
	const char *m = !strcmp(method, "HEAD") ? "GET" : method;
	unsigned best = 0;
	const char *best_pattern = NULL;
	const struct route *hit = NULL;
	for (size_t i = 0; i < nroutes; i++) {
		unsigned s = match_pattern(table[i].pattern, segs, lens, n);
		if (!s || s < best)
			continue;
		if (s > best) {
			best = s;
			best_pattern = table[i].pattern;
			hit = NULL;
		}
		if (!strcmp(table[i].method, m) && !strcmp(table[i].pattern, best_pattern))
			hit = &table[i];
	}
	if (!best)
		return ROUTER_NO_ROUTE;
	if (!hit)
		return ROUTER_NO_METHOD;
	const char *ps[MAX_SEGS];
	size_t pl[MAX_SEGS];
	int np = split(hit->pattern, ps, pl), k = 0;
	for (int i = 0; i < np && k < MAX_PARAMS; i++)
		if (ps[i][0] == '{')
			params[k++] = xstrndup(segs[i], lens[i]);
	*out = hit;
	return ROUTER_FOUND;
}

const char *router_param_name(const struct route *rt, int idx, char *buf, size_t len)
{
	const char *ps[MAX_SEGS];
	size_t pl[MAX_SEGS];
	int np = split(rt->pattern, ps, pl), k = 0;
	for (int i = 0; i < np; i++) {
		if (ps[i][0] != '{')
			continue;
		if (k++ == idx) {
			size_t l = pl[i] - 2 < len - 1 ? pl[i] - 2 : len - 1;
			memcpy(buf, ps[i] + 1, l);
			buf[l] = 0;
			return buf;
		}
	}
	return NULL;
}
