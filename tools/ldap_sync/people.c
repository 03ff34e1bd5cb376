/*
 * people.c — the people pass of max-ldap-sync. Every directory user is
 * made a MAX person the way POST /people makes one (row, the person's
 * families told, exchanges declared through the outbox) and marked as
 * managed; an existing person of the same name is adopted; the display
 * name follows the directory. Managed people who left the directory (or
 * are disabled) lose their tokens once and, with on_missing = delete, are
 * deleted the way DELETE /people/{u} deletes. Unmarked people are never
 * touched, and the guard stops a run that would remove too many.
 */
#include "model/ldap_managed.h"
#include "model/outbox.h"
#include "model/people.h"
#include "model/person.h"
#include "model/tokens.h"
#include "sync.h"
#include "util/config.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The creator recorded on the people the sync creates. */
#define SYNC_CREATOR "ldap-sync"

/* ---- directory users --------------------------------------------------------- */

static enum max_err plan_user(struct sync *s, void *arg, struct sync_lines *l)
{
	const struct ldap_user *u = arg;
	char q[2 * LDAP_DISPLAY_MAX + 8], now[PEOPLE_DISPLAY_NAME_MAX + 1];
	int exists = people_exists(s->db, u->username);
	int state = managed_person_state(s->db, u->username);
	if (exists < 0 || state < 0)
		return model_fail(s->db, MAX_ESERVER, "person lookup failed");
	if (!exists) {
		sync_line(l, SK_CREATE, "create %s %s", u->username,
			  sync_quote(u->display, q, sizeof q));
		return MAX_OK;
	}
	if (state == 0)
		sync_line(l, SK_ADOPT, "adopt %s", u->username);
	else if (state == 2)
		sync_line(l, SK_READMIT, "readmit %s", u->username);
	people_display_name(s->db, u->username, now, sizeof now);
	if (strcmp(now, u->display))
		sync_line(l, SK_RENAME, "rename %s %s", u->username,
			  sync_quote(u->display, q, sizeof q));
	return MAX_OK;
}

/* As POST /people {"username", "displayName"} by a Manager. */
static enum max_err create(struct store *db, const struct ldap_user *u)
{
	struct person p = {0};
	snprintf(p.username, sizeof p.username, "%s", u->username);
	snprintf(p.display_name, sizeof p.display_name, "%s", u->display);
	snprintf(p.creator, sizeof p.creator, "%s", SYNC_CREATOR);
	enum max_err e = people_insert(db, &p);
	if (!e)
		e = person_added(db, u->username);
	if (!e && outbox_declare_user(db, u->username) < 0)
		e = model_fail(db, MAX_ESERVER, "outbox insert failed");
	return e;
}

static enum max_err apply_user(struct sync *s, void *arg)
{
	const struct ldap_user *u = arg;
	char now[PEOPLE_DISPLAY_NAME_MAX + 1];
	int exists = people_exists(s->db, u->username);
	enum max_err e = exists < 0 ? model_fail(s->db, MAX_ESERVER, "person lookup failed")
			 : !exists  ? create(s->db, u)
				    : MAX_OK;
	if (!e && exists) {
		people_display_name(s->db, u->username, now, sizeof now);
		if (strcmp(now, u->display))
			e = person_rename(s->db, u->username, u->display);
	}
	if (!e && managed_person_state(s->db, u->username) != 1)
		e = managed_person_mark(s->db, u->username);
	return e;
}

/* ---- managed people missing from the directory -------------------------------- */

struct missing {
	char (*names)[MAX_USERNAME_MAX + 1];
	int *was_missing;
	size_t n, cap;
	long managed;
};

static void collect(void *arg, const char *username, int is_missing)
{
	struct sync *s = ((void **)arg)[0];
	struct missing *m = ((void **)arg)[1];
	m->managed++;
	if (ldap_users_find(&s->users, username))
		return;
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 64;
		m->names = xrealloc(m->names, m->cap * sizeof *m->names);
		m->was_missing = xrealloc(m->was_missing, m->cap * sizeof *m->was_missing);
	}
	snprintf(m->names[m->n], sizeof m->names[0], "%s", username);
	m->was_missing[m->n++] = is_missing;
}

static int missing_read(struct sync *s, struct missing *m)
{
	memset(m, 0, sizeof *m);
	void *args[] = {s, m};
	return managed_people_each(s->db, collect, args) < 0 ? -1 : 0;
}

static void missing_free(struct missing *m)
{
	free(m->names);
	free(m->was_missing);
}

static int delete_mode(const struct sync *s)
{
	return !strcasecmp(config_get(s->cfg, "ldap", "on_missing"), "delete");
}

static enum max_err plan_gone(struct sync *s, void *arg, struct sync_lines *l)
{
	const char *u = arg;
	int state = managed_person_state(s->db, u);
	if (state < 0)
		return model_fail(s->db, MAX_ESERVER, "person lookup failed");
	if (state && delete_mode(s))
		sync_line(l, SK_DELETE, "delete %s", u);
	else if (state == 1)
		sync_line(l, SK_REVOKE_TOKENS, "revoke-tokens %s", u);
	return MAX_OK;
}

static enum max_err apply_gone(struct sync *s, void *arg)
{
	const char *u = arg;
	if (delete_mode(s))
		return person_forget(s->db, u);
	if (token_delete_user(s->db, u) < 0)
		return model_fail(s->db, MAX_ESERVER, "token delete failed");
	return managed_person_missing(s->db, u);
}

/* ---- the pass -------------------------------------------------------------------- */

int sync_people_guard(struct sync *s)
{
	struct missing m;
	if (missing_read(s, &m) < 0) {
		log_event("-", "ldap-sync: cannot read the managed people");
		return SYNC_EXIT_CONFIG;
	}
	size_t affected = 0;
	for (size_t i = 0; i < m.n; i++)
		affected += delete_mode(s) || !m.was_missing[i];
	double ratio = strtod(config_get(s->cfg, "ldap", "max_removal_ratio"), NULL);
	int rc = SYNC_EXIT_OK;
	if (!s->users.n && !s->force) {
		log_event("-", "ldap-sync: guard: the directory returned no users; nothing changed"
			       " (--force to apply)");
		rc = SYNC_EXIT_GUARD;
	} else if (affected && (double)affected > ratio * (double)m.managed && !s->force) {
		log_event("-",
			  "ldap-sync: guard: %zu of %ld managed people would be %s "
			  "(max_removal_ratio"
			  " %g); nothing changed (--force to apply)",
			  affected, m.managed, delete_mode(s) ? "deleted" : "revoked", ratio);
		rc = SYNC_EXIT_GUARD;
	}
	missing_free(&m);
	return rc;
}

void sync_people(struct sync *s)
{
	char what[MAX_USERNAME_MAX + 32];
	for (size_t i = 0; i < s->users.n; i++) {
		snprintf(what, sizeof what, "person %s", s->users.v[i].username);
		sync_change(s, what, plan_user, apply_user, &s->users.v[i]);
		sync_progress(s, "people", i + 1, s->users.n);
	}
	struct missing m;
	if (missing_read(s, &m) < 0) {
		log_event("-", "ldap-sync: cannot read the managed people");
		s->st.failed++;
		return;
	}
	for (size_t i = 0; i < m.n; i++) {
		snprintf(what, sizeof what, "missing person %s", m.names[i]);
		sync_change(s, what, plan_gone, apply_gone, m.names[i]);
	}
	missing_free(&m);
}
