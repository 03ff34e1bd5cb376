/*
 * people.h — a person's own row (username, id, displayName,
 * twitterUsername, creator, published, last_login) and the one rule for
 * what a user name is once normalised.
 *
 * Subscriptions, push opt-outs and conversations are other families'
 * rows; this file never reads them. Nothing here opens a transaction.
 */
#ifndef MAX_MODEL_PEOPLE_H
#define MAX_MODEL_PEOPLE_H

#include "model/model.h"

#include <stddef.h>

#define PEOPLE_DISPLAY_NAME_MAX 256 /* bytes */
#define PEOPLE_TWITTER_MAX 15       /* characters of a twitter name */

/* The user-name rule shared by the API, osiris and maxctl: surrounding
 * whitespace is trimmed and ASCII lower-cased; -1 when the result is
 * empty, longer than MAX_USERNAME_MAX bytes, or holds a control
 * character. */
int people_normalise(const char *in, char out[MAX_USERNAME_MAX + 1]);

struct person {
	char username[MAX_USERNAME_MAX + 1];
	char id[MAX_ID_LEN + 1];
	char display_name[PEOPLE_DISPLAY_NAME_MAX + 1];
	char twitter[PEOPLE_TWITTER_MAX + 1]; /* "" when not set */
	char creator[MAX_USERNAME_MAX + 1];
	char published[21];
	char last_login[21];
};

/* 1 exists, 0 not, -1 error. */
int people_exists(struct store *st, const char *username);
/* displayName of username into out ("" when unknown); returns found. */
int people_display_name(struct store *st, const char *username, char *out, size_t len);
/* MAX_OK, MAX_EUNKNOWNUSER ("Unknown actor identified by: …") or
 * MAX_ESERVER. */
enum max_err people_load(struct store *st, const char *username, struct person *p);

/* Inserts the row of p (id, published and last_login are filled in here;
 * an empty display_name becomes the username, an empty twitter NULL). */
enum max_err people_insert(struct store *st, struct person *p);
/* NULL display_name: back to the username. */
enum max_err people_set_display_name(struct store *st, const char *username,
				     const char *display_name);
/* NULL twitter: removed. */
enum max_err people_set_twitter(struct store *st, const char *username, const char *twitter);
/* Deletes the person's own row (and nothing of other families). */
enum max_err people_remove(struct store *st, const char *username);

/* GET /people: a substring of username or displayName (case-insensitive),
 * only people with a twitter name, a published range and the page
 * boundaries. by_name pages by username ascending (before/after are
 * usernames), otherwise newest name first with before/after ids. */
struct people_query {
	const char *name; /* NULL: everybody */
	int twitter_only;
	const char *from; /* published >= from, NULL: open */
	const char *to;   /* published < to, NULL: open */
	int by_name;
	const char *before; /* NULL: open */
	const char *after;  /* NULL: open */
	long limit;
};
/* Calls fn for each of the first q->limit matches (the strings live until
 * fn returns); 1 when more matched, 0 when not, -1 on error. */
typedef void (*people_row_fn)(void *arg, const char *username, const char *id,
			      const char *display_name, const char *twitter);
int people_search(struct store *st, const struct people_query *q, people_row_fn fn, void *arg);

#endif
