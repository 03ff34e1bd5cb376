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
#include "model/admin.h"
#include "model/people.h"
#include "model/roles.h"
#include "model/tokens.h"
#include "store/maintain.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/config.h"

#include <errno.h>
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
		rc = token_password_set(db, user, pw);
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
	char token[TOKEN_LEN + 1];
	int rc = -1;
	if (store_begin(db) == 0) {
		rc = token_issue(db, cfg, user, scope, "maxctl", token, NULL);
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

static void print_problem(void *arg, const char *check, const char *row)
{
	printf("%s: %s\n", check, row);
}

static void print_orphans(void *arg, const char *what, long long n)
{
	printf("orphans: %lld %s\n", n, what);
}

static int cmd_check(struct store *db)
{
	char err[512];
	int a = store_check_integrity(db, print_problem, NULL, err, sizeof err);
	if (a < 0)
		fprintf(stderr, "maxctl: %s\n", err);
	int version = store_version(db), latest = store_latest_version();
	int bad_version = version != latest;
	if (bad_version)
		printf("schema: version %d, expected %d\n", version, latest);
	int o = bad_version ? 0 : admin_orphans(db, print_orphans, NULL);
	if (o < 0)
		fprintf(stderr, "maxctl: %s\n", model_why(db));
	if (a != 0 || bad_version || o != 0) {
		fprintf(stderr, "maxctl: the database has problems\n");
		return 1;
	}
	printf("ok\n");
	return 0;
}

static int cmd_backup(struct store *db, const char *file)
{
	char err[512];
	int pages = store_backup(db, file, err, sizeof err);
	if (pages < 0) {
		fprintf(stderr, "maxctl: %s\n", err);
		return 1;
	}
	fprintf(stderr, "backup of %d pages written to %s\n", pages, file);
	return 0;
}

/* ---- main ---------------------------------------------------------------- */

static int normalise_user(const char *in, char out[MAX_USERNAME_MAX + 1])
{
	if (people_normalise(in, out) < 0) {
		fprintf(stderr, "maxctl: \"%s\" is not a valid user name\n", in);
		return -1;
	}
	return 0;
}

/* Checks the command line of cmd: 0, or the exit status of a usage
 * error. Fills scope (token) and user (normalised, when a USER is given). */
static int check_args(const char *cmd, char **args, int nargs, const char **scope,
		      char user[MAX_USERNAME_MAX + 1])
{
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
				*scope = args[++k];
			else if (!strncmp(args[k], "--scope=", 8))
				*scope = args[k] + 8;
			else
				return usage("token takes USER [--scope S]");
		}
		if (!**scope)
			*scope = NULL; /* --scope "": a token without scope */
	} else if (!strcmp(cmd, "backup")) {
		if (nargs != 1 || !*args[0])
			return usage("backup takes FILE");
	} else {
		return usage("unknown command");
	}
	if (nargs >= 1 && strcmp(cmd, "backup") && normalise_user(args[0], user) < 0)
		return 2;
	return 0;
}

/* Loads the configuration and opens (init: creating its folder) and
 * migrates the database. 0, or -1 (reported, nothing left open). */
static int open_all(const char *cfg_path, int init, struct max_config *cfg, struct store *db)
{
	char err[512];
	if (config_load(cfg, cfg_path, err, sizeof err) < 0) {
		fprintf(stderr, "maxctl: %s\n", err);
		return -1;
	}
	const char *db_path = config_get(cfg, "store", "path");
	if (init && mkdirs_parent(db_path) < 0) {
		fprintf(stderr, "maxctl: %s: %s\n", db_path, strerror(errno));
		config_free(cfg);
		return -1;
	}
	if (store_open(db, db_path, (int)config_int(cfg, "store", "busy_timeout_ms"), err,
		       sizeof err) < 0 ||
	    store_migrate(db, err, sizeof err) < 0) {
		fprintf(stderr, "maxctl: %s\n", err);
		if (db->db)
			store_close(db);
		config_free(cfg);
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
	int bad = check_args(cmd, args, nargs, &scope, user);
	if (bad)
		return bad;

	struct max_config cfg;
	static struct store db;
	if (open_all(cfg_path, !strcmp(cmd, "init"), &cfg, &db) < 0)
		return 1;

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
