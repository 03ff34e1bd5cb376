/*
 * contexts.h — contexts (API.md §4.2, §5.6) and context subscriptions
 * (§4.3, §5.7) as the other families see them.
 *
 * A context is a row of `contexts` keyed by the sha1 of its URL. A
 * subscription is a row of `subscriptions` holding only the user's
 * permission state; its JSON (the §4.3 "snapshot") is rendered from the
 * live context row, so it never goes stale. Post snapshots
 * (activities.context_json) and push opt-out snapshots are copies, kept in
 * sync by context_propagate().
 */
#ifndef MAX_CONTEXTS_H
#define MAX_CONTEXTS_H

#include "http/max.h"
#include "http/perm.h"

#include <sqlite3.h>

struct context {               /* one row of contexts, loaded */
	char hash[41];
	char id[25];
	char *url, *display_name, *owner, *creator, *published, *upload_url; /* owned */
	char *twitter_hashtag, *twitter_username;    /* NULL when unset */
	json_object *permissions;  /* the policy dict as stored (owned) */
	json_object *tags;         /* array of strings (owned) */
	json_object *notifications;/* false, true, "posts" or "comments" (owned) */
};

/* 1 found, 0 not, -1 error. */
int context_load(struct max_ctx *c, const char *hash, struct context *out);
void context_free(struct context *ctx);
/* Loads the context the URL names (c->params[0]), or fails with the
 * traversal's 404. ctx is always safe to context_free(). */
enum max_err context_from_url(struct max_ctx *c, struct context *ctx);
/* {"objectType":"context","url","hash","displayName","tags","notifications"}
 * as copied into activities. */
json_object *context_snapshot(const struct context *ctx);
/* §6.2: "public" | "subscribed" | "restricted" (unsubscribe falls back to
 * subscribe). */
const char *context_policy(const struct context *ctx, const char *perm);
/* notifications is anything but false (MESSAGING.md §2.4). */
int context_notifies(const struct context *ctx);

/* Column list for SELECTs that read a context row (alias c) followed by
 * other columns; context_from_row() reads them starting at column `first`. */
#define CONTEXT_COLS                                                                   \
	"c.hash, c.id, c.url, c.display_name, c.permissions_json, c.tags_json,"       \
	" c.notifications_json, c.owner, c.creator, c.published, c.twitter_hashtag," \
	" c.twitter_username, c.upload_url"
#define CONTEXT_NCOLS 13
void context_from_row(sqlite3_stmt *s, int first, struct context *out);

/* The Context document (§4.2). */
enum {
	CTX_ALL_PERMS = 1, /* fill in the 8 permission keys (GET /contexts/{hash}) */
	CTX_PUBLIC = 2,    /* without owner, creator, published (GET /contexts/public) */
};
json_object *context_json(const struct context *ctx, unsigned flags);

/* Brings the copies of ctx's displayName, tags, url and hash (post and
 * subscribe activity snapshots, push opt-out snapshots) up to date;
 * old_hash is the hash they were stored under. */
enum max_err context_propagate(struct max_ctx *c, const char *old_hash, const struct context *ctx);

/* The `tags` query parameters (§1.11: trimmed, empties dropped) as a JSON
 * array text for the SQL filters, or NULL when there are none. Free it. */
char *tags_param(struct max_ctx *c);

/* ---- subscriptions (core/subscriptions.c, core/permissions.c) ------------ */

/* The §4.3 shapes: raw _grants/_vetos (GET /people/{u}/subscriptions, the
 * 200 answers of grant/revoke), renamed grants/vetos (GET /people/{u}),
 * neither and no tags (201 of grant/revoke, 200 of reset). */
enum sub_shape { SUB_RAW, SUB_PERSON, SUB_BRIEF };
json_object *subscription_json(const struct context *ctx, const struct perm_state *st,
			       enum sub_shape shape);
/* A push opt-out entry (§5.7 #55): the snapshot with the policy's list. */
json_object *pushoptout_snapshot(const struct context *ctx);

/* 1 found (st filled), 0 not, -1 error. */
int subscription_load(struct max_ctx *c, const char *username, const char *hash,
		      struct perm_state *st);
/* Stores st (list, mask, grants, vetos) on an existing subscription. */
enum max_err subscription_save(struct max_ctx *c, const char *username, const char *hash,
			       const struct perm_state *st);
/* After a change of ctx's permissions dict: every subscriber's list
 * recomputed (§6.3). */
enum max_err subscriptions_recompute(struct max_ctx *c, const struct context *ctx);
/* Binds (bind != 0) or unbinds every subscriber of ctx to its
 * notifications (MESSAGING.md §2.4). */
enum max_err subscriptions_bind_all(struct max_ctx *c, const char *hash, int bind);
/* After a url change (new hash, subscriptions already moved to it): the
 * subscribers unbound from the old key and, when ctx notifies, bound to
 * the new one. */
enum max_err subscriptions_rekey(struct max_ctx *c, const char *old_hash,
				 const struct context *ctx);

/* The context part of a person's deletion: subscriptions and push
 * opt-outs removed, bindings undone. hook_person_deleted() calls it. */
enum max_err subscriptions_person_deleted(struct max_ctx *c, const char *username);

#endif
