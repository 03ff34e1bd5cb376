/*
 * test_subscriptions.c — subscriptions, per-user permissions and push
 * opt-outs, #46–#56 (api.md 4.3, 6; endpoints.md) from a client's side: the
 * subscribe activity, create-or-get, who may subscribe/unsubscribe whom,
 * the three JSON shapes of a subscription, paging of a context's users,
 * grants and vetos across policy changes, the outbox bindings; every
 * refused request leaves the rows as they were.
 */
#include "e2e.h"
#include "util/ids.h"

#include <stdio.h>
#include <string.h>

#define ANA "sub.ana"
#define BEA "sub.bea"
#define CAI "sub.cai"
#define OWNER "sub.owner"

#define OPEN "{\"read\":\"public\",\"write\":\"subscribed\",\"subscribe\":\"public\"}"
#define CLOSED "{\"read\":\"subscribed\",\"write\":\"subscribed\",\"subscribe\":\"restricted\"}"
#define SUB_KEYS "displayName,hash,notifications,objectType,permissions,tags,url"

static const char *hash_of(const char *url)
{
	char h[41];
	hash_sha1_hex(url, strlen(url), h);
	return e2e_fmt("%s", h);
}

static const char *text(json_object *o)
{
	return o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN) : "(none)";
}

static int forbidden(const struct e2e_resp *r, const char *user, const char *perm)
{
	return E2E_EXPECT(r, 403, "Forbidden",
			  e2e_fmt("User \"%s\" has no permission \"%s\" here ", user, perm));
}

/* A context owned by OWNER; its hash. */
static const char *mkctx(const char *url, const char *perms, const char *extra)
{
	E2E_SEND(201, "POST", "/contexts", e2e_manager(),
		 e2e_fmt("{\"url\":\"%s\",\"owner\":\"" OWNER "\",\"permissions\":%s%s%s}", url,
			 perms, extra ? "," : "", extra ? extra : ""));
	return hash_of(url);
}

static const char *actor(const char *user)
{
	return e2e_fmt("{\"actor\":{\"objectType\":\"person\",\"username\":\"%s\"}}", user);
}

static struct e2e_resp *subscribe(const char *hash, const char *user, const char *as)
{
	return e2e_request("POST", e2e_fmt("/contexts/%s/subscriptions", hash), as, actor(user));
}

static const char *perms_row(const char *user, const char *hash)
{
	return e2e_db_text("SELECT permissions_json || ' ' || perm_mask || ' ' ||"
			   " ifnull(grants_json, '-') || ' ' || ifnull(vetos_json, '-')"
			   " FROM subscriptions WHERE username = '%s' AND hash = '%s'",
			   user, hash);
}

static int init(void)
{
	int ok = 1;
	ok &= e2e_person(ANA, "Ana Arnau");
	ok &= e2e_person(BEA, "Bea Bosch");
	ok &= e2e_person(CAI, "Cai Coll");
	ok &= e2e_person(OWNER, "Sub Owner");
	for (int i = 0; i < 12; i++)
		ok &= e2e_person(e2e_fmt("sub.m%02d", i), NULL);
	return !ok;
}

/* ---- #47 POST /contexts/{hash}/subscriptions ------------------------------------------- */

static void test_subscribe_self_to_open_context(void)
{
	const char *url = "http://sub.test/open", *h = mkctx(url, OPEN, "\"tags\":[\"t\"]");
	const char *ctx_id = e2e_db_text("SELECT id FROM contexts WHERE hash = '%s'", h);
	struct e2e_resp *r = subscribe(h, ANA, ANA);
	E2E_STATUS(r, 201);
	E2E_STR_EQ(e2e_str(r->json, "objectType"), "activity");
	E2E_STR_EQ(e2e_str(r->json, "verb"), "subscribe");
	CU_ASSERT(e2e_is_hex(e2e_str(r->json, "id"), 24));
	E2E_STR_EQ(text(e2e_get(r->json, "actor")), "{\"objectType\":\"person\",\"username\":\"" ANA
						    "\",\"displayName\":\"Ana Arnau\"}");
	json_object *obj = e2e_get(r->json, "object");
	E2E_STR_EQ(e2e_keys(obj), "id,objectType,url");
	E2E_STR_EQ(e2e_str(obj, "objectType"), "context");
	E2E_STR_EQ(e2e_str(obj, "url"), url);
	E2E_STR_EQ(e2e_str(obj, "id"), ctx_id);
	json_object *snap = json_object_array_get_idx(e2e_get(r->json, "contexts"), 0);
	E2E_STR_EQ(e2e_keys(snap), "displayName,hash,notifications,objectType,tags,url");
	E2E_STR_EQ(e2e_str(snap, "hash"), h);
	E2E_STR_EQ(e2e_str(r->json, "creator"), ANA);
	E2E_STR_EQ(e2e_str(r->json, "owner"), ANA);
	const char *first = e2e_fmt("%s", e2e_str(r->json, "id"));
	e2e_free(r);
	/* the policy's list: invite/kick/… restricted, unsubscribe from subscribe */
	E2E_STR_EQ(perms_row(ANA, h), "[\"read\",\"write\",\"subscribe\",\"unsubscribe\"] 46 - -");
	/* again: 200 with the same activity, nothing added */
	long long n = e2e_db_scalar("SELECT count(*) FROM activities WHERE verb = 'subscribe'");
	r = subscribe(h, ANA, ANA);
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_str(r->json, "id"), first);
	e2e_free(r);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM activities WHERE verb = 'subscribe'"), n);
	/* subscribing someone else is for the owner and Managers only */
	r = subscribe(h, BEA, ANA);
	forbidden(r, ANA, "Subscribe an user to a context");
	e2e_free(r);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM subscriptions WHERE username = '" BEA "'"
				 " AND hash = '%s'",
				 h),
		   0);
	r = subscribe(h, BEA, OWNER);
	E2E_STATUS(r, 201);
	E2E_STR_EQ(e2e_str(r->json, "creator"), OWNER);
	E2E_STR_EQ(e2e_str(e2e_get(r->json, "actor"), "username"), BEA);
	e2e_free(r);
}

static void test_subscribe_refused(void)
{
	const char *h = mkctx("http://sub.test/closed", CLOSED, NULL);
	struct e2e_resp *r = subscribe(h, ANA, ANA);
	forbidden(r, ANA, "Subscribe an user to a context");
	e2e_free(r);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM subscriptions WHERE hash = '%s'", h), 0);
	r = subscribe("0123456789012345678901234567890123456789", ANA, e2e_manager());
	E2E_EXPECT(r, 404, "ObjectNotFound",
		   "Object with hash 0123456789012345678901234567890123456789 not found inside "
		   "contexts");
	e2e_free(r);
	r = subscribe(h, "sub.nobody", e2e_manager());
	E2E_EXPECT(r, 400, "UnknownUserError", "Unknown actor identified by: sub.nobody");
	e2e_free(r);
	r = subscribe(h, ANA, NULL);
	E2E_STATUS(r, 401);
	e2e_free(r);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM subscriptions WHERE hash = '%s'", h), 0);
	/* a kicked user cannot come back by himself where subscribing is restricted */
	r = subscribe(h, CAI, e2e_manager());
	E2E_STATUS(r, 201);
	e2e_free(r);
	E2E_SEND(204, "DELETE", e2e_fmt("/contexts/%s/subscriptions/" CAI, h), OWNER, NULL);
	r = subscribe(h, CAI, CAI);
	forbidden(r, CAI, "Subscribe an user to a context");
	e2e_free(r);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM subscriptions WHERE hash = '%s'", h), 0);
}

static void test_deprecated_forms(void)
{
	const char *url = "http://sub.test/deprecated", *h = mkctx(url, OPEN, NULL);
	struct e2e_resp *r =
		e2e_request("POST", "/people/" BEA "/subscriptions", BEA,
			    e2e_fmt("{\"object\":{\"objectType\":\"context\",\"url\":\"%s\"}}",
				    url));
	E2E_STATUS(r, 201);
	E2E_STR_EQ(e2e_str(e2e_get(r->json, "object"), "url"), url);
	e2e_free(r);
	r = e2e_request("POST", "/people/" BEA "/subscriptions", BEA,
			"{\"object\":{\"objectType\":\"context\"}}");
	E2E_STATUS(r, 404);
	e2e_free(r);
	E2E_SEND(204, "DELETE", e2e_fmt("/people/" BEA "/subscriptions/%s", h), BEA, NULL);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM subscriptions WHERE hash = '%s'", h), 0);
}

/* ---- #46 GET /people/{username}/subscriptions ------------------------------------------- */

static void test_user_subscriptions(void)
{
	const char *ha =
		mkctx("http://sub.test/list/A", CLOSED, "\"tags\":[\"Assignatura\",\"x\"]");
	const char *hb = mkctx("http://sub.test/list/B", CLOSED, "\"tags\":[\"x\"]");
	E2E_SEND(201, "POST", e2e_fmt("/contexts/%s/subscriptions", hb), e2e_manager(), actor(CAI));
	E2E_SEND(201, "POST", e2e_fmt("/contexts/%s/subscriptions", ha), e2e_manager(), actor(CAI));
	struct e2e_resp *r = e2e_request("GET", "/people/" CAI "/subscriptions", CAI, NULL);
	E2E_STATUS(r, 200);
	E2E_INT_EQ(e2e_len(r->json), 2);
	/* in the order he subscribed */
	E2E_STR_EQ(e2e_str(json_object_array_get_idx(r->json, 0), "hash"), hb);
	json_object *a = json_object_array_get_idx(r->json, 1);
	E2E_STR_EQ(e2e_keys(a), SUB_KEYS);
	E2E_STR_EQ(text(e2e_get(a, "permissions")), "[\"read\",\"write\"]");
	E2E_STR_EQ(e2e_str(a, "url"), "http://sub.test/list/A");
	e2e_free(r);
	r = e2e_request("GET", "/people/" CAI "/subscriptions?tags=Assignatura&tags=x", CAI, NULL);
	E2E_INT_EQ(e2e_len(r->json), 1);
	E2E_STR_EQ(e2e_str(json_object_array_get_idx(r->json, 0), "hash"), ha);
	e2e_free(r);
	r = e2e_request("GET", "/people/" CAI "/subscriptions?tags=nope", CAI, NULL);
	E2E_INT_EQ(e2e_len(r->json), 0);
	e2e_free(r);
	/* after a grant: raw _grants/_vetos here, grants/vetos in the Person */
	E2E_SEND(201, "PUT", e2e_fmt("/contexts/%s/permissions/" CAI "/flag", ha), OWNER, NULL);
	r = e2e_request("GET", "/people/" CAI "/subscriptions?tags=Assignatura", e2e_manager(),
			NULL);
	a = json_object_array_get_idx(r->json, 0);
	E2E_STR_EQ(e2e_keys(a), "_grants,_vetos," SUB_KEYS);
	E2E_STR_EQ(text(e2e_get(a, "_grants")), "[\"flag\"]");
	E2E_STR_EQ(text(e2e_get(a, "_vetos")), "[]");
	e2e_free(r);
	r = e2e_request("GET", "/people/" CAI, CAI, NULL);
	json_object *subs = e2e_get(r->json, "subscribedTo");
	E2E_INT_EQ(e2e_len(subs), 2);
	E2E_STR_EQ(e2e_keys(json_object_array_get_idx(subs, 1)),
		   "displayName,grants,hash,notifications,objectType,permissions,tags,url,vetos");
	E2E_STR_EQ(e2e_keys(json_object_array_get_idx(subs, 0)), SUB_KEYS);
	e2e_free(r);
	r = e2e_request("GET", "/people/" CAI "/subscriptions", ANA, NULL);
	forbidden(r, ANA, "View all subscriptions of user to a context");
	e2e_free(r);
	r = e2e_request("GET", "/people/sub.nobody/subscriptions", e2e_manager(), NULL);
	E2E_EXPECT(r, 400, "UnknownUserError", "Unknown actor identified by: sub.nobody");
	e2e_free(r);
}

/* ---- #48 GET /contexts/{hash}/subscriptions --------------------------------------------- */

static void test_context_subscribers(void)
{
	const char *h = mkctx("http://sub.test/many", CLOSED, NULL);
	for (int i = 0; i < 12; i++)
		E2E_SEND(201, "POST", e2e_fmt("/contexts/%s/subscriptions", h), e2e_manager(),
			 actor(e2e_fmt("sub.m%02d", 11 - i)));
	E2E_SEND(201, "DELETE", e2e_fmt("/contexts/%s/permissions/sub.m05/read", h), OWNER, NULL);
	struct e2e_resp *r =
		e2e_request("GET", e2e_fmt("/contexts/%s/subscriptions", h), OWNER, NULL);
	E2E_STATUS(r, 200);
	E2E_INT_EQ(e2e_len(r->json), 10); /* limit 10 */
	/* newest user first: the users were created m00 … m11 */
	E2E_STR_EQ(e2e_usernames(r->json), "sub.m11,sub.m10,sub.m09,sub.m08,sub.m07,sub.m06,"
					   "sub.m05,sub.m04,sub.m03,sub.m02");
	json_object *m05 = json_object_array_get_idx(r->json, 6);
	E2E_STR_EQ(e2e_keys(m05), "grants,hash,permissions,username,vetos");
	E2E_STR_EQ(text(e2e_get(m05, "permissions")), "[\"write\"]");
	E2E_STR_EQ(text(e2e_get(m05, "vetos")),
		   "[\"read\"]"); /* MAX differs from the original: the real lists */
	E2E_STR_EQ(text(e2e_get(m05, "grants")), "[]");
	E2E_STR_EQ(e2e_str(m05, "hash"), h);
	e2e_free(r);
	/* page on with before=<user id>, after, limit */
	const char *id02 = e2e_db_text("SELECT id FROM people WHERE username = 'sub.m02'");
	r = e2e_request("GET", e2e_fmt("/contexts/%s/subscriptions?before=%s", h, id02), OWNER,
			NULL);
	E2E_STR_EQ(e2e_usernames(r->json), "sub.m01,sub.m00");
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/contexts/%s/subscriptions?after=%s&limit=3", h, id02),
			OWNER, NULL);
	E2E_STR_EQ(e2e_usernames(r->json), "sub.m11,sub.m10,sub.m09");
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/contexts/%s/subscriptions?limit=0", h), e2e_manager(),
			NULL);
	E2E_INT_EQ(e2e_len(r->json), 12);
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/contexts/%s/subscriptions?limit=-1", h), OWNER, NULL);
	E2E_EXPECT(r, 400, "InvalidSearchParams", "limit must be a positive integer");
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/contexts/%s/subscriptions", h), "sub.m03", NULL);
	forbidden(r, "sub.m03", "View all subscriptions of user to a context");
	e2e_free(r);
}

/* ---- #49 DELETE /contexts/{hash}/subscriptions/{username} -------------------------------- */

static void test_unsubscribe(void)
{
	const char *open = mkctx("http://sub.test/unsub/open", OPEN, "\"notifications\":true");
	const char *closed = mkctx("http://sub.test/unsub/closed", CLOSED, NULL);
	E2E_SEND(201, "POST", e2e_fmt("/contexts/%s/subscriptions", open), ANA, actor(ANA));
	E2E_SEND(201, "POST", e2e_fmt("/contexts/%s/subscriptions", open), OWNER, actor(BEA));
	E2E_SEND(201, "POST", e2e_fmt("/contexts/%s/subscriptions", closed), OWNER, actor(ANA));
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM outbox WHERE op = 'bind' AND exchange ="
				 " 'activity' AND destination = '" ANA
				 ".subscribe' AND routing_key = '%s'",
				 open),
		   1);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM outbox WHERE op = 'bind' AND"
				 " routing_key = '%s'",
				 closed),
		   0);
	/* another user's subscription: 403 */
	struct e2e_resp *r =
		e2e_request("DELETE", e2e_fmt("/contexts/%s/subscriptions/" BEA, open), ANA, NULL);
	forbidden(r, ANA, "Unsubscribe an user to a context");
	e2e_free(r);
	/* without unsubscribe: 403 */
	r = e2e_request("DELETE", e2e_fmt("/contexts/%s/subscriptions/" ANA, closed), ANA, NULL);
	forbidden(r, ANA, "Unsubscribe an user to a context");
	e2e_free(r);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM subscriptions WHERE hash IN ('%s', '%s')",
				 open, closed),
		   3);
	/* with it: 204, the push opt-out goes too, unbound */
	E2E_SEND(201, "POST", e2e_fmt("/contexts/%s/unsubscriptionpush/" ANA, open), ANA, NULL);
	E2E_SEND(204, "DELETE", e2e_fmt("/contexts/%s/subscriptions/" ANA, open), ANA, NULL);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM push_optouts WHERE username = '" ANA "'"
				 " AND hash = '%s'",
				 open),
		   0);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM outbox WHERE op = 'unbind' AND exchange ="
				 " 'activity' AND destination = '" ANA
				 ".subscribe' AND routing_key = '%s'",
				 open),
		   1);
	/* not subscribed: the user himself 403, a Manager or the owner 404 */
	r = e2e_request("DELETE", e2e_fmt("/contexts/%s/subscriptions/" ANA, open), ANA, NULL);
	forbidden(r, ANA, "Unsubscribe an user to a context");
	e2e_free(r);
	r = e2e_request("DELETE", e2e_fmt("/contexts/%s/subscriptions/" ANA, open), e2e_manager(),
			NULL);
	E2E_EXPECT(r, 404, "ObjectNotFound", e2e_fmt(ANA " is not susbcribed to %s", open));
	e2e_free(r);
	r = e2e_request("DELETE", e2e_fmt("/contexts/%s/subscriptions/" ANA, open), OWNER, NULL);
	E2E_STATUS(r, 404);
	e2e_free(r);
	r = e2e_request("DELETE", e2e_fmt("/contexts/%s/subscriptions/sub.nobody", open),
			e2e_manager(), NULL);
	E2E_EXPECT(r, 400, "UnknownUserError", "Unknown actor identified by: sub.nobody");
	e2e_free(r);
	/* the owner kicks from the closed one */
	E2E_SEND(204, "DELETE", e2e_fmt("/contexts/%s/subscriptions/" ANA, closed), OWNER, NULL);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM subscriptions WHERE hash = '%s'", closed),
		   0);
}

/* ---- #50–#52 grants, revokes, defaults ------------------------------------------------- */

static void test_grant_revoke_reset(void)
{
	const char *h = mkctx("http://sub.test/perms",
			      "{\"read\":\"subscribed\",\"write\":\"restricted\",\"subscribe\":"
			      "\"restricted\"}",
			      "\"tags\":[\"t\"]");
	E2E_SEND(201, "POST", e2e_fmt("/contexts/%s/subscriptions", h), OWNER, actor(BEA));
	const char *perm = e2e_fmt("/contexts/%s/permissions/" BEA, h);
	/* grant: 201 without tags and grants; again: 200 raw */
	struct e2e_resp *r = e2e_request("PUT", e2e_fmt("%s/write", perm), OWNER, NULL);
	E2E_STATUS(r, 201);
	E2E_STR_EQ(e2e_keys(r->json), "displayName,hash,notifications,objectType,permissions,url");
	E2E_STR_EQ(text(e2e_get(r->json, "permissions")), "[\"read\",\"write\"]");
	e2e_free(r);
	E2E_STR_EQ(perms_row(BEA, h), "[\"read\",\"write\"] 6 [\"write\"] []");
	r = e2e_request("PUT", e2e_fmt("%s/write", perm), e2e_manager(), NULL);
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_keys(r->json), "_grants,_vetos," SUB_KEYS);
	E2E_STR_EQ(text(e2e_get(r->json, "_grants")), "[\"write\"]");
	e2e_free(r);
	/* revoke: 201, then 200 raw */
	r = e2e_request("DELETE", e2e_fmt("%s/read", perm), OWNER, NULL);
	E2E_STATUS(r, 201);
	E2E_STR_EQ(text(e2e_get(r->json, "permissions")), "[\"write\"]");
	CU_ASSERT_PTR_NULL(e2e_get(r->json, "tags"));
	e2e_free(r);
	r = e2e_request("DELETE", e2e_fmt("%s/read", perm), OWNER, NULL);
	E2E_STATUS(r, 200);
	E2E_STR_EQ(text(e2e_get(r->json, "_vetos")), "[\"read\"]");
	e2e_free(r);
	/* revoking what one does not have: 201 (a veto) */
	E2E_SEND(201, "DELETE", e2e_fmt("%s/kick", perm), OWNER, NULL);
	E2E_STR_EQ(perms_row(BEA, h), "[\"write\"] 4 [\"write\"] [\"read\",\"kick\"]");
	/* a looser policy keeps the veto, a stricter one the grant */
	E2E_SEND(200, "PUT", e2e_fmt("/contexts/%s", h), OWNER,
		 "{\"permissions\":{\"read\":\"public\",\"kick\":\"subscribed\",\"flag\":"
		 "\"subscribed\"}}");
	E2E_STR_EQ(perms_row(BEA, h), "[\"flag\",\"write\"] 20 [\"write\"] [\"read\",\"kick\"]");
	/* a non-permanent grant is lost on the next policy change */
	E2E_SEND(201, "PUT", e2e_fmt("%s/delete?permanent=0", perm), OWNER, NULL);
	E2E_STR_EQ(perms_row(BEA, h),
		   "[\"flag\",\"write\",\"delete\"] 148 [\"write\"] [\"read\",\"kick\"]");
	E2E_SEND(200, "PUT", e2e_fmt("/contexts/%s", h), OWNER,
		 "{\"permissions\":{\"write\":\"subscribed\"}}");
	E2E_STR_EQ(perms_row(BEA, h), "[\"write\",\"flag\"] 20 [\"write\"] [\"read\",\"kick\"]");
	/* the same permissions again recompute nothing */
	E2E_SEND(201, "PUT", e2e_fmt("%s/invite?permanent=no", perm), OWNER, NULL);
	E2E_SEND(200, "PUT", e2e_fmt("/contexts/%s", h), OWNER,
		 "{\"permissions\":{\"write\":\"subscribed\"}}");
	E2E_STR_EQ(perms_row(BEA, h),
		   "[\"write\",\"flag\",\"invite\"] 21 [\"write\"] [\"read\",\"kick\"]");
	/* bad names, not subscribed, unknown user, not the owner: refused, unchanged */
	const char *before = perms_row(BEA, h);
	r = e2e_request("PUT", e2e_fmt("%s/badpermission", perm), OWNER, NULL);
	E2E_EXPECT(r, 400, "InvalidPermission", "There's not any permission named 'badpermission'");
	e2e_free(r);
	r = e2e_request("DELETE", e2e_fmt("%s/Read", perm), OWNER, NULL);
	E2E_EXPECT(r, 400, "InvalidPermission", "There's not any permission named 'Read'");
	e2e_free(r);
	r = e2e_request("PUT", e2e_fmt("/contexts/%s/permissions/" ANA "/write", h), OWNER, NULL);
	E2E_EXPECT(r, 404, "ObjectNotFound", e2e_fmt(ANA " is not susbcribed to %s", h));
	e2e_free(r);
	r = e2e_request("PUT", e2e_fmt("/contexts/%s/permissions/sub.nobody/write", h), OWNER,
			NULL);
	E2E_EXPECT(r, 400, "UnknownUserError", "Unknown actor identified by: sub.nobody");
	e2e_free(r);
	r = e2e_request("PUT", e2e_fmt("%s/write", perm), BEA, NULL);
	forbidden(r, BEA, "Grant or revoke permissions on a subscription");
	e2e_free(r);
	r = e2e_request("PUT", e2e_fmt("%s/badpermission", perm), ANA, NULL);
	forbidden(r, ANA, "Grant or revoke permissions on a subscription"); /* 403 before 400 */
	e2e_free(r);
	E2E_STR_EQ(perms_row(BEA, h), before);
	/* reset: the policy's list, grants and vetos empty, 200 without tags */
	r = e2e_request("POST", e2e_fmt("%s/defaults", perm), OWNER, NULL);
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_keys(r->json), "displayName,hash,notifications,objectType,permissions,url");
	E2E_STR_EQ(text(e2e_get(r->json, "permissions")), "[\"read\",\"write\",\"flag\",\"kick\"]");
	e2e_free(r);
	E2E_STR_EQ(perms_row(BEA, h), "[\"read\",\"write\",\"flag\",\"kick\"] 86 [] []");
	r = e2e_request("POST", e2e_fmt("/contexts/%s/permissions/" ANA "/defaults", h), OWNER,
			NULL);
	E2E_EXPECT(r, 404, "ObjectNotFound", e2e_fmt(ANA " is not susbcribed to %s", h));
	e2e_free(r);
	r = e2e_request("POST", e2e_fmt("%s/defaults", perm), BEA, NULL);
	forbidden(r, BEA, "Grant or revoke permissions on a subscription");
	e2e_free(r);
}

/* ---- #16 through the permissions: who may post ------------------------------------------- */

static void test_writing_needs_a_subscription_with_write(void)
{
	const char *h = mkctx("http://sub.test/write", CLOSED, NULL);
	const char *post = "{\"object\":{\"objectType\":\"note\",\"content\":\"hola\"}}";
	const char *path = e2e_fmt("/contexts/%s/activities", h);
	/* a non-subscriber writing to a closed context */
	struct e2e_resp *r = e2e_request("POST", path, CAI, post);
	forbidden(r, CAI, "Add activity");
	e2e_free(r);
	/* the owner has no posting right by ownership */
	r = e2e_request("POST", path, OWNER, post);
	forbidden(r, OWNER, "Add activity");
	e2e_free(r);
	E2E_SEND(201, "POST", e2e_fmt("/contexts/%s/subscriptions", h), OWNER, actor(CAI));
	E2E_SEND(201, "DELETE", e2e_fmt("/contexts/%s/permissions/" CAI "/write", h), OWNER, NULL);
	r = e2e_request("POST", path, CAI, post);
	forbidden(r, CAI, "Add activity");
	e2e_free(r);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM activities WHERE verb = 'post' AND"
				 " context_hash = '%s'",
				 h),
		   0);
	E2E_SEND(201, "PUT", e2e_fmt("/contexts/%s/permissions/" CAI "/write", h), OWNER, NULL);
	E2E_SEND(201, "POST", path, CAI, post);
}

/* ---- #53–#56 push opt-out ------------------------------------------------------------------ */

static void test_push_optout(void)
{
	const char *url = "http://sub.test/push",
		   *h = mkctx(url, OPEN, "\"tags\":[\"p\"],\"notifications\":true");
	const char *closed = mkctx("http://sub.test/push/closed", CLOSED, NULL);
	E2E_SEND(201, "POST", e2e_fmt("/contexts/%s/subscriptions", h), ANA, actor(ANA));
	E2E_SEND(201, "POST", e2e_fmt("/contexts/%s/subscriptions", h), BEA, actor(BEA));
	long long binds = e2e_db_scalar("SELECT count(*) FROM outbox WHERE routing_key = '%s'", h);
	struct e2e_resp *r =
		e2e_request("POST", e2e_fmt("/contexts/%s/unsubscriptionpush/" ANA, h), ANA, NULL);
	E2E_STATUS(r, 201);
	E2E_STR_EQ(e2e_str(r->json, "verb"), "subscribe");
	E2E_STR_EQ(e2e_str(e2e_get(r->json, "object"), "url"), url);
	const char *id = e2e_fmt("%s", e2e_str(r->json, "id"));
	e2e_free(r);
	r = e2e_request("POST", e2e_fmt("/contexts/%s/unsubscriptionpush/" ANA, h), ANA, NULL);
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_str(r->json, "id"), id);
	e2e_free(r);
	/* MAX differs from the original: an opt-out only changes the list, no binding */
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM outbox WHERE routing_key = '%s'", h), binds);
	E2E_SEND(201, "POST", e2e_fmt("/contexts/%s/unsubscriptionpush/" BEA, h), e2e_manager(),
		 NULL);
	r = e2e_request("GET", "/people/" ANA "/unsubscriptionpush", ANA, NULL);
	E2E_STATUS(r, 200);
	E2E_INT_EQ(e2e_len(r->json), 1);
	json_object *o = json_object_array_get_idx(r->json, 0);
	E2E_STR_EQ(e2e_keys(o), SUB_KEYS);
	E2E_STR_EQ(e2e_str(o, "hash"), h);
	E2E_STR_EQ(text(e2e_get(o, "permissions")),
		   "[\"read\",\"write\",\"subscribe\",\"unsubscribe\"]");
	e2e_free(r);
	r = e2e_request("GET", "/people/" ANA "/unsubscriptionpush?tags=q", ANA, NULL);
	E2E_INT_EQ(e2e_len(r->json), 0);
	e2e_free(r);
	r = e2e_request("GET", "/people/" ANA, ANA, NULL);
	E2E_INT_EQ(e2e_len(e2e_get(r->json, "unsubscribedToPush")), 1);
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/contexts/%s/unsubscriptionpush", h), OWNER, NULL);
	E2E_STATUS(r, 200);
	E2E_STR_EQ(text(r->json), "[{\"username\":\"" BEA "\"},{\"username\":\"" ANA "\"}]");
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/contexts/%s/unsubscriptionpush?limit=1", h), OWNER, NULL);
	E2E_INT_EQ(e2e_len(r->json), 1);
	e2e_free(r);
	r = e2e_request("GET", "/people/" ANA "/unsubscriptionpush", BEA, NULL);
	forbidden(r, BEA, "View all subscriptions of user to a context");
	e2e_free(r);
	/* back in */
	E2E_SEND(204, "DELETE", e2e_fmt("/contexts/%s/subscriptionpush/" ANA, h), ANA, NULL);
	r = e2e_request("DELETE", e2e_fmt("/contexts/%s/subscriptionpush/" ANA, h), ANA, NULL);
	E2E_EXPECT(r, 404, "ObjectNotFound", e2e_fmt(ANA " is not unsubscribedToPush to %s", h));
	e2e_free(r);
	r = e2e_request("DELETE", e2e_fmt("/contexts/%s/subscriptionpush/" BEA, h), ANA, NULL);
	forbidden(r, ANA, "Unsubscribe an user to a context");
	e2e_free(r);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM push_optouts WHERE hash = '%s'", h), 1);
	/* closed context: no self service either way */
	E2E_SEND(201, "POST", e2e_fmt("/contexts/%s/subscriptions", closed), OWNER, actor(CAI));
	r = e2e_request("POST", e2e_fmt("/contexts/%s/unsubscriptionpush/" CAI, closed), CAI, NULL);
	forbidden(r, CAI, "Subscribe an user to a context");
	e2e_free(r);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM push_optouts WHERE hash = '%s'", closed), 0);
}

E2E_SUITE(subscriptions, init, NULL)
{
	E2E_TEST(s, test_subscribe_self_to_open_context);
	E2E_TEST(s, test_subscribe_refused);
	E2E_TEST(s, test_deprecated_forms);
	E2E_TEST(s, test_user_subscriptions);
	E2E_TEST(s, test_context_subscribers);
	E2E_TEST(s, test_unsubscribe);
	E2E_TEST(s, test_grant_revoke_reset);
	E2E_TEST(s, test_writing_needs_a_subscription_with_write);
	E2E_TEST(s, test_push_optout);
}
