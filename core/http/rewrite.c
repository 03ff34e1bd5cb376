/*
 * rewrite.c — old clients' request forms mapped onto the current routes.
 *
 * The widget sends every PUT and DELETE as a POST carrying
 * X-HTTP-Method-Override; older clients use /people/{u}/… URLs for
 * subscriptions, context posts, conversations and device tokens. Matching
 * is on the exact path; a body is only edited when it is a JSON object.
 */
#include "http/rewrite.h"
#include "util/buf.h"
#include "http/http.h"
#include "util/ids.h"
#include "util/jsonx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *rewrite_method(const struct max_ctx *c)
{
	const char *m = c->req->method;
	if (strcmp(m, "POST"))
		return m;
	const char *o = req_header(c->req, "x-http-method-override");
	if (!o)
		o = qs_get(c, "X-HTTP-Method-Override");
	if (!o)
		return m;
	if (!strcasecmp(o, "DELETE"))
		return "DELETE";
	if (!strcasecmp(o, "PUT"))
		return "PUT";
	if (!strcasecmp(o, "GET"))
		return "GET";
	return m;
}

#define SEGS 6

static int split(const char *path, char seg[SEGS][256])
{
	int n = 0;
	const char *p = path;
	while (*p == '/' && n < SEGS) {
		p++;
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (!len || len >= 256)
			return -1;
		memcpy(seg[n], p, len);
		seg[n][len] = 0;
		n++;
		if (!e)
			return n;
		p = e;
	}
	return *p ? -1 : n;
}

static json_object *person_actor(const char *u)
{
	json_object *a = json_object_new_object();
	jx_set_str(a, "objectType", "person");
	jx_set_str(a, "username", u);
	return a;
}

static int body_is_object(const struct max_ctx *c)
{
	return c->body && json_object_is_type(c->body, json_type_object);
}

/* sha1 of body[key].url (or of "" when missing) */
static void hash_of_url(json_object *o, char out[41])
{
	const char *url = jx_str(o, "url");
	hash_sha1_hex(url ? url : "", url ? strlen(url) : 0, out);
}

/* Replaces *path with a formatted one. */
#define SET_PATH(...)                                                                              \
	do {                                                                                       \
		struct buf pb_;                                                                    \
		buf_init(&pb_);                                                                    \
		buf_printf(&pb_, __VA_ARGS__);                                                     \
		free(*path);                                                                       \
		*path = buf_steal(&pb_);                                                           \
	} while (0)

static void replace_body(struct max_ctx *c, json_object *o)
{
	json_object_put(c->body);
	c->body = o;
}

/* POST /people/{u}/activities with contexts: the body loses its contexts
 * and acts as u; hash is the first context's. 0 when there are none. */
static int activities_body(struct max_ctx *c, const char *u, char hash[41])
{
	json_object *ctxs = NULL;
	if (jx_array(c->body, "contexts", &ctxs) != 1)
		return 0;
	hash_of_url(json_object_array_get_idx(ctxs, 0), hash);
	json_object_object_del(c->body, "contexts");
	jx_set(c->body, "actor", person_actor(u));
	return 1;
}

/* POST /people/{u}/subscriptions: object.url names the context. */
static void subscriptions_body(struct max_ctx *c, const char *u, char hash[41])
{
	json_object *obj = NULL;
	if (body_is_object(c))
		jx_object(c->body, "object", &obj);
	hash_of_url(obj, hash);
	if (body_is_object(c)) {
		json_object_object_del(c->body, "object");
		jx_set(c->body, "actor", person_actor(u));
	}
}

void rewrite_deprecated(struct max_ctx *c, const char *method, char **path)
{
	char s[SEGS][256];
	int n = split(*path, s);
	if (n < 2 || strcmp(s[0], "people"))
		return;
	int post = !strcmp(method, "POST"), del = !strcmp(method, "DELETE");
	const char *u = s[1];
	char hash[41];

	if (post && n == 2) { /* POST /people/{u} → POST /people */
		if (!c->body)
			replace_body(c, json_object_new_object());
		if (body_is_object(c))
			jx_set_str(c->body, "username", u);
		SET_PATH("/people");
	} else if (post && n == 3 && !strcmp(s[2], "activities") && body_is_object(c)) {
		if (activities_body(c, u, hash))
			SET_PATH("/contexts/%s/activities", hash);
	} else if (post && n == 3 && !strcmp(s[2], "subscriptions")) {
		subscriptions_body(c, u, hash);
		SET_PATH("/contexts/%s/subscriptions", hash);
	} else if (del && n == 4 && !strcmp(s[2], "subscriptions")) {
		SET_PATH("/contexts/%s/subscriptions/%s", s[3], u);
	} else if (post && n == 4 && !strcmp(s[2], "conversations")) {
		json_object *b = json_object_new_object();
		jx_set(b, "actor", person_actor(u));
		replace_body(c, b);
		SET_PATH("/conversations/%s/participants", s[3]);
	} else if (del && n == 4 && !strcmp(s[2], "conversations")) {
		SET_PATH("/conversations/%s/participants/%s", s[3], u);
	} else if (post && n == 5 && !strcmp(s[2], "device")) {
		json_object *b = json_object_new_object();
		jx_set_str(b, "platform", s[3]);
		jx_set_str(b, "token", s[4]);
		replace_body(c, b);
		c->device_rewrite = 1;
		SET_PATH("/tokens");
	} else if (del && n == 5 && !strcmp(s[2], "device")) {
		SET_PATH("/tokens/%s", s[4]);
	}
}
