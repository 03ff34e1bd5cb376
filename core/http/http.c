/*
 * http.c — http_handle(): one request through api.md 1.3's order.
 *
 *   OPTIONS (CORS) → compat id (412) → POST tunnelling → body parse →
 *   deprecated URLs → route (404/405) → [transaction] traversal (400/404) →
 *   authentication (401) → acting user (400) → access rule (403) →
 *   handler → commit, or rollback on any failure.
 *
 * Errors become JSON here and only here; a 500 is also recorded in the
 * exceptions table after the rollback, so the failed change leaves nothing
 * behind but the report.
 */
#include "http/http.h"
#include "http/auth.h"
#include "util/config.h"
#include "http/exceptions.h"
#include "util/jsonx.h"
#include "util/log.h"
#include "http/handlers.h"
#include "http/media.h"
#include "http/multipart.h"
#include "http/people.h"
#include "http/rate.h"
#include "http/rewrite.h"
#include "http/router.h"
#include "store/store.h"
#include "http/traverse.h"
#include "model/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <strings.h>

static void cors(const struct max_config *cfg, struct max_resp *r)
{
	if (!cfg->cors)
		return;
	resp_header(r, "Access-Control-Allow-Origin", "*");
	resp_header(r, "Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS");
	resp_header(r, "Access-Control-Allow-Headers",
		    "X-HTTP-Method-Override, X-Oauth-Token, X-Oauth-Username, X-Oauth-Scope, "
		    "Content-Type, X-Max-Compat-ID");
	resp_header(r, "Access-Control-Expose-Headers", "X-Has-Remaining-Items, X-totalItems");
}

static enum max_err check_compat(struct max_ctx *c)
{
	const char *got = req_header(c->req, "x-max-compat-id");
	if (!got)
		return MAX_OK;
	const char *want = config_get(c->cfg, "max", "compat_id");
	if (*want && !strcmp(got, want))
		return MAX_OK;
	/* the original compares against Python's None when unset */
	return max_fail(c, MAX_ECOMPAT, "X-Max-Compat-ID header value mismatch, %s was expected",
			*want ? want : "None");
}

static int is_form(const struct max_req *req)
{
	const char *ct = req_header(req, "content-type");
	return ct && !strncasecmp(ct, "application/x-www-form-urlencoded", 33);
}

static int is_multipart(const struct max_req *req)
{
	const char *ct = req_header(req, "content-type");
	return ct && !strncasecmp(ct, "multipart/form-data", 19);
}

static int blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!strchr(" \t\r\n", s[i]))
			return 0;
	return 1;
}

/* Query string parameters, then (for a form body that is not JSON) the
 * form fields, in one list. */
static enum max_err parse_params(struct max_ctx *c)
{
	const struct max_req *req = c->req;
	struct max_kv *q = NULL;
	size_t nq = http_parse_form(req->query, strlen(req->query), &q);
	c->qs = q;
	c->nqs = nq;
	if (!req->body_len || blank(req->body, req->body_len))
		return MAX_OK;
	if (is_multipart(req)) /* json_data becomes the body, the file c->upload */
		return upload_from_multipart(c);
	c->body = jx_parse(req->body, req->body_len);
	if (c->body) /* api.md 1.1's base64 variant, if it is one */
		return upload_from_json(c);
	if (!is_form(req))
		return max_fail(c, MAX_EVALIDATION, "The request body is not valid JSON");
	struct max_kv *f = NULL;
	size_t nf = http_parse_form(req->body, req->body_len, &f);
	c->qs = xrealloc(c->qs, (nq + nf) * sizeof *c->qs);
	if (nf) /* f is NULL when the form has no field */
		memcpy(c->qs + nq, f, nf * sizeof *f);
	c->nqs = nq + nf;
	free(f);
	return MAX_OK;
}

/* api.md 1.8: a tunnelled GET takes the three auth values from the parameters
 * when the headers lack them. Returns a request copy to use, or req. */
static const struct max_req *tunnel_headers(struct max_ctx *c, struct max_req *copy,
					    struct max_kv *extra, size_t *nextra)
{
	static const char *const names[][2] = {{"x-oauth-token", "X-Oauth-Token"},
					       {"x-oauth-username", "X-Oauth-Username"},
					       {"x-oauth-scope", "X-Oauth-Scope"}};
	*nextra = 0;
	for (size_t i = 0; i < 3; i++) {
		const char *v = qs_get(c, names[i][1]);
		if (v && !req_header(c->req, names[i][0])) {
			extra[*nextra].key = (char *)names[i][0];
			extra[*nextra].val = (char *)v;
			(*nextra)++;
		}
	}
	if (!*nextra)
		return c->req;
	*copy = *c->req;
	copy->headers = xcalloc(c->req->nheaders + *nextra, sizeof *copy->headers);
	if (c->req->nheaders) /* a request may come without any header (NULL) */
		memcpy(copy->headers, c->req->headers, c->req->nheaders * sizeof *copy->headers);
	memcpy(copy->headers + c->req->nheaders, extra, *nextra * sizeof *extra);
	copy->nheaders = c->req->nheaders + *nextra;
	return copy;
}

static int is_own(const struct max_ctx *c)
{
	char name[32];
	for (int i = 0; i < MAX_PARAMS && c->params[i]; i++)
		if (router_param_name(c->route, i, name, sizeof name) && !strcmp(name, "username"))
			return !strcmp(c->params[i], c->auth_user) && auth_is_self(c);
	return 0;
}

static enum max_err check_acl(struct max_ctx *c)
{
	const struct route *rt = c->route;
	switch (rt->acl) {
	case ACL_PUBLIC:
	case ACL_AUTH:
	case ACL_HANDLER:
		return MAX_OK;
	case ACL_MANAGER:
		return auth_is_manager(c) ? MAX_OK : perm_deny(c);
	case ACL_OWN:
		return auth_is_manager(c) || is_own(c) ? MAX_OK : perm_deny(c);
	case ACL_SELF:
		return auth_is_manager(c) || auth_is_self(c) ? MAX_OK : perm_deny(c);
	}
	return perm_deny(c);
}

/* The per-user write limit ([max] writes_per_minute), after the access
 * rule so that refused requests do not count. */
static enum max_err check_rate(struct max_ctx *c, struct max_resp *r)
{
	if (!strcmp(c->method, "GET") || c->is_head || !c->auth_user[0])
		return MAX_OK;
	long wait = 0;
	enum max_err e =
		rate_write(config_get(c->cfg, "store", "path"), c->auth_user,
			   config_int(c->cfg, "max", "writes_per_minute"), time(NULL), &wait);
	if (e) {
		char v[24];
		snprintf(v, sizeof v, "%ld", wait > 0 ? wait : 1);
		resp_header(r, "Retry-After", v);
		return max_fail(c, e, "More than %lld writes a minute by %s; try again in %s s",
				config_int(c->cfg, "max", "writes_per_minute"), c->auth_user, v);
	}
	return MAX_OK;
}

/* The person traversal found for a /people/{username}… route (traverse.c
 * looks up the lower-cased first parameter), so that the actor check does
 * not read the same row again; NULL on other routes. */
static const char *traversed_person(const struct max_ctx *c)
{
	return c->params[0] && !strncmp(c->route->pattern, "/people/{", 9) ? c->params[0] : NULL;
}

/* Everything from traversal to the handler, inside one transaction. */
static enum max_err run_route(struct max_ctx *c, struct max_resp *r)
{
	const struct route *rt = c->route;
	enum max_err e = traverse(c);
	if (e)
		return e;
	if (rt->acl != ACL_PUBLIC) {
		if ((e = auth_authenticate(c)))
			return e;
		if ((e = auth_resolve_actor(c, !(rt->flags & RT_ACTOR_OPTIONAL),
					    traversed_person(c))))
			return e;
	}
	if ((e = check_acl(c)))
		return e;
	if ((e = check_rate(c, r)))
		return e;
	if ((e = rt->handler(c, r)))
		return e;
	if (c->device_rewrite) {
		/* api.md 1.9: the deprecated device form answers with the caller */
		json_object *p = people_json(c, c->auth_user, PERSON_AUTO, 1);
		if (!p)
			return max_fail(c, MAX_EUNKNOWNUSER, "Unknown actor identified by: %s",
					c->auth_user);
		resp_json(r, 201, p);
	}
	return MAX_OK;
}

/* Space for the request copy a tunnelled GET needs (tunnel_headers). */
struct tunnel {
	struct max_req copy;
	struct max_kv extra[3];
	size_t nextra;
};

static enum max_err dispatch(struct max_ctx *c, struct max_resp *r, struct tunnel *t)
{
	enum max_err e;
	if ((e = check_compat(c)))
		return e;
	if ((e = parse_params(c)))
		return e;
	c->method = rewrite_method(c);
	if (strcmp(c->method, c->req->method) && !strcmp(c->method, "GET")) {
		/* api.md 1.8: a tunnelled GET takes its auth from the parameters and
		 * drops its form body */
		c->req = tunnel_headers(c, &t->copy, t->extra, &t->nextra);
		json_object_put(c->body);
		c->body = NULL;
	}
	c->is_head = !strcmp(c->method, "HEAD");
	char *path = xstrdup(c->req->path);
	rewrite_deprecated(c, c->method, &path);
	c->path = path;
	switch (router_match(routes, routes_count, c->method, path, &c->route, c->params)) {
	case ROUTER_NO_ROUTE:
		return max_fail(c, MAX_ENOTFOUND, "No resource at %s", path);
	case ROUTER_NO_METHOD:
		return max_fail(c, MAX_EMETHOD, "Method %s not allowed on %s", c->method, path);
	case ROUTER_FOUND:
		break;
	}
	int write = strcmp(c->method, "GET") && strcmp(c->method, "HEAD");
	/* libgd's work on an upload, before the database is locked */
	if (write && c->route->handler == avatar_person_upload)
		avatar_prepare(c);
	else if (write)
		media_prepare_upload(c);
	if ((write ? store_begin(c->db) : store_begin_read(c->db)) < 0)
		return max_fail(c, MAX_EUNAVAILABLE, "The database is busy, try again");
	e = run_route(c, r);
	/* a step failed where nobody looked, or its failure was read as "no such
	 * row" and became a 4xx: the answer is the failure */
	if (e != MAX_ESERVER && e != MAX_EUNAVAILABLE && store_failed(c->db))
		e = max_fail(c, MAX_ESERVER, "a database statement failed");
	if (e) {
		store_rollback(c->db);
		return e;
	}
	if (store_commit(c->db) < 0)
		return max_fail(c, MAX_ESERVER, "commit failed");
	media_remove_now(c);
	return MAX_OK;
}

static void ctx_free(struct max_ctx *c)
{
	for (int i = 0; i < MAX_PARAMS; i++)
		free(c->params[i]);
	kv_free(c->qs, c->nqs);
	json_object_put(c->body);
	json_object_put(c->doomed);
	free((char *)c->path);
}

void http_handle(const struct max_config *cfg, struct store *db, const struct max_req *req,
		 struct max_resp *resp)
{
	if (!strcmp(req->method, "OPTIONS")) {
		resp_text(resp, 200, "text/plain", "");
		cors(cfg, resp);
		return;
	}
	struct max_ctx c = {.cfg = cfg,
			    .db = db,
			    .req = req,
			    .table = routes,
			    .table_len = routes_count};
	struct tunnel t = {.nextra = 0};
	enum max_err e = dispatch(&c, resp, &t);
	if (e && !c.err[0]) /* a model failure: its text is in the store */
		snprintf(c.err, sizeof c.err, "%s", model_why(db));
	if (e) {
		if (e == MAX_ESERVER)
			exceptions_record(&c, resp);
		else
			http_error(resp, e, c.err);
	}
	if (c.is_head && e == MAX_OK)
		buf_reset(&resp->body);
	cors(cfg, resp);
	if (t.nextra)
		free(t.copy.headers);
	/* files stored for a request that failed (rolled back) are removed */
	upload_free(c.upload, e == MAX_OK);
	ctx_free(&c);
}

/* The longest body a batch takes: a post's JSON is far smaller. */
#define BATCH_BODY_MAX 65536

int http_batchable(const struct max_req *req)
{
	const char *type = req_header(req, "content-type");
	return (!strcmp(req->method, "POST") || !strcmp(req->method, "PUT")) && type &&
	       !strncasecmp(type, "application/json", 16) && req->body_len <= BATCH_BODY_MAX &&
	       !req_header(req, "x-http-method-override") && !strcasestr(req->query, "override");
}

void http_batch_failed(const struct max_config *cfg, struct max_resp *resp)
{
	resp_free(resp);
	resp_init(resp);
	http_error(resp, MAX_ESERVER, "commit failed");
	cors(cfg, resp);
	/* the cache may hold what the lost transaction wrote */
	auth_cache_clear();
}
