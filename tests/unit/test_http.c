/*
 * test_http.c — the request pipeline of http.c, called directly: processing
 * order, errors, auth, tunnelling, deprecated URLs, HEAD, CORS.
 */
#include "fixture.h"
#include "http/rate.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

static void test_unknown_route_is_json_404(void)
{
	struct fx_resp r = fx_req("GET", "/nothing/here", "fxadmin", NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 404);
	CU_ASSERT_STRING_EQUAL(fx_error(&r), "ObjectNotFound");
	fx_free(&r);
}

static void test_wrong_method_is_json_405(void)
{
	struct fx_resp r = fx_req("PATCH", "/people", "fxadmin", NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 405);
	CU_ASSERT_STRING_EQUAL(fx_error(&r), "MethodNotAllowed");
	fx_free(&r);
	r = fx_req("DELETE", "/info", NULL, NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 405);
	fx_free(&r);
}

static void test_root_banner(void)
{
	struct fx_resp r = fx_req("GET", "/", NULL, NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_STRING_EQUAL(r.raw.body.data, "I am a max server");
	CU_ASSERT_PTR_NOT_NULL(strstr(r.raw.content_type, "text/html"));
	fx_free(&r);
}

static void test_auth_failures(void)
{
	struct fx_resp r = fx_req("GET", "/people", NULL, NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 401);
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "error_description"), "No auth headers found.");
	fx_free(&r);

	r = fx_req("GET", "/people", NULL, NULL, "X-Oauth-Token: abc", "X-Oauth-Username: fxadmin",
		   NULL);
	CU_ASSERT_EQUAL(r.status, 401);
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "error_description"),
			       "The specified scope is not allowed for this resource.");
	fx_free(&r);

	r = fx_req("GET", "/people", NULL, NULL, "X-Oauth-Token: abcdefghjkmnpqrstuvwxyzABCDEFGH2",
		   "X-Oauth-Username: fxadmin", "X-Oauth-Scope: widgetcli", NULL);
	CU_ASSERT_EQUAL(r.status, 401);
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "error_description"), "Invalid token.");
	CU_ASSERT_STRING_EQUAL(fx_error(&r), "Unauthorized");
	fx_free(&r);

	/* somebody else's token */
	char hdr[80];
	snprintf(hdr, sizeof hdr, "X-Oauth-Token: %s", fx_token("fxadmin"));
	r = fx_req("GET", "/people", NULL, NULL, hdr, "X-Oauth-Username: mallory",
		   "X-Oauth-Scope: widgetcli", NULL);
	CU_ASSERT_EQUAL(r.status, 401);
	fx_free(&r);

	r = fx_req("GET", "/people?X-Oauth-Username=fxadmin", NULL, NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 401);
	CU_ASSERT_PTR_NOT_NULL(strstr(fx_str(&r, "error_description"), "found in url params"));
	fx_free(&r);
}

static void test_mixed_case_username_header(void)
{
	char hdr[80];
	snprintf(hdr, sizeof hdr, "X-Oauth-Token: %s", fx_token("fxadmin"));
	struct fx_resp r = fx_req("POST", "/people", NULL, "{\"username\":\"casey\"}", hdr,
				  "X-Oauth-Username: FxAdmin", "X-Oauth-Scope: widgetcli", NULL);
	CU_ASSERT_EQUAL(r.status, 201);
	fx_free(&r);
}

static void test_compat_id(void)
{
	struct fx_resp r = fx_req("GET", "/info", NULL, NULL, "X-Max-Compat-ID: nope", NULL);
	CU_ASSERT_EQUAL(r.status, 412);
	CU_ASSERT_STRING_EQUAL(fx_error(&r), "CompatibilityIDMismatch");
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "error_description"),
			       "X-Max-Compat-ID header value mismatch, unit-compat was expected");
	fx_free(&r);
	r = fx_req("GET", "/info", NULL, NULL, "X-Max-Compat-ID: unit-compat", NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	fx_free(&r);
}

static void test_invalid_bodies(void)
{
	long long before = fx_scalar("SELECT count(*) FROM people");
	struct fx_resp r = fx_req("POST", "/people", "fxadmin", "{\"username\":", NULL);
	CU_ASSERT_EQUAL(r.status, 400);
	fx_free(&r);
	r = fx_req("POST", "/people", "fxadmin", "{\"username\":\"bad\xff\"}", NULL);
	CU_ASSERT_EQUAL(r.status, 400);
	fx_free(&r);
	r = fx_req("POST", "/people", "fxadmin", "[]", NULL);
	CU_ASSERT_EQUAL(r.status, 400);
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "error_description"), "Unexpected data type in request");
	fx_free(&r);
	r = fx_req("POST", "/people", "fxadmin", "{\"username\": 7}", NULL);
	CU_ASSERT_EQUAL(r.status, 400);
	fx_free(&r);
	CU_ASSERT_EQUAL(fx_scalar("SELECT count(*) FROM people"), before);
}

static void test_tunnelled_put_and_get(void)
{
	fx_user("tunnel", NULL);
	struct fx_resp r =
		fx_req("POST", "/people/tunnel", "fxadmin", "{\"displayName\":\"Tun Nel\"}",
		       "X-HTTP-Method-Override: PUT", NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "displayName"), "Tun Nel");
	fx_free(&r);
	r = fx_req("POST", "/people/tunnel?X-HTTP-Method-Override=PUT", "fxadmin",
		   "{\"displayName\":\"Again\"}", NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "displayName"), "Again");
	fx_free(&r);
	/* a tunnelled GET carries its auth in the form */
	char form[200];
	snprintf(form, sizeof form,
		 "X-HTTP-Method-Override=GET&X-Oauth-Token=%s&X-Oauth-Username=fxadmin"
		 "&X-Oauth-Scope=widgetcli",
		 fx_token("fxadmin"));
	r = fx_req("POST", "/people/tunnel", NULL, form,
		   "Content-Type: application/x-www-form-urlencoded", NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "username"), "tunnel");
	fx_free(&r);
}

static void test_deprecated_create(void)
{
	struct fx_resp r =
		fx_req("POST", "/people/OldStyle", "fxadmin", "{\"displayName\":\"Old\"}", NULL);
	CU_ASSERT_EQUAL(r.status, 201);
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "username"), "oldstyle");
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "displayName"), "Old");
	fx_free(&r);
	r = fx_req("POST", "/people/oldstyle", "fxadmin", "[]", NULL);
	CU_ASSERT_EQUAL(r.status, 400);
	fx_free(&r);
}

static void test_head_has_no_body(void)
{
	fx_user("headless", NULL);
	struct fx_resp r = fx_req("HEAD", "/people/headless", "fxadmin", NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_EQUAL(r.raw.body.len, 0);
	fx_free(&r);
}

static void test_cors_and_options(void)
{
	struct fx_resp r = fx_req("OPTIONS", "/people", NULL, NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_STRING_EQUAL(fx_header(&r, "Access-Control-Allow-Origin"), "*");
	fx_free(&r);
	r = fx_req("GET", "/info", NULL, NULL, NULL);
	CU_ASSERT_STRING_EQUAL(fx_header(&r, "Access-Control-Expose-Headers"),
			       "X-Has-Remaining-Items, X-totalItems");
	fx_free(&r);
}

/* Which requests group commit may put in one transaction: JSON POSTs and
 * PUTs of a bounded size, and nothing that an override turns into a
 * DELETE (files go with deletes) or that carries an upload. */
static void test_batchable(void)
{
	struct max_kv json = {"content-type", "application/json; charset=utf-8"};
	struct max_kv form = {"content-type", "multipart/form-data; boundary=x"};
	struct max_kv over[2] = {{"content-type", "application/json"},
				 {"x-http-method-override", "DELETE"}};
	static char post[] = "POST", put[] = "PUT", del[] = "DELETE", get[] = "GET";
	static char none[] = "", q_over[] = "x=1&X-HTTP-Method-Override=DELETE";
	struct max_req r = {.method = post, .query = none, .headers = &json, .nheaders = 1};
	CU_ASSERT_TRUE(http_batchable(&r));
	r.method = put;
	CU_ASSERT_TRUE(http_batchable(&r));
	r.body_len = 65537;
	CU_ASSERT_FALSE(http_batchable(&r));
	r.body_len = 100;
	r.method = del;
	CU_ASSERT_FALSE(http_batchable(&r));
	r.method = get;
	CU_ASSERT_FALSE(http_batchable(&r));
	r.method = post;
	r.query = q_over;
	CU_ASSERT_FALSE(http_batchable(&r));
	r.query = none;
	r.headers = over;
	r.nheaders = 2;
	CU_ASSERT_FALSE(http_batchable(&r));
	r.headers = &form;
	r.nheaders = 1;
	CU_ASSERT_FALSE(http_batchable(&r));
	r.nheaders = 0;
	CU_ASSERT_FALSE(http_batchable(&r));
}

/* A batch that could not commit turns its answers into a JSON 500 that a
 * browser may still read (CORS). */
static void test_batch_failed_answer(void)
{
	struct fx_resp r =
		fx_req("POST", "/people/fxadmin/activities", "fxadmin",
		       "{\"object\":{\"objectType\":\"note\",\"content\":\"lost\"}}", NULL);
	CU_ASSERT_EQUAL(r.status, 201);
	http_batch_failed(&fx.cfg, &r.raw);
	CU_ASSERT_EQUAL(r.raw.status, 500);
	json_object *o = json_tokener_parse(r.raw.body.data);
	json_object *e = NULL;
	CU_ASSERT_TRUE(json_object_object_get_ex(o, "error", &e));
	CU_ASSERT_STRING_EQUAL(json_object_get_string(e), "ServerError");
	json_object_put(o);
	int cors = 0;
	for (size_t i = 0; i < r.raw.nheaders; i++)
		cors |= !strcmp(r.raw.headers[i].key, "Access-Control-Allow-Origin");
	CU_ASSERT_TRUE(cors);
	fx_free(&r);
}

static void test_traversal_before_auth(void)
{
	/* api.md 1.3: an unknown user in the URL is reported before authentication */
	struct fx_resp r = fx_req("GET", "/people/ghost", NULL, NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 400);
	CU_ASSERT_STRING_EQUAL(fx_error(&r), "UnknownUserError");
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "error_description"),
			       "Unknown actor identified by: ghost");
	fx_free(&r);
}

static void test_user_conversation_traversal(void)
{
	/* api.md 1.3 step 5: the conversation of /people/{u}/conversations/{id} is
	 * looked up before authentication */
	fx_user("trav", NULL);
	struct fx_resp r = fx_req("GET", "/people/trav/conversations/0123456789abcdef01234567",
				  NULL, NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 404);
	CU_ASSERT_STRING_EQUAL(fx_error(&r), "ObjectNotFound");
	fx_free(&r);
	r = fx_req("POST", "/people/trav/conversations/0123456789abcdef01234567/messages", NULL,
		   "{}", NULL);
	CU_ASSERT_EQUAL(r.status, 404);
	fx_free(&r);
	r = fx_req("GET", "/people/trav/conversations/nothex", NULL, NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 400);
	CU_ASSERT_STRING_EQUAL(fx_error(&r), "InvalidId");
	fx_free(&r);
	r = fx_req("GET", "/people/ghost/conversations/0123456789abcdef01234567", NULL, NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 400);
	CU_ASSERT_STRING_EQUAL(fx_error(&r), "UnknownUserError");
	fx_free(&r);
}

static void test_unknown_actor(void)
{
	/* authenticated, but never created as a person */
	struct fx_resp r = fx_req("GET", "/people", "nobody", NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 400);
	CU_ASSERT_STRING_EQUAL(fx_error(&r), "UnknownUserError");
	fx_free(&r);
}

static void test_external_check_unreachable(void)
{
	/* [oauth] check_url: an external Osiris that does not answer → 503,
	 * never a silent pass */
	config_set(&fx.cfg, "oauth", "check_url", "http://127.0.0.1:1/checktoken");
	config_set(&fx.cfg, "oauth", "cache_ttl", "0");
	struct fx_resp r = fx_req("GET", "/people/fxadmin", "fxadmin", NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 503);
	CU_ASSERT_STRING_EQUAL(fx_error(&r), "ServiceUnavailable");
	fx_free(&r);
	config_set(&fx.cfg, "oauth", "check_url", "");
	config_set(&fx.cfg, "oauth", "cache_ttl", "30");
	r = fx_req("GET", "/people/fxadmin", "fxadmin", NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	fx_free(&r);
}

/* [max] writes_per_minute: the writes beyond it are refused with 429 and
 * Retry-After and change nothing; reads and other users go on. */
static void test_write_rate(void)
{
	rate_reset();
	fx_user("rate.a", "Rate A");
	fx_user("rate.b", "Rate B");
	config_set(&fx.cfg, "max", "writes_per_minute", "3");
	for (int i = 0; i < 3; i++) {
		struct fx_resp r =
			fx_req("PUT", "/people/rate.a", "rate.a", "{\"displayName\":\"A\"}", NULL);
		CU_ASSERT_EQUAL(r.status, 200);
		fx_free(&r);
	}
	struct fx_resp r =
		fx_req("PUT", "/people/rate.a", "rate.a", "{\"displayName\":\"Too many\"}", NULL);
	CU_ASSERT_EQUAL(r.status, 429);
	CU_ASSERT_STRING_EQUAL(fx_error(&r), "TooManyRequests");
	const char *after = fx_header(&r, "Retry-After");
	CU_ASSERT(after && atoi(after) >= 1 && atoi(after) <= 60);
	fx_free(&r);
	r = fx_req("GET", "/people/rate.a", "rate.a", NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "displayName"),
			       "A"); /* the refused write changed nothing */
	fx_free(&r);
	r = fx_req("PUT", "/people/rate.b", "rate.b", "{\"displayName\":\"B\"}", NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	fx_free(&r);
	config_set(&fx.cfg, "max", "writes_per_minute", "0");
	r = fx_req("PUT", "/people/rate.a", "rate.a", "{\"displayName\":\"A2\"}", NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	fx_free(&r);
	rate_reset();
}

UNIT_SUITE(http, fx_init, fx_cleanup)
{
	UNIT_TEST(s, test_unknown_route_is_json_404);
	UNIT_TEST(s, test_wrong_method_is_json_405);
	UNIT_TEST(s, test_root_banner);
	UNIT_TEST(s, test_auth_failures);
	UNIT_TEST(s, test_mixed_case_username_header);
	UNIT_TEST(s, test_compat_id);
	UNIT_TEST(s, test_invalid_bodies);
	UNIT_TEST(s, test_tunnelled_put_and_get);
	UNIT_TEST(s, test_deprecated_create);
	UNIT_TEST(s, test_head_has_no_body);
	UNIT_TEST(s, test_cors_and_options);
	UNIT_TEST(s, test_batchable);
	UNIT_TEST(s, test_batch_failed_answer);
	UNIT_TEST(s, test_traversal_before_auth);
	UNIT_TEST(s, test_unknown_actor);
	UNIT_TEST(s, test_user_conversation_traversal);
	UNIT_TEST(s, test_external_check_unreachable);
	UNIT_TEST(s, test_write_rate);
}
