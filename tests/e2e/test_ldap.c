/*
 * test_ldap.c — POST /token with the LDAP credential store, against the
 * throw-away slapd that scripts/e2e-ldap.sh starts ([oauth] stores = local,
 * ldap; tests/ldap/fixture.ldif): a directory password gets a token, a wrong
 * one or an unknown user does not (in the same time), filter injection in
 * the login never logs anyone in, e-mail logins resolve to the cn, and a
 * directory that is down or silent fails fast with 503 and no token.
 * Without MAX_TEST_SLAPD_DIR (the plain e2e run) the suite has no tests.
 */
#include "e2e.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FORM "Content-Type: application/x-www-form-urlencoded"
#define LOCAL_USER "ld.local"
#define LOCAL_PW "local password 1"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* POST /token; returns the status, *token (arena) the token on 200. */
static long login(const char *user, const char *password, const char **token)
{
	const char *body = e2e_fmt("grant_type=password&scope=widgetcli&username=%s&password=%s",
				   e2e_escape(user), e2e_escape(password));
	struct e2e_resp *r = e2e_request("POST", "/token", NULL, body, FORM);
	long st = r->status;
	if (token) {
		const char *t = st == 200 ? e2e_str(r->json, "access_token") : NULL;
		*token = t ? e2e_fmt("%s", t) : NULL;
	}
	if (st == 400)
		E2E_STR_EQ(e2e_str(r->json, "error"), "invalid_grant");
	if (st == 503)
		E2E_STR_EQ(e2e_str(r->json, "error"), "temporarily_unavailable");
	e2e_free(r);
	return st;
}

static long checktoken(const char *token, const char *user)
{
	const char *body = e2e_fmt("access_token=%s&username=%s&scope=widgetcli",
				   e2e_escape(token ? token : ""), e2e_escape(user));
	struct e2e_resp *r = e2e_request("POST", "/checktoken", NULL, body, FORM);
	long st = r->status;
	e2e_free(r);
	return st;
}

static int slapd(const char *cmd)
{
	const char *script = getenv("MAX_TEST_SLAPD"), *dir = getenv("MAX_TEST_SLAPD_DIR");
	return system(e2e_fmt("'%s' %s '%s' >/dev/null", script, cmd, dir));
}

static int init(void)
{
	return !e2e_passwd(LOCAL_USER, LOCAL_PW);
}

/* These tests are about the directory, not the login throttle: each starts
 * with no failed logins counted. */
static void no_failures(void)
{
	CU_ASSERT_EQUAL(e2e_db_exec("DELETE FROM login_failures"), 0);
}

static void test_login(void)
{
	no_failures();
	const char *t;
	CU_ASSERT_EQUAL(login("alice", "alicepw", &t), 200);
	CU_ASSERT(t && strlen(t) == 32);
	CU_ASSERT_EQUAL(checktoken(t, "alice"), 200);
	CU_ASSERT_EQUAL(checktoken(t, "bob"), 401);
	/* the login is trimmed and lower-cased; the token is the cn's */
	CU_ASSERT_EQUAL(login("  BoB ", "bobpw", &t), 200);
	CU_ASSERT_EQUAL(checktoken(t, "bob"), 200);
	struct e2e_resp *r = e2e_request("POST", "/token", NULL,
					 "{\"grant_type\":\"password\",\"username\":\"carol\","
					 "\"password\":\"carolpw\"}");
	E2E_STATUS(r, 200);
	e2e_free(r);
	/* local users still log in, before the directory is asked */
	CU_ASSERT_EQUAL(login(LOCAL_USER, LOCAL_PW, &t), 200);
	CU_ASSERT_EQUAL(checktoken(t, LOCAL_USER), 200);
}

static void test_refused(void)
{
	no_failures();
	long before = (long)e2e_db_scalar("SELECT count(*) FROM oauth_tokens");
	CU_ASSERT_EQUAL(login("alice", "wrong", NULL), 400);
	CU_ASSERT_EQUAL(login("alice", "bobpw", NULL), 400);
	CU_ASSERT_EQUAL(login("alice", "", NULL), 400);
	CU_ASSERT_EQUAL(login("zed", "alicepw", NULL), 400);    /* not in the directory */
	CU_ASSERT_EQUAL(login("dave", "anything", NULL), 400);  /* entry without password */
	CU_ASSERT_EQUAL(login("ldap", "ldapsvcpw", NULL), 400); /* outside user_base */
	/* a local password does not open the LDAP user, nor the reverse */
	CU_ASSERT_EQUAL(login("alice", LOCAL_PW, NULL), 400);
	CU_ASSERT_EQUAL(login(LOCAL_USER, "alicepw", NULL), 400);
	CU_ASSERT_EQUAL((long)e2e_db_scalar("SELECT count(*) FROM oauth_tokens"), before);
}

static void test_injection(void)
{
	no_failures();
	static const char *const names[] = {"*",          "admin*",    "alice*",      "a*",
					    "*)(cn=*",    ")(",        "alice)(cn=*", "*)(|(cn=*",
					    "\\00",       "alice\\00", "\\2a",        "admin\\2a",
					    "(cn=alice)", NULL};
	static const char *const passwords[] = {"alicepw", "adminpw", "bobpw", NULL};
	long before = (long)e2e_db_scalar("SELECT count(*) FROM oauth_tokens");
	for (int i = 0; names[i]; i++)
		for (int j = 0; passwords[j]; j++)
			CU_ASSERT_EQUAL(login(names[i], passwords[j], NULL), 400);
	/* a NUL byte in the login itself */
	struct e2e_resp *r =
		e2e_request("POST", "/token", NULL,
			    "grant_type=password&username=alice%00x&password=alicepw", FORM);
	E2E_STATUS(r, 400);
	e2e_free(r);
	CU_ASSERT_EQUAL((long)e2e_db_scalar("SELECT count(*) FROM oauth_tokens"), before);
	/* the entry that "admin*" would match still logs in as itself */
	CU_ASSERT_EQUAL(login("admin1", "adminpw", NULL), 200);
}

static void test_email_login(void)
{
	no_failures();
	const char *t;
	CU_ASSERT_EQUAL(login("alice@example.org", "alicepw", &t), 200);
	CU_ASSERT_EQUAL(checktoken(t, "alice"), 200);
	CU_ASSERT_EQUAL(login("Alice@Example.org", "bobpw", NULL), 400);
	struct e2e_resp *r =
		e2e_request("POST", "/token", NULL,
			    "grant_type=password&username=zed%40example.org&password=alicepw",
			    FORM);
	E2E_STATUS(r, 400);
	E2E_STR_EQ(e2e_str(r->json, "error"), "invalid_user");
	e2e_free(r);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* A wrong password and an unknown user take the same time (medians). */
static void test_same_time(void)
{
	no_failures();
	enum { N = 7 };
	double wrong[N], unknown[N];
	for (int i = 0; i < N; i++) {
		double t = now_s();
		CU_ASSERT_EQUAL(login("alice", "not-her-password", NULL), 400);
		wrong[i] = now_s() - t;
		t = now_s();
		CU_ASSERT_EQUAL(login(e2e_fmt("nobody%d", i), "not-her-password", NULL), 400);
		unknown[i] = now_s() - t;
	}
	qsort(wrong, N, sizeof wrong[0], cmp_double);
	qsort(unknown, N, sizeof unknown[0], cmp_double);
	double diff = wrong[N / 2] - unknown[N / 2], big = wrong[N / 2];
	if (diff < 0)
		diff = -diff;
	if (unknown[N / 2] > big)
		big = unknown[N / 2];
	/* both paths do a search, a bind and a scrypt check; what is left of a
	 * difference is the machine's noise, which grows with its load */
	CU_ASSERT(diff < 0.04 + big / 4);
}

/* Directory stopped: a fast 503, no token; local users unaffected. */
static void test_directory_down(void)
{
	no_failures();
	long before = (long)e2e_db_scalar("SELECT count(*) FROM oauth_tokens");
	CU_ASSERT_EQUAL_FATAL(slapd("stop"), 0);
	double t = now_s();
	CU_ASSERT_EQUAL(login("alice", "alicepw", NULL), 503);
	CU_ASSERT_EQUAL(login("zed", "x", NULL), 503);
	CU_ASSERT(now_s() - t < 3);
	CU_ASSERT_EQUAL((long)e2e_db_scalar("SELECT count(*) FROM oauth_tokens"), before);
	CU_ASSERT_EQUAL(login(LOCAL_USER, LOCAL_PW, NULL), 200);
	CU_ASSERT_EQUAL_FATAL(slapd("start"), 0);
	CU_ASSERT_EQUAL(login("alice", "alicepw", NULL), 200);
}

/* Directory accepting connections but never answering: the timeouts of
 * [ldap] (1 s here) end the login with 503 instead of a hang. */
static void test_directory_silent(void)
{
	no_failures();
	FILE *f = fopen(e2e_fmt("%s/slapd.pid", getenv("MAX_TEST_SLAPD_DIR")), "r");
	int pid = 0;
	CU_ASSERT_FATAL(f && fscanf(f, "%d", &pid) == 1 && pid > 0);
	fclose(f);
	CU_ASSERT_EQUAL_FATAL(kill(pid, SIGSTOP), 0);
	/* a signal to another process lands a moment later */
	struct timespec ts = {0, 200000000};
	nanosleep(&ts, NULL);
	double t = now_s();
	long st = login("alice", "alicepw", NULL);
	double took = now_s() - t;
	kill(pid, SIGCONT);
	CU_ASSERT_EQUAL(st, 503);
	CU_ASSERT(took < 4);
	CU_ASSERT_EQUAL(login("alice", "alicepw", NULL), 200);
}

E2E_SUITE(ldap, init, NULL)
{
	if (!getenv("MAX_TEST_SLAPD_DIR") || !getenv("MAX_TEST_SLAPD"))
		return; /* only scripts/e2e-ldap.sh runs these */
	E2E_TEST(s, test_login);
	E2E_TEST(s, test_refused);
	E2E_TEST(s, test_injection);
	E2E_TEST(s, test_email_login);
	E2E_TEST(s, test_same_time);
	E2E_TEST(s, test_directory_down);
	E2E_TEST(s, test_directory_silent);
}
