/*
 * test_activities.c — the activity stream through http_handle() on a temp
 * database: what the store holds after posts, comments, likes, flags and
 * deletions (index rows, counters, outbox), the listing engine's orders
 * checked against a brute-force order of the same rows, full-text search
 * and the maintenance rebuilds. The HTTP shapes are in tests/e2e.
 */
#include "fixture.h"
#include "util/ids.h"
#include "unit.h"

#include <sqlite3.h> /* to be moved behind store/ */

#include <stdio.h>
#include <stdlib.h>
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

static json_object *get(json_object *o, const char *k)
{
	json_object *v = NULL;
	return o && json_object_object_get_ex(o, k, &v) ? v : NULL;
}

static int has(json_object *o, const char *k)
{
	return o && json_object_is_type(o, json_type_object) &&
	       json_object_object_get_ex(o, k, NULL);
}

static void mkctx(const char *url, const char *perms, const char *notifications)
{
	const char *body = fx_fmt("{\"url\":\"%s\",\"displayName\":\"Ctx %s\",\"tags\":[\"T\"],"
				  "\"permissions\":%s%s%s}",
				  url, url, perms, notifications ? ",\"notifications\":" : "",
				  notifications ? notifications : "");
	CU_ASSERT_EQUAL(status("POST", "/contexts", "fxadmin", body), 201);
}

static void subscribe(const char *user, const char *url)
{
	CU_ASSERT_EQUAL(status("POST", fx_fmt("/contexts/%s/subscriptions", hash_of(url)),
			       "fxadmin",
			       fx_fmt("{\"actor\":{\"objectType\":\"person\",\"username\":\"%s\"}}",
				      user)),
			201);
}

#define OPEN "{\"read\":\"subscribed\",\"write\":\"subscribed\",\"subscribe\":\"public\"}"

/* Posts content as user (to url's context, or the timeline); the id. */
static const char *post(const char *user, const char *url, const char *content)
{
	static char ids[8][25];
	static int i;
	i = (i + 1) % 8;
	const char *body =
		fx_fmt("{\"object\":{\"objectType\":\"note\",\"content\":\"%s\"}}", content);
	struct fx_resp r =
		url ? fx_req("POST", fx_fmt("/contexts/%s/activities", hash_of(url)), user, body,
			     NULL)
		    : fx_req("POST", fx_fmt("/people/%s/activities", user), user, body, NULL);
	CU_ASSERT_EQUAL(r.status, 201);
	snprintf(ids[i], sizeof ids[i], "%s", fx_str(&r, "id"));
	fx_free(&r);
	return ids[i];
}

static const char *comment(const char *user, const char *id, const char *content)
{
	static char cid[25];
	struct fx_resp r =
		fx_req("POST", fx_fmt("/activities/%s/comments", id), user,
		       fx_fmt("{\"object\":{\"objectType\":\"comment\",\"content\":\"%s\"}}",
			      content),
		       NULL);
	CU_ASSERT_EQUAL(r.status, 201);
	snprintf(cid, sizeof cid, "%s", fx_str(&r, "id"));
	fx_free(&r);
	return cid;
}

/* ids of a listing, comma-joined */
static const char *listing(const char *path, const char *user)
{
	static char out[4096];
	out[0] = 0;
	struct fx_resp r = fx_req("GET", path, user, NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	if (r.json && json_object_is_type(r.json, json_type_array))
		for (size_t i = 0; i < json_object_array_length(r.json); i++) {
			if (i)
				strcat(out, ",");
			strcat(out, json_object_get_string(
					    get(json_object_array_get_idx(r.json, i), "id")));
		}
	fx_free(&r);
	return out;
}

/* Does the full-text entry of activity id hold the token kind + hex(word)
 * (k keyword, h hashtag, p a word a comment brings to its post)? */
static long long has_token(const char *id, char kind, const char *word)
{
	return FX_SCALAR("SELECT count(*) FROM activities WHERE id = '%s' AND rid IN (SELECT rowid"
			 " FROM stream_fts WHERE stream_fts MATCH '{terms} : %c' || "
			 "lower(hex('%s')))",
			 id, kind, word);
}

static int init(void)
{
	if (fx_init())
		return 1;
	fx_user("messi", "Lionel Messi");
	fx_user("xavi", "Xavi Hernandez");
	fx_user("puyol", "Carles Puyol");
	return 0;
}

static void test_post_stores_indexes(void)
{
	struct fx_resp r =
		fx_req("POST", "/people/messi/activities", "messi",
		       "{\"object\":{\"objectType\":\"note\",\"content\":\"<p>Testejant la creació "
		       "d'un "
		       "#canvi d'estatus <script>x</script></p>\"},\"generator\":\"Twitter\"}",
		       NULL);
	CU_ASSERT_EQUAL(r.status, 201);
	const char *id = fx_str(&r, "id");
	json_object *obj = get(r.json, "object");
	CU_ASSERT_STRING_EQUAL(json_object_get_string(get(obj, "content")),
			       "Testejant la creació d'un #canvi d'estatus x");
	/* api.md 4.4: the create answer keeps hashtags, has no keywords, no deletable */
	CU_ASSERT_TRUE(has(obj, "hashtags"));
	CU_ASSERT_FALSE(has(obj, "keywords") || has(r.json, "keywords"));
	CU_ASSERT_FALSE(has(r.json, "deletable") || has(r.json, "liked") ||
			has(r.json, "favorited"));
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "lastComment"), id);
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "generator"), "Twitter");
	static const char *const words[] = {"testejant", "creació", "canvi",
					    "estatus",   "messi",   "lionel"};
	for (size_t i = 0; i < 6; i++)
		CU_ASSERT_EQUAL(has_token(id, 'k', words[i]), 1);
	CU_ASSERT_EQUAL(has_token(id, 'h', "canvi"), 1);
	CU_ASSERT_EQUAL(
		FX_SCALAR("SELECT count(*) FROM activities WHERE id = '%s' AND rid IN (SELECT"
			  " rowid FROM stream_fts WHERE stream_fts MATCH '{text} : estatus')",
			  id),
		1);
	/* the default keywords are not stored twice */
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT keywords_json IS NULL FROM activities WHERE id = '%s'",
				  id),
			1);
	fx_free(&r);
}

static void test_duplicate_guard(void)
{
	const char *body = "{\"object\":{\"objectType\":\"note\",\"content\":\"same thing\"}}";
	long long before = FX_SCALAR("SELECT count(*) FROM activities WHERE verb = 'post'");
	struct fx_resp a = fx_req("POST", "/people/xavi/activities", "xavi", body, NULL);
	struct fx_resp b = fx_req("POST", "/people/xavi/activities", "fxadmin", body, NULL);
	CU_ASSERT_EQUAL(a.status, 201);
	CU_ASSERT_EQUAL(b.status, 200);
	CU_ASSERT_STRING_EQUAL(fx_str(&a, "id"), fx_str(&b, "id"));
	/* the 200 answer carries the acting user's flags */
	CU_ASSERT_TRUE(has(b.json, "deletable"));
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM activities WHERE verb = 'post'"),
			before + 1);
	/* backdated: the post of now is "later than 60 s before" → the same */
	struct fx_resp c =
		fx_req("POST", "/people/xavi/activities", "xavi",
		       "{\"object\":{\"objectType\":\"note\",\"content\":\"same thing\"},"
		       "\"published\":\"2010-01-01T00:01:30.000Z\"}",
		       NULL);
	CU_ASSERT_EQUAL(c.status, 200);
	fx_free(&c);
	c = fx_req("POST", "/people/xavi/activities", "xavi",
		   "{\"object\":{\"objectType\":\"note\",\"content\":\"old thing\"},"
		   "\"published\":\"2010-01-01T00:01:30.000Z\"}",
		   NULL);
	CU_ASSERT_EQUAL(c.status, 201);
	CU_ASSERT_STRING_EQUAL(fx_str(&c, "published"), "2010-01-01T00:01:30Z");
	fx_free(&a);
	fx_free(&b);
	fx_free(&c);
}

static void test_rejected_posts_change_nothing(void)
{
	long long n = FX_SCALAR("SELECT count(*) FROM activities");
	long long t = FX_SCALAR("SELECT count(*) FROM stream_fts_idx");
	static const struct {
		const char *body, *error, *text;
	} bad[] = {
		{"{}", "MissingField", "Required parameter \"object\" not found in the request"},
		{"{\"object\":null}", "MissingField",
		 "Required parameter \"object\" found but empty"},
		{"{\"object\":\"x\"}", "ValidationError", NULL},
		{"{\"object\":{\"content\":\"x\"}}", "MissingField",
		 "Required parameter \"objectType\" not found in the request"},
		{"{\"object\":{\"objectType\":\"person\",\"content\":\"x\"}}", "ObjectNotSupported",
		 "Activitystrea.ms object type person unknown or unsupported"},
		{"{\"object\":{\"objectType\":\"note\"}}", "MissingField",
		 "Required parameter \"content\" not found in the request"},
		{"{\"object\":{\"objectType\":\"note\",\"content\":\"\"}}", "MissingField",
		 "Required parameter \"content\" found but empty"},
		{"{\"object\":{\"objectType\":\"note\",\"content\":5}}", "ValidationError", NULL},
		{"{\"object\":{\"objectType\":\"note\",\"content\":\"x\"},\"published\":"
		 "\"yesterday\"}",
		 "ValidationError",
		 "Validation error on field \"published\": not an RFC 3339 date"},
		{"{\"object\":{\"objectType\":\"note\",\"content\":\"x\"},\"generator\":[1]}",
		 "ValidationError", NULL},
		{"[1,2]", "ValidationError", "Unexpected data type in request"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct fx_resp r =
			fx_req("POST", "/people/messi/activities", "messi", bad[i].body, NULL);
		CU_ASSERT_EQUAL(r.status, 400);
		CU_ASSERT_STRING_EQUAL(fx_error(&r), bad[i].error);
		if (bad[i].text)
			CU_ASSERT_STRING_EQUAL(fx_str(&r, "error_description"), bad[i].text);
		fx_free(&r);
	}
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM activities"), n);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM stream_fts_idx"), t);
}

/* Group commit (fcgi/adapter.c): posts run in one batch keep the answers
 * they would get alone, the duplicate guard sees a post made earlier in
 * the same batch, and a refused post leaves the others in. */
static void test_batch_of_posts(void)
{
	const char *one = "{\"object\":{\"objectType\":\"note\",\"content\":\"batch one\"}}";
	const char *two = "{\"object\":{\"objectType\":\"note\",\"content\":\"batch two\"}}";
	fx_token("xavi"); /* tokens are issued before the batch, as osiris would */
	fx_token("messi");
	long long n = FX_SCALAR("SELECT count(*) FROM activities");
	CU_ASSERT_EQUAL_FATAL(store_batch_begin(&fx.db), 0);
	struct fx_resp a = fx_req("POST", "/people/xavi/activities", "xavi", one, NULL);
	struct fx_resp b = fx_req("POST", "/people/xavi/activities", "xavi", one, NULL);
	struct fx_resp c = fx_req("POST", "/people/messi/activities", "messi", "{}", NULL);
	struct fx_resp d = fx_req("POST", "/people/messi/activities", "messi", two, NULL);
	CU_ASSERT_EQUAL(store_batch_end(&fx.db, 1), 0);
	CU_ASSERT_EQUAL(a.status, 201);
	CU_ASSERT_EQUAL(b.status, 200);
	CU_ASSERT_STRING_EQUAL(fx_str(&a, "id"), fx_str(&b, "id"));
	CU_ASSERT_EQUAL(c.status, 400);
	CU_ASSERT_EQUAL(d.status, 201);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM activities"), n + 2);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM activities WHERE rid IN (SELECT rowid"
				  " FROM stream_fts WHERE stream_fts MATCH '{text} : batch')"),
			2);
	fx_free(&a);
	fx_free(&b);
	fx_free(&c);
	fx_free(&d);
}

static void test_keywords_follow_comments(void)
{
	const char *url = "http://unit.test/kw";
	mkctx(url, "{\"read\":\"public\",\"write\":\"subscribed\",\"subscribe\":\"restricted\"}",
	      NULL);
	subscribe("messi", url);
	subscribe("xavi", url);
	char id[25];
	snprintf(id, sizeof id, "%s",
		 post("messi", url, "[A] Testejant la creació d'un canvi d'estatus"));
	char cid[25];
	snprintf(cid, sizeof cid, "%s",
		 comment("xavi", id, "[C] Testejant un #comentari #nou a una activitat"));
	/* the original's test_activities_keyword_generation */
	const char *h = hash_of(url);
	CU_ASSERT_STRING_EQUAL(
		listing(fx_fmt("/contexts/%s/activities?keyword=comentari&keyword=creació", h),
			"messi"),
		id);
	CU_ASSERT_STRING_EQUAL(listing(fx_fmt("/contexts/%s/activities?keyword=xavi", h), "messi"),
			       id);
	CU_ASSERT_STRING_EQUAL(fx_fmt("%lld",
				      FX_SCALAR("SELECT json_array_length(keywords_json) FROM "
						"activities"
						" WHERE id = '%s'",
						id)),
			       "12");
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT last_comment = '%s' FROM activities WHERE id = '%s'", cid,
				  id),
			1);
	CU_ASSERT_STRING_EQUAL(
		listing(fx_fmt("/contexts/%s/activities?hashtag=nou&hashtag=comentari", h),
			"messi"),
		id);
	/* the comment's own entry: its object keywords, its author's words
	 * apart; its text finds the post */
	CU_ASSERT_EQUAL(has_token(cid, 'k', "comentari"), 1);
	CU_ASSERT_EQUAL(has_token(cid, 'k', "xavi"), 0);
	CU_ASSERT_EQUAL(has_token(cid, 'p', "xavi"), 1);
	CU_ASSERT_STRING_EQUAL(listing(fx_fmt("/contexts/%s/activities?q=activitat", h), "messi"),
			       id);
	/* deleting the comment: keywords back to the post's own, lastComment the
	 * post, hashtags stay (endpoints.md), the comment activity stays */
	CU_ASSERT_EQUAL(status("DELETE", fx_fmt("/activities/%s/comments/%s", id, cid), "xavi",
			       NULL),
			204);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT json_array_length(keywords_json) FROM activities"
				  " WHERE id = '%s'",
				  id),
			6);
	CU_ASSERT_STRING_EQUAL(listing(fx_fmt("/contexts/%s/activities?keyword=comentari", h),
				       "messi"),
			       "");
	CU_ASSERT_STRING_EQUAL(listing(fx_fmt("/contexts/%s/activities?keyword=creació", h),
				       "messi"),
			       id);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT last_comment IS NULL FROM activities WHERE id = '%s'",
				  id),
			1);
	CU_ASSERT_STRING_EQUAL(
		listing(fx_fmt("/contexts/%s/activities?hashtag=nou&hashtag=comentari", h),
			"messi"),
		id);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM activities WHERE id = '%s'", cid), 1);
	CU_ASSERT_STRING_EQUAL(listing(fx_fmt("/contexts/%s/activities?q=activitat", h), "messi"),
			       "");
	/* the same comment cannot be deleted twice */
	struct fx_resp r = fx_req("DELETE", fx_fmt("/activities/%s/comments/%s", id, cid),
				  "fxadmin", NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 404);
	CU_ASSERT_STRING_EQUAL(fx_error(&r), "ObjectNotFound");
	fx_free(&r);
}

static void test_marks_and_counters(void)
{
	const char *url = "http://unit.test/marks";
	mkctx(url, OPEN, NULL);
	subscribe("messi", url);
	subscribe("xavi", url);
	char id[25];
	snprintf(id, sizeof id, "%s", post("messi", url, "mark me"));
	CU_ASSERT_EQUAL(status("POST", fx_fmt("/activities/%s/likes", id), "xavi", NULL), 201);
	CU_ASSERT_EQUAL(status("POST", fx_fmt("/activities/%s/likes", id), "xavi", NULL), 200);
	CU_ASSERT_EQUAL(status("POST", fx_fmt("/activities/%s/likes", id), "messi", NULL), 201);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT likes_count FROM activities WHERE id = '%s'", id), 2);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM activities WHERE verb = 'like'"
				  " AND json_extract(object_json, '$.id') = '%s'",
				  id),
			2);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT length(last_like) FROM activities WHERE id = '%s'", id),
			27);
	CU_ASSERT_EQUAL(status("DELETE", fx_fmt("/activities/%s/likes/xavi", id), "xavi", NULL),
			204);
	CU_ASSERT_EQUAL(status("DELETE", fx_fmt("/activities/%s/likes/xavi", id), "xavi", NULL),
			403);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT likes_count FROM activities WHERE id = '%s'", id), 1);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM activities WHERE verb = 'unlike'"), 1);

	CU_ASSERT_EQUAL(status("POST", fx_fmt("/activities/%s/favorites", id), "xavi", NULL), 201);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT favorites_count FROM activities WHERE id = '%s'", id), 1);
	struct fx_resp r =
		fx_req("DELETE", fx_fmt("/activities/%s/favorites/xavi", id), "xavi", NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "verb"), "unfavorite");
	CU_ASSERT_EQUAL(json_object_get_int(get(get(r.json, "object"), "favoritesCount")), 0);
	fx_free(&r);
	/* a Manager may always unfavorite, the user only what he favorited */
	CU_ASSERT_EQUAL(status("DELETE", fx_fmt("/activities/%s/favorites/xavi", id), "xavi", NULL),
			403);
	CU_ASSERT_EQUAL(status("DELETE", fx_fmt("/activities/%s/favorites/xavi", id), "fxadmin",
			       NULL),
			200);

	/* flags: a contextless post cannot be flagged, not even by a Manager */
	char solo[25];
	snprintf(solo, sizeof solo, "%s", post("messi", NULL, "solo post to flag"));
	CU_ASSERT_EQUAL(status("POST", fx_fmt("/activities/%s/flag", solo), "fxadmin", NULL), 403);
	CU_ASSERT_EQUAL(status("POST", fx_fmt("/activities/%s/flag", id), "fxadmin", NULL), 201);
	CU_ASSERT_EQUAL(status("POST", fx_fmt("/activities/%s/flag", id), "fxadmin", NULL), 200);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT flag_state FROM activities WHERE id = '%s'", id), 1);
	CU_ASSERT_EQUAL(status("DELETE", fx_fmt("/activities/%s/flag", id), "fxadmin", NULL), 204);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT flag_state * 10 + (flagged IS NULL) FROM activities"
				  " WHERE id = '%s'",
				  id),
			21);
	/* nothing of this publishes */
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM outbox WHERE exchange = 'activity'"), 0);
}

static void test_delete_takes_marks_and_indexes(void)
{
	const char *url = "http://unit.test/del";
	mkctx(url, OPEN, NULL);
	subscribe("messi", url);
	subscribe("xavi", url);
	char id[25], cid[25];
	snprintf(id, sizeof id, "%s", post("messi", url, "to be deleted #gone"));
	snprintf(cid, sizeof cid, "%s", comment("xavi", id, "a reply"));
	CU_ASSERT_EQUAL(status("POST", fx_fmt("/activities/%s/likes", id), "xavi", NULL), 201);
	CU_ASSERT_EQUAL(status("POST", fx_fmt("/activities/%s/favorites", id), "xavi", NULL), 201);
	/* another member has no delete permission */
	CU_ASSERT_EQUAL(status("DELETE", fx_fmt("/activities/%s", id), "xavi", NULL), 403);
	CU_ASSERT_EQUAL(status("DELETE", fx_fmt("/activities/%s", id), "messi", NULL), 204);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM activities WHERE id = '%s'", id), 0);
	static const char *const tables[] = {"likes", "favorites"};
	for (size_t i = 0; i < 2; i++)
		CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM %s WHERE activity_id = '%s'",
					  tables[i], id),
				0);
	/* its full-text entry is gone (the index stays sound) */
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM stream_fts WHERE stream_fts MATCH"
				  " '{text} : deleted'"),
			0);
	CU_ASSERT_EQUAL(sqlite3_exec(fx.db.db,
				     "INSERT INTO stream_fts (stream_fts, rank)"
				     " VALUES ('integrity-check', 0)",
				     NULL, NULL, NULL),
			SQLITE_OK);
	/* the comment activity stays, out of any replies and post search */
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT reply_deleted FROM activities WHERE id = '%s'", cid), 1);
	CU_ASSERT_STRING_EQUAL(listing("/activities/comments?q=reply", "fxadmin"), cid);
	CU_ASSERT_EQUAL(status("GET", fx_fmt("/activities/%s", id), "fxadmin", NULL), 404);
	CU_ASSERT_EQUAL(status("GET", fx_fmt("/activities/%s", cid), "fxadmin", NULL), 200);
}

static void test_notifications_in_outbox(void)
{
	const char *posts = "http://unit.test/notify-posts",
		   *comments = "http://unit.test/notify-c", *quiet = "http://unit.test/quiet";
	mkctx(posts, OPEN, "\"posts\"");
	mkctx(comments, OPEN, "\"comments\"");
	mkctx(quiet, OPEN, "false");
	subscribe("puyol", posts);
	subscribe("puyol", comments);
	subscribe("puyol", quiet);
	long long before = FX_SCALAR("SELECT count(*) FROM outbox WHERE op = 'publish'");
	char a[25], b[25];
	snprintf(a, sizeof a, "%s", post("puyol", posts, "post notified"));
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM outbox WHERE op = 'publish'"
				  " AND exchange = 'activity' AND routing_key = '%s'"
				  " AND json_extract(body, '$.d.activityid') = '%s'"
				  " AND json_extract(body, '$.d.text') = 'post notified'"
				  " AND json_extract(body, '$.a') = 'a' AND json_extract(body, "
				  "'$.o') "
				  "= 'a'"
				  " AND json_extract(body, '$.u.u') = 'puyol'",
				  hash_of(posts), a),
			1);
	/* a comment in a "posts" context is not notified, in "comments" it is */
	comment("puyol", a, "not notified");
	snprintf(b, sizeof b, "%s", post("puyol", comments, "also notified"));
	char cid[25];
	snprintf(cid, sizeof cid, "%s", comment("puyol", b, "comment notified"));
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM outbox WHERE op = 'publish'"
				  " AND routing_key = '%s' AND json_extract(body, '$.d.commentid') "
				  "= "
				  "'%s'"
				  " AND json_extract(body, '$.d.activityid') = '%s'",
				  hash_of(comments), cid, b),
			1);
	post("puyol", quiet, "silent");
	post("puyol", NULL, "timeline post, silent");
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM outbox WHERE op = 'publish'"), before + 3);
	/* a rejected post leaves no outbox row */
	CU_ASSERT_EQUAL(status("POST", fx_fmt("/contexts/%s/activities", hash_of(posts)), "puyol",
			       "{\"object\":{\"objectType\":\"note\"}}"),
			400);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM outbox WHERE op = 'publish'"), before + 3);
}

/* ids (and lastComment keys) of a listing, in order */
struct page {
	int n;
	char id[64][25], key[64][25];
};

static void page_of(const char *path, const char *user, struct page *pg)
{
	pg->n = 0;
	struct fx_resp r = fx_req("GET", path, user, NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	for (size_t i = 0; r.json && i < json_object_array_length(r.json) && pg->n < 64; i++) {
		json_object *o = json_object_array_get_idx(r.json, i);
		snprintf(pg->id[pg->n], 25, "%s", json_object_get_string(get(o, "id")));
		snprintf(pg->key[pg->n], 25, "%s", json_object_get_string(get(o, "lastComment")));
		pg->n++;
	}
	fx_free(&r);
}

/* The whole order by brute force: the timeline's rows sorted by key. */
static const char *brute(const char *extra, const char *key, const char *after)
{
	static char out[8192];
	out[0] = 0;
	sqlite3_stmt *s = NULL;
	const char *sql =
		fx_fmt("SELECT id FROM activities WHERE verb = 'post' AND visible = 1 AND"
		       " (context_hash IN (SELECT hash FROM subscriptions WHERE username ="
		       " 'merger' AND perm_mask & 2) OR actor = 'merger') %s AND %s > '%s'"
		       " ORDER BY %s DESC",
		       extra, key, after ? after : "", key);
	CU_ASSERT_EQUAL(sqlite3_prepare_v2(fx.db.db, sql, -1, &s, NULL), SQLITE_OK);
	for (int n = 0; sqlite3_step(s) == SQLITE_ROW; n++) {
		if (n)
			strcat(out, ",");
		strcat(out, (const char *)sqlite3_column_text(s, 0));
	}
	sqlite3_finalize(s);
	return out;
}

/* Every page of a listing walked with `before` = the last key shown. */
static const char *walk(const char *query, int limit, int by_comments)
{
	static char out[8192];
	char before[25] = "";
	out[0] = 0;
	for (int pages = 0; pages < 100; pages++) {
		struct page pg;
		page_of(fx_fmt("/people/merger/timeline?limit=%d%s%s%s", limit, query,
			       before[0] ? "&before=" : "", before),
			"merger", &pg);
		if (!pg.n)
			break;
		for (int i = 0; i < pg.n; i++) {
			if (*out)
				strcat(out, ",");
			strcat(out, pg.id[i]);
		}
		snprintf(before, sizeof before, "%s",
			 by_comments ? pg.key[pg.n - 1] : pg.id[pg.n - 1]);
	}
	return out;
}

/* The merge over context heads against a plain ORDER BY of the same rows,
 * page by page, plain, filtered, by lastComment and after an item. */
static void test_timeline_merge_matches_brute_force(void)
{
	fx_user("merger", "Merger");
	fx_user("writer", "Writer");
	const char *urls[] = {"http://unit.test/m1", "http://unit.test/m2", "http://unit.test/m3",
			      "http://unit.test/m4", "http://unit.test/m5"};
	for (int i = 0; i < 5; i++) {
		mkctx(urls[i], OPEN, NULL);
		subscribe("writer", urls[i]);
		if (i < 4)
			subscribe("merger", urls[i]);
	}
	/* a context he lost read in: its posts are not his to see */
	CU_ASSERT_EQUAL(status("DELETE",
			       fx_fmt("/contexts/%s/permissions/merger/read", hash_of(urls[3])),
			       "fxadmin", NULL),
			201);
	/* uneven contexts (m1 busy, m2 quiet), the reader's own posts, a
	 * context he is not in, hashtags on some, comments on others */
	char ids[40][25];
	for (int i = 0; i < 40; i++) {
		int k = i % 9 < 5 ? 0 : i % 9 < 6 ? 1 : 2 + i % 3;
		snprintf(ids[i], sizeof ids[i], "%s",
			 i % 8 == 3 ? post("merger", NULL, fx_fmt("own %d #taga", i))
				    : post("writer", urls[k],
					   fx_fmt("merge %d%s", i, i % 3 ? "" : " #taga")));
	}
	for (int i = 0; i < 40; i += 7)
		comment("writer", ids[i], "bump");
	CU_ASSERT_STRING_EQUAL(walk("", 4, 0), brute("", "id", NULL));
	CU_ASSERT_STRING_EQUAL(walk("", 1, 0), brute("", "id", NULL));
	CU_ASSERT_STRING_EQUAL(walk("", 7, 0), brute("", "id", NULL));
	const char *tagged = "AND EXISTS (SELECT 1 FROM json_each(object_json, '$.hashtags')"
			     " WHERE value = 'taga')";
	CU_ASSERT_STRING_EQUAL(walk("&hashtag=taga", 3, 0), brute(tagged, "id", NULL));
	CU_ASSERT_STRING_EQUAL(walk("&sort=published&priority=comments", 3, 1),
			       brute("", "IFNULL(last_comment, id)", NULL));
	CU_ASSERT_STRING_EQUAL(walk("&sort=published&priority=comments&hashtag=taga", 2, 1),
			       brute(tagged, "IFNULL(last_comment, id)", NULL));
	/* after: the newest items above it, newest first */
	char all[8192], want[512] = "";
	snprintf(all, sizeof all, "%s", brute("", "id", ids[20]));
	int n = 0;
	for (char *t = strtok(all, ","); t && n < 5; t = strtok(NULL, ","), n++)
		snprintf(want + strlen(want), sizeof want - strlen(want), "%s%s", n ? "," : "", t);
	CU_ASSERT_STRING_EQUAL(listing(fx_fmt("/people/merger/timeline?limit=5&after=%s", ids[20]),
				       "merger"),
			       want);
	/* limit=0 is everything (capped) */
	CU_ASSERT_STRING_EQUAL(listing("/people/merger/timeline?limit=0", "merger"),
			       brute("", "id", NULL));
}

static void test_likes_order_pages_across_ties(void)
{
	const char *url = "http://unit.test/likes-order";
	mkctx(url, OPEN, NULL);
	const char *users[] = {"l1", "l2", "l3", "l4", "l5"};
	for (int i = 0; i < 5; i++) {
		fx_user(users[i], users[i]);
		subscribe(users[i], url);
	}
	char ids[8][25];
	for (int i = 0; i < 8; i++)
		snprintf(ids[i], sizeof ids[i], "%s", post("l1", url, fx_fmt("liked %d", i)));
	/* counts: 0→3, 1→1, 2→3, 3→0, 4→1, 5→3, 6→0, 7→2; liked in this order */
	const int likes[][2] = {{0, 0}, {0, 1}, {1, 0}, {2, 0}, {2, 1}, {0, 2}, {4, 0},
				{5, 0}, {5, 1}, {2, 2}, {5, 2}, {7, 0}, {7, 1}};
	for (size_t i = 0; i < sizeof likes / sizeof likes[0]; i++)
		CU_ASSERT_EQUAL(status("POST", fx_fmt("/activities/%s/likes", ids[likes[i][0]]),
				       users[likes[i][1]], NULL),
				201);
	/* 3 likes, newest last like first: 5, 2, 0; then 7; then 4, 1; then
	 * the unliked newest first: 6, 3 */
	char want[256];
	snprintf(want, sizeof want, "%s,%s,%s,%s,%s,%s,%s,%s", ids[5], ids[2], ids[0], ids[7],
		 ids[4], ids[1], ids[6], ids[3]);
	CU_ASSERT_STRING_EQUAL(listing(fx_fmt("/contexts/%s/activities?sort=likes", hash_of(url)),
				       "l1"),
			       want);
	char got[1024] = "", before[25] = "";
	for (int page = 0; page < 8; page++) {
		const char *p = listing(fx_fmt("/contexts/%s/activities?sort=likes&limit=3%s%s",
					       hash_of(url), before[0] ? "&before=" : "", before),
					"l1");
		if (!*p)
			break;
		if (*got)
			strcat(got, ",");
		strcat(got, p);
		const char *last = strrchr(p, ',');
		snprintf(before, sizeof before, "%s", last ? last + 1 : p);
	}
	CU_ASSERT_STRING_EQUAL(got, want);
	/* the same through the timeline, in pages of 1 */
	got[0] = before[0] = 0;
	for (int page = 0; page < 10; page++) {
		const char *p = listing(fx_fmt("/people/l2/timeline?sort=likes&limit=1%s%s",
					       before[0] ? "&before=" : "", before),
					"l2");
		if (!*p)
			break;
		if (*got)
			strcat(got, ",");
		strcat(got, p);
		snprintf(before, sizeof before, "%s", p);
	}
	CU_ASSERT_STRING_EQUAL(got, want);
	/* HEAD counts what follows `before` in the same order */
	struct fx_resp r =
		fx_req("HEAD",
		       fx_fmt("/contexts/%s/activities?sort=likes&before=%s", hash_of(url), ids[7]),
		       "l1", NULL, NULL);
	CU_ASSERT_STRING_EQUAL(fx_header(&r, "X-totalItems"), "4");
	fx_free(&r);
	/* an unknown item to continue after */
	r = fx_req("GET",
		   fx_fmt("/contexts/%s/activities?sort=likes&before=%s", hash_of(url),
			  "000000000000000000000000"),
		   "l1", NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 404);
	fx_free(&r);
}

static void test_flagged_order(void)
{
	const char *url = "http://unit.test/flag-order";
	mkctx(url, OPEN, NULL);
	fx_user("f1", "F1");
	subscribe("f1", url);
	char ids[6][25];
	for (int i = 0; i < 6; i++)
		snprintf(ids[i], sizeof ids[i], "%s", post("f1", url, fx_fmt("flagged %d", i)));
	const int order[] = {0, 3, 1, 5};
	for (int i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(status("POST", fx_fmt("/activities/%s/flag", ids[order[i]]),
				       "fxadmin", NULL),
				201);
	/* unflagged (null) counts as never flagged */
	CU_ASSERT_EQUAL(status("DELETE", fx_fmt("/activities/%s/flag", ids[3]), "fxadmin", NULL),
			204);
	char want[256];
	snprintf(want, sizeof want, "%s,%s,%s,%s,%s,%s", ids[5], ids[1], ids[0], ids[4], ids[3],
		 ids[2]);
	CU_ASSERT_STRING_EQUAL(listing("/people/f1/timeline?sort=flagged", "f1"), want);
	CU_ASSERT_STRING_EQUAL(listing(fx_fmt("/people/f1/timeline?sort=flagged&limit=2&before=%s",
					      ids[1]),
				       "f1"),
			       fx_fmt("%s,%s", ids[0], ids[4]));
	CU_ASSERT_STRING_EQUAL(
		listing(fx_fmt("/people/f1/timeline?sortBy=flagged&limit=2&before=%s", ids[4]),
			"f1"),
		fx_fmt("%s,%s", ids[3], ids[2]));
}

static void test_full_text_search(void)
{
	const char *url = "http://unit.test/fts";
	mkctx(url, OPEN, NULL);
	fx_user("reader", "Reader");
	subscribe("reader", url);
	char a[25], b[25], c[25];
	snprintf(a, sizeof a, "%s", post("reader", url, "La creació del món"));
	snprintf(b, sizeof b, "%s", post("reader", url, "<b>Barça</b> guanya la lliga"));
	snprintf(c, sizeof c, "%s", post("reader", url, "res a veure"));
	char cid[25];
	snprintf(cid, sizeof cid, "%s", comment("reader", c, "parlem de la creacio igualment"));
	const char *h = hash_of(url);
	/* diacritics fold; a post matches by its replies too; newest first */
	CU_ASSERT_STRING_EQUAL(listing(fx_fmt("/contexts/%s/activities?q=creacio", h), "reader"),
			       fx_fmt("%s,%s", c, a));
	CU_ASSERT_STRING_EQUAL(listing(fx_fmt("/contexts/%s/activities?q=barca+lliga", h),
				       "reader"),
			       b);
	CU_ASSERT_STRING_EQUAL(listing(fx_fmt("/contexts/%s/activities?q=lli*", h), "reader"), b);
	/* tags are not text */
	CU_ASSERT_STRING_EQUAL(listing(fx_fmt("/contexts/%s/activities?q=b", h), "reader"), "");
	/* hostile FTS syntax is just words */
	CU_ASSERT_STRING_EQUAL(listing(fx_fmt("/contexts/%s/activities?q=%%22NEAR(%%20OR%%20*", h),
				       "reader"),
			       "");
	/* comment listings search the comment's own text */
	CU_ASSERT_STRING_EQUAL(listing("/activities/comments?q=igualment", "fxadmin"), cid);
	CU_ASSERT_STRING_EQUAL(listing("/people/reader/timeline?q=creacio&limit=1", "reader"), c);
	/* once the comment is deleted the post no longer matches through it */
	CU_ASSERT_EQUAL(status("DELETE", fx_fmt("/activities/%s/comments/%s", c, cid), "reader",
			       NULL),
			204);
	CU_ASSERT_STRING_EQUAL(listing(fx_fmt("/contexts/%s/activities?q=creacio", h), "reader"),
			       a);
	struct fx_resp r =
		fx_req("GET", "/people/reader/timeline?q=a+b+c+d+e+f+g+h+i+j+k+l+m+n+o+p+q",
		       "reader", NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 400);
	CU_ASSERT_STRING_EQUAL(fx_error(&r), "InvalidSearchParams");
	fx_free(&r);
}

static void test_maintenance_rebuilds(void)
{
	/* damage the derived state, then rebuild it */
	CU_ASSERT_EQUAL(fx_scalar("SELECT count(*) FROM activities WHERE verb = 'post'") > 10, 1);
	long long txt = fx_scalar("SELECT count(*) FROM stream_fts WHERE stream_fts MATCH"
				  " '{text} : creacio'");
	long long lastc =
		fx_scalar("SELECT count(*) FROM activities WHERE last_comment IS NOT NULL");
	CU_ASSERT(txt > 0 && lastc > 0);
	sqlite3_exec(fx.db.db,
		     "INSERT INTO stream_fts (stream_fts) VALUES ('delete-all');"
		     " UPDATE activities SET last_comment = NULL WHERE verb = 'post'",
		     NULL, NULL, NULL);
	struct fx_resp r = fx_req("POST", "/admin/maintenance/keywords", "fxadmin", NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_STRING_EQUAL(r.raw.body.data, "[]");
	fx_free(&r);
	CU_ASSERT_EQUAL(status("POST", "/admin/maintenance/dates", "fxadmin", NULL), 200);
	CU_ASSERT_EQUAL(fx_scalar("SELECT count(*) FROM stream_fts WHERE stream_fts MATCH"
				  " '{text} : creacio'"),
			txt);
	CU_ASSERT_EQUAL(fx_scalar("SELECT count(*) FROM activities WHERE last_comment IS NOT NULL"),
			lastc);
	CU_ASSERT_EQUAL(sqlite3_exec(fx.db.db,
				     "INSERT INTO stream_fts (stream_fts, rank)"
				     " VALUES ('integrity-check', 0)",
				     NULL, NULL, NULL),
			SQLITE_OK);
	/* #93: permission lists back to the policy, bindings of notifying
	 * contexts made again */
	const char *h = hash_of("http://unit.test/notify-posts");
	sqlite3_exec(fx.db.db,
		     fx_fmt("UPDATE subscriptions SET perm_mask = 0, permissions_json = '[]'"
			    " WHERE hash = '%s'",
			    h),
		     NULL, NULL, NULL);
	long long binds = fx_scalar("SELECT count(*) FROM outbox WHERE op = 'bind'");
	CU_ASSERT_EQUAL(status("POST", "/admin/maintenance/subscriptions", "fxadmin", NULL), 200);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM subscriptions WHERE hash = '%s'"
				  " AND perm_mask & 6 = 6 AND permissions_json LIKE "
				  "'%%\"write\"%%'",
				  h),
			FX_SCALAR("SELECT count(*) FROM subscriptions WHERE hash = '%s'", h));
	CU_ASSERT(FX_SCALAR("SELECT count(*) FROM subscriptions WHERE hash = '%s'", h) > 0);
	CU_ASSERT(fx_scalar("SELECT count(*) FROM outbox WHERE op = 'bind'") > binds);
	CU_ASSERT_EQUAL(status("POST", "/admin/maintenance/keywords", "messi", NULL), 403);
}

/* Rows written by one request (SQLite's total_changes(), triggers
 * included). */
static long long written(const char *method, const char *path, const char *user, const char *body,
			 int want)
{
	long long before = fx_scalar("SELECT total_changes()");
	CU_ASSERT_EQUAL(status(method, path, user, body), want);
	return fx_scalar("SELECT total_changes()") - before;
}

/* Commenting, uncommenting and liking write as many rows on a post with
 * many replies as on a fresh one (each comment brings a word of its own,
 * so a rewrite of the post's keyword rows would show). */
static void test_comment_cost_constant(void)
{
	const char *url = "http://unit.test/cost";
	mkctx(url, OPEN, NULL);
	subscribe("xavi", url);
	char id[25], cids[2][25], path[96];
	snprintf(id, sizeof id, "%s", post("xavi", url, "cost audit"));
	snprintf(path, sizeof path, "/activities/%s/comments", id);
	long long first = 0, last = 0;
	for (int i = 0; i < 60; i++) {
		long long n = written("POST", path, "xavi",
				      fx_fmt("{\"object\":{\"objectType\":\"comment\",\"content\":"
					     "\"paraula%d #etiqueta%d\"}}",
					     i + 100, i + 100),
				      201);
		if (i == 1)
			first = n;
		if (i == 59)
			last = n;
	}
	CU_ASSERT(first > 0);
	CU_ASSERT_EQUAL(first, last);
	/* its own words and one per comment */
	long long nkw = FX_SCALAR("SELECT json_array_length(keywords_json) FROM activities"
				  " WHERE id = '%s'",
				  id);
	CU_ASSERT(nkw > 60);
	/* deleting an early and a late reply: the same rows */
	struct fx_resp r = fx_req("GET", path, "xavi", NULL, NULL);
	CU_ASSERT_EQUAL(json_object_array_length(r.json), 60);
	for (int k = 0; k < 2; k++)
		snprintf(cids[k], 25, "%s",
			 json_object_get_string(
				 get(json_object_array_get_idx(r.json, k ? 56 : 2), "id")));
	fx_free(&r);
	long long d1 = written("DELETE", fx_fmt("%s/%s", path, cids[0]), "xavi", NULL, 204);
	long long d2 = written("DELETE", fx_fmt("%s/%s", path, cids[1]), "xavi", NULL, 204);
	CU_ASSERT(d1 > 0);
	CU_ASSERT_EQUAL(d1, d2);
	const char *h = hash_of(url);
	CU_ASSERT_STRING_EQUAL(listing(fx_fmt("/contexts/%s/activities?keyword=paraula102", h),
				       "xavi"),
			       "");
	CU_ASSERT_STRING_EQUAL(listing(fx_fmt("/contexts/%s/activities?keyword=paraula156", h),
				       "xavi"),
			       "");
	CU_ASSERT_STRING_EQUAL(listing(fx_fmt("/contexts/%s/activities?keyword=paraula103", h),
				       "xavi"),
			       id);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT json_array_length(keywords_json) FROM activities"
				  " WHERE id = '%s'",
				  id),
			nkw - 4); /* paraulaN and etiquetaN of each */
	/* deleting the newest reply: lastComment the one before */
	r = fx_req("GET", path, "xavi", NULL, NULL);
	size_t n = json_object_array_length(r.json);
	char newest[25], before[25];
	snprintf(newest, sizeof newest, "%s",
		 json_object_get_string(get(json_object_array_get_idx(r.json, n - 1), "id")));
	snprintf(before, sizeof before, "%s",
		 json_object_get_string(get(json_object_array_get_idx(r.json, n - 2), "id")));
	fx_free(&r);
	CU_ASSERT_EQUAL(status("DELETE", fx_fmt("%s/%s", path, newest), "xavi", NULL), 204);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT last_comment = '%s' FROM activities WHERE id = '%s'",
				  before, id),
			1);
}

/* HEAD runs the permission checks of GET: the one-activity reads answer
 * 403 to a user who may not GET them, as GET does; traversal still
 * applies. */
static void test_head_checks_permission(void)
{
	mkctx("http://unit.test/head-closed", OPEN, NULL);
	subscribe("messi", "http://unit.test/head-closed");
	const char *id = post("messi", "http://unit.test/head-closed", "head audit");
	CU_ASSERT_EQUAL(status("GET", fx_fmt("/activities/%s", id), "puyol", NULL), 403);
	CU_ASSERT_EQUAL(status("HEAD", fx_fmt("/activities/%s", id), "puyol", NULL), 403);
	CU_ASSERT_EQUAL(status("GET", fx_fmt("/activities/%s/comments", id), "puyol", NULL), 403);
	CU_ASSERT_EQUAL(status("HEAD", fx_fmt("/activities/%s/comments", id), "puyol", NULL), 403);
	CU_ASSERT_EQUAL(status("HEAD", fx_fmt("/activities/%s", id), "messi", NULL), 200);
	CU_ASSERT_EQUAL(status("HEAD", "/activities/0123456789abcdef01234567", "puyol", NULL), 404);
	CU_ASSERT_EQUAL(status("HEAD", fx_fmt("/activities/%s", id), NULL, NULL), 401);
}

/* api.md 1.4, unlike the original: content is created as somebody else only by Managers; endpoints.md,
 * endpoints.md statuses of the edge cases. */
static void test_acting_and_edges(void)
{
	const char *id = post("messi", NULL, "edges audit");
	const char *as_xavi = "{\"actor\":{\"objectType\":\"person\",\"username\":\"xavi\"},"
			      "\"object\":{\"objectType\":\"comment\",\"content\":\"c\"}}";
	long long before = fx_scalar("SELECT count(*) FROM activities");
	CU_ASSERT_EQUAL(status("POST", fx_fmt("/activities/%s/comments", id), "puyol", as_xavi),
			403);
	CU_ASSERT_EQUAL(status("POST", fx_fmt("/activities/%s/likes", id), "puyol",
			       "{\"actor\":{\"objectType\":\"person\",\"username\":\"xavi\"}}"),
			403);
	CU_ASSERT_EQUAL(status("POST", "/people/puyol/activities", "puyol",
			       "{\"actor\":{\"objectType\":\"person\",\"username\":\"xavi\"},"
			       "\"object\":{\"objectType\":\"note\",\"content\":\"x\"}}"),
			403);
	CU_ASSERT_EQUAL(fx_scalar("SELECT count(*) FROM activities"), before);
	CU_ASSERT_EQUAL(status("POST", fx_fmt("/activities/%s/comments", id), "fxadmin", as_xavi),
			201);
	CU_ASSERT_EQUAL(status("DELETE",
			       fx_fmt("/activities/%s/comments/0123456789abcdef01234567", id),
			       "fxadmin", NULL),
			404);
	CU_ASSERT_EQUAL(status("DELETE", fx_fmt("/activities/%s/likes/puyol", id), "puyol", NULL),
			403);
	CU_ASSERT_EQUAL(status("POST", fx_fmt("/activities/%s/flag", id), "fxadmin", NULL), 403);
	struct fx_resp r = fx_req("POST", "/people/puyol/activities", "puyol",
				  "{\"published\":\"2010-01-01T00:01:30.5+02:00\","
				  "\"object\":{\"objectType\":\"note\",\"content\":\"dated\"}}",
				  NULL);
	CU_ASSERT_EQUAL(r.status, 201);
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "published"), "2009-12-31T22:01:30Z");
	fx_free(&r);
}

/* Schema 012: the full-text index's leaves are about 1000 bytes, so that a
 * post's small segment fits beside them (WAL pages per post, bench/); a
 * merged index still finds every post by its words and keywords. */
static void test_full_text_leaves_small(void)
{
	for (int i = 0; i < 120; i++)
		post("puyol", NULL, fx_fmt("Entrenament lleuger numero %d del dimarts", i));
	CU_ASSERT_EQUAL(sqlite3_exec(fx.db.db,
				     "INSERT INTO stream_fts (stream_fts) VALUES ('optimize')",
				     NULL, NULL, NULL),
			SQLITE_OK);
	/* segment leaves (rowids from segment id << 37 on; below are FTS5's
	 * own records): several of them, none near the 4050-byte default */
	CU_ASSERT_TRUE(FX_SCALAR("SELECT count(*) FROM stream_fts_data WHERE id >= 1 << 37") >= 4);
	CU_ASSERT_TRUE(FX_SCALAR("SELECT max(length(block)) FROM stream_fts_data"
				 " WHERE id >= 1 << 37") < 1500);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM stream_fts WHERE stream_fts MATCH"
				  " '{text} : lleuger'"),
			120);
	const char *ids = listing("/people/puyol/activities?keyword=dimarts&limit=200", "puyol");
	int n = *ids ? 1 : 0;
	for (const char *c = ids; *c; c++)
		n += *c == ',';
	CU_ASSERT_EQUAL(n, 120);
}

UNIT_SUITE(activities, init, fx_cleanup)
{
	UNIT_TEST(s, test_post_stores_indexes);
	UNIT_TEST(s, test_duplicate_guard);
	UNIT_TEST(s, test_rejected_posts_change_nothing);
	UNIT_TEST(s, test_batch_of_posts);
	UNIT_TEST(s, test_keywords_follow_comments);
	UNIT_TEST(s, test_comment_cost_constant);
	UNIT_TEST(s, test_marks_and_counters);
	UNIT_TEST(s, test_delete_takes_marks_and_indexes);
	UNIT_TEST(s, test_notifications_in_outbox);
	UNIT_TEST(s, test_timeline_merge_matches_brute_force);
	UNIT_TEST(s, test_likes_order_pages_across_ties);
	UNIT_TEST(s, test_flagged_order);
	UNIT_TEST(s, test_full_text_search);
	UNIT_TEST(s, test_full_text_leaves_small);
	UNIT_TEST(s, test_maintenance_rebuilds);
	UNIT_TEST(s, test_head_checks_permission);
	UNIT_TEST(s, test_acting_and_edges);
}
