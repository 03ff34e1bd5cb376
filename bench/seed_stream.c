/*
 * seed_stream.c — fills a MAX database for bench/stream, straight into
 * SQLite (one transaction, prepared statements), with what the API would
 * have written: people, contexts, subscriptions and posts with their
 * full-text entries (text, keywords, hashtags, duplicate guard).
 *
 *   seed_stream -c max.ini [--activities N] [--contexts N] [--users N]
 *               [--seed S] [--no-text]
 *
 * Defaults: 1,000,000 posts over 10,000 contexts by 100,000 people. The
 * same seed gives the same people, contexts and subscriptions whatever N,
 * so a small and a big database differ only in their posts. Besides the
 * regular contexts and people (userNNNNNN, each in 3 random contexts):
 *   bench       subscribed (read, write) to 50 contexts, every 200th, and
 *               (write only) to small and big;
 *   benchadmin  a Manager;
 *   small/big   two contexts with 10 and 10,000 subscribers, bench among
 *               them, notifications on (a post writes one outbox row).
 * Posts are spread uniformly over the regular contexts, one second apart,
 * ending now; ids are ObjectIds of those seconds.
 */
#include "util/config.h"
#include "util/ids.h"
#include "util/jsonx.h"
#include "model/roles.h"
#include "store/store.h"
#include "util/text.h"

#include <sqlite3.h> /* to be moved behind store/ */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PERMS "{\"read\":\"subscribed\",\"write\":\"subscribed\",\"subscribe\":\"restricted\"}"

static unsigned long long rng;

static void phase(const char *what)
{
	static struct timespec t0;
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	if (t0.tv_sec)
		fprintf(stderr, "seed_stream: %-14s %.1fs\n", what,
			(double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9);
	t0 = t;
}

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static sqlite3_stmt *prep(struct store *st, const char *sql)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		fprintf(stderr, "seed_stream: %s: %s\n", sqlite3_errmsg(st->db), sql);
		exit(1);
	}
	return s;
}

static void step(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		fprintf(stderr, "seed_stream: %s\n", sqlite3_errmsg(sqlite3_db_handle(s)));
		exit(1);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

static void text(sqlite3_stmt *s, int i, const char *v)
{
	sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
}

/* Indexes and triggers of the tables seeded are dropped first and made
 * again at the end: building an index from the rows is far faster than
 * updating it row by row. */
struct saved {
	char *sql[64];
	int n;
};

static void drop_indexes(struct store *st, struct saved *sv)
{
	sqlite3_stmt *s =
		prep(st, "SELECT type, name, sql FROM sqlite_master"
			 " WHERE type IN ('index', 'trigger') AND sql IS NOT NULL AND tbl_name"
			 " IN ('activities', 'subscriptions', 'people')");
	char *drops[64];
	int nd = 0;
	while (sqlite3_step(s) == SQLITE_ROW && sv->n < 64) {
		sv->sql[sv->n++] = xstrdup((const char *)sqlite3_column_text(s, 2));
		char d[256];
		snprintf(d, sizeof d, "DROP %s %s", (const char *)sqlite3_column_text(s, 0),
			 (const char *)sqlite3_column_text(s, 1));
		drops[nd++] = xstrdup(d);
	}
	sqlite3_finalize(s);
	for (int i = 0; i < nd; i++) {
		if (sqlite3_exec(st->db, drops[i], NULL, NULL, NULL) != SQLITE_OK) {
			fprintf(stderr, "seed_stream: %s: %s\n", drops[i], sqlite3_errmsg(st->db));
			exit(1);
		}
		free(drops[i]);
	}
}

static void restore_indexes(struct store *st, struct saved *sv)
{
	for (int i = 0; i < sv->n; i++) {
		if (sqlite3_exec(st->db, sv->sql[i], NULL, NULL, NULL) != SQLITE_OK) {
			fprintf(stderr, "seed_stream: %s: %s\n", sv->sql[i],
				sqlite3_errmsg(st->db));
			exit(1);
		}
		free(sv->sql[i]);
	}
}

/* the full-text entries, computed as the server computes them (store.c) */
static void index_text(struct store *st)
{
	if (sqlite3_exec(st->db,
			 "INSERT INTO stream_fts (rowid, text, terms) SELECT rid,"
			 " max_fts_text(json_extract(object_json, '$.content')),"
			 " max_fts_terms(verb, object_json, actor_kind, actor_json)"
			 " FROM activities WHERE verb IN ('post', 'comment')",
			 NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "seed_stream: fts rebuild: %s\n", sqlite3_errmsg(st->db));
		exit(1);
	}
	/* One bulk INSERT leaves a dozen unmerged segments of every size; a
	 * database that grew post by post has had them merged by the
	 * checkpointer long ago. Without this the first minutes of a benchmark
	 * measure the merge of the seed's whole index, not steady posting. */
	if (sqlite3_exec(st->db, "INSERT INTO stream_fts (stream_fts) VALUES ('optimize')", NULL,
			 NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "seed_stream: fts optimize: %s\n", sqlite3_errmsg(st->db));
		exit(1);
	}
}

static void oid(time_t t, unsigned long n, char out[25])
{
	snprintf(out, 25, "%08lx%010x%06lx", (unsigned long)t, 0xbe4c4u, n & 0xffffff);
}

struct ctxinfo {
	char hash[41];
	char url[64];
};

static void add_person(sqlite3_stmt *s, const char *u, const char *dn, time_t now, unsigned long n)
{
	char id[25], iso[21];
	oid(now - 86400 * 365, n, id);
	time_iso(now, iso);
	text(s, 1, u);
	text(s, 2, id);
	text(s, 3, dn);
	text(s, 4, iso);
	step(s);
}

static void add_context(sqlite3_stmt *s, struct ctxinfo *c, const char *url, int notify, time_t now,
			unsigned long n)
{
	char id[25], iso[21];
	snprintf(c->url, sizeof c->url, "%s", url);
	hash_sha1_hex(url, strlen(url), c->hash);
	oid(now - 86400 * 300, n, id);
	time_iso(now, iso);
	text(s, 1, c->hash);
	text(s, 2, id);
	text(s, 3, url);
	text(s, 4, url);
	text(s, 5, notify ? "true" : "false");
	text(s, 6, iso);
	step(s);
}

/* mask 6: read and write; 4: write only */
static void subscribe(sqlite3_stmt *s, const char *u, const struct ctxinfo *c, time_t now,
		      unsigned long n, int mask)
{
	char id[25], iso[21];
	oid(now - 86400 * 200, n, id);
	time_iso(now, iso);
	text(s, 1, u);
	text(s, 2, c->hash);
	text(s, 3, id);
	text(s, 4, iso);
	text(s, 5, mask == 6 ? "[\"read\",\"write\"]" : "[\"write\"]");
	sqlite3_bind_int(s, 6, mask);
	step(s);
}

int main(int argc, char **argv)
{
	const char *ini = NULL;
	long activities = 1000000, contexts = 10000, users = 100000;
	unsigned long long seed = 42;
	int with_text = 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-c") && i + 1 < argc)
			ini = argv[++i];
		else if (!strcmp(argv[i], "--activities") && i + 1 < argc)
			activities = atol(argv[++i]);
		else if (!strcmp(argv[i], "--contexts") && i + 1 < argc)
			contexts = atol(argv[++i]);
		else if (!strcmp(argv[i], "--users") && i + 1 < argc)
			users = atol(argv[++i]);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--no-text"))
			with_text = 0;
		else {
			fprintf(stderr,
				"usage: seed_stream -c max.ini [--activities N] [--contexts N]"
				" [--users N] [--seed S] [--no-text]\n");
			return 2;
		}
	}
	if (contexts < 200 || users < 10000) {
		fprintf(stderr, "seed_stream: need at least 200 contexts and 10000 users\n");
		return 2;
	}
	struct max_config cfg;
	char err[512];
	struct store st;
	if (config_load(&cfg, ini, err, sizeof err) < 0 ||
	    store_open(&st, config_get(&cfg, "store", "path"), 60000, err, sizeof err) < 0 ||
	    store_migrate(&st, err, sizeof err) < 0) {
		fprintf(stderr, "seed_stream: %s\n", err);
		return 1;
	}
	sqlite3_exec(st.db,
		     "PRAGMA foreign_keys = OFF; PRAGMA synchronous = OFF; PRAGMA journal_mode = "
		     "OFF;"
		     " PRAGMA cache_size = -524288; PRAGMA temp_store = MEMORY; BEGIN",
		     NULL, NULL, NULL);
	struct saved sv = {.n = 0};
	drop_indexes(&st, &sv);
	rng = seed * 2654435761ull + 1;
	phase("start");
	time_t now = time(NULL);
	unsigned long n = 0;

	sqlite3_stmt *person =
		prep(&st, "INSERT INTO people (username, id, display_name, creator,"
			  " published, last_login) VALUES (?1, ?2, ?3, 'seed', ?4, ?4)");
	char u[32], dn[64];
	for (long i = 0; i < users; i++) {
		snprintf(u, sizeof u, "user%06ld", i);
		snprintf(dn, sizeof dn, "Bench User %ld", i);
		add_person(person, u, dn, now, n++);
	}
	add_person(person, "bench", "Bench Reader", now, n++);
	add_person(person, "benchadmin", "Bench Admin", now, n++);
	sqlite3_finalize(person);
	phase("people");
	if (roles_add(&st, "Manager", "benchadmin") < 0)
		return 1;

	sqlite3_stmt *ctx =
		prep(&st, "INSERT INTO contexts (hash, id, url, display_name,"
			  " permissions_json, tags_json, notifications_json, owner, creator,"
			  " published) VALUES (?1, ?2, ?3, ?4, '" PERMS "', '[\"Bench\"]',"
			  " ?5, 'benchadmin', 'benchadmin', ?6)");
	struct ctxinfo *cx = xcalloc((size_t)contexts + 2, sizeof *cx);
	char url[64];
	for (long i = 0; i < contexts; i++) {
		snprintf(url, sizeof url, "http://bench.test/ctx%05ld", i);
		add_context(ctx, &cx[i], url, 0, now, n++);
	}
	struct ctxinfo *small = &cx[contexts], *big = &cx[contexts + 1];
	add_context(ctx, small, "http://bench.test/small", 1, now, n++);
	add_context(ctx, big, "http://bench.test/big", 1, now, n++);
	sqlite3_finalize(ctx);

	sqlite3_stmt *sub =
		prep(&st, "INSERT OR IGNORE INTO subscriptions (username, hash, id, user_id,"
			  " subscribed_at, permissions_json, perm_mask) VALUES (?1, ?2, ?3,"
			  " (SELECT id FROM people WHERE username = ?1), ?4, ?5, ?6)");
	for (long i = 0; i < users; i++) {
		snprintf(u, sizeof u, "user%06ld", i);
		for (int k = 0; k < 3; k++)
			subscribe(sub, u, &cx[rnd((unsigned)contexts)], now, n++, 6);
		if (i < 9999)
			subscribe(sub, u, big, now, n++, 6);
		if (i < 9)
			subscribe(sub, u, small, now, n++, 6);
	}
	for (int k = 0; k < 50; k++)
		subscribe(sub, "bench", &cx[(long)k * (contexts / 50)], now, n++, 6);
	/* bench writes in small and big but does not read them: his timeline
	 * is exactly his 50 contexts (and his own posts) */
	subscribe(sub, "bench", big, now, n++, 4);
	subscribe(sub, "bench", small, now, n++, 4);
	sqlite3_finalize(sub);
	phase("contexts+subs");

	/* keywords_json and last_comment NULL: a post's default keywords (its
	 * object's and its author's words), no comment yet */
	sqlite3_stmt *post =
		prep(&st, "INSERT INTO activities (id, verb, actor, actor_json, object_type,"
			  " object_json, context_hash, context_json, creator, owner,"
			  " published, keywords_json, last_comment) VALUES (?1, 'post', ?2,"
			  " ?3, 'note', ?4, ?5, ?6, ?2, ?2, ?7, NULL, NULL)");
	static const char *const words[] = {"reunió",   "projecte", "lliurament", "examen",
					    "notes",    "horari",   "avui",       "demà",
					    "classe",   "pràctica", "dubte",      "enllaç",
					    "document", "equip",    "calendari"};
	time_t first = now - activities;
	for (long i = 0; i < activities; i++) {
		long a = (long)rnd((unsigned)users), k = (long)rnd((unsigned)contexts);
		char id[25], iso[21], content[256];
		oid(first + i, (unsigned long)i, id);
		time_iso(first + i, iso);
		snprintf(u, sizeof u, "user%06ld", a);
		snprintf(dn, sizeof dn, "Bench User %ld", a);
		snprintf(content, sizeof content, "Post %ld sobre %s i %s del %s", i,
			 words[rnd(15)], words[rnd(15)], words[rnd(15)]);
		json_object *actor = json_object_new_object(), *obj = json_object_new_object(),
			    *snap = json_object_new_object();
		jx_set_str(actor, "objectType", "person");
		jx_set_str(actor, "username", u);
		jx_set_str(actor, "displayName", dn);
		json_object *okw = text_keywords(content);
		jx_set_str(obj, "objectType", "note");
		jx_set_str(obj, "content", content);
		jx_set(obj, "keywords", okw);
		jx_set_str(snap, "objectType", "context");
		jx_set_str(snap, "url", cx[k].url);
		jx_set_str(snap, "hash", cx[k].hash);
		jx_set_str(snap, "displayName", cx[k].url);
		jx_set(snap, "tags", json_tokener_parse("[\"Bench\"]"));
		jx_set(snap, "notifications", json_object_new_boolean(0));
		text(post, 1, id);
		text(post, 2, u);
		text(post, 3, jx_text(actor));
		text(post, 4, jx_text(obj));
		text(post, 5, cx[k].hash);
		text(post, 6, jx_text(snap));
		text(post, 7, iso);
		step(post);
		json_object_put(actor);
		json_object_put(obj);
		json_object_put(snap);
		if (i && i % 100000 == 0)
			fprintf(stderr, "seed_stream: %ld posts\n", i);
	}
	sqlite3_finalize(post);
	phase("posts");
	restore_indexes(&st, &sv);
	phase("indexes");
	if (with_text) {
		index_text(&st);
		phase("full text");
	}
	if (sqlite3_exec(st.db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "seed_stream: commit: %s\n", sqlite3_errmsg(st.db));
		return 1;
	}
	phase("commit");
	sqlite3_exec(st.db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
	printf("%s %s\n", small->hash, big->hash);
	free(cx);
	store_close(&st);
	config_free(&cfg);
	return 0;
}
