/*
 * auth.h — the LDAP credential store of the token server (POST /token):
 * find the user's entry with the service account, then bind as that entry
 * with the given password.
 *
 * The four functions have exactly the shape of the callbacks of a
 * credential store of the model's token code, so a program linked with
 * libldap plugs them in at start-up; the model itself never includes this
 * layer. They return the model's credential outcomes, repeated here as
 * LDAP_AUTH_* with the same values. The database handle is not used.
 */
#ifndef MAX_LDAP_AUTH_H
#define MAX_LDAP_AUTH_H

#include "util/status.h"

struct store;
struct max_config;

#define LDAP_AUTH_OK 1             /* credentials accepted / user found */
#define LDAP_AUTH_DENIED 0         /* wrong password, unknown user */
#define LDAP_AUTH_ERROR (-1)       /* not used: every LDAP failure is UNAVAILABLE */
#define LDAP_AUTH_UNAVAILABLE (-2) /* the directory cannot be reached or errs */
#define LDAP_AUTH_NO_USER (-3)     /* an e-mail login no entry has */

/* 1 when [ldap] url is set. */
int ldap_auth_enabled(const struct max_config *cfg);

/* username (already trimmed and lower-cased) and password. Exactly one
 * entry must match (&<user_filter>(<uid_attr>=<username, RFC 4515
 * escaped>)) under user_base / user_scope (and not disabled_filter); then
 * a bind as that entry with password decides. When no single entry
 * matches, a bind to an entry that does not exist is made anyway, so an
 * unknown user costs the same time as a wrong password. */
int ldap_auth_check(struct store *db, const struct max_config *cfg, const char *username,
		    const char *password);

/* Does an entry match username? OK, DENIED or UNAVAILABLE. */
int ldap_auth_exists(struct store *db, const struct max_config *cfg, const char *username);

/* login that looks like an e-mail → the uid_attr of the first entry whose
 * mail_attr equals it: OK (out set), NO_USER, or UNAVAILABLE. */
int ldap_auth_resolve(struct store *db, const struct max_config *cfg, const char *login,
		      char out[MAX_USERNAME_MAX + 1]);

#endif
