/*
 * request.c — reading a request: headers, query string and form fields,
 * percent-decoding, the api.md 1.11 limit parameter. Everything here treats its
 * input as hostile: decoding rejects bad escapes and NUL bytes.
 */
#include "http/http.h"
#include "util/jsonx.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

const char *req_header(const struct max_req *req, const char *name)
{
	for (size_t i = 0; i < req->nheaders; i++)
		if (!strcmp(req->headers[i].key, name))
			return req->headers[i].val;
	return NULL;
}

void kv_free(struct max_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].val);
	}
	free(kv);
}

void req_free(struct max_req *req)
{
	free(req->method);
	free(req->path);
	free(req->query);
	free(req->body);
	free(req->remote_addr);
	kv_free(req->headers, req->nheaders);
	memset(req, 0, sizeof *req);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

char *http_urldecode(const char *s, size_t len, int plus)
{
	char *out = malloc(len + 1), *o = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];
		if (ch == '%') {
			if (i + 2 >= len) {
				free(out);
				return NULL;
			}
			int a = hexval((unsigned char)s[i + 1]),
			    b = hexval((unsigned char)s[i + 2]);
			if (a < 0 || b < 0) {
				free(out);
				return NULL;
			}
			ch = (char)(a * 16 + b);
			i += 2;
		} else if (plus && ch == '+') {
			ch = ' ';
		}
		if (ch == 0) {
			free(out);
			return NULL;
		}
		*o++ = ch;
	}
	*o = 0;
	return out;
}

size_t http_parse_form(const char *s, size_t len, struct max_kv **out)
{
	size_t n = 0, cap = 0;
	struct max_kv *kv = NULL;
	const char *p = s, *end = s + len;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		if (stop > p) {
			const char *kend = eq ? eq : stop;
			char *k = http_urldecode(p, (size_t)(kend - p), 1);
			char *v = eq ? http_urldecode(eq + 1, (size_t)(stop - eq - 1), 1)
				     : xstrdup("");
			if (k && v && *k && utf8_valid(k, strlen(k)) && utf8_valid(v, strlen(v))) {
				if (n == cap) {
					cap = cap ? cap * 2 : 8;
					kv = xrealloc(kv, cap * sizeof *kv);
				}
				kv[n].key = k;
				kv[n].val = v;
				n++;
			} else {
				free(k);
				free(v);
			}
		}
		p = stop + 1;
	}
	*out = kv;
	return n;
}

const char *qs_get(const struct max_ctx *c, const char *name)
{
	for (size_t i = 0; i < c->nqs; i++)
		if (!strcmp(c->qs[i].key, name))
			return c->qs[i].val;
	return NULL;
}

size_t qs_all(const struct max_ctx *c, const char *name, const char **out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < c->nqs && n < max; i++)
		if (!strcmp(c->qs[i].key, name))
			out[n++] = c->qs[i].val;
	return n;
}

enum max_err http_limit(struct max_ctx *c, long def, long *out)
{
	const char *v = qs_get(c, "limit");
	if (!v) {
		*out = def;
		return MAX_OK;
	}
	char *end = NULL;
	long n = strtol(v, &end, 10);
	if (!*v || *end || n < 0)
		return max_fail(c, MAX_ESEARCH, "limit must be a positive integer");
	/* 0 means "unlimited" in the original; we cap every page instead */
	*out = (n == 0 || n > HTTP_LIMIT_CAP) ? HTTP_LIMIT_CAP : n;
	return MAX_OK;
}
