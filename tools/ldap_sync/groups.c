/*
 * groups.c — the group mappings of max-ldap-sync: group_map_file, one
 * mapping a line,
 *
 *     <group cn> <context URL or 40-hex hash> [reader|writer|owner|perm,perm,…]
 *
 * ('#' starts a comment; a group name with blanks is written in double
 * quotes), and reading each mapped group's members from the directory.
 * A member counts only when it is one of the directory users of the
 * people pass (so disabled and filtered-out entries never get in); a
 * group that is not found leaves its mappings' contexts alone.
 */
#include "ldap/filter.h"
#include "model/contexts.h"
#include "model/perm.h"
#include "sync.h"
#include "util/config.h"
#include "util/log.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ROLE_READER (PERM_BIT(PERM_READ) | PERM_BIT(PERM_UNSUBSCRIBE))
#define ROLE_WRITER (ROLE_READER | PERM_BIT(PERM_WRITE))
#define ROLE_OWNER (ROLE_WRITER | PERM_BIT(PERM_FLAG))

/* ---- the file ------------------------------------------------------------------ */

/* The next field of *p (quoted or not) into out; 0, or -1 when none or
 * too long or an unterminated quote. */
static int field(char **p, char *out, size_t n)
{
	char *s = *p;
	while (isspace((unsigned char)*s))
		s++;
	if (!*s || *s == '#')
		return -1;
	size_t w = 0;
	int quoted = *s == '"';
	if (quoted)
		s++;
	for (; *s && (quoted ? *s != '"' : !isspace((unsigned char)*s)); s++) {
		if (w + 1 >= n)
			return -1;
		out[w++] = *s;
	}
	if (quoted && *s++ != '"')
		return -1;
	out[w] = 0;
	*p = s;
	return w ? 0 : -1;
}

static int parse_role(const char *r, unsigned *out)
{
	if (!strcasecmp(r, "reader"))
		*out = ROLE_READER;
	else if (!strcasecmp(r, "writer"))
		*out = ROLE_WRITER;
	else if (!strcasecmp(r, "owner"))
		*out = ROLE_OWNER;
	else {
		char list[256], *save = NULL;
		snprintf(list, sizeof list, "%s", r);
		*out = 0;
		for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			int p = perm_index(t);
			if (p < 0)
				return -1;
			*out |= PERM_BIT(p);
		}
	}
	return *out ? 0 : -1;
}

static int is_hash(const char *s)
{
	if (strlen(s) != MAX_HASH_LEN)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s) && (*s < 'a' || *s > 'f'))
			return 0;
	return 1;
}

/* One line into m: 1 a mapping, 0 blank or comment, -1 bad. */
static int parse_line(char *line, struct group_map *m)
{
	char *p = line, role[256], rest[8];
	memset(m, 0, sizeof *m);
	if (field(&p, m->group, sizeof m->group) < 0) {
		while (isspace((unsigned char)*line))
			line++;
		return !*line || *line == '#' ? 0 : -1;
	}
	if (field(&p, m->context, sizeof m->context) < 0)
		return -1;
	if (field(&p, role, sizeof role) == 0) {
		if (parse_role(role, &m->perms) < 0 || field(&p, rest, sizeof rest) == 0)
			return -1;
		m->has_role = 1;
	}
	if (is_hash(m->context))
		memcpy(m->hash, m->context, sizeof m->hash); /* 40 hex and the NUL */
	else
		ctx_hash(m->context, m->hash);
	return 1;
}

int sync_maps_load(struct sync *s, char *err, size_t errlen)
{
	const char *path = config_get(s->cfg, "ldap", "group_map_file");
	if (!*path)
		return 0;
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "[ldap] group_map_file %s cannot be read", path);
		return -1;
	}
	char line[2048];
	int lineno = 0, rc = 0;
	size_t cap = 0;
	while (rc == 0 && fgets(line, sizeof line, f)) {
		lineno++;
		line[strcspn(line, "\r\n")] = 0;
		struct group_map m;
		int r = parse_line(line, &m);
		if (r < 0) {
			snprintf(err, errlen,
				 "%s line %d: expected: group context [reader|writer|owner|perm,…]",
				 path, lineno);
			rc = -1;
		} else if (r > 0) {
			if (s->nmaps == cap)
				s->maps = xrealloc(s->maps, (cap = cap ? cap * 2 : 16) * sizeof m);
			m.line = lineno;
			s->maps[s->nmaps++] = m;
		}
	}
	fclose(f);
	if (rc == 0 && s->nmaps && !*config_get(s->cfg, "ldap", "group_base")) {
		snprintf(err, errlen, "[ldap] group_base is needed by group_map_file");
		rc = -1;
	}
	return rc;
}

void sync_maps_free(struct sync *s)
{
	for (size_t i = 0; i < s->nmaps; i++)
		free(s->maps[i].members);
	free(s->maps);
	s->maps = NULL;
	s->nmaps = 0;
}

/* ---- the directory --------------------------------------------------------------- */

/* The directory users by DN (lower-cased), for members named by a DN
 * whose first RDN is not uid_attr. */
struct dn_index {
	char **dn;
	size_t *idx;
	size_t n;
};

struct group_read {
	struct sync *s;
	struct dn_index *dns;
	struct group_map *m;
	size_t cap;
	int entries;
	const char *uid_attr;
	char group_dn[1024]; /* Active Directory mode */
};

static void lower(char *p)
{
	for (; *p; p++)
		*p = (char)tolower((unsigned char)*p);
}

static struct dn_index *dn_sorted; /* for the qsort comparator */
static int by_dn(const void *a, const void *b)
{
	return strcmp(dn_sorted->dn[*(const size_t *)a], dn_sorted->dn[*(const size_t *)b]);
}

static void dn_index_build(const struct ldap_users *u, struct dn_index *d)
{
	d->n = u->n;
	d->dn = xcalloc(u->n + 1, sizeof *d->dn);
	d->idx = xcalloc(u->n + 1, sizeof *d->idx);
	for (size_t i = 0; i < u->n; i++) {
		d->dn[i] = xstrdup(u->v[i].dn);
		lower(d->dn[i]);
		d->idx[i] = i;
	}
	dn_sorted = d;
	qsort(d->idx, d->n, sizeof *d->idx, by_dn);
}

static void dn_index_free(struct dn_index *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->dn[i]);
	free(d->dn);
	free(d->idx);
}

/* Index of the user whose DN is dn (lower-cased), or -1. */
static long dn_find(const struct dn_index *d, const char *dn)
{
	size_t lo = 0, hi = d->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(d->dn[d->idx[mid]], dn);
		if (!c)
			return (long)d->idx[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static void add_member(struct group_read *r, size_t idx)
{
	struct group_map *m = r->m;
	if (m->nmembers == r->cap)
		m->members = xrealloc(m->members,
				      (r->cap = r->cap ? r->cap * 2 : 64) * sizeof *m->members);
	m->members[m->nmembers++] = idx;
}

/* One member DN: by its first RDN when that is uid_attr, else by DN. */
static int on_member(const char *dn, void *arg)
{
	struct group_read *r = arg;
	char name[MAX_USERNAME_MAX * 2 + 1], *low = xstrdup(dn);
	lower(low);
	const struct ldap_user *u = NULL;
	if (ldapc_dn_first_value(dn, r->uid_attr, name, sizeof name) == 0) {
		lower(name);
		u = ldap_users_find(&r->s->users, name);
	}
	long idx = u ? (long)(u - r->s->users.v) : dn_find(r->dns, low);
	free(low);
	if (idx >= 0)
		add_member(r, (size_t)idx);
	return 0;
}

static int on_group(const struct ldapc_entry *e, void *arg)
{
	struct group_read *r = arg;
	if (++r->entries == 1)
		ldapc_entry_each(e, config_get(r->s->cfg, "ldap", "member_attr"), on_member, r);
	return 0;
}

/* Active Directory: the members are the users whose memberOf holds the
 * group's DN. */
static int on_ad_group(const struct ldapc_entry *e, void *arg)
{
	struct group_read *r = arg;
	if (++r->entries == 1)
		snprintf(r->group_dn, sizeof r->group_dn, "%s", ldapc_entry_dn(e));
	return 0;
}

static int on_ad_member(const struct ldapc_entry *e, void *arg)
{
	struct group_read *r = arg;
	char name[MAX_USERNAME_MAX * 2 + 1];
	r->s->st.ldap_entries++;
	if (ldapc_entry_value(e, r->uid_attr, name, sizeof name) < 0)
		return 0;
	lower(name);
	const struct ldap_user *u = ldap_users_find(&r->s->users, name);
	if (u)
		add_member(r, (size_t)(u - r->s->users.v));
	return 0;
}

static int ad_mode(const struct sync *s)
{
	return !strcasecmp(config_get(s->cfg, "ldap", "member_attr"), "memberOf");
}

static void count_search(struct sync *s, long entries, long page)
{
	s->st.ldap_searches++;
	s->st.ldap_entries += entries;
	s->st.ldap_pages += page > 0 ? entries / page + 1 : 1;
}

/* The members of m's group; OK also when the group is missing (m->ok 0). */
static enum ldapc_rc read_group(struct sync *s, struct ldapc *c, struct dn_index *dns,
				struct group_map *m)
{
	const struct max_config *cfg = s->cfg;
	char filter[1024];
	struct group_read r = {s, dns, m, 0, 0, config_get(cfg, "ldap", "uid_attr"), ""};
	int ad = ad_mode(s);
	const char *attrs[] = {ad ? "cn" : config_get(cfg, "ldap", "member_attr"), NULL};
	if (ldapc_match_filter("", "cn", m->group, filter, sizeof filter) < 0)
		return LDAPC_ERROR;
	enum ldapc_rc rc = ldapc_search(c, config_get(cfg, "ldap", "group_base"),
					ldapc_scope_parse(config_get(cfg, "ldap", "group_scope")),
					filter, attrs, 0, ad ? on_ad_group : on_group, &r);
	count_search(s, r.entries, 0);
	if (rc != LDAPC_OK || r.entries != 1) {
		if (rc == LDAPC_OK)
			log_event("-", "ldap-sync: group %s: %s; its context %s is left unchanged",
				  m->group, r.entries ? "more than one entry" : "not found",
				  m->context);
		return rc;
	}
	if (ad) {
		long page = config_int(cfg, "ldap", "page_size");
		const char *uattrs[] = {r.uid_attr, NULL};
		char uf[2048];
		if (ldapc_match_filter(config_get(cfg, "ldap", "user_filter"), "memberOf",
				       r.group_dn, uf, sizeof uf) < 0)
			return LDAPC_ERROR;
		long before = s->st.ldap_entries;
		rc = ldapc_search(c, config_get(cfg, "ldap", "user_base"),
				  ldapc_scope_parse(config_get(cfg, "ldap", "user_scope")), uf,
				  uattrs, page < 1 ? 1 : (int)page, on_ad_member, &r);
		s->st.ldap_entries = before;
		count_search(s, (long)m->nmembers, page);
		if (rc != LDAPC_OK)
			return rc;
	}
	m->ok = 1;
	return LDAPC_OK;
}

enum ldapc_rc sync_maps_read(struct sync *s, struct ldapc *c)
{
	if (!s->nmaps)
		return LDAPC_OK;
	struct dn_index dns;
	dn_index_build(&s->users, &dns);
	enum ldapc_rc rc = LDAPC_OK;
	for (size_t i = 0; i < s->nmaps && rc == LDAPC_OK; i++) {
		/* a group mapped twice is read once */
		size_t j = 0;
		while (j < i && strcasecmp(s->maps[j].group, s->maps[i].group))
			j++;
		if (j < i) {
			struct group_map *a = &s->maps[i], *b = &s->maps[j];
			a->ok = b->ok;
			a->nmembers = b->nmembers;
			a->members = b->nmembers ? xmalloc(b->nmembers * sizeof *b->members) : NULL;
			if (b->nmembers)
				memcpy(a->members, b->members, b->nmembers * sizeof *b->members);
			continue;
		}
		rc = read_group(s, c, &dns, &s->maps[i]);
	}
	dn_index_free(&dns);
	return rc;
}
