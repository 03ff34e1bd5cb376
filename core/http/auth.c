/*
 * auth.c — who is calling (token check), as whom (the actor) and the
 * access decisions shared by every route (router.h enum acl).
 *
 * The token check hashes the token and asks token_check(); positive
 * answers are cached per process for [oauth] cache_ttl seconds so that a
 * busy worker does not hit the token table on every request. Negative
 * answers are never cached, so a new token works at once. Every request
 * reads the database's revocation counter (one primary-key lookup, much
 * cheaper than hashing and looking up the token): when it moved, some
 * token was revoked somewhere and the whole cache is dropped, so a
 * revoked token stops working at once on every worker.
 */
#include "http/auth.h"
#include "model/contexts.h"
#include "util/config.h"
#include "http/http.h"
#include "util/ids.h"
#include "util/jsonx.h"
#include "util/log.h"
#include "model/people.h"
#include "model/roles.h"
#include "model/tokens.h"
#include "http/router.h"
#include "util/text.h"
#include "http/traverse.h"

#include <stdio.h>
#include <curl/curl.h>
#include <dlfcn.h>
#include <string.h>
#include <time.h>

#define CACHE_SLOTS 64

static struct {
	char key[65]; /* sha256(token NUL username) */
	time_t until;
} cache[CACHE_SLOTS];
static long long cache_revocations = -1; /* the counter the cache was filled under */

void auth_cache_clear(void)
{
	memset(cache, 0, sizeof cache);
	cache_revocations = -1;
}

/* Drops the cache when the revocation counter moved (or cannot be read). */
static void cache_sync(struct store *db)
{
	long long n = token_revocations(db);
	if (n < 0 || n != cache_revocations)
		memset(cache, 0, sizeof cache);
	cache_revocations = n;
}

static void cache_key(const char *token, const char *user, char out[65])
{
	struct buf b;
	buf_init(&b);
	buf_adds(&b, token);
	buf_addc(&b, 0);
	buf_adds(&b, user);
	hash_sha256_hex(b.data, b.len, out);
	buf_free(&b);
}

static int cache_hit(const char *key)
{
	size_t i = (size_t)(key[0] * 16 + key[1]) % CACHE_SLOTS;
	time_t now = time(NULL);
	return !strcmp(cache[i].key, key) && cache[i].until > now;
}

static void cache_put(const char *key, int ttl)
{
	size_t i = (size_t)(key[0] * 16 + key[1]) % CACHE_SLOTS;
	memcpy(cache[i].key, key, 65);
	cache[i].until = time(NULL) + ttl;
}

/* libcurl and its dependency tree (TLS, Kerberos, LDAP…) cost each worker
 * about 3 MB of resident memory; only installs that point [oauth] check_url
 * at an external Osiris need it, so it is loaded on first use. */
static struct {
	int tried;
	CURL *(*init)(void);
	CURLcode (*setopt)(CURL *, CURLoption, ...);
	CURLcode (*perform)(CURL *);
	CURLcode (*getinfo)(CURL *, CURLINFO, ...);
	void (*cleanup)(CURL *);
	char *(*escape)(CURL *, const char *, int);
	void (*free)(void *);
} curl;

static int curl_load(void)
{
	if (curl.tried)
		return curl.init ? 0 : -1;
	curl.tried = 1;
	void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		log_event("-", "check_url set but libcurl cannot be loaded: %s", dlerror());
		return -1;
	}
	*(void **)&curl.setopt = dlsym(h, "curl_easy_setopt");
	*(void **)&curl.perform = dlsym(h, "curl_easy_perform");
	*(void **)&curl.getinfo = dlsym(h, "curl_easy_getinfo");
	*(void **)&curl.cleanup = dlsym(h, "curl_easy_cleanup");
	*(void **)&curl.escape = dlsym(h, "curl_easy_escape");
	*(void **)&curl.free = dlsym(h, "curl_free");
	*(void **)&curl.init = dlsym(h, "curl_easy_init");
	if (!curl.setopt || !curl.perform || !curl.getinfo || !curl.cleanup || !curl.escape ||
	    !curl.free || !curl.init) {
		curl.init = NULL;
		return -1;
	}
	return 0;
}

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
	return size * n;
}

/* An external Osiris, asked exactly as the original asked it
 * (form POST of access_token, username, scope; valid iff 200). */
static int check_remote(const char *url, const char *token, const char *username, const char *scope)
{
	CURL *h = curl_load() == 0 ? curl.init() : NULL;
	if (!h)
		return -1;
	char *t = curl.escape(h, token, 0), *u = curl.escape(h, username, 0),
	     *sc = curl.escape(h, scope, 0);
	struct buf form;
	buf_init(&form);
	buf_printf(&form, "access_token=%s&username=%s&scope=%s", t, u, sc);
	curl.free(t);
	curl.free(u);
	curl.free(sc);
	curl.setopt(h, CURLOPT_URL, url);
	curl.setopt(h, CURLOPT_POSTFIELDS, form.data);
	curl.setopt(h, CURLOPT_TIMEOUT, 5L);
	curl.setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl.setopt(h, CURLOPT_WRITEFUNCTION, discard);
	long status = 0;
	CURLcode rc = curl.perform(h);
	if (rc == CURLE_OK)
		curl.getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl.cleanup(h);
	buf_free(&form);
	if (rc != CURLE_OK)
		return -1;
	return status == 200;
}

int auth_token_check(const struct max_config *cfg, struct store *db, const char *token,
		     const char *username, const char *scope)
{
	const char *url = config_get(cfg, "oauth", "check_url");
	if (*url)
		return check_remote(url, token, username, scope);
	return token_check(db, token, username, scope);
}

enum max_err auth_authenticate(struct max_ctx *c)
{
	const char *token = req_header(c->req, "x-oauth-token");
	const char *user = req_header(c->req, "x-oauth-username");
	const char *scope = req_header(c->req, "x-oauth-scope");
	if (!token || !*token || !user || !*user) {
		if (qs_get(c, "X-Oauth-Username"))
			return max_fail(
				c, MAX_EUNAUTHORIZED,
				"Authorization found in url params, not in request. Check your "
				"tests, you may be passing the authentication headers as the "
				"request body...");
		return max_fail(c, MAX_EUNAUTHORIZED, "No auth headers found.");
	}
	if (!scope || strcmp(scope, "widgetcli"))
		return max_fail(c, MAX_EUNAUTHORIZED,
				"The specified scope is not allowed for this resource.");
	if (strlen(token) > 256 || people_normalise(user, c->auth_user) < 0) {
		c->auth_user[0] = 0;
		return max_fail(c, MAX_EUNAUTHORIZED, "Invalid token.");
	}

	char key[65];
	cache_key(token, c->auth_user, key);
	if (c->cfg->token_cache_ttl)
		cache_sync(c->db);
	if (!c->cfg->token_cache_ttl || !cache_hit(key)) {
		int ok = auth_token_check(c->cfg, c->db, token, c->auth_user, scope);
		if (ok < 0)
			return max_fail(c, MAX_EUNAVAILABLE, "The token server did not answer");
		if (!ok) {
			c->auth_user[0] = 0;
			return max_fail(c, MAX_EUNAUTHORIZED, "Invalid token.");
		}
		if (c->cfg->token_cache_ttl)
			cache_put(key, c->cfg->token_cache_ttl);
	}
	c->roles = roles_of(c->db, c->auth_user);
	return MAX_OK;
}

/* A body actor {"objectType":"context","url":U} makes that context
 * the actor (Managers posting "as a context"). */
static enum max_err context_actor(struct max_ctx *c)
{
	json_object *actor = NULL;
	if (jx_object(c->body, "actor", &actor) != 1)
		return MAX_OK;
	const char *type = jx_str(actor, "objectType"), *url = jx_str(actor, "url");
	if (!type || strcmp(type, "context") || !url)
		return MAX_OK;
	char hash[41];
	hash_sha1_hex(url, strlen(url), hash);
	int found = ctx_exists(c->db, hash);
	if (found <= 0)
		return found < 0 ? max_fail(c, MAX_ESERVER, "context lookup failed")
				 : traverse_not_found(c, "hash", hash, "contexts");
	memcpy(c->actor_context, hash, sizeof hash);
	return MAX_OK;
}

/* A name the rule refuses is kept as given (lower-cased), so that the
 * "Unknown actor" answer shows it. */
static void set_actor(struct max_ctx *c, const char *name)
{
	if (people_normalise(name, c->actor) < 0) {
		snprintf(c->actor, sizeof c->actor, "%s", name);
		str_lower(c->actor);
	}
}

enum max_err auth_resolve_actor(struct max_ctx *c, int must_exist, const char *known)
{
	snprintf(c->actor, sizeof c->actor, "%s", c->auth_user);
	enum max_err e = context_actor(c);
	if (e)
		return e;
	char name[32];
	for (int i = 0; i < MAX_PARAMS && c->params[i]; i++)
		if (router_param_name(c->route, i, name, sizeof name) && !strcmp(name, "username"))
			set_actor(c, c->params[i]);
	if (!strcmp(c->method, "POST") || !strcmp(c->method, "PUT")) {
		json_object *actor = NULL;
		const char *u = NULL;
		if (jx_object(c->body, "actor", &actor) == 1)
			u = jx_str(actor, "username");
		if (!u)
			u = jx_str(c->body, "username");
		if (u && strlen(u) <= MAX_USERNAME_MAX)
			set_actor(c, u);
	}
	if (must_exist && !c->actor_context[0] && !(known && !strcmp(c->actor, known))) {
		int found = people_exists(c->db, c->actor);
		if (found < 0)
			return max_fail(c, MAX_ESERVER, "actor lookup failed");
		if (!found)
			return max_fail(c, MAX_EUNKNOWNUSER, "Unknown actor identified by: %s",
					c->actor);
	}
	return MAX_OK;
}

int auth_is_manager(const struct max_ctx *c)
{
	return (c->roles & ROLE_MANAGER) != 0;
}

int auth_is_self(const struct max_ctx *c)
{
	return !c->actor_context[0] && c->auth_user[0] && !strcmp(c->actor, c->auth_user);
}

enum max_err perm_deny(struct max_ctx *c)
{
	return max_fail(c, MAX_EFORBIDDEN, "User \"%s\" has no permission \"%s\" here ",
			c->auth_user, c->route && c->route->permission ? c->route->permission : "");
}
