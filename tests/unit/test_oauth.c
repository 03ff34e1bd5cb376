/*
 * test_oauth.c — model/tokens.c and model/oauth.c against a real SQLite file in a temporary
 * folder: token issue/check/revoke, expiry, hashing at rest, local
 * passwords, the credential-store walk and token shape.
 */
#include "unit.h"

#include "model/logins.h"
#include "model/oauth.h"
#include "model/people.h"
#include "model/tokens.h"
#include "store/store.h"
#include "util/config.h"
#include "util/ids.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char dir[64];
static char dbpath[128];
static struct store db;
static struct max_config cfg;

static int oauth_init(void)
{
	snprintf(dir, sizeof dir, "/tmp/max-test-oauth-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(dbpath, sizeof dbpath, "%s/max.db", dir);
	char err[256];
	if (store_open(&db, dbpath, 1000, err, sizeof err) < 0 ||
	    store_migrate(&db, err, sizeof err) < 0) {
		fprintf(stderr, "test_oauth: %s\n", err);
		return -1;
	}
	config_defaults(&cfg);
	return 0;
}

static int oauth_cleanup(void)
{
	store_close(&db);
	config_free(&cfg);
	char path[160];
	const char *suffix[] = {"", "-wal", "-shm"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s%s", dbpath, suffix[i]);
		unlink(path);
	}
	rmdir(dir);
	return 0;
}

static int count_rows(const char *sql, const char *arg)
{
	sqlite3_stmt *s = NULL;
	int n = -1;
	if (sqlite3_prepare_v2(db.db, sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (arg)
		sqlite3_bind_text(s, 1, arg, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return n;
}

static void issue_ok(const char *user, const char *scope, char token[33])
{
	CU_ASSERT_EQUAL_FATAL(store_begin(&db), 0);
	CU_ASSERT_EQUAL_FATAL(token_issue(&db, &cfg, user, scope, "unit", token, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(store_commit(&db), 0);
}

static void test_token_shape(void)
{
	CU_ASSERT_TRUE(token_shape_ok("abcdefghjkmnpqrstuvwxyzABCDEFGHJ"));
	CU_ASSERT_TRUE(token_shape_ok("KLMNPQRSTUVWXYZ01234567890abcdef"));
	CU_ASSERT_FALSE(token_shape_ok(NULL));
	CU_ASSERT_FALSE(token_shape_ok(""));
	CU_ASSERT_FALSE(token_shape_ok("abc"));
	/* 31 and 33 characters */
	CU_ASSERT_FALSE(token_shape_ok("abcdefghjkmnpqrstuvwxyzABCDEFGH"));
	CU_ASSERT_FALSE(token_shape_ok("abcdefghjkmnpqrstuvwxyzABCDEFGHJK"));
	/* i, l, o, I, O are not in the alphabet; neither are symbols */
	CU_ASSERT_FALSE(token_shape_ok("ibcdefghjkmnpqrstuvwxyzABCDEFGHJ"));
	CU_ASSERT_FALSE(token_shape_ok("lbcdefghjkmnpqrstuvwxyzABCDEFGHJ"));
	CU_ASSERT_FALSE(token_shape_ok("obcdefghjkmnpqrstuvwxyzABCDEFGHJ"));
	CU_ASSERT_FALSE(token_shape_ok("IbcdefghjkmnpqrstuvwxyzABCDEFGHJ"));
	CU_ASSERT_FALSE(token_shape_ok("ObcdefghjkmnpqrstuvwxyzABCDEFGHJ"));
	CU_ASSERT_FALSE(token_shape_ok("-bcdefghjkmnpqrstuvwxyzABCDEFGHJ"));
	CU_ASSERT_FALSE(token_shape_ok("abcdefghjkmnpqrstuvwxyzABCDEFGH "));
}

static void test_issued_tokens_have_shape_and_differ(void)
{
	char seen[50][33];
	int letters[256] = {0};
	for (int i = 0; i < 50; i++) {
		issue_ok("shape", "widgetcli", seen[i]);
		CU_ASSERT_EQUAL(strlen(seen[i]), 32);
		CU_ASSERT_TRUE(token_shape_ok(seen[i]));
		for (int k = 0; k < i; k++)
			CU_ASSERT_STRING_NOT_EQUAL(seen[i], seen[k]);
		for (int k = 0; k < 32; k++)
			letters[(unsigned char)seen[i][k]]++;
	}
	/* 1600 draws over 57 symbols: every symbol shows up (expected ~28 each;
	 * missing one has probability ~1e-10), and nothing outside the set */
	const char *alphabet = TOKEN_ALPHABET;
	int total = 0;
	for (const char *p = alphabet; *p; p++) {
		CU_ASSERT_TRUE(letters[(unsigned char)*p] > 0);
		total += letters[(unsigned char)*p];
	}
	CU_ASSERT_EQUAL(total, 50 * 32);
}

static void test_issue_check_revoke(void)
{
	char t[33];
	issue_ok("Alice", "widgetcli", t);

	CU_ASSERT_EQUAL(token_check(&db, t, "alice", "widgetcli"), 1);
	CU_ASSERT_EQUAL(token_check(&db, t, "ALICE", "widgetcli"), 1);
	CU_ASSERT_EQUAL(token_check(&db, t, "  alice ", "widgetcli"), 1);
	CU_ASSERT_EQUAL(token_check(&db, t, "bob", "widgetcli"), 0);
	CU_ASSERT_EQUAL(token_check(&db, t, "alice", "other"), 0);
	CU_ASSERT_EQUAL(token_check(&db, t, "alice", "WIDGETCLI"), 0);
	CU_ASSERT_EQUAL(token_check(&db, t, "alice", NULL), 0);
	CU_ASSERT_EQUAL(token_check(&db, t, "", "widgetcli"), 0);
	CU_ASSERT_EQUAL(token_check(&db, NULL, "alice", "widgetcli"), 0);

	/* tampered: one character changed, still a valid shape */
	char bad[33];
	memcpy(bad, t, sizeof bad);
	bad[5] = bad[5] == 'a' ? 'b' : 'a';
	CU_ASSERT_TRUE(token_shape_ok(bad));
	CU_ASSERT_EQUAL(token_check(&db, bad, "alice", "widgetcli"), 0);
	/* truncated */
	memcpy(bad, t, sizeof bad);
	bad[31] = 0;
	CU_ASSERT_EQUAL(token_check(&db, bad, "alice", "widgetcli"), 0);

	/* the row holds the hash, never the token */
	char hash[65];
	hash_sha256_hex(t, strlen(t), hash);
	CU_ASSERT_EQUAL(count_rows("SELECT count(*) FROM oauth_tokens WHERE token_hash = ?1", hash),
			1);
	CU_ASSERT_EQUAL(count_rows("SELECT count(*) FROM oauth_tokens WHERE token_hash = ?1 "
				   "AND username = 'alice' AND scope = 'widgetcli' "
				   "AND expires_at IS NULL AND client = 'unit' "
				   "AND issued_at LIKE '____-__-__T__:__:__Z'",
				   hash),
			1);
	CU_ASSERT_EQUAL(count_rows("SELECT count(*) FROM oauth_tokens WHERE token_hash = ?1 "
				   "OR username = ?1 OR scope = ?1 OR client = ?1",
				   t),
			0);
	CU_ASSERT_EQUAL(count_rows("SELECT count(*) FROM oauth_tokens WHERE instr(token_hash || "
				   "username || ifnull(scope, '') || ifnull(client, ''), ?1)",
				   t),
			0);

	/* a second token for the same user and scope: both valid */
	char t2[33];
	issue_ok("alice", "widgetcli", t2);
	CU_ASSERT_STRING_NOT_EQUAL(t, t2);
	CU_ASSERT_EQUAL(token_check(&db, t, "alice", "widgetcli"), 1);
	CU_ASSERT_EQUAL(token_check(&db, t2, "alice", "widgetcli"), 1);

	/* revoke: not by someone else, then by the owner, then it is gone */
	CU_ASSERT_EQUAL(token_revoke(&db, t, "bob"), 0);
	CU_ASSERT_EQUAL(token_check(&db, t, "alice", "widgetcli"), 1);
	CU_ASSERT_EQUAL(token_revoke(&db, t, "Alice"), 1);
	CU_ASSERT_EQUAL(token_check(&db, t, "alice", "widgetcli"), 0);
	CU_ASSERT_EQUAL(token_revoke(&db, t, "alice"), 0);
	CU_ASSERT_EQUAL(count_rows("SELECT count(*) FROM oauth_tokens WHERE token_hash = ?1", hash),
			0);
	/* the other token is untouched */
	CU_ASSERT_EQUAL(token_check(&db, t2, "alice", "widgetcli"), 1);
	CU_ASSERT_EQUAL(token_revoke(&db, "abc", "alice"), 0);
}

static void test_null_scope(void)
{
	char t[33];
	issue_ok("carol", NULL, t);
	CU_ASSERT_EQUAL(count_rows("SELECT count(*) FROM oauth_tokens WHERE username = ?1 "
				   "AND scope IS NULL",
				   "carol"),
			1);
	CU_ASSERT_EQUAL(token_check(&db, t, "carol", NULL), 1);
	CU_ASSERT_EQUAL(token_check(&db, t, "carol", "widgetcli"), 0);
	CU_ASSERT_EQUAL(token_check(&db, t, "carol", ""), 0);
}

static void test_invalid_username_refused(void)
{
	char t[33];
	CU_ASSERT_EQUAL(token_issue(&db, &cfg, "   ", "widgetcli", NULL, t, NULL), -1);
	CU_ASSERT_EQUAL(token_issue(&db, &cfg, NULL, "widgetcli", NULL, t, NULL), -1);
	char user[MAX_USERNAME_MAX + 1];
	CU_ASSERT_EQUAL(people_normalise("  MiXed.Case ", user), 0);
	CU_ASSERT_STRING_EQUAL(user, "mixed.case");
	CU_ASSERT_EQUAL(people_normalise("a\tb", user), -1);
	char longname[MAX_USERNAME_MAX + 2];
	memset(longname, 'x', sizeof longname - 1);
	longname[sizeof longname - 1] = 0;
	CU_ASSERT_EQUAL(people_normalise(longname, user), -1);
	longname[MAX_USERNAME_MAX] = 0;
	CU_ASSERT_EQUAL(people_normalise(longname, user), 0);
}

static void test_expiry(void)
{
	CU_ASSERT_EQUAL_FATAL(config_set(&cfg, "oauth", "token_expiry", "1"), 0);
	char t[33], hash[65];
	time_t expires = 0, before = time(NULL);
	CU_ASSERT_EQUAL_FATAL(store_begin(&db), 0);
	CU_ASSERT_EQUAL_FATAL(token_issue(&db, &cfg, "dave", "widgetcli", NULL, t, &expires), 0);
	CU_ASSERT_EQUAL_FATAL(store_commit(&db), 0);
	CU_ASSERT_TRUE(expires >= before + 1 && expires <= time(NULL) + 1);
	hash_sha256_hex(t, strlen(t), hash);

	/* expires_at is stored as ISO text, one second after issued_at */
	sqlite3_stmt *s = NULL;
	CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db.db,
						 "SELECT issued_at, expires_at FROM oauth_tokens "
						 "WHERE token_hash = ?1",
						 -1, &s, NULL),
			      SQLITE_OK);
	sqlite3_bind_text(s, 1, hash, -1, SQLITE_TRANSIENT);
	CU_ASSERT_EQUAL_FATAL(sqlite3_step(s), SQLITE_ROW);
	time_t issued = 0, until = 0;
	const char *iso_exp = (const char *)sqlite3_column_text(s, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(iso_exp);
	CU_ASSERT_EQUAL(strlen(iso_exp), 20);
	CU_ASSERT_EQUAL(time_parse_iso((const char *)sqlite3_column_text(s, 0), &issued), 0);
	CU_ASSERT_EQUAL(time_parse_iso(iso_exp, &until), 0);
	CU_ASSERT_EQUAL(until - issued, 1);
	CU_ASSERT_EQUAL(until, expires);
	sqlite3_finalize(s);

	/* a token that never expires, issued with expiry back at 0 */
	char forever[33];
	CU_ASSERT_EQUAL_FATAL(config_set(&cfg, "oauth", "token_expiry", "0"), 0);
	issue_ok("dave", "widgetcli", forever);

	sleep(2);
	CU_ASSERT_EQUAL(token_check(&db, t, "dave", "widgetcli"), 0);
	CU_ASSERT_EQUAL(count_rows("SELECT count(*) FROM oauth_tokens WHERE token_hash = ?1", hash),
			0);
	CU_ASSERT_EQUAL(token_check(&db, forever, "dave", "widgetcli"), 1);
}

static void test_purge_expired(void)
{
	const char *rows[][2] = {
		{"purge-old", "2001-01-01T00:00:00Z"},
		{"purge-new", "2999-01-01T00:00:00Z"},
	};
	for (size_t i = 0; i < 2; i++) {
		char hash[65];
		hash_sha256_hex(rows[i][0], strlen(rows[i][0]), hash);
		const char *args[] = {hash, rows[i][0], rows[i][1]};
		CU_ASSERT_EQUAL(store_exec(&db,
					   "INSERT INTO oauth_tokens (token_hash, username, "
					   "issued_at, expires_at) VALUES (?1, ?2, "
					   "'2000-01-01T00:00:00Z', ?3)",
					   3, args),
				0);
	}
	CU_ASSERT_TRUE(token_purge_expired(&db) >= 1);
	CU_ASSERT_EQUAL(count_rows("SELECT count(*) FROM oauth_tokens WHERE username = ?1",
				   "purge-old"),
			0);
	CU_ASSERT_EQUAL(count_rows("SELECT count(*) FROM oauth_tokens WHERE username = ?1",
				   "purge-new"),
			1);
	CU_ASSERT_EQUAL(token_purge_expired(&db), 0);
	CU_ASSERT_EQUAL(token_delete_user(&db, "PURGE-NEW"), 1);
	CU_ASSERT_EQUAL(count_rows("SELECT count(*) FROM oauth_tokens WHERE username = ?1",
				   "purge-new"),
			0);
}

/* CPU time of this thread: the checks below compare scrypt's work, which
 * the wall clock of a loaded machine would blur. */
static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void test_passwords(void)
{
	CU_ASSERT_EQUAL_FATAL(token_password_set(&db, "Erin", "correct horse"), 0);
	CU_ASSERT_EQUAL(token_password_set(&db, "erin", ""), -1);
	CU_ASSERT_EQUAL(token_password_set(&db, "", "x"), -1);

	/* stored as an scrypt MCF string, not the password */
	CU_ASSERT_EQUAL(count_rows("SELECT count(*) FROM local_passwords WHERE username = ?1 "
				   "AND hash LIKE '$s1$%' AND instr(hash, 'correct') = 0",
				   "erin"),
			1);

	double t0 = now_ms();
	CU_ASSERT_EQUAL(token_password_check(&db, "erin", "correct horse"), 1);
	double known = now_ms() - t0;
	CU_ASSERT_TRUE(known < 500); /* "well under 100 ms" on a normal machine */
	CU_ASSERT_EQUAL(token_password_check(&db, " ERIN ", "correct horse"), 1);
	CU_ASSERT_EQUAL(token_password_check(&db, "erin", "correct horse "), 0);
	CU_ASSERT_EQUAL(token_password_check(&db, "erin", "Correct horse"), 0);
	CU_ASSERT_EQUAL(token_password_check(&db, "erin", ""), 0);
	CU_ASSERT_EQUAL(token_password_check(&db, "erin", NULL), 0);

	/* unknown user: refused, after the same scrypt work as a real check */
	t0 = now_ms();
	CU_ASSERT_EQUAL(token_password_check(&db, "nobody", "correct horse"), 0);
	double unknown = now_ms() - t0;
	CU_ASSERT_TRUE(unknown > known / 3);

	/* a new password replaces the old one */
	CU_ASSERT_EQUAL(token_password_set(&db, "erin", "battery staple"), 0);
	CU_ASSERT_EQUAL(token_password_check(&db, "erin", "battery staple"), 1);
	CU_ASSERT_EQUAL(token_password_check(&db, "erin", "correct horse"), 0);
	CU_ASSERT_EQUAL(count_rows("SELECT count(*) FROM local_passwords WHERE username = ?1",
				   "erin"),
			1);

	/* a corrupt stored hash is an error, not a success */
	const char *args[] = {"frank"};
	CU_ASSERT_EQUAL(store_exec(&db,
				   "INSERT INTO local_passwords (username, hash, updated_at) "
				   "VALUES (?1, 'not-a-hash', '2000-01-01T00:00:00Z')",
				   1, args),
			0);
	CU_ASSERT_NOT_EQUAL(token_password_check(&db, "frank", "not-a-hash"), 1);
}

static void test_store_walk(void)
{
	CU_ASSERT_EQUAL_FATAL(token_password_set(&db, "grace", "s3cret"), 0);
	/* default stores "local,ldap" with [ldap] url empty: local only */
	CU_ASSERT_EQUAL(oauth_authenticate(&db, &cfg, "Grace", "s3cret"), OAUTH_AUTH_OK);
	CU_ASSERT_EQUAL(oauth_authenticate(&db, &cfg, "grace", "wrong"), OAUTH_AUTH_DENIED);
	CU_ASSERT_EQUAL(oauth_authenticate(&db, &cfg, "grace", ""), OAUTH_AUTH_DENIED);
	CU_ASSERT_EQUAL(oauth_authenticate(&db, &cfg, "nobody", "s3cret"), OAUTH_AUTH_DENIED);

	/* a stores list without "local" refuses local users */
	CU_ASSERT_EQUAL_FATAL(config_set(&cfg, "oauth", "stores", "ldap"), 0);
	CU_ASSERT_EQUAL(oauth_authenticate(&db, &cfg, "grace", "s3cret"), OAUTH_AUTH_DENIED);
	CU_ASSERT_EQUAL_FATAL(config_set(&cfg, "oauth", "stores", " ldap , local "), 0);
	CU_ASSERT_EQUAL(oauth_authenticate(&db, &cfg, "grace", "s3cret"), OAUTH_AUTH_OK);
	CU_ASSERT_EQUAL_FATAL(config_set(&cfg, "oauth", "stores", "local,ldap"), 0);

	/* existence: local_passwords or people */
	CU_ASSERT_EQUAL(oauth_user_exists(&db, &cfg, "GRACE"), OAUTH_AUTH_OK);
	CU_ASSERT_EQUAL(oauth_user_exists(&db, &cfg, "heidi"), OAUTH_AUTH_DENIED);
	const char *args[] = {"heidi"};
	CU_ASSERT_EQUAL_FATAL(store_exec(&db,
					 "INSERT INTO people (username, id, display_name, creator, "
					 "published, last_login) VALUES (?1, "
					 "'0123456789abcdef01234567', 'Heidi', 'test', "
					 "'2000-01-01T00:00:00Z', '2000-01-01T00:00:00Z')",
					 1, args),
			      0);
	CU_ASSERT_EQUAL(oauth_user_exists(&db, &cfg, "heidi"), OAUTH_AUTH_OK);

	/* without an e-mail resolver, logins are only normalised */
	char out[MAX_USERNAME_MAX + 1];
	CU_ASSERT_EQUAL(oauth_resolve_login(&db, &cfg, " Grace ", out), OAUTH_AUTH_OK);
	CU_ASSERT_STRING_EQUAL(out, "grace");
	CU_ASSERT_EQUAL(oauth_resolve_login(&db, &cfg, "Grace@Example.org", out), OAUTH_AUTH_OK);
	CU_ASSERT_STRING_EQUAL(out, "grace@example.org");
}

/* Every revocation moves the counter the API workers' caches watch. */
static void test_revocation_counter(void)
{
	char t[33];
	long long n = token_revocations(&db);
	CU_ASSERT_FATAL(n >= 0);
	issue_ok("rev.a", "widgetcli", t);
	CU_ASSERT_EQUAL(token_revocations(&db), n); /* issuing revokes nothing */
	CU_ASSERT_EQUAL(token_revoke(&db, t, "rev.b"), 0);
	CU_ASSERT_EQUAL(token_revocations(&db), n);
	CU_ASSERT_EQUAL(token_revoke(&db, t, "rev.a"), 1);
	CU_ASSERT_EQUAL(token_revocations(&db), n + 1);
	issue_ok("rev.a", "widgetcli", t);
	CU_ASSERT_EQUAL(token_delete_user(&db, "REV.A"), 1);
	CU_ASSERT_EQUAL(token_revocations(&db), n + 2);
	CU_ASSERT_EQUAL(token_delete_user(&db, "rev.a"), 0);
	CU_ASSERT_EQUAL(token_revocations(&db), n + 2);
	CU_ASSERT_EQUAL(token_password_set(&db, "rev.a", "pw"), 0);
	CU_ASSERT_EQUAL(token_revocations(&db), n + 3);
}

/* The throttle: a budget per name and per address, a spent one tells
 * the seconds left, a right password clears the name, the window ends. */
static void test_login_throttle(void)
{
	CU_ASSERT_EQUAL_FATAL(config_set(&cfg, "oauth", "login_failures_per_name", "3"), 0);
	CU_ASSERT_EQUAL_FATAL(config_set(&cfg, "oauth", "login_failures_per_addr", "5"), 0);
	CU_ASSERT_EQUAL_FATAL(config_set(&cfg, "oauth", "login_window_seconds", "60"), 0);
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(login_throttled(&db, &cfg, "thr.a", "10.0.0.1"), 0);
		CU_ASSERT_EQUAL(login_failed(&db, &cfg, "thr.a", "10.0.0.1"), 0);
	}
	long wait = login_throttled(&db, &cfg, "thr.a", "10.0.0.2");
	CU_ASSERT(wait >= 59 && wait <= 60);
	CU_ASSERT_EQUAL(login_throttled(&db, &cfg, "thr.b", "10.0.0.1"), 0);
	/* the address budget counts every name */
	CU_ASSERT_EQUAL(login_failed(&db, &cfg, "thr.b", "10.0.0.1"), 0);
	CU_ASSERT_EQUAL(login_failed(&db, &cfg, "thr.c", "10.0.0.1"), 0);
	CU_ASSERT(login_throttled(&db, &cfg, "thr.d", "10.0.0.1") > 0);
	CU_ASSERT_EQUAL(login_throttled(&db, &cfg, "thr.d", NULL), 0);
	/* a right password clears the name, not the address */
	CU_ASSERT_EQUAL(login_succeeded(&db, "thr.a"), 0);
	CU_ASSERT_EQUAL(login_throttled(&db, &cfg, "thr.a", "10.0.0.2"), 0);
	CU_ASSERT(login_throttled(&db, &cfg, "thr.a", "10.0.0.1") > 0);
	/* a window that is over starts again at one, and is purged */
	CU_ASSERT_EQUAL(sqlite3_exec(db.db, "UPDATE login_failures SET since = since - 61", NULL,
				     NULL, NULL),
			SQLITE_OK);
	CU_ASSERT_EQUAL(login_throttled(&db, &cfg, "thr.d", "10.0.0.1"), 0);
	CU_ASSERT_EQUAL(login_failed(&db, &cfg, "thr.b", "10.0.0.1"), 0);
	CU_ASSERT_EQUAL(count_rows("SELECT failures FROM login_failures WHERE kind = 'name'"
				   " AND key = ?1",
				   "thr.b"),
			1);
	CU_ASSERT_EQUAL(login_purge(&db, &cfg), 1); /* thr.c: its window was over */
	/* 0 = no limit */
	CU_ASSERT_EQUAL_FATAL(config_set(&cfg, "oauth", "login_failures_per_name", "0"), 0);
	CU_ASSERT_EQUAL_FATAL(config_set(&cfg, "oauth", "login_failures_per_addr", "0"), 0);
	for (int i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(login_failed(&db, &cfg, "thr.e", "10.0.0.9"), 0);
	CU_ASSERT_EQUAL(login_throttled(&db, &cfg, "thr.e", "10.0.0.9"), 0);
	config_free(&cfg);
	config_defaults(&cfg);
}

UNIT_SUITE(oauth, oauth_init, oauth_cleanup)
{
	UNIT_TEST(s, test_token_shape);
	UNIT_TEST(s, test_issued_tokens_have_shape_and_differ);
	UNIT_TEST(s, test_issue_check_revoke);
	UNIT_TEST(s, test_null_scope);
	UNIT_TEST(s, test_invalid_username_refused);
	UNIT_TEST(s, test_expiry);
	UNIT_TEST(s, test_purge_expired);
	UNIT_TEST(s, test_passwords);
	UNIT_TEST(s, test_store_walk);
	UNIT_TEST(s, test_login_throttle);
	UNIT_TEST(s, test_revocation_counter);
}
