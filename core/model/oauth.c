/*
 * oauth.c — the credential stores behind POST /token and the login
 * resolution. See oauth.h; tokens and local passwords are in tokens.c.
 */
#include "model/oauth.h"
#include "util/config.h"
#include "util/log.h"

#include <ctype.h>
#include <string.h>

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
	int rc = token_password_check(db, username, password);
	return rc < 0 ? OAUTH_AUTH_ERROR : rc ? OAUTH_AUTH_OK : OAUTH_AUTH_DENIED;
}

static int local_exists(struct store *db, const struct max_config *cfg, const char *username)
{
	(void)cfg;
	int rc = token_password_exists(db, username);
	return rc > 0 ? OAUTH_AUTH_OK : rc == 0 ? OAUTH_AUTH_DENIED : OAUTH_AUTH_ERROR;
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
	if (people_normalise(login, user) < 0)
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
		if (people_normalise(resolved, norm) < 0)
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
	if (!password || !*password || people_normalise(username, user) < 0)
		return OAUTH_AUTH_DENIED;
	struct walk w = {db, cfg, user, password, NULL, 0};
	if (each_store(cfg, walk_check, &w))
		return OAUTH_AUTH_OK;
	return w.failure ? w.failure : OAUTH_AUTH_DENIED;
}

int oauth_user_exists(struct store *db, const struct max_config *cfg, const char *username)
{
	char user[MAX_USERNAME_MAX + 1];
	if (people_normalise(username, user) < 0)
		return OAUTH_AUTH_DENIED;
	int rc = people_exists(db, user);
	if (rc > 0)
		return OAUTH_AUTH_OK;
	if (rc < 0)
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
