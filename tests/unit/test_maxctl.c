/*
 * test_maxctl.c — the model behind maxctl's data commands, over a temp
 * database filled through the API: a person's export (every section, no
 * secret), their erasure (what goes, what stays as a tombstone, counters
 * and checks afterwards), the statistics, checking and restoring a copy,
 * and the explanation of every configuration key.
 */
#include "fixture.h"
#include "model/admin.h"
#include "model/erase.h"
#include "model/export.h"
#include "model/media.h"
#include "model/stats.h"
#include "store/maintain.h"
#include "unit.h"
#include "util/ids.h"

#include "../../tools/maxctl/maxctl.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char post_a[25], post_b[25], conv[25], avatar[512];
#define URL "http://unit.test/ops"

static const char *id_of(struct fx_resp *r, char out[25])
{
	snprintf(out, 25, "%s", fx_str(r, "id"));
	fx_free(r);
	return out;
}

static int status(const char *method, const char *path, const char *user, const char *body)
{
	struct fx_resp r = fx_req(method, path, user, body, NULL);
	int s = r.status;
	fx_free(&r);
	return s;
}

static void subscribe(const char *user, const char *hash)
{
	CU_ASSERT_EQUAL(status("POST", fx_fmt("/contexts/%s/subscriptions", hash), "fxadmin",
			       fx_fmt("{\"actor\":{\"objectType\":\"person\",\"username\":\"%s\"}}",
				      user)),
			201);
}

/* ana posts, bob comments on it; bob posts, ana comments, likes and
 * favourites it; a conversation ana-bob with a message each; ana's
 * device, avatar and password. */
static void seed(void)
{
	char hash[41];
	hash_sha1_hex(URL, strlen(URL), hash);
	fx_user("ana", "Ana Example");
	fx_user("bob", "Bob");
	CU_ASSERT_EQUAL(status("POST", "/contexts", "fxadmin",
			       "{\"url\":\"" URL "\",\"permissions\":{\"read\":\"subscribed\","
			       "\"write\":\"subscribed\",\"subscribe\":\"public\"}}"),
			201);
	subscribe("ana", hash);
	subscribe("bob", hash);
#define NOTE                                                                                       \
	"{\"object\":{\"objectType\":\"note\",\"content\":\"%s\"},"                                \
	"\"contexts\":[{\"objectType\":\"context\",\"url\":\"" URL "\"}]}"
#define COMMENT "{\"object\":{\"objectType\":\"comment\",\"content\":\"%s\"}}"
	struct fx_resp r =
		fx_req("POST", "/people/ana/activities", "ana", fx_fmt(NOTE, "from ana"), NULL);
	CU_ASSERT_EQUAL(r.status, 201);
	id_of(&r, post_a);
	r = fx_req("POST", "/people/bob/activities", "bob", fx_fmt(NOTE, "from bob"), NULL);
	id_of(&r, post_b);
	CU_ASSERT_EQUAL(status("POST", fx_fmt("/activities/%s/comments", post_a), "bob",
			       fx_fmt(COMMENT, "bob on ana")),
			201);
	CU_ASSERT_EQUAL(status("POST", fx_fmt("/activities/%s/comments", post_b), "ana",
			       fx_fmt(COMMENT, "ana on bob")),
			201);
	CU_ASSERT_EQUAL(status("POST", fx_fmt("/activities/%s/likes", post_b), "ana", NULL), 201);
	CU_ASSERT_EQUAL(status("POST", fx_fmt("/activities/%s/favorites", post_b), "ana", NULL),
			201);
	r = fx_req("POST", "/conversations", "ana",
		   "{\"contexts\":[{\"objectType\":\"conversation\",\"participants\":[\"ana\","
		   "\"bob\"]}],\"object\":{\"objectType\":\"note\",\"content\":\"secret hi\"}}",
		   NULL);
	CU_ASSERT_EQUAL(r.status, 201);
	json_object *ctxs = NULL, *id = NULL;
	if (json_object_object_get_ex(r.json, "contexts", &ctxs))
		json_object_object_get_ex(json_object_array_get_idx(ctxs, 0), "id", &id);
	snprintf(conv, sizeof conv, "%s", id ? json_object_get_string(id) : "");
	fx_free(&r);
	CU_ASSERT_EQUAL(status("POST", fx_fmt("/conversations/%s/messages", conv), "bob",
			       "{\"object\":{\"objectType\":\"note\",\"content\":\"bob "
			       "answers\"}}"),
			201);
	CU_ASSERT_EQUAL(status("POST", "/tokens", "ana",
			       "{\"token\":\"device-token-0123456789\",\"platform\":\"ios\"}"),
			201);
	snprintf(avatar, sizeof avatar, "%s/people/an/ana",
		 config_get(&fx.cfg, "store", "avatars"));
	CU_ASSERT_EQUAL(media_write_file(avatar, "png", 3), 0);
}

static int suite_init(void)
{
	if (fx_init() != 0)
		return -1;
	config_set(&fx.cfg, "store", "files", fx_fmt("%s/files", fx.dir));
	config_set(&fx.cfg, "store", "avatars", fx_fmt("%s/avatars", fx.dir));
	return 0;
}

static json_object *section(json_object *doc, const char *key)
{
	json_object *v = NULL;
	json_object_object_get_ex(doc, key, &v);
	return v;
}

static size_t count(json_object *doc, const char *key)
{
	json_object *v = section(doc, key);
	return v && json_object_is_type(v, json_type_array) ? json_object_array_length(v) : 99;
}

static void test_export(void)
{
	seed();
	json_object *doc = NULL;
	CU_ASSERT_EQUAL(store_begin_read(&fx.db), 0);
	CU_ASSERT_EQUAL(export_person(&fx.db, &fx.cfg, "ana", &doc), MAX_OK);
	store_rollback(&fx.db);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	json_object *profile = section(doc, "profile");
	CU_ASSERT_STRING_EQUAL(json_object_get_string(section(profile, "displayName")),
			       "Ana Example");
	CU_ASSERT_EQUAL(count(doc, "subscriptions"), 1);
	/* her post and her comment (plus her like/favourite activities, if any) */
	CU_ASSERT(count(doc, "activities") >= 2);
	CU_ASSERT_EQUAL(count(doc, "likes"), 1);
	CU_ASSERT_EQUAL(count(doc, "favorites"), 1);
	CU_ASSERT_EQUAL(count(doc, "conversations"), 1);
	CU_ASSERT_EQUAL(count(doc, "messages"), 1);
	CU_ASSERT_EQUAL(count(doc, "devices"), 1);
	CU_ASSERT_EQUAL(count(doc, "oauth_tokens"), 1);
	CU_ASSERT_EQUAL(count(doc, "files"), 1);
	const char *text = json_object_to_json_string(doc);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "from ana"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "secret hi"));
	CU_ASSERT_PTR_NULL(strstr(text, "bob answers")); /* bob's, not hers */
	/* secrets never leave: the device token masked, no token or password hash */
	CU_ASSERT_PTR_NULL(strstr(text, "device-token-0123456789"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "devi***************6789"));
	CU_ASSERT_PTR_NULL(strstr(text, "token_hash"));
	json_object_put(doc);
	/* somebody MAX does not know: an export with a null profile */
	CU_ASSERT_EQUAL(export_person(&fx.db, &fx.cfg, "nobody", &doc), MAX_OK);
	CU_ASSERT_PTR_NULL(section(doc, "profile"));
	CU_ASSERT_EQUAL(count(doc, "activities"), 0);
	json_object_put(doc);
}

static void test_mask(void)
{
	char out[64];
	export_mask_token("abcdefghijklmnop", out, sizeof out);
	CU_ASSERT_STRING_EQUAL(out, "abcd********mnop");
	export_mask_token("short", out, sizeof out);
	CU_ASSERT_STRING_EQUAL(out, "*****");
}

static void no_problem(void *arg, const char *check, const char *row)
{
	(*(int *)arg)++;
}

static void orphan(void *arg, const char *what, long long n)
{
	(*(int *)arg)++;
}

/* after test_export: ana erased */
static void test_forget(void)
{
	struct erase_counts n;
	json_object *files = NULL;
	long long bob_msgs = fx_scalar("SELECT count(*) FROM messages WHERE actor = 'bob'");
	CU_ASSERT_EQUAL(store_begin(&fx.db), 0);
	CU_ASSERT_EQUAL(erase_person(&fx.db, &fx.cfg, "ana", &n, &files), MAX_OK);
	CU_ASSERT_EQUAL(store_commit(&fx.db), 0);
	CU_ASSERT_EQUAL(erase_files(files), 1);
	json_object_put(files);
	CU_ASSERT(access(avatar, F_OK) != 0);
	CU_ASSERT(n.activities >= 2);
	CU_ASSERT_EQUAL(n.likes, 1);
	CU_ASSERT_EQUAL(n.favorites, 1);
	CU_ASSERT_EQUAL(n.messages, 1);
	CU_ASSERT_EQUAL(n.devices, 1);
	CU_ASSERT_EQUAL(fx_scalar("SELECT count(*) FROM people WHERE username = 'ana'"), 0);
	CU_ASSERT_EQUAL(fx_scalar("SELECT count(*) FROM activities WHERE actor = 'ana'"), 0);
	CU_ASSERT_EQUAL(fx_scalar("SELECT count(*) FROM subscriptions WHERE username = 'ana'"), 0);
	CU_ASSERT_EQUAL(fx_scalar("SELECT count(*) FROM oauth_tokens WHERE username = 'ana'"), 0);
	CU_ASSERT_EQUAL(fx_scalar("SELECT count(*) FROM device_tokens WHERE owner = 'ana'"), 0);
	CU_ASSERT_EQUAL(fx_scalar("SELECT count(*) FROM likes WHERE username = 'ana'"), 0);
	/* bob's post: her like and favourite withdrawn, her comment gone */
	CU_ASSERT_EQUAL(fx_scalar(fx_fmt("SELECT likes_count + favorites_count FROM activities"
					 " WHERE id = '%s'",
					 post_b)),
			0);
	CU_ASSERT_EQUAL(fx_scalar(fx_fmt("SELECT count(*) FROM activities WHERE in_reply_to = '%s'",
					 post_b)),
			0);
	/* bob's comment left the deleted post's replies */
	CU_ASSERT_EQUAL(fx_scalar(fx_fmt("SELECT count(*) FROM activities WHERE in_reply_to = '%s'"
					 " AND reply_deleted = 0",
					 post_a)),
			0);
	/* her message: a tombstone, in place; bob's untouched */
	CU_ASSERT_EQUAL(fx_scalar("SELECT count(*) FROM messages WHERE actor = 'ana'"
				  " AND json_extract(object_json, '$.content') = ''"
				  " AND actor_display = 'ana'"),
			1);
	CU_ASSERT_EQUAL(fx_scalar(
				"SELECT count(*) FROM messages WHERE object_json LIKE '%secret%'"),
			0);
	CU_ASSERT_EQUAL(fx_scalar("SELECT count(*) FROM messages WHERE actor = 'bob'"), bob_msgs);
	struct fx_resp r =
		fx_req("GET", fx_fmt("/conversations/%s/messages", conv), "bob", NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	fx_free(&r);
	/* the database stays consistent */
	int problems = 0, orphans = 0;
	char err[256];
	CU_ASSERT_EQUAL(store_check_integrity(&fx.db, STORE_CHECK_FULL, no_problem, &problems, err,
					      sizeof err),
			0);
	CU_ASSERT_EQUAL(admin_orphans(&fx.db, orphan, &orphans), 0);
	/* the export is empty now; forgetting again finds nothing */
	json_object *doc = NULL;
	CU_ASSERT_EQUAL(export_person(&fx.db, &fx.cfg, "ana", &doc), MAX_OK);
	CU_ASSERT_PTR_NULL(section(doc, "profile"));
	CU_ASSERT_EQUAL(count(doc, "activities"), 0);
	CU_ASSERT_EQUAL(count(doc, "devices"), 0);
	CU_ASSERT_EQUAL(count(doc, "files"), 0);
	json_object_put(doc);
	files = NULL;
	CU_ASSERT_EQUAL(store_begin(&fx.db), 0);
	CU_ASSERT_EQUAL(erase_person(&fx.db, &fx.cfg, "ana", &n, &files), MAX_OK);
	store_rollback(&fx.db);
	CU_ASSERT_EQUAL(n.activities + n.likes + n.messages + n.devices, 0);
	json_object_put(files);
}

static void test_stats(void)
{
	struct stats s;
	CU_ASSERT_EQUAL(stats_collect(&fx.db, &s), MAX_OK);
	CU_ASSERT_EQUAL(s.people, fx_scalar("SELECT count(*) FROM people"));
	CU_ASSERT_EQUAL(s.posts, fx_scalar("SELECT count(*) FROM activities WHERE verb = 'post'"));
	CU_ASSERT_EQUAL(s.messages, fx_scalar("SELECT count(*) FROM messages"));
	CU_ASSERT_EQUAL(s.conversations, 1);
	CU_ASSERT_EQUAL(s.contexts, 1);
	CU_ASSERT_EQUAL(s.outbox, fx_scalar("SELECT count(*) FROM outbox"));
	CU_ASSERT_EQUAL(s.schema_version, store_latest_version());
	CU_ASSERT(s.db_bytes > 0);
	CU_ASSERT(s.wal_bytes >= 0);
}

static void test_backup_restore(void)
{
	char err[256], copy[256], live[256];
	snprintf(copy, sizeof copy, "%s/copy.db", fx.dir);
	snprintf(live, sizeof live, "%s/other.db", fx.dir);
	CU_ASSERT(store_backup(&fx.db, copy, err, sizeof err) > 0);
	/* the live database itself is refused */
	CU_ASSERT_EQUAL(store_backup(&fx.db, config_get(&fx.cfg, "store", "path"), err, sizeof err),
			-1);
	int version = 0, problems = 0;
	CU_ASSERT_EQUAL(store_check_file(copy, &version, no_problem, &problems, err, sizeof err),
			0);
	CU_ASSERT_EQUAL(version, store_latest_version());
	/* a file that is no database */
	char junk[256];
	snprintf(junk, sizeof junk, "%s/junk.db", fx.dir);
	FILE *f = fopen(junk, "w");
	fputs("this is not a database, not at all, no no no no no no no no no no no no no", f);
	fclose(f);
	CU_ASSERT_EQUAL(store_check_file(junk, &version, no_problem, &problems, err, sizeof err),
			-1);
	/* restored into another place: the same people, no -wal left over */
	CU_ASSERT_EQUAL(store_restore(live, copy, err, sizeof err), 0);
	struct store db;
	CU_ASSERT_EQUAL_FATAL(store_open(&db, live, 1000, err, sizeof err), 0);
	struct stats a, b;
	CU_ASSERT_EQUAL(stats_collect(&db, &a), MAX_OK);
	CU_ASSERT_EQUAL(stats_collect(&fx.db, &b), MAX_OK);
	CU_ASSERT_EQUAL(a.people, b.people);
	CU_ASSERT_EQUAL(a.messages, b.messages);
	store_close(&db);
	char wal[300];
	snprintf(wal, sizeof wal, "%s-wal", copy);
	CU_ASSERT(access(wal, F_OK) != 0); /* a self-contained copy */
}

/* Problems of a check: how many, and the check that found the last. */
struct found {
	int n;
	char check[32];
};

static void collect(void *arg, const char *check, const char *row)
{
	struct found *f = arg;
	f->n++;
	snprintf(f->check, sizeof f->check, "%s", check);
}

/* Appends a page of zeros to file and counts it in the header's database
 * size (bytes 28-31, big endian): a page that no table, index or free
 * list uses. 0, or -1. */
static int add_lost_page(const char *file)
{
	FILE *f = fopen(file, "r+b");
	unsigned char b[4];
	if (!f)
		return -1;
	int ok = fseek(f, 28, SEEK_SET) == 0 && fread(b, 1, 4, f) == 4;
	unsigned long n = (unsigned long)b[0] << 24 | (unsigned long)b[1] << 16 | b[2] << 8 | b[3];
	ok = ok && fseek(f, 16, SEEK_SET) == 0 && fread(b, 1, 2, f) == 2;
	long page = b[0] << 8 | b[1];
	page = page == 1 ? 65536 : page; /* the page size; 1 stands for 65536 */
	n++;
	b[0] = (unsigned char)(n >> 24), b[1] = (unsigned char)(n >> 16);
	b[2] = (unsigned char)(n >> 8), b[3] = (unsigned char)n;
	ok = ok && fseek(f, 28, SEEK_SET) == 0 && fwrite(b, 1, 4, f) == 4;
	ok = ok && fseek(f, (long)(n - 1) * page, SEEK_SET) == 0;
	for (long i = 0; ok && i < page; i++)
		ok = fputc(0, f) != EOF;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* A backup holds the same rows and passes both checks; a database with a
 * page that nothing uses is found by the quick check and by the full one, each
 * under its own name, and by the check of a copy before a restore. */
static void test_check_depth(void)
{
	char err[256];
	const char *copy = fx_fmt("%s/depth.db", fx.dir);
	CU_ASSERT_FATAL(store_backup(&fx.db, copy, err, sizeof err) > 0);
	struct store db;
	CU_ASSERT_EQUAL_FATAL(store_open(&db, copy, 1000, err, sizeof err), 0);
	CU_ASSERT_EQUAL(store_scalar(store_sql(&db, "SELECT count(*) FROM people")),
			store_scalar(store_sql(&fx.db, "SELECT count(*) FROM people")));
	CU_ASSERT_EQUAL(store_scalar(
				store_sql(&db, "SELECT sum(length(object_json)) FROM activities")),
			store_scalar(store_sql(&fx.db,
					       "SELECT sum(length(object_json)) FROM activities")));
	for (int full = 0; full < 2; full++) {
		struct found f = {0};
		CU_ASSERT_EQUAL(store_check_integrity(&db,
						      full ? STORE_CHECK_FULL : STORE_CHECK_QUICK,
						      collect, &f, err, sizeof err),
				0);
	}
	store_close(&db);
	copy = fx_fmt("%s/lost.db", fx.dir);
	CU_ASSERT_FATAL(store_backup(&fx.db, copy, err, sizeof err) > 0);
	CU_ASSERT_EQUAL_FATAL(add_lost_page(copy), 0);
	CU_ASSERT_EQUAL_FATAL(store_open(&db, copy, 1000, err, sizeof err), 0);
	struct found quick = {0}, full = {0}, file = {0};
	CU_ASSERT(store_check_integrity(&db, STORE_CHECK_QUICK, collect, &quick, err, sizeof err) >
		  0);
	CU_ASSERT_STRING_EQUAL(quick.check, "quick_check");
	CU_ASSERT(store_check_integrity(&db, STORE_CHECK_FULL, collect, &full, err, sizeof err) >
		  0);
	CU_ASSERT_STRING_EQUAL(full.check, "integrity_check");
	store_close(&db);
	int version;
	CU_ASSERT(store_check_file(copy, &version, collect, &file, err, sizeof err) > 0);
	CU_ASSERT_STRING_EQUAL(file.check, "integrity_check");
}

static void report_missing(const char *section, const char *key)
{
	fprintf(stderr, "\nno explanation for [%s] %s in tools/maxctl/config_doc.c\n", section,
		key);
}

static void test_config_docs(void)
{
	CU_ASSERT_EQUAL(config_doc_missing(report_missing), 0);
	CU_ASSERT_PTR_NOT_NULL(config_doc("store", "path"));
	CU_ASSERT_PTR_NULL(config_doc("store", "nope"));
}

UNIT_SUITE(maxctl, suite_init, fx_cleanup)
{
	UNIT_TEST(s, test_export);
	UNIT_TEST(s, test_mask);
	UNIT_TEST(s, test_forget);
	UNIT_TEST(s, test_stats);
	UNIT_TEST(s, test_backup_restore);
	UNIT_TEST(s, test_check_depth);
	UNIT_TEST(s, test_config_docs);
}
