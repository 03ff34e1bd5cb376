/*
 * sync.h — what the parts of max-ldap-sync share: the run's options and
 * counters, the directory as read (people, mapped groups), and the one way
 * a change is made (sync_change: plan outside any transaction, and only
 * when there is something to do open a transaction, plan again inside it,
 * apply, commit, print the change lines).
 *
 * The directory is read completely before the first change, so an LDAP
 * failure at any point leaves the database as it was.
 */
#ifndef MAX_LDAP_SYNC_H
#define MAX_LDAP_SYNC_H

#include "ldap/client.h"
#include "ldap/users.h"
#include "model/model.h"
#include "util/buf.h"

#include <stddef.h>

struct max_config;

/* Exit statuses (also in --help and the README). */
enum {
	SYNC_EXIT_OK = 0,
	SYNC_EXIT_CONFIG = 1,
	SYNC_EXIT_LDAP = 2,
	SYNC_EXIT_GUARD = 3,
	SYNC_EXIT_PARTIAL = 4,
	SYNC_EXIT_LOCKED = 5,
};

/* The kinds of change, for the line and the counters. */
enum sync_kind {
	SK_CREATE,
	SK_ADOPT,
	SK_RENAME,
	SK_READMIT,
	SK_REVOKE_TOKENS,
	SK_DELETE,
	SK_SUBSCRIBE,
	SK_GRANT,
	SK_REVOKE,
	SK_UNSUBSCRIBE,
	SK_COUNT
};
extern const char *const sync_kind_names[SK_COUNT];

/* One mapping line of group_map_file: group → context, with a role. */
struct group_map {
	char group[256];
	char context[1024]; /* as written: a URL or a 40-hex hash */
	char hash[MAX_HASH_LEN + 1];
	int has_role;
	unsigned perms; /* PERM_BITs of the role */
	int line;
	/* read from the directory */
	int ok;          /* the group was found (exactly one entry) */
	size_t *members; /* indexes into sync.users */
	size_t nmembers;
};

struct sync_stats {
	long ldap_binds, ldap_searches, ldap_pages, ldap_entries;
	long transactions, failed;
	long kinds[SK_COUNT];
	double t_read, t_people, t_groups;
};

struct sync {
	const struct max_config *cfg;
	struct store *db;
	int dry_run, force, quiet, stats_wanted;
	struct ldap_users users;
	struct group_map *maps;
	size_t nmaps;
	struct sync_stats st;
	double started, last_progress;
};

/* ---- changes (out.c) -------------------------------------------------------- */

/* A change's lines: sync_line() appends one ("create alice \"Alice\""). */
struct sync_lines {
	struct buf b;
	long kinds[SK_COUNT];
};
void sync_line(struct sync_lines *l, enum sync_kind k, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* plan: fills l with what would change (nothing: no lines), reading only.
 * apply: makes the planned change (inside the transaction). what names the
 * change in a failure message. Returns 0 done or nothing to do, -1 failed
 * (logged and counted; the transaction rolled back). */
typedef enum max_err (*sync_plan_fn)(struct sync *s, void *arg, struct sync_lines *l);
typedef enum max_err (*sync_apply_fn)(struct sync *s, void *arg);
int sync_change(struct sync *s, const char *what, sync_plan_fn plan, sync_apply_fn apply,
		void *arg);

/* Quotes a display name for a change line ("..." with \" and \\). */
const char *sync_quote(const char *s, char *out, size_t n);
/* Seconds on a monotonic clock. */
double sync_now(void);
/* A progress line on stderr when the run is long (not with --quiet). */
void sync_progress(struct sync *s, const char *phase, size_t done, size_t total);
void sync_print_stats(const struct sync *s);
void sync_print_summary(const struct sync *s);

/* ---- the people pass (people.c) --------------------------------------------- */

/* Checks the guard: SYNC_EXIT_OK or SYNC_EXIT_GUARD (logged). */
int sync_people_guard(struct sync *s);
/* Creates, adopts, renames, readmits; then handles the missing. */
void sync_people(struct sync *s);

/* ---- group mappings (groups.c, subs.c) -------------------------------------- */

/* Reads group_map_file into s->maps: 0, or -1 with a message in err. */
int sync_maps_load(struct sync *s, char *err, size_t errlen);
void sync_maps_free(struct sync *s);
/* Reads every mapped group's members: LDAPC_OK, or the failure. A group
 * that is missing only marks its mapping as not ok. */
enum ldapc_rc sync_maps_read(struct sync *s, struct ldapc *c);
/* Subscriptions, grants, revokes and unsubscriptions per mapped context. */
void sync_groups(struct sync *s);

#endif
