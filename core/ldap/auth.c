/*
 * auth.c — the LDAP credential store (bind, search, re-bind); see auth.h.
 *
 * One connection per call: a login is rare next to API requests, and a
 * fresh connection cannot carry a half-failed state from an earlier one.
 * Every failure of the directory (unreachable, timed out, refused service
 * account, incomplete result) is UNAVAILABLE: the token server answers 503
 * and never issues a token on it.
 */
#include "ldap/auth.h"
#include "ldap/client.h"
#include "ldap/filter.h"
#include "util/config.h"
#include "util/log.h"

#include <stdio.h>
#include <string.h>

#define FILTER_MAX 2048
#define DN_MAX 1024

int ldap_auth_enabled(const struct max_config *cfg)
{
	return *config_get(cfg, "ldap", "url") != 0;
}

/* (&<user_filter>(<attr>=<value>)[(!<disabled_filter>)]) */
static int user_filter(const struct max_config *cfg, const char *attr, const char *value, char *out,
		       size_t n)
{
	char match[FILTER_MAX];
	const char *disabled = config_get(cfg, "ldap", "disabled_filter");
	if (ldapc_match_filter(config_get(cfg, "ldap", "user_filter"), attr, value, match,
			       sizeof match) < 0)
		return -1;
	int len = *disabled ? snprintf(out, n, "(&%s(!%s%s%s))", match, *disabled == '(' ? "" : "(",
				       disabled, *disabled == '(' ? "" : ")")
			    : snprintf(out, n, "%s", match);
	return len < 0 || (size_t)len >= n ? -1 : 0;
}

struct found {
	int count;
	char dn[DN_MAX];
	char uid[MAX_USERNAME_MAX + 1];
	const char *uid_attr; /* NULL: the uid is not wanted */
};

static int on_entry(const struct ldapc_entry *e, void *arg)
{
	struct found *f = arg;
	if (++f->count > 1)
		return 1; /* ambiguous: stop */
	snprintf(f->dn, sizeof f->dn, "%s", ldapc_entry_dn(e));
	if (f->uid_attr)
		ldapc_entry_value(e, f->uid_attr, f->uid, sizeof f->uid);
	return 0;
}

/* Searches the users for attr = value: OK with f filled, or the failure. */
static enum ldapc_rc find_user(struct ldapc *c, const struct max_config *cfg, const char *attr,
			       const char *value, struct found *f)
{
	char filter[FILTER_MAX];
	if (user_filter(cfg, attr, value, filter, sizeof filter) < 0)
		return LDAPC_DENIED; /* cannot be anyone's name */
	const char *attrs[] = {f->uid_attr ? f->uid_attr : "1.1", NULL};
	return ldapc_search(c, config_get(cfg, "ldap", "user_base"),
			    ldapc_scope_parse(config_get(cfg, "ldap", "user_scope")), filter, attrs,
			    0, on_entry, f);
}

static int unavailable(const char *what)
{
	log_event("-", "ldap: %s: the directory cannot be used", what);
	return LDAP_AUTH_UNAVAILABLE;
}

/* A bind that fails the way a wrong password does, for the same cost. */
static void decoy_bind(struct ldapc *c, const struct max_config *cfg, const char *password)
{
	char dn[DN_MAX];
	const char *base = config_get(cfg, "ldap", "user_base");
	snprintf(dn, sizeof dn, "cn=max-no-such-user-x9%s%s", *base ? "," : "", base);
	ldapc_bind(c, dn, password);
}

int ldap_auth_check(struct store *db, const struct max_config *cfg, const char *username,
		    const char *password)
{
	(void)db;
	if (!password || !*password || !username || !*username)
		return LDAP_AUTH_DENIED;
	struct ldapc *c;
	if (ldapc_open(cfg, &c) != LDAPC_OK)
		return unavailable("login");
	struct found f = {0};
	enum ldapc_rc rc = find_user(c, cfg, config_get(cfg, "ldap", "uid_attr"), username, &f);
	if (rc == LDAPC_OK && f.count == 1) {
		rc = ldapc_bind(c, f.dn, password);
	} else if (rc == LDAPC_OK || rc == LDAPC_DENIED) {
		if (f.count > 1)
			log_event("-", "ldap: login %s matches several entries; refused", username);
		decoy_bind(c, cfg, password);
		rc = LDAPC_DENIED;
	}
	ldapc_close(c);
	return rc == LDAPC_OK       ? LDAP_AUTH_OK
	       : rc == LDAPC_DENIED ? LDAP_AUTH_DENIED
				    : unavailable("login");
}

int ldap_auth_exists(struct store *db, const struct max_config *cfg, const char *username)
{
	(void)db;
	struct ldapc *c;
	if (ldapc_open(cfg, &c) != LDAPC_OK)
		return unavailable("user lookup");
	struct found f = {0};
	enum ldapc_rc rc = find_user(c, cfg, config_get(cfg, "ldap", "uid_attr"), username, &f);
	ldapc_close(c);
	if (rc == LDAPC_DENIED || (rc == LDAPC_OK && f.count != 1))
		return LDAP_AUTH_DENIED;
	return rc == LDAPC_OK ? LDAP_AUTH_OK : unavailable("user lookup");
}

int ldap_auth_resolve(struct store *db, const struct max_config *cfg, const char *login,
		      char out[MAX_USERNAME_MAX + 1])
{
	(void)db;
	struct ldapc *c;
	if (ldapc_open(cfg, &c) != LDAPC_OK)
		return unavailable("e-mail lookup");
	struct found f = {0};
	f.uid_attr = config_get(cfg, "ldap", "uid_attr");
	enum ldapc_rc rc = find_user(c, cfg, config_get(cfg, "ldap", "mail_attr"), login, &f);
	ldapc_close(c);
	if (rc != LDAPC_OK && rc != LDAPC_DENIED)
		return unavailable("e-mail lookup");
	/* the first entry wins, as in the original; one without a usable
	 * uid is no user */
	if (rc == LDAPC_DENIED || f.count == 0 || !*f.uid)
		return LDAP_AUTH_NO_USER;
	memcpy(out, f.uid, strlen(f.uid) + 1);
	return LDAP_AUTH_OK;
}
