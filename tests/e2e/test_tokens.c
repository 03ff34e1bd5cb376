/*
 * test_tokens.c — push device tokens #75–#82 (api.md 4.10; endpoints.md) and
 * the two deprecated device URLs (api.md 1.9): registering (a token string
 * moves to its newest owner), deleting one, all or a platform's, listing
 * per user and platform, and the per-context (minus push opt-outs) and
 * per-conversation lists the push consumer reads. Users are "tok.*".
 */
#include "e2e.h"

#include <string.h>

static const char *token_body(const char *token, const char *platform)
{
	return e2e_fmt("{\"token\":\"%s\",\"platform\":\"%s\"}", token, platform);
}

static const char *listing(struct e2e_resp *r)
{
	return r->json ? json_object_to_json_string_ext(r->json, JSON_C_TO_STRING_PLAIN) : "";
}

static int forbidden(const struct e2e_resp *r, const char *user, const char *perm)
{
	return E2E_EXPECT(r, 403, "Forbidden",
			  e2e_fmt("User \"%s\" has no permission \"%s\" here ", user, perm));
}

static int init(void)
{
	int ok = 1;
	ok &= e2e_person("tok.messi", "Leo Messi");
	ok &= e2e_person("tok.xavi", NULL);
	ok &= e2e_person("tok.other", NULL);
	e2e_manager();
	return !ok;
}

static void test_add(void)
{
	struct e2e_resp *r = e2e_request("POST", "/tokens", "tok.messi",
					 "{\"token\":\"12345678901234567890123456789012\","
					 "\"platform\":\"iOS\",\"device\":\"iPhone 7\"}");
	E2E_STATUS(r, 201);
	E2E_STR_EQ(e2e_keys(r->json), "device,id,objectType,platform,published,token");
	E2E_STR_EQ(e2e_str(r->json, "objectType"), "token");
	E2E_STR_EQ(e2e_str(r->json, "platform"), "ios");
	E2E_STR_EQ(e2e_str(r->json, "device"), "iPhone 7");
	E2E_STR_EQ(e2e_str(r->json, "token"), "12345678901234567890123456789012");
	CU_ASSERT(e2e_is_hex(e2e_str(r->json, "id"), 24));
	CU_ASSERT(e2e_is_date(e2e_str(r->json, "published")));
	e2e_free(r);
	/* any non-empty string is a token (unlike the original); device defaults to null */
	r = e2e_request("POST", "/tokens", "tok.messi", token_body("android:APA91-x", "android"));
	E2E_STATUS(r, 201);
	CU_ASSERT(json_object_object_get_ex(r->json, "device", NULL) &&
		  e2e_get(r->json, "device") == NULL);
	e2e_free(r);
	long long rows = e2e_db_scalar("SELECT count(*) FROM device_tokens");
	static const struct {
		const char *body, *error, *text;
	} bad[] = {
		{"{\"platform\":\"ios\"}", "MissingField",
		 "Required parameter \"token\" not found in the request"},
		{"{\"token\":\"\",\"platform\":\"ios\"}", "MissingField",
		 "Required parameter \"token\" found but empty"},
		{"{\"token\":\"abc\"}", "MissingField",
		 "Required parameter \"platform\" not found in the request"},
		{"{\"token\":\"abc\",\"platform\":\"BlackBerry\"}", "ValidationError",
		 "blackberry is not a supported platform."},
		{"{\"token\":[1],\"platform\":\"ios\"}", "ValidationError",
		 "Validation error on field \"token\": must be a string"},
		{"[]", "ValidationError", "Unexpected data type in request"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		r = e2e_request("POST", "/tokens", "tok.messi", bad[i].body);
		E2E_EXPECT(r, 400, bad[i].error, bad[i].text);
		e2e_free(r);
	}
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM device_tokens"), rows);
	/* tokens publish nothing (api.md 10) */
	long long outbox = e2e_db_scalar("SELECT count(*) FROM outbox");
	E2E_SEND(201, "POST", "/tokens", "tok.xavi", token_body("tok-x-1", "ios"));
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM outbox"), outbox);
}

static void test_device_moves(void)
{
	E2E_SEND(201, "POST", "/tokens", "tok.messi", token_body("shared-device", "ios"));
	struct e2e_resp *r =
		e2e_request("GET", "/people/tok.messi/tokens/platforms/ios", "tok.messi", NULL);
	E2E_STATUS(r, 200);
	CU_ASSERT(strstr(listing(r), "shared-device") != NULL);
	e2e_free(r);
	E2E_SEND(201, "POST", "/tokens", "tok.xavi", token_body("shared-device", "ios"));
	r = e2e_request("GET", "/people/tok.messi/tokens/platforms/ios", "tok.messi", NULL);
	CU_ASSERT(strstr(listing(r), "shared-device") == NULL);
	e2e_free(r);
	E2E_INT_EQ(e2e_db_scalar(
			   "SELECT count(*) FROM device_tokens WHERE token = 'shared-device'"),
		   1);
	E2E_STR_EQ(e2e_db_text("SELECT owner FROM device_tokens WHERE token = 'shared-device'"),
		   "tok.xavi");
}

static void test_impersonation(void)
{
	/* Unlike the original: api.md 1.4 (d): a Manager registers for somebody else, who owns it */
	const char *m = e2e_manager();
	struct e2e_resp *r =
		e2e_request("POST", "/tokens", m,
			    "{\"actor\":{\"objectType\":\"person\",\"username\":"
			    "\"tok.other\"},\"token\":\"by-manager\",\"platform\":\"android\"}");
	E2E_STATUS(r, 201);
	e2e_free(r);
	E2E_STR_EQ(e2e_db_text("SELECT owner || '|' || creator FROM device_tokens"
			       " WHERE token = 'by-manager'"),
		   e2e_fmt("tok.other|%s", m));
	r = e2e_request("POST", "/tokens", "tok.messi",
			"{\"actor\":{\"username\":\"tok.other\"},\"token\":\"sneaky\","
			"\"platform\":\"ios\"}");
	forbidden(r, "tok.messi", "Add a new device token");
	e2e_free(r);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM device_tokens WHERE token = 'sneaky'"), 0);
}

static void test_lists_and_deletes(void)
{
	e2e_person("tok.list", NULL);
	E2E_SEND(201, "POST", "/tokens", "tok.list", token_body("l-ios-1", "ios"));
	E2E_SEND(201, "POST", "/tokens", "tok.list", token_body("l-and-1", "android"));
	E2E_SEND(201, "POST", "/tokens", "tok.list", token_body("l-ios-2", "ios"));
	struct e2e_resp *r = e2e_request("GET", "/people/tok.list/tokens", "tok.list", NULL);
	E2E_STATUS(r, 200);
	E2E_STR_EQ(listing(r),
		   "[{\"token\":\"l-ios-2\",\"platform\":\"ios\",\"username\":\"tok.list\"},"
		   "{\"token\":\"l-and-1\",\"platform\":\"android\",\"username\":\"tok.list\"},"
		   "{\"token\":\"l-ios-1\",\"platform\":\"ios\",\"username\":\"tok.list\"}]");
	e2e_free(r);
	r = e2e_request("GET", "/people/tok.list/tokens/platforms/android", e2e_manager(), NULL);
	E2E_STR_EQ(listing(r),
		   "[{\"token\":\"l-and-1\",\"platform\":\"android\",\"username\":\"tok.list\"}]");
	e2e_free(r);
	r = e2e_request("GET", "/people/tok.list/tokens/platforms/blackberry", "tok.list", NULL);
	E2E_STR_EQ(listing(r), "[]");
	e2e_free(r);
	r = e2e_request("GET", "/people/tok.nobody/tokens", e2e_manager(), NULL);
	E2E_EXPECT(r, 400, "UnknownUserError", "Unknown actor identified by: tok.nobody");
	e2e_free(r);
	/* #76 */
	r = e2e_request("DELETE", "/tokens/l-ios-1", "tok.other", NULL);
	forbidden(r, "tok.other", "Delete a device token");
	e2e_free(r);
	r = e2e_request("DELETE", "/tokens/no-such-token", "tok.list", NULL);
	E2E_EXPECT(r, 404, "ObjectNotFound",
		   "Object with token no-such-token not found inside tokens");
	e2e_free(r);
	/* the DELETE body is ignored: no impersonation through it */
	E2E_SEND(204, "DELETE", "/tokens/l-ios-1", "tok.list",
		 "{\"actor\":{\"username\":\"tok.other\"}}");
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM device_tokens WHERE token = 'l-ios-1'"), 0);
	/* #80 then #78 */
	E2E_SEND(204, "DELETE", "/people/tok.list/tokens/platforms/ios", "tok.list", NULL);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM device_tokens WHERE owner = 'tok.list'"), 1);
	E2E_SEND(204, "DELETE", "/people/tok.list/tokens", "tok.list", NULL);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM device_tokens WHERE owner = 'tok.list'"), 0);
	E2E_SEND(204, "DELETE", "/people/tok.list/tokens", "tok.list", NULL); /* idempotent */
	/* a Manager deletes anybody's */
	E2E_SEND(201, "POST", "/tokens", "tok.list", token_body("l-m", "ios"));
	E2E_SEND(204, "DELETE", "/tokens/l-m", e2e_manager(), NULL);
}

static void test_deprecated_device_urls(void)
{
	e2e_person("tok.dep", "Dep User");
	/* api.md 1.9: owner = the authenticated user, answer = his Person, 201 */
	struct e2e_resp *r =
		e2e_request("POST", "/people/tok.dep/device/android/dep-token-1", "tok.dep", "");
	E2E_STATUS(r, 201);
	E2E_STR_EQ(e2e_str(r->json, "objectType"), "person");
	E2E_STR_EQ(e2e_str(r->json, "username"), "tok.dep");
	CU_ASSERT(e2e_get(r->json, "talkingIn") != NULL);
	e2e_free(r);
	E2E_STR_EQ(e2e_db_text("SELECT platform || '|' || owner FROM device_tokens"
			       " WHERE token = 'dep-token-1'"),
		   "android|tok.dep");
	r = e2e_request("POST", "/people/tok.dep/device/symbian/dep-token-2", "tok.dep", "");
	E2E_EXPECT(r, 400, "ValidationError", "symbian is not a supported platform.");
	e2e_free(r);
	E2E_SEND(204, "DELETE", "/people/tok.dep/device/ios/dep-token-1", "tok.dep", NULL);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM device_tokens WHERE token = 'dep-token-1'"),
		   0);
}

static void test_conversation_tokens(void)
{
	e2e_person("tok.c1", NULL);
	e2e_person("tok.c2", NULL);
	e2e_person("tok.c3", NULL);
	E2E_SEND(201, "POST", "/people/tok.c1/device/ios/c1-token", "tok.c1", "");
	E2E_SEND(201, "POST", "/people/tok.c2/device/ios/c2-token", "tok.c2", "");
	E2E_SEND(201, "POST", "/people/tok.c3/device/android/c3-token", "tok.c3", "");
	struct e2e_resp *r =
		e2e_request("POST", "/conversations", "tok.c1",
			    "{\"contexts\":[{\"participants\":[\"tok.c1\",\"tok.c2\"]}],"
			    "\"object\":{\"objectType\":\"note\",\"content\":\"hi\"}}");
	E2E_STATUS(r, 201);
	const char *cid =
		e2e_fmt("%s",
			e2e_str(json_object_array_get_idx(e2e_get(r->json, "contexts"), 0), "id"));
	const char *mid = e2e_fmt("%s", e2e_str(r->json, "id"));
	e2e_free(r);
	const char *path = e2e_fmt("/conversations/%s/tokens", cid);
	r = e2e_request("GET", path, e2e_manager(), NULL);
	E2E_STATUS(r, 200);
	/* newest token first */
	E2E_STR_EQ(listing(r),
		   "[{\"token\":\"c2-token\",\"platform\":\"ios\",\"username\":\"tok.c2\"},"
		   "{\"token\":\"c1-token\",\"platform\":\"ios\",\"username\":\"tok.c1\"}]");
	e2e_free(r);
	r = e2e_request("GET", path, "tok.c1", NULL);
	forbidden(r, "tok.c1", "List and query tokens");
	e2e_free(r);
	/* members only: the leaver's phone is not notified */
	E2E_SEND(204, "DELETE", e2e_fmt("/people/tok.c2/conversations/%s", cid), "tok.c2", NULL);
	r = e2e_request("GET", path, e2e_manager(), NULL);
	E2E_STR_EQ(listing(r),
		   "[{\"token\":\"c1-token\",\"platform\":\"ios\",\"username\":\"tok.c1\"}]");
	e2e_free(r);
	/* unknown conversation: [] (as the original, which used a message id) */
	r = e2e_request("GET", e2e_fmt("/conversations/%s/tokens", mid), e2e_manager(), NULL);
	E2E_STATUS(r, 200);
	E2E_STR_EQ(listing(r), "[]");
	e2e_free(r);
}

static void test_context_tokens(void)
{
	e2e_person("tok.k1", NULL);
	e2e_person("tok.k2", NULL);
	e2e_person("tok.k3", NULL);
	E2E_SEND(201, "POST", "/tokens", "tok.k1", token_body("k1-token", "ios"));
	E2E_SEND(201, "POST", "/tokens", "tok.k2", token_body("k2-token", "android"));
	E2E_SEND(201, "POST", "/tokens", "tok.k3", token_body("k3-token", "ios"));
	const char *m = e2e_manager();
	struct e2e_resp *r = e2e_request("POST", "/contexts", m,
					 "{\"url\":\"http://tokens.example/ctx\",\"displayName\":"
					 "\"Tokens\",\"permissions\":{\"read\":\"subscribed\"}}");
	E2E_STATUS(r, 201);
	const char *hash = e2e_fmt("%s", e2e_str(r->json, "hash") ? e2e_str(r->json, "hash") : "");
	e2e_free(r);
	const char *path = e2e_fmt("/contexts/%s/tokens", hash);
	r = e2e_request("GET", path, m, NULL);
	E2E_STATUS(r, 200);
	E2E_STR_EQ(listing(r), "[]");
	e2e_free(r);
	E2E_SEND(201, "POST", e2e_fmt("/contexts/%s/subscriptions", hash), m,
		 "{\"actor\":{\"objectType\":\"person\",\"username\":\"tok.k1\"}}");
	E2E_SEND(201, "POST", e2e_fmt("/contexts/%s/subscriptions", hash), m,
		 "{\"actor\":{\"objectType\":\"person\",\"username\":\"tok.k2\"}}");
	r = e2e_request("GET", path, m, NULL);
	E2E_STR_EQ(listing(r),
		   "[{\"token\":\"k2-token\",\"platform\":\"android\",\"username\":\"tok.k2\"},"
		   "{\"token\":\"k1-token\",\"platform\":\"ios\",\"username\":\"tok.k1\"}]");
	e2e_free(r);
	/* a push opt-out drops the user's tokens (MAX differs from the original here) */
	E2E_SEND(201, "POST", e2e_fmt("/contexts/%s/unsubscriptionpush/tok.k2", hash), m, "");
	r = e2e_request("GET", path, m, NULL);
	E2E_STR_EQ(listing(r),
		   "[{\"token\":\"k1-token\",\"platform\":\"ios\",\"username\":\"tok.k1\"}]");
	e2e_free(r);
	r = e2e_request("GET", path, "tok.k1", NULL);
	forbidden(r, "tok.k1", "List and query tokens");
	e2e_free(r);
	r = e2e_request("GET", "/contexts/0000000000000000000000000000000000000000/tokens", m,
			NULL);
	E2E_STATUS(r, 404);
	E2E_STR_EQ(e2e_str(r->json, "error"), "ObjectNotFound");
	e2e_free(r);
}

E2E_SUITE(tokens, init, NULL)
{
	E2E_TEST(s, test_add);
	E2E_TEST(s, test_device_moves);
	E2E_TEST(s, test_impersonation);
	E2E_TEST(s, test_lists_and_deletes);
	E2E_TEST(s, test_deprecated_device_urls);
	E2E_TEST(s, test_conversation_tokens);
	E2E_TEST(s, test_context_tokens);
}
