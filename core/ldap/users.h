/*
 * users.h — the directory's people as max-ldap-sync sees them: every entry
 * of user_base / user_filter (not matching disabled_filter), read in pages,
 * turned into a MAX username and display name by the mapping rules of the
 * sync (username = uid_attr trimmed and lower-cased, display name = the
 * first non-empty of name_attrs, else the username).
 */
#ifndef MAX_LDAP_USERS_H
#define MAX_LDAP_USERS_H

#include <stddef.h>

#include "ldap/client.h"
#include "util/status.h"

#define LDAP_DISPLAY_MAX 256 /* bytes, as the API allows */

struct ldap_user {
	char username[MAX_USERNAME_MAX + 1];
	char display[LDAP_DISPLAY_MAX + 1];
	char dn[512];
};

struct ldap_users {
	struct ldap_user *v; /* sorted by username */
	size_t n, cap;
	int skipped; /* entries left out: unusable or duplicated names */
};

/* Reads every user (pages of [ldap] page_size). Entries whose name is not
 * a valid MAX username are skipped with a warning; names that collide
 * after lower-casing are all skipped, logged as an error. OK, or the
 * failure (nothing is then in out). */
enum ldapc_rc ldap_users_read(struct ldapc *c, const struct max_config *cfg,
			      struct ldap_users *out);
void ldap_users_free(struct ldap_users *u);
/* The user named username, or NULL. */
const struct ldap_user *ldap_users_find(const struct ldap_users *u, const char *username);

#endif
