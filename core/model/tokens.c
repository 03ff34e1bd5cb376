/*
 * tokens.c — tokens (issue, check, revoke, purge) and local passwords.
 * See tokens.h.
 *
 * The clear token exists only in the caller's buffer: the table keys rows by
 * the token's SHA-256, so a leaked database does not leak usable tokens.
 * Local passwords are libscrypt MCF strings; the cost parameters travel in
 * each hash, so raising them later does not invalidate existing ones.
 */
#include "model/tokens.h"
#include "model/people.h"
#include "util/config.h"
#include "util/buf.h"
#include "util/ids.h"
#include "util/log.h"

#include <libscrypt.h>
#include <stdlib.h>
#include <string.h>

/* scrypt cost: 2^13 × r 8 = 8 MiB and ~40 ms per check on a small VM. */
#define TOKEN_SCRYPT_N 8192
#define TOKEN_SCRYPT_R 8
#define TOKEN_SCRYPT_P 1

/* A well-formed hash with the same cost that no password matches in
 * practice: checked when the user is unknown, so that the time taken does
 * not tell whether the user exists. */
static const char dummy_mcf[] =
	"$s1$0d0801$bWF4LW9hdXRoLWR1bW15LXNhbHQ="
	"$ZHVtbXlkdW1teWR1bW15ZHVtbXlkdW1teWR1bW15ZHVtbXlkdW1teWR1bW15ZHVtbXlkdW1teWR1bW15ZA==";

int token_shape_ok(const char *token)
{
	if (!token || strlen(token) != TOKEN_LEN)
		return 0;
	for (const char *p = token; *p; p++)
		if (!strchr(TOKEN_ALPHABET, *p))
			return 0;
	return 1;
}

/* 32 characters, each uniform over the alphabet: bytes at or above the
 * largest multiple of the alphabet size are thrown away (no modulo bias). */
static int token_generate(char out[TOKEN_LEN + 1])
{
	static const char alphabet[] = TOKEN_ALPHABET;
	const unsigned n = sizeof alphabet - 1;
	const unsigned limit = 256 - 256 % n;
	unsigned char pool[64];
	size_t have = 0, used = sizeof pool;
	while (have < TOKEN_LEN) {
		if (used == sizeof pool) {
			if (random_bytes(pool, sizeof pool) < 0)
				return -1;
			used = 0;
		}
		unsigned b = pool[used++];
		if (b < limit)
			out[have++] = alphabet[b % n];
	}
	out[TOKEN_LEN] = 0;
	memset(pool, 0, sizeof pool);
	return 0;
}

static void token_hash(const char *token, char out[65])
{
	hash_sha256_hex(token, strlen(token), out);
}

static int token_insert(struct store *st, const char *hash, const char *user, const char *scope,
			time_t now, time_t until, const char *client)
{
	char issued[21], exp[21];
	time_iso(now, issued);
	if (until)
		time_iso(until, exp);
	store_q *q =
		store_sql(st, "INSERT INTO oauth_tokens (token_hash, username, scope, issued_at,"
			      " expires_at, client) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
	if (!q)
		return -1;
	store_bind_text(q, 1, hash);
	store_bind_text(q, 2, user);
	store_bind_text(q, 3, scope);
	store_bind_text(q, 4, issued);
	store_bind_text(q, 5, until ? exp : NULL);
	store_bind_text(q, 6, client);
	return store_run(q);
}

int token_issue(struct store *st, const struct max_config *cfg, const char *username,
		const char *scope, const char *client, char out[TOKEN_LEN + 1], time_t *expires)
{
	char user[MAX_USERNAME_MAX + 1], hash[65];
	if (people_normalise(username, user) < 0)
		return -1;
	if (token_generate(out) < 0) {
		log_event("-", "oauth: getrandom failed");
		return -1;
	}
	time_t now = time(NULL);
	long long ttl = config_int(cfg, "oauth", "token_expiry");
	time_t until = ttl > 0 ? now + (time_t)ttl : 0;
	token_hash(out, hash);
	if (token_insert(st, hash, user, scope, now, until, client) < 0) {
		memset(out, 0, TOKEN_LEN + 1);
		return -1;
	}
	if (expires)
		*expires = until;
	return 0;
}

/* Best effort: the answer is "invalid" whether or not the delete succeeds
 * (the caller may hold a read transaction). */
static void token_drop_expired(struct store *st, const char *hash)
{
	const char *args[] = {hash};
	if (store_exec(st, "DELETE FROM oauth_tokens WHERE token_hash = ?1", 1, args) < 0)
		log_event("-", "oauth: could not delete an expired token row");
}

int token_check(struct store *st, const char *token, const char *username, const char *scope)
{
	char user[MAX_USERNAME_MAX + 1], hash[65];
	if (!token_shape_ok(token) || people_normalise(username, user) < 0)
		return 0;
	token_hash(token, hash);
	store_q *q = store_sql(st, "SELECT username, scope, expires_at FROM oauth_tokens"
				   " WHERE token_hash = ?1");
	if (!q)
		return -1;
	store_bind_text(q, 1, hash);
	int rc = store_one(q);
	if (rc <= 0)
		return rc;
	const char *row_user = store_text(q, 0), *row_scope = store_text(q, 1),
		   *row_exp = store_text(q, 2);
	int valid = row_user && !strcmp(row_user, user) &&
		    ((!row_scope && !scope) || (row_scope && scope && !strcmp(row_scope, scope)));
	int expired = 0;
	if (row_exp) {
		time_t until;
		/* an unreadable expiry counts as expired: fail closed */
		expired = time_parse_iso(row_exp, &until) < 0 || time(NULL) >= until;
	}
	store_reset(q);
	if (expired) {
		token_drop_expired(st, hash);
		return 0;
	}
	return valid;
}

static int bump_revocations(struct store *st)
{
	store_q *q =
		store_sql(st, "UPDATE token_revocations SET counter = counter + 1 WHERE id = 1");
	return q ? store_run(q) : -1;
}

long long token_revocations(struct store *st)
{
	store_q *q = store_sql(st, "SELECT counter FROM token_revocations WHERE id = 1");
	if (!q || store_one(q) != 1)
		return -1;
	long long n = store_int(q, 0);
	store_reset(q);
	return n;
}

int token_revoke(struct store *st, const char *token, const char *username)
{
	char user[MAX_USERNAME_MAX + 1], hash[65];
	if (!token_shape_ok(token) || people_normalise(username, user) < 0)
		return 0;
	token_hash(token, hash);
	const char *args[] = {hash, user};
	if (store_exec(st, "DELETE FROM oauth_tokens WHERE token_hash = ?1 AND username = ?2", 2,
		       args) < 0)
		return -1;
	if (store_changes(st) == 0)
		return 0;
	return bump_revocations(st) < 0 ? -1 : 1;
}

int token_purge_expired(struct store *st)
{
	char now[21];
	time_now_iso(now);
	/* expires_at is always "YYYY-MM-DDTHH:MM:SSZ", so text order is time order */
	const char *args[] = {now};
	if (store_exec(st,
		       "DELETE FROM oauth_tokens WHERE expires_at IS NOT NULL AND expires_at <= ?1",
		       1, args) < 0)
		return -1;
	return store_changes(st);
}

int token_delete_user(struct store *st, const char *username)
{
	char user[MAX_USERNAME_MAX + 1];
	if (people_normalise(username, user) < 0)
		return 0;
	const char *args[] = {user};
	if (store_exec(st, "DELETE FROM oauth_tokens WHERE username = ?1", 1, args) < 0)
		return -1;
	int n = store_changes(st);
	return n > 0 && bump_revocations(st) < 0 ? -1 : n;
}

int token_password_set(struct store *st, const char *username, const char *password)
{
	char user[MAX_USERNAME_MAX + 1], mcf[SCRYPT_MCF_LEN + 1], now[21];
	if (people_normalise(username, user) < 0 || !password || !*password)
		return -1;
	if (!libscrypt_hash(mcf, password, TOKEN_SCRYPT_N, TOKEN_SCRYPT_R, TOKEN_SCRYPT_P)) {
		log_event("-", "oauth: scrypt hashing failed");
		return -1;
	}
	time_now_iso(now);
	const char *args[] = {user, mcf, now};
	int rc = store_exec(st,
			    "INSERT INTO local_passwords (username, hash, updated_at) "
			    "VALUES (?1, ?2, ?3) ON CONFLICT (username) DO UPDATE SET "
			    "hash = excluded.hash, updated_at = excluded.updated_at",
			    3, args);
	memset(mcf, 0, sizeof mcf);
	return rc < 0 || bump_revocations(st) < 0 ? -1 : 0;
}

/* libscrypt_check() tokenises its argument in place: work on a copy. */
static int scrypt_verify(const char *mcf, const char *password)
{
	char copy[SCRYPT_MCF_LEN * 2];
	size_t n = strlen(mcf);
	if (n >= sizeof copy)
		return -1;
	memcpy(copy, mcf, n + 1);
	int rc = libscrypt_check(copy, password);
	memset(copy, 0, sizeof copy);
	return rc < 0 ? -1 : rc > 0;
}

int token_password_check(struct store *st, const char *username, const char *password)
{
	char user[MAX_USERNAME_MAX + 1];
	if (!password || !*password || people_normalise(username, user) < 0)
		return 0;
	store_q *q = store_sql(st, "SELECT hash FROM local_passwords WHERE username = ?1");
	if (!q)
		return -1;
	store_bind_text(q, 1, user);
	int rc = store_one(q);
	if (rc < 0)
		return -1;
	char *mcf = rc ? xstrdup(store_text(q, 0)) : NULL;
	if (rc)
		store_reset(q);
	if (!mcf) {
		scrypt_verify(dummy_mcf, password); /* same work as a real check */
		return 0;
	}
	int ok = scrypt_verify(mcf, password);
	free(mcf);
	if (ok < 0)
		log_event("-", "oauth: stored password hash of %s is not valid", user);
	return ok;
}

int token_password_exists(struct store *st, const char *username)
{
	store_q *q = store_sql(st, "SELECT 1 FROM local_passwords WHERE username = ?1");
	if (!q)
		return -1;
	store_bind_text(q, 1, username);
	return store_exists(q);
}
