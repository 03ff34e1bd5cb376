/*
 * activity_store.h — inserting and rendering rows of the activities table
 * (schema/002_activities.sql). Every family that creates an activity
 * (posts, comments, context and conversation subscriptions, likes,
 * favourites) goes through activity_insert(); activity_render() produces
 * the api.md 4.4 document from a row.
 */
#ifndef MAX_ACTIVITY_STORE_H
#define MAX_ACTIVITY_STORE_H

#include "http/max.h"
#include "model/activities.h"

/* act_insert() for a handler: the row under a new id (filled in id), with
 * the authenticated user as its creator unless a sets one. */
enum max_err activity_insert(struct max_ctx *c, struct act_new *a, char id[25]);

/* What activity_render() includes. */
enum {
	ACT_PRIVATE = 1,      /* creator, owner, keywords, object.keywords/hashtags */
	ACT_ACTING = 2,       /* deletable, liked, favorited for the acting user */
	ACT_NO_KEYWORDS = 4,  /* create answers: keywords left out at every level */
	ACT_NO_FAVORITES = 8, /* #28: no deletable, favorited, favorites */
};

/* The api.md 4.4 document of activity id, or NULL when there is none: replies,
 * likes and favorites included; lean (no private field) without
 * ACT_PRIVATE. */
json_object *activity_render(struct max_ctx *c, const char *id, unsigned flags);
/* The same document from a row already at hand (one just written). */
json_object *activity_render_row(struct max_ctx *c, struct act_row *row, unsigned flags);

/* The actor object {"objectType":"person","username","displayName"} of a
 * person, displayName read from people (username when unknown). */
json_object *activity_person_actor(struct max_ctx *c, const char *username);

#endif
