/*
 * test_routes.c — the route table (routes.c) against endpoints.md
 * and the /info handlers (info.c) that read it.
 */
#include "unit.h"

#include "util/config.h"
#include "http/handlers.h"
#include "http/http.h"
#include "util/jsonx.h"
#include "http/router.h"

#include <stdio.h>
#include <string.h>

/* endpoints.md: every catalogued route name and its pattern. */
static const struct {
	const char *name, *pattern;
} expected[] = {
	{"users", "/people"},
	{"user", "/people/{username}"},
	{"avatar", "/people/{username}/avatar"},
	{"avatar_sizes", "/people/{username}/avatar/{size}"},
	{"user_activities", "/people/{username}/activities"},
	{"timeline", "/people/{username}/timeline"},
	{"timeline_authors", "/people/{username}/timeline/authors"},
	{"user_comments", "/people/{username}/comments"},
	{"subscriptions", "/people/{username}/subscriptions"},
	{"unsubscriptionpush", "/people/{username}/unsubscriptionpush"},
	{"user_tokens", "/people/{username}/tokens"},
	{"user_platform_tokens", "/people/{username}/tokens/platforms/{platform}"},
	{"tokens", "/tokens"},
	{"token", "/tokens/{token}"},
	{"context_push_tokens", "/contexts/{hash}/tokens"},
	{"conversation_push_tokens", "/conversations/{id}/tokens"},
	{"comments", "/activities/comments"},
	{"activities", "/activities"},
	{"activity", "/activities/{activity}"},
	{"activity_comments", "/activities/{activity}/comments"},
	{"activity_comment", "/activities/{activity}/comments/{comment}"},
	{"flag", "/activities/{activity}/flag"},
	{"likes", "/activities/{activity}/likes"},
	{"like", "/activities/{activity}/likes/{username}"},
	{"favorites", "/activities/{activity}/favorites"},
	{"favorite", "/activities/{activity}/favorites/{username}"},
	{"activity_image", "/activities/{activity}/image"},
	{"activity_image_sizes", "/activities/{activity}/image/{size}"},
	{"activity_file_download", "/activities/{activity}/file/download"},
	{"contexts", "/contexts"},
	{"public_contexts", "/contexts/public"},
	{"context", "/contexts/{hash}"},
	{"context_avatar", "/contexts/{hash}/avatar"},
	{"context_user_permissions_defaults", "/contexts/{hash}/permissions/{username}/defaults"},
	{"context_user_permission", "/contexts/{hash}/permissions/{username}/{permission}"},
	{"context_activities", "/contexts/{hash}/activities"},
	{"context_comments", "/contexts/{hash}/comments"},
	{"context_activities_authors", "/contexts/{hash}/activities/authors"},
	{"context_subscriptions", "/contexts/{hash}/subscriptions"},
	{"context_subscription", "/contexts/{hash}/subscriptions/{username}"},
	{"context_users_unsubscriptionpush", "/contexts/{hash}/unsubscriptionpush"},
	{"context_unsubscriptionpush", "/contexts/{hash}/unsubscriptionpush/{username}"},
	{"context_subscriptionpush", "/contexts/{hash}/subscriptionpush/{username}"},
	{"context_tags", "/contexts/{hash}/tags"},
	{"context_tag", "/contexts/{hash}/tags/{tag}"},
	{"conversations", "/conversations"},
	{"conversations_active", "/conversations/active"},
	{"conversation", "/conversations/{id}"},
	{"conversation_owner", "/conversations/{id}/owner"},
	{"conversation_avatar", "/conversations/{id}/avatar"},
	{"user_conversation", "/people/{username}/conversations/{id}"},
	{"participants", "/conversations/{id}/participants"},
	{"participant", "/conversations/{id}/participants/{username}"},
	{"conversation_messages", "/conversations/{id}/messages"},
	{"user_conversation_messages", "/people/{username}/conversations/{id}/messages"},
	{"messages", "/messages"},
	{"message_image", "/messages/{id}/image"},
	{"message_image_sizes", "/messages/{id}/image/{size}"},
	{"message_file_download", "/messages/{id}/file/download"},
	{"admin_security", "/admin/security"},
	{"admin_security_users", "/admin/security/users"},
	{"admin_security_role_user", "/admin/security/roles/{role}/users/{user}"},
	{"maintenance_keywords", "/admin/maintenance/keywords"},
	{"maintenance_dates", "/admin/maintenance/dates"},
	{"maintenance_subscriptions", "/admin/maintenance/subscriptions"},
	{"maintenance_conversations", "/admin/maintenance/conversations"},
	{"maintenance_users", "/admin/maintenance/users"},
	{"maintenance_tokens", "/admin/maintenance/tokens"},
	{"maintenance_exceptions", "/admin/maintenance/exceptions"},
	{"maintenance_exception", "/admin/maintenance/exceptions/{hash}"},
};
#define NEXPECTED (sizeof expected / sizeof expected[0])

static int is_info_row(const struct route *rt)
{
	return !strcmp(rt->name, "root") || !strcmp(rt->name, "info") ||
	       !strcmp(rt->name, "info_api") || !strcmp(rt->name, "info_settings");
}

static const struct route *find_row(const char *pattern, const char *method)
{
	for (size_t i = 0; i < routes_count; i++)
		if (!strcmp(routes[i].pattern, pattern) && !strcmp(routes[i].method, method))
			return &routes[i];
	return NULL;
}

static void test_expected_names(void)
{
	CU_ASSERT_EQUAL(NEXPECTED, 70);
	for (size_t k = 0; k < NEXPECTED; k++) {
		int seen = 0;
		for (size_t i = 0; i < routes_count; i++) {
			if (strcmp(routes[i].name, expected[k].name))
				continue;
			seen++;
			if (strcmp(routes[i].pattern, expected[k].pattern))
				CU_FAIL_FATAL("route name with the wrong pattern");
		}
		if (!seen)
			fprintf(stderr, "missing route %s\n", expected[k].name);
		CU_ASSERT(seen > 0);
	}
	/* And nothing else besides the four info rows. */
	for (size_t i = 0; i < routes_count; i++) {
		if (is_info_row(&routes[i]))
			continue;
		int known = 0;
		for (size_t k = 0; k < NEXPECTED && !known; k++)
			known = !strcmp(routes[i].name, expected[k].name);
		CU_ASSERT(known);
	}
}

static void test_row_counts(void)
{
	size_t info = 0, api = 0;
	for (size_t i = 0; i < routes_count; i++) {
		if (is_info_row(&routes[i]))
			info++;
		else
			api++;
	}
	CU_ASSERT_EQUAL(info, 4);
	/* 99 endpoints, three of which (#83–#85) are the /info rows. */
	CU_ASSERT_EQUAL(api + 3, 99);
	CU_ASSERT_EQUAL(routes_count, 99 + 1);
	const struct route *root = find_row("/", "GET");
	CU_ASSERT_PTR_NOT_NULL_FATAL(root);
	CU_ASSERT_STRING_EQUAL(root->name, "root");
	CU_ASSERT_PTR_NOT_NULL(find_row("/info", "GET"));
	CU_ASSERT_PTR_NOT_NULL(find_row("/info/api", "GET"));
	CU_ASSERT_PTR_NOT_NULL(find_row("/info/settings", "GET"));
}

static void test_no_duplicates(void)
{
	for (size_t i = 0; i < routes_count; i++)
		for (size_t j = i + 1; j < routes_count; j++) {
			int dup = !strcmp(routes[i].pattern, routes[j].pattern) &&
				  !strcmp(routes[i].method, routes[j].method);
			CU_ASSERT_FALSE(dup);
			/* One name per pattern, one pattern per name. */
			CU_ASSERT_EQUAL(!strcmp(routes[i].name, routes[j].name),
					!strcmp(routes[i].pattern, routes[j].pattern));
		}
}

static void test_row_fields(void)
{
	static const char *const categories[] = {"User",          "Activities", "Comments",
						 "Subscriptions", "Tokens",     "Contexts",
						 "Conversations", "Messages",   "Management"};
	for (size_t i = 0; i < routes_count; i++) {
		const struct route *rt = &routes[i];
		CU_ASSERT(!strcmp(rt->method, "GET") || !strcmp(rt->method, "POST") ||
			  !strcmp(rt->method, "PUT") || !strcmp(rt->method, "DELETE"));
		if (rt->acl == ACL_PUBLIC) {
			CU_ASSERT_PTR_NULL(rt->permission);
		} else {
			CU_ASSERT(rt->permission && *rt->permission);
		}
		int known = 0;
		for (size_t k = 0; k < sizeof categories / sizeof categories[0]; k++)
			known |= !strcmp(rt->category, categories[k]);
		CU_ASSERT(known);
		CU_ASSERT(rt->title && *rt->title);
		CU_ASSERT(rt->description && *rt->description);
		/* Only the four avatar GETs and GET /, /info, /info/api are public. */
		if (rt->acl == ACL_PUBLIC)
			CU_ASSERT(!strcmp(rt->method, "GET") &&
				  (strstr(rt->pattern, "/avatar") || !strcmp(rt->pattern, "/") ||
				   !strcmp(rt->pattern, "/info") ||
				   !strcmp(rt->pattern, "/info/api")));
		CU_ASSERT_EQUAL((rt->flags & RT_FILESYSTEM) != 0,
				strstr(rt->pattern, "/avatar") != NULL);
		if (rt->flags & RT_COUNTS)
			CU_ASSERT_STRING_EQUAL(rt->method, "GET");
		if (!strncmp(rt->pattern, "/admin/", 7))
			CU_ASSERT(rt->acl == ACL_MANAGER && (rt->flags & RT_ACTOR_OPTIONAL));
	}
}

static void test_specific_rows(void)
{
	const struct route *rt;
	rt = find_row("/people", "GET");
	CU_ASSERT_FATAL(rt != NULL);
	CU_ASSERT(rt->handler == people_list && rt->acl == ACL_AUTH);
	CU_ASSERT_STRING_EQUAL(rt->permission, "List visible people");
	rt = find_row("/people", "POST");
	CU_ASSERT_FATAL(rt != NULL);
	CU_ASSERT(rt->handler == people_create && rt->acl == ACL_HANDLER);
	CU_ASSERT(rt->flags & RT_ACTOR_OPTIONAL);
	CU_ASSERT_STRING_EQUAL(rt->permission, "Add people");
	rt = find_row("/people/{username}", "PUT");
	CU_ASSERT_FATAL(rt != NULL);
	CU_ASSERT(rt->handler == people_update && rt->acl == ACL_OWN);
	rt = find_row("/people/{username}", "DELETE");
	CU_ASSERT_FATAL(rt != NULL);
	CU_ASSERT(rt->handler == people_delete && rt->acl == ACL_MANAGER);
	CU_ASSERT_STRING_EQUAL(rt->permission, "Delete user");
	rt = find_row("/people/{username}/avatar", "POST");
	CU_ASSERT_FATAL(rt != NULL);
	CU_ASSERT_STRING_EQUAL(rt->permission, "Modify a user's avatar");
	rt = find_row("/info/settings", "GET");
	CU_ASSERT_FATAL(rt != NULL);
	CU_ASSERT(rt->handler == info_settings && rt->acl == ACL_MANAGER);
	CU_ASSERT_STRING_EQUAL(rt->permission, "View detailed server settings");
	rt = find_row("/admin/security/roles/{role}/users/{user}", "DELETE");
	CU_ASSERT_FATAL(rt != NULL);
	CU_ASSERT(rt->handler == security_role_remove);
	CU_ASSERT_STRING_EQUAL(rt->permission, "Manage security settings");
	rt = find_row("/admin/maintenance/exceptions/{hash}", "GET");
	CU_ASSERT_FATAL(rt != NULL);
	CU_ASSERT(rt->handler == exceptions_get);
	CU_ASSERT_STRING_EQUAL(rt->permission, "Execute maintenance tasks");
	rt = find_row("/tokens", "POST");
	CU_ASSERT_FATAL(rt != NULL);
	CU_ASSERT_EQUAL(rt->acl, ACL_SELF);
	rt = find_row("/contexts", "POST");
	CU_ASSERT_FATAL(rt != NULL);
	CU_ASSERT(rt->handler == contexts_create && rt->acl == ACL_MANAGER);
	CU_ASSERT_STRING_EQUAL(rt->permission, "Add context");

	/* api.md 1.10: exactly these ten GETs count on HEAD. */
	static const char *const counting[] = {"/people/{username}/activities",
					       "/activities",
					       "/contexts/{hash}/activities",
					       "/contexts/{hash}/activities/authors",
					       "/people/{username}/timeline/authors",
					       "/activities/comments",
					       "/contexts/{hash}/comments",
					       "/people/{username}/comments",
					       "/messages",
					       "/conversations/active"};
	size_t ncount = 0;
	for (size_t i = 0; i < routes_count; i++)
		ncount += (routes[i].flags & RT_COUNTS) != 0;
	CU_ASSERT_EQUAL(ncount, sizeof counting / sizeof counting[0]);
	for (size_t k = 0; k < sizeof counting / sizeof counting[0]; k++) {
		rt = find_row(counting[k], "GET");
		CU_ASSERT(rt && (rt->flags & RT_COUNTS));
	}
}

/* Runs info_api with an optional query string; returns the parsed body. */
static json_object *call_info_api(int by_category)
{
	struct max_ctx c;
	struct max_resp r;
	struct max_kv kv[1] = {{(char *)"by_category", (char *)"1"}};
	memset(&c, 0, sizeof c);
	c.table = routes;
	c.table_len = routes_count;
	if (by_category) {
		c.qs = kv;
		c.nqs = 1;
	}
	resp_init(&r);
	CU_ASSERT_EQUAL(info_api(&c, &r), MAX_OK);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_PTR_NOT_NULL(r.content_type);
	if (r.content_type)
		CU_ASSERT(!strncmp(r.content_type, "application/json", 16));
	json_object *o = jx_parse(r.body.data, r.body.len);
	resp_free(&r);
	return o;
}

static void test_info_api(void)
{
	json_object *o = call_info_api(0);
	CU_ASSERT_FATAL(o && json_object_is_type(o, json_type_object));
	CU_ASSERT_EQUAL(json_object_object_length(o), 70);
	for (size_t k = 0; k < NEXPECTED; k++) {
		json_object *res = NULL;
		CU_ASSERT_FATAL(json_object_object_get_ex(o, expected[k].name, &res));
		CU_ASSERT_STRING_EQUAL(jx_str(res, "id"), expected[k].name);
		CU_ASSERT_STRING_EQUAL(jx_str(res, "route"), expected[k].pattern);
		CU_ASSERT_STRING_EQUAL(jx_str(res, "url"), expected[k].pattern);
		CU_ASSERT_PTR_NOT_NULL(jx_str(res, "name"));
		CU_ASSERT_PTR_NOT_NULL(jx_str(res, "category"));
		json_object *fs = NULL;
		CU_ASSERT(json_object_object_get_ex(res, "filesystem", &fs) &&
			  json_object_is_type(fs, json_type_boolean));
	}
	CU_ASSERT(!json_object_object_get_ex(o, "info", NULL));
	CU_ASSERT(!json_object_object_get_ex(o, "info_api", NULL));
	CU_ASSERT(!json_object_object_get_ex(o, "info_settings", NULL));
	CU_ASSERT(!json_object_object_get_ex(o, "root", NULL));

	json_object *user = NULL, *methods = NULL, *get = NULL;
	CU_ASSERT_FATAL(json_object_object_get_ex(o, "user", &user));
	CU_ASSERT_FATAL(jx_object(user, "methods", &methods) == 1);
	CU_ASSERT_EQUAL(json_object_object_length(methods), 3);
	CU_ASSERT_FATAL(jx_object(methods, "GET", &get) == 1);
	CU_ASSERT(jx_object(methods, "PUT", NULL) == 1);
	CU_ASSERT(jx_object(methods, "DELETE", NULL) == 1);
	CU_ASSERT(jx_object(methods, "HEAD", NULL) == 0);
	CU_ASSERT_STRING_EQUAL(jx_str(get, "permission"), "View user profile");
	json_object *rest = NULL, *p0;
	CU_ASSERT_FATAL(jx_array(get, "rest_params", &rest) == 1);
	CU_ASSERT_EQUAL_FATAL(json_object_array_length(rest), 1);
	p0 = json_object_array_get_idx(rest, 0);
	CU_ASSERT_STRING_EQUAL(jx_str(p0, "name"), "username");
	CU_ASSERT(jx_array(get, "query_params", NULL) == 1);
	CU_ASSERT(jx_string(get, "description", NULL) == 1);
	CU_ASSERT(jx_string(get, "documentation", NULL) == 1);
	CU_ASSERT(jx_string(get, "payload", NULL) == 1);
	json_object *mods = NULL;
	CU_ASSERT(jx_array(get, "modifiers", &mods) == 1 && json_object_array_length(mods) == 0);

	/* A counting GET has an identical HEAD entry. */
	json_object *ta = NULL, *tget = NULL, *thead = NULL;
	CU_ASSERT_FATAL(json_object_object_get_ex(o, "timeline_authors", &ta));
	CU_ASSERT_FATAL(jx_object(ta, "methods", &methods) == 1);
	CU_ASSERT_FATAL(jx_object(methods, "GET", &tget) == 1);
	CU_ASSERT_FATAL(jx_object(methods, "HEAD", &thead) == 1);
	CU_ASSERT(json_object_equal(tget, thead));

	/* Modifiers only on /people. */
	json_object *users = NULL, *uget = NULL, *upost = NULL;
	CU_ASSERT_FATAL(json_object_object_get_ex(o, "users", &users));
	CU_ASSERT_FATAL(jx_object(users, "methods", &methods) == 1);
	CU_ASSERT_FATAL(jx_object(methods, "GET", &uget) == 1);
	CU_ASSERT_FATAL(jx_object(methods, "POST", &upost) == 1);
	CU_ASSERT(jx_array(uget, "modifiers", &mods) == 1 && json_object_array_length(mods) == 13);
	CU_ASSERT(jx_array(upost, "modifiers", &mods) == 1 && json_object_array_length(mods) == 1);
	CU_ASSERT_STRING_EQUAL(json_object_get_string(json_object_array_get_idx(mods, 0)),
			       "notifications");

	/* Public routes say "Anonymous"; avatars are on the filesystem. */
	json_object *avatar = NULL, *aget = NULL, *fs = NULL;
	CU_ASSERT_FATAL(json_object_object_get_ex(o, "avatar", &avatar));
	CU_ASSERT(json_object_object_get_ex(avatar, "filesystem", &fs) &&
		  json_object_get_boolean(fs));
	CU_ASSERT_FATAL(jx_object(avatar, "methods", &methods) == 1);
	CU_ASSERT_FATAL(jx_object(methods, "GET", &aget) == 1);
	CU_ASSERT_STRING_EQUAL(jx_str(aget, "permission"), "Anonymous");
	json_object_put(o);
}

static void test_info_api_by_category(void)
{
	json_object *o = call_info_api(1);
	CU_ASSERT_FATAL(o && json_object_is_type(o, json_type_array));
	size_t n = json_object_array_length(o), total = 0;
	CU_ASSERT_EQUAL(n, 9);
	const char *prev_cat = NULL;
	for (size_t i = 0; i < n; i++) {
		json_object *cat = json_object_array_get_idx(o, i), *resources = NULL;
		const char *name = jx_str(cat, "name"), *id = jx_str(cat, "id");
		CU_ASSERT_FATAL(name && id);
		if (prev_cat)
			CU_ASSERT(strcmp(prev_cat, name) < 0);
		prev_cat = name;
		char lower[64];
		size_t k = 0;
		for (; name[k] && k < sizeof lower - 1; k++)
			lower[k] =
				(char)(name[k] >= 'A' && name[k] <= 'Z' ? name[k] + 32 : name[k]);
		lower[k] = 0;
		CU_ASSERT_STRING_EQUAL(id, lower);
		CU_ASSERT_FATAL(jx_array(cat, "resources", &resources) == 1);
		const char *prev_res = NULL;
		for (size_t j = 0; j < json_object_array_length(resources); j++) {
			json_object *res = json_object_array_get_idx(resources, j);
			const char *rn = jx_str(res, "route_name");
			CU_ASSERT_FATAL(rn != NULL);
			if (prev_res)
				CU_ASSERT(strcmp(prev_res, rn) <= 0);
			prev_res = rn;
			CU_ASSERT_PTR_NOT_NULL(jx_str(res, "route_id"));
			CU_ASSERT_PTR_NOT_NULL(jx_str(res, "route_url"));
			CU_ASSERT(jx_object(res, "methods", NULL) == 1);
			total++;
		}
	}
	CU_ASSERT_EQUAL(total, 70);
	json_object_put(o);
}

static void test_info_get_and_settings(void)
{
	struct max_config cfg;
	struct max_ctx c;
	struct max_resp r;
	config_defaults(&cfg);
	CU_ASSERT_EQUAL(config_set(&cfg, "max", "server_id", "test-max"), 0);
	CU_ASSERT_EQUAL(config_set(&cfg, "rabbitmq", "url", "amqp://guest:secret@localhost/"), 0);
	memset(&c, 0, sizeof c);
	c.cfg = &cfg;

	resp_init(&r);
	CU_ASSERT_EQUAL(info_get(&c, &r), MAX_OK);
	json_object *o = jx_parse(r.body.data, r.body.len);
	resp_free(&r);
	CU_ASSERT_FATAL(o != NULL);
	CU_ASSERT_EQUAL(json_object_object_length(o), 2);
	CU_ASSERT_STRING_EQUAL(jx_str(o, "max.server_id"), "test-max");
	CU_ASSERT_STRING_EQUAL(jx_str(o, "version"), MAX_VERSION);
	CU_ASSERT(!json_object_object_get_ex(o, "max.oauth_server", NULL));
	json_object_put(o);

	resp_init(&r);
	CU_ASSERT_EQUAL(info_settings(&c, &r), MAX_OK);
	o = jx_parse(r.body.data, r.body.len);
	resp_free(&r);
	CU_ASSERT_FATAL(o != NULL);
	CU_ASSERT_STRING_EQUAL(jx_str(o, "max.server_id"), "test-max");
	CU_ASSERT_STRING_EQUAL(jx_str(o, "store.path"), "var/max.db");
	CU_ASSERT_PTR_NOT_NULL(jx_str(o, "oauth.cache_ttl"));
	CU_ASSERT_PTR_NOT_NULL(jx_str(o, "rabbitmq.exchange_prefix"));
	CU_ASSERT_STRING_EQUAL(jx_str(o, "version"), MAX_VERSION);
	CU_ASSERT(!json_object_object_get_ex(o, "rabbitmq.url", NULL));
	CU_ASSERT(!json_object_object_get_ex(o, "ldap.bind_password", NULL));
	CU_ASSERT(!json_object_object_get_ex(o, "ldap.url", NULL));
	CU_ASSERT(strstr(jx_text(o), "secret") == NULL);
	json_object_put(o);

	resp_init(&r);
	CU_ASSERT_EQUAL(info_root(&c, &r), MAX_OK);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_STRING_EQUAL(r.body.data, "I am a max server");
	CU_ASSERT(r.content_type && !strncmp(r.content_type, "text/html", 9));
	resp_free(&r);
	config_free(&cfg);
}

UNIT_SUITE(routes, NULL, NULL)
{
	UNIT_TEST(s, test_expected_names);
	UNIT_TEST(s, test_row_counts);
	UNIT_TEST(s, test_no_duplicates);
	UNIT_TEST(s, test_row_fields);
	UNIT_TEST(s, test_specific_rows);
	UNIT_TEST(s, test_info_api);
	UNIT_TEST(s, test_info_api_by_category);
	UNIT_TEST(s, test_info_get_and_settings);
}
