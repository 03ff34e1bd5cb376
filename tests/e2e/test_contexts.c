/*
 * test_contexts.c — the context endpoints #36–#45 and the context avatar
 * #9 (api.md 4.2, 9.1; endpoints.md) from a client's side: exact fields, create-
 * or-get, listing filters and paging, modification with "" removal and
 * its effects on subscriptions and the outbox, deletion, tags; every
 * rejected request leaves the rows as they were.
 */
#include "e2e.h"
#include "util/ids.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OWNER "ctx.owner"
#define PLAIN "ctx.plain"
#define MEMBER "ctx.member"

#define CONTEXT_KEYS_NO_URL                                                                        \
	"creator,displayName,hash,id,notifications,objectType,owner,permissions,published,tags"
#define CONTEXT_KEYS CONTEXT_KEYS_NO_URL ",url"

static const char *hash_of(const char *url)
{
	char h[41];
	hash_sha1_hex(url, strlen(url), h);
	return e2e_fmt("%s", h);
}

static int forbidden(const struct e2e_resp *r, const char *user, const char *perm)
{
	return E2E_EXPECT(r, 403, "Forbidden",
			  e2e_fmt("User \"%s\" has no permission \"%s\" here ", user, perm));
}

static const char *context_row(const char *hash)
{
	return e2e_db_text("SELECT url || '|' || display_name || '|' || permissions_json || '|' ||"
			   " tags_json || '|' || notifications_json || '|' || owner || '|' ||"
			   " ifnull(twitter_hashtag, '-') || '|' || ifnull(twitter_username, '-') "
			   "||"
			   " '|' || ifnull(upload_url, '-') FROM contexts WHERE hash = '%s'",
			   hash);
}

/* POST /contexts as the Manager, expecting status; the response. */
static struct e2e_resp *create(const char *body)
{
	return e2e_request("POST", "/contexts", e2e_manager(), body);
}

static int mkctx(const char *url, const char *extra)
{
	return E2E_SEND(201, "POST", "/contexts", e2e_manager(),
			e2e_fmt("{\"url\":\"%s\"%s%s}", url, extra ? "," : "", extra ? extra : ""));
}

static int subscribe(const char *hash, const char *user)
{
	return E2E_SEND(201, "POST", e2e_fmt("/contexts/%s/subscriptions", hash), e2e_manager(),
			e2e_fmt("{\"actor\":{\"objectType\":\"person\",\"username\":\"%s\"}}",
				user));
}

static int init(void)
{
	return !(e2e_person(OWNER, "Context Owner") && e2e_person(PLAIN, "Plain") &&
		 e2e_person(MEMBER, "Member"));
}

/* ---- #37 POST /contexts ------------------------------------------------------------ */

static void test_create(void)
{
	const char *url = "http://ctx.test/create";
	struct e2e_resp *r =
		create("{\"url\":\"http://ctx.test/create\",\"displayName\":\"Atenea\","
		       "\"tags\":[\"Assignatura\"],\"permissions\":{\"read\":\"public\","
		       "\"write\":\"subscribed\"},\"notifications\":\"posts\"}");
	E2E_STATUS(r, 201);
	E2E_STR_EQ(e2e_keys(r->json), CONTEXT_KEYS);
	E2E_STR_EQ(e2e_str(r->json, "hash"), hash_of(url));
	E2E_STR_EQ(e2e_str(r->json, "url"), url);
	E2E_STR_EQ(e2e_str(r->json, "displayName"), "Atenea");
	E2E_STR_EQ(e2e_str(r->json, "objectType"), "context");
	E2E_STR_EQ(e2e_str(r->json, "creator"), e2e_manager());
	E2E_STR_EQ(e2e_str(r->json, "owner"), e2e_manager());
	E2E_STR_EQ(e2e_str(r->json, "notifications"), "posts");
	CU_ASSERT(e2e_is_hex(e2e_str(r->json, "id"), 24));
	CU_ASSERT(e2e_is_date(e2e_str(r->json, "published")));
	/* stored permissions, not filled in */
	E2E_STR_EQ(e2e_keys(e2e_get(r->json, "permissions")), "read,write");
	e2e_free(r);
	/* existing: 200 with the stored one, the body ignored */
	r = create("{\"url\":\"http://ctx.test/create\",\"displayName\":\"Other\"}");
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_str(r->json, "displayName"), "Atenea");
	e2e_free(r);
	long long restarts = e2e_db_scalar("SELECT count(*) FROM outbox WHERE op = 'publish' AND"
					   " exchange = '' AND routing_key = 'tweety_restart'");
	/* defaults; owner from the body (lower-cased); twitter fields normalised */
	r = create("{\"url\":\"http://ctx.test/defaults\",\"owner\":\"CTX.Owner\","
		   "\"twitterHashtag\":\" #Atenea \",\"twitterUsername\":\"@MaxUpcNet\","
		   "\"uploadURL\":\"http://localhost:8181/upload\"}");
	E2E_STATUS(r, 201);
	E2E_STR_EQ(e2e_keys(r->json),
		   CONTEXT_KEYS_NO_URL ",twitterHashtag,twitterUsername,uploadURL,url");
	E2E_STR_EQ(e2e_str(r->json, "displayName"), "http://ctx.test/defaults");
	E2E_STR_EQ(e2e_str(r->json, "owner"), OWNER);
	E2E_STR_EQ(e2e_str(r->json, "twitterHashtag"), "atenea");
	E2E_STR_EQ(e2e_str(r->json, "twitterUsername"), "maxupcnet");
	CU_ASSERT_EQUAL(e2e_bool(r->json, "notifications"), 0);
	E2E_INT_EQ(e2e_len(e2e_get(r->json, "tags")), 0);
	E2E_STR_EQ(json_object_to_json_string_ext(e2e_get(r->json, "permissions"),
						  JSON_C_TO_STRING_PLAIN),
		   "{\"read\":\"restricted\",\"write\":\"restricted\",\"subscribe\":\"restricted\","
		   "\"invite\":\"restricted\"}");
	e2e_free(r);
	/* a twitterUsername publishes a tweety restart (messaging.md 1.4) */
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM outbox WHERE op = 'publish' AND"
				 " exchange = '' AND routing_key = 'tweety_restart'"
				 " AND body GLOB '[0-9]*.[0-9][0-9][0-9][0-9][0-9][0-9]'"),
		   restarts + 1);
	/* not a Manager */
	r = e2e_request("POST", "/contexts", PLAIN, "{\"url\":\"http://ctx.test/nope\"}");
	forbidden(r, PLAIN, "Add context");
	e2e_free(r);
	r = e2e_request("POST", "/contexts", NULL, "{\"url\":\"http://ctx.test/nope\"}");
	E2E_EXPECT(r, 401, "Unauthorized", "No auth headers found.");
	e2e_free(r);
	E2E_INT_EQ(e2e_db_scalar(
			   "SELECT count(*) FROM contexts WHERE url = 'http://ctx.test/nope'"),
		   0);
}

static void test_create_bad_input(void)
{
	static const struct {
		const char *body, *error, *description;
	} cases[] = {
		{"{\"displayName\":\"x\"}", "MissingField",
		 "Required parameter \"url\" not found in the request"},
		{"{\"url\":\"\"}", "MissingField", "Required parameter \"url\" found but empty"},
		{"{\"url\":null}", "MissingField",
		 "Required parameter \"url\" not found in the request"},
		{"{\"url\":[\"http://x\"]}", "ValidationError",
		 "Validation error on field \"url\": must be a string"},
		{"{\"url\":\"www.upc.edu\"}", "ValidationError",
		 "Validation error on field \"url\": not an absolute URI"},
		{"{\"url\":\"1http://x\"}", "ValidationError",
		 "Validation error on field \"url\": not an absolute URI"},
		{"{\"url\":\"http:\"}", "ValidationError",
		 "Validation error on field \"url\": not an absolute URI"},
		{"{\"url\":\"http://x/a\\nb\"}", "ValidationError",
		 "Validation error on field \"url\": not an absolute URI"},
		{"{\"url\":\"http://ctx.test/bad\",\"tags\":[1]}", "ValidationError",
		 "Validation error on field \"tags\": must be a list of strings"},
		{"{\"url\":\"http://ctx.test/bad\",\"displayName\":5}", "ValidationError",
		 "Validation error on field \"displayName\": must be a string"},
		{"{\"url\":\"http://ctx.test/bad\",\"permissions\":{\"read\":true}}",
		 "ValidationError",
		 "Validation error on field \"permissions\": read must be public, subscribed or "
		 "restricted"},
		{"{\"url\":\"http://ctx.test/bad\",\"permissions\":{\"admin\":\"public\"}}",
		 "InvalidPermission", "There's not any permission named 'admin'"},
		{"{\"url\":\"http://ctx.test/bad\",\"notifications\":1}", "ValidationError",
		 "Validation error on field \"notifications\": must be true, false, \"posts\" or "
		 "\"comments\""},
		{"{\"url\":\"http://ctx.test/bad\",\"twitterUsername\":\"has space\"}",
		 "ValidationError",
		 "Validation error on field \"twitterUsername\": has space is not a valid twitter "
		 "username"},
		{"{\"url\":\"http://ctx.test/bad\",\"twitterHashtag\":\"##x\"}", "ValidationError",
		 "Validation error on field \"twitterHashtag\": ##x is not a valid hashtag"},
		{"[]", "ValidationError", "Unexpected data type in request"},
		{"{\"url\":\"http://ctx.test/bad\",\"displayName\":\"" /* 257 bytes */
		 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		 "xxxxxxxxxxxxxxxxx\"}",
		 "ValidationError",
		 "Validation error on field \"displayName\": longer than 256 bytes"},
		{"{\"url\":\"http://ctx.test/bad\",\"tags\":[\"" /* 129 bytes */
		 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"]}",
		 "ValidationError", "Validation error on field \"tags\": tags are 1 to 128 bytes"},
	};
	long long before = e2e_db_scalar("SELECT count(*) FROM contexts");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct e2e_resp *r = create(cases[i].body);
		E2E_EXPECT(r, 400, cases[i].error, cases[i].description);
		e2e_free(r);
	}
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM contexts"), before);
}

/* ---- #36 GET /contexts, #38 GET /contexts/public ------------------------------------ */

static void test_list_and_public(void)
{
	/* three contexts of their own, newest last */
	mkctx("http://ctx.test/list/a", "\"tags\":[\"ls\",\"one\"],\"permissions\":"
					"{\"subscribe\":\"public\"},\"twitterHashtag\":\"lsa\"");
	mkctx("http://ctx.test/list/b", "\"tags\":[\"ls\"]");
	mkctx("http://ctx.test/list/c", "\"tags\":[\"ls\",\"one\"],\"permissions\":"
					"{\"subscribe\":\"public\"}");
	struct e2e_resp *r = e2e_request("GET", "/contexts?tags=ls&limit=0", e2e_manager(), NULL);
	E2E_STATUS(r, 200);
	E2E_INT_EQ(e2e_len(r->json), 3);
	json_object *first = json_object_array_get_idx(r->json, 0);
	E2E_STR_EQ(e2e_str(first, "url"), "http://ctx.test/list/c"); /* newest first */
	E2E_STR_EQ(e2e_keys(first), CONTEXT_KEYS);
	const char *b_id = e2e_fmt("%s", e2e_str(json_object_array_get_idx(r->json, 1), "id"));
	e2e_free(r);
	/* all tags must match, whitespace trimmed, empties dropped */
	r = e2e_request("GET", "/contexts?tags=%20one%20&tags=ls&tags=", e2e_manager(), NULL);
	E2E_INT_EQ(e2e_len(r->json), 2);
	e2e_free(r);
	r = e2e_request("GET", "/contexts?tags=ls&limit=1", e2e_manager(), NULL);
	E2E_INT_EQ(e2e_len(r->json), 1);
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/contexts?tags=ls&before=%s", b_id), e2e_manager(), NULL);
	E2E_INT_EQ(e2e_len(r->json), 1);
	E2E_STR_EQ(e2e_str(json_object_array_get_idx(r->json, 0), "url"), "http://ctx.test/list/a");
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/contexts?tags=ls&after=%s", b_id), e2e_manager(), NULL);
	E2E_INT_EQ(e2e_len(r->json), 1);
	E2E_STR_EQ(e2e_str(json_object_array_get_idx(r->json, 0), "url"), "http://ctx.test/list/c");
	e2e_free(r);
	r = e2e_request("GET", "/contexts?tags=ls&twitter_enabled=1", e2e_manager(), NULL);
	E2E_INT_EQ(e2e_len(r->json), 1);
	e2e_free(r);
	r = e2e_request("GET", "/contexts?limit=x", e2e_manager(), NULL);
	E2E_EXPECT(r, 400, "InvalidSearchParams", "limit must be a positive integer");
	e2e_free(r);
	r = e2e_request("GET", "/contexts?before=zz", e2e_manager(), NULL);
	E2E_EXPECT(r, 400, "InvalidSearchParams",
		   "before must be a valid ObjectId BSON identifier");
	e2e_free(r);
	r = e2e_request("GET", "/contexts", PLAIN, NULL);
	forbidden(r, PLAIN, "List contexts");
	e2e_free(r);
	/* public: subscribe == public only, without owner/creator/published */
	r = e2e_request("GET", "/contexts/public?tags=ls", PLAIN, NULL);
	E2E_STATUS(r, 200);
	E2E_INT_EQ(e2e_len(r->json), 2);
	E2E_STR_EQ(e2e_keys(json_object_array_get_idx(r->json, 0)),
		   "displayName,hash,id,notifications,objectType,permissions,tags,url");
	E2E_STR_EQ(e2e_keys(json_object_array_get_idx(r->json, 1)),
		   "displayName,hash,id,notifications,objectType,permissions,tags,twitterHashtag,"
		   "url");
	e2e_free(r);
}

/* ---- #39 GET /contexts/{hash} --------------------------------------------------------- */

static void test_read(void)
{
	const char *url = "http://ctx.test/read";
	mkctx(url, "\"permissions\":{\"read\":\"public\",\"subscribe\":\"public\"}");
	struct e2e_resp *r = e2e_request("GET", e2e_fmt("/contexts/%s", hash_of(url)), PLAIN, NULL);
	E2E_STATUS(r, 200);
	json_object *p = e2e_get(r->json, "permissions");
	E2E_STR_EQ(e2e_keys(p), "delete,flag,invite,kick,read,subscribe,unsubscribe,write");
	E2E_STR_EQ(e2e_str(p, "read"), "public");
	E2E_STR_EQ(e2e_str(p, "unsubscribe"), "restricted"); /* filled in as restricted */
	E2E_STR_EQ(e2e_str(p, "kick"), "restricted");
	CU_ASSERT_PTR_NULL(e2e_get(r->json, "acls"));
	e2e_free(r);
	/* show_acls: what the caller holds */
	r = e2e_request("GET", e2e_fmt("/contexts/%s?show_acls=1", hash_of(url)), e2e_manager(),
			NULL);
	json_object *acls = e2e_get(r->json, "acls");
	CU_ASSERT(e2e_len(acls) >= 5);
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/contexts/%s?show_acls=1", hash_of(url)), PLAIN, NULL);
	E2E_STR_EQ(json_object_to_json_string_ext(e2e_get(r->json, "acls"), JSON_C_TO_STRING_PLAIN),
		   "[\"View context\",\"Subscribe an user to a context\",\"View activities\"]");
	e2e_free(r);
	const char *none = "0123456789012345678901234567890123456789";
	r = e2e_request("GET", e2e_fmt("/contexts/%s", none), PLAIN, NULL);
	E2E_EXPECT(r, 404, "ObjectNotFound",
		   e2e_fmt("Object with hash %s not found inside contexts", none));
	e2e_free(r);
	r = e2e_request("GET", "/contexts/0000000000000", e2e_manager(), NULL);
	E2E_EXPECT(r, 404, "ObjectNotFound",
		   "Object with hash 0000000000000 not found inside contexts");
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/contexts/%s", hash_of(url)), NULL, NULL);
	E2E_STATUS(r, 401);
	e2e_free(r);
	/* HEAD: same status, no body */
	r = e2e_request("HEAD", e2e_fmt("/contexts/%s", hash_of(url)), PLAIN, NULL);
	E2E_STATUS(r, 200);
	E2E_INT_EQ(r->body_len, 0);
	e2e_free(r);
}

/* ---- #40 PUT /contexts/{hash} ----------------------------------------------------------- */

static void test_modify(void)
{
	const char *url = "http://ctx.test/modify", *h = hash_of(url);
	mkctx(url,
	      "\"owner\":\"" OWNER "\",\"displayName\":\"Before\",\"permissions\":"
	      "{\"read\":\"subscribed\",\"write\":\"restricted\",\"subscribe\":\"restricted\"},"
	      "\"twitterHashtag\":\"a\",\"twitterUsername\":\"b\",\"tags\":[\"t\"]");
	subscribe(h, MEMBER);
	const char *row = context_row(h);
	/* other users: 403, nothing changed */
	struct e2e_resp *r = e2e_request("PUT", e2e_fmt("/contexts/%s", h), PLAIN,
					 "{\"displayName\":\"Hacked\"}");
	forbidden(r, PLAIN, "Can modify context");
	e2e_free(r);
	r = e2e_request("PUT", e2e_fmt("/contexts/%s", h), MEMBER, "{\"displayName\":\"Hacked\"}");
	forbidden(r, MEMBER, "Can modify context");
	e2e_free(r);
	E2E_STR_EQ(context_row(h), row);
	long long restarts = e2e_db_scalar("SELECT count(*) FROM outbox WHERE routing_key = "
					   "'tweety_restart'");
	/* the owner: merge permissions, "" removes, null and unknown fields ignored */
	r = e2e_request("PUT", e2e_fmt("/contexts/%s", h), OWNER,
			"{\"displayName\":\"After\",\"permissions\":{\"write\":\"subscribed\"},"
			"\"twitterHashtag\":\"\",\"twitterUsername\":\"NewName\",\"tags\":null,"
			"\"hash\":\"x\",\"published\":\"2000-01-01T00:00:00Z\",\"owner\":\"" PLAIN
			"\"}");
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_keys(r->json), CONTEXT_KEYS_NO_URL ",twitterUsername,url");
	E2E_STR_EQ(e2e_str(r->json, "displayName"), "After");
	E2E_STR_EQ(e2e_str(r->json, "twitterUsername"), "newname");
	E2E_STR_EQ(e2e_str(r->json, "owner"), OWNER);
	E2E_STR_EQ(e2e_str(r->json, "hash"), h);
	E2E_STR_EQ(json_object_to_json_string_ext(e2e_get(r->json, "permissions"),
						  JSON_C_TO_STRING_PLAIN),
		   "{\"read\":\"subscribed\",\"write\":\"subscribed\",\"subscribe\":"
		   "\"restricted\"}");
	E2E_INT_EQ(e2e_len(e2e_get(r->json, "tags")), 1);
	e2e_free(r);
	/* twitterUsername changed: a tweety restart */
	E2E_INT_EQ(e2e_db_scalar(
			   "SELECT count(*) FROM outbox WHERE routing_key = 'tweety_restart'"),
		   restarts + 1);
	/* the member's subscription follows: new name, write now granted by policy */
	r = e2e_request("GET", "/people/" MEMBER "/subscriptions", MEMBER, NULL);
	json_object *sub = json_object_array_get_idx(r->json, 0);
	E2E_STR_EQ(e2e_str(sub, "displayName"), "After");
	E2E_STR_EQ(json_object_to_json_string_ext(e2e_get(sub, "permissions"),
						  JSON_C_TO_STRING_PLAIN),
		   "[\"read\",\"write\"]");
	e2e_free(r);
	/* bad input: 400, nothing changed */
	row = context_row(h);
	static const char *const bad[] = {
		"{\"url\":\"\"}",
		"{\"url\":\"no-scheme\"}",
		"{\"displayName\":7}",
		"{\"tags\":\"t\"}",
		"{\"permissions\":{\"x\":\"public\"}}",
		"{\"notifications\":[]}",
		"{\"twitterUsername\":\"@@x\"}",
		"[1]",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		E2E_SEND(400, "PUT", e2e_fmt("/contexts/%s", h), OWNER, bad[i]);
	E2E_STR_EQ(context_row(h), row);
	/* a Manager who does not own it; unknown context */
	E2E_SEND(200, "PUT", e2e_fmt("/contexts/%s", h), e2e_manager(), "{}");
	r = e2e_request("PUT", "/contexts/0000000000000", e2e_manager(), "{\"displayName\":\"x\"}");
	E2E_EXPECT(r, 404, "ObjectNotFound",
		   "Object with hash 0000000000000 not found inside contexts");
	e2e_free(r);
}

static void test_modify_notifications_and_url(void)
{
	const char *url = "http://ctx.test/notify", *h = hash_of(url);
	mkctx(url, NULL);
	subscribe(h, MEMBER);
	subscribe(h, PLAIN);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM outbox WHERE op = 'bind' AND"
				 " routing_key = '%s'",
				 h),
		   0);
	/* notifications on: every subscriber bound; off: every one unbound */
	E2E_SEND(200, "PUT", e2e_fmt("/contexts/%s", h), e2e_manager(), "{\"notifications\":true}");
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM outbox WHERE op = 'bind' AND"
				 " exchange = 'activity' AND routing_key = '%s' AND destination IN"
				 " ('" MEMBER ".subscribe', '" PLAIN ".subscribe')",
				 h),
		   2);
	E2E_SEND(200, "PUT", e2e_fmt("/contexts/%s", h), e2e_manager(), "{\"notifications\":\"\"}");
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM outbox WHERE op = 'unbind' AND"
				 " exchange = 'activity' AND routing_key = '%s'",
				 h),
		   2);
	/* a new url: new hash, the old one stops resolving, subscriptions follow */
	const char *url2 = "http://ctx.test/notify2", *h2 = hash_of(url2);
	struct e2e_resp *r = e2e_request("PUT", e2e_fmt("/contexts/%s", h), e2e_manager(),
					 "{\"url\":\"http://ctx.test/notify2\"}");
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_str(r->json, "hash"), h2);
	E2E_STR_EQ(e2e_str(r->json, "url"), url2);
	E2E_STR_EQ(e2e_str(r->json, "displayName"), url); /* the stored name stays */
	e2e_free(r);
	E2E_SEND(404, "GET", e2e_fmt("/contexts/%s", h), e2e_manager(), NULL);
	r = e2e_request("GET", "/people/" MEMBER "/subscriptions", MEMBER, NULL);
	int found = 0;
	for (int i = 0; i < e2e_len(r->json); i++)
		found +=
			!strcmp(e2e_str(json_object_array_get_idx(r->json, (size_t)i), "hash"), h2);
	E2E_INT_EQ(found, 1);
	e2e_free(r);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM subscriptions WHERE hash = '%s'", h), 0);
}

/* ---- #41 DELETE /contexts/{hash} --------------------------------------------------------- */

static void test_delete(void)
{
	const char *url = "http://ctx.test/delete", *h = hash_of(url);
	mkctx(url, "\"owner\":\"" OWNER "\",\"notifications\":true");
	subscribe(h, MEMBER);
	E2E_SEND(201, "POST", e2e_fmt("/contexts/%s/unsubscriptionpush/" MEMBER, h), e2e_manager(),
		 NULL);
	/* a post of the context, as the activity family stores them */
	E2E_INT_EQ(
		e2e_db_exec("INSERT INTO activities (id, verb, actor, actor_json, object_type,"
			    " object_json, context_hash, context_json, creator, owner, published)"
			    " VALUES ('%s', 'post', '" MEMBER "', '{}', 'note', '{}', '%s', '{}',"
			    " '" MEMBER "', '" MEMBER "', '2020-01-01T00:00:00Z')",
			    "5f0000000000000000000041", h),
		0);
	struct e2e_resp *r = e2e_request("DELETE", e2e_fmt("/contexts/%s", h), MEMBER, NULL);
	forbidden(r, MEMBER, "Delete context");
	e2e_free(r);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM contexts WHERE hash = '%s'", h), 1);
	r = e2e_request("DELETE", e2e_fmt("/contexts/%s", h), OWNER, NULL);
	E2E_STATUS(r, 204);
	E2E_INT_EQ(r->body_len, 0);
	e2e_free(r);
	E2E_SEND(404, "GET", e2e_fmt("/contexts/%s", h), e2e_manager(), NULL);
	E2E_SEND(404, "DELETE", e2e_fmt("/contexts/%s", h), e2e_manager(), NULL);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM subscriptions WHERE hash = '%s'", h), 0);
	E2E_INT_EQ(e2e_db_scalar("SELECT visible FROM activities WHERE id = "
				 "'5f0000000000000000000041'"),
		   0);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM outbox WHERE op = 'unbind' AND"
				 " destination = '" MEMBER ".subscribe' AND routing_key = '%s'",
				 h),
		   1);
	/* push opt-outs are left (endpoints.md) */
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM push_optouts WHERE hash = '%s'", h), 1);
	r = e2e_request("GET", "/people/" MEMBER, MEMBER, NULL);
	json_object *subs = e2e_get(r->json, "subscribedTo");
	for (int i = 0; i < e2e_len(subs); i++)
		CU_ASSERT_STRING_NOT_EQUAL(e2e_str(json_object_array_get_idx(subs, (size_t)i),
						   "hash"),
					   h);
	e2e_free(r);
}

/* ---- #42–#45 tags -------------------------------------------------------------------------- */

static const char *text(json_object *o)
{
	return o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN) : "(none)";
}

static void test_tags(void)
{
	const char *url = "http://ctx.test/tags", *h = hash_of(url);
	mkctx(url, "\"owner\":\"" OWNER "\",\"tags\":[\"Assignatura\"]");
	subscribe(h, MEMBER);
	const char *tags = e2e_fmt("/contexts/%s/tags", h);
	struct e2e_resp *r = e2e_request("GET", tags, PLAIN, NULL);
	E2E_STATUS(r, 200);
	E2E_STR_EQ(text(r->json), "[\"Assignatura\"]");
	e2e_free(r);
	r = e2e_request("PUT", tags, OWNER, "[\"prova\",\"Assignatura\",\"prova\",\"altre\"]");
	E2E_STATUS(r, 200);
	E2E_STR_EQ(text(r->json), "[\"Assignatura\",\"prova\",\"altre\"]");
	e2e_free(r);
	/* the subscription shows the new tags */
	r = e2e_request("GET", "/people/" MEMBER "/subscriptions?tags=altre", MEMBER, NULL);
	E2E_INT_EQ(e2e_len(r->json), 1);
	E2E_STR_EQ(text(e2e_get(json_object_array_get_idx(r->json, 0), "tags")),
		   "[\"Assignatura\",\"prova\",\"altre\"]");
	e2e_free(r);
	/* not a list of strings: 400, unchanged */
	static const char *const bad[] = {"{\"tags\":[\"x\"]}", "[1]", "\"x\"", "[[\"x\"]]", NULL};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		r = e2e_request("PUT", tags, OWNER, bad[i]);
		E2E_EXPECT(r, 400, "ValidationError",
			   "Sorry, We're expecting a list of strings...");
		e2e_free(r);
	}
	r = e2e_request("PUT", tags, OWNER, "[\"\"]");
	E2E_EXPECT(r, 400, "ValidationError",
		   "Validation error on field \"tags\": tags are 1 to 128 bytes");
	e2e_free(r);
	r = e2e_request("PUT", tags, PLAIN, "[\"y\"]");
	forbidden(r, PLAIN, "Can modify context");
	e2e_free(r);
	E2E_STR_EQ(e2e_db_text("SELECT tags_json FROM contexts WHERE hash = '%s'", h),
		   "[\"Assignatura\",\"prova\",\"altre\"]");
	/* one tag */
	E2E_SEND(204, "DELETE", e2e_fmt("/contexts/%s/tags/prova", h), OWNER, NULL);
	r = e2e_request("DELETE", e2e_fmt("/contexts/%s/tags/prova", h), OWNER, NULL);
	E2E_EXPECT(r, 404, "ObjectNotFound", "This context has no tag \"prova\"");
	e2e_free(r);
	r = e2e_request("GET", tags, OWNER, NULL);
	E2E_STR_EQ(text(r->json), "[\"Assignatura\",\"altre\"]");
	e2e_free(r);
	/* all tags */
	r = e2e_request("DELETE", tags, e2e_manager(), NULL);
	E2E_STATUS(r, 200);
	E2E_STR_EQ(text(r->json), "[]");
	e2e_free(r);
	r = e2e_request("GET", "/people/" MEMBER, MEMBER, NULL);
	json_object *subs = e2e_get(r->json, "subscribedTo");
	for (int i = 0; i < e2e_len(subs); i++) {
		json_object *s = json_object_array_get_idx(subs, (size_t)i);
		if (!strcmp(e2e_str(s, "hash"), h))
			E2E_STR_EQ(text(e2e_get(s, "tags")), "[]");
	}
	e2e_free(r);
}

/* ---- #9 GET /contexts/{hash}/avatar ----------------------------------------------------- */

static int write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return 0;
	size_t n = fwrite(data, 1, len, f);
	return !fclose(f) && n == len;
}

static void test_avatar(void)
{
	const char *url = "http://ctx.test/avatar", *h = hash_of(url);
	const char *dir = e2e_fmt("%s/files/avatars", getenv("MAX_TEST_VAR"));
	mkctx(url, NULL);
	const char *path = e2e_fmt("/contexts/%s/avatar", h);
	remove(e2e_fmt("%s/missing-context.png", dir));
	/* no default file either: the built-in default picture */
	struct e2e_resp *r = e2e_request("GET", path, NULL, NULL);
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_header(r, "Content-Type"), "image/png");
	CU_ASSERT(r->body_len > 8 && !memcmp(r->body, "\x89PNG\r\n\x1a\n", 8));
	e2e_free(r);
	CU_ASSERT(write_file(e2e_fmt("%s/missing-context.png", dir), "\x89PNG-default", 12));
	/* the workers may run as another user (Apache as root): theirs too */
	CU_ASSERT_EQUAL(system(e2e_fmt("chown --reference='%s' '%s/missing-context.png'", dir,
				       dir)),
			0);
	r = e2e_request("GET", path, NULL, NULL); /* public: no auth headers */
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_header(r, "Content-Type"), "image/png");
	CU_ASSERT(r->body_len == 12 && !memcmp(r->body, "\x89PNG-default", 12));
	e2e_free(r);
	/* the cached picture wins */
	const char *cdir = e2e_fmt("%s/contexts/%.2s/%.2s/%.2s", dir, h, h + 2, h + 4);
	CU_ASSERT_EQUAL(system(e2e_fmt("mkdir -p '%s'", cdir)), 0);
	CU_ASSERT(write_file(e2e_fmt("%s/%s", cdir, h), "\x89PNG-cached\0x", 13));
	CU_ASSERT_EQUAL(system(e2e_fmt("chown -R --reference='%s' '%s/contexts'", dir, dir)), 0);
	r = e2e_request("GET", path, PLAIN, NULL);
	E2E_STATUS(r, 200);
	CU_ASSERT(r->body_len == 13 && !memcmp(r->body, "\x89PNG-cached\0x", 13));
	e2e_free(r);
	r = e2e_request("GET", "/contexts/0123456789012345678901234567890123456789/avatar", NULL,
			NULL);
	E2E_EXPECT(r, 404, "ObjectNotFound",
		   "Object with hash 0123456789012345678901234567890123456789 not found inside "
		   "contexts");
	e2e_free(r);
}

E2E_SUITE(contexts, init, NULL)
{
	E2E_TEST(s, test_create);
	E2E_TEST(s, test_create_bad_input);
	E2E_TEST(s, test_list_and_public);
	E2E_TEST(s, test_read);
	E2E_TEST(s, test_modify);
	E2E_TEST(s, test_modify_notifications_and_url);
	E2E_TEST(s, test_delete);
	E2E_TEST(s, test_tags);
	E2E_TEST(s, test_avatar);
}
