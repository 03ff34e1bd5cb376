/*
 * syncacl.c — see syncacl.h. Each task is the model half of the REST
 * endpoint it stands for (subscriptions, permissions, people); the
 * authorisation half is moot here, the hub being trusted like the
 * Manager account the original consumer used.
 */
#include "model/syncacl.h"
#include "model/activities.h"
#include "model/outbox.h"
#include "model/people.h"
#include "model/person.h"
#include "model/subscriptions.h"
#include "util/carrot.h"
#include "util/ids.h"
#include "util/jsonx.h"
#include "util/text.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

struct task {
	char user[MAX_USERNAME_MAX + 1];
	char hash[MAX_HASH_LEN + 1];
	json_object *tasks;
};

/* A person as POST /people {"username"} makes one, exchanges included. */
static enum max_err create_person(struct store *st, const char *username)
{
	struct person p = {0};
	snprintf(p.username, sizeof p.username, "%s", username);
	snprintf(p.creator, sizeof p.creator, "%s", username);
	enum max_err e = people_insert(st, &p);
	if (!e)
		e = person_added(st, username);
	if (!e && outbox_declare_user(st, username) < 0)
		e = model_fail(st, MAX_ESERVER, "outbox insert failed");
	return e;
}

/* The `subscribe` activity a REST subscription records. */
static enum max_err subscribe_activity(struct store *st, const struct context *ctx,
				       const char *user)
{
	char dn[257], id[MAX_ID_LEN + 1];
	people_display_name(st, user, dn, sizeof dn);
	json_object *actor = json_object_new_object(), *object = json_object_new_object(),
		    *snap = ctx_snapshot(ctx);
	jx_set_str(actor, "objectType", "person");
	jx_set_str(actor, "username", user);
	jx_set_str(actor, "displayName", *dn ? dn : user);
	jx_set_str(object, "objectType", "context");
	jx_set_str(object, "url", ctx->url);
	jx_set_str(object, "id", ctx->id);
	struct act_new a = {.verb = "subscribe",
			    .actor = user,
			    .actor_json = actor,
			    .object_json = object,
			    .context_hash = ctx->hash,
			    .context_json = snap};
	id_new(id);
	enum max_err e = act_insert(st, &a, id, NULL);
	json_object_put(actor);
	json_object_put(object);
	json_object_put(snap);
	return e;
}

static enum max_err subscribe(struct store *st, const struct context *ctx, const char *user)
{
	int known = people_exists(st, user);
	enum max_err e = known < 0 ? MAX_ESERVER : known ? MAX_OK : create_person(st, user);
	int found = e ? 0 : sub_listed(st, SUB_SUBSCRIBERS, user, ctx->hash);
	if (!e && found < 0)
		e = MAX_ESERVER;
	if (!e && !found && !(e = sub_subscribe(st, ctx, user)))
		e = subscribe_activity(st, ctx, user);
	return e;
}

/* Each name of names granted (grant) or revoked, permanently; unknown
 * names and an absent subscription are skipped like the REST call's 4xx. */
static enum max_err permissions(struct store *st, const struct task *t, const char *key, int grant)
{
	json_object *names = json_object_object_get(t->tasks, key);
	struct perm_state ps;
	int found = json_object_is_type(names, json_type_array)
			    ? sub_load(st, t->user, t->hash, &ps)
			    : 0;
	if (found <= 0)
		return found < 0 ? MAX_ESERVER : MAX_OK;
	for (size_t i = 0; i < json_object_array_length(names); i++) {
		int p = perm_index(json_object_get_string(json_object_array_get_idx(names, i)));
		if (p < 0 || perm_list_has(grant ? &ps.grants : &ps.vetos, (enum perm)p))
			continue;
		if (grant)
			perm_grant(&ps, (enum perm)p, 1);
		else
			perm_revoke(&ps, (enum perm)p, 1);
	}
	return sub_save(st, t->user, t->hash, &ps);
}

static int flag(json_object *tasks, const char *key)
{
	json_object *v = json_object_object_get(tasks, key);
	return v && json_object_get_boolean(v);
}

static enum max_err apply(struct store *st, const struct task *t)
{
	struct context ctx;
	enum max_err e = ctx_load(st, t->hash, &ctx);
	if (e)
		return e;
	if (flag(t->tasks, "subscribe"))
		e = subscribe(st, &ctx, t->user);
	if (!e && flag(t->tasks, "unsubscribe")) {
		int found = sub_listed(st, SUB_SUBSCRIBERS, t->user, t->hash);
		e = found < 0 ? MAX_ESERVER
		    : found   ? sub_unsubscribe(st, t->user, t->hash)
			      : MAX_OK;
	}
	if (!e)
		e = permissions(st, t, "revoke", 0);
	if (!e)
		e = permissions(st, t, "grant", 1);
	ctx_free(&ctx);
	return e;
}

static int is_hash(const char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return 0;
	return n == MAX_HASH_LEN;
}

/* The message's user, context and tasks, or the reason to drop it. */
static const char *parse(json_object *msg, const struct max_config *cfg, struct task *t)
{
	json_object *u = NULL, *d = NULL;
	const char *user = NULL, *context = NULL, *domain = jx_str(msg, "domain");
	if (strcmp(jx_str(msg, "action") ? jx_str(msg, "action") : "", "modify") ||
	    strcmp(jx_str(msg, "object") ? jx_str(msg, "object") : "", "context"))
		return "not a modify/context";
	if (domain && *domain && strcmp(domain, config_get(cfg, "max", "server_id")))
		return "domain of another instance";
	if (!jx_object(msg, "user", &u) || !jx_string(u, "username", &user) ||
	    people_normalise(user, t->user) < 0 || !text_username_ok(t->user))
		return "no valid username";
	if (!jx_object(msg, "data", &d) || !jx_string(d, "context", &context) || !*context ||
	    !jx_object(d, "tasks", &t->tasks))
		return "no context or tasks";
	if (is_hash(context))
		snprintf(t->hash, sizeof t->hash, "%s", context);
	else
		ctx_hash(context, t->hash);
	return NULL;
}

enum syncacl_outcome syncacl_apply(struct store *st, const struct max_config *cfg, const char *body,
				   size_t len, char *why, size_t whylen)
{
	const char *err = NULL;
	struct task t;
	memset(&t, 0, sizeof t);
	json_object *msg = carrot_unpack(body, len, &err);
	if (msg)
		err = parse(msg, cfg, &t);
	if (err) {
		snprintf(why, whylen, "%s", err);
		json_object_put(msg);
		return SYNCACL_DROPPED;
	}
	if (store_begin(st) < 0) {
		json_object_put(msg);
		snprintf(why, whylen, "cannot begin a transaction");
		return SYNCACL_RETRY;
	}
	enum max_err e = apply(st, &t);
	json_object_put(msg);
	if (!e && store_commit(st) == 0)
		return SYNCACL_DONE;
	snprintf(why, whylen, "%s",
		 e ? (*model_why(st) ? model_why(st) : "refused") : "commit failed");
	if (e)
		store_rollback(st);
	return e ? SYNCACL_DROPPED : SYNCACL_RETRY;
}
