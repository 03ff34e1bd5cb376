/*
 * rabbitmq_auth.c — the four endpoints of RabbitMQ's HTTP auth backend
 * (rabbitmq_auth_backend_http, form parameters in a POST body or the
 * query string) and the policy behind them. Unknown extra parameters are
 * ignored, as the plugin adds some between versions. Tokens are never
 * logged.
 */
#include "http/rabbitmq_auth.h"
#include "http/http.h"
#include "model/people.h"
#include "model/tokens.h"
#include "util/config.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RABBITMQ_SCOPE "widgetcli" /* the scope realtime clients' tokens carry */

int rabbitmq_login_user(const char *login, const char *server_id, char out[MAX_USERNAME_MAX + 1])
{
	if (!login)
		return -1;
	const char *colon = strrchr(login, ':');
	if (colon) {
		size_t n = (size_t)(colon - login);
		if (!server_id || strlen(server_id) != n || strncmp(login, server_id, n) || !n)
			return -1;
		login = colon + 1;
	}
	return people_normalise(login, out) < 0 ? -1 : 0;
}

/* name is exactly "<user><suffix>" */
static int is_own(const char *user, const char *name, const char *suffix)
{
	size_t n = strlen(user);
	return !strncmp(name, user, n) && !strcmp(name + n, suffix);
}

int rabbitmq_may_resource(const char *user, const char *resource, const char *name)
{
	if (!user || !*user || !resource || !name)
		return 0;
	if (!strcmp(resource, "exchange"))
		return is_own(user, name, ".publish") || is_own(user, name, ".subscribe");
	/* the exclusive queues STOMP subscriptions create, named by the
	 * broker (never a shared queue such as "messages" or "push") */
	if (!strcmp(resource, "queue"))
		return !strncmp(name, "amq.gen-", 8) || !strncmp(name, "stomp-subscription-", 19);
	return 0;
}

int rabbitmq_may_topic(const char *user, const char *name)
{
	return user && *user && name &&
	       (is_own(user, name, ".publish") || is_own(user, name, ".subscribe"));
}

static int decode_into(const char *s, size_t len, char *out, size_t outlen)
{
	char *d = http_urldecode(s, len, 0);
	if (!d || strlen(d) >= outlen) {
		free(d);
		return -1;
	}
	memcpy(out, d, strlen(d) + 1);
	free(d);
	return 0;
}

int rabbitmq_url_parts(const char *url, char *user, size_t ulen, char *vhost, size_t vlen)
{
	const char *p = url && !strncmp(url, "amqps://", 8)  ? url + 8
			: url && !strncmp(url, "amqp://", 7) ? url + 7
							     : NULL;
	if (!p)
		return -1;
	const char *slash = strchr(p, '/');
	const char *end = slash ? slash : p + strlen(p);
	const char *at = memchr(p, '@', (size_t)(end - p));
	size_t n = 0;
	if (at)
		n = strcspn(p, ":@");
	if (decode_into(p, n, user, ulen) < 0)
		return -1;
	if (!slash) {
		snprintf(vhost, vlen, "/");
		return 0;
	}
	return decode_into(slash + 1, strlen(slash + 1), vhost, vlen);
}

/* ---- the endpoints --------------------------------------------------------- */

struct form {
	struct max_kv *kv;
	size_t n;
};

static const char *field(const struct form *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->kv[i].key, name))
			return f->kv[i].val;
	return NULL;
}

static void form_read(const struct max_req *req, struct form *f)
{
	struct max_kv *q = NULL, *b = NULL;
	size_t nq = http_parse_form(req->query, strlen(req->query), &q), nb = 0;
	if (req->body_len && !memchr(req->body, 0, req->body_len))
		nb = http_parse_form(req->body, req->body_len, &b);
	f->n = nq + nb;
	f->kv = calloc(f->n + 1, sizeof *f->kv);
	if (!f->kv)
		abort();
	if (nq)
		memcpy(f->kv, q, nq * sizeof *q);
	if (nb)
		memcpy(f->kv + nq, b, nb * sizeof *b);
	free(q);
	free(b);
}

/* The user of the request, or NULL; refuses the bridge's own account. */
static const char *who(const struct max_config *cfg, const struct form *f,
		       char out[MAX_USERNAME_MAX + 1])
{
	if (rabbitmq_login_user(field(f, "username"), config_get(cfg, "max", "server_id"), out) < 0)
		return NULL;
	char bridge[MAX_USERNAME_MAX + 1], vhost[256];
	if (rabbitmq_url_parts(config_get(cfg, "rabbitmq", "url"), bridge, sizeof bridge, vhost,
			       sizeof vhost) == 0 &&
	    !strcmp(bridge, out))
		return NULL;
	return out;
}

static int allow_user(struct store *db, const struct max_config *cfg, const struct form *f,
		      const char *reqid)
{
	char user[MAX_USERNAME_MAX + 1];
	const char *token = field(f, "password");
	if (!who(cfg, f, user) || !token || !token_shape_ok(token))
		return 0;
	int ok = token_check(db, token, user, RABBITMQ_SCOPE);
	if (ok != 1)
		log_event(reqid, "rabbitmq: login refused for %s%s", user,
			  ok < 0 ? " (storage error)" : "");
	return ok == 1;
}

static int allow_vhost(const struct max_config *cfg, const struct form *f)
{
	char user[MAX_USERNAME_MAX + 1], bridge[MAX_USERNAME_MAX + 1], vhost[256] = "/";
	const char *v = field(f, "vhost");
	if (!who(cfg, f, user) || !v)
		return 0;
	if (*config_get(cfg, "rabbitmq", "url") &&
	    rabbitmq_url_parts(config_get(cfg, "rabbitmq", "url"), bridge, sizeof bridge, vhost,
			       sizeof vhost) < 0)
		return 0;
	return !strcmp(v, vhost);
}

int rabbitmq_auth_handle(struct store *db, const struct max_config *cfg, const char *path,
			 const struct max_req *req, struct max_resp *r)
{
	static const char *const names[] = {"/rabbitmq/user", "/rabbitmq/vhost",
					    "/rabbitmq/resource", "/rabbitmq/topic"};
	int which = -1;
	for (int i = 0; i < 4; i++)
		if (!strcmp(path, names[i]))
			which = i;
	if (which < 0)
		return 0;
	struct form f;
	form_read(req, &f);
	char user[MAX_USERNAME_MAX + 1];
	int ok = 0;
	if (which == 0)
		ok = allow_user(db, cfg, &f, req->id);
	else if (which == 1)
		ok = allow_vhost(cfg, &f);
	else if (who(cfg, &f, user))
		ok = which == 2
			     ? rabbitmq_may_resource(user, field(&f, "resource"), field(&f, "name"))
			     : rabbitmq_may_topic(user, field(&f, "name"));
	kv_free(f.kv, f.n);
	resp_text(r, 200, "text/plain", ok ? "allow" : "deny");
	return 1;
}
