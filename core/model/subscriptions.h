/*
 * subscriptions.h — who is subscribed to a context, with what
 * permissions, and who opted out of its pushes, over a struct store.
 *
 * One row of `subscriptions` per (user, context) holds the user's
 * permission state (model/perm.h); its JSON is that state rendered with
 * the live context row (ctx_sub_json). Push opt-outs keep a copy of the
 * snapshot because they outlive a deleted context. Notification routing
 * goes through the outbox: a subscriber of a context that notifies is
 * bound to its hash; every unsubscription unbinds.
 *
 * This file sits above model/contexts.h: the whole change or deletion of
 * a context (the row, then its subscribers) is sub_ctx_update() and
 * sub_ctx_delete().
 */
#ifndef MAX_MODEL_SUBSCRIPTIONS_H
#define MAX_MODEL_SUBSCRIPTIONS_H

#include "model/contexts.h"
#include "model/model.h"
#include "model/perm.h"

/* ---- one user's subscription -------------------------------------------------- */

/* 1 found (out filled), 0 not, -1 error. */
int sub_load(struct store *st, const char *username, const char *hash, struct perm_state *out);
/* Stores ps (list, mask, grants, vetos) on an existing subscription. */
enum max_err sub_save(struct store *st, const char *username, const char *hash,
		      const struct perm_state *ps);
/* 1 subscribed (*mask = the effective list as PERM_BITs), 0 not, -1 error. */
int sub_mask(struct store *st, const char *username, const char *hash, unsigned *mask);
/* 1 if the subscription's effective list holds p, 0 if not or not
 * subscribed, -1 error. */
int sub_has(struct store *st, const char *username, const char *hash, enum perm p);
/* 1 if p is in the subscription's permanent grants, 0 not, -1 error. */
int sub_granted(struct store *st, const char *username, const char *hash, enum perm p);

/* The two per-user lists of a context: its subscribers and the
 * subscribers who opted out of its pushes. */
enum sub_list { SUB_SUBSCRIBERS, SUB_OPTOUTS };
/* 1 when username is on the list, 0 not, -1 error. */
int sub_listed(struct store *st, enum sub_list l, const char *username, const char *hash);

/* A new subscription holding ctx's policy list, bound to ctx's
 * notifications when it notifies. */
enum max_err sub_subscribe(struct store *st, const struct context *ctx, const char *username);
/* Drops the subscription and the opt-out, and unbinds. */
enum max_err sub_unsubscribe(struct store *st, const char *username, const char *hash);
/* An opt-out keeping ctx's snapshot (only the list changes, no binding). */
enum max_err sub_optout(struct store *st, const struct context *ctx, const char *username);
enum max_err sub_optout_remove(struct store *st, const char *username, const char *hash);
/* The id of username's latest subscribe activity for hash into id: 1, 0
 * none, -1 error. */
int sub_latest_activity(struct store *st, const char *username, const char *hash,
			char id[MAX_ID_LEN + 1]);

/* ---- every subscriber of a context ------------------------------------------- */

/* Binds (bind != 0) or unbinds every subscriber of hash to its
 * notifications. */
enum max_err sub_bind_all(struct store *st, const char *hash, int bind);
/* After a url change (new hash, subscriptions already moved to it): the
 * subscribers unbound from the old key and, when ctx notifies, bound to
 * the new one. */
enum max_err sub_rekey(struct store *st, const char *old_hash, const struct context *ctx);
/* After a change of ctx's permissions dict: every subscriber's list
 * recomputed (permanent grants and vetos kept). */
enum max_err sub_recompute(struct store *st, const struct context *ctx);

/* A context changed as a whole: ctx_update(), then the subscribers' lists
 * recomputed when the policy changed, rebound when the hash changed, and
 * bound or unbound when f sets notifications. */
enum max_err sub_ctx_update(struct store *st, const struct context *old, const struct ctx_fields *f,
			    struct context *now);
/* A context deleted as a whole: everybody unbound and unsubscribed (push
 * opt-outs are left), its posts hidden, the row deleted. */
enum max_err sub_ctx_delete(struct store *st, const char *hash);

/* A page of hash's subscribers (or opt-outs), newest user first, paged
 * by user id (bounds NULL for none): [{"username", …}]. Subscribers carry
 * permissions, vetos, grants and hash. */
enum max_err sub_users_of_context(struct store *st, enum sub_list l, const char *hash,
				  const char *before, const char *after, long limit,
				  json_object **out);

/* ---- one user's side ---------------------------------------------------------- */

/* username's subscriptions (ctx_sub_json in shape) or push opt-outs,
 * oldest first, carrying every tag of tags (ctx_tags_filter text, NULL for
 * no filter). */
enum max_err sub_of_user(struct store *st, const char *username, const char *tags,
			 enum sub_shape shape, json_object **out);
enum max_err sub_optouts_of_user(struct store *st, const char *username, const char *tags,
				 json_object **out);
/* 1 when a and b are subscribed to a common context, 0 not, -1 error. */
int sub_share_context(struct store *st, const char *a, const char *b);
/* A deleted person's subscriptions and push opt-outs removed, bindings
 * undone. */
enum max_err sub_forget_user(struct store *st, const char *username);

#endif
