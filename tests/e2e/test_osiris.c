/*
 * test_osiris.c — the token server as clients and MAX see it (api.md 1.2):
 * password logins, /checktoken, /revoke, refusals, and /token-bypass off by
 * default. The user has a local password set with `maxctl passwd`. Also the login
 * throttle (default budgets: 10 failures per name, 100 per address in
 * 300 s) and revocation reaching every worker at once.
 */
#include "e2e.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ALICE "os.alice"
#define BOB "os.bob"
#define CAROL "os.carol"
#define PASSWORD "correct horse battery staple"
#define FORM "Content-Type: application/x-www-form-urlencoded"
#define ALPHABET "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ0123456789"

/* a form body from a literal format with two %s, both percent-encoded */
#define form(fmt, a, b) e2e_fmt(fmt, e2e_escape(a), e2e_escape(b))

/* Osiris errors are {"error","error_description"}; desc NULL = not checked. */
static void expect_oauth(const struct e2e_resp *r, long status, const char *error, const char *desc)
{
	E2E_STATUS(r, status);
	E2E_STR_EQ(e2e_str(r->json, "error"), error);
	if (desc)
		E2E_STR_EQ(e2e_str(r->json, "error_description"), desc);
}

static int is_token(const char *t)
{
	return t && strlen(t) == 32 && strspn(t, ALPHABET) == 32;
}

/* POST /token for ALICE; returns the token (arena) or NULL. */
static const char *get_token(void)
{
	struct e2e_resp *r =
		e2e_request("POST", "/token", NULL,
			    form("grant_type=password&username=%s&password=%s&scope=widgetcli",
				 ALICE, PASSWORD),
			    FORM);
	E2E_STATUS(r, 200);
	const char *t = e2e_str(r->json, "access_token");
	t = t ? e2e_fmt("%s", t) : NULL;
	e2e_free(r);
	return t;
}

static long check(const char *token, const char *username, const char *scope)
{
	const char *body =
		e2e_fmt("access_token=%s&username=%s%s%s", e2e_escape(token), e2e_escape(username),
			scope ? "&scope=" : "", scope ? e2e_escape(scope) : "");
	struct e2e_resp *r = e2e_request("POST", "/checktoken", NULL, body, FORM);
	long st = r->status;
	e2e_free(r);
	return st;
}

static int init(void)
{
	return !(e2e_passwd(ALICE, PASSWORD) && e2e_person(ALICE, "Alice Osiris") &&
		 e2e_passwd(BOB, PASSWORD) && e2e_passwd(CAROL, PASSWORD));
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* POST /token for user/password; *took gets the seconds it took. */
static struct e2e_resp *login(const char *user, const char *password, double *took)
{
	double t0 = now_s();
	struct e2e_resp *r =
		e2e_request("POST", "/token", NULL,
			    form("grant_type=password&username=%s&password=%s&scope=widgetcli",
				 user, password),
			    FORM);
	if (took)
		*took = now_s() - t0;
	return r;
}

/* 1 */
static void test_token_issue(void)
{
	struct e2e_resp *r =
		e2e_request("POST", "/token", NULL,
			    form("grant_type=password&username=%s&password=%s&scope=widgetcli",
				 ALICE, PASSWORD),
			    FORM);
	E2E_STATUS(r, 200);
	const char *ct = e2e_header(r, "Content-Type");
	CU_ASSERT(ct && !strncmp(ct, "application/json", 16));
	CU_ASSERT(is_token(e2e_str(r->json, "access_token")));
	E2E_STR_EQ(e2e_str(r->json, "token_type"), "bearer");
	E2E_STR_EQ(e2e_str(r->json, "scope"), "widgetcli");
	json_object *exp = NULL;
	CU_ASSERT(json_object_object_get_ex(r->json, "expires", &exp) && exp == NULL);
	json_object *in = e2e_get(r->json, "expires_in");
	CU_ASSERT(in && json_object_is_type(in, json_type_int) && json_object_get_int(in) == 0);
	E2E_STR_EQ(e2e_header(r, "Cache-Control"), "no-store");
	E2E_STR_EQ(e2e_header(r, "Pragma"), "no-cache");
	e2e_free(r);
	/* the token is stored hashed, never in clear */
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM oauth_tokens WHERE username='" ALICE "' "
				 "AND length(token_hash) = 64"),
		   e2e_db_scalar("SELECT count(*) FROM oauth_tokens WHERE username='" ALICE "'"));

	/* the same as JSON */
	r = e2e_request("POST", "/token", NULL,
			e2e_fmt("{\"grant_type\":\"password\",\"username\":\"%s\",\"password\":\"%"
				"s\","
				"\"scope\":\"widgetcli\"}",
				ALICE, PASSWORD));
	E2E_STATUS(r, 200);
	CU_ASSERT(is_token(e2e_str(r->json, "access_token")));
	e2e_free(r);
	/* and as query-string parameters */
	r = e2e_request("POST",
			e2e_fmt("/token?%s",
				form("grant_type=password&username=%s&password=%s&scope=widgetcli",
				     ALICE, PASSWORD)),
			NULL, NULL);
	E2E_STATUS(r, 200);
	CU_ASSERT(is_token(e2e_str(r->json, "access_token")));
	e2e_free(r);
	/* the login is lower-cased and trimmed */
	E2E_SEND(200, "POST", "/token", NULL,
		 form("grant_type=password&username=%s&password=%s&scope=widgetcli", " OS.Alice ",
		      PASSWORD),
		 FORM);
}

/* 2 */
static void test_token_refused(void)
{
	long long before = e2e_db_scalar("SELECT count(*) FROM oauth_tokens");
	struct e2e_resp *r =
		e2e_request("POST", "/token", NULL,
			    form("grant_type=password&username=%s&password=%s&scope=widgetcli",
				 ALICE, "wrong"),
			    FORM);
	expect_oauth(r, 400, "invalid_grant", NULL);
	E2E_STR_EQ(e2e_header(r, "Cache-Control"), "no-store"); /* on every answer */
	E2E_STR_EQ(e2e_header(r, "Pragma"), "no-cache");
	e2e_free(r);
	r = e2e_request("POST", "/token", NULL,
			form("grant_type=password&username=%s&password=%s&scope=widgetcli", ALICE,
			     ""),
			FORM);
	expect_oauth(r, 400, "invalid_grant", NULL);
	e2e_free(r);
	r = e2e_request("POST", "/token", NULL,
			form("grant_type=password&username=%s&password=%s&scope=widgetcli",
			     "os.nobody", PASSWORD),
			FORM);
	expect_oauth(r, 400, "invalid_grant", NULL);
	e2e_free(r);
	r = e2e_request("POST", "/token", NULL,
			form("grant_type=password&password=%s&scope=widgetcli%s", PASSWORD, ""),
			FORM);
	expect_oauth(r, 400, "invalid_request",
		     "Required parameter username not found in the request");
	e2e_free(r);
	r = e2e_request("POST", "/token", NULL,
			form("grant_type=password&username=%s&scope=widgetcli%s", ALICE, ""), FORM);
	expect_oauth(r, 400, "invalid_request",
		     "Required parameter password not found in the request");
	e2e_free(r);
	r = e2e_request("POST", "/token", NULL,
			form("username=%s&password=%s&scope=widgetcli", ALICE, PASSWORD), FORM);
	expect_oauth(r, 501, "unsupported_grant_type", "");
	e2e_free(r);
	r = e2e_request("POST", "/token", NULL,
			form("grant_type=client_credentials&username=%s&password=%s", ALICE,
			     PASSWORD),
			FORM);
	expect_oauth(r, 501, "unsupported_grant_type", "");
	e2e_free(r);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM oauth_tokens"), before);
}

/* 3 */
static void test_checktoken(void)
{
	const char *t = get_token();
	CU_ASSERT_FATAL(t != NULL);
	E2E_INT_EQ(check(t, ALICE, "widgetcli"), 200);
	E2E_INT_EQ(check(t, "OS.ALICE", "widgetcli"), 200);
	E2E_INT_EQ(check(t, "os.bob", "widgetcli"), 401);
	E2E_INT_EQ(check(t, ALICE, "other"), 401);
	E2E_INT_EQ(check(t, ALICE, NULL), 401);
	E2E_INT_EQ(check("abc", ALICE, "widgetcli"), 400);
	E2E_INT_EQ(check("abcdefghjkmnpqrstuvwxyzABCDEFGHJ", ALICE, "widgetcli"), 401);

	struct e2e_resp *r = e2e_request("POST", "/checktoken", NULL,
					 form("username=%s&scope=widgetcli%s", ALICE, ""), FORM);
	expect_oauth(r, 400, "invalid_request",
		     "Required parameter access_token not found in the request");
	e2e_free(r);
	r = e2e_request("POST", "/checktoken", NULL,
			form("access_token=%s&scope=widgetcli%s", t, ""), FORM);
	expect_oauth(r, 400, "invalid_request",
		     "Required parameter username not found in the request");
	e2e_free(r);
	/* legacy parameter names are accepted on /checktoken */
	E2E_SEND(200, "POST", "/checktoken", NULL,
		 form("oauth_token=%s&user_id=%s&scope=widgetcli", t, ALICE), FORM);
	/* maxctl's tokens are the same kind */
	E2E_INT_EQ(check(e2e_token(ALICE), ALICE, "widgetcli"), 200);
}

/* 4 */
static void test_tokens_distinct(void)
{
	const char *a = get_token(), *b = get_token();
	CU_ASSERT_FATAL(a && b);
	CU_ASSERT(strcmp(a, b) != 0);
	E2E_INT_EQ(check(a, ALICE, "widgetcli"), 200);
	E2E_INT_EQ(check(b, ALICE, "widgetcli"), 200);
}

/* 5 */
static void test_revoke(void)
{
	const char *t = get_token();
	CU_ASSERT_FATAL(t != NULL);
	long long rows = e2e_db_scalar("SELECT count(*) FROM oauth_tokens");
	/* somebody else's name: refused, the token keeps working */
	struct e2e_resp *r = e2e_request("POST", "/revoke", NULL,
					 form("access_token=%s&username=%s", t, "os.bob"), FORM);
	E2E_STATUS(r, 401);
	e2e_free(r);
	E2E_INT_EQ(check(t, ALICE, "widgetcli"), 200);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM oauth_tokens"), rows);
	r = e2e_request("POST", "/revoke", NULL, form("access_token=%s%s", t, ""), FORM);
	expect_oauth(r, 400, "invalid_request", NULL);
	e2e_free(r);

	r = e2e_request("POST", "/revoke", NULL, form("access_token=%s&username=%s", t, ALICE),
			FORM);
	E2E_STATUS(r, 204);
	E2E_INT_EQ(r->body_len, 0);
	e2e_free(r);
	E2E_INT_EQ(check(t, ALICE, "widgetcli"), 401);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM oauth_tokens"), rows - 1);
	/* twice: nothing left to revoke */
	E2E_SEND(401, "POST", "/revoke", NULL, form("access_token=%s&username=%s", t, ALICE), FORM);
}

/* 7 */
static long max_get(const char *token, int with_scope, struct e2e_resp **out)
{
	struct e2e_resp *r =
		e2e_request("GET", "/people/" ALICE, NULL, NULL,
			    e2e_fmt("X-Oauth-Token: %s", token), "X-Oauth-Username: " ALICE,
			    with_scope ? "X-Oauth-Scope: widgetcli" : "X-Dummy: 1");
	long st = r->status;
	if (out)
		*out = r;
	else
		e2e_free(r);
	return st;
}

static void test_max_uses_tokens(void)
{
	const char *t = get_token();
	CU_ASSERT_FATAL(t != NULL);
	struct e2e_resp *r = NULL;
	E2E_INT_EQ(max_get(t, 1, &r), 200);
	E2E_STR_EQ(e2e_str(r->json, "username"), ALICE);
	e2e_free(r);

	max_get("abcdefghjkmnpqrstuvwxyzABCDEFGHJ", 1, &r);
	E2E_EXPECT(r, 401, "Unauthorized", "Invalid token.");
	e2e_free(r);
	max_get(t, 0, &r);
	E2E_EXPECT(r, 401, "Unauthorized", "The specified scope is not allowed for this resource.");
	e2e_free(r);
	r = e2e_request("GET", "/people/" ALICE, NULL, NULL, "X-Oauth-Username: " ALICE,
			"X-Oauth-Scope: widgetcli");
	E2E_EXPECT(r, 401, "Unauthorized", "No auth headers found.");
	e2e_free(r);

	/* revoked: refused by the very next request */
	E2E_SEND(204, "POST", "/revoke", NULL, form("access_token=%s&username=%s", t, ALICE), FORM);
	max_get(t, 1, &r);
	E2E_EXPECT(r, 401, "Unauthorized", "Invalid token.");
	e2e_free(r);
}

/* n simultaneous GET /people/ALICE with token (so that every max.fcgi
 * worker answers some); returns how many answered status. */
static int parallel_gets(const char *token, int n, long status)
{
	struct e2e_shot s[16] = {{0}};
	const char *const hdrs[] = {e2e_fmt("X-Oauth-Token: %s", token), "X-Oauth-Username: " ALICE,
				    "X-Oauth-Scope: widgetcli", NULL};
	for (int i = 0; i < n; i++)
		s[i] = (struct e2e_shot){.method = "GET", .path = "/people/" ALICE};
	e2e_at_once(s, n, hdrs);
	int matched = 0;
	for (int i = 0; i < n; i++) {
		matched += s[i].status == status;
		free(s[i].answer);
	}
	return matched;
}

/* The workers cache positive token checks ([oauth] cache_ttl, 30 s in
 * e2e.sh); a revocation through osiris reaches all of them at once. */
static void test_revoke_reaches_every_worker(void)
{
	const char *t = get_token();
	CU_ASSERT_FATAL(t != NULL);
	for (int round = 0; round < 3; round++)
		E2E_INT_EQ(parallel_gets(t, 12, 200), 12);
	E2E_SEND(204, "POST", "/revoke", NULL, form("access_token=%s&username=%s", t, ALICE), FORM);
	E2E_INT_EQ(parallel_gets(t, 12, 401), 12);
	E2E_INT_EQ(max_get(t, 1, NULL), 401);

	/* a deleted person's tokens too */
	CU_ASSERT_FATAL(e2e_passwd("os.gone", PASSWORD) && e2e_person("os.gone", NULL));
	struct e2e_resp *r = login("os.gone", PASSWORD, NULL);
	const char *g = e2e_fmt("%s", e2e_str(r->json, "access_token"));
	e2e_free(r);
	r = e2e_request("GET", "/people/os.gone", NULL, NULL, e2e_fmt("X-Oauth-Token: %s", g),
			"X-Oauth-Username: os.gone", "X-Oauth-Scope: widgetcli");
	E2E_STATUS(r, 200);
	e2e_free(r);
	E2E_SEND(204, "DELETE", "/people/os.gone", e2e_manager(), NULL);
	r = e2e_request("GET", "/people/" ALICE, NULL, NULL, e2e_fmt("X-Oauth-Token: %s", g),
			"X-Oauth-Username: os.gone", "X-Oauth-Scope: widgetcli");
	E2E_EXPECT(r, 401, "Unauthorized", "Invalid token.");
	e2e_free(r);
}

/* 10 */
static void test_bypass_disabled(void)
{
	long long before = e2e_db_scalar("SELECT count(*) FROM oauth_tokens");
	struct e2e_resp *r =
		e2e_request("POST", "/token-bypass", NULL,
			    form("grant_type=password&username=%s&scope=%s", ALICE, "widgetcli"),
			    FORM);
	CU_ASSERT(r->status == 404 || r->status == 403);
	CU_ASSERT_PTR_NULL(e2e_str(r->json, "access_token"));
	e2e_free(r);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM oauth_tokens"), before);
}

/* A flood of wrong passwords spends the name's budget: then even the
 * right password gets 429 with Retry-After, while another user logs in
 * at once. Each refusal answers at once (no sleep holding a worker), and
 * an unknown user is refused exactly like a wrong password. */
static void test_login_throttle(void)
{
	/* "at once" is relative to a good login (one scrypt) measured now, on
	 * the same machine under the same load: a refusal costs one scrypt too */
	double took, slowest = 0, base;
	struct e2e_resp *ok = login(BOB, PASSWORD, &base);
	E2E_STATUS(ok, 200);
	e2e_free(ok);
	double at_once = 3 * base + 0.3;
	struct e2e_resp *unknown = login("os.nobody-throttle", "wrong", NULL);
	expect_oauth(unknown, 400, "invalid_grant", "");
	for (int i = 0; i < 10; i++) {
		struct e2e_resp *r = login(CAROL, "wrong", &took);
		E2E_STATUS(r, 400);
		E2E_STR_EQ(r->body, unknown->body); /* the same answer, byte for byte */
		e2e_free(r);
		slowest = took > slowest ? took : slowest;
	}
	e2e_free(unknown);
	CU_ASSERT(slowest < at_once);
	E2E_INT_EQ(e2e_db_scalar("SELECT failures FROM login_failures WHERE kind = 'name'"
				 " AND key = '" CAROL "'"),
		   10);

	struct e2e_resp *r = login(CAROL, PASSWORD, &took);
	expect_oauth(r, 429, "too_many_requests", NULL);
	const char *ra = e2e_header(r, "Retry-After");
	CU_ASSERT(ra && atoi(ra) >= 1 && atoi(ra) <= 300);
	E2E_STR_EQ(e2e_header(r, "Cache-Control"), "no-store");
	CU_ASSERT(took < at_once);
	e2e_free(r);
	/* the upper-cased, padded name is the same name */
	r = login(" OS.CAROL ", PASSWORD, NULL);
	E2E_STATUS(r, 429);
	e2e_free(r);

	/* another user is neither blocked nor slowed */
	r = login(BOB, PASSWORD, &took);
	E2E_STATUS(r, 200);
	CU_ASSERT(is_token(e2e_str(r->json, "access_token")));
	CU_ASSERT(took < at_once);
	e2e_free(r);
	/* no token was issued to the throttled name */
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM oauth_tokens WHERE username = '" CAROL "'"),
		   0);
}

E2E_SUITE(osiris, init, NULL)
{
	E2E_TEST(s, test_token_issue);
	E2E_TEST(s, test_token_refused);
	E2E_TEST(s, test_checktoken);
	E2E_TEST(s, test_tokens_distinct);
	E2E_TEST(s, test_revoke);
	E2E_TEST(s, test_max_uses_tokens);
	E2E_TEST(s, test_bypass_disabled);
	E2E_TEST(s, test_login_throttle);
	E2E_TEST(s, test_revoke_reaches_every_worker);
}
