/*
 * test_dupguard.c — the duplicate guard's quick "no" (model/dupguard.c)
 * against the full-text lookup it spares.
 *
 * Two connections share a migrated database: A asks, B writes as another
 * worker or maxctl would. Whenever the guard says "no match", the exact
 * lookup (act_lookup_duplicate) must find none either; the cases below are
 * the ones the guard's reasoning names (a post written before it began, by
 * another connection, in the asker's own open transaction, a rolled-back
 * row whose rowid comes back, a post dated in the future), then a random
 * mix of all of them.
 */
#include "model/activities.h"
#include "model/dupguard.h"
#include "store/store.h"
#include "util/ids.h"
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char dir[64], path[96];
static struct store a, b;

static int suite_init(void)
{
	snprintf(dir, sizeof dir, "/tmp/max-dupguard-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int suite_cleanup(void)
{
	char cmd[96];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void iso_at(time_t t, char out[21])
{
	time_iso(t, out);
}

/* an id as if made at second t, the n-th of that second (an import's) */
static void id_at(time_t t, unsigned n, char out[MAX_ID_LEN + 1])
{
	id_floor(t, out);
	snprintf(out + 16, 9, "%08x", n);
}

/* A post by person `actor` (ctx NULL: the timeline) published at t; id
 * NULL: a new one. */
static void post_as(struct store *st, const char *id, const char *actor, const char *ctx,
		    const char *content, time_t t)
{
	char published[21], newid[MAX_ID_LEN + 1];
	iso_at(t, published);
	if (!id) {
		id_new(newid);
		id = newid;
	}
	json_object *who = json_object_new_object(), *obj = json_object_new_object();
	json_object_object_add(who, "objectType", json_object_new_string("person"));
	json_object_object_add(who, "username", json_object_new_string(actor));
	json_object_object_add(who, "displayName", json_object_new_string(actor));
	json_object_object_add(obj, "objectType", json_object_new_string("note"));
	json_object_object_add(obj, "content", json_object_new_string(content));
	struct act_new n = {.verb = "post",
			    .actor_kind = "person",
			    .actor = actor,
			    .actor_json = who,
			    .object_json = obj,
			    .context_hash = ctx,
			    .published = published};
	CU_ASSERT_EQUAL(act_insert(st, &n, id, NULL), MAX_OK);
	json_object_put(who);
	json_object_put(obj);
}

static void post(struct store *st, const char *actor, const char *ctx, const char *content,
		 time_t t)
{
	CU_ASSERT_EQUAL_FATAL(store_begin(st), 0);
	post_as(st, NULL, actor, ctx, content, t);
	CU_ASSERT_EQUAL_FATAL(store_commit(st), 0);
}

/* What a new post at t would be told, inside a transaction of its own:
 * the guard's answer, and whether the exact lookup finds a match. */
static int ask(struct store *st, const char *actor, const char *ctx, const char *content, time_t t,
	       int *found)
{
	char since[21], id[MAX_ID_LEN + 1];
	iso_at(t - 60, since);
	int g = dupguard_check(st, "person", actor, ctx, content, since);
	*found = act_lookup_duplicate(st, "person", actor, ctx, content, since, id);
	return g;
}

static int ask_alone(struct store *st, const char *actor, const char *ctx, const char *content,
		     time_t t, int *found)
{
	CU_ASSERT_EQUAL_FATAL(store_begin(st), 0);
	int g = ask(st, actor, ctx, content, t, found);
	CU_ASSERT_EQUAL(store_commit(st), 0);
	return g;
}

static const char *text_of(int i)
{
	static char buf[2][32];
	static int k;
	k = !k;
	snprintf(buf[k], sizeof buf[k], "text %d", i);
	return buf[k];
}

/* A fresh database per test: the guard's state is per connection, the
 * rows per file. */
static void fresh(void)
{
	char err[256];
	snprintf(path, sizeof path, "%s/max-%ld.db", dir, random());
	CU_ASSERT_EQUAL_FATAL(store_open(&a, path, 2000, err, sizeof err), 0);
	CU_ASSERT_EQUAL_FATAL(store_migrate(&a, err, sizeof err), 0);
	store_defer_checkpoints(&a);
	CU_ASSERT_EQUAL_FATAL(store_open(&b, path, 2000, err, sizeof err), 0);
	store_defer_checkpoints(&b);
}

static void done(void)
{
	store_close(&a);
	store_close(&b);
}

/* a repeat is a maybe that the lookup confirms; anything else a quick no */
static void test_repeat_and_other(void)
{
	fresh();
	time_t now = time(NULL);
	int found;
	post(&a, "messi", NULL, "hola", now);
	CU_ASSERT_EQUAL(ask_alone(&a, "messi", NULL, "hola", now, &found), DUPG_MAYBE);
	CU_ASSERT_EQUAL(found, 1);
	CU_ASSERT_EQUAL(ask_alone(&a, "messi", NULL, "adeu", now, &found), DUPG_NONE);
	CU_ASSERT_EQUAL(found, 0);
	CU_ASSERT_EQUAL(ask_alone(&a, "xavi", NULL, "hola", now, &found), DUPG_NONE);
	CU_ASSERT_EQUAL(found, 0);
	CU_ASSERT_EQUAL(ask_alone(&a, "messi", "c1", "hola", now, &found), DUPG_NONE);
	CU_ASSERT_EQUAL(found, 0);
	/* published two minutes ago: outside the window of a post of now */
	post(&a, "messi", NULL, "vell", now - 120);
	CU_ASSERT_EQUAL(ask_alone(&a, "messi", NULL, "vell", now, &found), DUPG_NONE);
	CU_ASSERT_EQUAL(found, 0);
	/* a backdated new post: its window reaches before what the guard knows */
	CU_ASSERT_EQUAL(ask_alone(&a, "messi", NULL, "vell", now - 100, &found), DUPG_MAYBE);
	CU_ASSERT_EQUAL(found, 1);
	done();
}

/* posts the asker never wrote: before its first question (a worker that
 * just started) and after it (another worker) */
static void test_other_connection(void)
{
	fresh();
	time_t now = time(NULL);
	int found;
	post(&b, "messi", "c1", "abans", now);
	CU_ASSERT_EQUAL(ask_alone(&a, "messi", "c1", "abans", now, &found), DUPG_MAYBE);
	CU_ASSERT_EQUAL(found, 1);
	post(&b, "messi", "c1", "despres", now);
	CU_ASSERT_EQUAL(ask_alone(&a, "messi", "c1", "despres", now, &found), DUPG_MAYBE);
	CU_ASSERT_EQUAL(found, 1);
	CU_ASSERT_EQUAL(ask_alone(&a, "messi", "c1", "mai", now, &found), DUPG_NONE);
	struct dupguard_stats s;
	dupguard_stats(&a, &s);
	CU_ASSERT_EQUAL(s.begins, 1);
	CU_ASSERT_EQUAL(s.entries, 2);
	done();
}

/* group commit: a later request of the same transaction sees the post */
static void test_own_transaction(void)
{
	fresh();
	time_t now = time(NULL);
	int found;
	CU_ASSERT_EQUAL_FATAL(store_begin(&a), 0);
	CU_ASSERT_EQUAL(ask(&a, "messi", NULL, "lot", now, &found), DUPG_NONE);
	post_as(&a, NULL, "messi", NULL, "lot", now);
	CU_ASSERT_EQUAL(ask(&a, "messi", NULL, "lot", now, &found), DUPG_MAYBE);
	CU_ASSERT_EQUAL(found, 1);
	store_rollback(&a);
	done();
}

/* a rolled-back insert frees its rowid; another connection's post takes
 * it, and the guard must not take it for the row it read. That post has an
 * id from a day before (as an import may write): beginning again, which
 * reads the last minutes by id, would miss it, so the guard must step back
 * to the row before instead. */
static void test_rowid_reused(void)
{
	fresh();
	time_t now = time(NULL);
	int found;
	post(&a, "messi", NULL, "primer", now);
	CU_ASSERT_EQUAL(ask_alone(&a, "messi", NULL, "primer", now, &found), DUPG_MAYBE);
	CU_ASSERT_EQUAL_FATAL(store_begin(&a), 0);
	post_as(&a, NULL, "messi", NULL, "desfet", now);
	CU_ASSERT_EQUAL(ask(&a, "messi", NULL, "desfet", now, &found), DUPG_MAYBE);
	long long rid = store_last_rowid(&a);
	store_rollback(&a);
	char old[MAX_ID_LEN + 1];
	id_at(now - 86400, 2, old);
	CU_ASSERT_EQUAL_FATAL(store_begin(&b), 0);
	post_as(&b, old, "messi", NULL, "reutilitzat", now);
	CU_ASSERT_EQUAL(store_last_rowid(&b), rid);
	CU_ASSERT_EQUAL_FATAL(store_commit(&b), 0);
	CU_ASSERT_EQUAL(ask_alone(&a, "messi", NULL, "reutilitzat", now, &found), DUPG_MAYBE);
	CU_ASSERT_EQUAL(found, 1);
	/* the rolled-back post stays in the map: a maybe the lookup answers */
	CU_ASSERT_EQUAL(ask_alone(&a, "messi", NULL, "desfet", now, &found), DUPG_MAYBE);
	CU_ASSERT_EQUAL(found, 0);
	struct dupguard_stats s;
	dupguard_stats(&a, &s);
	CU_ASSERT_EQUAL(s.begins, 1);
	done();
}

/* a post written an hour ago for an hour from now (schema 014) */
static void test_dated_in_future(void)
{
	fresh();
	time_t now = time(NULL);
	int found;
	char old[MAX_ID_LEN + 1];
	id_at(now - 3600, 1, old);
	CU_ASSERT_EQUAL_FATAL(store_begin(&b), 0);
	post_as(&b, old, "messi", NULL, "dema", now + 3600);
	CU_ASSERT_EQUAL_FATAL(store_commit(&b), 0);
	CU_ASSERT_EQUAL(ask_alone(&a, "messi", NULL, "dema", now + 3630, &found), DUPG_MAYBE);
	CU_ASSERT_EQUAL(found, 1);
	/* once that date is out of the window, the quick answers come back */
	CU_ASSERT_EQUAL(ask_alone(&a, "messi", NULL, "dema", now + 3700, &found), DUPG_NONE);
	CU_ASSERT_EQUAL(found, 0);
	/* and an ordinary post leaves the table alone */
	char before[21];
	store_q *q = store_sql(&a, "SELECT published FROM post_unseen");
	CU_ASSERT_EQUAL_FATAL(store_one(q), 1);
	snprintf(before, sizeof before, "%s", store_text(q, 0));
	store_reset(q);
	post(&a, "xavi", NULL, "avui", now);
	q = store_sql(&a, "SELECT published FROM post_unseen");
	CU_ASSERT_EQUAL_FATAL(store_one(q), 1);
	CU_ASSERT_STRING_EQUAL(store_text(q, 0), before);
	store_reset(q);
	done();
}

/* a context renamed gives its posts the new hash: the map read them with
 * the old one, so a repeat in the renamed context goes to the index */
static void test_context_renamed(void)
{
	fresh();
	time_t now = time(NULL);
	int found;
	post(&a, "messi", "c1", "canvi", now);
	CU_ASSERT_EQUAL(ask_alone(&a, "messi", "c1", "canvi", now, &found), DUPG_MAYBE);
	CU_ASSERT_EQUAL(ask_alone(&a, "messi", "c9", "canvi", now, &found), DUPG_NONE);
	CU_ASSERT_EQUAL_FATAL(store_exec(&b,
					 "UPDATE activities SET context_hash = 'c9'"
					 " WHERE context_hash = 'c1'",
					 0, NULL),
			      0);
	CU_ASSERT_EQUAL(ask_alone(&a, "messi", "c9", "canvi", now, &found), DUPG_MAYBE);
	CU_ASSERT_EQUAL(found, 1);
	/* and the content: an edit (no endpoint does one, an operator might) */
	CU_ASSERT_EQUAL_FATAL(store_exec(&b,
					 "UPDATE activities SET object_json ="
					 " json_set(object_json, '$.content', 'editat')",
					 0, NULL),
			      0);
	CU_ASSERT_EQUAL(ask_alone(&a, "messi", "c9", "editat", now, &found), DUPG_MAYBE);
	done();
}

/* a database that had posts before schema 014: when they were written is
 * not known, so one dated 30 s ago with a day-old id (which the map,
 * beginning, would not read) still sends its repeat to the index */
static void test_posts_before_migration(void)
{
	fresh();
	time_t now = time(NULL);
	int found;
	char err[256], old[MAX_ID_LEN + 1];
	id_at(now - 86400, 3, old);
	/* back to schema 13 */
	CU_ASSERT_EQUAL_FATAL(store_exec(&b, "DROP TRIGGER post_unseen_ai", 0, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(store_exec(&b, "DROP TRIGGER post_unseen_au", 0, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(store_exec(&b, "DROP TABLE post_unseen", 0, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(store_exec(&b, "PRAGMA user_version = 13", 0, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(store_begin(&b), 0);
	post_as(&b, old, "messi", NULL, "migrat", now - 30);
	CU_ASSERT_EQUAL_FATAL(store_commit(&b), 0);
	CU_ASSERT_EQUAL_FATAL(store_migrate(&b, err, sizeof err), 0);
	CU_ASSERT_EQUAL(ask_alone(&a, "messi", NULL, "migrat", now, &found), DUPG_MAYBE);
	CU_ASSERT_EQUAL(found, 1);
	done();
}

/* 5,000 posts dated 100 s ago: the map drops them once it has doubled,
 * and a new post whose window reaches back to them goes to the index */
static void test_old_entries_dropped(void)
{
	fresh();
	time_t now = time(NULL);
	int found;
	CU_ASSERT_EQUAL(ask_alone(&a, "messi", NULL, "x", now, &found), DUPG_NONE);
	CU_ASSERT_EQUAL_FATAL(store_begin(&b), 0);
	for (int i = 0; i < 5000; i++)
		post_as(&b, NULL, "xavi", NULL, text_of(i), now - 100);
	CU_ASSERT_EQUAL_FATAL(store_commit(&b), 0);
	CU_ASSERT_EQUAL(ask_alone(&a, "xavi", NULL, text_of(7), now, &found), DUPG_NONE);
	CU_ASSERT_EQUAL(found, 0);
	struct dupguard_stats s;
	dupguard_stats(&a, &s);
	CU_ASSERT_EQUAL(s.entries, 0);
	CU_ASSERT_EQUAL(s.begins, 1);
	CU_ASSERT_EQUAL(ask_alone(&a, "xavi", NULL, text_of(7), now - 90, &found), DUPG_MAYBE);
	CU_ASSERT_EQUAL(found, 1);
	done();
}

/* Random posts by two connections (some in transactions rolled back,
 * some backdated or dated ahead, some with ids from before the guard
 * began), each followed by questions: a quick "no" is never wrong. */
static void test_random_mix(void)
{
	fresh();
	srandom(7);
	static const char *actors[] = {"messi", "xavi", "iniesta"};
	static const char *ctxs[] = {NULL, "c1", "c2"};
	static const char *words[] = {"a", "b", "c", "d"};
	time_t now = time(NULL);
	int quick = 0, wrong = 0, found;
	/* both guards begin first: a row written before a guard began with an
	 * id far older than its date is the one case the guard does not cover
	 * (dupguard.c, ID_SLACK_S) */
	ask_alone(&a, "messi", NULL, "a", now, &found);
	ask_alone(&b, "messi", NULL, "a", now, &found);
	for (int i = 0; i < 400; i++) {
		struct store *w = random() % 2 ? &a : &b;
		const char *actor = actors[random() % 3], *ctx = ctxs[random() % 3];
		const char *text = words[random() % 4];
		/* dated up to a minute ahead, as a client's clock may be; over a
		 * minute ahead (post_unseen) only in the last quarter, since from
		 * then on every answer is a maybe for a while */
		int ahead = i >= 300 ? 200 : 60;
		time_t t = now + (random() % 5 == 0 ? (random() % (200 + ahead)) - 200 : 0);
		int op = (int)(random() % 10);
		if (op < 6) {
			post(w, actor, ctx, text, t);
		} else if (op < 8) { /* written, then rolled back */
			CU_ASSERT_EQUAL_FATAL(store_begin(w), 0);
			post_as(w, NULL, actor, ctx, text, t);
			ask(w, actor, ctx, text, t, &found);
			store_rollback(w);
		} else { /* an id from long before, as an import would write */
			char id[MAX_ID_LEN + 1];
			id_at(now - 86400, (unsigned)i, id);
			CU_ASSERT_EQUAL_FATAL(store_begin(w), 0);
			post_as(w, id, actor, ctx, text, t);
			CU_ASSERT_EQUAL_FATAL(store_commit(w), 0);
		}
		for (int k = 0; k < 3; k++) {
			time_t at = now + (random() % 4 == 0 ? (random() % 400) - 200 : 0);
			int g = ask_alone(random() % 2 ? &a : &b, actors[random() % 3],
					  ctxs[random() % 3], words[random() % 4], at, &found);
			CU_ASSERT_NOT_EQUAL(g, DUPG_ERROR);
			if (g == DUPG_NONE) {
				quick++;
				wrong += found != 0;
			}
		}
	}
	CU_ASSERT_EQUAL(wrong, 0);
	CU_ASSERT_TRUE(quick > 100); /* the quick answer is used, not only the lookup */
	done();
}

UNIT_SUITE(dupguard, suite_init, suite_cleanup)
{
	UNIT_TEST(s, test_repeat_and_other);
	UNIT_TEST(s, test_other_connection);
	UNIT_TEST(s, test_own_transaction);
	UNIT_TEST(s, test_rowid_reused);
	UNIT_TEST(s, test_dated_in_future);
	UNIT_TEST(s, test_context_renamed);
	UNIT_TEST(s, test_posts_before_migration);
	UNIT_TEST(s, test_old_entries_dropped);
	UNIT_TEST(s, test_random_mix);
}
