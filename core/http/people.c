/*
 * people.c — People (API.md §4.1, §5.2, #1–#5) and the user visibility rule
 * (§1.6).
 *
 * A person's own row holds only the profile; subscriptions, push opt-outs
 * and conversations belong to their families and reach the Person document
 * through hooks.h. Field visibility: Managers and the user himself see the
 * full document, everybody else the five public fields.
 */
#include "http/people.h"
#include "http/auth.h"
#include "util/config.h"
#include "http/filters.h"
#include "http/handlers.h"
#include "http/hooks.h"
#include "http/http.h"
#include "util/ids.h"
#include "util/jsonx.h"
#include "model/outbox.h"
#include "store/store.h"
#include "util/text.h"
#include "http/traverse.h"

#include <sqlite3.h> /* to be moved behind store/ */

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define DISPLAY_NAME_MAX 256 /* bytes */

int people_exists(struct store *db, const char *username)
{
	sqlite3_stmt *s = store_stmt(db, "SELECT 1 FROM people WHERE username = ?1");
	if (!s)
		return -1;
	store_bind_text(s, 1, username);
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int people_display_name(struct store *db, const char *username, char *out, size_t len)
{
	out[0] = 0;
	sqlite3_stmt *s = store_stmt(db, "SELECT display_name FROM people WHERE username = ?1");
	if (!s)
		return 0;
	store_bind_text(s, 1, username);
	int found = sqlite3_step(s) == SQLITE_ROW;
	if (found)
		snprintf(out, len, "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_reset(s);
	return found;
}

enum max_err traverse_person(struct max_ctx *c, const char *username)
{
	int found = people_exists(c->db, username);
	if (found < 0)
		return max_fail(c, MAX_ESERVER, "person lookup failed");
	if (!found)
		return max_fail(c, MAX_EUNKNOWNUSER, "Unknown actor identified by: %s", username);
	return MAX_OK;
}

int people_can_see(struct max_ctx *c, const char *viewer, const char *target)
{
	unsigned vr = auth_roles(c->db, viewer), tr = auth_roles(c->db, target);
	if (!(vr & ROLE_NONVISIBLE) && (tr & ROLE_NONVISIBLE))
		return 0;
	if (!c->cfg->restricted_visibility)
		return 1;
	return hook_share_context(c, viewer, target);
}

static const char *col(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

json_object *people_json(struct max_ctx *c, const char *username, enum person_view view,
			 int enrich_talking_in)
{
	sqlite3_stmt *s = store_stmt(c->db,
				     "SELECT id, display_name, twitter_username, creator, published,"
				     " last_login FROM people WHERE username = ?1");
	if (!s)
		return NULL;
	store_bind_text(s, 1, username);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		return NULL;
	}
	if (view == PERSON_AUTO)
		view = auth_is_manager(c) || !strcmp(c->auth_user, username) ? PERSON_FULL
									      : PERSON_PUBLIC;
	json_object *o = json_object_new_object();
	jx_set_str(o, "username", username);
	jx_set_str(o, "displayName", col(s, 1));
	jx_set_str(o, "objectType", "person");
	jx_set_str(o, "published", col(s, 4));
	if (col(s, 2))
		jx_set_str(o, "twitterUsername", col(s, 2));
	if (view == PERSON_FULL) {
		jx_set_str(o, "id", col(s, 0));
		jx_set_str(o, "creator", col(s, 3));
		jx_set_str(o, "owner", username);
		jx_set_str(o, "last_login", col(s, 5));
	}
	sqlite3_reset(s);
	if (view == PERSON_FULL) {
		jx_set(o, "following", json_object_new_array());
		jx_set(o, "subscribedTo", hook_person_subscriptions(c, username));
		jx_set(o, "unsubscribedToPush", hook_person_push_optouts(c, username));
		jx_set(o, "talkingIn", hook_person_talking_in(c, username, enrich_talking_in));
	}
	return o;
}

/* Usernames appear in URL segments, exchange names and STOMP logins:
 * printable, no separators, bounded. */
static int valid_username(const char *u)
{
	size_t n = strlen(u);
	if (!n || n > MAX_USERNAME_MAX)
		return 0;
	for (const unsigned char *p = (const unsigned char *)u; *p; p++)
		if (*p <= ' ' || *p == 0x7f || strchr("/\\?#%\"<>&+:*", *p))
			return 0;
	return 1;
}

/* Validates the optional displayName and twitterUsername of a body.
 * For each, *set is 0 absent/null, 1 a value, 2 "" (remove). */
struct person_fields {
	int dn_set, tw_set;
	const char *display_name;
	char twitter[16];
};

static enum max_err person_fields(struct max_ctx *c, struct person_fields *f)
{
	memset(f, 0, sizeof *f);
	int rc = jx_string(c->body, "displayName", &f->display_name);
	if (rc < 0)
		return max_fail(c, MAX_EVALIDATION,
				"Validation error on field \"displayName\": must be a string");
	if (rc == 1) {
		if (strlen(f->display_name) > DISPLAY_NAME_MAX)
			return max_fail(c, MAX_EVALIDATION,
					"Validation error on field \"displayName\": longer than %d bytes",
					DISPLAY_NAME_MAX);
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
		if (text_twitter_name(tw, '@', 0, 15, f->twitter) < 0)
			return max_fail(c, MAX_EVALIDATION,
					"Validation error on field \"twitterUsername\": %s is not a "
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

/* #2 POST /people */
enum max_err people_create(struct max_ctx *c, struct max_resp *r)
{
	if (c->body && !body_is_object(c))
		return max_fail(c, MAX_EVALIDATION, "Unexpected data type in request");
	const char *given = NULL;
	if (jx_string(c->body, "username", &given) != 1 || !*given)
		return max_fail(c, MAX_EVALIDATION, "Missing username in request");
	/* §1.3: the permission check (the body username is the actor of a
	 * POST, §1.4) comes before the handler's validation */
	if (!auth_is_manager(c) && strcasecmp(given, c->auth_user))
		return perm_deny(c);
	char username[MAX_USERNAME_MAX + 1];
	if (!valid_username(given))
		return max_fail(c, MAX_EVALIDATION,
				"Validation error on field \"username\": not a valid username");
	snprintf(username, sizeof username, "%s", given);
	str_lower(username);
	struct person_fields f;
	enum max_err e = person_fields(c, &f);
	if (e)
		return e;
	const char *notify = qs_get(c, "notifications");
	int exists = people_exists(c->db, username);
	if (exists < 0)
		return max_fail(c, MAX_ESERVER, "person lookup failed");
	if (!exists) {
		char id[25], now[21];
		id_new(id);
		time_now_iso(now);
		const char *args[] = {username, id, f.dn_set == 1 ? f.display_name : username,
				      f.tw_set == 1 ? f.twitter : NULL, c->auth_user, now, now};
		if (store_exec(c->db,
			       "INSERT INTO people (username, id, display_name, twitter_username,"
			       " creator, published, last_login) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
			       7, args) < 0)
			return max_fail(c, MAX_ESERVER, "person insert failed");
		if ((e = hook_person_created(c, username, 0)))
			return e;
	}
	/* MESSAGING.md §2.4: exchanges for a new user unless notifications is
	 * false; for an existing one only if it is true */
	int declare = notify && *notify ? parse_bool(notify) : !exists;
	if (declare && outbox_declare_user(c->db, username) < 0)
		return max_fail(c, MAX_ESERVER, "outbox insert failed");
	/* §5.2: a self-registering user does not see the private fields */
	json_object *p = people_json(c, username, auth_is_manager(c) ? PERSON_FULL : PERSON_PUBLIC,
				     1);
	if (!p)
		return max_fail(c, MAX_ESERVER, "person vanished");
	return resp_json(r, exists ? 200 : 201, p);
}

/* #3 GET /people/{username} */
enum max_err people_get(struct max_ctx *c, struct max_resp *r)
{
	json_object *p = people_json(c, c->params[0], PERSON_AUTO, 1);
	if (!p)
		return max_fail(c, MAX_EUNKNOWNUSER, "Unknown actor identified by: %s", c->params[0]);
	return resp_json(r, 200, p);
}

/* #4 PUT /people/{username}: displayName and twitterUsername only */
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
		const char *args[] = {dn, u};
		if (store_exec(c->db, "UPDATE people SET display_name = ?1 WHERE username = ?2", 2,
			       args) < 0)
			return max_fail(c, MAX_ESERVER, "person update failed");
		if ((e = hook_person_renamed(c, u, dn)))
			return e;
	}
	if (f.tw_set) {
		const char *args[] = {f.tw_set == 1 ? f.twitter : NULL, u};
		if (store_exec(c->db, "UPDATE people SET twitter_username = ?1 WHERE username = ?2",
			       2, args) < 0)
			return max_fail(c, MAX_ESERVER, "person update failed");
	}
	json_object *p = people_json(c, u, PERSON_AUTO, 0);
	if (!p)
		return max_fail(c, MAX_ESERVER, "person vanished");
	return resp_json(r, 200, p);
}

/* #5 DELETE /people/{username}: Manager only (route table) */
enum max_err people_delete(struct max_ctx *c, struct max_resp *r)
{
	const char *u = c->params[0];
	enum max_err e = hook_person_deleted(c, u);
	if (e)
		return e;
	const char *args[] = {u};
	if (store_exec(c->db, "DELETE FROM people WHERE username = ?1", 1, args) < 0 ||
	    store_exec(c->db, "DELETE FROM oauth_tokens WHERE username = ?1", 1, args) < 0)
		return max_fail(c, MAX_ESERVER, "person delete failed");
	r->status = 204;
	return MAX_OK;
}

/* #1 GET /people: search by username/displayName substring, newest-name
 * first (ascending with max_users), visibility filtered after the limit
 * as the original does. */
static const char *const SEARCH_DESC =
	"SELECT username, id, display_name, twitter_username FROM people"
	" WHERE (?1 IS NULL OR instr(lower(username), lower(?1)) > 0"
	"        OR instr(lower(display_name), lower(?1)) > 0)"
	"   AND (?2 = 0 OR twitter_username IS NOT NULL)"
	"   AND (?3 IS NULL OR published >= ?3) AND (?4 IS NULL OR published < ?4)"
	"   AND (?5 IS NULL OR id < ?5) AND (?6 IS NULL OR id > ?6)"
	" ORDER BY username DESC LIMIT ?7";
static const char *const SEARCH_ASC =
	"SELECT username, id, display_name, twitter_username FROM people"
	" WHERE (?1 IS NULL OR instr(lower(username), lower(?1)) > 0"
	"        OR instr(lower(display_name), lower(?1)) > 0)"
	"   AND (?2 = 0 OR twitter_username IS NOT NULL)"
	"   AND (?3 IS NULL OR published >= ?3) AND (?4 IS NULL OR published < ?4)"
	"   AND (?5 IS NULL OR username < ?5) AND (?6 IS NULL OR username > ?6)"
	" ORDER BY username ASC LIMIT ?7";

enum max_err people_list(struct max_ctx *c, struct max_resp *r)
{
	long limit;
	enum max_err e = http_limit(c, 10, &limit);
	if (e)
		return e;
	const char *mu = qs_get(c, "max_users");
	int by_name = mu && *mu, twitter = parse_bool(qs_get(c, "twitter_enabled"));
	const char *before = NULL, *after = NULL;
	if (by_name) {
		before = qs_get(c, "before");
		after = qs_get(c, "after");
	} else if ((e = filter_offsets(c, &before, &after))) {
		return e;
	}
	char from[21], to[21];
	filter_date_range(qs_get(c, "date_filter"), from, to);
	sqlite3_stmt *s = store_prepare_(c->db, by_name ? SEARCH_ASC : SEARCH_DESC);
	if (!s)
		return max_fail(c, MAX_ESERVER, "people query failed");
	const char *name = qs_get(c, "username");
	store_bind_text(s, 1, name && *name ? name : NULL);
	sqlite3_bind_int(s, 2, twitter);
	store_bind_text(s, 3, *from ? from : NULL);
	store_bind_text(s, 4, *to ? to : NULL);
	store_bind_text(s, 5, before);
	store_bind_text(s, 6, after);
	sqlite3_bind_int64(s, 7, limit + 1);
	json_object *a = json_object_new_array();
	long n = 0;
	int more = 0;
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (n++ == limit) {
			more = 1;
			break;
		}
		const char *u = col(s, 0);
		if (!people_can_see(c, c->actor, u))
			continue;
		json_object *o = json_object_new_object();
		jx_set_str(o, "id", col(s, 1));
		jx_set_str(o, "username", u);
		jx_set_str(o, "displayName", col(s, 2));
		jx_set_str(o, "objectType", "person");
		if (twitter && col(s, 3))
			jx_set_str(o, "twitterUsername", col(s, 3));
		json_object_array_add(a, o);
	}
	sqlite3_reset(s);
	if (more && !by_name)
		resp_header(r, "X-Has-Remaining-Items", "1");
	return resp_json(r, 200, a);
}
