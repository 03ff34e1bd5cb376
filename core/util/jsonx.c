/*
 * jsonx.c — strict parsing and typed access on top of json-c.
 */
#include "util/jsonx.h"

#include <string.h>

/* json-c recurses when freeing: a deep document costs stack, so nesting
 * is bounded (one value per worker process, set once at start-up) */
static int jx_max_depth = 32;

void jx_set_max_depth(int depth)
{
	if (depth >= 1 && depth <= 1000)
		jx_max_depth = depth;
}

int utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + len;
	while (p < e) {
		unsigned c = *p;
		size_t n;
		unsigned min;
		if (c < 0x80) {
			p++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			n = 1, min = 0x80, c &= 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2, min = 0x800, c &= 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3, min = 0x10000, c &= 0x07;
		} else {
			return 0;
		}
		if ((size_t)(e - p) <= n)
			return 0;
		for (size_t i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			c = (c << 6) | (p[i] & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return 0;
		p += n + 1;
	}
	return 1;
}

/* json-c's strict mode still accepts 'single-quoted' strings: refuse a
 * quote character outside of a double-quoted string. */
static int single_quoted(const char *s, size_t len)
{
	int in_str = 0, esc = 0;
	for (size_t i = 0; i < len; i++) {
		if (in_str) {
			if (esc)
				esc = 0;
			else if (s[i] == '\\')
				esc = 1;
			else if (s[i] == '"')
				in_str = 0;
		} else if (s[i] == '"') {
			in_str = 1;
		} else if (s[i] == '\'') {
			return 1;
		}
	}
	return 0;
}

json_object *jx_parse(const char *s, size_t len)
{
	if (!utf8_valid(s, len) || memchr(s, 0, len) || single_quoted(s, len))
		return NULL;
	json_tokener *tok = json_tokener_new_ex(jx_max_depth);
	if (!tok)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	json_object *o = json_tokener_parse_ex(tok, s, (int)len);
	enum json_tokener_error err = json_tokener_get_error(tok);
	size_t used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (err != json_tokener_success) {
		json_object_put(o);
		return NULL;
	}
	/* only whitespace may follow the value */
	for (size_t i = used; i < len; i++)
		if (!strchr(" \t\r\n", s[i])) {
			json_object_put(o);
			return NULL;
		}
	return o;
}

static int typed(json_object *o, const char *key, json_type t, json_object **out)
{
	json_object *v = NULL;
	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v) || !v)
		return 0;
	if (!json_object_is_type(v, t))
		return -1;
	if (out)
		*out = v;
	return 1;
}

int jx_string(json_object *o, const char *key, const char **out)
{
	json_object *v = NULL;
	int rc = typed(o, key, json_type_string, &v);
	if (rc == 1 && out)
		*out = json_object_get_string(v);
	return rc;
}

int jx_object(json_object *o, const char *key, json_object **out)
{
	return typed(o, key, json_type_object, out);
}

int jx_array(json_object *o, const char *key, json_object **out)
{
	return typed(o, key, json_type_array, out);
}

const char *jx_str(json_object *o, const char *key)
{
	const char *s = NULL;
	return jx_string(o, key, &s) == 1 ? s : NULL;
}

void jx_set(json_object *o, const char *key, json_object *val)
{
	json_object_object_add(o, key, val);
}

void jx_set_str(json_object *o, const char *key, const char *val)
{
	jx_set(o, key, val ? json_object_new_string(val) : NULL);
}

void jx_set_int(json_object *o, const char *key, long long val)
{
	jx_set(o, key, json_object_new_int64(val));
}

void jx_set_bool(json_object *o, const char *key, int val)
{
	jx_set(o, key, json_object_new_boolean(val));
}

json_object *jx_str_array(const char *const *items, size_t n)
{
	json_object *a = json_object_new_array_ext((int)n);
	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(items[i]));
	return a;
}

const char *jx_text(json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							 JSON_C_TO_STRING_NOSLASHESCAPE);
}
