/*
 * oauth.c — tokens (issue, check, revoke, purge) and the credential stores
 * behind POST /token (OAUTH.md §4, §5). See oauth.h.
 *
 * The clear token exists only in the caller's buffer: the table keys rows by
 * the token's SHA-256, so a leaked database does not leak usable tokens.
 * Local passwords are libscrypt MCF strings; the cost parameters travel in
 * each hash, so raising them later does not invalidate existing ones.
 */
#include "model/oauth.h"
#include "util/config.h"
#include "util/ids.h"
#include "util/log.h"
#include "store/store.h"

#include <sqlite3.h> /* to be moved behind store/ */

#include <ctype.h>
#include <libscrypt.h>
#include <stdlib.h>
#include <string.h>

/* scrypt cost: 2^13 × r 8 = 8 MiB and ~40 ms per check on a small VM. */
#define OAUTH_SCRYPT_N 8192
#define OAUTH_SCRYPT_R 8
#define OAUTH_SCRYPT_P 1

/* A well-formed hash with the same cost that no password matches in
 * practice: checked when the user is unknown, so that the time taken does
 * not tell whether the user exists. */
static const char dummy_mcf[] =
	"$s1$0d0801$bWF4LW9hdXRoLWR1bW15LXNhbHQ="
	"$ZHVtbXlkdW1teWR1bW15ZHVtbXlkdW1teWR1bW15ZHVtbXlkdW1teWR1bW15ZHVtbXlkdW1teWR1bW15ZA==";

int oauth_username_norm(const char *in, char out[MAX_USERNAME_MAX + 1])
{
	if (!in)
		return -1;
	while (isspace((unsigned char)*in))
		in++;
	size_t n = strlen(in);
	while (n && isspace((unsigned char)in[n - 1]))
		n--;
	if (!n || n > MAX_USERNAME_MAX)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c < 0x20 || c == 0x7f)
			return -1;
		out[i] = (char)tolower(c);
	}
	out[n] = 0;
	return 0;
}

int oauth_token_shape_ok(const char *token)
{
	if (!token || strlen(token) != OAUTH_TOKEN_LEN)
		return 0;
	for (const char *p = token; *p; p++)
		if (!strchr(OAUTH_TOKEN_ALPHABET, *p))
			return 0;
	return 1;
}

/* 32 characters, each uniform over the alphabet: bytes at or above the
 * largest multiple of the alphabet size are thrown away (no modulo bias). */
static int token_generate(char out[OAUTH_TOKEN_LEN + 1])
{
	static const char alphabet[] = OAUTH_TOKEN_ALPHABET;
	const unsigned n = sizeof alphabet - 1;
	const unsigned limit = 256 - 256 % n;
	unsigned char pool[64];
	size_t have = 0, used = sizeof pool;
	while (have < OAUTH_TOKEN_LEN) {
		if (used == sizeof pool) {
			if (random_bytes(pool, sizeof pool) < 0)
				return -1;
			used = 0;
		}
		unsigned b = pool[used++];
		if (b < limit)
			out[have++] = alphabet[b % n];
	}
	out[OAUTH_TOKEN_LEN] = 0;
	memset(pool, 0, sizeof pool);
	return 0;
}

static void token_hash(const char *token, char out[65])
{
	hash_sha256_hex(token, strlen(token), out);
}

int oauth_token_issue_ex(struct store *db, const struct max_config *cfg,
			 const char *username, const char *scope, const char *client,
			 char out[33], time_t *expires)
{
	char user[MAX_USERNAME_MAX + 1], hash[65], issued[21], exp[21];
	if (oauth_username_norm(username, user) < 0)
		return -1;
	if (token_generate(out) < 0) {
		log_event("-", "oauth: getrandom failed");
		return -1;
	}
	time_t now = time(NULL);
	long long ttl = config_int(cfg, "oauth", "token_expiry");
	time_t until = ttl > 0 ? now + (time_t)ttl : 0;
	time_iso(now, issued);
	if (until)
		time_iso(until, exp);
	token_hash(out, hash);
	const char *args[] = {hash, user, scope, issued, until ? exp : NULL, client};
	if (store_exec(db,
		       "INSERT INTO oauth_tokens (token_hash, username, scope, issued_at, "
		       "expires_at, client) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
		       6, args) < 0) {
		memset(out, 0, 33);
		return -1;
	}
	if (expires)
		*expires = until;
	return 0;
}

int oauth_token_issue(struct store *db, const struct max_config *cfg, const char *username,
		      const char *scope, const char *client, char out[33])
{
	return oauth_token_issue_ex(db, cfg, username, scope, client, out, NULL);
}

int oauth_token_check(struct store *db, const char *token, const char *username,
		      const char *scope)
{
	char user[MAX_USERNAME_MAX + 1], hash[65];
	if (!oauth_token_shape_ok(token) || oauth_username_norm(username, user) < 0)
		return 0;
	token_hash(token, hash);
	sqlite3_stmt *s = store_stmt(db, "SELECT username, scope, expires_at FROM oauth_tokens "
					 "WHERE token_hash = ?1");
	if (!s)
		return -1;
	store_bind_text(s, 1, hash);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(s);
		return 0;
	}
	if (rc != SQLITE_ROW) {
		log_event("-", "oauth: token lookup failed: %s", sqlite3_errmsg(db->db));
		sqlite3_reset(s);
		return -1;
	}
	const char *row_user = (const char *)sqlite3_column_text(s, 0);
	const char *row_scope = (const char *)sqlite3_column_text(s, 1);
	const char *row_exp = (const char *)sqlite3_column_text(s, 2);
	int valid = row_user && !strcmp(row_user, user) &&
		    ((!row_scope && !scope) || (row_scope && scope && !strcmp(row_scope, scope)));
	int expired = 0;
	if (row_exp) {
		time_t until;
		/* an unreadable expiry counts as expired: fail closed */
		expired = time_parse_iso(row_exp, &until) < 0 || time(NULL) >= until;
	}
	sqlite3_reset(s);
	if (expired) {
		/* Best effort: the answer is "invalid" whether or not the
		 * delete succeeds (the caller may hold a read transaction). */
		const char *args[] = {hash};
		if (store_exec(db, "DELETE FROM oauth_tokens WHERE token_hash = ?1", 1, args) < 0)
			log_event("-", "oauth: could not delete an expired token row");
		return 0;
	}
	return valid;
}

int oauth_token_revoke(struct store *db, const char *token, const char *username)
{
	char user[MAX_USERNAME_MAX + 1], hash[65];
	if (!oauth_token_shape_ok(token) || oauth_username_norm(username, user) < 0)
		return 0;
	token_hash(token, hash);
	const char *args[] = {hash, user};
	if (store_exec(db, "DELETE FROM oauth_tokens WHERE token_hash = ?1 AND username = ?2", 2,
		       args) < 0)
		return -1;
	return store_changes(db) > 0;
}

int oauth_purge_expired(struct store *db)
{
	char now[21];
	time_now_iso(now);
	/* expires_at is always "YYYY-MM-DDTHH:MM:SSZ", so text order is time order */
	const char *args[] = {now};
	if (store_exec(db,
		       "DELETE FROM oauth_tokens WHERE expires_at IS NOT NULL AND expires_at <= ?1",
		       1, args) < 0)
		return -1;
	return store_changes(db);
}

int oauth_tokens_delete_user(struct store *db, const char *username)
{
	char user[MAX_USERNAME_MAX + 1];
	if (oauth_username_norm(username, user) < 0)
		return 0;
	const char *args[] = {user};
	if (store_exec(db, "DELETE FROM oauth_tokens WHERE username = ?1", 1, args) < 0)
		return -1;
	return store_changes(db);
}

int oauth_password_set(struct store *db, const char *username, const char *password)
{
	char user[MAX_USERNAME_MAX + 1], mcf[SCRYPT_MCF_LEN + 1], now[21];
	if (oauth_username_norm(username, user) < 0 || !password || !*password)
		return -1;
	if (!libscrypt_hash(mcf, password, OAUTH_SCRYPT_N, OAUTH_SCRYPT_R, OAUTH_SCRYPT_P)) {
		log_event("-", "oauth: scrypt hashing failed");
		return -1;
	}
	time_now_iso(now);
	const char *args[] = {user, mcf, now};
	int rc = store_exec(db,
			    "INSERT INTO local_passwords (username, hash, updated_at) "
			    "VALUES (?1, ?2, ?3) ON CONFLICT (username) DO UPDATE SET "
			    "hash = excluded.hash, updated_at = excluded.updated_at",
			    3, args);
	memset(mcf, 0, sizeof mcf);
	return rc < 0 ? -1 : 0;
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

int oauth_password_check(struct store *db, const char *username, const char *password)
{
	char user[MAX_USERNAME_MAX + 1];
	if (!password || !*password || oauth_username_norm(username, user) < 0)
		return 0;
	sqlite3_stmt *s = store_stmt(db, "SELECT hash FROM local_passwords WHERE username = ?1");
	if (!s)
		return -1;
	store_bind_text(s, 1, user);
	int rc = sqlite3_step(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		log_event("-", "oauth: password lookup failed: %s", sqlite3_errmsg(db->db));
		sqlite3_reset(s);
		return -1;
	}
	char *mcf = rc == SQLITE_ROW ? xstrdup((const char *)sqlite3_column_text(s, 0)) : NULL;
	sqlite3_reset(s);
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

/* ---- credential stores ------------------------------------------------ */

static int local_enabled(const struct max_config *cfg)
{
	(void)cfg;
	return 1;
}

static int local_check(struct store *db, const struct max_config *cfg, const char *username,
		       const char *password)
{
	(void)cfg;
	int rc = oauth_password_check(db, username, password);
	return rc < 0 ? OAUTH_AUTH_ERROR : rc ? OAUTH_AUTH_OK : OAUTH_AUTH_DENIED;
}

static int local_exists(struct store *db, const struct max_config *cfg, const char *username)
{
	(void)cfg;
	sqlite3_stmt *s = store_stmt(db, "SELECT 1 FROM local_passwords WHERE username = ?1");
	if (!s)
		return OAUTH_AUTH_ERROR;
	store_bind_text(s, 1, username);
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_ROW    ? OAUTH_AUTH_OK
	       : rc == SQLITE_DONE ? OAUTH_AUTH_DENIED
				   : OAUTH_AUTH_ERROR;
}

/*
 * The stores [oauth] stores may name. A row without a check callback is not
 * built in and is skipped (logged once). The "ldap" row is filled at start-up
 * by the programs linked with core/ldap/ (oauth_store_plug; this layer may
 * not include that one); elsewhere it stays empty.
 */
static struct oauth_cred_store cred_stores[] = {
	{"local", local_enabled, local_check, local_exists, NULL},
	{"ldap", NULL, NULL, NULL, NULL},
};
#define NSTORES (sizeof cred_stores / sizeof cred_stores[0])

void oauth_store_plug(const struct oauth_cred_store *cs)
{
	for (size_t i = 0; i < NSTORES; i++)
		if (!strcmp(cred_stores[i].name, cs->name))
			cred_stores[i] = *cs;
}

static const struct oauth_cred_store *store_named(const char *name, size_t len)
{
	for (size_t i = 0; i < NSTORES; i++)
		if (strlen(cred_stores[i].name) == len && !strncmp(cred_stores[i].name, name, len))
			return &cred_stores[i];
	return NULL;
}

/* Is store usable with this configuration? "ldap" is off while [ldap] url
 * is empty, whatever its own enabled() says. */
static int store_usable(const struct oauth_cred_store *cs, const struct max_config *cfg)
{
	if (!strcmp(cs->name, "ldap") && !*config_get(cfg, "ldap", "url"))
		return 0;
	if (!cs->check) {
		static int warned;
		if (!warned++)
			log_event("-", "oauth: credential store \"%s\" is not built in; skipped",
				  cs->name);
		return 0;
	}
	return !cs->enabled || cs->enabled(cfg);
}

/* Calls fn on each usable store of [oauth] stores, in order, until fn
 * returns non-zero; returns that value (0 when none did). */
static int each_store(const struct max_config *cfg,
		      int (*fn)(const struct oauth_cred_store *cs, void *arg), void *arg)
{
	const char *p = config_get(cfg, "oauth", "stores");
	while (*p) {
		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		const char *e = p;
		while (*e && *e != ',' && !isspace((unsigned char)*e))
			e++;
		if (e == p)
			break;
		const struct oauth_cred_store *cs = store_named(p, (size_t)(e - p));
		if (!cs) {
			log_event("-", "oauth: unknown credential store \"%.*s\" in [oauth] stores",
				  (int)(e - p), p);
		} else if (store_usable(cs, cfg)) {
			int rc = fn(cs, arg);
			if (rc)
				return rc;
		}
		p = e;
	}
	return 0;
}

struct walk {
	struct store *db;
	const struct max_config *cfg;
	const char *user;
	const char *password;
	char *out;
	int failure; /* worst failure seen: ERROR or UNAVAILABLE, else 0 */
};

static void note_failure(struct walk *w, int rc)
{
	if (rc == OAUTH_AUTH_UNAVAILABLE || (rc == OAUTH_AUTH_ERROR && !w->failure))
		w->failure = rc;
}

static int walk_check(const struct oauth_cred_store *cs, void *arg)
{
	struct walk *w = arg;
	int rc = cs->check(w->db, w->cfg, w->user, w->password);
	if (rc == OAUTH_AUTH_OK)
		return 1;
	note_failure(w, rc);
	return 0;
}

static int walk_exists(const struct oauth_cred_store *cs, void *arg)
{
	struct walk *w = arg;
	if (!cs->exists)
		return 0;
	int rc = cs->exists(w->db, w->cfg, w->user);
	if (rc == OAUTH_AUTH_OK)
		return 1;
	note_failure(w, rc);
	return 0;
}

static int walk_resolve(const struct oauth_cred_store *cs, void *arg)
{
	struct walk *w = arg;
	if (!cs->resolve)
		return 0;
	int rc = cs->resolve(w->db, w->cfg, w->user, w->out);
	if (rc == OAUTH_AUTH_OK)
		return 1;
	if (rc == OAUTH_AUTH_NO_USER)
		return OAUTH_AUTH_NO_USER;
	note_failure(w, rc);
	return 0;
}

int oauth_resolve_login(struct store *db, const struct max_config *cfg, const char *login,
			char out[MAX_USERNAME_MAX + 1])
{
	char user[MAX_USERNAME_MAX + 1];
	if (oauth_username_norm(login, user) < 0)
		return OAUTH_AUTH_NO_USER;
	/* only an e-mail-looking login (x@y.z) goes through the resolvers */
	const char *at = strchr(user, '@');
	if (!at || at == user || !strchr(at + 1, '.')) {
		memcpy(out, user, strlen(user) + 1);
		return OAUTH_AUTH_OK;
	}
	char resolved[MAX_USERNAME_MAX + 1] = "";
	struct walk w = {db, cfg, user, NULL, resolved, 0};
	int rc = each_store(cfg, walk_resolve, &w);
	if (rc == 1) {
		char norm[MAX_USERNAME_MAX + 1];
		if (oauth_username_norm(resolved, norm) < 0)
			return OAUTH_AUTH_NO_USER;
		memcpy(out, norm, strlen(norm) + 1);
		return OAUTH_AUTH_OK;
	}
	if (rc == OAUTH_AUTH_NO_USER)
		return OAUTH_AUTH_NO_USER;
	if (w.failure)
		return w.failure;
	/* no store resolves e-mails: the login is used as it is */
	memcpy(out, user, strlen(user) + 1);
	return OAUTH_AUTH_OK;
}

int oauth_authenticate(struct store *db, const struct max_config *cfg, const char *username,
		       const char *password)
{
	char user[MAX_USERNAME_MAX + 1];
	if (!password || !*password || oauth_username_norm(username, user) < 0)
		return OAUTH_AUTH_DENIED;
	struct walk w = {db, cfg, user, password, NULL, 0};
	if (each_store(cfg, walk_check, &w))
		return OAUTH_AUTH_OK;
	return w.failure ? w.failure : OAUTH_AUTH_DENIED;
}

int oauth_user_exists(struct store *db, const struct max_config *cfg, const char *username)
{
	char user[MAX_USERNAME_MAX + 1];
	if (oauth_username_norm(username, user) < 0)
		return OAUTH_AUTH_DENIED;
	sqlite3_stmt *s = store_stmt(db, "SELECT 1 FROM people WHERE username = ?1");
	if (!s)
		return OAUTH_AUTH_ERROR;
	store_bind_text(s, 1, user);
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return OAUTH_AUTH_OK;
	if (rc != SQLITE_DONE)
		return OAUTH_AUTH_ERROR;
	/* local_passwords counts whether or not "local" is listed in stores */
	rc = local_exists(db, cfg, user);
	if (rc != OAUTH_AUTH_DENIED)
		return rc;
	struct walk w = {db, cfg, user, NULL, NULL, 0};
	if (each_store(cfg, walk_exists, &w))
		return OAUTH_AUTH_OK;
	return w.failure ? w.failure : OAUTH_AUTH_DENIED;
}
