/*
 * oauth.h — tokens and credentials of the token server (OAUTH.md §4, §5),
 * with no HTTP in it.
 *
 * osiris.fcgi and `maxctl token` issue tokens; max.fcgi (core/auth.c) and
 * osiris check them. A token is 32 characters from OAUTH_TOKEN_ALPHABET,
 * drawn from getrandom(); only its hex SHA-256 is stored (oauth_tokens).
 * Usernames are trimmed and lower-cased before every lookup and store.
 *
 * None of these functions opens a transaction: callers that write wrap
 * the calls in store_begin()/store_commit().
 *
 * Credential stores ([oauth] stores, an ordered list such as "local,ldap")
 * are tried in order by oauth_authenticate(); each is one row of the store
 * table in oauth.c. "local" (scrypt hashes in local_passwords) lives here;
 * "ldap" lives in core/ldap/auth.c and is plugged in by osiris.fcgi.
 */
#ifndef MAX_OAUTH_H
#define MAX_OAUTH_H

#include <stddef.h>
#include <time.h>

#include "http/max.h"

struct store;
struct max_config;

#define OAUTH_TOKEN_ALPHABET "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
#define OAUTH_TOKEN_LEN 32

/* Trims and lower-cases in into out; -1 when the result is empty or longer
 * than MAX_USERNAME_MAX bytes, or in holds control characters. */
int oauth_username_norm(const char *in, char out[MAX_USERNAME_MAX + 1]);

/* Issues a token for username (normalised), stores its hash with scope (NULL
 * allowed), issued_at, expires_at ([oauth] token_expiry seconds from now,
 * NULL when 0) and client. Writes the clear token (NUL-terminated) to out.
 * Returns 0 or -1. */
int oauth_token_issue(struct store *db, const struct max_config *cfg, const char *username,
		      const char *scope, const char *client, char out[33]);
/* The same, also telling when the token expires (0 = never). */
int oauth_token_issue_ex(struct store *db, const struct max_config *cfg,
			 const char *username, const char *scope, const char *client,
			 char out[33], time_t *expires);

/* 1 valid, 0 invalid, -1 storage error. Valid iff a row with the token's
 * hash exists, its username equals username (both lower-cased), its scope
 * equals scope exactly (NULL matches only NULL) and it has not expired; an
 * expired row met here is deleted. */
int oauth_token_check(struct store *db, const char *token, const char *username,
		      const char *scope);

/* Deletes the token if it belongs to username: 1 deleted, 0 not found or
 * someone else's, -1 storage error. */
int oauth_token_revoke(struct store *db, const char *token, const char *username);

/* 1 when token is exactly OAUTH_TOKEN_LEN characters of the alphabet. */
int oauth_token_shape_ok(const char *token);

/* Deletes every expired row; returns how many, or -1. */
int oauth_purge_expired(struct store *db);

/* Deletes every token of username; returns how many, or -1. */
int oauth_tokens_delete_user(struct store *db, const char *username);

/* Local store: sets (replaces) username's scrypt hash. 0, or -1 on error or
 * an empty password. */
int oauth_password_set(struct store *db, const char *username, const char *password);
/* 1 right, 0 wrong password or unknown user (same work either way), -1
 * storage error or a corrupt stored hash. */
int oauth_password_check(struct store *db, const char *username, const char *password);

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
