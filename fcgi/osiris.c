/*
 * osiris.c — osiris.fcgi, the OAuth2 token server.
 *
 * POST /token (password grant), /checktoken, /revoke, the optional
 * /token-bypass, and GET /. Parameters come from the query string merged
 * with a form-urlencoded body, or from a JSON object body. Token and
 * password logic lives in core/model (tokens.c, oauth.c); this file only
 * speaks HTTP: it turns parameters into model calls and their results into statuses and
 * {"error","error_description"} bodies. Every path is also answered under
 * "/<[max] server_id>". Tokens and passwords are never logged.
 */
#include "adapter.h"
#include "http/http.h"
#include "http/rabbitmq_auth.h"
#include "ldap/auth.h"
#include "model/logins.h"
#include "model/oauth.h"
#include "model/people.h"
#include "model/tokens.h"
#include "store/checkpoint.h"
#include "store/store.h"
#include "util/config.h"
#include "util/ids.h"
#include "util/jsonx.h"
#include "util/log.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#define OSIRIS_PURGE_EVERY 600 /* seconds between purges of expired tokens */
#define OSIRIS_SCOPE_MAX 256
#define OSIRIS_CLIENT_MAX 200

struct osiris {
	const struct max_config *cfg;
	struct store *db;
};

/* The request's parameters: query string first, then the body's. */
struct params {
	struct max_kv *kv;
	size_t n;
};

static const char *param(const struct params *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->kv[i].key, name))
			return p->kv[i].val;
	return NULL;
}

/* A parameter that is absent or only whitespace counts as missing. */
static const char *param_nonblank(const struct params *p, const char *name)
{
	const char *v = param(p, name);
	if (!v)
		return NULL;
	for (const char *s = v; *s; s++)
		if (!isspace((unsigned char)*s))
			return v;
	return NULL;
}

static void params_append(struct params *p, struct max_kv *kv, size_t n)
{
	if (!n) {
		free(kv);
		return;
	}
	p->kv = xrealloc(p->kv, (p->n + n) * sizeof *p->kv);
	memcpy(p->kv + p->n, kv, n * sizeof *kv);
	p->n += n;
	free(kv);
}

static int ct_is(const char *ct, const char *type)
{
	size_t n = strlen(type);
	return ct && !strncasecmp(ct, type, n) &&
	       (!ct[n] || ct[n] == ';' || isspace((unsigned char)ct[n]));
}

/* Fills p; -1 when the body claims to be JSON but is not a JSON object. */
static int params_read(const struct max_req *req, struct params *p)
{
	struct max_kv *kv = NULL;
	size_t n = http_parse_form(req->query, strlen(req->query), &kv);
	params_append(p, kv, n);
	if (!req->body_len)
		return 0;
	const char *ct = req_header(req, "content-type");
	if (ct_is(ct, "application/json")) {
		json_object *o = jx_parse(req->body, req->body_len);
		if (!o || !json_object_is_type(o, json_type_object)) {
			json_object_put(o);
			return -1;
		}
		n = 0;
		kv = xcalloc((size_t)json_object_object_length(o) + 1, sizeof *kv);
		json_object_object_foreach(o, key, val)
		{
			/* strings as they are, numbers and booleans as text;
			 * null, objects and arrays count as absent */
			if (!val || json_object_is_type(val, json_type_object) ||
			    json_object_is_type(val, json_type_array))
				continue;
			kv[n].key = xstrdup(key);
			kv[n].val = xstrdup(json_object_get_string(val));
			n++;
		}
		json_object_put(o);
		params_append(p, kv, n);
	} else if (!ct || !*ct || ct_is(ct, "application/x-www-form-urlencoded")) {
		if (!memchr(req->body, 0, req->body_len)) {
			n = http_parse_form(req->body, req->body_len, &kv);
			params_append(p, kv, n);
		}
	}
	return 0;
}

/* ---- responses ---------------------------------------------------------- */

static void answer_json(struct max_resp *r, int status, json_object *o)
{
	resp_json(r, status, o);
	r->content_type = "application/json";
}

static void answer_error(struct max_resp *r, int status, const char *code, const char *desc)
{
	json_object *o = json_object_new_object();
	jx_set_str(o, "error", code);
	jx_set_str(o, "error_description", desc ? desc : "");
	answer_json(r, status, o);
}

static void answer_missing(struct max_resp *r, const char *name)
{
	char desc[96];
	snprintf(desc, sizeof desc, "Required parameter %s not found in the request", name);
	answer_error(r, 400, "invalid_request", desc);
}

static void answer_server_error(struct max_resp *r)
{
	answer_error(r, 500, "server_error", "");
}

/* A spent login budget: 429 with the seconds until it renews. */
static void answer_throttled(struct max_resp *r, long seconds)
{
	char v[24];
	snprintf(v, sizeof v, "%ld", seconds);
	resp_header(r, "Retry-After", v);
	answer_error(r, 429, "too_many_requests", "Too many failed logins; try again later");
}

/* enum oauth_auth failures other than DENIED → 500 / 503 / 400. */
static void answer_auth_failure(struct max_resp *r, int rc)
{
	if (rc == OAUTH_AUTH_UNAVAILABLE)
		answer_error(r, 503, "temporarily_unavailable",
			     "The user store cannot be reached; try again later");
	else if (rc == OAUTH_AUTH_NO_USER)
		answer_error(r, 400, "invalid_user", "The username not found");
	else
		answer_server_error(r);
}

/* ---- token issue, shared by /token and /token-bypass ---------------- */

/* Inside a write transaction: every OSIRIS_PURGE_EVERY seconds, expired
 * tokens and login counts whose window is over are deleted. */
static void purge_due(struct osiris *o, const struct max_req *req)
{
	static time_t last_purge;
	time_t now = time(NULL);
	if (now - last_purge < OSIRIS_PURGE_EVERY)
		return;
	int n = token_purge_expired(o->db);
	if (n > 0)
		log_event(req->id, "purged %d expired tokens", n);
	login_purge(o->db, o->cfg);
	last_purge = now;
}

/* Issues a token for user; login (when not NULL) is the name whose
 * failed-login count a right password clears. */
static void issue(struct osiris *o, const struct max_req *req, const char *user, const char *scope,
		  const char *login, struct max_resp *r)
{
	char token[TOKEN_LEN + 1], client[OSIRIS_CLIENT_MAX + 1] = "";
	const char *ua = req_header(req, "user-agent");
	if (ua && *ua && utf8_valid(ua, strlen(ua)))
		snprintf(client, sizeof client, "%s", ua);
	time_t expires = 0;
	if (store_begin(o->db) < 0) {
		answer_server_error(r);
		return;
	}
	if (token_issue(o->db, o->cfg, user, scope, *client ? client : NULL, token, &expires) < 0 ||
	    (login && login_succeeded(o->db, login) < 0)) {
		store_rollback(o->db);
		answer_server_error(r);
		return;
	}
	purge_due(o, req);
	time_t now = time(NULL);
	if (store_commit(o->db) < 0) {
		answer_server_error(r);
		return;
	}
	json_object *j = json_object_new_object();
	jx_set_str(j, "access_token", token);
	jx_set_str(j, "token_type", "bearer");
	jx_set_str(j, "scope", scope);
	if (expires) {
		char iso[21];
		time_iso(expires, iso);
		jx_set_str(j, "expires", iso);
		jx_set_int(j, "expires_in", (long long)(expires - now > 0 ? expires - now : 1));
	} else {
		jx_set_str(j, "expires", NULL);
		jx_set_int(j, "expires_in", 0);
	}
	memset(token, 0, sizeof token);
	answer_json(r, 200, j);
}

/* scope: absent or empty → NULL; too long → -1. */
static int read_scope(const struct params *p, const char **scope)
{
	const char *s = param(p, "scope");
	*scope = s && *s ? s : NULL;
	return s && strlen(s) > OSIRIS_SCOPE_MAX ? -1 : 0;
}

/* ---- endpoints ---------------------------------------------------------- */

/* A refused password or an unknown user, answered alike and at once: the
 * failure counts against the name (NULL: none) and the address. */
static void refuse_login(struct osiris *o, const struct max_req *req, const char *user,
			 struct max_resp *r)
{
	int ok =
		store_begin(o->db) == 0 && login_failed(o->db, o->cfg, user, req->remote_addr) == 0;
	if (ok)
		purge_due(o, req);
	if (!ok || store_commit(o->db) < 0) {
		store_rollback(o->db);
		log_event(req->id, "token: could not count a failed login");
	}
	answer_error(r, 400, "invalid_grant", "");
}

/* 1 when user (NULL: not a valid name) may try a password from this
 * address now; else the 429 (or 500) has been written. */
static int login_allowed(struct osiris *o, const struct max_req *req, const char *user,
			 struct max_resp *r)
{
	long wait = login_throttled(o->db, o->cfg, user, req->remote_addr);
	if (wait < 0)
		answer_server_error(r);
	if (wait > 0) {
		log_event(req->id, "token: login budget spent for %s from %s", user ? user : "-",
			  req->remote_addr);
		answer_throttled(r, wait);
	}
	return wait == 0;
}

/* POST /token */
static void ep_token(struct osiris *o, const struct max_req *req, const struct params *p,
		     struct max_resp *r)
{
	const char *grant = param(p, "grant_type");
	if (!grant || strcmp(grant, "password")) {
		answer_error(r, 501, "unsupported_grant_type", "");
		return;
	}
	const char *login = param_nonblank(p, "username"), *password = param(p, "password");
	const char *scope;
	if (!login) {
		answer_missing(r, "username");
		return;
	}
	if (!password) {
		answer_missing(r, "password");
		return;
	}
	if (read_scope(p, &scope) < 0) {
		answer_error(r, 400, "invalid_scope", "The scope is too long");
		return;
	}
	char user[MAX_USERNAME_MAX + 1], resolved[MAX_USERNAME_MAX + 1];
	int named = people_normalise(login, user) == 0;
	if (!login_allowed(o, req, named ? user : NULL, r))
		return;
	/* empty password: never reaches a store (an LDAP bind with an empty
	 * password is an anonymous bind and "succeeds") */
	if (!*password || !named) {
		refuse_login(o, req, named ? user : NULL, r);
		return;
	}
	int rc = oauth_resolve_login(o->db, o->cfg, user, resolved);
	if (rc != OAUTH_AUTH_OK) {
		answer_auth_failure(r, rc);
		return;
	}
	rc = oauth_authenticate(o->db, o->cfg, resolved, password);
	if (rc == OAUTH_AUTH_DENIED) {
		log_event(req->id, "token: credentials refused for %s", resolved);
		refuse_login(o, req, user, r);
		return;
	}
	if (rc != OAUTH_AUTH_OK) {
		answer_auth_failure(r, rc);
		return;
	}
	issue(o, req, resolved, scope, user, r);
}

/* POST /token-bypass: a token without a password, for trusted hosts. */
static int bypass_allowed(const struct max_config *cfg, const char *addr)
{
	if (!addr || !*addr)
		return 0;
	if (!strncasecmp(addr, "::ffff:", 7) && strchr(addr + 7, '.'))
		addr += 7; /* IPv4-mapped IPv6 */
	const char *p = config_get(cfg, "oauth", "bypass_allow");
	size_t alen = strlen(addr);
	while (*p) {
		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		const char *e = p;
		while (*e && *e != ',' && !isspace((unsigned char)*e))
			e++;
		if ((size_t)(e - p) == alen && !strncasecmp(p, addr, alen))
			return 1;
		p = e;
	}
	return 0;
}

static void ep_token_bypass(struct osiris *o, const struct max_req *req, const struct params *p,
			    struct max_resp *r)
{
	if (!bypass_allowed(o->cfg, req->remote_addr)) {
		log_event(req->id, "token-bypass refused for %s", req->remote_addr);
		answer_error(r, 403, "forbidden", "Not allowed from this address");
		return;
	}
	const char *grant = param(p, "grant_type");
	if (grant && strcmp(grant, "password")) {
		answer_error(r, 501, "unsupported_grant_type", "");
		return;
	}
	const char *login = param_nonblank(p, "username"), *scope;
	char user[MAX_USERNAME_MAX + 1];
	if (!login || people_normalise(login, user) < 0) {
		answer_missing(r, "username");
		return;
	}
	if (read_scope(p, &scope) < 0) {
		answer_error(r, 400, "invalid_scope", "The scope is too long");
		return;
	}
	int rc = oauth_resolve_login(o->db, o->cfg, user, user);
	if (rc != OAUTH_AUTH_OK) {
		answer_auth_failure(r, rc);
		return;
	}
	rc = oauth_user_exists(o->db, o->cfg, user);
	if (rc == OAUTH_AUTH_DENIED) {
		char desc[MAX_USERNAME_MAX + 32];
		snprintf(desc, sizeof desc, "No such user \"%s\"", user);
		answer_error(r, 400, "invalid_grant", desc);
		return;
	}
	if (rc != OAUTH_AUTH_OK) {
		answer_auth_failure(r, rc);
		return;
	}
	log_event(req->id, "token-bypass for %s from %s", user, req->remote_addr);
	issue(o, req, user, scope, NULL, r);
}

/* access_token (alias oauth_token) and username (alias user_id), both
 * required; 0 when both are there, else the 400 has been written. */
static int token_and_user(const struct params *p, struct max_resp *r, const char **token,
			  const char **user)
{
	*user = param_nonblank(p, "username");
	if (!*user)
		*user = param_nonblank(p, "user_id");
	*token = param_nonblank(p, "access_token");
	if (!*token)
		*token = param_nonblank(p, "oauth_token");
	if (!*user) {
		answer_missing(r, "username");
		return -1;
	}
	if (!*token) {
		answer_missing(r, "access_token");
		return -1;
	}
	return 0;
}

/* POST /checktoken. No explicit transaction: the lookup is one read,
 * and the delete of an expired row is one self-contained statement. */
static void ep_checktoken(struct osiris *o, const struct max_req *req, const struct params *p,
			  struct max_resp *r)
{
	const char *token, *user, *scope;
	if (token_and_user(p, r, &token, &user) < 0)
		return;
	if (!token_shape_ok(token)) {
		answer_error(r, 400, "invalid_request", "The access_token is not well formed");
		return;
	}
	if (read_scope(p, &scope) < 0) {
		answer_error(r, 401, "invalid_token", "");
		return;
	}
	int rc = token_check(o->db, token, user, scope);
	if (rc < 0) {
		answer_server_error(r);
	} else if (rc == 0) {
		answer_error(r, 401, "invalid_token", "");
	} else {
		json_object *j = json_object_new_object();
		jx_set_bool(j, "valid", 1);
		answer_json(r, 200, j);
	}
}

/* POST /revoke: 204 only when the token exists and is username's. */
static void ep_revoke(struct osiris *o, const struct max_req *req, const struct params *p,
		      struct max_resp *r)
{
	const char *token, *user;
	if (token_and_user(p, r, &token, &user) < 0)
		return;
	int rc = -1;
	if (store_begin(o->db) == 0) {
		rc = token_revoke(o->db, token, user);
		if (rc > 0 && store_commit(o->db) < 0)
			rc = -1;
		else if (rc <= 0)
			store_rollback(o->db);
	}
	if (rc < 0)
		log_event(req->id, "revoke: storage error");
	if (rc > 0) {
		r->status = 204;
		r->content_type = NULL;
		buf_reset(&r->body);
	} else {
		answer_error(r, 401, "invalid_token", "");
	}
}

static void ep_root(struct osiris *o, const struct max_req *req, const struct params *p,
		    struct max_resp *r)
{
	resp_text(r, 200, "text/plain; charset=UTF-8", "I am an Osiris");
}

typedef void (*endpoint_fn)(struct osiris *o, const struct max_req *req, const struct params *p,
			    struct max_resp *r);

static const struct endpoint {
	const char *path;
	const char *method; /* GET also answers HEAD */
	endpoint_fn fn;
	int bypass; /* answers only when [oauth] bypass_enabled */
} endpoints[] = {
	{"/", "GET", ep_root, 0},
	{"/token", "POST", ep_token, 0},
	{"/checktoken", "POST", ep_checktoken, 0},
	{"/revoke", "POST", ep_revoke, 0},
	{"/token-bypass", "POST", ep_token_bypass, 1},
};

/* The path without a leading "/<server id>", when there is one. */
static const char *strip_server_id(const struct max_config *cfg, const char *path)
{
	const char *sid = config_get(cfg, "max", "server_id");
	size_t n = strlen(sid);
	if (n && path[0] == '/' && !strncmp(path + 1, sid, n)) {
		const char *rest = path + 1 + n;
		if (!*rest)
			return "/";
		if (*rest == '/')
			return rest;
	}
	return path;
}

static void osiris_handle(const struct max_req *req, struct max_resp *r, void *arg)
{
	struct osiris *o = arg;
	const char *path = strip_server_id(o->cfg, req->path);
	if (rabbitmq_auth_handle(o->db, o->cfg, path, req, r)) /* RabbitMQ asks who may do what */
		return;
	const struct endpoint *ep = NULL;
	for (size_t i = 0; i < sizeof endpoints / sizeof endpoints[0]; i++)
		if (!strcmp(endpoints[i].path, path) &&
		    (!endpoints[i].bypass || config_bool(o->cfg, "oauth", "bypass_enabled")))
			ep = &endpoints[i];

	if (!ep) {
		answer_error(r, 404, "not_found", "");
	} else if (strcmp(req->method, ep->method) &&
		   !(!strcmp(ep->method, "GET") && !strcmp(req->method, "HEAD"))) {
		resp_header(r, "Allow", !strcmp(ep->method, "GET") ? "GET, HEAD" : ep->method);
		answer_error(r, 405, "method_not_allowed", "");
	} else {
		struct params p = {NULL, 0};
		if (params_read(req, &p) < 0)
			answer_error(r, 400, "invalid_request",
				     "The request body is not a JSON object");
		else
			ep->fn(o, req, &p, r);
		kv_free(p.kv, p.n);
	}
	resp_header(r, "Cache-Control", "no-store");
	resp_header(r, "Pragma", "no-cache");
}

static const char usage_text[] =
	"usage: osiris.fcgi [-c max.ini]\n"
	"The OAuth2 token server of MAX, a FastCGI worker: POST /token (password\n"
	"grant against the local store or LDAP), /checktoken, /revoke, and\n"
	"RabbitMQ's HTTP auth backend under /rabbitmq/. A FastCGI manager (lighttpd,\n"
	"Apache, systemd) starts it with the listening socket as standard input.\n"
	"  -c FILE   configuration (default $MAX_CONFIG, else ./max.ini)\n"
	"  --help    this text\n";

static int usage(int help)
{
	fputs(usage_text, help ? stdout : stderr);
	return help ? 0 : 2;
}

/* after each answer: a WAL checkpoint if one is due (store_idle) */
static void osiris_idle(void *arg)
{
	struct osiris *o = arg;
	store_idle(o->db);
}

int main(int argc, char **argv)
{
	umask(077); /* files we create (database, WAL) are the owner's alone */
	const char *path = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-c") && i + 1 < argc)
			path = argv[++i];
		else
			return usage(!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"));
	}
	struct max_config cfg;
	char err[512];
	if (config_load(&cfg, path, err, sizeof err) < 0) {
		log_event("-", "osiris: %s", err);
		return 1;
	}
	static struct store db;
	if (store_open(&db, config_get(&cfg, "store", "path"),
		       (int)config_int(&cfg, "store", "busy_timeout_ms"), err, sizeof err) < 0) {
		log_event("-", "osiris: %s", err);
		config_free(&cfg);
		return 1;
	}
	/* Several workers may start at once: a migration that lost the race
	 * fails, and the next attempt sees the version the winner reached. */
	int rc = -1;
	for (int attempt = 0; attempt < 3 && rc < 0; attempt++)
		rc = store_migrate(&db, err, sizeof err);
	if (rc < 0) {
		log_event("-", "osiris: %s", err);
		store_close(&db);
		config_free(&cfg);
		return 1;
	}
	/* the LDAP credential store: core/ldap/ is linked into osiris.fcgi only */
	static const struct oauth_cred_store ldap_store = {"ldap", ldap_auth_enabled,
							   ldap_auth_check, ldap_auth_exists,
							   ldap_auth_resolve};
	oauth_store_plug(&ldap_store);
	struct osiris o = {&cfg, &db};
	store_defer_checkpoints(&db);
	store_checkpointer_start_cfg(&cfg);
	rc = fcgi_serve(&cfg, osiris_handle, osiris_idle, &o);
	store_checkpointer_stop();
	store_close(&db);
	config_free(&cfg);
	return rc < 0 ? 1 : 0;
}
