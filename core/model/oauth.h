/*
 * oauth.h — the credential stores behind POST /token (local passwords,
 * later LDAP) and the login resolution, with no HTTP in them. Tokens and
 * the local passwords themselves live in tokens.h.
 *
 * Credential stores ([oauth] stores, an ordered list such as "local,ldap")
 * are tried in order by oauth_authenticate(); each is one row of the store
 * table in oauth.c. "local" (scrypt hashes in local_passwords) lives here;
 * "ldap" lives in core/ldap/auth.c and is plugged in by osiris.fcgi.
 */
#ifndef MAX_OAUTH_H
#define MAX_OAUTH_H

#include "model/people.h"
#include "model/tokens.h"

struct max_config;

/* Outcome of a credential check across the configured stores. */
enum oauth_auth {
	OAUTH_AUTH_OK = 1,           /* credentials accepted */
	OAUTH_AUTH_DENIED = 0,       /* wrong password or unknown user */
	OAUTH_AUTH_ERROR = -1,       /* local storage failure (500) */
	OAUTH_AUTH_UNAVAILABLE = -2, /* a remote store cannot be reached (503) */
	OAUTH_AUTH_NO_USER = -3,     /* an e-mail login that no store resolves */
};

/* One credential store. Callbacks return enum oauth_auth values; resolve
 * may be NULL (the store has no alternative logins such as e-mail). */
struct oauth_cred_store {
	const char *name; /* as written in [oauth] stores */
	/* 0 when the configuration turns the store off (skipped silently) */
	int (*enabled)(const struct max_config *cfg);
	/* username (normalised) / password → OK, DENIED, ERROR, UNAVAILABLE */
	int (*check)(struct store *db, const struct max_config *cfg, const char *username,
		     const char *password);
	/* does username exist in this store? OK, DENIED, ERROR, UNAVAILABLE */
	int (*exists)(struct store *db, const struct max_config *cfg, const char *username);
	/* login (e.g. an e-mail) → canonical username in out; OK when
	 * resolved, DENIED when login is not of the kind this store resolves,
	 * NO_USER when it is but nothing matches, ERROR, UNAVAILABLE */
	int (*resolve)(struct store *db, const struct max_config *cfg, const char *login,
		       char out[MAX_USERNAME_MAX + 1]);
};

/* Fills the store row named cs->name with cs (start-up only, before any
 * request): how a program linked with an optional store (LDAP) adds it. */
void oauth_store_plug(const struct oauth_cred_store *cs);

/* Resolves login (normalised; an e-mail-looking login through the stores'
 * resolve callbacks) into out. OK, NO_USER, ERROR or UNAVAILABLE. */
int oauth_resolve_login(struct store *db, const struct max_config *cfg, const char *login,
			char out[MAX_USERNAME_MAX + 1]);
/* Tries the stores of [oauth] stores in order; the first OK wins. An empty
 * password is DENIED without asking any store. DENIED when all deny;
 * UNAVAILABLE / ERROR when no store accepted and one of them failed. */
int oauth_authenticate(struct store *db, const struct max_config *cfg, const char *username,
		       const char *password);
/* Does username exist: in the people table, or in any configured store?
 * OK, DENIED, ERROR or UNAVAILABLE. */
int oauth_user_exists(struct store *db, const struct max_config *cfg, const char *username);

#endif
