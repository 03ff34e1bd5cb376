/*
 * rate.c — see rate.h. A small open-addressing table keyed by user name;
 * when it is full the oldest window is reused, so memory stays fixed
 * whatever the number of users.
 */
#include "http/rate.h"

#include <stdio.h>
#include <string.h>

#define RATE_SLOTS 1024
#define RATE_WINDOW 60 /* seconds */

struct rate_slot {
	char user[MAX_USERNAME_MAX + 1];
	time_t window; /* start of the counted minute */
	long count;
};

static struct rate_slot slots[RATE_SLOTS];

static unsigned long hash_of(const char *s)
{
	unsigned long h = 5381;
	for (; *s; s++)
		h = h * 33 + (unsigned char)*s;
	return h;
}

/* The user's slot, or the stalest slot of the probe sequence for him. */
static struct rate_slot *slot_of(const char *user)
{
	struct rate_slot *oldest = NULL;
	unsigned long h = hash_of(user);
	for (int i = 0; i < 8; i++) {
		struct rate_slot *s = &slots[(h + (unsigned long)i) % RATE_SLOTS];
		if (!strcmp(s->user, user))
			return s;
		if (!oldest || s->window < oldest->window)
			oldest = s;
	}
	snprintf(oldest->user, sizeof oldest->user, "%s", user);
	oldest->window = 0;
	oldest->count = 0;
	return oldest;
}

enum max_err rate_write(const char *user, long limit, time_t now, long *retry_after)
{
	if (limit <= 0 || !user || !*user)
		return MAX_OK;
	struct rate_slot *s = slot_of(user);
	time_t window = now - now % RATE_WINDOW;
	if (s->window != window) {
		s->window = window;
		s->count = 0;
	}
	if (s->count >= limit) {
		*retry_after = (long)(window + RATE_WINDOW - now);
		return MAX_ETOOMANY;
	}
	s->count++;
	return MAX_OK;
}

void rate_reset(void)
{
	memset(slots, 0, sizeof slots);
}
