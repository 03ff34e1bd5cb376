/*
 * dupguard.h — the duplicate guard's quick "no": whether a new post can
 * have an earlier one to repeat, answered from memory (dupguard.c says
 * why the answer is exact). act_find_duplicate() asks it first and looks
 * in the full-text index only when it says "maybe".
 */
#ifndef MAX_MODEL_DUPGUARD_H
#define MAX_MODEL_DUPGUARD_H

#include "store/store.h"

/* dupguard_check()'s answers */
enum {
	DUPG_ERROR = -1, /* a statement failed (logged; the transaction is marked failed) */
	DUPG_MAYBE = 0,  /* an earlier post may match: look it up */
	DUPG_NONE = 1,   /* no post matches: the new one is no repeat */
};

/* Whether a post by (actor_kind, actor) in context_hash (NULL: the
 * timeline) with this content (NULL: "") may repeat one published after
 * `since` ("YYYY-MM-DDTHH:MM:SSZ"), as seen by st's current transaction
 * (its own uncommitted posts included). Call it inside a transaction. */
int dupguard_check(struct store *st, const char *actor_kind, const char *actor,
		   const char *context_hash, const char *content, const char *since);

/* What the guard knows of st, for tests and the log. */
struct dupguard_stats {
	long long entries; /* posts in the map */
	long long begins;  /* times it began afresh (the first time included) */
	char from[21];     /* it knows every post published after this ("" before it began) */
};
void dupguard_stats(const struct store *st, struct dupguard_stats *out);

#endif
