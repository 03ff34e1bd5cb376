/*
 * fixture.c — see fixture.h.
 */
#include "fixture.h"
#include "http/auth.h"
#include "util/buf.h"
#include "model/oauth.h"
#include "model/tokens.h"
#include "model/roles.h"

#include <sqlite3.h> /* to be moved behind store/ */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct fx fx;

static struct {
	char user[64];
	char token[33];
} tokens[64];
static int ntokens;

int fx_init(void)
{
	memset(&fx, 0, sizeof fx);
	ntokens = 0;
	auth_cache_clear();
	snprintf(fx.dir, sizeof fx.dir, "/tmp/max-unit-XXXXXX");
	if (!mkdtemp(fx.dir))
		return -1;
	config_defaults(&fx.cfg);
	char path[128], err[256];
	snprintf(path, sizeof path, "%s/max.db", fx.dir);
	config_set(&fx.cfg, "store", "path", path);
	config_set(&fx.cfg, "max", "compat_id", "unit-compat");
	if (store_open(&fx.db, path, 2000, err, sizeof err) < 0 ||
	    store_migrate(&fx.db, err, sizeof err) < 0) {
		fprintf(stderr, "fixture: %s\n", err);
		return -1;
	}
	roles_add(&fx.db, "Manager", "fxadmin");
	fx_user("fxadmin", "Fixture Admin");
	return 0;
}

int fx_cleanup(void)
{
	store_close(&fx.db);
	config_free(&fx.cfg);
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx.dir);
	return system(cmd) == 0 ? 0 : -1;
}

const char *fx_token(const char *user)
{
	for (int i = 0; i < ntokens; i++)
		if (!strcmp(tokens[i].user, user))
			return tokens[i].token;
	if (ntokens == 64)
		return "";
	snprintf(tokens[ntokens].user, sizeof tokens[ntokens].user, "%s", user);
	token_issue(&fx.db, &fx.cfg, user, "widgetcli", "unit", tokens[ntokens].token, NULL);
	return tokens[ntokens++].token;
}

static void add_header(struct max_req *req, const char *name, const char *val)
{
	req->headers = xrealloc(req->headers, (req->nheaders + 1) * sizeof *req->headers);
	req->headers[req->nheaders].key = xstrdup(name);
	req->headers[req->nheaders].val = xstrdup(val);
	for (char *p = req->headers[req->nheaders].key; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	req->nheaders++;
}

struct fx_resp fx_req(const char *method, const char *path, const char *user, const char *body, ...)
{
	struct max_req req = {0};
	req.method = xstrdup(method);
	const char *q = strchr(path, '?');
	req.path = q ? xstrndup(path, (size_t)(q - path)) : xstrdup(path);
	req.query = xstrdup(q ? q + 1 : "");
	req.remote_addr = xstrdup("127.0.0.1");
	req.body = xstrdup(body ? body : "");
	req.body_len = body ? strlen(body) : 0;
	snprintf(req.id, sizeof req.id, "unit");
	if (user) {
		add_header(&req, "x-oauth-token", fx_token(user));
		add_header(&req, "x-oauth-username", user);
		add_header(&req, "x-oauth-scope", "widgetcli");
	}
	va_list ap;
	va_start(ap, body);
	for (const char *h; (h = va_arg(ap, const char *));) {
		const char *colon = strchr(h, ':');
		char *name = xstrndup(h, (size_t)(colon - h));
		add_header(&req, name, colon + 1 + (colon[1] == ' '));
		free(name);
	}
	va_end(ap);
	struct fx_resp r = {0};
	resp_init(&r.raw);
	http_handle(&fx.cfg, &fx.db, &req, &r.raw);
	r.status = r.raw.status;
	if (r.raw.body.len)
		r.json = json_tokener_parse(r.raw.body.data);
	req_free(&req);
	return r;
}

void fx_free(struct fx_resp *r)
{
	json_object_put(r->json);
	resp_free(&r->raw);
}

const char *fx_header(const struct fx_resp *r, const char *name)
{
	for (size_t i = 0; i < r->raw.nheaders; i++)
		if (!strcmp(r->raw.headers[i].key, name))
			return r->raw.headers[i].val;
	return "";
}

const char *fx_str(const struct fx_resp *r, const char *key)
{
	json_object *v = NULL;
	if (!r->json || !json_object_object_get_ex(r->json, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return "";
	return json_object_get_string(v);
}

const char *fx_error(const struct fx_resp *r)
{
	return fx_str(r, "error");
}

const char *fx_fmt(const char *f, ...)
{
	static char p[8][1024];
	static int i;
	i = (i + 1) % 8;
	va_list ap;
	va_start(ap, f);
	vsnprintf(p[i], sizeof p[i], f, ap);
	va_end(ap);
	return p[i];
}

long long fx_scalar(const char *sql)
{
	sqlite3_stmt *s = NULL;
	long long v = -1;
	if (sqlite3_prepare_v2(fx.db.db, sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

void fx_user(const char *username, const char *display_name)
{
	struct buf b;
	buf_init(&b);
	buf_printf(&b, "{\"username\":\"%s\",\"displayName\":\"%s\"}", username,
		   display_name ? display_name : username);
	struct fx_resp r = fx_req("POST", "/people", "fxadmin", b.data, NULL);
	fx_free(&r);
	buf_free(&b);
}
