/*
 * activities.h — the activity stream's data: rows of the activities table
 * (posts, comment activities, and the subscribe/like/favourite activities
 * other families store), the side tables that make the filters indexable
 * (keywords, hashtags, full text), comments as replies of a post, likes,
 * favourites and flags. The HTTP handlers, maxctl and the bridge call
 * these; none of them sees a request.
 */
#ifndef MAX_MODEL_ACTIVITIES_H
#define MAX_MODEL_ACTIVITIES_H

#include "model/model.h"

#include <json-c/json.h>

#define ACT_GENERATOR_MAX 256

/* A new activity with its final values: one INSERT writes it. */
struct act_new {
	const char *verb;          /* post comment subscribe like unlike favorite unfavorite */
	const char *actor_kind;    /* "person" (default) or "context" */
	const char *actor;         /* username or context hash */
	json_object *actor_json;   /* borrowed; the actor object as shown */
	json_object *object_json;  /* borrowed; must have "objectType" */
	const char *context_hash;  /* first context, or NULL */
	json_object *context_json; /* borrowed snapshot of it, or NULL */
	const char *conversation_id;
	const char *in_reply_to;   /* comment activities: the post */
	const char *reply_context; /* comment activities: the post's context hash */
	const char *creator;       /* NULL: the actor */
	const char *owner;         /* NULL: the actor */
	const char *published;     /* NULL: now */
	const char *generator;     /* NULL: null */
	json_object *keywords;     /* borrowed array, or NULL for [] */
};

/* One row as stored; the JSON members are owned (act_row_free). */
struct act_row {
	char id[MAX_ID_LEN + 1], verb[16];
	char creator[MAX_USERNAME_MAX + 1], owner[MAX_USERNAME_MAX + 1];
	char published[32], last_comment[MAX_ID_LEN + 1], last_like[32], flagged[32];
	char context_hash[MAX_HASH_LEN + 1];
	char generator[ACT_GENERATOR_MAX + 1];
	int has_generator;
	json_object *actor, *object, *context, *keywords;
	long long likes, favorites;
	int flag_state; /* 0 never flagged, 1 flagged, 2 unflagged */
};
void act_row_free(struct act_row *r);

/* Writes a with id (the caller's, so that media can be stored under it
 * first); row, when given, receives what was written, for rendering
 * without reading the row back. */
enum max_err act_insert(struct store *st, const struct act_new *a, const char *id,
			struct act_row *row);
/* The row of id: MAX_OK, MAX_ENOTFOUND (no text), MAX_ESERVER. */
enum max_err act_get(struct store *st, const char *id, struct act_row *row);

/* What the permission rules need of an activity. */
struct act_post {
	char id[MAX_ID_LEN + 1];
	char verb[16];
	char object_type[16];
	int actor_is_person;
	char actor[MAX_USERNAME_MAX + 1]; /* username, or the context hash */
	char owner[MAX_USERNAME_MAX + 1];
	char context_hash[MAX_HASH_LEN + 1]; /* "" when contextless */
	char last_comment[MAX_ID_LEN + 1];
	long long likes_count, favorites_count;
	int flag_state; /* 0 never flagged, 1 flagged, 2 unflagged */
	int visible;
};
/* 1 found, 0 not, -1 error. */
int act_post_load(struct store *st, const char *id, struct act_post *p);

/* The data the stream's permission rules read: a subscription's mask (1
 * subscribed, 0 not, -1 error), whether a context reads public (1/0/-1),
 * whether user holds delete on it (in his list or his grants). */
int act_sub_mask(struct store *st, const char *user, const char *hash, unsigned *mask);
int act_ctx_read_public(struct store *st, const char *hash);
int act_may_delete_in(struct store *st, const char *user, const char *hash);

/* The duplicate guard: the first post by the same actor in the same
 * place (context_hash, NULL for none) with the same content, published
 * after since: 1 (id filled), 0, -1. It asks model/dupguard.c first and
 * looks in the full-text index only when that cannot rule a match out. */
int act_find_duplicate(struct store *st, const char *actor_kind, const char *actor,
		       const char *context_hash, const char *content, const char *since,
		       char id[MAX_ID_LEN + 1]);
/* The same, always through the full-text index (for the tests that check
 * the guard's quick answers against it). */
int act_lookup_duplicate(struct store *st, const char *actor_kind, const char *actor,
			 const char *context_hash, const char *content, const char *since,
			 char id[MAX_ID_LEN + 1]);

/* ---- indexes ---------------------------------------------------------------- */

/* Empties the full-text index (#91 rebuilds it: act_reindex of every
 * post and comment, in the same transaction). */
enum max_err act_fts_reset(struct store *st);
/* Recomputes a post's keywords (API: object keywords ∪ the actor's ∪ for
 * every reply its keywords and its author's) and its lastComment from
 * scratch: maintenance only (it reads every reply). */
enum max_err act_post_recompute(struct store *st, const char *post_id);
/* #91 for one post or comment: object keywords from its content again and
 * its full-text entry added (after act_fts_reset). */
enum max_err act_reindex(struct store *st, const char *id);
/* Ids of posts and comments after `after`, up to max; the count. */
size_t act_next_batch(struct store *st, const char *after, char (*ids)[MAX_ID_LEN + 1], size_t max);
/* #92: every post's lastComment from its live replies. */
enum max_err act_fix_dates(struct store *st);
/* #93: subscriptions to contexts that are gone deleted (0 / -1); the
 * context hash after hash (1 and hash replaced, 0 none left, -1). */
int act_prune_subscriptions(struct store *st);
int act_next_context(struct store *st, char hash[MAX_HASH_LEN + 1]);

/* ---- deleting ---------------------------------------------------------------- */

/* Deletes an activity and every trace of it (likes, favourites, index
 * rows); its comments leave the replies; a comment leaves its post's. */
enum max_err act_delete(struct store *st, const struct act_post *p);

/* ---- comments ----------------------------------------------------------------- */

/* A comment on post (p): the comment row (a->in_reply_to, a->reply_context
 * set by the caller), its index rows, and on the post its lastComment and
 * the keywords and hashtags the comment adds. The work does not depend on
 * how many replies the post has. */
enum max_err act_comment_add(struct store *st, const struct act_new *a, const char *cid,
			     struct act_row *row);
/* The author of a live reply cid of post_id: MAX_OK, or MAX_ENOTFOUND. */
enum max_err act_comment_author(struct store *st, const char *post_id, const char *cid,
				char author[MAX_USERNAME_MAX + 1]);
/* Takes cid out of post_id's replies: lastComment, the keywords only it
 * brought (API: keywords recomputed, hashtags are not). Writes a constant
 * number of rows whatever the number of replies. */
enum max_err act_comment_remove(struct store *st, const char *post_id, const char *cid);

/* One reply of a post, as act_replies_each() hands it over (valid during
 * the call only). */
struct act_reply {
	const char *id, *published, *actor;
	json_object *actor_json, *object;
};
/* Calls fn for every live reply of post_id, oldest first. */
enum max_err act_replies_each(struct store *st, const char *post_id,
			      void (*fn)(void *arg, const struct act_reply *r), void *arg);

/* ---- likes, favourites, flags -------------------------------------------------- */

enum act_mark { ACT_LIKE, ACT_FAVORITE };
/* 1 when user has marked the post, 0 not, -1 error */
int act_mark_has(struct store *st, enum act_mark m, const char *id, const char *user);
/* Adds (removes) user's mark and recounts the post (a like also dates it:
 * now with microseconds). */
enum max_err act_mark_add(struct store *st, enum act_mark m, const char *id, const char *user,
			  const char *now);
enum max_err act_mark_remove(struct store *st, enum act_mark m, const char *id, const char *user);
/* user's latest like (favorite) activity about the post: 1, 0, -1. */
int act_mark_last(struct store *st, enum act_mark m, const char *user, const char *post_id,
		  char id[MAX_ID_LEN + 1]);
/* Calls fn for every user who marked the post, in the order of marking. */
enum max_err act_marks_each(struct store *st, enum act_mark m, const char *id,
			    void (*fn)(void *arg, const char *user), void *arg);
/* Flags the post (now) or unflags it (flagged becomes null). */
enum max_err act_flag(struct store *st, const char *id, const char *now);
enum max_err act_unflag(struct store *st, const char *id);

/* The person author of an activity: 1 (user and *actor filled, owned), 0
 * (none or not a person), -1. */
int act_person_author(struct store *st, const char *id, char user[MAX_USERNAME_MAX + 1],
		      json_object **actor);

#endif
