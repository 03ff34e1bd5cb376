/*
 * test_admin.c — /info, /info/api, /info/settings (endpoints.md), the
 * security roles #86–#90 and the exceptions log #97–#99 (endpoints.md): statuses,
 * error texts, JSON shapes, and that role changes made through the API (or
 * refused by it) show in the roles table and in what users may do.
 */
#include "e2e.h"

#include <stdlib.h>
#include <string.h>

#define PLAIN "adm.plain"
#define GHOST_MANAGER "adm.ghostmgr" /* a Manager MAX has no person for */

static int forbidden(const struct e2e_resp *r, const char *user, const char *perm)
{
	return E2E_EXPECT(r, 403, "Forbidden",
			  e2e_fmt("User \"%s\" has no permission \"%s\" here ", user, perm));
}

static long long role_rows(void)
{
	return e2e_db_scalar("SELECT count(*) FROM roles");
}

static int has_string(json_object *arr, const char *s)
{
	for (int i = 0; i < e2e_len(arr); i++) {
		json_object *v = json_object_array_get_idx(arr, (size_t)i);
		if (json_object_is_type(v, json_type_string) &&
		    !strcmp(json_object_get_string(v), s))
			return 1;
	}
	return 0;
}

static int init(void)
{
	if (!e2e_person(PLAIN, "Plain User"))
		return 1;
	return !e2e_grant(GHOST_MANAGER, "Manager");
}

/* ---- /info ---------------------------------------------------------------------- */

static void test_info(void)
{
	struct e2e_resp *r = e2e_request("GET", "/info", NULL, NULL);
	E2E_STATUS(r, 200);
	const char *ct = e2e_header(r, "Content-Type");
	CU_ASSERT(ct && !strncmp(ct, "application/json", 16));
	E2E_STR_EQ(e2e_str(r->json, "version"), "5.3.27.dev0");
	E2E_STR_EQ(e2e_str(r->json, "max.server_id"), "e2e");
	E2E_STR_EQ(e2e_str(r->json, "max.oauth_server"), e2e_url());
	/* settings absent from the config are omitted */
	CU_ASSERT_PTR_NULL(e2e_get(r->json, "max.stomp_server"));
	e2e_free(r);
}

static void test_info_api(void)
{
	struct e2e_resp *r = e2e_request("GET", "/info/api", NULL, NULL);
	E2E_STATUS(r, 200);
	CU_ASSERT_EQUAL(json_object_object_length(r->json), 70);
	CU_ASSERT_PTR_NULL(e2e_get(r->json, "info"));
	CU_ASSERT_PTR_NULL(e2e_get(r->json, "info_api"));
	CU_ASSERT_PTR_NULL(e2e_get(r->json, "info_settings"));
	struct {
		const char *name, *pattern;
	} want[] = {
		{"users", "/people"},
		{"user", "/people/{username}"},
		{"avatar_sizes", "/people/{username}/avatar/{size}"},
		{"user_platform_tokens", "/people/{username}/tokens/platforms/{platform}"},
		{"activity_comment", "/activities/{activity}/comments/{comment}"},
		{"public_contexts", "/contexts/public"},
		{"context_user_permission", "/contexts/{hash}/permissions/{username}/{permission}"},
		{"conversations_active", "/conversations/active"},
		{"user_conversation_messages", "/people/{username}/conversations/{id}/messages"},
		{"admin_security_role_user", "/admin/security/roles/{role}/users/{user}"},
		{"maintenance_exception", "/admin/maintenance/exceptions/{hash}"},
	};
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		json_object *e = e2e_get(r->json, want[i].name);
		CU_ASSERT_PTR_NOT_NULL(e);
		E2E_STR_EQ(e2e_str(e, "id"), want[i].name);
		E2E_STR_EQ(e2e_str(e, "route"), want[i].pattern);
		E2E_STR_EQ(e2e_str(e, "url"), want[i].pattern);
	}
	json_object *users = e2e_get(r->json, "users");
	json_object *methods = e2e_get(users, "methods");
	CU_ASSERT_PTR_NOT_NULL(e2e_get(methods, "GET"));
	CU_ASSERT_PTR_NOT_NULL(e2e_get(methods, "POST"));
	CU_ASSERT_PTR_NULL(e2e_get(methods, "HEAD")); /* GET /people does not count */
	E2E_INT_EQ(e2e_bool(users, "filesystem"), 0);
	json_object *get = e2e_get(methods, "GET");
	const char *keys =
		"description,documentation,modifiers,payload,permission,query_params,rest_params";
	E2E_STR_EQ(e2e_keys(get), keys);
	CU_ASSERT(e2e_len(e2e_get(get, "modifiers")) > 0);
	CU_ASSERT(has_string(e2e_get(get, "modifiers"), "twitter_enabled"));
	json_object *post = e2e_get(methods, "POST");
	CU_ASSERT(has_string(e2e_get(post, "modifiers"), "notifications"));
	/* only GET /people and POST /people have modifiers */
	E2E_INT_EQ(e2e_len(e2e_get(e2e_get(e2e_get(e2e_get(r->json, "user"), "methods"), "GET"),
				   "modifiers")),
		   0);
	/* the avatar routes are "filesystem", and public */
	json_object *avatar = e2e_get(r->json, "avatar");
	E2E_INT_EQ(e2e_bool(avatar, "filesystem"), 1);
	E2E_STR_EQ(e2e_str(e2e_get(e2e_get(avatar, "methods"), "GET"), "permission"), "Anonymous");
	/* counting GETs also get an identical HEAD entry */
	json_object *ua = e2e_get(e2e_get(r->json, "user_activities"), "methods");
	CU_ASSERT_PTR_NOT_NULL(e2e_get(ua, "HEAD"));
	if (e2e_get(ua, "HEAD") && e2e_get(ua, "GET"))
		E2E_STR_EQ(json_object_to_json_string(e2e_get(ua, "HEAD")),
			   json_object_to_json_string(e2e_get(ua, "GET")));
	/* a 403 message's permission name is the one listed here */
	E2E_STR_EQ(e2e_str(e2e_get(e2e_get(e2e_get(r->json, "admin_security"), "methods"), "GET"),
			   "permission"),
		   "Manage security settings");
	e2e_free(r);
}

static void test_info_api_by_category(void)
{
	static const char *categories[] = {"Activities",    "Comments",   "Contexts",
					   "Conversations", "Management", "Messages",
					   "Subscriptions", "Tokens",     "User"};
	struct e2e_resp *r = e2e_request("GET", "/info/api?by_category=1", NULL, NULL);
	E2E_STATUS(r, 200);
	CU_ASSERT_FATAL(e2e_len(r->json) > 0);
	int total = 0;
	const char *prev = "";
	for (int i = 0; i < e2e_len(r->json); i++) {
		json_object *c = json_object_array_get_idx(r->json, (size_t)i);
		const char *name = e2e_str(c, "name"), *id = e2e_str(c, "id");
		CU_ASSERT_FATAL(name && id);
		int known = 0;
		for (size_t k = 0; k < sizeof categories / sizeof *categories; k++)
			known |= !strcmp(name, categories[k]);
		CU_ASSERT(known);
		CU_ASSERT(strcmp(prev, name) < 0); /* sorted by name */
		prev = name;
		char lower[64];
		snprintf(lower, sizeof lower, "%s", name);
		for (char *p = lower; *p; p++)
			*p = *p == ' ' ? '-' : (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
		E2E_STR_EQ(id, lower);
		json_object *res = e2e_get(c, "resources");
		const char *prev_route = "";
		for (int j = 0; j < e2e_len(res); j++) {
			json_object *x = json_object_array_get_idx(res, (size_t)j);
			const char *rn = e2e_str(x, "route_name");
			CU_ASSERT_FATAL(rn != NULL);
			CU_ASSERT(strcmp(prev_route, rn) <= 0);
			prev_route = rn;
			E2E_STR_EQ(e2e_keys(x), "filesystem,methods,route_id,route_name,route_url");
			total++;
		}
	}
	E2E_INT_EQ(total, 70);
	e2e_free(r);
}

static void test_info_settings(void)
{
	struct e2e_resp *r = e2e_request("GET", "/info/settings", NULL, NULL);
	E2E_EXPECT(r, 401, "Unauthorized", "No auth headers found.");
	e2e_free(r);
	r = e2e_request("GET", "/info/settings", PLAIN, NULL);
	forbidden(r, PLAIN, "View detailed server settings");
	e2e_free(r);
	r = e2e_request("GET", "/info/settings", e2e_manager(), NULL);
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_str(r->json, "version"), "5.3.27.dev0");
	E2E_STR_EQ(e2e_str(r->json, "max.server_id"), "e2e");
	E2E_STR_EQ(e2e_str(r->json, "max.compat_id"), "e2e-compat");
	/* never a password: e2e.sh sets [ldap] bind_password = e2e-secret-pw */
	json_object_object_foreach(r->json, k, v)
	{
		(void)v;
		CU_ASSERT(!strstr(k, "password"));
	}
	CU_ASSERT(!strstr(r->body, "e2e-secret-pw"));
	CU_ASSERT_PTR_NULL(e2e_get(r->json, "rabbitmq.url"));
	e2e_free(r);
	/* a Manager need not exist as a person for /info* */
	E2E_SEND(200, "GET", "/info/settings", GHOST_MANAGER, NULL);
}

/* ---- #86–#90 security ----------------------------------------------------------------- */

static void test_security_get(void)
{
	struct e2e_resp *r = e2e_request("GET", "/admin/security", e2e_manager(), NULL);
	E2E_STATUS(r, 200);
	CU_ASSERT_PTR_NOT_NULL(e2e_str(r->json, "id"));
	json_object *roles = e2e_get(r->json, "roles");
	CU_ASSERT(has_string(e2e_get(roles, "Manager"), e2e_manager()));
	CU_ASSERT(has_string(e2e_get(roles, "Manager"), GHOST_MANAGER));
	CU_ASSERT(e2e_len(e2e_get(roles, "NonVisible")) >= 0);
	CU_ASSERT(!has_string(e2e_get(roles, "Manager"), PLAIN));
	e2e_free(r);

	r = e2e_request("GET", "/admin/security", NULL, NULL);
	E2E_EXPECT(r, 401, "Unauthorized", "No auth headers found.");
	e2e_free(r);
	r = e2e_request("GET", "/admin/security", PLAIN, NULL);
	forbidden(r, PLAIN, "Manage security settings");
	e2e_free(r);
	E2E_SEND(200, "GET", "/admin/security", GHOST_MANAGER, NULL);
}

static void test_security_users(void)
{
	CU_ASSERT_FATAL(e2e_grant("adm.both", "Manager") && e2e_grant("adm.both", "NonVisible"));
	struct e2e_resp *r = e2e_request("GET", "/admin/security/users", e2e_manager(), NULL);
	E2E_STATUS(r, 200);
	int seen_both = 0, seen_mgr = 0;
	for (int i = 0; i < e2e_len(r->json); i++) {
		json_object *u = json_object_array_get_idx(r->json, (size_t)i);
		const char *name = e2e_str(u, "username");
		CU_ASSERT_FATAL(name != NULL);
		CU_ASSERT(strcmp(name, PLAIN) != 0); /* only users holding a role */
		json_object *roles = e2e_get(u, "roles");
		E2E_INT_EQ(e2e_len(roles), 2);
		json_object *r0 = json_object_array_get_idx(roles, 0);
		json_object *r1 = json_object_array_get_idx(roles, 1);
		E2E_STR_EQ(e2e_str(r0, "name"), "Manager");
		E2E_STR_EQ(e2e_str(r1, "name"), "NonVisible");
		if (!strcmp(name, "adm.both")) {
			seen_both = 1;
			E2E_INT_EQ(e2e_bool(r0, "active"), 1);
			E2E_INT_EQ(e2e_bool(r1, "active"), 1);
		} else if (!strcmp(name, e2e_manager())) {
			seen_mgr = 1;
			E2E_INT_EQ(e2e_bool(r0, "active"), 1);
			E2E_INT_EQ(e2e_bool(r1, "active"), 0);
		}
	}
	CU_ASSERT(seen_both);
	CU_ASSERT(seen_mgr);
	e2e_free(r);
	r = e2e_request("GET", "/admin/security/users", PLAIN, NULL);
	forbidden(r, PLAIN, "Manage security settings");
	e2e_free(r);
}

static void test_security_role_cycle(void)
{
	const char *m = e2e_manager();
	const char *url = "/admin/security/roles/Manager/users/" PLAIN;
	long long n = role_rows();

	struct e2e_resp *r = e2e_request("GET", url, m, NULL);
	E2E_EXPECT(r, 404, "ObjectNotFound", "User " PLAIN " doesn't have role Manager");
	e2e_free(r);
	/* the plain user cannot use the admin API */
	E2E_SEND(403, "GET", "/admin/security", PLAIN, NULL);

	r = e2e_request("POST", url, m, NULL);
	E2E_STATUS(r, 201);
	CU_ASSERT(has_string(r->json, PLAIN));
	CU_ASSERT(has_string(r->json, m));
	e2e_free(r);
	E2E_INT_EQ(role_rows(), n + 1);
	r = e2e_request("POST", url, m, NULL);
	E2E_STATUS(r, 200);
	CU_ASSERT(has_string(r->json, PLAIN));
	e2e_free(r);
	E2E_INT_EQ(role_rows(), n + 1);

	r = e2e_request("GET", url, m, NULL);
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_keys(r->json), "roles");
	E2E_INT_EQ(e2e_len(e2e_get(r->json, "roles")), 1);
	CU_ASSERT(has_string(e2e_get(r->json, "roles"), "Manager"));
	e2e_free(r);
	/* takes effect on the next request */
	E2E_SEND(200, "GET", "/admin/security", PLAIN, NULL);

	r = e2e_request("DELETE", url, m, NULL);
	E2E_STATUS(r, 204);
	E2E_INT_EQ(r->body_len, 0);
	e2e_free(r);
	E2E_INT_EQ(role_rows(), n);
	r = e2e_request("DELETE", url, m, NULL);
	E2E_EXPECT(r, 404, "ObjectNotFound", "User " PLAIN " doesn't have role Manager");
	e2e_free(r);
	r = e2e_request("GET", "/admin/security", PLAIN, NULL);
	forbidden(r, PLAIN, "Manage security settings");
	e2e_free(r);
	E2E_INT_EQ(role_rows(), n);
}

static void test_security_role_any_user(void)
{
	const char *m = e2e_manager();
	long long n = role_rows();
	/* {user} need not exist; it is lower-cased like every username */
	struct e2e_resp *r =
		e2e_request("POST", "/admin/security/roles/NonVisible/users/ADM.Nobody", m, NULL);
	E2E_STATUS(r, 201);
	CU_ASSERT(has_string(r->json, "adm.nobody"));
	e2e_free(r);
	E2E_INT_EQ(role_rows(), n + 1);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM roles WHERE role='NonVisible' AND "
				 "username='adm.nobody'"),
		   1);
	E2E_SEND(200, "GET", "/admin/security/roles/NonVisible/users/adm.nobody", m, NULL);
	E2E_SEND(204, "DELETE", "/admin/security/roles/NonVisible/users/adm.nobody", m, NULL);
	E2E_INT_EQ(role_rows(), n);
}

static void test_security_nonvisible_via_api(void)
{
	const char *m = e2e_manager();
	CU_ASSERT_FATAL(e2e_person("adm.hide", NULL));
	struct e2e_resp *r = e2e_request("GET", "/people?username=adm.hide", PLAIN, NULL);
	E2E_STR_EQ(e2e_usernames(r->json), "adm.hide");
	e2e_free(r);
	E2E_SEND(201, "POST", "/admin/security/roles/NonVisible/users/adm.hide", m, NULL);
	r = e2e_request("GET", "/people?username=adm.hide", PLAIN, NULL);
	E2E_STR_EQ(e2e_usernames(r->json), "");
	e2e_free(r);
	E2E_SEND(204, "DELETE", "/admin/security/roles/NonVisible/users/adm.hide", m, NULL);
	r = e2e_request("GET", "/people?username=adm.hide", PLAIN, NULL);
	E2E_STR_EQ(e2e_usernames(r->json), "adm.hide");
	e2e_free(r);
}

static void test_security_rejected(void)
{
	const char *m = e2e_manager();
	long long n = role_rows();
	const char *methods[] = {"GET", "POST", "DELETE"};
	for (size_t i = 0; i < 3; i++) {
		struct e2e_resp *r =
			e2e_request(methods[i], "/admin/security/roles/Admin/users/" PLAIN, m,
				    NULL);
		E2E_EXPECT(r, 400, "ValidationError", "Role \"Admin\" is not a valid role");
		e2e_free(r);
	}
	/* role names are case-sensitive */
	struct e2e_resp *r =
		e2e_request("POST", "/admin/security/roles/manager/users/" PLAIN, m, NULL);
	E2E_EXPECT(r, 400, "ValidationError", "Role \"manager\" is not a valid role");
	e2e_free(r);
	/* nobody grants himself anything */
	r = e2e_request("POST", "/admin/security/roles/Manager/users/" PLAIN, PLAIN, NULL);
	forbidden(r, PLAIN, "Manage security settings");
	e2e_free(r);
	r = e2e_request("DELETE", "/admin/security/roles/Manager/users/" GHOST_MANAGER, PLAIN,
			NULL);
	forbidden(r, PLAIN, "Manage security settings");
	e2e_free(r);
	r = e2e_request("POST", "/admin/security/roles/Manager/users/" PLAIN, NULL, NULL);
	E2E_EXPECT(r, 401, "Unauthorized", "No auth headers found.");
	e2e_free(r);
	E2E_INT_EQ(role_rows(), n);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM roles WHERE username='" PLAIN "'"), 0);
}

/* ---- #97–#99 exceptions ------------------------------------------------------------------ */

#define EXC_OLD "1111111111111111111111111111111111111111"
#define EXC_NEW "2222222222222222222222222222222222222222"
#define EXC_NONE "0123456789abcdef0123456789abcdef01234567"

static void test_exceptions_empty(void)
{
	long long rows = e2e_db_scalar("SELECT count(*) FROM exceptions");
	struct e2e_resp *r =
		e2e_request("GET", "/admin/maintenance/exceptions", e2e_manager(), NULL);
	E2E_STATUS(r, 200);
	E2E_INT_EQ(e2e_len(r->json), rows);
	/* a fresh database logged nothing; anything else is a server error from an earlier test */
	E2E_INT_EQ(rows, 0);
	e2e_free(r);

	r = e2e_request("GET", "/admin/maintenance/exceptions/" EXC_NONE, e2e_manager(), NULL);
	E2E_EXPECT(r, 404, "ObjectNotFound", "There is no logged exception with this hash");
	e2e_free(r);
	r = e2e_request("DELETE", "/admin/maintenance/exceptions/" EXC_NONE, e2e_manager(), NULL);
	E2E_EXPECT(r, 404, "ObjectNotFound", "There is no logged exception with this hash");
	e2e_free(r);

	r = e2e_request("GET", "/admin/maintenance/exceptions", NULL, NULL);
	E2E_EXPECT(r, 401, "Unauthorized", "No auth headers found.");
	e2e_free(r);
	r = e2e_request("GET", "/admin/maintenance/exceptions", PLAIN, NULL);
	E2E_EXPECT(r, 403, "Forbidden", NULL);
	e2e_free(r);
	E2E_SEND(200, "GET", "/admin/maintenance/exceptions", GHOST_MANAGER, NULL);
}

static void test_exceptions_logged(void)
{
	/* the API cannot be made to fail on purpose: plant two reports */
	CU_ASSERT_FATAL(
		e2e_db_exec("INSERT INTO exceptions (id, date, request, traceback) VALUES "
			    "('" EXC_OLD
			    "', '2025-01-02T03:04:05Z', 'GET /old HTTP/1.1', 'old trace'),"
			    "('" EXC_NEW
			    "', '2026-06-07T08:09:10Z', 'POST /new HTTP/1.1', 'new trace')") == 0);
	const char *m = e2e_manager();
	long long rows = e2e_db_scalar("SELECT count(*) FROM exceptions");

	struct e2e_resp *r = e2e_request("GET", "/admin/maintenance/exceptions", m, NULL);
	E2E_STATUS(r, 200);
	E2E_INT_EQ(e2e_len(r->json), rows);
	json_object *first = json_object_array_get_idx(r->json, 0);
	json_object *second = json_object_array_get_idx(r->json, 1);
	E2E_STR_EQ(e2e_keys(first), "date,id");
	E2E_STR_EQ(e2e_str(first, "id"), EXC_NEW); /* newest first */
	E2E_STR_EQ(e2e_str(first, "date"), "2026/06/07 08:09:10");
	E2E_STR_EQ(e2e_str(second, "id"), EXC_OLD);
	E2E_STR_EQ(e2e_str(second, "date"), "2025/01/02 03:04:05");
	e2e_free(r);

	r = e2e_request("GET", "/admin/maintenance/exceptions/" EXC_NEW, m, NULL);
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_keys(r->json), "date,request,traceback");
	E2E_STR_EQ(e2e_str(r->json, "request"), "POST /new HTTP/1.1");
	E2E_STR_EQ(e2e_str(r->json, "traceback"), "new trace");
	e2e_free(r);

	r = e2e_request("DELETE", "/admin/maintenance/exceptions/" EXC_NEW, PLAIN, NULL);
	E2E_EXPECT(r, 403, "Forbidden", NULL);
	e2e_free(r);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM exceptions"), rows);

	r = e2e_request("DELETE", "/admin/maintenance/exceptions/" EXC_NEW, m, NULL);
	E2E_STATUS(r, 204);
	E2E_INT_EQ(r->body_len, 0);
	e2e_free(r);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM exceptions"), rows - 1);
	r = e2e_request("GET", "/admin/maintenance/exceptions/" EXC_NEW, m, NULL);
	E2E_EXPECT(r, 404, "ObjectNotFound", "There is no logged exception with this hash");
	e2e_free(r);
	E2E_SEND(204, "DELETE", "/admin/maintenance/exceptions/" EXC_OLD, m, NULL);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM exceptions"), rows - 2);
}

E2E_SUITE(admin, init, NULL)
{
	E2E_TEST(s, test_exceptions_empty); /* first: the database is still fresh */
	E2E_TEST(s, test_info);
	E2E_TEST(s, test_info_api);
	E2E_TEST(s, test_info_api_by_category);
	E2E_TEST(s, test_info_settings);
	E2E_TEST(s, test_security_get);
	E2E_TEST(s, test_security_users);
	E2E_TEST(s, test_security_role_cycle);
	E2E_TEST(s, test_security_role_any_user);
	E2E_TEST(s, test_security_nonvisible_via_api);
	E2E_TEST(s, test_security_rejected);
	E2E_TEST(s, test_exceptions_logged);
}
