/*
 * users.c — reading the directory's people for the sync; see users.h.
 *
 * The whole list is read before anything is changed: the sync compares it
 * with MAX, and a partial list (an error half-way) must never look like
 * people who left the directory.
 */
#include "ldap/users.h"
#include "util/text.h"
#include "ldap/filter.h"
#include "util/config.h"
#include "util/jsonx.h"
#include "util/log.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Trims s in place; returns it. */
static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = 0;
	return s;
}

struct reader {
	const struct max_config *cfg;
	struct ldap_users *out;
};

/* The first non-empty valid UTF-8 value among name_attrs, else "". */
static void display_of(const struct ldapc_entry *e, const char *attrs, char *out, size_t n)
{
	char list[256], *save = NULL, v[LDAP_DISPLAY_MAX * 2];
	snprintf(list, sizeof list, "%s", attrs);
	out[0] = 0;
	for (char *a = strtok_r(list, " ,", &save); a; a = strtok_r(NULL, " ,", &save)) {
		if (ldapc_entry_value(e, a, v, sizeof v) < 0)
			continue;
		char *t = trim(v);
		if (*t && strlen(t) < n && utf8_valid(t, strlen(t))) {
			memcpy(out, t, strlen(t) + 1);
			return;
		}
	}
}

static int on_user(const struct ldapc_entry *e, void *arg)
{
	struct reader *r = arg;
	struct ldap_users *u = r->out;
	char raw[MAX_USERNAME_MAX * 2 + 1];
	const char *uid_attr = config_get(r->cfg, "ldap", "uid_attr");
	char *name = ldapc_entry_value(e, uid_attr, raw, sizeof raw) < 0 ? NULL : trim(raw);
	for (char *p = name; p && *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (!name || !text_username_ok(name) || strlen(ldapc_entry_dn(e)) >= sizeof u->v->dn) {
		log_event("-", "ldap-sync: %s: no usable %s; skipped", ldapc_entry_dn(e), uid_attr);
		u->skipped++;
		return 0;
	}
	if (u->n == u->cap) {
		u->cap = u->cap ? u->cap * 2 : 64;
		u->v = realloc(u->v, u->cap * sizeof *u->v);
		if (!u->v)
			abort();
	}
	struct ldap_user *n = &u->v[u->n++];
	snprintf(n->username, sizeof n->username, "%s", name);
	snprintf(n->dn, sizeof n->dn, "%s", ldapc_entry_dn(e));
	display_of(e, config_get(r->cfg, "ldap", "name_attrs"), n->display, sizeof n->display);
	if (!*n->display)
		snprintf(n->display, sizeof n->display, "%s", n->username);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct ldap_user *)a)->username,
		      ((const struct ldap_user *)b)->username);
}

/* Sorts and drops every user whose name occurs more than once. */
static void drop_duplicates(struct ldap_users *u)
{
	if (!u->n)
		return; /* no array at all: qsort must not see NULL */
	qsort(u->v, u->n, sizeof *u->v, by_name);
	size_t w = 0;
	for (size_t i = 0; i < u->n;) {
		size_t j = i + 1;
		while (j < u->n && !strcmp(u->v[j].username, u->v[i].username))
			j++;
		if (j - i > 1) {
			log_event("-", "ldap-sync: error: %zu entries are named %s; all skipped",
				  j - i, u->v[i].username);
			u->skipped += (int)(j - i);
		} else {
			u->v[w++] = u->v[i];
		}
		i = j;
	}
	u->n = w;
}

static int users_filter(const struct max_config *cfg, char *out, size_t n)
{
	const char *f = config_get(cfg, "ldap", "user_filter");
	const char *d = config_get(cfg, "ldap", "disabled_filter");
	int len = *d ? snprintf(out, n, "(&%s%s%s(!%s%s%s))", *f == '(' ? "" : "(", f,
				*f == '(' ? "" : ")", *d == '(' ? "" : "(", d, *d == '(' ? "" : ")")
		     : snprintf(out, n, "%s", f);
	return len < 0 || (size_t)len >= n ? -1 : 0;
}

enum ldapc_rc ldap_users_read(struct ldapc *c, const struct max_config *cfg, struct ldap_users *out)
{
	memset(out, 0, sizeof *out);
	char filter[2048], names[256];
	if (users_filter(cfg, filter, sizeof filter) < 0)
		return LDAPC_ERROR;
	snprintf(names, sizeof names, "%s", config_get(cfg, "ldap", "name_attrs"));
	const char *attrs[16] = {config_get(cfg, "ldap", "uid_attr")};
	size_t na = 1;
	char *save = NULL;
	for (char *a = strtok_r(names, " ,", &save); a && na < 15; a = strtok_r(NULL, " ,", &save))
		attrs[na++] = a;
	attrs[na] = NULL;
	struct reader r = {cfg, out};
	long long page = config_int(cfg, "ldap", "page_size");
	enum ldapc_rc rc = ldapc_search(c, config_get(cfg, "ldap", "user_base"),
					ldapc_scope_parse(config_get(cfg, "ldap", "user_scope")),
					filter, attrs,
					page < 1       ? 1
					: page > 10000 ? 10000
						       : (int)page,
					on_user, &r);
	if (rc != LDAPC_OK) {
		ldap_users_free(out);
		return rc;
	}
	drop_duplicates(out);
	return LDAPC_OK;
}

void ldap_users_free(struct ldap_users *u)
{
	free(u->v);
	memset(u, 0, sizeof *u);
}

const struct ldap_user *ldap_users_find(const struct ldap_users *u, const char *username)
{
	struct ldap_user key;
	if (!u->n)
		return NULL;
	snprintf(key.username, sizeof key.username, "%s", username);
	return bsearch(&key, u->v, u->n, sizeof *u->v, by_name);
}
