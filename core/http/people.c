/*
 * people.c — the People endpoints (GET and POST /people, GET, PUT and
 * DELETE /people/{username}).
 *
 * A person's own row holds only the profile; the Person document adds the
 * subscriptions, push opt-outs and conversations of the other families,
 * read here from their model. Creating, renaming and deleting a person go
 * through model/person.h, which updates every family. Field visibility:
 * Managers and the user himself see the full document, everybody else the
 * five public fields.
 */
#include "http/people.h"
#include "http/auth.h"
#include "util/config.h"
#include "http/filters.h"
#include "http/handlers.h"
#include "http/conversations.h"
#include "http/http.h"
#include "util/ids.h"
#include "util/jsonx.h"
#include "model/outbox.h"
#include "model/people.h"
#include "model/person.h"
#include "model/subscriptions.h"
#include "model/roles.h"
#include "model/tokens.h"
#include "util/text.h"
#include "http/traverse.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

enum max_err traverse_person(struct max_ctx *c, const char *username)
{
	int found = people_exists(c->db, username);
	if (found < 0)
		return max_fail(c, MAX_ESERVER, "person lookup failed");
	if (!found)
		return max_fail(c, MAX_EUNKNOWNUSER, "Unknown actor identified by: %s", username);
	return MAX_OK;
}

static json_object *person_subscriptions(struct store *st, const char *u)
{
	json_object *a = NULL;
	sub_of_user(st, u, NULL, SUB_PERSON, &a);
	return a ? a : json_object_new_array();
}

static json_object *person_optouts(struct store *st, const char *u)
{
	json_object *a = NULL;
	sub_optouts_of_user(st, u, NULL, &a);
	return a ? a : json_object_new_array();
}

json_object *people_json(struct max_ctx *c, const char *username, enum person_view view,
			 int enrich_talking_in)
{
	struct person p;
	if (people_load(c->db, username, &p))
		return NULL;
	if (view == PERSON_AUTO)
		view = auth_is_manager(c) || !strcmp(c->auth_user, username) ? PERSON_FULL
									     : PERSON_PUBLIC;
	json_object *o = json_object_new_object();
	jx_set_str(o, "username", username);
	jx_set_str(o, "displayName", p.display_name);
	jx_set_str(o, "objectType", "person");
	jx_set_str(o, "published", p.published);
	if (*p.twitter)
		jx_set_str(o, "twitterUsername", p.twitter);
	if (view == PERSON_FULL) {
		jx_set_str(o, "id", p.id);
		jx_set_str(o, "creator", p.creator);
		jx_set_str(o, "owner", username);
		jx_set_str(o, "last_login", p.last_login);
		jx_set(o, "following", json_object_new_array());
		jx_set(o, "subscribedTo", person_subscriptions(c->db, username));
		jx_set(o, "unsubscribedToPush", person_optouts(c->db, username));
		jx_set(o, "talkingIn", conv_talking_in_json(c, username, enrich_talking_in));
	}
	return o;
}

/* Validates the optional displayName and twitterUsername of a body.
 * For each, *set is 0 absent/null, 1 a value, 2 "" (remove). */
struct person_fields {
	int dn_set, tw_set;
	const char *display_name;
	char twitter[PEOPLE_TWITTER_MAX + 1];
};

static enum max_err person_fields(struct max_ctx *c, struct person_fields *f)
{
	memset(f, 0, sizeof *f);
	int rc = jx_string(c->body, "displayName", &f->display_name);
	if (rc < 0)
		return max_fail(c, MAX_EVALIDATION,
				"Validation error on field \"displayName\": must be a string");
	if (rc == 1) {
		if (strlen(f->display_name) > PEOPLE_DISPLAY_NAME_MAX)
			return max_fail(c, MAX_EVALIDATION,
					"Validation error on field \"displayName\": longer than %d "
					"bytes",
					PEOPLE_DISPLAY_NAME_MAX);
		f->dn_set = *f->display_name ? 1 : 2;
	}
	const char *tw = NULL;
	rc = jx_string(c->body, "twitterUsername", &tw);
	if (rc < 0)
		return max_fail(c, MAX_EVALIDATION,
				"Validation error on field \"twitterUsername\": must be a string");
	if (rc == 1 && !*tw) {
		f->tw_set = 2;
	} else if (rc == 1) {
		if (text_twitter_name(tw, '@', 0, PEOPLE_TWITTER_MAX, f->twitter) < 0)
			return max_fail(c, MAX_EVALIDATION,
					"Validation error on field \"twitterUsername\": %s is not "
					"a "
					"valid twitter username",
					tw);
		f->tw_set = 1;
	}
	return MAX_OK;
}

static int body_is_object(const struct max_ctx *c)
{
	return c->body && json_object_is_type(c->body, json_type_object);
}

/* Inserts the person of a POST /people unless there: *exists tells. */
static enum max_err person_insert(struct max_ctx *c, const char *username,
				  const struct person_fields *f, int *exists)
{
	*exists = people_exists(c->db, username);
	if (*exists < 0)
		return max_fail(c, MAX_ESERVER, "person lookup failed");
	if (*exists)
		return MAX_OK;
	struct person p = {0};
	snprintf(p.username, sizeof p.username, "%s", username);
	if (f->dn_set == 1)
		snprintf(p.display_name, sizeof p.display_name, "%s", f->display_name);
	if (f->tw_set == 1)
		snprintf(p.twitter, sizeof p.twitter, "%s", f->twitter);
	snprintf(p.creator, sizeof p.creator, "%s", c->auth_user);
	if (people_insert(c->db, &p))
		return max_fail(c, MAX_ESERVER, "person insert failed");
	return person_added(c->db, username);
}

/* POST /people */
enum max_err people_create(struct max_ctx *c, struct max_resp *r)
{
	if (c->body && !body_is_object(c))
		return max_fail(c, MAX_EVALIDATION, "Unexpected data type in request");
	const char *given = NULL;
	if (jx_string(c->body, "username", &given) != 1 || !*given)
		return max_fail(c, MAX_EVALIDATION, "Missing username in request");
	/* API: the permission check (the body username is the actor of a
	 * POST) comes before the handler's validation */
	if (!auth_is_manager(c) && strcasecmp(given, c->auth_user))
		return perm_deny(c);
	char username[MAX_USERNAME_MAX + 1];
	if (!text_username_ok(given) || people_normalise(given, username) < 0)
		return max_fail(c, MAX_EVALIDATION,
				"Validation error on field \"username\": not a valid username");
	struct person_fields f;
	int exists;
	enum max_err e = person_fields(c, &f);
	if (e || (e = person_insert(c, username, &f, &exists)))
		return e;
	/* exchanges for a new user unless notifications is false; for an
	 * existing one only if it is true */
	const char *notify = qs_get(c, "notifications");
	int declare = notify && *notify ? parse_bool(notify) : !exists;
	if (declare && outbox_declare_user(c->db, username) < 0)
		return max_fail(c, MAX_ESERVER, "outbox insert failed");
	/* a self-registering user does not see the private fields */
	json_object *p =
		people_json(c, username, auth_is_manager(c) ? PERSON_FULL : PERSON_PUBLIC, 1);
	if (!p)
		return max_fail(c, MAX_ESERVER, "person vanished");
	return resp_json(r, exists ? 200 : 201, p);
}

/* GET /people/{username} */
enum max_err people_get(struct max_ctx *c, struct max_resp *r)
{
	json_object *p = people_json(c, c->params[0], PERSON_AUTO, 1);
	if (!p)
		return max_fail(c, MAX_EUNKNOWNUSER, "Unknown actor identified by: %s",
				c->params[0]);
	return resp_json(r, 200, p);
}

/* PUT /people/{username}: displayName and twitterUsername only */
enum max_err people_update(struct max_ctx *c, struct max_resp *r)
{
	if (c->body && !body_is_object(c))
		return max_fail(c, MAX_EVALIDATION, "Unexpected data type in request");
	struct person_fields f;
	enum max_err e = person_fields(c, &f);
	if (e)
		return e;
	const char *u = c->params[0];
	if (f.dn_set) {
		const char *dn = f.dn_set == 1 ? f.display_name : u;
		if ((e = person_rename(c->db, u, dn)))
			return e;
	}
	if (f.tw_set && people_set_twitter(c->db, u, f.tw_set == 1 ? f.twitter : NULL))
		return max_fail(c, MAX_ESERVER, "person update failed");
	json_object *p = people_json(c, u, PERSON_AUTO, 0);
	if (!p)
		return max_fail(c, MAX_ESERVER, "person vanished");
	return resp_json(r, 200, p);
}

/* DELETE /people/{username}: Manager only (route table) */
enum max_err people_delete(struct max_ctx *c, struct max_resp *r)
{
	const char *u = c->params[0];
	enum max_err e = person_forget(c->db, u);
	if (e)
		return e;
	r->status = 204;
	return MAX_OK;
}

/* One row of GET /people: shown when the acting user may see it. */
struct list_arg {
	struct max_ctx *c;
	json_object *a;
	int twitter;
};

static void list_row(void *arg, const char *u, const char *id, const char *display_name,
		     const char *twitter)
{
	struct list_arg *la = arg;
	if (!person_may_see(la->c->db, la->c->cfg->restricted_visibility, la->c->actor, u))
		return;
	json_object *o = json_object_new_object();
	jx_set_str(o, "id", id);
	jx_set_str(o, "username", u);
	jx_set_str(o, "displayName", display_name);
	jx_set_str(o, "objectType", "person");
	if (la->twitter && twitter)
		jx_set_str(o, "twitterUsername", twitter);
	json_object_array_add(la->a, o);
}

/* GET /people: search by username/displayName substring, newest-name
 * first (ascending with max_users), visibility filtered after the limit
 * as the original does. */
enum max_err people_list(struct max_ctx *c, struct max_resp *r)
{
	struct people_query q = {0};
	enum max_err e = http_limit(c, 10, &q.limit);
	if (e)
		return e;
	const char *mu = qs_get(c, "max_users"), *name = qs_get(c, "username");
	q.by_name = mu && *mu;
	q.twitter_only = parse_bool(qs_get(c, "twitter_enabled"));
	q.name = name && *name ? name : NULL;
	if (q.by_name) {
		q.before = qs_get(c, "before");
		q.after = qs_get(c, "after");
	} else if ((e = filter_offsets(c, &q.before, &q.after))) {
		return e;
	}
	char from[21], to[21];
	filter_date_range(qs_get(c, "date_filter"), from, to);
	q.from = *from ? from : NULL;
	q.to = *to ? to : NULL;
	struct list_arg la = {c, json_object_new_array(), q.twitter_only};
	int more = people_search(c->db, &q, list_row, &la);
	if (more < 0) {
		json_object_put(la.a);
		return max_fail(c, MAX_ESERVER, "people query failed");
	}
	if (more && !q.by_name)
		resp_header(r, "X-Has-Remaining-Items", "1");
	return resp_json(r, 200, la.a);
}
