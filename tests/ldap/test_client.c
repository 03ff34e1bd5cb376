/*
 * test_client.c — the LDAP client (core/ldap/) against the throw-away slapd
 * of scripts/slapd.sh (tests/ldap/fixture.ldif): service bind, binds, paged
 * and unpaged searches, entry values, DNs, TLS (ldaps:// and StartTLS with
 * and without the CA), timeouts on a silent server, and the credential
 * store functions of the token server. Its own program because it links
 * libldap; scripts/e2e-ldap.sh runs it with MAX_TEST_SLAPD_DIR set.
 */
#include "ldap/auth.h"
#include "ldap/client.h"
#include "ldap/users.h"
#include "util/config.h"
#include "util/text.h"

#include <CUnit/Basic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *dir;
static char url[256], ldaps_url[256], ca[512];
static struct max_config cfg;

static void read_line(const char *name, char *out, size_t n)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	out[0] = 0;
	if (f) {
		if (fgets(out, (int)n, f))
			out[strcspn(out, "\n")] = 0;
		fclose(f);
	}
}

/* The configuration of the fixture; each test changes what it needs. */
static void reset_cfg(void)
{
	config_free(&cfg);
	config_defaults(&cfg);
	config_set(&cfg, "ldap", "url", url);
	config_set(&cfg, "ldap", "bind_dn", "cn=ldap,dc=example,dc=org");
	config_set(&cfg, "ldap", "bind_password", "ldapsvcpw");
	config_set(&cfg, "ldap", "user_base", "ou=users,dc=example,dc=org");
	config_set(&cfg, "ldap", "group_base", "ou=groups,dc=example,dc=org");
	config_set(&cfg, "ldap", "connect_timeout_s", "1");
	config_set(&cfg, "ldap", "timeout_s", "1");
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static pid_t slapd_pid(void)
{
	char pid[32];
	read_line("slapd.pid", pid, sizeof pid);
	return (pid_t)atoi(pid);
}

static int open_rc(void)
{
	struct ldapc *c = NULL;
	enum ldapc_rc rc = ldapc_open(&cfg, &c);
	ldapc_close(c);
	return rc;
}

static void test_open(void)
{
	reset_cfg();
	CU_ASSERT_EQUAL(open_rc(), LDAPC_OK);
	/* a refused service account is a configuration error */
	config_set(&cfg, "ldap", "bind_password", "wrong");
	CU_ASSERT_EQUAL(open_rc(), LDAPC_ERROR);
	reset_cfg();
	config_set(&cfg, "ldap", "url", "http://127.0.0.1/");
	CU_ASSERT_EQUAL(open_rc(), LDAPC_ERROR);
	config_set(&cfg, "ldap", "url", "ldap://127.0.0.1:1");
	double t = now_s();
	CU_ASSERT_EQUAL(open_rc(), LDAPC_UNAVAILABLE);
	CU_ASSERT(now_s() - t < 3);
}

static int count_entry(const struct ldapc_entry *e, void *arg)
{
	(void)e;
	++*(int *)arg;
	return 0;
}

static int stop_at_two(const struct ldapc_entry *e, void *arg)
{
	(void)e;
	return ++*(int *)arg == 2;
}

static void test_paged_search(void)
{
	reset_cfg();
	struct ldapc *c;
	CU_ASSERT_EQUAL_FATAL(ldapc_open(&cfg, &c), LDAPC_OK);
	const char *attrs[] = {"cn", NULL};
	int n = 0;
	/* 5 users; the fixture's size limit is 3: only pages get them all */
	CU_ASSERT_EQUAL(ldapc_search(c, "ou=users,dc=example,dc=org", LDAPC_SUB,
				     "(objectClass=inetOrgPerson)", attrs, 2, count_entry, &n),
			LDAPC_OK);
	CU_ASSERT_EQUAL(n, 5);
	n = 0;
	CU_ASSERT_EQUAL(ldapc_search(c, "ou=users,dc=example,dc=org", LDAPC_SUB,
				     "(objectClass=inetOrgPerson)", attrs, 0, count_entry, &n),
			LDAPC_ERROR); /* size limit: incomplete */
	n = 0;
	CU_ASSERT_EQUAL(ldapc_search(c, "ou=users,dc=example,dc=org", LDAPC_ONE,
				     "(objectClass=inetOrgPerson)", attrs, 1, stop_at_two, &n),
			LDAPC_OK);
	CU_ASSERT_EQUAL(n, 2);
	n = 0;
	CU_ASSERT_EQUAL(ldapc_search(c, "ou=nowhere,dc=example,dc=org", LDAPC_SUB,
				     "(objectClass=*)", attrs, 2, count_entry, &n),
			LDAPC_ERROR); /* no such object */
	ldapc_close(c);
}

static int grab_values(const char *v, void *arg)
{
	char *acc = arg;
	strncat(acc, v, 255 - strlen(acc));
	strncat(acc, "|", 255 - strlen(acc));
	return 0;
}

static int check_bob(const struct ldapc_entry *e, void *arg)
{
	char v[64];
	CU_ASSERT_STRING_EQUAL(ldapc_entry_dn(e), "cn=bob,ou=users,dc=example,dc=org");
	CU_ASSERT_EQUAL(ldapc_entry_value(e, "displayName", v, sizeof v), 0);
	CU_ASSERT_STRING_EQUAL(v, "Bob B.");
	CU_ASSERT_EQUAL(ldapc_entry_value(e, "displayName", v, 6), -1); /* too long */
	CU_ASSERT_EQUAL(ldapc_entry_value(e, "mobile", v, sizeof v), -1);
	++*(int *)arg;
	return 0;
}

static int check_devs(const struct ldapc_entry *e, void *arg)
{
	char acc[256] = "";
	CU_ASSERT_EQUAL(ldapc_entry_each(e, "uniqueMember", grab_values, acc), 2);
	CU_ASSERT_STRING_EQUAL(acc, "cn=bob,ou=users,dc=example,dc=org|"
				    "cn=carol,ou=users,dc=example,dc=org|");
	++*(int *)arg;
	return 0;
}

static void test_values(void)
{
	reset_cfg();
	struct ldapc *c;
	CU_ASSERT_EQUAL_FATAL(ldapc_open(&cfg, &c), LDAPC_OK);
	int n = 0;
	const char *attrs[] = {"displayName", "sn", NULL};
	CU_ASSERT_EQUAL(ldapc_search(c, "ou=users,dc=example,dc=org", LDAPC_SUB, "(cn=bob)", attrs,
				     0, check_bob, &n),
			LDAPC_OK);
	CU_ASSERT_EQUAL(n, 1);
	const char *gattrs[] = {"uniqueMember", NULL};
	CU_ASSERT_EQUAL(ldapc_search(c, "ou=groups,dc=example,dc=org", LDAPC_SUB, "(cn=devs)",
				     gattrs, 0, check_devs, &n),
			LDAPC_OK);
	CU_ASSERT_EQUAL(n, 2);
	ldapc_close(c);

	char v[64];
	CU_ASSERT_EQUAL(ldapc_dn_first_value("cn=Alice,ou=users,dc=x", "CN", v, sizeof v), 0);
	CU_ASSERT_STRING_EQUAL(v, "Alice");
	CU_ASSERT_EQUAL(ldapc_dn_first_value("cn=a\\2cb,ou=users,dc=x", "cn", v, sizeof v), 0);
	CU_ASSERT_STRING_EQUAL(v, "a,b");
	CU_ASSERT_EQUAL(ldapc_dn_first_value("uid=alice,ou=users,dc=x", "cn", v, sizeof v), -1);
	CU_ASSERT_EQUAL(ldapc_dn_first_value("not a dn", "cn", v, sizeof v), -1);
	CU_ASSERT_EQUAL(ldapc_dn_first_value("cn=#04024869,dc=x", "cn", v, sizeof v), -1);
}

static void test_bind(void)
{
	reset_cfg();
	struct ldapc *c;
	CU_ASSERT_EQUAL_FATAL(ldapc_open(&cfg, &c), LDAPC_OK);
	CU_ASSERT_EQUAL(ldapc_bind(c, "cn=alice,ou=users,dc=example,dc=org", "alicepw"), LDAPC_OK);
	CU_ASSERT_EQUAL(ldapc_bind(c, "cn=alice,ou=users,dc=example,dc=org", "bobpw"),
			LDAPC_DENIED);
	CU_ASSERT_EQUAL(ldapc_bind(c, "cn=alice,ou=users,dc=example,dc=org", ""), LDAPC_DENIED);
	CU_ASSERT_EQUAL(ldapc_bind(c, "cn=nobody,ou=users,dc=example,dc=org", "x"), LDAPC_DENIED);
	/* an entry without a password never binds */
	CU_ASSERT_EQUAL(ldapc_bind(c, "cn=dave,ou=users,dc=example,dc=org", "x"), LDAPC_DENIED);
	ldapc_close(c);
}

static void test_tls(void)
{
	reset_cfg();
	config_set(&cfg, "ldap", "url", ldaps_url);
	CU_ASSERT_EQUAL(open_rc(), LDAPC_UNAVAILABLE); /* self-signed, no CA given */
	config_set(&cfg, "ldap", "ca_file", ca);
	CU_ASSERT_EQUAL(open_rc(), LDAPC_OK);
	config_set(&cfg, "ldap", "ca_file", "");
	config_set(&cfg, "ldap", "tls_require_cert", "never");
	CU_ASSERT_EQUAL(open_rc(), LDAPC_OK);

	reset_cfg();
	config_set(&cfg, "ldap", "starttls", "true");
	CU_ASSERT_NOT_EQUAL(open_rc(), LDAPC_OK);
	config_set(&cfg, "ldap", "ca_file", ca);
	CU_ASSERT_EQUAL(open_rc(), LDAPC_OK);
	config_set(&cfg, "ldap", "tls_require_cert", "sometimes");
	CU_ASSERT_EQUAL(open_rc(), LDAPC_ERROR);
}

/* Stops (SIGSTOP) or resumes slapd and waits until the kernel says so:
 * a signal to another process takes effect a little later. */
static int slapd_signal(pid_t pid, int sig)
{
	char path[64], stat[256];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if (kill(pid, sig) < 0)
		return -1;
	for (int i = 0; i < 200; i++) {
		FILE *f = fopen(path, "r");
		size_t n = f ? fread(stat, 1, sizeof stat - 1, f) : 0;
		if (f)
			fclose(f);
		stat[n] = 0;
		const char *p = strrchr(stat, ')');
		if (p && p[1] == ' ' && (p[2] == 'T') == (sig == SIGSTOP))
			return 0;
		struct timespec ts = {0, 10000000};
		nanosleep(&ts, NULL);
	}
	return -1;
}

/* A server that accepts connections but never answers (stopped with
 * SIGSTOP): every call gives up after the configured timeout. */
static void test_silent_server(void)
{
	reset_cfg();
	pid_t pid = slapd_pid();
	CU_ASSERT_FATAL(pid > 0);
	struct ldapc *c;
	CU_ASSERT_EQUAL_FATAL(ldapc_open(&cfg, &c), LDAPC_OK);
	CU_ASSERT_EQUAL_FATAL(slapd_signal(pid, SIGSTOP), 0);
	double t = now_s();
	int n = 0;
	CU_ASSERT_EQUAL(ldapc_search(c, "ou=users,dc=example,dc=org", LDAPC_SUB, "(cn=alice)", NULL,
				     0, count_entry, &n),
			LDAPC_UNAVAILABLE);
	ldapc_close(c);
	CU_ASSERT_EQUAL(open_rc(), LDAPC_UNAVAILABLE);
	CU_ASSERT_EQUAL(ldap_auth_check(NULL, &cfg, "alice", "alicepw"), LDAP_AUTH_UNAVAILABLE);
	double took = now_s() - t;
	slapd_signal(pid, SIGCONT);
	CU_ASSERT(took < 6);
	CU_ASSERT_EQUAL(open_rc(), LDAPC_OK);
}

static void test_auth_store(void)
{
	reset_cfg();
	CU_ASSERT_EQUAL(ldap_auth_check(NULL, &cfg, "alice", "alicepw"), LDAP_AUTH_OK);
	CU_ASSERT_EQUAL(ldap_auth_check(NULL, &cfg, "alice", "wrong"), LDAP_AUTH_DENIED);
	CU_ASSERT_EQUAL(ldap_auth_check(NULL, &cfg, "alice", ""), LDAP_AUTH_DENIED);
	CU_ASSERT_EQUAL(ldap_auth_check(NULL, &cfg, "nobody", "alicepw"), LDAP_AUTH_DENIED);
	static const char *const evil[] = {"*",    "alice*",    "admin*",      "a*",
					   ")(",   "*)(cn=*",   "alice)(cn=*", "\\2a",
					   "\\00", "alice\\00", NULL};
	for (int i = 0; evil[i]; i++) {
		CU_ASSERT_EQUAL(ldap_auth_check(NULL, &cfg, evil[i], "alicepw"), LDAP_AUTH_DENIED);
		CU_ASSERT_EQUAL(ldap_auth_check(NULL, &cfg, evil[i], "adminpw"), LDAP_AUTH_DENIED);
		CU_ASSERT_EQUAL(ldap_auth_exists(NULL, &cfg, evil[i]), LDAP_AUTH_DENIED);
	}
	CU_ASSERT_EQUAL(ldap_auth_exists(NULL, &cfg, "bob"), LDAP_AUTH_OK);
	char out[MAX_USERNAME_MAX + 1];
	CU_ASSERT_EQUAL(ldap_auth_resolve(NULL, &cfg, "alice@example.org", out), LDAP_AUTH_OK);
	CU_ASSERT_STRING_EQUAL(out, "alice");
	CU_ASSERT_EQUAL(ldap_auth_resolve(NULL, &cfg, "*@example.org", out), LDAP_AUTH_NO_USER);
	CU_ASSERT_EQUAL(ldap_auth_resolve(NULL, &cfg, "zed@example.org", out), LDAP_AUTH_NO_USER);
	/* one level only: the users are right under user_base */
	config_set(&cfg, "ldap", "user_scope", "one");
	CU_ASSERT_EQUAL(ldap_auth_check(NULL, &cfg, "bob", "bobpw"), LDAP_AUTH_OK);
	config_set(&cfg, "ldap", "user_base", "dc=example,dc=org");
	CU_ASSERT_EQUAL(ldap_auth_check(NULL, &cfg, "bob", "bobpw"), LDAP_AUTH_DENIED);
	/* disabled entries do not log in */
	reset_cfg();
	config_set(&cfg, "ldap", "disabled_filter", "(cn=carol)");
	CU_ASSERT_EQUAL(ldap_auth_check(NULL, &cfg, "carol", "carolpw"), LDAP_AUTH_DENIED);
	CU_ASSERT_EQUAL(ldap_auth_check(NULL, &cfg, "bob", "bobpw"), LDAP_AUTH_OK);
	/* a user filter that excludes the entry */
	reset_cfg();
	config_set(&cfg, "ldap", "user_filter", "(objectClass=groupOfNames)");
	CU_ASSERT_EQUAL(ldap_auth_check(NULL, &cfg, "alice", "alicepw"), LDAP_AUTH_DENIED);
	/* the directory down: never a login */
	reset_cfg();
	config_set(&cfg, "ldap", "url", "ldap://127.0.0.1:1");
	CU_ASSERT_EQUAL(ldap_auth_check(NULL, &cfg, "alice", "alicepw"), LDAP_AUTH_UNAVAILABLE);
	CU_ASSERT_EQUAL(ldap_auth_exists(NULL, &cfg, "alice"), LDAP_AUTH_UNAVAILABLE);
}

/* The sync's view of the people: paged (the fixture's size limit is 3),
 * mapped, sorted, disabled entries left out. */
static void test_users_read(void)
{
	reset_cfg();
	config_set(&cfg, "ldap", "page_size", "2");
	struct ldapc *c;
	CU_ASSERT_EQUAL_FATAL(ldapc_open(&cfg, &c), LDAPC_OK);
	struct ldap_users u;
	CU_ASSERT_EQUAL_FATAL(ldap_users_read(c, &cfg, &u), LDAPC_OK);
	CU_ASSERT_EQUAL(u.n, 5);
	CU_ASSERT_EQUAL(u.skipped, 0);
	CU_ASSERT_STRING_EQUAL(u.v[0].username, "admin1");
	const struct ldap_user *p = ldap_users_find(&u, "alice");
	CU_ASSERT_FATAL(p != NULL);
	CU_ASSERT_STRING_EQUAL(p->display, "Alice Example"); /* sn */
	CU_ASSERT_STRING_EQUAL(p->dn, "cn=alice,ou=users,dc=example,dc=org");
	p = ldap_users_find(&u, "bob");
	CU_ASSERT_FATAL(p != NULL);
	CU_ASSERT_STRING_EQUAL(p->display, "Bob B."); /* displayName before sn */
	CU_ASSERT(ldap_users_find(&u, "zed") == NULL);
	ldap_users_free(&u);

	config_set(&cfg, "ldap", "disabled_filter", "(|(cn=carol)(cn=dave))");
	config_set(&cfg, "ldap", "name_attrs", "mail");
	CU_ASSERT_EQUAL_FATAL(ldap_users_read(c, &cfg, &u), LDAPC_OK);
	CU_ASSERT_EQUAL(u.n, 3);
	CU_ASSERT(ldap_users_find(&u, "carol") == NULL);
	p = ldap_users_find(&u, "admin1");
	CU_ASSERT(p && !strcmp(p->display, "admin1")); /* no mail: the username */
	ldap_users_free(&u);

	/* an error half-way is an error, never a shorter list */
	config_set(&cfg, "ldap", "page_size", "0");
	config_set(&cfg, "ldap", "disabled_filter", "");
	CU_ASSERT_EQUAL(ldap_users_read(c, &cfg, &u), LDAPC_OK); /* page_size 0 → 1 */
	ldap_users_free(&u);
	config_set(&cfg, "ldap", "user_base", "ou=gone,dc=example,dc=org");
	CU_ASSERT_EQUAL(ldap_users_read(c, &cfg, &u), LDAPC_ERROR);
	CU_ASSERT_EQUAL(u.n, 0);
	ldapc_close(c);

	CU_ASSERT(text_username_ok("alice.b-c_d@x"));
	CU_ASSERT(!text_username_ok("a b"));
	CU_ASSERT(!text_username_ok("a/b"));
	CU_ASSERT(!text_username_ok(""));
}

int main(void)
{
	dir = getenv("MAX_TEST_SLAPD_DIR");
	if (!dir) {
		fprintf(stderr, "tests/ldap: run me through scripts/e2e-ldap.sh\n");
		return 2;
	}
	read_line("url", url, sizeof url);
	read_line("ldaps_url", ldaps_url, sizeof ldaps_url);
	snprintf(ca, sizeof ca, "%s/ca.pem", dir);
	config_defaults(&cfg);
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	CU_pSuite s = CU_add_suite("ldap_client", NULL, NULL);
	CU_add_test(s, "test_open", test_open);
	CU_add_test(s, "test_paged_search", test_paged_search);
	CU_add_test(s, "test_values", test_values);
	CU_add_test(s, "test_bind", test_bind);
	CU_add_test(s, "test_tls", test_tls);
	CU_add_test(s, "test_silent_server", test_silent_server);
	CU_add_test(s, "test_auth_store", test_auth_store);
	CU_add_test(s, "test_users_read", test_users_read);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
	unsigned run = CU_get_number_of_tests_run();
	CU_cleanup_registry();
	config_free(&cfg);
	return failed || !run ? 1 : 0;
}
