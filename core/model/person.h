/*
 * person.h — a person's life across the families.
 *
 * model/people.c keeps the person's own row. Creating, renaming and
 * forgetting a person also touches what other families hold about them
 * (conversations, subscriptions, tokens), and who may see whom depends on
 * roles and shared contexts. These functions sit above all of those, so
 * the REST handlers, maxctl and max-ldap-sync make the same change the
 * same way.
 */
#ifndef MAX_PERSON_H
#define MAX_PERSON_H

#include "model/model.h"

/* May viewer see target? A viewer who is not NonVisible never sees a
 * NonVisible user; in restricted mode two users see each other only when
 * they share a context subscription (so nobody sees himself without one). */
int person_may_see(struct store *st, int restricted, const char *viewer, const char *target);

/* After a person row was inserted: a user who had been deleted gets back
 * the conversations that were archived when he left. */
enum max_err person_added(struct store *st, const char *username);

/* Sets the display name and follows it into the conversations he is in. */
enum max_err person_rename(struct store *st, const char *username, const char *display_name);

/* Removes a person and everything held about them: conversations (with
 * the outbox unbinds), subscriptions, tokens, the row. */
enum max_err person_forget(struct store *st, const char *username);

#endif
