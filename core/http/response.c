/*
 * response.c — building a response, and the one table that maps each
 * max_err to its HTTP status and the original's error name (api.md 2).
 */
#include "http/http.h"
#include "http/traverse.h"
#include "model/page.h"
#include "util/jsonx.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	int status;
	const char *name;
} errors[MAX_ERR_COUNT] = {
	[MAX_OK] = {200, ""},
	[MAX_EUNAUTHORIZED] = {401, "Unauthorized"},
	[MAX_EFORBIDDEN] = {403, "Forbidden"},
	[MAX_EUNKNOWNUSER] = {400, "UnknownUserError"},
	[MAX_EINVALIDID] = {400, "InvalidId"},
	[MAX_ENOTFOUND] = {404, "ObjectNotFound"},
	[MAX_EMISSING] = {400, "MissingField"},
	[MAX_EVALIDATION] = {400, "ValidationError"},
	[MAX_ENOTSUPPORTED] = {400, "ObjectNotSupported"},
	[MAX_ESEARCH] = {400, "InvalidSearchParams"},
	[MAX_EPERMISSION] = {400, "InvalidPermission"},
	[MAX_EDUPLICATE] = {400, "DuplicatedItemError"},
	[MAX_ECOMPAT] = {412, "CompatibilityIDMismatch"},
	[MAX_ETOOLARGE] = {413, "RequestTooLarge"},
	[MAX_ETOOMANY] = {429, "TooManyRequests"},
	[MAX_EMETHOD] = {405, "MethodNotAllowed"},
	[MAX_EGONE] = {410, "Gone"},
	[MAX_EUNAVAILABLE] = {503, "ServiceUnavailable"},
	[MAX_ESERVER] = {500, "ServerError"},
};

int http_status_of(enum max_err e)
{
	return e > MAX_OK && e < MAX_ERR_COUNT ? errors[e].status : 500;
}

const char *http_error_name(enum max_err e)
{
	return e > MAX_OK && e < MAX_ERR_COUNT ? errors[e].name : "ServerError";
}

enum max_err max_fail(struct max_ctx *c, enum max_err e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err, sizeof c->err, fmt, ap);
	va_end(ap);
	return e;
}

void resp_init(struct max_resp *r)
{
	memset(r, 0, sizeof *r);
	r->status = 200;
	buf_init(&r->body);
}

void resp_free(struct max_resp *r)
{
	for (size_t i = 0; i < r->nheaders; i++) {
		free(r->headers[i].key);
		free(r->headers[i].val);
	}
	buf_free(&r->body);
	memset(r, 0, sizeof *r);
}

void resp_header(struct max_resp *r, const char *name, const char *value)
{
	for (size_t i = 0; i < r->nheaders; i++)
		if (!strcmp(r->headers[i].key, name)) {
			free(r->headers[i].val);
			r->headers[i].val = xstrdup(value);
			return;
		}
	if (r->nheaders == sizeof r->headers / sizeof r->headers[0])
		return;
	r->headers[r->nheaders].key = xstrdup(name);
	r->headers[r->nheaders].val = xstrdup(value);
	r->nheaders++;
}

enum max_err resp_json(struct max_resp *r, int status, json_object *obj)
{
	r->status = status;
	r->content_type = "application/json; charset=UTF-8";
	buf_reset(&r->body);
	buf_adds(&r->body, jx_text(obj));
	json_object_put(obj);
	return MAX_OK;
}

void resp_text(struct max_resp *r, int status, const char *type, const char *text)
{
	r->status = status;
	r->content_type = type;
	buf_reset(&r->body);
	buf_adds(&r->body, text);
}

void http_error(struct max_resp *r, enum max_err e, const char *description)
{
	json_object *o = json_object_new_object();
	jx_set_str(o, "objectType", "error");
	jx_set_str(o, "error", http_error_name(e));
	jx_set_str(o, "error_description", description ? description : "");
	resp_json(r, http_status_of(e), o);
}

/* The standard texts of a failed URL lookup (traverse.h). */
enum max_err traverse_not_found(struct max_ctx *c, const char *key, const char *value,
				const char *collection)
{
	return max_fail(c, MAX_ENOTFOUND, "Object with %s %s not found inside %s", key, value,
			collection);
}

enum max_err traverse_bad_id(struct max_ctx *c, const char *value)
{
	return max_fail(c, MAX_EINVALIDID,
			"'%s' is not a valid ObjectId, it must be a 12-byte input or a "
			"24-character hex string",
			value);
}

void resp_page(struct max_resp *r, const struct page *pg)
{
	if (pg->has_more)
		resp_header(r, "X-Has-Remaining-Items", "1");
}
