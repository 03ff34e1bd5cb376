/*
 * device_tokens.c — push device tokens (API.md §4.10, §5.9 #75–#82).
 *
 * A token string belongs to one user at a time: registering it again, by
 * anybody, moves it. Tokens belong to the acting user (Clean §1.4 (d)).
 * The per-context and per-conversation lists are what the push consumer
 * asks for (MESSAGING.md §4.3): tokens of the subscribers, newest first.
 */
#include "http/auth.h"
#include "http/handlers.h"
#include "http/http.h"
#include "util/ids.h"
#include "util/jsonx.h"
#include "store/store.h"
#include "http/traverse.h"

#include <sqlite3.h> /* to be moved behind store/ */

#include <stdio.h>
#include <string.h>

#define TOKEN_MAX 4096 /* bytes of a token or device name */

static const char *col(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

/* Required string field of the body: 400 MissingField when absent or "". */
static enum max_err required(struct max_ctx *c, const char *name, const char **out)
{
	int rc = jx_string(c->body, name, out);
	if (rc == 0 && !json_object_object_get_ex(c->body, name, NULL))
		return max_fail(c, MAX_EMISSING, "Required parameter \"%s\" not found in the request",
				name);
	if (rc < 0)
		return max_fail(c, MAX_EVALIDATION, "Validation error on field \"%s\": must be a string",
				name);
	if (rc == 0 || !**out)
		return max_fail(c, MAX_EMISSING, "Required parameter \"%s\" found but empty", name);
	if (strlen(*out) > TOKEN_MAX)
		return max_fail(c, MAX_EVALIDATION, "Validation error on field \"%s\": too long", name);
	return MAX_OK;
}

/* #75 POST /tokens */
enum max_err tokens_add(struct max_ctx *c, struct max_resp *r)
{
	if (c->body && !json_object_is_type(c->body, json_type_object))
		return max_fail(c, MAX_EVALIDATION, "Unexpected data type in request");
	const char *token = NULL, *platform = NULL, *device = NULL;
	enum max_err e;
	if ((e = required(c, "token", &token)) || (e = required(c, "platform", &platform)))
		return e;
	char plat[16];
	snprintf(plat, sizeof plat, "%s", platform);
	str_lower(plat);
	if (strcmp(plat, "ios") && strcmp(plat, "android"))
		return max_fail(c, MAX_EVALIDATION, "%.200s is not a supported platform.",
				strlen(platform) < sizeof plat ? plat : platform);
	if (jx_string(c->body, "device", &device) < 0 || (device && strlen(device) > TOKEN_MAX))
		return max_fail(c, MAX_EVALIDATION,
				"Validation error on field \"device\": must be a string");
	char id[25], now[21];
	id_new(id);
	time_now_iso(now);
	const char *del[] = {token};
	const char *ins[] = {id, token, plat, device, c->actor, c->auth_user, now};
	if (store_exec(c->db, "DELETE FROM device_tokens WHERE token = ?1", 1, del) < 0 ||
	    store_exec(c->db,
		       "INSERT INTO device_tokens (id, token, platform, device, owner, creator,"
		       " published) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
		       7, ins) < 0)
		return max_fail(c, MAX_ESERVER, "token insert failed");
	json_object *o = json_object_new_object();
	jx_set_str(o, "id", id);
	jx_set_str(o, "objectType", "token");
	jx_set_str(o, "token", token);
	jx_set_str(o, "platform", plat);
	jx_set_str(o, "device", device);
	jx_set_str(o, "published", now);
	return resp_json(r, 201, o);
}

/* #76 DELETE /tokens/{token} */
enum max_err tokens_delete(struct max_ctx *c, struct max_resp *r)
{
	const char *token = c->params[0];
	sqlite3_stmt *s = store_stmt(c->db, "SELECT owner FROM device_tokens WHERE token = ?1");
	if (!s)
		return max_fail(c, MAX_ESERVER, "token lookup failed");
	store_bind_text(s, 1, token);
	char owner[MAX_USERNAME_MAX + 1] = "";
	int found = sqlite3_step(s) == SQLITE_ROW;
	if (found)
		snprintf(owner, sizeof owner, "%s", col(s, 0));
	sqlite3_reset(s);
	if (!found)
		return traverse_not_found(c, "token", token, "tokens");
	if (!auth_is_manager(c) && strcmp(owner, c->auth_user))
		return perm_deny(c);
	const char *args[] = {token};
	if (store_exec(c->db, "DELETE FROM device_tokens WHERE token = ?1", 1, args) < 0)
		return max_fail(c, MAX_ESERVER, "token delete failed");
	r->status = 204;
	return MAX_OK;
}

/* Runs a token query whose rows are (token, platform, owner) into the
 * short form [{"token","platform","username"}]. */
static enum max_err token_list(struct max_ctx *c, struct max_resp *r, sqlite3_stmt *s)
{
	if (!s)
		return max_fail(c, MAX_ESERVER, "token query failed");
	json_object *a = json_object_new_array();
	while (sqlite3_step(s) == SQLITE_ROW) {
		json_object *o = json_object_new_object();
		jx_set_str(o, "token", col(s, 0));
		jx_set_str(o, "platform", col(s, 1));
		jx_set_str(o, "username", col(s, 2));
		json_object_array_add(a, o);
	}
	sqlite3_reset(s);
	return resp_json(r, 200, a);
}

/* The platform segment, lower-cased like stored platforms. */
static const char *platform_param(struct max_ctx *c)
{
	return c->params[1] ? str_lower(c->params[1]) : NULL;
}

/* #77 GET /people/{username}/tokens, #79 …/platforms/{platform} */
enum max_err tokens_user_list(struct max_ctx *c, struct max_resp *r)
{
	sqlite3_stmt *s = store_stmt(c->db, "SELECT token, platform, owner FROM device_tokens"
					    " WHERE owner = ?1 AND (?2 IS NULL OR platform = ?2)"
					    " ORDER BY id DESC");
	if (s) {
		store_bind_text(s, 1, c->params[0]);
		store_bind_text(s, 2, platform_param(c));
	}
	return token_list(c, r, s);
}

/* #78 DELETE /people/{username}/tokens, #80 …/platforms/{platform} */
enum max_err tokens_user_delete(struct max_ctx *c, struct max_resp *r)
{
	const char *args[] = {c->params[0], platform_param(c)};
	if (store_exec(c->db, "DELETE FROM device_tokens WHERE owner = ?1"
			      " AND (?2 IS NULL OR platform = ?2)",
		       2, args) < 0)
		return max_fail(c, MAX_ESERVER, "token delete failed");
	r->status = 204;
	return MAX_OK;
}

/* The tokens of the users that sql (a literal, ?1 = the URL's id) selects,
 * newest token first. */
static enum max_err tokens_of(struct max_ctx *c, struct max_resp *r, const char *sql)
{
	sqlite3_stmt *s = store_prepare_(c->db, sql);
	if (s)
		store_bind_text(s, 1, c->params[0]);
	return token_list(c, r, s);
}

/* #81 GET /contexts/{hash}/tokens: subscribers minus push opt-outs
 * (tables of schema/003_contexts.sql) */
enum max_err tokens_context_list(struct max_ctx *c, struct max_resp *r)
{
	return tokens_of(c, r,
			 "SELECT t.token, t.platform, t.owner FROM device_tokens t"
			 " WHERE t.owner IN (SELECT s.username FROM subscriptions s WHERE s.hash = ?1"
			 "  AND NOT EXISTS (SELECT 1 FROM push_optouts o"
			 "   WHERE o.hash = s.hash AND o.username = s.username))"
			 " ORDER BY t.id DESC");
}

/* #82 GET /conversations/{id}/tokens: members' tokens; [] when unknown */
enum max_err tokens_conversation_list(struct max_ctx *c, struct max_resp *r)
{
	return tokens_of(c, r,
			 "SELECT t.token, t.platform, t.owner FROM device_tokens t"
			 " WHERE t.owner IN (SELECT m.username FROM conversation_members m"
			 "  WHERE m.conversation_id = ?1)"
			 " ORDER BY t.id DESC");
}
