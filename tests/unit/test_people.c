/*
 * test_people.c — the People endpoints called through http_handle on a
 * temp database, and the one user-name rule they share with osiris.
 */
#include "fixture.h"
#include "util/text.h"
#include "model/people.h"
#include "unit.h"

#include <string.h>

static int has_key(const struct fx_resp *r, const char *key)
{
	json_object *v;
	return r->json && json_object_object_get_ex(r->json, key, &v);
}

static void test_create_and_idempotence(void)
{
	struct fx_resp r = fx_req("POST", "/people", "fxadmin",
				  "{\"username\":\"Messi\",\"displayName\":\"Lionel Messi\","
				  "\"twitterUsername\":\" @LeoMessi \"}",
				  NULL);
	CU_ASSERT_EQUAL(r.status, 201);
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "username"), "messi");
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "twitterUsername"), "leomessi");
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "creator"), "fxadmin");
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "owner"), "messi");
	CU_ASSERT_EQUAL(strlen(fx_str(&r, "id")), 24);
	CU_ASSERT(has_key(&r, "subscribedTo") && has_key(&r, "talkingIn"));
	fx_free(&r);
	/* existing (case-insensitive): 200, unchanged */
	r = fx_req("POST", "/people", "fxadmin", "{\"username\":\"MESSI\",\"displayName\":\"X\"}",
		   NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "displayName"), "Lionel Messi");
	fx_free(&r);
	CU_ASSERT_EQUAL(fx_scalar("SELECT count(*) FROM people WHERE username='messi'"), 1);
}

static void test_create_validation(void)
{
	long long n = fx_scalar("SELECT count(*) FROM people");
	struct fx_resp r = fx_req("POST", "/people", "fxadmin", "{}", NULL);
	CU_ASSERT_EQUAL(r.status, 400);
	CU_ASSERT_STRING_EQUAL(fx_error(&r), "ValidationError");
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "error_description"), "Missing username in request");
	fx_free(&r);
	r = fx_req("POST", "/people", "fxadmin", "{\"username\":\"x\",\"twitterUsername\":\"@@x\"}",
		   NULL);
	CU_ASSERT_EQUAL(r.status, 400);
	CU_ASSERT_STRING_EQUAL(fx_error(&r), "ValidationError");
	fx_free(&r);
	r = fx_req("POST", "/people", "fxadmin", "{\"username\":\"a/b\"}", NULL);
	CU_ASSERT_EQUAL(r.status, 400);
	fx_free(&r);
	r = fx_req("POST", "/people", "fxadmin", "{\"username\":\"x\",\"displayName\":[1]}", NULL);
	CU_ASSERT_EQUAL(r.status, 400);
	fx_free(&r);
	CU_ASSERT_EQUAL(fx_scalar("SELECT count(*) FROM people"), n);
}

static void test_self_registration(void)
{
	struct fx_resp r = fx_req("POST", "/people", "selfie", "{\"username\":\"selfie\"}", NULL);
	CU_ASSERT_EQUAL(r.status, 201);
	CU_ASSERT_FALSE(has_key(&r, "id")); /* endpoints.md: not shown to a self-registering user */
	fx_free(&r);
	r = fx_req("POST", "/people", "selfie", "{\"username\":\"someoneelse\"}", NULL);
	CU_ASSERT_EQUAL(r.status, 403);
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "error_description"),
			       "User \"selfie\" has no permission \"Add people\" here ");
	fx_free(&r);
	CU_ASSERT_EQUAL(fx_scalar("SELECT count(*) FROM people WHERE username='someoneelse'"), 0);
	/* api.md 1.3: the permission check (step 8) precedes validation (step 9): a
	 * plain user naming somebody else gets 403 even for a bad username */
	r = fx_req("POST", "/people", "selfie", "{\"username\":\"a b\"}", NULL);
	CU_ASSERT_EQUAL(r.status, 403);
	CU_ASSERT_STRING_EQUAL(fx_error(&r), "Forbidden");
	fx_free(&r);
	/* ... while a bad twitterUsername of oneself is a 400 */
	r = fx_req("POST", "/people", "selfie",
		   "{\"username\":\"Selfie\",\"twitterUsername\":\"@@x\"}", NULL);
	CU_ASSERT_EQUAL(r.status, 400);
	CU_ASSERT_STRING_EQUAL(fx_error(&r), "ValidationError");
	fx_free(&r);
}

static void test_visibility_of_fields(void)
{
	fx_user("alice", "Alice");
	fx_user("bob", "Bob");
	struct fx_resp r = fx_req("GET", "/people/alice", "bob", NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_FALSE(has_key(&r, "id"));
	CU_ASSERT_FALSE(has_key(&r, "subscribedTo"));
	CU_ASSERT_EQUAL(json_object_object_length(r.json), 4);
	fx_free(&r);
	r = fx_req("GET", "/people/alice", "alice", NULL, NULL);
	CU_ASSERT(has_key(&r, "id") && has_key(&r, "last_login") && has_key(&r, "following"));
	fx_free(&r);
}

static void test_update(void)
{
	fx_user("carol", "Carol");
	fx_user("dave", NULL);
	struct fx_resp r = fx_req("PUT", "/people/carol", "carol",
				  "{\"displayName\":\"Carol C\",\"username\":\"dave\"}", NULL);
	CU_ASSERT_EQUAL(r.status, 403); /* api.md 1.4: body username makes dave the actor */
	fx_free(&r);
	r = fx_req("PUT", "/people/carol", "carol",
		   "{\"displayName\":\"Carol C\",\"twitterUsername\":\"carolc\",\"unknown\":1}",
		   NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "displayName"), "Carol C");
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "twitterUsername"), "carolc");
	fx_free(&r);
	r = fx_req("PUT", "/people/carol", "carol",
		   "{\"twitterUsername\":\"\",\"displayName\":null}", NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_FALSE(has_key(&r, "twitterUsername"));
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "displayName"), "Carol C");
	fx_free(&r);
	r = fx_req("PUT", "/people/carol", "dave", "{\"displayName\":\"pwned\"}", NULL);
	CU_ASSERT_EQUAL(r.status, 403);
	fx_free(&r);
	CU_ASSERT_EQUAL(fx_scalar("SELECT count(*) FROM people WHERE display_name='pwned'"), 0);
}

static void test_delete(void)
{
	fx_user("erin", NULL);
	struct fx_resp r = fx_req("DELETE", "/people/erin", "erin", NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 403);
	fx_free(&r);
	r = fx_req("DELETE", "/people/erin", "fxadmin", NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 204);
	CU_ASSERT_EQUAL(r.raw.body.len, 0);
	fx_free(&r);
	CU_ASSERT_EQUAL(fx_scalar("SELECT count(*) FROM people WHERE username='erin'"), 0);
	CU_ASSERT_EQUAL(fx_scalar("SELECT count(*) FROM oauth_tokens WHERE username='erin'"), 0);
	r = fx_req("DELETE", "/people/erin", "fxadmin", NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 400);
	CU_ASSERT_STRING_EQUAL(fx_error(&r), "UnknownUserError");
	fx_free(&r);
}

static int count(const struct fx_resp *r)
{
	return r->json && json_object_is_type(r->json, json_type_array)
		       ? (int)json_object_array_length(r->json)
		       : -1;
}

static const char *item(const struct fx_resp *r, int i, const char *key)
{
	if (count(r) <= i)
		return "";
	json_object *o = json_object_array_get_idx(r->json, (size_t)i), *v;
	return o && json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

static void test_list_and_filters(void)
{
	fx_user("zz.one", "Zeta One");
	fx_user("zz.two", "Zeta Two");
	fx_user("zz.three", "Another Zeta");
	struct fx_resp r = fx_req("GET", "/people?username=zz.", "fxadmin", NULL, NULL);
	CU_ASSERT_EQUAL(count(&r), 3);
	CU_ASSERT_STRING_EQUAL(item(&r, 0, "username"), "zz.two"); /* descending */
	fx_free(&r);
	r = fx_req("GET", "/people?username=ZETA&limit=2", "fxadmin", NULL, NULL);
	CU_ASSERT_EQUAL(count(&r), 2);
	CU_ASSERT_STRING_EQUAL(fx_header(&r, "X-Has-Remaining-Items"), "1");
	fx_free(&r);
	r = fx_req("GET", "/people?username=zz&max_users=1", "fxadmin", NULL, NULL);
	CU_ASSERT_STRING_EQUAL(item(&r, 0, "username"), "zz.one"); /* ascending */
	fx_free(&r);
	r = fx_req("GET", "/people?limit=abc", "fxadmin", NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 400);
	CU_ASSERT_STRING_EQUAL(fx_error(&r), "InvalidSearchParams");
	fx_free(&r);
	r = fx_req("GET", "/people?limit=-1", "fxadmin", NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 400);
	fx_free(&r);
	/* '.' is not a wildcard */
	r = fx_req("GET", "/people?username=zeta.one", "fxadmin", NULL, NULL);
	CU_ASSERT_EQUAL(count(&r), 0);
	fx_free(&r);
}

static void test_nonvisible(void)
{
	fx_user("ghosty", NULL);
	fx_user("viewer", NULL);
	struct fx_resp r = fx_req("POST", "/admin/security/roles/NonVisible/users/ghosty",
				  "fxadmin", NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 201);
	fx_free(&r);
	r = fx_req("GET", "/people?username=ghosty", "viewer", NULL, NULL);
	CU_ASSERT_EQUAL(count(&r), 0);
	fx_free(&r);
	/* a NonVisible user still sees other NonVisible users */
	r = fx_req("GET", "/people?username=ghosty", "ghosty", NULL, NULL);
	CU_ASSERT_EQUAL(count(&r), 1);
	fx_free(&r);
}

static void test_outbox_declares_new_users(void)
{
	long long n = fx_scalar("SELECT count(*) FROM outbox WHERE op='declare_user'");
	fx_user("notified", NULL);
	CU_ASSERT_EQUAL(fx_scalar("SELECT count(*) FROM outbox WHERE op='declare_user' AND "
				  "destination='notified'"),
			1);
	struct fx_resp r = fx_req("POST", "/people?notifications=false", "fxadmin",
				  "{\"username\":\"quiet\"}", NULL);
	CU_ASSERT_EQUAL(r.status, 201);
	fx_free(&r);
	CU_ASSERT_EQUAL(fx_scalar("SELECT count(*) FROM outbox WHERE op='declare_user'"), n + 1);
	r = fx_req("POST", "/people?notifications=true", "fxadmin", "{\"username\":\"quiet\"}",
		   NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	fx_free(&r);
	CU_ASSERT_EQUAL(fx_scalar("SELECT count(*) FROM outbox WHERE op='declare_user'"), n + 2);
}

/* The rule: surrounding whitespace trimmed, ASCII lower-cased; empty,
 * too long or a control character refused. The API's auth headers follow
 * it as osiris does. */
static void test_normalise(void)
{
	char out[MAX_USERNAME_MAX + 1];
	CU_ASSERT_EQUAL(people_normalise("  MiXed.Case\t", out), 0);
	CU_ASSERT_STRING_EQUAL(out, "mixed.case");
	CU_ASSERT_EQUAL(people_normalise("\xc3\x89LAN", out), 0); /* only ASCII is folded */
	CU_ASSERT_STRING_EQUAL(out, "\xc3\x89lan");
	CU_ASSERT_EQUAL(people_normalise("   ", out), -1);
	CU_ASSERT_EQUAL(people_normalise("", out), -1);
	CU_ASSERT_EQUAL(people_normalise(NULL, out), -1);
	CU_ASSERT_EQUAL(people_normalise("a\x01b", out), -1);
	CU_ASSERT_EQUAL(people_normalise("a\x7f", out), -1);
	CU_ASSERT_EQUAL(people_normalise("a b", out), 0); /* inner blanks: the rule keeps them */
	char name[MAX_USERNAME_MAX + 3];
	memset(name, 'x', sizeof name - 1);
	name[sizeof name - 1] = 0;
	name[0] = ' ';
	CU_ASSERT_EQUAL(people_normalise(name, out), -1); /* 129 after trimming */
	name[MAX_USERNAME_MAX + 1] = ' ';
	CU_ASSERT_EQUAL(people_normalise(name, out), 0); /* 128 */
	CU_ASSERT_EQUAL(strlen(out), MAX_USERNAME_MAX);
	/* creation is stricter: no blanks or separators at all */
	CU_ASSERT(text_username_ok("a.b-c_d@e"));
	CU_ASSERT(!text_username_ok("a b") && !text_username_ok("a/b") && !text_username_ok(""));

	/* the API's username header follows the rule */
	fx_user("normie", "Normie");
	struct fx_resp r = fx_req("GET", "/people/normie", "normie", NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	fx_free(&r);
	r = fx_req("GET", "/people/normie", " NORMIE ", NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_PTR_NOT_NULL(fx_str(&r, "owner")); /* seen as himself: full view */
	fx_free(&r);
}

UNIT_SUITE(people, fx_init, fx_cleanup)
{
	UNIT_TEST(s, test_normalise);
	UNIT_TEST(s, test_create_and_idempotence);
	UNIT_TEST(s, test_create_validation);
	UNIT_TEST(s, test_self_registration);
	UNIT_TEST(s, test_visibility_of_fields);
	UNIT_TEST(s, test_update);
	UNIT_TEST(s, test_delete);
	UNIT_TEST(s, test_list_and_filters);
	UNIT_TEST(s, test_nonvisible);
	UNIT_TEST(s, test_outbox_declares_new_users);
}
