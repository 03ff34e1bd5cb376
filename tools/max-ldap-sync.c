/*
 * max-ldap-sync.c — people and group subscriptions from an LDAP directory,
 * run from cron on the MAX machine (see --help and the README's
 * "Directory (LDAP)" section).
 *
 * The directory is read completely first (people in RFC 2696 pages, then
 * every mapped group); only then is the database changed, one transaction
 * per person or subscription, through the same model functions the REST
 * handlers use, so the outbox rows (exchanges, bindings) are those of the
 * API calls. A run with nothing to change writes nothing and prints
 * nothing. The parts live in tools/ldap_sync/.
 */
#include "ldap/client.h"
#include "ldap_sync/sync.h"
#include "store/store.h"
#include "util/config.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <unistd.h>

static const char usage_text[] =
	"usage: max-ldap-sync [-c max.ini] [--dry-run] [--force] [--stats] [--quiet]\n"
	"Brings MAX people and group subscriptions in line with the [ldap] directory.\n"
	"  -c FILE     configuration (default $MAX_CONFIG, else ./max.ini)\n"
	"  --dry-run   read everything, change nothing, print the planned changes\n"
	"  --force     apply even when the removal guard trips\n"
	"  --stats     print LDAP requests, database transactions and times (stderr)\n"
	"  --quiet     no progress lines on long runs\n"
	"Change lines go to stdout (create, adopt, rename, readmit, revoke-tokens,\n"
	"delete, subscribe, grant, revoke, unsubscribe), then a summary; a run with\n"
	"nothing to do prints nothing. Exit status: 0 done (or nothing to do),\n"
	"1 configuration error, 2 LDAP unreachable or a search failed (nothing\n"
	"changed), 3 guard tripped (nothing changed), 4 some changes failed (the\n"
	"others applied), 5 another run holds the lock.\n";

struct args {
	const char *config;
	int dry_run, force, stats, quiet;
};

static int parse_args(int argc, char **argv, struct args *a)
{
	memset(a, 0, sizeof *a);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-c") && i + 1 < argc)
			a->config = argv[++i];
		else if (!strcmp(argv[i], "--dry-run") || !strcmp(argv[i], "-n"))
			a->dry_run = 1;
		else if (!strcmp(argv[i], "--force"))
			a->force = 1;
		else if (!strcmp(argv[i], "--stats"))
			a->stats = 1;
		else if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q"))
			a->quiet = 1;
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return 1;
		else {
			fprintf(stderr, "max-ldap-sync: unknown argument %s\n", argv[i]);
			return -1;
		}
	}
	return 0;
}

/* The [ldap] settings the sync needs beyond the client's own checks. */
static int check_config(const struct max_config *cfg, char *err, size_t n)
{
	const char *miss = config_get(cfg, "ldap", "on_missing");
	char *end;
	double ratio = strtod(config_get(cfg, "ldap", "max_removal_ratio"), &end);
	if (!*config_get(cfg, "ldap", "url"))
		snprintf(err, n, "[ldap] url is not set: LDAP is off");
	else if (ldapc_config_check(cfg, err, n) < 0)
		return -1;
	else if (!*config_get(cfg, "ldap", "user_base"))
		snprintf(err, n, "[ldap] user_base is not set");
	else if (strcasecmp(miss, "keep") && strcasecmp(miss, "delete"))
		snprintf(err, n, "[ldap] on_missing: keep or delete");
	else if (*end || end == config_get(cfg, "ldap", "max_removal_ratio") || ratio < 0 ||
		 ratio > 1)
		snprintf(err, n, "[ldap] max_removal_ratio: a number from 0 to 1");
	else if (config_int(cfg, "ldap", "page_size") < 1)
		snprintf(err, n, "[ldap] page_size: a positive number");
	else
		return 0;
	return -1;
}

/* The lock of [ldap] lock_file (default <[max] var>/ldap-sync.lock): fd,
 * -1 on an error (reported), -2 when another run holds it. */
static int take_lock(const struct max_config *cfg)
{
	char path[4096];
	const char *f = config_get(cfg, "ldap", "lock_file");
	if (*f)
		snprintf(path, sizeof path, "%s", f);
	else
		snprintf(path, sizeof path, "%s/ldap-sync.lock", config_get(cfg, "max", "var"));
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0) {
		fprintf(stderr, "max-ldap-sync: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return fd;
	int busy = errno == EWOULDBLOCK;
	fprintf(stderr, "max-ldap-sync: %s: %s\n", path,
		busy ? "another run holds the lock; nothing done" : strerror(errno));
	close(fd);
	return busy ? -2 : -1;
}

/* Opens an existing database and brings its schema up to date (a dry
 * run refuses an old one rather than migrate). */
static int open_store(const struct max_config *cfg, struct store *db, int dry_run)
{
	char err[512];
	const char *path = config_get(cfg, "store", "path");
	if (access(path, F_OK) < 0) {
		fprintf(stderr, "max-ldap-sync: %s: no database (maxctl init makes it)\n", path);
		return -1;
	}
	if (store_open(db, path, (int)config_int(cfg, "store", "busy_timeout_ms"), err,
		       sizeof err) < 0) {
		fprintf(stderr, "max-ldap-sync: %s\n", err);
		return -1;
	}
	if (store_version(db) == store_latest_version())
		return 0; /* migrating would open transactions for nothing */
	if (dry_run)
		snprintf(err, sizeof err, "schema version %d, this build needs %d (maxctl init)",
			 store_version(db), store_latest_version());
	if (dry_run || store_migrate(db, err, sizeof err) < 0) {
		fprintf(stderr, "max-ldap-sync: %s\n", err);
		store_close(db);
		return -1;
	}
	return 0;
}

/* Everything from the directory, before any change: an exit status. */
static int read_directory(struct sync *s)
{
	double t0 = sync_now();
	struct ldapc *c = NULL;
	enum ldapc_rc rc = ldapc_open(s->cfg, &c);
	s->st.ldap_binds++;
	if (rc == LDAPC_OK) {
		rc = ldap_users_read(c, s->cfg, &s->users);
		long page = config_int(s->cfg, "ldap", "page_size");
		s->st.ldap_searches++;
		s->st.ldap_entries += (long)s->users.n + s->users.skipped;
		s->st.ldap_pages += ((long)s->users.n + s->users.skipped) / page + 1;
	}
	if (rc == LDAPC_OK)
		rc = sync_maps_read(s, c);
	ldapc_close(c);
	s->st.t_read = sync_now() - t0;
	if (rc == LDAPC_OK)
		return SYNC_EXIT_OK;
	log_event("-", "ldap-sync: the directory could not be read; nothing changed");
	return SYNC_EXIT_LDAP;
}

static int run(struct sync *s)
{
	int rc = read_directory(s);
	if (rc == SYNC_EXIT_OK)
		rc = sync_people_guard(s);
	if (rc != SYNC_EXIT_OK)
		return rc;
	double t = sync_now();
	sync_people(s);
	s->st.t_people = sync_now() - t;
	t = sync_now();
	sync_groups(s);
	s->st.t_groups = sync_now() - t;
	sync_print_summary(s);
	return s->st.failed ? SYNC_EXIT_PARTIAL : SYNC_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct args a;
	int r = parse_args(argc, argv, &a);
	if (r) {
		fputs(usage_text, r > 0 ? stdout : stderr);
		return r > 0 ? SYNC_EXIT_OK : SYNC_EXIT_CONFIG;
	}
	struct max_config cfg;
	char err[512];
	static struct store db;
	struct sync s = {.cfg = &cfg,
			 .db = &db,
			 .dry_run = a.dry_run,
			 .force = a.force,
			 .quiet = a.quiet,
			 .stats_wanted = a.stats,
			 .started = sync_now()};
	if (config_load(&cfg, a.config, err, sizeof err) < 0 ||
	    check_config(&cfg, err, sizeof err) < 0 || sync_maps_load(&s, err, sizeof err) < 0) {
		fprintf(stderr, "max-ldap-sync: %s\n", err);
		sync_maps_free(&s);
		config_free(&cfg);
		return SYNC_EXIT_CONFIG;
	}
	int lock = take_lock(&cfg), rc = SYNC_EXIT_CONFIG;
	if (lock == -2)
		rc = SYNC_EXIT_LOCKED;
	else if (lock >= 0 && open_store(&cfg, &db, a.dry_run) == 0) {
		rc = run(&s);
		store_close(&db);
	}
	if (a.stats)
		sync_print_stats(&s);
	if (lock >= 0)
		close(lock);
	ldap_users_free(&s.users);
	sync_maps_free(&s);
	config_free(&cfg);
	return rc;
}
