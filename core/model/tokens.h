/*
 * tokens.h — OAuth tokens and local passwords, with no HTTP in them.
 *
 * osiris.fcgi and `maxctl token` issue tokens; max.fcgi and osiris check
 * them. A token is 32 characters from TOKEN_ALPHABET drawn from
 * getrandom(); only its hex SHA-256 is stored (oauth_tokens). Local
 * passwords are scrypt hashes (local_passwords). User names go through
 * people_normalise() before every lookup and store.
 *
 * None of these functions opens a transaction: callers that write wrap
 * the calls in store_begin()/store_commit().
 */
#ifndef MAX_MODEL_TOKENS_H
#define MAX_MODEL_TOKENS_H

#include "model/model.h"

#include <time.h>

struct max_config;

#define TOKEN_ALPHABET "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
#define TOKEN_LEN 32

/* Issues a token for username, stores its hash with scope (NULL allowed),
 * issued_at, expires_at ([oauth] token_expiry seconds from now, NULL when
 * 0) and client. Writes the clear token to out and, when expires is not
 * NULL, when it expires (0 = never). Returns 0 or -1. */
int token_issue(struct store *st, const struct max_config *cfg, const char *username,
		const char *scope, const char *client, char out[TOKEN_LEN + 1], time_t *expires);

/* 1 valid, 0 invalid, -1 storage error. Valid iff a row with the token's
 * hash exists, its username equals username (normalised), its scope
 * equals scope exactly (NULL matches only NULL) and it has not expired;
 * an expired row met here is deleted. */
int token_check(struct store *st, const char *token, const char *username, const char *scope);

/* Deletes the token if it belongs to username: 1 deleted, 0 not found or
 * someone else's, -1 storage error. */
int token_revoke(struct store *st, const char *token, const char *username);

/* 1 when token is exactly TOKEN_LEN characters of the alphabet. */
int token_shape_ok(const char *token);

/* Deletes every expired row; returns how many, or -1. */
int token_purge_expired(struct store *st);

/* Deletes every token of username; returns how many, or -1. */
int token_delete_user(struct store *st, const char *username);

/* The revocation counter: when it moved, a token that was valid may no
 * longer be. -1 on a storage error. */
long long token_revocations(struct store *st);

/* Sets (replaces) username's scrypt hash and bumps the revocation
 * counter. 0, or -1 on error or an empty password. */
int token_password_set(struct store *st, const char *username, const char *password);
/* 1 right, 0 wrong password or unknown user (the same scrypt work either
 * way), -1 storage error or a corrupt stored hash. */
int token_password_check(struct store *st, const char *username, const char *password);
/* 1 when username has a local password, 0 not, -1 error. */
int token_password_exists(struct store *st, const char *username);

#endif
