/*
 * files.c — maxctl backup and restore: a consistent copy of the live
 * database, and putting a checked copy back in its place.
 *
 * SQLite cannot tell whether other processes have the database open, and
 * replacing it under a running worker would leave that worker writing
 * into a file that is no longer the database. So restore looks through
 * /proc for processes holding the file (the workers, max-bridge, a
 * running sync) and refuses while there are any.
 */
#include "maxctl.h"
#include "store/maintain.h"
#include "store/store.h"
#include "util/config.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cmd_backup(struct run *r)
{
	char err[512];
	int pages = store_backup(r->db, r->args[0], err, sizeof err);
	if (pages < 0) {
		fprintf(stderr, "maxctl: %s\n", err);
		return 1;
	}
	fprintf(stderr, "backup of %d pages written to %s\n", pages, r->args[0]);
	return 0;
}

/* Does pid have one of the files ids[] (device, inode) open? */
static int holds(const char *pid, const struct stat *ids, int n)
{
	char dir[PATH_MAX], path[PATH_MAX];
	snprintf(dir, sizeof dir, "/proc/%s/fd", pid);
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	struct dirent *e;
	int found = 0;
	while (!found && (e = readdir(d))) {
		struct stat sb;
		if (e->d_name[0] == '.' ||
		    snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path ||
		    stat(path, &sb) < 0)
			continue;
		for (int i = 0; i < n; i++)
			if (sb.st_dev == ids[i].st_dev && sb.st_ino == ids[i].st_ino)
				found = 1;
	}
	closedir(d);
	return found;
}

int file_in_use(const char *file)
{
	static const char *const suffixes[] = {"", "-wal", "-shm"};
	struct stat ids[3];
	int n = 0;
	char path[PATH_MAX];
	for (int i = 0; i < 3; i++)
		if (snprintf(path, sizeof path, "%s%s", file, suffixes[i]) < (int)sizeof path &&
		    stat(path, &ids[n]) == 0)
			n++;
	DIR *d = n ? opendir("/proc") : NULL;
	if (!d)
		return 0;
	int holder = 0, self = (int)getpid();
	struct dirent *e;
	while (!holder && (e = readdir(d))) {
		int pid = atoi(e->d_name);
		if (pid > 0 && pid != self && holds(e->d_name, ids, n))
			holder = pid;
	}
	closedir(d);
	return holder;
}

static void print_problem(void *arg, const char *check, const char *row)
{
	fprintf(stderr, "%s: %s: %s\n", (const char *)arg, check, row);
}

/* The checks on the copy: 0 when it may be restored. */
static int check_copy(const char *file)
{
	char err[512];
	int version;
	int problems =
		store_check_file(file, &version, print_problem, (void *)file, err, sizeof err);
	if (problems < 0) {
		fprintf(stderr, "maxctl: %s\n", err);
		return -1;
	}
	if (problems > 0) {
		fprintf(stderr, "maxctl: %s fails the integrity check; not restored\n", file);
		return -1;
	}
	if (version <= 0 || version > store_latest_version()) {
		fprintf(stderr, "maxctl: %s has schema version %d; this maxctl knows 1 to %d\n",
			file, version, store_latest_version());
		return -1;
	}
	return 0;
}

static int same_file(const char *a, const char *b)
{
	struct stat x, y;
	return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

/* Opens the restored database the way every program does: an older copy
 * is migrated now. */
static int reopen(struct run *r, const char *live)
{
	char err[512];
	struct store db;
	if (store_open(&db, live, (int)config_int(r->cfg, "store", "busy_timeout_ms"), err,
		       sizeof err) < 0 ||
	    store_migrate(&db, err, sizeof err) < 0) {
		fprintf(stderr, "maxctl: restored, but: %s\n", err);
		if (db.db)
			store_close(&db);
		return 1;
	}
	fprintf(stderr, "restored %s from %s (schema version %d)\n", live, r->args[0],
		store_version(&db));
	store_close(&db);
	return 0;
}

int cmd_restore(struct run *r)
{
	const char *file = r->args[0], *live = config_get(r->cfg, "store", "path");
	if (same_file(file, live)) {
		fprintf(stderr, "maxctl: %s is the live database\n", file);
		return 1;
	}
	if (check_copy(file) < 0)
		return 1;
	int pid = file_in_use(live);
	if (pid && !r->force) {
		fprintf(stderr,
			"maxctl: %s is open in process %d: stop the workers, max-bridge and "
			"max-ldap-sync first (or --force)\n",
			live, pid);
		return 1;
	}
	char err[512];
	if (store_restore(live, file, err, sizeof err) < 0) {
		fprintf(stderr, "maxctl: %s; nothing changed\n", err);
		return 1;
	}
	return reopen(r, live);
}
