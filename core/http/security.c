/*
 * security.c — the security settings document and role membership
 * (API.md §4.11, #86–#90). Roles live in the roles table; the document's
 * id is a constant ObjectId stored in meta by the first migration.
 */
#include "http/auth.h"
#include "http/handlers.h"
#include "http/http.h"
#include "util/ids.h"
#include "util/jsonx.h"
#include "model/roles.h"
#include "store/store.h"

#include <sqlite3.h> /* to be moved behind store/ */

#include <stdio.h>
#include <string.h>

/* The document id, created by the first migration. */
static enum max_err security_id(struct max_ctx *c, char out[25])
{
	sqlite3_stmt *s = store_stmt(c->db, "SELECT value FROM meta WHERE key = 'security_id'");
	if (!s || sqlite3_step(s) != SQLITE_ROW) {
		if (s)
			sqlite3_reset(s);
		return max_fail(c, MAX_ESERVER, "meta security_id missing");
	}
	snprintf(out, 25, "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_reset(s);
	return MAX_OK;
}

static json_object *role_members(struct max_ctx *c, const char *role)
{
	json_object *a = json_object_new_array();
	sqlite3_stmt *s =
		store_stmt(c->db, "SELECT username FROM roles WHERE role = ?1 ORDER BY added_at, username");
	if (!s)
		return a;
	store_bind_text(s, 1, role);
	while (sqlite3_step(s) == SQLITE_ROW)
		json_object_array_add(a, json_object_new_string((const char *)sqlite3_column_text(s, 0)));
	sqlite3_reset(s);
	return a;
}

enum max_err security_get(struct max_ctx *c, struct max_resp *r)
{
	char id[25];
	enum max_err e = security_id(c, id);
	if (e)
		return e;
	json_object *o = json_object_new_object(), *roles = json_object_new_object();
	jx_set_str(o, "id", id);
	jx_set(roles, "Manager", role_members(c, "Manager"));
	jx_set(roles, "NonVisible", role_members(c, "NonVisible"));
	jx_set(o, "roles", roles);
	return resp_json(r, 200, o);
}

enum max_err security_users(struct max_ctx *c, struct max_resp *r)
{
	sqlite3_stmt *s = store_stmt(c->db,
				     "SELECT username, max(role = 'Manager'), max(role = 'NonVisible')"
				     " FROM roles GROUP BY username ORDER BY username");
	if (!s)
		return max_fail(c, MAX_ESERVER, "roles query failed");
	json_object *a = json_object_new_array();
	while (sqlite3_step(s) == SQLITE_ROW) {
		json_object *u = json_object_new_object(), *roles = json_object_new_array();
		jx_set_str(u, "username", (const char *)sqlite3_column_text(s, 0));
		static const char *const names[] = {"Manager", "NonVisible"};
		for (int i = 0; i < 2; i++) {
			json_object *ro = json_object_new_object();
			jx_set_str(ro, "name", names[i]);
			jx_set_bool(ro, "active", sqlite3_column_int(s, i + 1));
			json_object_array_add(roles, ro);
		}
		jx_set(u, "roles", roles);
		json_object_array_add(a, u);
	}
	sqlite3_reset(s);
	return resp_json(r, 200, a);
}

/* params: {role}, {user} */
static enum max_err role_param(struct max_ctx *c, const char **role, char *user, size_t len)
{
	*role = c->params[0];
	if (!roles_bit(*role))
		return max_fail(c, MAX_EVALIDATION, "Role \"%s\" is not a valid role", *role);
	if (strlen(c->params[1]) > MAX_USERNAME_MAX)
		return max_fail(c, MAX_EVALIDATION, "Validation error on field \"user\": too long");
	snprintf(user, len, "%s", c->params[1]);
	str_lower(user);
	return MAX_OK;
}

enum max_err security_role_get(struct max_ctx *c, struct max_resp *r)
{
	const char *role;
	char user[MAX_USERNAME_MAX + 1];
	enum max_err e = role_param(c, &role, user, sizeof user);
	if (e)
		return e;
	if (!(roles_of(c->db, user) & roles_bit(role)))
		return max_fail(c, MAX_ENOTFOUND, "User %s doesn't have role %s", user, role);
	json_object *o = json_object_new_object();
	jx_set(o, "roles", jx_str_array(&role, 1));
	return resp_json(r, 200, o);
}

enum max_err security_role_add(struct max_ctx *c, struct max_resp *r)
{
	const char *role;
	char user[MAX_USERNAME_MAX + 1];
	enum max_err e = role_param(c, &role, user, sizeof user);
	if (e)
		return e;
	int added = roles_add(c->db, role, user);
	if (added < 0)
		return max_fail(c, MAX_ESERVER, "roles insert failed");
	return resp_json(r, added ? 201 : 200, role_members(c, role));
}

enum max_err security_role_remove(struct max_ctx *c, struct max_resp *r)
{
	const char *role;
	char user[MAX_USERNAME_MAX + 1];
	enum max_err e = role_param(c, &role, user, sizeof user);
	if (e)
		return e;
	int removed = roles_remove(c->db, role, user);
	if (removed < 0)
		return max_fail(c, MAX_ESERVER, "roles delete failed");
	if (!removed)
		return max_fail(c, MAX_ENOTFOUND, "User %s doesn't have role %s", user, role);
	r->status = 204;
	return MAX_OK;
}
