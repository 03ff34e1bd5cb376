/*
 * maxctl.c — the operator's command line (README "Operating MAX"): the
 * command table, the command line, and the account commands (init,
 * passwd, grant, revoke, token, check). The data commands (export,
 * forget, stats) are in tools/maxctl/data.c, backup and restore in
 * tools/maxctl/files.c, config-template in tools/maxctl/config_doc.c.
 *
 * Every command that opens the database migrates it first, so a freshly
 * upgraded binary never works on an old schema. Files it creates are the
 * owner's only (umask 077). Exit status: 0 done, 1 failed, 2 usage error.
 * Output meant for scripts (a token, an export, stats) goes alone to
 * stdout; everything else to stderr.
 */
#include "maxctl/maxctl.h"
#include "model/admin.h"
#include "model/media.h"
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

static int cmd_init(struct run *r)
{
	const struct max_config *cfg = r->cfg;
	const char *dirs[] = {config_get(cfg, "store", "files"),
			      config_get(cfg, "store", "avatars")};
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
		if (*dirs[i] && mkdirs(dirs[i]) < 0) {
			fprintf(stderr, "maxctl: %s: %s\n", dirs[i], strerror(errno));
			return 1;
		}
	printf("schema version %d\n", store_version(r->db));
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

static int cmd_passwd(struct run *r)
{
	struct store *db = r->db;
	const char *user = r->user;
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

static int cmd_role(struct run *r)
{
	struct store *db = r->db;
	const char *user = r->user, *role = r->args[1];
	int add = !strcmp(r->cmd, "grant");
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
		fprintf(stderr,
			rc ? "%s no longer has the role %s\n" : "%s did not have the role %s\n",
			user, role);
	return 0;
}

static int cmd_token(struct run *r)
{
	struct store *db = r->db;
	const char *user = r->user, *scope = r->scope;
	char token[TOKEN_LEN + 1];
	int rc = -1;
	if (store_begin(db) == 0) {
		rc = token_issue(db, r->cfg, user, scope, "maxctl", token, NULL);
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

static void print_orphan_file(const char *path, void *arg)
{
	(void)arg;
	printf("orphan file: %s\n", path);
}

/* Files under [store] files that no row names (a crash between a
 * commit and the file's rename, or a write that never finished). */
static int check_files(struct run *r)
{
	const char *root = config_get(r->cfg, "store", "files");
	int n = root && *root ? media_orphans(root, r->db, print_orphan_file, NULL) : 0;
	if (n < 0)
		fprintf(stderr, "maxctl: cannot scan %s for orphan files\n", root);
	return n;
}

static int cmd_check(struct run *r)
{
	struct store *db = r->db;
	char err[512];
	int a = store_check_integrity(db, r->full ? STORE_CHECK_FULL : STORE_CHECK_QUICK,
				      print_problem, NULL, err, sizeof err);
	if (a < 0)
		fprintf(stderr, "maxctl: %s\n", err);
	int version = store_version(db), latest = store_latest_version();
	int bad_version = version != latest;
	if (bad_version)
		printf("schema: version %d, expected %d\n", version, latest);
	int o = bad_version ? 0 : admin_orphans(db, print_orphans, NULL);
	if (o < 0)
		fprintf(stderr, "maxctl: %s\n", model_why(db));
	int f = bad_version ? 0 : check_files(r);
	if (a != 0 || bad_version || o != 0 || f != 0) {
		fprintf(stderr, "maxctl: the database has problems\n");
		return 1;
	}
	printf("ok\n");
	return 0;
}

static int cmd_config_template(struct run *r)
{
	int missing = config_doc_missing(NULL);
	if (missing)
		fprintf(stderr, "maxctl: %d configuration keys without explanation\n", missing);
	config_template(stdout, r->roff, r->var);
	return fflush(stdout) == 0 && !missing ? 0 : 1;
}

/* ---- the command table ----------------------------------------------------- */

enum { NO_DB, OPEN_DB, CREATE_DB };

struct command {
	const char *name, *synopsis, *summary, *help;
	int min, max;        /* positional arguments */
	int user;            /* the first one is a USER */
	int db;              /* NO_DB, OPEN_DB, CREATE_DB */
	const char *options; /* allowed flags, space separated */
	int (*run)(struct run *r);
};

static const struct command commands[] = {
	{"init", "init", "create or migrate the database and the data folders",
	 "Creates the database named by [store] path (and its folder) or migrates it to the\n"
	 "newest schema, and creates the [store] files and avatars folders. Safe to run twice.\n",
	 0, 0, 0, CREATE_DB, "", cmd_init},
	{"passwd", "passwd USER", "set USER's local password, read from stdin",
	 "Reads one line from stdin and stores it as USER's local password (an scrypt hash).\n", 1,
	 1, 1, OPEN_DB, "", cmd_passwd},
	{"grant", "grant USER ROLE", "give USER the role Manager or NonVisible",
	 "Gives USER the security role ROLE (Manager or NonVisible).\n", 2, 2, 1, OPEN_DB, "",
	 cmd_role},
	{"revoke", "revoke USER ROLE", "take the role away",
	 "Takes the security role ROLE (Manager or NonVisible) away from USER.\n", 2, 2, 1, OPEN_DB,
	 "", cmd_role},
	{"token", "token USER [--scope S]", "issue a token (default scope widgetcli), print it",
	 "Issues an OAuth token for USER and prints it alone on stdout. --scope \"\" issues a\n"
	 "token without scope. USER need not be a person yet.\n",
	 1, 1, 1, OPEN_DB, "--scope", cmd_token},
	{"check", "check [--full]", "integrity, foreign-key and orphan check of the database",
	 "Runs SQLite's quick_check (every page's structure) and foreign-key check, compares\n"
	 "the schema version and looks for rows the API never leaves behind. --full runs\n"
	 "integrity_check instead of quick_check: it also matches every index against its\n"
	 "table (UNIQUE included), and takes several times longer. Prints each problem;\n"
	 "exit 1 if any.\n",
	 0, 0, 0, OPEN_DB, "--full", cmd_check},
	{"export", "export USER", "everything MAX holds about USER, as JSON on stdout",
	 "Prints one JSON document with everything MAX holds about USER, for a data-subject\n"
	 "request: profile, roles, password and token metadata (never the secrets),\n"
	 "subscriptions, push opt-outs, contexts owned or created, activities and comments,\n"
	 "likes, favourites, conversations, messages sent, devices (tokens masked) and the\n"
	 "paths of their files. Read in one transaction: a consistent picture.\n",
	 1, 1, 1, OPEN_DB, "", cmd_export},
	{"forget", "forget USER [--yes]", "erase USER and what they wrote",
	 "Erases USER: the person, their conversations' memberships, subscriptions, tokens,\n"
	 "roles, password, devices, avatar, their activities and comments (deleted as the\n"
	 "API deletes them; likes and favourites withdrawn) and the files of their uploads.\n"
	 "Their messages stay in the conversations as empty notes (tombstones), so the other\n"
	 "participants' conversations keep their order. Without --yes nothing changes: it\n"
	 "prints what would be erased. Run `maxctl export USER` first if a copy is wanted.\n",
	 1, 1, 1, OPEN_DB, "--yes", cmd_forget},
	{"stats", "stats [--json]", "counts, outbox backlog, database and WAL size",
	 "Prints the number of people, contexts, subscriptions, posts, comments,\n"
	 "conversations, messages, tokens and devices, the outbox backlog (rows max-bridge\n"
	 "has not published, and the oldest one's date), the schema version and the size of\n"
	 "the database and of its WAL. --json prints the same as one JSON object.\n",
	 0, 0, 0, OPEN_DB, "--json", cmd_stats},
	{"backup", "backup FILE", "consistent online copy of the database into FILE",
	 "Copies the live database into FILE while the workers keep running: the copy is\n"
	 "the database as it was at one moment (every write acknowledged before the backup\n"
	 "started is in it). Written to FILE.tmp, synced, then renamed to FILE.\n",
	 1, 1, 0, OPEN_DB, "", cmd_backup},
	{"restore", "restore FILE [--force]", "replace the database by the copy FILE",
	 "Checks FILE (integrity, foreign keys, a schema version this maxctl knows) and\n"
	 "replaces the database by it atomically; an older copy is then migrated. Stop the\n"
	 "workers, max-bridge and max-ldap-sync first: restore refuses while a process has\n"
	 "the database open (--force skips that check).\n",
	 1, 1, 0, NO_DB, "--force", cmd_restore},
	{"config-template", "config-template [--var DIR]", "print a max.ini with every key",
	 "Prints a commented max.ini listing every key with its default and what it does.\n"
	 "--var DIR sets the data paths ([max] var, [store] path, files, avatars) under DIR.\n",
	 0, 0, 0, NO_DB, "--var --roff", cmd_config_template},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage_to(FILE *f)
{
	fputs("usage: maxctl [-c max.ini] COMMAND [ARGS]\n"
	      "       maxctl COMMAND --help\n"
	      "commands:\n",
	      f);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-28s %s\n", commands[i].synopsis, commands[i].summary);
	fputs("The configuration is -c PATH, else $MAX_CONFIG, else ./max.ini.\n", f);
}

static int usage(const char *why)
{
	if (why)
		fprintf(stderr, "maxctl: %s\n", why);
	usage_to(stderr);
	return 2;
}

static int command_usage(const struct command *c, const char *why)
{
	fprintf(stderr, "maxctl: %s\nusage: maxctl [-c max.ini] %s\n", why, c->synopsis);
	return 2;
}

/* The commands as roff, for the maxctl(8) man page. */
static void roff_commands(void)
{
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (!strcmp(commands[i].name, "config-template"))
			printf(".TP\n.B config\\-template\\fR [\\fB\\-\\-var\\fR \\fIDIR\\fR]\n");
		else
			printf(".TP\n.B %s\n", commands[i].synopsis);
		for (const char *p = commands[i].help; *p; p++)
			if (*p == '-')
				fputs("\\-", stdout);
			else
				putchar(*p == '\n' && p[1] ? ' ' : *p);
	}
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

static int has_option(const struct command *c, const char *opt)
{
	size_t n = strlen(opt);
	for (const char *p = strstr(c->options, opt); p; p = strstr(p + 1, opt))
		if ((p == c->options || p[-1] == ' ') && (p[n] == 0 || p[n] == ' '))
			return 1;
	return 0;
}

/* One option of c at args[*k] (its value may be the next word). 0, or
 * -1 when it is not c's. */
static int take_option(const struct command *c, struct run *r, char **args, int nargs, int *k)
{
	const char *a = args[*k];
	const char *eq = strchr(a, '=');
	char name[32];
	snprintf(name, sizeof name, "%.*s", (int)(eq ? eq - a : (long)strlen(a)), a);
	if (!has_option(c, name))
		return -1;
	const char **value = !strcmp(name, "--scope") ? &r->scope
			     : !strcmp(name, "--var") ? &r->var
						      : NULL;
	if (!value) {
		int *flag = !strcmp(name, "--json")    ? &r->json
			    : !strcmp(name, "--yes")   ? &r->yes
			    : !strcmp(name, "--force") ? &r->force
			    : !strcmp(name, "--full")  ? &r->full
						       : &r->roff;
		*flag = 1;
		return eq ? -1 : 0;
	}
	if (eq)
		*value = eq + 1;
	else if (*k + 1 < nargs)
		*value = args[++*k];
	else
		return -1;
	return 0;
}

/* Splits c's arguments into options and positional ones (kept in
 * r->args). 0, or the exit status of a usage error. */
static int parse_command(const struct command *c, struct run *r, char **args, int nargs)
{
	r->args = args;
	r->nargs = 0;
	for (int k = 0; k < nargs; k++) {
		if (args[k][0] == '-' && args[k][1]) {
			if (take_option(c, r, args, nargs, &k) < 0)
				return command_usage(c, "unknown option");
		} else {
			r->args[r->nargs++] = args[k];
		}
	}
	if (r->nargs < c->min || r->nargs > c->max)
		return command_usage(c, r->nargs < c->min ? "missing arguments"
							  : "too many arguments");
	if (c->user && normalise_user(r->args[0], r->user) < 0)
		return 2;
	if (c->run == cmd_role && !roles_bit(r->args[1]))
		return command_usage(c, "ROLE is Manager or NonVisible");
	if (c->run == cmd_token && r->scope && !*r->scope)
		r->scope = NULL; /* --scope "": a token without scope */
	if (c->min == 1 && !c->user && !*r->args[0])
		return command_usage(c, "FILE is empty");
	return 0;
}

/* Loads the configuration and opens (CREATE_DB: creating its folder) and
 * migrates the database. 0, or -1 (reported, nothing left open). */
static int open_all(const char *cfg_path, int how, struct max_config *cfg, struct store *db)
{
	char err[512];
	if (config_load(cfg, cfg_path, err, sizeof err) < 0) {
		fprintf(stderr, "maxctl: %s\n", err);
		return -1;
	}
	if (how == NO_DB)
		return 0;
	const char *db_path = config_get(cfg, "store", "path");
	if (how == CREATE_DB && mkdirs_parent(db_path) < 0) {
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

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* -c, --help, --roff-commands before the command: its index, or -1 when
 * done (*rc set). */
static int global_options(int argc, char **argv, const char **cfg_path, int *rc)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-c") && i + 1 < argc) {
			*cfg_path = argv[++i];
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage_to(stdout);
			*rc = 0;
			return -1;
		} else if (!strcmp(argv[i], "--roff-commands")) {
			roff_commands();
			*rc = 0;
			return -1;
		} else {
			*rc = usage("unknown option");
			return -1;
		}
	}
	if (i >= argc) {
		*rc = usage(NULL);
		return -1;
	}
	return i;
}

int main(int argc, char **argv)
{
	umask(077); /* the database, its copies and exports: the owner's only */
	struct run r = {.scope = "widgetcli"};
	int rc = 0, i = global_options(argc, argv, &r.cfg_path, &rc);
	if (i < 0)
		return rc;
	const struct command *c = find_command(argv[i]);
	if (!c)
		return usage("unknown command");
	r.cmd = c->name;
	for (int k = i + 1; k < argc; k++)
		if (!strcmp(argv[k], "--help") || !strcmp(argv[k], "-h")) {
			printf("usage: maxctl [-c max.ini] %s\n\n%s", c->synopsis, c->help);
			return 0;
		}
	/* Check the command line completely before touching anything. */
	int bad = parse_command(c, &r, argv + i + 1, argc - i - 1);
	if (bad)
		return bad;

	struct max_config cfg;
	static struct store db;
	if (open_all(r.cfg_path, c->db, &cfg, &db) < 0)
		return 1;
	r.cfg = &cfg;
	r.db = c->db == NO_DB ? NULL : &db;
	rc = c->run(&r);
	if (r.db)
		store_close(&db);
	config_free(&cfg);
	return rc;
}
