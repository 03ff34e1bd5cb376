/*
 * security.c — the security settings document and role membership
 * (GET /admin/security, /admin/security/users, and GET, POST and DELETE
 * /admin/security/roles/{role}/users/{user}). The data is model/roles.h.
 */
#include "http/auth.h"
#include "util/text.h"
#include "http/handlers.h"
#include "http/http.h"
#include "util/jsonx.h"
#include "model/roles.h"

#include <stdio.h>
#include <string.h>

static void add_member(void *arg, const char *username)
{
	json_object_array_add(arg, json_object_new_string(username));
}

static json_object *role_members(struct max_ctx *c, const char *role)
{
	json_object *a = json_object_new_array();
	roles_members(c->db, role, add_member, a);
	return a;
}

enum max_err security_get(struct max_ctx *c, struct max_resp *r)
{
	char id[MAX_ID_LEN + 1];
	enum max_err e = roles_security_id(c->db, id);
	if (e)
		return e;
	json_object *o = json_object_new_object(), *roles = json_object_new_object();
	jx_set_str(o, "id", id);
	jx_set(roles, "Manager", role_members(c, "Manager"));
	jx_set(roles, "NonVisible", role_members(c, "NonVisible"));
	jx_set(o, "roles", roles);
	return resp_json(r, 200, o);
}

static void add_user(void *arg, const char *username, unsigned mask)
{
	static const struct {
		const char *name;
		unsigned bit;
	} all[] = {{"Manager", ROLE_MANAGER}, {"NonVisible", ROLE_NONVISIBLE}};
	json_object *u = json_object_new_object(), *roles = json_object_new_array();
	jx_set_str(u, "username", username);
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
		json_object *ro = json_object_new_object();
		jx_set_str(ro, "name", all[i].name);
		jx_set_bool(ro, "active", (mask & all[i].bit) != 0);
		json_object_array_add(roles, ro);
	}
	jx_set(u, "roles", roles);
	json_object_array_add(arg, u);
}

enum max_err security_users(struct max_ctx *c, struct max_resp *r)
{
	json_object *a = json_object_new_array();
	if (roles_each_user(c->db, add_user, a) < 0) {
		json_object_put(a);
		return max_fail(c, MAX_ESERVER, "roles query failed");
	}
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
