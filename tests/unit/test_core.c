/*
 * test_core.c — config parsing, migrations, router matching, ids, date
 * filters, MaxCarrot packing: the pieces under every handler.
 */
#include "util/busy.h"
#include "util/carrot.h"
#include "util/config.h"
#include "http/filters.h"
#include "util/ids.h"
#include "util/jsonx.h"
#include "util/log.h"
#include "http/router.h"
#include "store/checkpoint.h"
#include "store/store.h"
#include "unit.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_config_parse(void)
{
	struct max_config cfg;
	char err[256] = "";
	config_defaults(&cfg);
	CU_ASSERT_EQUAL(config_parse(&cfg,
				     "# comment\n[max]\nserver_id = demo \n; other\n"
				     "[store]\npath=/tmp/x.db\n[oauth]\ncache_ttl = 5\n",
				     err, sizeof err),
			0);
	CU_ASSERT_STRING_EQUAL(config_get(&cfg, "max", "server_id"), "demo");
	CU_ASSERT_STRING_EQUAL(config_get(&cfg, "store", "path"), "/tmp/x.db");
	CU_ASSERT_EQUAL(cfg.token_cache_ttl, 5);
	CU_ASSERT_TRUE(config_isset(&cfg, "max", "server_id"));
	CU_ASSERT_FALSE(config_isset(&cfg, "max", "compat_id"));
	CU_ASSERT_STRING_EQUAL(config_get(&cfg, "store", "busy_timeout_ms"), "5000");
	config_free(&cfg);
}

static void test_config_rejects_unknown(void)
{
	struct max_config cfg;
	char err[256] = "";
	config_defaults(&cfg);
	CU_ASSERT_EQUAL(config_parse(&cfg, "[max]\nservr_id = typo\n", err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown key [max] servr_id"));
	CU_ASSERT_EQUAL(config_parse(&cfg, "[max\n", err, sizeof err), -1);
	CU_ASSERT_EQUAL(config_parse(&cfg, "[max]\njust words\n", err, sizeof err), -1);
	CU_ASSERT_EQUAL(config_parse(&cfg, "server_id = no section\n", err, sizeof err), -1);
	config_free(&cfg);
	CU_ASSERT_EQUAL(config_load(&cfg, "/nonexistent/max.ini", err, sizeof err), -1);
	config_free(&cfg);
}

static void test_cache_ttl_capped(void)
{
	struct max_config cfg;
	config_defaults(&cfg);
	config_set(&cfg, "oauth", "cache_ttl", "3600");
	CU_ASSERT_EQUAL(cfg.token_cache_ttl, 60);
	config_free(&cfg);
}

static void test_migrations(void)
{
	char dir[] = "/tmp/max-mig-XXXXXX", path[64], err[256];
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/m.db", dir);
	struct store st;
	CU_ASSERT_EQUAL_FATAL(store_open(&st, path, 1000, err, sizeof err), 0);
	CU_ASSERT_EQUAL(store_version(&st), 0);
	CU_ASSERT_EQUAL(store_migrate(&st, err, sizeof err), 0);
	CU_ASSERT_EQUAL(store_version(&st), store_latest_version());
	/* idempotent */
	CU_ASSERT_EQUAL(store_migrate(&st, err, sizeof err), 0);
	CU_ASSERT_EQUAL(store_version(&st), store_latest_version());
	sqlite3_stmt *s = store_stmt(&st, "PRAGMA journal_mode");
	CU_ASSERT_EQUAL(sqlite3_step(s), SQLITE_ROW);
	CU_ASSERT_STRING_EQUAL((const char *)sqlite3_column_text(s, 0), "wal");
	sqlite3_reset(s);
	s = store_stmt(&st, "PRAGMA foreign_keys");
	CU_ASSERT_EQUAL(sqlite3_step(s), SQLITE_ROW);
	CU_ASSERT_EQUAL(sqlite3_column_int(s, 0), 1);
	sqlite3_reset(s);
	/* a database from the future is refused */
	sqlite3_exec(st.db, "PRAGMA user_version=9999", NULL, NULL, NULL);
	CU_ASSERT_EQUAL(store_migrate(&st, err, sizeof err), -1);
	store_close(&st);
	char cmd[96];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

static void test_deferred_checkpoint(void)
{
	char dir[] = "/tmp/max-ckpt-XXXXXX", path[64], err[256];
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/c.db", dir);
	struct store st;
	CU_ASSERT_EQUAL_FATAL(store_open(&st, path, 1000, err, sizeof err), 0);
	store_defer_checkpoints(&st);
	sqlite3_exec(st.db, "CREATE TABLE t (x BLOB)", NULL, NULL, NULL);
	/* ~1200 pages of commits: past the threshold, and no commit checkpointed */
	for (int i = 0; i < 300; i++)
		sqlite3_exec(st.db, "INSERT INTO t VALUES (randomblob(16000))", NULL, NULL, NULL);
	CU_ASSERT(st.wal_pages >= STORE_CHECKPOINT_PAGES);
	int before = st.wal_pages;
	store_idle(&st);
	CU_ASSERT(st.wal_pages < before);
	CU_ASSERT_EQUAL(st.wal_pages, 0); /* nobody else reading: all copied */
	/* below the threshold store_idle does nothing */
	sqlite3_exec(st.db, "INSERT INTO t VALUES (1)", NULL, NULL, NULL);
	int small = st.wal_pages;
	CU_ASSERT(small > 0 && small < STORE_CHECKPOINT_PAGES);
	store_idle(&st);
	CU_ASSERT_EQUAL(st.wal_pages, small);
	store_close(&st);
	char cmd[96];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

static const char *match(const char *method, const char *path, char *p0)
{
	const struct route *rt = NULL;
	char *params[MAX_PARAMS] = {0};
	enum router_match m = router_match(routes, routes_count, method, path, &rt, params);
	if (p0)
		snprintf(p0, 64, "%s", params[0] ? params[0] : "");
	for (int i = 0; i < MAX_PARAMS; i++)
		free(params[i]);
	return m == ROUTER_FOUND ? rt->name : m == ROUTER_NO_METHOD ? "405" : "404";
}

static void test_router(void)
{
	char p0[64];
	CU_ASSERT_STRING_EQUAL(match("GET", "/contexts/public", NULL), "public_contexts");
	CU_ASSERT_STRING_EQUAL(match("GET", "/contexts/abc", p0), "context");
	CU_ASSERT_STRING_EQUAL(p0, "abc");
	CU_ASSERT_STRING_EQUAL(match("GET", "/activities/comments", NULL), "comments");
	CU_ASSERT_STRING_EQUAL(match("GET", "/conversations/active", NULL), "conversations_active");
	CU_ASSERT_STRING_EQUAL(match("HEAD", "/people/x/timeline", NULL), "timeline");
	CU_ASSERT_STRING_EQUAL(match("GET", "/people/x/timeline/", NULL), "timeline");
	CU_ASSERT_STRING_EQUAL(match("PATCH", "/people", NULL), "405");
	CU_ASSERT_STRING_EQUAL(match("GET", "/people//x", NULL), "404");
	CU_ASSERT_STRING_EQUAL(match("GET", "/nope", NULL), "404");
	CU_ASSERT_STRING_EQUAL(match("GET", "", NULL), "404");
	CU_ASSERT_STRING_EQUAL(match("GET", "/a/b/c/d/e/f/g/h/i/j", NULL), "404");
	CU_ASSERT_STRING_EQUAL(match("PUT", "/contexts/h/permissions/u/read", p0),
			       "context_user_permission");
	CU_ASSERT_STRING_EQUAL(match("POST", "/contexts/h/permissions/u/defaults", NULL),
			       "context_user_permissions_defaults");
	/* a literal segment matches whole, never as a prefix either way */
	CU_ASSERT_STRING_EQUAL(match("GET", "/peoplex/x", NULL), "404");
	CU_ASSERT_STRING_EQUAL(match("GET", "/peopl", NULL), "404");
	CU_ASSERT_STRING_EQUAL(match("GET", "/people/x/timelines", NULL), "404");
	CU_ASSERT_STRING_EQUAL(match("GET", "/people/x/timelin", NULL), "404");
	CU_ASSERT_STRING_EQUAL(match("GET", "/contexts/publicx", p0), "context");
	CU_ASSERT_STRING_EQUAL(p0, "publicx");
	CU_ASSERT_STRING_EQUAL(match("GET", "/people/x/timeline/authors", p0), "timeline_authors");
	CU_ASSERT_STRING_EQUAL(p0, "x");
}

static void test_ids(void)
{
	char a[25], b[25];
	id_new(a);
	id_new(b);
	CU_ASSERT_TRUE(id_valid(a));
	CU_ASSERT_TRUE(strcmp(a, b) < 0); /* creation order */
	/* the floor of a second sorts before every id made in it */
	char f[25];
	id_floor(id_time(a), f);
	CU_ASSERT_TRUE(id_valid(f));
	CU_ASSERT_EQUAL(id_time(f), id_time(a));
	CU_ASSERT_TRUE(strcmp(f, a) <= 0);
	id_floor(id_time(a) + 1, f);
	CU_ASSERT_TRUE(strcmp(a, f) < 0);
	CU_ASSERT_FALSE(id_valid("zz0000000000000000000000"));
	CU_ASSERT_FALSE(id_valid("1234"));
	char h[41];
	hash_sha1_hex("http://atenea.upc.edu", 21, h);
	CU_ASSERT_STRING_EQUAL(h, "e6847aed3105e85ae603c56eb2790ce85e212997");
	char h256[65];
	hash_sha256_hex("abc", 3, h256);
	CU_ASSERT_STRING_EQUAL(h256,
			       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	hash_sha256_hex("", 0, h256); /* twice through the same fetched digest */
	CU_ASSERT_STRING_EQUAL(h256,
			       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	time_t t;
	CU_ASSERT_EQUAL(time_parse_iso("2010-01-01T00:01:30Z", &t), 0);
	char iso[21];
	time_iso(t, iso);
	CU_ASSERT_STRING_EQUAL(iso, "2010-01-01T00:01:30Z");
	CU_ASSERT_EQUAL(time_parse_iso("2010-01-01T00:01:30.123+01:00", &t), 0);
	time_iso(t, iso);
	CU_ASSERT_STRING_EQUAL(iso, "2009-12-31T23:01:30Z");
	CU_ASSERT_EQUAL(time_parse_iso("2010-01-01T00:01:30", &t), -1);
	CU_ASSERT_EQUAL(time_parse_iso("2010-02-31T00:01:30Z", &t), -1);
}

static void test_date_filter(void)
{
	char f[21], t[21];
	CU_ASSERT_EQUAL(filter_date_range("2015-3", f, t), 0);
	CU_ASSERT_STRING_EQUAL(f, "2015-03-01T00:00:00Z");
	CU_ASSERT_STRING_EQUAL(t, "2015-04-01T00:00:00Z");
	CU_ASSERT_EQUAL(filter_date_range("+2015/12/31", f, t), 0);
	CU_ASSERT_STRING_EQUAL(f, "2016-01-01T00:00:00Z");
	CU_ASSERT_STRING_EQUAL(t, "");
	CU_ASSERT_EQUAL(filter_date_range("-2015", f, t), 0);
	CU_ASSERT_STRING_EQUAL(f, "");
	CU_ASSERT_STRING_EQUAL(t, "2015-01-01T00:00:00Z");
	CU_ASSERT_EQUAL(filter_date_range("garbage", f, t), -1);
	CU_ASSERT_EQUAL(filter_date_range("2015-13", f, t), -1);
}

#define ODD "{\"a\":\"x\",\"o\":\"m\",\"zz\":1}"
#define RAW "{\"d\":{\"text\":\"a\nb\"}}"

static void test_carrot_roundtrip(void)
{
	const char *text =
		"{\"action\":\"add\",\"object\":\"message\",\"source\":\"widget\",\"version\":\"4."
		"1\","
		"\"domain\":\"demo\",\"uuid\":\"u-1\",\"published\":\"2015-01-13T10:00:00Z\","
		"\"user\":{\"username\":\"alice\",\"displayname\":\"Alice A.\",\"x\":1},"
		"\"data\":{\"text\":\"Hola!\",\"action\":\"keep\"},\"junk\":1}";
	json_object *u = json_tokener_parse(text), *p = carrot_pack(u);
	CU_ASSERT_TRUE(carrot_is_packed(p));
	CU_ASSERT_STRING_EQUAL(jx_str(p, "a"), "a");
	CU_ASSERT_STRING_EQUAL(jx_str(p, "o"), "m");
	CU_ASSERT_STRING_EQUAL(jx_str(p, "s"), "w");
	json_object *pu = NULL, *pd = NULL;
	jx_object(p, "u", &pu);
	jx_object(p, "d", &pd);
	CU_ASSERT_STRING_EQUAL(jx_str(pu, "d"), "Alice A.");
	CU_ASSERT_STRING_EQUAL(jx_str(pd, "action"), "keep"); /* data is never translated */
	const char *err = NULL;
	const char *packed = jx_text(p);
	json_object *back = carrot_unpack(packed, strlen(packed), &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(back);
	CU_ASSERT_STRING_EQUAL(jx_str(back, "object"), "message");
	CU_ASSERT_PTR_NULL(jx_str(back, "junk"));
	json_object_put(back);
	/* comment packs as activity; unknown codes and keys are dropped */
	json_object *odd = carrot_unpack(ODD, strlen(ODD), &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(odd);
	CU_ASSERT_EQUAL(json_object_object_length(odd), 1);
	CU_ASSERT_STRING_EQUAL(jx_str(odd, "object"), "message");
	json_object_put(odd);
	CU_ASSERT_PTR_NULL(carrot_unpack("[1]", 3, &err));
	CU_ASSERT_STRING_EQUAL(err, "Packed message is not json");
	CU_ASSERT_PTR_NULL(carrot_unpack("{", 1, &err));
	CU_ASSERT_STRING_EQUAL(err, "JSON decoding error");
	/* raw control characters inside strings are tolerated */
	json_object *raw = carrot_unpack(RAW, strlen(RAW), &err);
	CU_ASSERT_PTR_NOT_NULL(raw);
	json_object_put(raw);
	json_object_put(p);
	json_object_put(u);
}

static void test_json_strict(void)
{
	CU_ASSERT_PTR_NULL(jx_parse("{\"a\":1} x", 9));
	CU_ASSERT_PTR_NULL(jx_parse("{'a':1}", 7));
	CU_ASSERT_PTR_NULL(jx_parse("\"\xc3\x28\"", 4));
	CU_ASSERT_PTR_NULL(jx_parse("\"\xed\xa0\x80\"", 5)); /* surrogate */
	const char *ok = " {\"a\":\"\xc3\xa9 it's\"} \n";
	json_object *o = jx_parse(ok, strlen(ok));
	CU_ASSERT_PTR_NOT_NULL(o);
	const char *s = NULL;
	CU_ASSERT_EQUAL(jx_string(o, "a", &s), 1);
	CU_ASSERT_EQUAL(jx_object(o, "a", NULL), -1);
	CU_ASSERT_EQUAL(jx_string(o, "b", &s), 0);
	json_object_put(o);
	/* nesting is bounded */
	char deep[200];
	memset(deep, '[', 100);
	memset(deep + 100, ']', 100);
	CU_ASSERT_PTR_NULL(jx_parse(deep, 200));
}

/* Runs make(out) in a forked child and copies what it wrote into out
 * (len bytes): 0, or -1 when the child's answer did not come whole. */
static int in_child(void (*make)(char *), char *out, size_t len)
{
	int fd[2];
	if (pipe(fd) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		char buf[64] = "";
		make(buf);
		_exit(write(fd[1], buf, len) == (ssize_t)len ? 0 : 1);
	}
	ssize_t n = pid > 0 ? read(fd[0], out, len) : -1;
	if (pid > 0)
		waitpid(pid, NULL, 0);
	close(fd[0]);
	close(fd[1]);
	return n == (ssize_t)len ? 0 : -1;
}

static void id_new_any(char *out)
{
	id_new(out);
}

static void uuid_v4_any(char *out)
{
	uuid_v4(out);
}

/* Ids made one after the other sort in that order, also when they come
 * from different processes (workers behind one socket take turns). */
static void test_ids_sort_across_processes(void)
{
	char prev[25], id[25];
	id_new(prev);
	for (int i = 0; i < 10000; i++) {
		id_new(id);
		CU_ASSERT(strcmp(prev, id) < 0);
		memcpy(prev, id, sizeof id);
	}
	char a[25], c[25];
	id_new(a);
	char b[25] = "";
	CU_ASSERT_EQUAL(in_child(id_new_any, b, sizeof b), 0);
	id_new(c);
	CU_ASSERT(strcmp(a, b) < 0);
	CU_ASSERT(strcmp(b, c) < 0);
}

/* UUIDs: version 4 and the RFC 4122 variant, all distinct across the
 * refills of the pool they come from, and a forked child does not hand
 * out the ones its parent will (it draws its own). */
static void test_uuids(void)
{
	char u[100][37];
	for (int i = 0; i < 100; i++) {
		uuid_v4(u[i]);
		CU_ASSERT_EQUAL(strlen(u[i]), 36);
		CU_ASSERT(u[i][8] == '-' && u[i][13] == '-' && u[i][18] == '-' && u[i][23] == '-');
		CU_ASSERT_EQUAL(u[i][14], '4');
		CU_ASSERT_PTR_NOT_NULL(strchr("89ab", u[i][19]));
		CU_ASSERT_EQUAL(strspn(u[i], "0123456789abcdef-"), 36);
		for (int j = 0; j < i; j++)
			CU_ASSERT(strcmp(u[i], u[j]) != 0);
	}
	char child[37] = "", mine[37];
	CU_ASSERT_EQUAL(in_child(uuid_v4_any, child, sizeof child), 0);
	uuid_v4(mine);
	CU_ASSERT_STRING_NOT_EQUAL(child, mine);
}

/* The log line: "<UTC time> [<pid> <request id>] <text>", one line per
 * event (newlines in the text become spaces), the text cut at 1023 bytes. */
static void test_log_line(void)
{
	FILE *f = tmpfile();
	CU_ASSERT_FATAL(f != NULL);
	int fd = fileno(f), saved = dup(2);
	CU_ASSERT_FATAL(saved >= 0);
	dup2(fd, 2);
	char big[1500];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = 0;
	log_event("0123456789abcdef", "GET /people/%s 200\nsecond\rthird", "u1");
	log_event(NULL, "%s", big);
	dup2(saved, 2);
	close(saved);
	char buf[4096] = {0};
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	fclose(f);
	CU_ASSERT_FATAL(n > 0);
	char want[64];
	snprintf(want, sizeof want, "Z [%d 0123456789abcdef] GET /people/u1 200 second third\n",
		 (int)getpid());
	char *nl = strchr(buf, '\n');
	CU_ASSERT_FATAL(nl != NULL);
	CU_ASSERT(buf[4] == '-' && buf[10] == 'T' && buf[19] == 'Z');
	CU_ASSERT_NSTRING_EQUAL(buf + 19, want, strlen(want));
	char *second = nl + 1, *text = strstr(second, " -] ");
	CU_ASSERT_FATAL(text != NULL);
	text += 4;
	CU_ASSERT_EQUAL(strlen(text), 1023 + 1); /* 1023 bytes and the newline */
	CU_ASSERT_EQUAL(text[1023], '\n');
}

/* The load a writer batches under (util/busy.h): the share of the last
 * tenth of a second or so it spent working, whatever the slices. */
static void test_busy_share(void)
{
	struct busy b = {0, 0};
	CU_ASSERT_EQUAL(busy_percent(&b), 0);
	busy_add(&b, 0.5, 1);
	CU_ASSERT_EQUAL(busy_percent(&b), 100);
	busy_add(&b, 2.0, 0); /* a quiet two seconds forget the work */
	CU_ASSERT_EQUAL(busy_percent(&b), 0);
	/* a burst after quiet: 3 ms of work is not sustained load */
	busy_add(&b, 0.003, 1);
	CU_ASSERT(busy_percent(&b) < 10);
	/* 0.3 ms of work every 3.3 ms (300 posts/s) */
	for (int i = 0; i < 300; i++) {
		busy_add(&b, 0.003, 0);
		busy_add(&b, 0.0003, 1);
	}
	CU_ASSERT(busy_percent(&b) >= 7 && busy_percent(&b) <= 11);
	/* posting without a pause: 0.4 ms of work, 0.02 ms between */
	for (int i = 0; i < 2000; i++) {
		busy_add(&b, 0.00002, 0);
		busy_add(&b, 0.0004, 1);
	}
	CU_ASSERT(busy_percent(&b) >= 94);
	/* the same share from coarse and from fine slices */
	struct busy fine = {0, 0}, coarse = {0, 0};
	for (int i = 0; i < 100; i++) {
		busy_add(&fine, 0.001, i % 2);
		busy_add(&fine, 0.001, i % 2);
		busy_add(&coarse, 0.002, i % 2);
	}
	CU_ASSERT_EQUAL(busy_percent(&fine), busy_percent(&coarse));
}

UNIT_SUITE(core, NULL, NULL)
{
	UNIT_TEST(s, test_busy_share);
	UNIT_TEST(s, test_config_parse);
	UNIT_TEST(s, test_config_rejects_unknown);
	UNIT_TEST(s, test_cache_ttl_capped);
	UNIT_TEST(s, test_migrations);
	UNIT_TEST(s, test_deferred_checkpoint);
	UNIT_TEST(s, test_router);
	UNIT_TEST(s, test_ids);
	UNIT_TEST(s, test_ids_sort_across_processes);
	UNIT_TEST(s, test_uuids);
	UNIT_TEST(s, test_date_filter);
	UNIT_TEST(s, test_carrot_roundtrip);
	UNIT_TEST(s, test_json_strict);
	UNIT_TEST(s, test_log_line);
}
