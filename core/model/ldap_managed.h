/*
 * ldap_managed.h — max-ldap-sync's bookkeeping: which people the sync
 * manages (created or adopted from the directory, and whether they have
 * gone missing from it) and which subscriptions it made for a group
 * mapping. The sync changes people and subscriptions only through the
 * families' own functions; these marks decide what it may touch: people
 * not marked are never changed, subscriptions not recorded never removed.
 * A mark disappears with what it marks (schema foreign keys).
 */
#ifndef MAX_MODEL_LDAP_MANAGED_H
#define MAX_MODEL_LDAP_MANAGED_H

#include "model/model.h"

/* ---- people --------------------------------------------------------------- */

/* 0 not managed, 1 managed and in the directory, 2 managed and missing
 * from it, -1 error. */
int managed_person_state(struct store *st, const char *username);
/* Marks an existing person as managed and present (adoption, creation,
 * or a return to the directory). */
enum max_err managed_person_mark(struct store *st, const char *username);
/* Records that a managed person is no longer in the directory. */
enum max_err managed_person_missing(struct store *st, const char *username);
/* Every managed person, by name: fn(arg, username, missing). Returns how
 * many, or -1. */
long managed_people_each(struct store *st, void (*fn)(void *arg, const char *username, int missing),
			 void *arg);

/* ---- subscriptions --------------------------------------------------------- */

/* Records that the sync made username's subscription to hash because of
 * group (the subscription must exist). */
enum max_err managed_sub_record(struct store *st, const char *username, const char *hash,
				const char *group);
/* 1 when the sync made username's subscription to hash, 0 not, -1 error. */
int managed_sub_is(struct store *st, const char *username, const char *hash);
/* The users whose subscription to hash the sync made: fn(arg, username).
 * Returns how many, or -1. */
long managed_subs_of(struct store *st, const char *hash,
		     void (*fn)(void *arg, const char *username), void *arg);

#endif
