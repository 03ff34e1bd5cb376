/*
 * syncacl.h — the `syncacl` queue: a hub (or the LDAP sync) tells MAX to
 * subscribe a user to a context, unsubscribe him, grant or revoke
 * permissions. Applied in-process with the same effect as the REST calls
 * the original consumer made as the instance's Manager, all of one
 * message in one transaction.
 */
#ifndef MAX_MODEL_SYNCACL_H
#define MAX_MODEL_SYNCACL_H

#include "model/model.h"
#include "util/config.h"

#include <stddef.h>

enum syncacl_outcome {
	SYNCACL_DONE,    /* applied (tasks that had nothing to do are skipped) */
	SYNCACL_DROPPED, /* malformed, unknown context, another instance: why */
	SYNCACL_RETRY,   /* the database was busy or failing */
};

/* One packed modify/context message: u.u the user, data.context a URL or
 * hash, data.tasks {subscribe, unsubscribe, grant: [...], revoke: [...]};
 * in that order: subscribe (creating the user when unknown, with a
 * `subscribe` activity as the REST call makes), unsubscribe, each revoke,
 * each grant (permanent, as the REST call without ?permanent). */
enum syncacl_outcome syncacl_apply(struct store *st, const struct max_config *cfg, const char *body,
				   size_t len, char *why, size_t whylen);

#endif
