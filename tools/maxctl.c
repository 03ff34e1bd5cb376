/*
 * maxctl.c — the operator's command line (INTERFACES.md "maxctl").
 *
 *   maxctl [-c max.ini] init | passwd USER | grant USER ROLE | revoke USER ROLE
 *                       | token USER [--scope S] | check | backup FILE
 *
 * Every command opens the database named by [store] path and migrates it
 * first, so a freshly upgraded binary never works on an old schema. Exit
 * status: 0 done, 1 failed, 2 usage error. Output meant for scripts (the
 * token) goes alone to stdout; everything else to stderr.
 */
#include "config.h"
#include "ids.h"
#include "max.h"
#include "oauth.h"
#include "roles.h"
#include "store.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage_text[] =
	"usage: maxctl [-c max.ini] COMMAND\n"
	"commands:\n"
	"  init                      create or migrate the database and data folders\n"
	"  passwd USER               set USER's local password, read from stdin\n"
	"  grant USER ROLE           give USER the role Manager or NonVisible\n"
	"  revoke USER ROLE          take the role away\n"
	"  token USER [--scope S]    issue a token (default scope widgetcli), print it\n"
	"  check                     integrity and foreign-key check of the database\n"
	"  backup FILE               online copy of the database into FILE\n";

static int usage(const char *why)
{
	if (why)
		fprintf(stderr, "maxctl: %s\n", why);
	fputs(usage_text, stderr);
	return 2;
}

/* mkdir -p; 0 or -1 (errno set). */
static int mkdirs(const char *path)
{
	char *p = xstrdup(path);
	int rc = 0;
	for (char *s = p + 1; *s && rc == 0; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, 0750) < 0 && errno != EEXIST)
			rc = -1;
		*s = '/';
	}
	if (rc == 0 && *p && mkdir(p, 0750) < 0 && errno != EEXIST)
		rc = -1;
	free(p);
	return rc;
}

/* Creates the folder that will hold the file path. */
static int mkdirs_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash || slash == path)
		return 0;
	char *dir = xstrndup(path, (size_t)(slash - path));
	int rc = mkdirs(dir);
	free(dir);
	return rc;
}

/* ---- commands ------------------------------------------------------------ */

static int cmd_init(const struct max_config *cfg, struct store *db)
{
	const char *dirs[] = {config_get(cfg, "store", "files"),
			      config_get(cfg, "store", "avatars")};
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
		if (*dirs[i] && mkdirs(dirs[i]) < 0) {
			fprintf(stderr, "maxctl: %s: %s\n", dirs[i], strerror(errno));
			return 1;
		}
	printf("schema version %d\n", store_version(db));
	return 0;
}

/* One line from stdin, without its line ending; NULL on EOF/error. */
static char *read_line(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, stdin);
	if (n < 0) {
		free(line);
		return NULL;
	}
	if (n > 0 && line[n - 1] == '\n')
		line[--n] = 0;
	if (n > 0 && line[n - 1] == '\r')
		line[--n] = 0;
	return line;
}

static int cmd_passwd(struct store *db, const char *user)
{
	if (isatty(STDIN_FILENO))
		fprintf(stderr, "password for %s (one line): ", user);
	char *pw = read_line();
	if (!pw || !*pw) {
		free(pw);
		fprintf(stderr, "maxctl: empty password; nothing changed\n");
		return 1;
	}
	int rc = -1;
	if (store_begin(db) == 0) {
		rc = oauth_password_set(db, user, pw);
		if (rc == 0)
			rc = store_commit(db);
		else
			store_rollback(db);
	}
	memset(pw, 0, strlen(pw));
	free(pw);
	if (rc < 0) {
		fprintf(stderr, "maxctl: could not set the password of %s\n", user);
		return 1;
	}
	fprintf(stderr, "password of %s set\n", user);
	return 0;
}

static int cmd_role(struct store *db, const char *user, const char *role, int add)
{
	int rc = -1;
	if (store_begin(db) == 0) {
		rc = add ? roles_add(db, role, user) : roles_remove(db, role, user);
		if (rc >= 0 && store_commit(db) < 0)
			rc = -1;
		else if (rc < 0)
			store_rollback(db);
	}
	if (rc < 0) {
		fprintf(stderr, "maxctl: could not change the roles of %s\n", user);
		return 1;
	}
	if (add)
		fprintf(stderr, rc ? "%s now has the role %s\n" : "%s already had the role %s\n",
			user, role);
	else
		fprintf(stderr, rc ? "%s no longer has the role %s\n" : "%s did not have the role %s\n",
			user, role);
	return 0;
}

static int cmd_token(const struct max_config *cfg, struct store *db, const char *user,
		     const char *scope)
{
	char token[OAUTH_TOKEN_LEN + 1];
	int rc = -1;
	if (store_begin(db) == 0) {
		rc = oauth_token_issue(db, cfg, user, scope, "maxctl", token);
		if (rc == 0)
			rc = store_commit(db);
		else
			store_rollback(db);
	}
	if (rc < 0) {
		fprintf(stderr, "maxctl: could not issue a token for %s\n", user);
		return 1;
	}
	printf("%s\n", token);
	memset(token, 0, sizeof token);
	return fflush(stdout) == 0 ? 0 : 1;
}

/* Runs a PRAGMA whose only good answer is the single row "ok" (or no row
 * at all); prints every other row. Returns the number of problems, or -1. */
static int pragma_report(struct store *db, const char *sql, const char *what)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(db->db, sql, -1, &s, NULL) != SQLITE_OK) {
		fprintf(stderr, "maxctl: %s: %s\n", what, sqlite3_errmsg(db->db));
		return -1;
	}
	int problems = 0, rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int cols = sqlite3_column_count(s);
		const char *first = (const char *)sqlite3_column_text(s, 0);
		if (cols == 1 && first && !strcmp(first, "ok"))
			continue;
		problems++;
		printf("%s:", what);
		for (int i = 0; i < cols; i++) {
			const char *v = (const char *)sqlite3_column_text(s, i);
			printf(" %s=%s", sqlite3_column_name(s, i), v ? v : "NULL");
		}
		printf("\n");
	}
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "maxctl: %s: %s\n", what, sqlite3_errmsg(db->db));
		problems = -1;
	}
	sqlite3_finalize(s);
	return problems;
}

/* Rows the API never leaves behind but no foreign key forbids (the tables
 * that name activities, and memberships of deleted people). Each query
 * counts the orphans of one kind. */
static const struct {
	const char *what, *sql;
} orphans[] = {
	{"likes of missing activities",
	 "SELECT count(*) FROM likes WHERE activity_id NOT IN (SELECT id FROM activities)"},
	{"favorites of missing activities",
	 "SELECT count(*) FROM favorites WHERE activity_id NOT IN (SELECT id FROM activities)"},
	{"keywords of missing activities",
	 "SELECT count(*) FROM stream_keywords WHERE activity_id NOT IN (SELECT id FROM activities)"},
	{"hashtags of missing activities",
	 "SELECT count(*) FROM stream_hashtags WHERE activity_id NOT IN (SELECT id FROM activities)"},
	{"search text of missing activities",
	 "SELECT count(*) FROM stream_text WHERE activity_id NOT IN (SELECT id FROM activities)"},
	{"visible posts of missing contexts",
	 "SELECT count(*) FROM activities WHERE verb = 'post' AND visible = 1 AND"
	 " context_hash IS NOT NULL AND context_hash NOT IN (SELECT hash FROM contexts)"},
	{"conversation members who are not people",
	 "SELECT count(*) FROM conversation_members WHERE username NOT IN (SELECT username FROM people)"},
};

static int orphan_report(struct store *db)
{
	int problems = 0;
	for (size_t i = 0; i < sizeof orphans / sizeof orphans[0]; i++) {
		sqlite3_stmt *s = NULL;
		if (sqlite3_prepare_v2(db->db, orphans[i].sql, -1, &s, NULL) != SQLITE_OK ||
		    sqlite3_step(s) != SQLITE_ROW) {
			fprintf(stderr, "maxctl: orphans (%s): %s\n", orphans[i].what,
				sqlite3_errmsg(db->db));
			sqlite3_finalize(s);
			return -1;
		}
		long long n = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
		if (n) {
			printf("orphans: %lld %s\n", n, orphans[i].what);
			problems++;
		}
	}
	return problems;
}

static int cmd_check(struct store *db)
{
	int a = pragma_report(db, "PRAGMA integrity_check", "integrity_check");
	int b = pragma_report(db, "PRAGMA foreign_key_check", "foreign_key_check");
	int version = store_version(db), latest = store_latest_version();
	int bad_version = version != latest;
	if (bad_version)
		printf("schema: version %d, expected %d\n", version, latest);
	int o = bad_version ? 0 : orphan_report(db);
	if (a != 0 || b != 0 || bad_version || o != 0) {
		fprintf(stderr, "maxctl: the database has problems\n");
		return 1;
	}
	printf("ok\n");
	return 0;
}

/* Copies the live database page by page with the backup API, a few
 * hundred pages at a time, so writers are only briefly held up; the copy
 * goes to FILE.tmp and is renamed into place once complete. */
static int cmd_backup(struct store *db, const char *file)
{
	struct stat a, b_st;
	const char *live = sqlite3_db_filename(db->db, "main");
	if (live && stat(live, &a) == 0 && stat(file, &b_st) == 0 && a.st_dev == b_st.st_dev &&
	    a.st_ino == b_st.st_ino) {
		fprintf(stderr, "maxctl: %s is the live database\n", file);
		return 1;
	}
	size_t n = strlen(file) + 8;
	char *tmp = xmalloc(n);
	snprintf(tmp, n, "%s.tmp", file);
	unlink(tmp);
	sqlite3 *dst = NULL;
	int rc = sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		fprintf(stderr, "maxctl: %s: %s\n", tmp, dst ? sqlite3_errmsg(dst) : "cannot open");
		goto fail;
	}
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", db->db, "main");
	if (!b) {
		fprintf(stderr, "maxctl: backup: %s\n", sqlite3_errmsg(dst));
		goto fail;
	}
	do {
		rc = sqlite3_backup_step(b, 256);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(50);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	int pages = sqlite3_backup_pagecount(b);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "maxctl: backup: %s\n", sqlite3_errstr(rc));
		goto fail;
	}
	/* a self-contained file: no -wal beside it */
	if (sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "maxctl: backup: %s\n", sqlite3_errmsg(dst));
		goto fail;
	}
	if (sqlite3_close(dst) != SQLITE_OK) {
		fprintf(stderr, "maxctl: backup: cannot close %s\n", tmp);
		dst = NULL;
		goto fail;
	}
	dst = NULL;
	if (rename(tmp, file) < 0) {
		fprintf(stderr, "maxctl: %s: %s\n", file, strerror(errno));
		goto fail;
	}
	fprintf(stderr, "backup of %d pages written to %s\n", pages, file);
	free(tmp);
	return 0;
fail:
	if (dst)
		sqlite3_close(dst);
	unlink(tmp);
	free(tmp);
	return 1;
}

/* ---- main ---------------------------------------------------------------- */

static int normalise_user(const char *in, char out[MAX_USERNAME_MAX + 1])
{
	if (oauth_username_norm(in, out) < 0) {
		fprintf(stderr, "maxctl: \"%s\" is not a valid user name\n", in);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *cfg_path = NULL;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-c") && i + 1 < argc)
			cfg_path = argv[++i];
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(usage_text, stdout);
			return 0;
		} else
			return usage("unknown option");
	}
	if (i >= argc)
		return usage(NULL);
	const char *cmd = argv[i++];
	char **args = argv + i;
	int nargs = argc - i;

	/* Check the command line completely before touching anything. */
	const char *scope = "widgetcli";
	char user[MAX_USERNAME_MAX + 1] = "";
	if (!strcmp(cmd, "init") || !strcmp(cmd, "check")) {
		if (nargs != 0)
			return usage("too many arguments");
	} else if (!strcmp(cmd, "passwd")) {
		if (nargs != 1)
			return usage("passwd takes USER");
	} else if (!strcmp(cmd, "grant") || !strcmp(cmd, "revoke")) {
		if (nargs != 2)
			return usage("grant and revoke take USER ROLE");
		if (!roles_bit(args[1]))
			return usage("ROLE is Manager or NonVisible");
	} else if (!strcmp(cmd, "token")) {
		if (nargs < 1)
			return usage("token takes USER");
		for (int k = 1; k < nargs; k++) {
			if (!strcmp(args[k], "--scope") && k + 1 < nargs)
				scope = args[++k];
			else if (!strncmp(args[k], "--scope=", 8))
				scope = args[k] + 8;
			else
				return usage("token takes USER [--scope S]");
		}
		if (!*scope)
			scope = NULL; /* --scope "": a token without scope */
	} else if (!strcmp(cmd, "backup")) {
		if (nargs != 1 || !*args[0])
			return usage("backup takes FILE");
	} else {
		return usage("unknown command");
	}
	if (nargs >= 1 && strcmp(cmd, "backup") && normalise_user(args[0], user) < 0)
		return 2;

	struct max_config cfg;
	char err[512];
	if (config_load(&cfg, cfg_path, err, sizeof err) < 0) {
		fprintf(stderr, "maxctl: %s\n", err);
		return 1;
	}
	const char *db_path = config_get(&cfg, "store", "path");
	if (!strcmp(cmd, "init") && mkdirs_parent(db_path) < 0) {
		fprintf(stderr, "maxctl: %s: %s\n", db_path, strerror(errno));
		config_free(&cfg);
		return 1;
	}
	static struct store db;
	if (store_open(&db, db_path, (int)config_int(&cfg, "store", "busy_timeout_ms"), err,
		       sizeof err) < 0 ||
	    store_migrate(&db, err, sizeof err) < 0) {
		fprintf(stderr, "maxctl: %s\n", err);
		if (db.db)
			store_close(&db);
		config_free(&cfg);
		return 1;
	}

	int rc;
	if (!strcmp(cmd, "init"))
		rc = cmd_init(&cfg, &db);
	else if (!strcmp(cmd, "passwd"))
		rc = cmd_passwd(&db, user);
	else if (!strcmp(cmd, "grant"))
		rc = cmd_role(&db, user, args[1], 1);
	else if (!strcmp(cmd, "revoke"))
		rc = cmd_role(&db, user, args[1], 0);
	else if (!strcmp(cmd, "token"))
		rc = cmd_token(&cfg, &db, user, scope);
	else if (!strcmp(cmd, "check"))
		rc = cmd_check(&db);
	else
		rc = cmd_backup(&db, args[0]);

	store_close(&db);
	config_free(&cfg);
	return rc;
}
