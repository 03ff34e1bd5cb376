/*
 * iid.c — see iid.h. The cache is a hash table over a ring of entries:
 * when the ring is full the oldest conversion is dropped (unlinked from
 * its bucket) to make room, so memory stays bounded whatever the number
 * of devices. Only the bridge's push thread uses it: no locking.
 */
#include "iid.h"
#include "util/buf.h"
#include "util/jsonx.h"
#include "util/log.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct iid_entry {
	char *apns, *reg; /* NULL while the slot is free */
	long next;        /* the next entry of the same bucket, -1 at the end */
};

struct iid {
	char *bundle;
	int sandbox;
	size_t max, used, oldest; /* the ring: used slots, the next to recycle */
	struct iid_entry *e;
	long *bucket;
	size_t nbucket;
};

static size_t hash(const struct iid *c, const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (size_t)(h % c->nbucket);
}

struct iid *iid_new(const char *bundle_id, int sandbox, size_t cache_max)
{
	struct iid *c = xcalloc(1, sizeof *c);
	c->bundle = xstrdup(bundle_id);
	c->sandbox = sandbox;
	c->max = cache_max > 0 ? cache_max : 1;
	c->e = xcalloc(c->max, sizeof *c->e);
	c->nbucket = c->max;
	c->bucket = xmalloc(c->nbucket * sizeof *c->bucket);
	for (size_t i = 0; i < c->nbucket; i++)
		c->bucket[i] = -1;
	return c;
}

void iid_free(struct iid *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->used; i++) {
		free(c->e[i].apns);
		free(c->e[i].reg);
	}
	free(c->e);
	free(c->bucket);
	free(c->bundle);
	free(c);
}

int iid_apns_token(const char *token)
{
	size_t n = strspn(token, "0123456789abcdefABCDEF");
	return n > 0 && token[n] == 0;
}

static long find(const struct iid *c, const char *apns)
{
	for (long i = c->bucket[hash(c, apns)]; i >= 0; i = c->e[i].next)
		if (!strcmp(c->e[i].apns, apns))
			return i;
	return -1;
}

const char *iid_lookup(const struct iid *c, const char *apns)
{
	long i = find(c, apns);
	return i >= 0 ? c->e[i].reg : NULL;
}

/* Empties slot i (the oldest), taking it out of its bucket's chain. */
static void evict(struct iid *c, long i)
{
	long *link = &c->bucket[hash(c, c->e[i].apns)];
	while (*link != i)
		link = &c->e[*link].next;
	*link = c->e[i].next;
	free(c->e[i].apns);
	free(c->e[i].reg);
	c->e[i].apns = c->e[i].reg = NULL;
}

static void remember(struct iid *c, const char *apns, const char *reg)
{
	long i = find(c, apns);
	if (i >= 0) { /* Google gave another one: the newest wins */
		free(c->e[i].reg);
		c->e[i].reg = xstrdup(reg);
		return;
	}
	if (c->used < c->max) {
		i = (long)c->used++;
	} else {
		i = (long)c->oldest;
		c->oldest = (c->oldest + 1) % c->max;
		evict(c, i);
	}
	size_t b = hash(c, apns);
	c->e[i].apns = xstrdup(apns);
	c->e[i].reg = xstrdup(reg);
	c->e[i].next = c->bucket[b];
	c->bucket[b] = i;
}

json_object *iid_request(const struct iid *c, const char *const *apns, int n)
{
	json_object *o = json_object_new_object();
	jx_set_str(o, "application", c->bundle);
	jx_set_bool(o, "sandbox", c->sandbox);
	jx_set(o, "apns_tokens", jx_str_array(apns, (size_t)n));
	return o;
}

int iid_absorb(struct iid *c, json_object *answer, int *failed)
{
	json_object *results = NULL;
	int ok = 0;
	*failed = 0;
	if (jx_array(answer, "results", &results) != 1)
		return 0;
	for (size_t i = 0; i < json_object_array_length(results); i++) {
		json_object *r = json_object_array_get_idx(results, i);
		const char *apns = jx_str(r, "apns_token"), *status = jx_str(r, "status"),
			   *reg = jx_str(r, "registration_token");
		if (apns && status && !strcmp(status, "OK") && reg && *reg) {
			remember(c, apns, reg);
			ok++;
		} else {
			(*failed)++;
			log_event("bridge", "push: IID did not import an APNs token: %.100s",
				  status ? status : "no status");
		}
	}
	return ok;
}
