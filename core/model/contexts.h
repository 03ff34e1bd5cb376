/*
 * contexts.h — contexts as data: one row of `contexts` keyed by the sha1
 * of its URL (struct context), loaded, created, changed and deleted over a
 * struct store, its JSON renderings, its tags, and the copies of it kept
 * elsewhere (post and subscribe activity snapshots, push opt-out
 * snapshots) that ctx_propagate() brings up to date.
 *
 * What hangs on a context's subscribers (their permission lists, their
 * notification bindings) is model/subscriptions.h, one layer up: a whole
 * change or deletion of a context is sub_ctx_update() / sub_ctx_delete().
 */
#ifndef MAX_MODEL_CONTEXTS_H
#define MAX_MODEL_CONTEXTS_H

#include "model/model.h"
#include "model/perm.h"

#include <json-c/json.h>
#include <stddef.h>

struct context { /* one row of contexts, loaded */
	char hash[MAX_HASH_LEN + 1];
	char id[MAX_ID_LEN + 1];
	char *url, *display_name, *owner, *creator, *published, *upload_url; /* owned */
	char *twitter_hashtag, *twitter_username;                            /* NULL when unset */
	json_object *permissions;   /* the policy dict as stored (owned) */
	json_object *tags;          /* array of strings (owned) */
	json_object *notifications; /* false, true, "posts" or "comments" (owned) */
};

/* Column list for SELECTs that read a context row (alias c) followed by
 * other columns; ctx_from_row() reads them starting at column `first`. */
#define CTX_COLS                                                                                   \
	"c.hash, c.id, c.url, c.display_name, c.permissions_json, c.tags_json,"                    \
	" c.notifications_json, c.owner, c.creator, c.published, c.twitter_hashtag,"               \
	" c.twitter_username, c.upload_url"
#define CTX_NCOLS 13
void ctx_from_row(store_q *q, int first, struct context *out);

/* The hash a URL is stored under. */
void ctx_hash(const char *url, char out[MAX_HASH_LEN + 1]);
/* 1 found, 0 not, -1 error. out is always safe to ctx_free(). */
int ctx_find(struct store *st, const char *hash, struct context *out);
/* ctx_find() as a result: MAX_OK, MAX_ENOTFOUND ("Object with hash … not
 * found inside contexts") or MAX_ESERVER. */
enum max_err ctx_load(struct store *st, const char *hash, struct context *out);
/* 1 exists, 0 not, -1 error. */
int ctx_exists(struct store *st, const char *hash);
void ctx_free(struct context *ctx);

/* A policy by permission name: "public" | "subscribed" | "restricted"
 * (unsubscribe falls back to subscribe). */
const char *ctx_policy(const struct context *ctx, const char *perm);
/* notifications is anything but false: subscribers are bound to it. */
int ctx_notifies(const struct context *ctx);

/* {"objectType":"context","url","hash","displayName","tags","notifications"}
 * as copied into activities. */
json_object *ctx_snapshot(const struct context *ctx);
/* The Context document. */
enum {
	CTX_ALL_PERMS = 1, /* fill in the 8 permission keys (a single context) */
	CTX_PUBLIC = 2,    /* without owner, creator, published (the public list) */
};
json_object *ctx_json(const struct context *ctx, unsigned flags);

/* A context as one subscriber sees it. Shapes: raw _grants/_vetos (a
 * person's subscription list, the 200 answers of grant/revoke), renamed
 * grants/vetos (inside a Person), neither and no tags (201 of
 * grant/revoke, 200 of reset). */
enum sub_shape { SUB_RAW, SUB_PERSON, SUB_BRIEF };
json_object *ctx_sub_json(const struct context *ctx, const struct perm_state *st,
			  enum sub_shape shape);
/* A push opt-out's copy: the subscriber view with the policy's list. */
json_object *ctx_optout_snapshot(const struct context *ctx);

/* The fields of a create or a change, validated by the caller. Each *_set
 * is 0 absent (keep the stored value / the default), 1 the value given,
 * 2 "" (remove / back to the default). */
struct ctx_fields {
	int url_set, dn_set, perms_set, tags_set, notif_set, hashtag_set, twuser_set, upload_set;
	const char *url, *display_name, *twitter_hashtag, *twitter_username, *upload_url;
	json_object *permissions;   /* names → policies (borrowed) */
	json_object *tags;          /* de-duplicated (ctx_tags_merge), borrowed */
	json_object *notifications; /* borrowed */
};

/* A new context (url_set must be 1) owned by owner; loaded into out.
 * The twitter watcher is told to restart when it has a twitter username. */
enum max_err ctx_create(struct store *st, const struct ctx_fields *f, const char *owner,
			const char *creator, struct context *out);
/* Changes old's row by f (MAX_EVALIDATION when the new url is another
 * context's), loads the result into now, and refreshes the copies. The
 * subscribers' side is sub_ctx_update()'s. */
enum max_err ctx_update(struct store *st, const struct context *old, const struct ctx_fields *f,
			struct context *now);
/* Hides the context's posts and deletes its row (its subscriptions go
 * with it; push opt-outs stay). Unbind the subscribers first:
 * sub_ctx_delete() does both. */
enum max_err ctx_delete(struct store *st, const char *hash);
/* Brings the copies of ctx's displayName, tags, url and hash (post and
 * subscribe activity snapshots, push opt-out snapshots) up to date;
 * old_hash is the hash they were stored under. */
enum max_err ctx_propagate(struct store *st, const char *old_hash, const struct context *ctx);

/* ---- tags ------------------------------------------------------------------- */

/* Validates in (non-empty bounded strings, bounded count) and returns a
 * new array: base's tags then in's, without duplicates. */
enum max_err ctx_tags_merge(struct store *st, json_object *base, json_object *in,
			    json_object **out);
/* Stores tags (taken) as ctx's and propagates them. */
enum max_err ctx_set_tags(struct store *st, struct context *ctx, json_object *tags);
/* Removes one tag; MAX_ENOTFOUND when ctx has none such. */
enum max_err ctx_tag_remove(struct store *st, struct context *ctx, const char *tag);
/* Tag filter values (trimmed, empties dropped) as the JSON array text the
 * SQL filters take, or NULL when none is left. Free it. */
char *ctx_tags_filter(const char *const *values, size_t n);

/* ---- the context lists -------------------------------------------------------- */

struct ctx_query {
	int twitter_only;           /* only contexts with a twitter username or hashtag */
	int public_only;            /* only subscribe-public ones, rendered CTX_PUBLIC */
	const char *before, *after; /* id bounds, NULL for none */
	const char *tags;           /* ctx_tags_filter() text, or NULL */
	const char *from, *to;      /* published range, NULL for open */
	long limit;
};
/* The contexts matching q, newest first, rendered; *out is an array. */
enum max_err ctx_list(struct store *st, const struct ctx_query *q, json_object **out);

#endif
