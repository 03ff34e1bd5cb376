/*
 * test_contexts.c — contexts, subscriptions and permissions through
 * http_handle() on a temp database: what the store holds after each
 * operation (rows, masks, snapshots, outbox operations), which the
 * end-to-end tests cannot see as directly; and the model functions
 * called directly over the store, as maxctl and max-bridge call them.
 */
#include "fixture.h"
#include "model/subscriptions.h"
#include "unit.h"
#include "util/ids.h"

#include <sqlite3.h> /* the tests read the database behind the store's back */

#include <stdio.h>
#include <string.h>

static const char *hash_of(const char *url)
{
	static char h[4][41];
	static int i;
	i = (i + 1) % 4;
	hash_sha1_hex(url, strlen(url), h[i]);
	return h[i];
}

static int status(const char *method, const char *p, const char *user, const char *body)
{
	struct fx_resp r = fx_req(method, p, user, body, NULL);
	int st = r.status;
	fx_free(&r);
	return st;
}

static void mkctx(const char *url, const char *perms)
{
	char body[512];
	snprintf(body, sizeof body, "{\"url\":\"%s\",\"displayName\":\"D\",\"tags\":[\"t1\"]%s%s}",
		 url, perms ? ",\"permissions\":" : "", perms ? perms : "");
	CU_ASSERT_EQUAL(status("POST", "/contexts", "fxadmin", body), 201);
}

static int subscribe(const char *url, const char *user, const char *as)
{
	char body[256];
	snprintf(body, sizeof body, "{\"actor\":{\"objectType\":\"person\",\"username\":\"%s\"}}",
		 user);
	return status("POST", fx_fmt("/contexts/%s/subscriptions", hash_of(url)), as, body);
}

static const char *perms_of(const char *user, const char *url)
{
	static char out[256];
	char sql[512];
	snprintf(sql, sizeof sql,
		 "SELECT permissions_json FROM subscriptions WHERE username='%s' AND hash='%s'",
		 user, hash_of(url));
	sqlite3_stmt *s = NULL;
	out[0] = 0;
	if (sqlite3_prepare_v2(fx.db.db, sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		snprintf(out, sizeof out, "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	return out;
}

static void test_create_defaults_and_idempotence(void)
{
	struct fx_resp r =
		fx_req("POST", "/contexts", "fxadmin", "{\"url\":\"http://u.test/a\"}", NULL);
	CU_ASSERT_EQUAL(r.status, 201);
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "hash"), hash_of("http://u.test/a"));
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "displayName"), "http://u.test/a");
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "owner"), "fxadmin");
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "creator"), "fxadmin");
	json_object *p = NULL;
	CU_ASSERT(json_object_object_get_ex(r.json, "permissions", &p));
	CU_ASSERT_STRING_EQUAL(json_object_to_json_string_ext(p, JSON_C_TO_STRING_PLAIN),
			       "{\"read\":\"restricted\",\"write\":\"restricted\","
			       "\"subscribe\":\"restricted\",\"invite\":\"restricted\"}");
	fx_free(&r);
	/* existing: 200, the body (even an invalid one) ignored */
	r = fx_req("POST", "/contexts", "fxadmin",
		   "{\"url\":\"http://u.test/a\",\"displayName\":\"Other\",\"tags\":7}", NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "displayName"), "http://u.test/a");
	fx_free(&r);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM contexts WHERE url='%s'",
				  "http://u.test/a"),
			1);
	/* no twitterUsername, no tweety restart */
	CU_ASSERT_EQUAL(fx_scalar("SELECT count(*) FROM outbox WHERE routing_key='tweety_restart'"),
			0);
	r = fx_req("POST", "/contexts", "fxadmin",
		   "{\"url\":\"http://u.test/tw\",\"twitterUsername\":\" @MaxUpc \","
		   "\"twitterHashtag\":\"#Atenea\",\"owner\":\"Bob\"}",
		   NULL);
	CU_ASSERT_EQUAL(r.status, 201);
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "twitterUsername"), "maxupc");
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "twitterHashtag"), "atenea");
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "owner"), "bob");
	fx_free(&r);
	CU_ASSERT_EQUAL(fx_scalar(
				"SELECT count(*) FROM outbox WHERE op='publish' AND exchange=''"
				" AND routing_key='tweety_restart' AND body GLOB '[0-9]*.[0-9][0-9]"
				"[0-9][0-9][0-9][0-9]'"),
			1);
}

static void test_bad_input_changes_nothing(void)
{
	static const struct {
		const char *body, *error, *description;
	} cases[] = {
		{"{}", "MissingField", "Required parameter \"url\" not found in the request"},
		{"{\"url\":\"\"}", "MissingField", "Required parameter \"url\" found but empty"},
		{"{\"url\":7}", "ValidationError",
		 "Validation error on field \"url\": must be a string"},
		{"{\"url\":\"atenea.upc.edu\"}", "ValidationError",
		 "Validation error on field \"url\": not an absolute URI"},
		{"{\"url\":\"http://a b\"}", "ValidationError",
		 "Validation error on field \"url\": not an absolute URI"},
		{"{\"url\":\"http://b.test\",\"displayName\":[]}", "ValidationError",
		 "Validation error on field \"displayName\": must be a string"},
		{"{\"url\":\"http://b.test\",\"tags\":\"x\"}", "ValidationError",
		 "Validation error on field \"tags\": must be a list of strings"},
		{"{\"url\":\"http://b.test\",\"tags\":[\"\"]}", "ValidationError",
		 "Validation error on field \"tags\": tags are 1 to 128 bytes"},
		{"{\"url\":\"http://b.test\",\"permissions\":{\"rede\":\"public\"}}",
		 "InvalidPermission", "There's not any permission named 'rede'"},
		{"{\"url\":\"http://b.test\",\"permissions\":{\"read\":\"everyone\"}}",
		 "ValidationError",
		 "Validation error on field \"permissions\": read must be public, subscribed or "
		 "restricted"},
		{"{\"url\":\"http://b.test\",\"permissions\":[]}", "ValidationError",
		 "Validation error on field \"permissions\": must be an object"},
		{"{\"url\":\"http://b.test\",\"notifications\":\"all\"}", "ValidationError",
		 "Validation error on field \"notifications\": must be true, false, \"posts\" or "
		 "\"comments\""},
		{"{\"url\":\"http://b.test\",\"twitterHashtag\":\"##x\"}", "ValidationError",
		 "Validation error on field \"twitterHashtag\": ##x is not a valid hashtag"},
		{"{\"url\":\"http://b.test\",\"twitterUsername\":\"@@x\"}", "ValidationError",
		 "Validation error on field \"twitterUsername\": @@x is not a valid twitter "
		 "username"},
		{"{\"url\":\"http://b.test\",\"uploadURL\":\"/upload\"}", "ValidationError",
		 "Validation error on field \"uploadURL\": not an absolute URI"},
		{"{\"url\":\"http://b.test\",\"owner\":{}}", "ValidationError",
		 "Validation error on field \"owner\": must be a string"},
		{"[\"http://b.test\"]", "ValidationError", "Unexpected data type in request"},
	};
	long long before = fx_scalar("SELECT count(*) FROM contexts");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct fx_resp r = fx_req("POST", "/contexts", "fxadmin", cases[i].body, NULL);
		CU_ASSERT_EQUAL(r.status, 400);
		CU_ASSERT_STRING_EQUAL(fx_error(&r), cases[i].error);
		CU_ASSERT_STRING_EQUAL(fx_str(&r, "error_description"), cases[i].description);
		if (r.status != 400 ||
		    strcmp(fx_str(&r, "error_description"), cases[i].description))
			fprintf(stderr, "\n  case %zu: %d %s", i, r.status,
				fx_str(&r, "error_description"));
		fx_free(&r);
	}
	char big[400];
	memset(big, 'x', sizeof big);
	big[sizeof big - 1] = 0;
	char body[600];
	snprintf(body, sizeof body, "{\"url\":\"http://b.test\",\"displayName\":\"%s\"}", big);
	CU_ASSERT_EQUAL(status("POST", "/contexts", "fxadmin", body), 400);
	snprintf(body, sizeof body, "{\"url\":\"http://b.test\",\"tags\":[\"%s\"]}", big);
	CU_ASSERT_EQUAL(status("POST", "/contexts", "fxadmin", body), 400);
	CU_ASSERT_EQUAL(fx_scalar("SELECT count(*) FROM contexts"), before);
}

static void test_subscription_lists_follow_the_context(void)
{
	fx_user("sl.ana", NULL);
	mkctx("http://u.test/sl", "{\"read\":\"subscribed\",\"write\":\"restricted\","
				  "\"subscribe\":\"public\"}");
	CU_ASSERT_EQUAL(subscribe("http://u.test/sl", "sl.ana", "sl.ana"), 201);
	CU_ASSERT_STRING_EQUAL(perms_of("sl.ana", "http://u.test/sl"),
			       "[\"read\",\"subscribe\",\"unsubscribe\"]");
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT perm_mask FROM subscriptions WHERE username='%s' AND "
				  "hash='%s'",
				  "sl.ana", hash_of("http://u.test/sl")),
			2 | 8 | 32);
	/* a permanent grant, then a stricter policy: the grant survives */
	const char *h = hash_of("http://u.test/sl");
	CU_ASSERT_EQUAL(status("PUT", fx_fmt("/contexts/%s/permissions/%s/flag", h, "sl.ana"),
			       "fxadmin", NULL),
			201);
	struct fx_resp r =
		fx_req("PUT", fx_fmt("/contexts/%s", h), "fxadmin",
		       "{\"permissions\":{\"read\":\"restricted\",\"write\":\"subscribed\"},"
		       "\"displayName\":\"Renamed\"}",
		       NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	fx_free(&r);
	CU_ASSERT_STRING_EQUAL(perms_of("sl.ana", "http://u.test/sl"),
			       "[\"write\",\"subscribe\",\"unsubscribe\",\"flag\"]");
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT perm_mask FROM subscriptions WHERE username='%s' AND "
				  "hash='%s'",
				  "sl.ana", h),
			4 | 8 | 32 | 16);
	/* the person document shows the live snapshot with renamed grants */
	r = fx_req("GET", "/people/sl.ana", "sl.ana", NULL, NULL);
	json_object *subs = NULL, *first;
	CU_ASSERT(json_object_object_get_ex(r.json, "subscribedTo", &subs));
	first = json_object_array_get_idx(subs, 0);
	CU_ASSERT_STRING_EQUAL(json_object_get_string(json_object_object_get(first, "displayName")),
			       "Renamed");
	CU_ASSERT_STRING_EQUAL(json_object_to_json_string_ext(json_object_object_get(first,
										     "grants"),
							      JSON_C_TO_STRING_PLAIN),
			       "[\"flag\"]");
	CU_ASSERT_PTR_NULL(json_object_object_get(first, "_grants"));
	fx_free(&r);
}

static void test_bindings_in_the_outbox(void)
{
	fx_user("ob.bea", NULL);
	mkctx("http://u.test/ob", "{\"subscribe\":\"public\"}");
	const char *h = hash_of("http://u.test/ob");
	/* not notifying: no bind on subscribe, an unbind on unsubscribe */
	CU_ASSERT_EQUAL(subscribe("http://u.test/ob", "ob.bea", "ob.bea"), 201);
	CU_ASSERT_EQUAL(
		FX_SCALAR("SELECT count(*) FROM outbox WHERE op='bind' AND routing_key='%s'", h),
		0);
	CU_ASSERT_EQUAL(status("PUT", fx_fmt("/contexts/%s", h), "fxadmin",
			       "{\"notifications\":\"posts\"}"),
			200);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM outbox WHERE op='bind' AND "
				  "exchange='activity'"
				  " AND destination='ob.bea.subscribe' AND routing_key='%s'",
				  h),
			1);
	CU_ASSERT_EQUAL(status("DELETE", fx_fmt("/contexts/%s/subscriptions/%s", h, "ob.bea"),
			       "fxadmin", NULL),
			204);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM outbox WHERE op='unbind' AND "
				  "exchange='activity'"
				  " AND destination='ob.bea.subscribe' AND routing_key='%s'",
				  h),
			1);
	/* notifying: subscribing binds */
	CU_ASSERT_EQUAL(subscribe("http://u.test/ob", "ob.bea", "ob.bea"), 201);
	CU_ASSERT_EQUAL(
		FX_SCALAR("SELECT count(*) FROM outbox WHERE op='bind' AND routing_key='%s'", h),
		2);
	/* deleting the person unbinds and removes the subscription */
	CU_ASSERT_EQUAL(status("DELETE", "/people/ob.bea", "fxadmin", NULL), 204);
	CU_ASSERT_EQUAL(
		FX_SCALAR("SELECT count(*) FROM outbox WHERE op='unbind' AND routing_key='%s'", h),
		2);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM subscriptions WHERE hash='%s'", h), 0);
}

static void test_url_change_repoints_everything(void)
{
	fx_user("uc.cai", NULL);
	mkctx("http://u.test/old", "{\"subscribe\":\"public\",\"read\":\"public\"}");
	const char *old = hash_of("http://u.test/old"), *new = hash_of("http://u.test/new");
	CU_ASSERT_EQUAL(subscribe("http://u.test/old", "uc.cai", "uc.cai"), 201);
	CU_ASSERT_EQUAL(status("POST", fx_fmt("/contexts/%s/unsubscriptionpush/%s", old, "uc.cai"),
			       "uc.cai", NULL),
			201);
	/* a post as the activity family stores one (schema/002_activities.sql) */
	char sql[1024];
	snprintf(sql, sizeof sql,
		 "INSERT INTO activities (id, verb, actor, actor_json, object_type, object_json,"
		 " context_hash, context_json, creator, owner, published) VALUES"
		 " ('%024d', 'post', 'uc.cai', '{}', 'note', '{}', '%s',"
		 " '{\"objectType\":\"context\",\"url\":\"http://u.test/old\",\"hash\":\"%s\","
		 "\"displayName\":\"D\",\"tags\":[\"t1\"],\"notifications\":false}',"
		 " 'uc.cai', 'uc.cai', '2020-01-01T00:00:00Z')",
		 1, old, old);
	CU_ASSERT_EQUAL(sqlite3_exec(fx.db.db, sql, NULL, NULL, NULL), SQLITE_OK);
	CU_ASSERT_EQUAL(status("PUT", fx_fmt("/contexts/%s", old), "fxadmin",
			       "{\"url\":\"http://u.test/new\",\"tags\":[\"t2\"]}"),
			200);
	CU_ASSERT_EQUAL(status("GET", fx_fmt("/contexts/%s", old), "fxadmin", NULL), 404);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM subscriptions WHERE hash='%s'", new), 1);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM push_optouts WHERE hash='%s'"
				  " AND json_extract(snapshot_json, '$.url') = '%s'",
				  new, "http://u.test/new"),
			1);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM activities WHERE context_hash='%s'"
				  " AND json_extract(context_json, '$.hash') = '%s'"
				  " AND json_extract(context_json, '$.url') = 'http://u.test/new'"
				  " AND json_extract(context_json, '$.tags[0]') = 't2'",
				  new, new),
			3); /* the post, the subscribe and the opt-out activities */
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM activities WHERE verb='subscribe'"
				  " AND context_hash='%s' AND json_extract(object_json, '$.url') = "
				  "'%s'",
				  new, "http://u.test/new"),
			2);
	/* already subscribed: 200 with the (re-pointed) subscribe activity */
	CU_ASSERT_EQUAL(subscribe("http://u.test/new", "uc.cai", "uc.cai"), 200);
	/* a url taken by another context: 400, nothing changed */
	mkctx("http://u.test/other", NULL);
	struct fx_resp r = fx_req("PUT", fx_fmt("/contexts/%s", new), "fxadmin",
				  "{\"url\":\"http://u.test/other\"}", NULL);
	CU_ASSERT_EQUAL(r.status, 400);
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "error_description"),
			       "Validation error on field \"url\": another context has this url");
	fx_free(&r);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM subscriptions WHERE hash='%s'", new), 1);
	/* deleting: subscriptions gone, posts hidden, opt-outs left (endpoints.md) */
	CU_ASSERT_EQUAL(status("DELETE", fx_fmt("/contexts/%s", new), "fxadmin", NULL), 204);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM subscriptions WHERE hash='%s'", new), 0);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT visible FROM activities WHERE verb='post' AND "
				  "context_hash='%s'",
				  new),
			0);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM push_optouts WHERE hash='%s'", new), 1);
	r = fx_req("GET", "/people/uc.cai", "uc.cai", NULL, NULL);
	json_object *opt = NULL;
	CU_ASSERT(json_object_object_get_ex(r.json, "unsubscribedToPush", &opt));
	CU_ASSERT_EQUAL(json_object_array_length(opt), 1);
	fx_free(&r);
}

/* the bindings follow a new url: unbound from the old key, bound to the new */
static void test_url_change_rebinds(void)
{
	fx_user("rk.dan", NULL);
	CU_ASSERT_EQUAL(status("POST", "/contexts", "fxadmin",
			       "{\"url\":\"http://u.test/rk1\",\"notifications\":\"comments\"}"),
			201);
	const char *old = hash_of("http://u.test/rk1"), *new = hash_of("http://u.test/rk2");
	CU_ASSERT_EQUAL(subscribe("http://u.test/rk1", "rk.dan", "fxadmin"), 201);
	CU_ASSERT_EQUAL(status("PUT", fx_fmt("/contexts/%s", old), "fxadmin",
			       "{\"url\":\"http://u.test/rk2\"}"),
			200);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM outbox WHERE op='unbind' AND "
				  "exchange='activity'"
				  " AND destination='rk.dan.subscribe' AND routing_key='%s'",
				  old),
			1);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM outbox WHERE op='bind' AND "
				  "exchange='activity'"
				  " AND destination='rk.dan.subscribe' AND routing_key='%s'",
				  new),
			1);
	/* in order: the unbind of the old key before the bind of the new one */
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT (SELECT max(id) FROM outbox WHERE op='unbind' AND"
				  " routing_key='%s') < (SELECT max(id) FROM outbox WHERE "
				  "op='bind' "
				  "AND"
				  " routing_key='%s')",
				  old, new),
			1);
}

static void test_shared_context_visibility(void)
{
	fx_user("sv.a", NULL);
	fx_user("sv.b", NULL);
	fx_user("sv.c", NULL);
	mkctx("http://u.test/sv", NULL);
	const char *h = hash_of("http://u.test/sv");
	CU_ASSERT_EQUAL(subscribe("http://u.test/sv", "sv.a", "fxadmin"), 201);
	CU_ASSERT_EQUAL(subscribe("http://u.test/sv", "sv.b", "fxadmin"), 201);
	config_set(&fx.cfg, "max", "restricted_user_visibility_mode", "true");
	fx.cfg.restricted_visibility = 1;
	struct fx_resp r = fx_req("GET", "/people?username=sv.", "sv.a", NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_EQUAL(json_object_array_length(r.json), 2); /* himself and sv.b, not sv.c */
	fx_free(&r);
	fx.cfg.restricted_visibility = 0;
	config_set(&fx.cfg, "max", "restricted_user_visibility_mode", "false");
	CU_ASSERT_EQUAL(status("DELETE", fx_fmt("/contexts/%s", h), "fxadmin", NULL), 204);
}

/* The model without a request: a context, a subscriber, a grant, a
 * policy change and a deletion, each answered by plain data. */
static void test_model_without_http(void)
{
	struct store *st = &fx.db;
	struct context ctx, now;
	fx_user("md.eve", NULL);
	CU_ASSERT_EQUAL(ctx_load(st, hash_of("http://u.test/md"), &ctx), MAX_ENOTFOUND);
	char want[128];
	snprintf(want, sizeof want, "Object with hash %s not found inside contexts",
		 hash_of("http://u.test/md"));
	CU_ASSERT_STRING_EQUAL(model_why(st), want);
	ctx_free(&ctx);
	json_object *policy =
		json_tokener_parse("{\"read\":\"subscribed\",\"write\":\"restricted\"}");
	struct ctx_fields f = {.url_set = 1,
			       .url = "http://u.test/md",
			       .perms_set = 1,
			       .permissions = policy,
			       .notif_set = 1};
	f.notifications = json_object_new_boolean(1);
	CU_ASSERT_EQUAL_FATAL(ctx_create(st, &f, "md.eve", "fxadmin", &ctx), MAX_OK);
	CU_ASSERT_STRING_EQUAL(ctx.hash, hash_of("http://u.test/md"));
	CU_ASSERT_STRING_EQUAL(ctx.display_name, "http://u.test/md");
	CU_ASSERT_STRING_EQUAL(ctx_policy(&ctx, "unsubscribe"), "restricted");
	CU_ASSERT(ctx_notifies(&ctx));
	/* subscribing binds (the context notifies); the mask is the policy's */
	CU_ASSERT_EQUAL(sub_subscribe(st, &ctx, "md.eve"), MAX_OK);
	unsigned mask = 0;
	CU_ASSERT_EQUAL(sub_mask(st, "md.eve", ctx.hash, &mask), 1);
	CU_ASSERT_EQUAL(mask, PERM_BIT(PERM_READ));
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM outbox WHERE op='bind' AND "
				  "routing_key='%s'",
				  ctx.hash),
			1);
	/* a permanent grant survives a stricter policy */
	struct perm_state ps;
	CU_ASSERT_EQUAL(sub_load(st, "md.eve", ctx.hash, &ps), 1);
	perm_grant(&ps, PERM_WRITE, 1);
	CU_ASSERT_EQUAL(sub_save(st, "md.eve", ctx.hash, &ps), MAX_OK);
	CU_ASSERT_EQUAL(sub_granted(st, "md.eve", ctx.hash, PERM_WRITE), 1);
	json_object *strict = json_tokener_parse("{\"read\":\"restricted\"}");
	struct ctx_fields g = {.perms_set = 1, .permissions = strict};
	CU_ASSERT_EQUAL_FATAL(sub_ctx_update(st, &ctx, &g, &now), MAX_OK);
	CU_ASSERT_EQUAL(sub_has(st, "md.eve", ctx.hash, PERM_READ), 0);
	CU_ASSERT_EQUAL(sub_has(st, "md.eve", ctx.hash, PERM_WRITE), 1);
	/* the subject the handlers fill decides through the pure policy */
	struct perm_subject s = {.self = 1, .subscribed = 1};
	CU_ASSERT_EQUAL(sub_mask(st, "md.eve", ctx.hash, &s.mask), 1);
	CU_ASSERT(perm_allows(now.permissions, &s, PA_POST));
	CU_ASSERT(!perm_allows(now.permissions, &s, PA_LIST_COMMENTS));
	/* tags: validated and merged without duplicates */
	json_object *in = json_tokener_parse("[\"a\",\"\"]"), *out = NULL;
	CU_ASSERT_EQUAL(ctx_tags_merge(st, NULL, in, &out), MAX_EVALIDATION);
	CU_ASSERT_STRING_EQUAL(model_why(st),
			       "Validation error on field \"tags\": tags are 1 to 128 bytes");
	json_object_put(in);
	in = json_tokener_parse("[\"b\",\"a\",\"b\"]");
	CU_ASSERT_EQUAL(ctx_tags_merge(st, NULL, in, &out), MAX_OK);
	CU_ASSERT_EQUAL(ctx_set_tags(st, &now, out), MAX_OK);
	CU_ASSERT_EQUAL(ctx_tag_remove(st, &now, "zz"), MAX_ENOTFOUND);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT json_array_length(tags_json) FROM contexts WHERE "
				  "hash='%s'",
				  now.hash),
			2);
	/* deletion as a whole: unbound, unsubscribed, gone */
	CU_ASSERT_EQUAL(sub_ctx_delete(st, now.hash), MAX_OK);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM outbox WHERE op='unbind' AND "
				  "routing_key='%s'",
				  now.hash),
			1);
	CU_ASSERT_EQUAL(sub_listed(st, SUB_SUBSCRIBERS, "md.eve", now.hash), 0);
	CU_ASSERT_EQUAL(ctx_exists(st, now.hash), 0);
	json_object_put(in);
	json_object_put(strict);
	json_object_put(policy);
	json_object_put(f.notifications);
	ctx_free(&ctx);
	ctx_free(&now);
}

UNIT_SUITE(contexts, fx_init, fx_cleanup)
{
	UNIT_TEST(s, test_create_defaults_and_idempotence);
	UNIT_TEST(s, test_bad_input_changes_nothing);
	UNIT_TEST(s, test_subscription_lists_follow_the_context);
	UNIT_TEST(s, test_bindings_in_the_outbox);
	UNIT_TEST(s, test_url_change_repoints_everything);
	UNIT_TEST(s, test_url_change_rebinds);
	UNIT_TEST(s, test_shared_context_visibility);
	UNIT_TEST(s, test_model_without_http);
}
