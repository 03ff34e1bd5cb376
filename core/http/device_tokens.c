/*
 * device_tokens.c — push device tokens: POST /tokens, DELETE
 * /tokens/{token}, the lists and deletes under /people/{username}/tokens,
 * and the lists the push consumer asks for under /contexts/{hash}/tokens
 * and /conversations/{id}/tokens. The rows are model/devices.h.
 *
 * Tokens belong to the acting user; a token string belongs to one user at
 * a time, so registering it again, by anybody, moves it.
 */
#include "http/auth.h"
#include "util/text.h"
#include "http/handlers.h"
#include "http/http.h"
#include "util/jsonx.h"
#include "model/devices.h"
#include "http/traverse.h"

#include <stdio.h>
#include <string.h>

/* Required string field of the body: 400 MissingField when absent or "". */
static enum max_err required(struct max_ctx *c, const char *name, const char **out)
{
	int rc = jx_string(c->body, name, out);
	if (rc == 0 && !json_object_object_get_ex(c->body, name, NULL))
		return max_fail(c, MAX_EMISSING,
				"Required parameter \"%s\" not found in the request", name);
	if (rc < 0)
		return max_fail(c, MAX_EVALIDATION,
				"Validation error on field \"%s\": must be a string", name);
	if (rc == 0 || !**out)
		return max_fail(c, MAX_EMISSING, "Required parameter \"%s\" found but empty", name);
	if (strlen(*out) > DEVICE_TOKEN_MAX)
		return max_fail(c, MAX_EVALIDATION, "Validation error on field \"%s\": too long",
				name);
	return MAX_OK;
}

/* POST /tokens */
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
	if (jx_string(c->body, "device", &device) < 0 ||
	    (device && strlen(device) > DEVICE_TOKEN_MAX))
		return max_fail(c, MAX_EVALIDATION,
				"Validation error on field \"device\": must be a string");
	struct device d = {.token = token,
			   .platform = plat,
			   .device = device,
			   .owner = c->actor,
			   .creator = c->auth_user};
	if (device_add(c->db, &d))
		return max_fail(c, MAX_ESERVER, "token insert failed");
	json_object *o = json_object_new_object();
	jx_set_str(o, "id", d.id);
	jx_set_str(o, "objectType", "token");
	jx_set_str(o, "token", token);
	jx_set_str(o, "platform", plat);
	jx_set_str(o, "device", device);
	jx_set_str(o, "published", d.published);
	return resp_json(r, 201, o);
}

/* DELETE /tokens/{token}: its owner or a Manager */
enum max_err tokens_delete(struct max_ctx *c, struct max_resp *r)
{
	const char *token = c->params[0];
	char owner[MAX_USERNAME_MAX + 1] = "";
	int found = device_owner(c->db, token, owner);
	if (found < 0)
		return max_fail(c, MAX_ESERVER, "token lookup failed");
	if (!found)
		return traverse_not_found(c, "token", token, "tokens");
	if (!auth_is_manager(c) && strcmp(owner, c->auth_user))
		return perm_deny(c);
	if (device_delete(c->db, token))
		return max_fail(c, MAX_ESERVER, "token delete failed");
	r->status = 204;
	return MAX_OK;
}

/* The short form [{"token","platform","username"}] of every list. */
static void add_row(void *arg, const char *token, const char *platform, const char *owner)
{
	json_object *o = json_object_new_object();
	jx_set_str(o, "token", token);
	jx_set_str(o, "platform", platform);
	jx_set_str(o, "username", owner);
	json_object_array_add(arg, o);
}

static enum max_err answer_list(struct max_ctx *c, struct max_resp *r, json_object *a, int rc)
{
	if (rc < 0) {
		json_object_put(a);
		return max_fail(c, MAX_ESERVER, "token query failed");
	}
	return resp_json(r, 200, a);
}

/* The platform segment, lower-cased like stored platforms. */
static const char *platform_param(struct max_ctx *c)
{
	return c->params[1] ? str_lower(c->params[1]) : NULL;
}

/* GET /people/{username}/tokens[/platforms/{platform}] */
enum max_err tokens_user_list(struct max_ctx *c, struct max_resp *r)
{
	json_object *a = json_object_new_array();
	return answer_list(c, r, a,
			   device_list_user(c->db, c->params[0], platform_param(c), add_row, a));
}

/* DELETE /people/{username}/tokens[/platforms/{platform}] */
enum max_err tokens_user_delete(struct max_ctx *c, struct max_resp *r)
{
	if (device_delete_user(c->db, c->params[0], platform_param(c)))
		return max_fail(c, MAX_ESERVER, "token delete failed");
	r->status = 204;
	return MAX_OK;
}

/* GET /contexts/{hash}/tokens: subscribers minus push opt-outs */
enum max_err tokens_context_list(struct max_ctx *c, struct max_resp *r)
{
	json_object *a = json_object_new_array();
	return answer_list(c, r, a, device_list_context(c->db, c->params[0], add_row, a));
}

/* GET /conversations/{id}/tokens: members' tokens; [] when unknown */
enum max_err tokens_conversation_list(struct max_ctx *c, struct max_resp *r)
{
	json_object *a = json_object_new_array();
	return answer_list(c, r, a, device_list_conversation(c->db, c->params[0], add_row, a));
}
