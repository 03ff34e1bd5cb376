/*
 * test_sync.c — max-ldap-sync against a real slapd of its own (the second
 * one scripts/e2e-ldap.sh starts, MAX_TEST_SYNC_SLAPD_DIR, loaded with
 * tests/ldap/fixture.ldif, which these tests change with ldapmodify) and
 * the database of the running server, checked through the API and the
 * tables: people created and renamed as POST/PUT /people would (same
 * outbox rows), a second run and every --dry-run write nothing (same
 * sqlite3 .dump), missing people lose their tokens or are deleted, group
 * members are subscribed with the role's permissions and the binding a
 * subscription through the API gets, manual subscriptions and unmanaged
 * people are never touched, a directory that fails or is down changes
 * nothing (status 2), the removal guard (3) and the lock (5) refuse.
 * Linked into the e2e program; without the variable the suite is empty.
 */
#include "e2e.h"
#include "util/ids.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FORM "Content-Type: application/x-www-form-urlencoded"
#define USERS "ou=users,dc=example,dc=org"
#define C1 "http://portal/c1"

static const char *url; /* the sync's slapd */
static const char *c1;  /* hash of C1 */
static const char *local_row;

/* ---- files, the directory, the database ----------------------------------------- */

static const char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *text = NULL;
	size_t cap = 0;
	ssize_t n = getdelim(&text, &cap, '\0', f);
	fclose(f);
	const char *out = e2e_fmt("%s", n > 0 ? text : "");
	free(text);
	return out;
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static const char *var_path(const char *name)
{
	return e2e_fmt("%s/%s", getenv("MAX_TEST_VAR"), name);
}

/* sync.ini: the server's max.ini, then [ldap] for the sync's slapd and
 * extra (later keys win). */
static int ini(const char *extra)
{
	const char *base = slurp(getenv("MAX_TEST_INI"));
	return write_file(var_path("sync.ini"),
			  e2e_fmt("%s\n[ldap]\nurl = %s\nbind_dn = cn=ldap,dc=example,dc=org\n"
				  "bind_password = ldapsvcpw\nuser_base = " USERS "\n"
				  "group_base = ou=groups,dc=example,dc=org\n"
				  "group_map_file = %s\nlock_file = %s\npage_size = 2\n"
				  "max_removal_ratio = 0.5\nconnect_timeout_s = 1\ntimeout_s = "
				  "2\n%s",
				  base ? base : "", url, var_path("sync-groups.map"),
				  var_path("sync.lock"), extra));
}

static int groups(const char *map)
{
	return write_file(var_path("sync-groups.map"), map);
}

/* Runs max-ldap-sync with args; its stdout and stderr into *out, *err. */
static int run_sync(const char *args, const char **out, const char **err)
{
	const char *o = var_path("sync.out"), *e = var_path("sync.err");
	int st = system(e2e_fmt("'%s/max-ldap-sync' -c '%s' %s > '%s' 2> '%s'",
				getenv("MAX_TEST_BUILD"), var_path("sync.ini"), args, o, e));
	*out = slurp(o);
	*err = slurp(e);
	if (!*out || !*err)
		return -1;
	if (strstr(*err, "ldapsvcpw"))
		CU_FAIL("the bind password reached the log");
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Runs and checks the status and (unless NULL) the whole stdout. */
#define SYNC(args, status, expected) sync_expect(args, status, expected, __LINE__)
static const char *sync_expect(const char *args, int status, const char *expected, int line)
{
	const char *out, *err;
	int rc = run_sync(args, &out, &err);
	if (rc != status || (expected && strcmp(out ? out : "", expected))) {
		fprintf(stderr,
			"\nline %d: max-ldap-sync %s: status %d (expected %d)\n"
			"stdout:\n%s---- expected:\n%s---- stderr:\n%s\n",
			line, args, rc, status, out, expected ? expected : "(any)\n", err);
		CU_FAIL("max-ldap-sync run");
	}
	return out ? out : "";
}

static int ldif(const char *text)
{
	FILE *p = popen(e2e_fmt("ldapmodify -x -H '%s' -D cn=admin,dc=example,dc=org -w rootpw"
				" > /dev/null",
				url),
			"w");
	if (!p)
		return -1;
	fputs(text, p);
	int rc = pclose(p);
	CU_ASSERT_EQUAL(rc, 0);
	return rc;
}

static int slapd(const char *cmd)
{
	return system(e2e_fmt("'%s' %s '%s' > /dev/null", getenv("MAX_TEST_SLAPD"), cmd,
			      getenv("MAX_TEST_SYNC_SLAPD_DIR")));
}

/* The whole database as text (sqlite3 .dump). */
static const char *dump(void)
{
	FILE *p = popen(e2e_fmt("sqlite3 -readonly '%s' .dump", var_path("max.db")), "r");
	if (!p)
		return "";
	char *text = NULL;
	size_t cap = 0;
	ssize_t n = getdelim(&text, &cap, '\0', p);
	pclose(p);
	const char *out = e2e_fmt("%s", n > 0 ? text : "");
	free(text);
	return out;
}

static const char *display_of(const char *user)
{
	struct e2e_resp *r = e2e_request("GET", e2e_fmt("/people/%s", user), e2e_manager(), NULL);
	const char *d = r->status == 200 ? e2e_fmt("%s", e2e_str(r->json, "displayName")) : NULL;
	e2e_free(r);
	return d;
}

static long checktoken(const char *token, const char *user)
{
	struct e2e_resp *r =
		e2e_request("POST", "/checktoken", NULL,
			    e2e_fmt("access_token=%s&username=%s&scope=widgetcli", token, user),
			    FORM);
	long st = r->status;
	e2e_free(r);
	return st;
}

/* The outbox rows since id about user, with the name replaced by U. */
static const char *outbox_rows(long long since, const char *user)
{
	return e2e_db_text("SELECT group_concat(op || '|' || exchange || '|' ||"
			   " replace(destination, '%s', 'U') || '|' || routing_key || '|' ||"
			   " ifnull(body, '-'), ';') FROM (SELECT * FROM outbox WHERE id > %lld AND"
			   " (destination = '%s' OR destination LIKE '%s.%%'"
			   " OR exchange LIKE '%s.%%') ORDER BY id)",
			   user, since, user, user, user);
}

static const char *perms(const char *user)
{
	return e2e_db_text("SELECT permissions_json FROM subscriptions WHERE username = '%s'"
			   " AND hash = '%s'",
			   user, c1);
}

static int on(void)
{
	return getenv("MAX_TEST_SYNC_SLAPD_DIR") != NULL;
}

static int init(void)
{
	if (!on())
		return 0;
	url = slurp(e2e_fmt("%s/url", getenv("MAX_TEST_SYNC_SLAPD_DIR")));
	if (!url)
		return 1;
	url = e2e_fmt("%.*s", (int)strcspn(url, "\n"), url);
	char h[41];
	hash_sha1_hex(C1, strlen(C1), h);
	c1 = e2e_fmt("%s", h);
	if (!e2e_person("sync.local", "Local One") || ini("") || groups(""))
		return 1;
	local_row = e2e_db_text("SELECT username || display_name || creator || published"
				" FROM people WHERE username = 'sync.local'");
	return 0;
}

/* ---- people ---------------------------------------------------------------------- */

/* The first run creates every directory user as POST /people does. */
static void test_first_run(void)
{
	long long since = e2e_db_scalar("SELECT ifnull(max(id), 0) FROM outbox");
	E2E_SEND(201, "POST", "/people", e2e_manager(),
		 "{\"username\":\"sync.api\",\"displayName\":\"Sync Api\"}");
	const char *out = SYNC("", 0, NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "create alice \"Alice Example\"\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "create bob \"Bob B.\"\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "done: 5 created; 0 failed\n"));
	E2E_STR_EQ(display_of("alice"), "Alice Example");
	E2E_STR_EQ(display_of("bob"), "Bob B.");
	E2E_STR_EQ(outbox_rows(since, "alice"), outbox_rows(since, "sync.api"));
	E2E_STR_EQ(outbox_rows(since, "alice"), "declare_user||U||-");
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM ldap_people"), 5);
}

/* Right after: nothing to do, nothing written, nothing printed. */
static void test_second_run(void)
{
	const char *before = dump(), *out, *err;
	E2E_INT_EQ(run_sync("--stats", &out, &err), 0);
	E2E_STR_EQ(out, "");
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "stats: sqlite: 0 write transactions"));
	SYNC("--dry-run", 0, "");
	CU_ASSERT(!strcmp(dump(), before));
}

static void test_rename(void)
{
	ldif("dn: cn=alice," USERS "\nchangetype: modify\nreplace: sn\nsn: Alice E.\n");
	const char *before = dump();
	SYNC("--dry-run", 0, "rename alice \"Alice E.\"\n");
	CU_ASSERT(!strcmp(dump(), before));
	E2E_STR_EQ(display_of("alice"), "Alice Example");
	SYNC("", 0, "rename alice \"Alice E.\"\ndone: 1 renamed; 0 failed\n");
	E2E_STR_EQ(display_of("alice"), "Alice E.");
}

static void test_missing(void)
{
	const char *token = e2e_token("bob");
	E2E_INT_EQ(checktoken(token, "bob"), 200);
	ldif("dn: cn=bob," USERS "\nchangetype: delete\n");
	SYNC("", 0, "revoke-tokens bob\ndone: 1 tokens revoked; 0 failed\n");
	E2E_STR_EQ(display_of("bob"), "Bob B.");
	E2E_INT_EQ(checktoken(token, "bob"), 401);
	SYNC("", 0, "");
	ini("on_missing = delete\n");
	SYNC("--dry-run", 0, "delete bob\n");
	SYNC("", 0, "delete bob\ndone: 1 deleted; 0 failed\n");
	CU_ASSERT_PTR_NULL(display_of("bob"));
	ini("");
	e2e_forget_token("bob");
	ldif("dn: cn=bob," USERS "\nchangetype: add\nobjectClass: inetOrgPerson\ncn: bob\n"
	     "sn: B\ndisplayName: Bob B.\n");
	SYNC("", 0, "create bob \"Bob B.\"\ndone: 1 created; 0 failed\n");
}

/* ---- groups ------------------------------------------------------------------------ */

static void test_groups(void)
{
	E2E_SEND(201, "POST", "/contexts", e2e_manager(),
		 "{\"url\":\"" C1 "\",\"displayName\":\"C1\",\"notifications\":true,"
		 "\"permissions\":{\"read\":\"subscribed\",\"write\":\"restricted\","
		 "\"subscribe\":\"restricted\",\"unsubscribe\":\"restricted\"}}");
	long long since = e2e_db_scalar("SELECT ifnull(max(id), 0) FROM outbox");
	/* carol, subscribed through the API */
	E2E_SEND(201, "POST", e2e_fmt("/contexts/%s/subscriptions", c1), e2e_manager(),
		 "{\"actor\":{\"objectType\":\"person\",\"username\":\"carol\"}}");
	groups("# the portal's staff write in c1\nstaff " C1 " writer\n");
	SYNC("", 0,
	     e2e_fmt("subscribe alice %s(" C1 ") group=staff\ngrant alice %s write\n"
		     "grant alice %s unsubscribe\ndone: 1 subscribed, 2 granted; 0 failed\n",
		     c1, c1, c1));
	E2E_STR_EQ(perms("alice"), "[\"read\",\"write\",\"unsubscribe\"]");
	E2E_STR_EQ(outbox_rows(since, "alice"), outbox_rows(since, "carol"));
	E2E_STR_EQ(outbox_rows(since, "alice"), e2e_fmt("bind|activity|U.subscribe|%s|-", c1));
	SYNC("", 0, "");
	ldif("dn: cn=staff,ou=groups,dc=example,dc=org\nchangetype: modify\nadd: member\n"
	     "member: cn=bob," USERS "\nmember: cn=carol," USERS "\n");
	SYNC("", 0,
	     e2e_fmt("subscribe bob %s(" C1 ") group=staff\ngrant bob %s write\n"
		     "grant bob %s unsubscribe\ngrant carol %s write\ngrant carol %s unsubscribe\n"
		     "done: 1 subscribed, 4 granted; 0 failed\n",
		     c1, c1, c1, c1, c1));
	ldif("dn: cn=staff,ou=groups,dc=example,dc=org\nchangetype: modify\ndelete: member\n"
	     "member: cn=alice," USERS "\nmember: cn=carol," USERS "\n");
	since = e2e_db_scalar("SELECT max(id) FROM outbox");
	SYNC("", 0, e2e_fmt("unsubscribe alice %s\ndone: 1 unsubscribed; 0 failed\n", c1));
	CU_ASSERT_PTR_NULL(perms("alice"));
	E2E_STR_EQ(outbox_rows(since, "alice"), e2e_fmt("unbind|activity|U.subscribe|%s|-", c1));
	CU_ASSERT_PTR_NOT_NULL(perms("carol")); /* manual: stays */
	CU_ASSERT_PTR_NOT_NULL(perms("bob"));
	SYNC("", 0, "");
}

/* A group that is not in the directory leaves its context alone (4). */
static void test_missing_group(void)
{
	groups("staff " C1 " writer\nnosuchgroup " C1 "\n");
	const char *before = dump();
	SYNC("", 4, "done: 1 failed\n");
	CU_ASSERT(!strcmp(dump(), before));
	groups("staff " C1 " writer\n");
	SYNC("", 0, "");
}

/* ---- failures ------------------------------------------------------------------------ */

static void test_ldap_down(void)
{
	ldif("dn: cn=dave," USERS "\nchangetype: modify\nreplace: sn\nsn: Dave Two\n");
	/* a search that fails after the people were read */
	ini("group_base = ou=nowhere,dc=example,dc=org\n");
	const char *before = dump();
	SYNC("", 2, "");
	CU_ASSERT(!strcmp(dump(), before));
	ini("");
	/* the server down */
	slapd("stop");
	time_t t0 = time(NULL);
	SYNC("", 2, "");
	CU_ASSERT(time(NULL) - t0 < 5);
	CU_ASSERT(!strcmp(dump(), before));
	CU_ASSERT_EQUAL(slapd("start"), 0);
	SYNC("", 0, "rename dave \"Dave Two\"\ndone: 1 renamed; 0 failed\n");
}

static void test_guard(void)
{
	/* alice, carol and dave leave: 3 of 5 managed people > 0.5 */
	for (const char *const *u = (const char *const[]){"alice", "carol", "dave", NULL}; *u; u++)
		ldif(e2e_fmt("dn: cn=%s," USERS "\nchangetype: delete\n", *u));
	const char *before = dump();
	SYNC("", 3, "");
	SYNC("--dry-run", 3, "");
	CU_ASSERT(!strcmp(dump(), before));
	SYNC("--force", 0,
	     "revoke-tokens alice\nrevoke-tokens carol\nrevoke-tokens dave\n"
	     "done: 3 tokens revoked; 0 failed\n");
	/* an empty answer is never taken for "everybody left" */
	ini("user_filter = (cn=nobody-at-all)\n");
	SYNC("", 3, "");
	ini("");
	SYNC("", 0, "");
}

static void test_lock(void)
{
	int fd = open(var_path("sync.lock"), O_RDWR | O_CREAT, 0640);
	CU_ASSERT(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0);
	const char *out, *err;
	E2E_INT_EQ(run_sync("", &out, &err), 5);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "another run holds the lock"));
	close(fd);
	SYNC("", 0, "");
}

static void test_config(void)
{
	ini("on_missing = sometimes\n");
	SYNC("", 1, "");
	ini("");
	groups("staff " C1 " boss\n");
	SYNC("", 1, "");
	groups("staff " C1 " writer\n");
	const char *out = SYNC("--help", 0, NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "usage: max-ldap-sync"));
	SYNC("--bogus", 1, "");
}

/* A synced person logs in with the directory password (the token
 * server's LDAP store) and is the person the sync made. */
static void test_login(void)
{
	struct e2e_resp *r =
		e2e_request("POST", "/token", NULL,
			    "grant_type=password&scope=widgetcli&username=bob&password=bobpw",
			    FORM);
	E2E_STATUS(r, 200);
	const char *token = e2e_fmt("%s", r->status == 200 ? e2e_str(r->json, "access_token") : "");
	e2e_free(r);
	r = e2e_request("GET", "/people/bob", NULL, NULL, e2e_fmt("X-Oauth-Token: %s", token),
			"X-Oauth-Username: bob", "X-Oauth-Scope: widgetcli");
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_str(r->json, "displayName"), "Bob B.");
	e2e_free(r);
}

/* People the sync did not create or adopt were never touched. */
static void test_unmanaged(void)
{
	E2E_STR_EQ(e2e_db_text("SELECT username || display_name || creator || published"
			       " FROM people WHERE username = 'sync.local'"),
		   local_row);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM ldap_people WHERE username IN"
				 " ('sync.local', 'sync.api')"),
		   0);
	E2E_STR_EQ(display_of("sync.api"), "Sync Api");
}

E2E_SUITE(ldapsync, init, NULL)
{
	if (!on())
		return;
	E2E_TEST(s, test_first_run);
	E2E_TEST(s, test_second_run);
	E2E_TEST(s, test_rename);
	E2E_TEST(s, test_missing);
	E2E_TEST(s, test_groups);
	E2E_TEST(s, test_missing_group);
	E2E_TEST(s, test_ldap_down);
	E2E_TEST(s, test_guard);
	E2E_TEST(s, test_lock);
	E2E_TEST(s, test_config);
	E2E_TEST(s, test_login);
	E2E_TEST(s, test_unmanaged);
}
