/*
 * carrot.c — MaxCarrot packing and unpacking.
 *
 * Top-level names and the action/object/source values have one-letter
 * codes; `user`'s inner username/displayname become u/d; everything in
 * `data` is copied untouched. Unknown keys and unknown codes are dropped,
 * never guessed.
 */
#include "util/carrot.h"
#include "util/buf.h"
#include "util/jsonx.h"

#include <stdlib.h>
#include <string.h>

struct code {
	const char *name, *code;
};

static const struct code fields[] = {{"uuid", "g"},        {"user", "u"},    {"action", "a"},
				     {"object", "o"},      {"data", "d"},    {"source", "s"},
				     {"domain", "i"},      {"version", "v"}, {"published", "p"},
				     {"destination", "t"}, {NULL, NULL}};
static const struct code actions[] = {{"add", "a"},     {"delete", "d"}, {"modify", "m"},
				      {"refresh", "r"}, {"ack", "k"},    {NULL, NULL}};
/* "comment" packs to "a" like activity; "a" unpacks to activity (api.md 1.2) */
static const struct code objects[] = {{"message", "m"},  {"conversation", "c"}, {"tweet", "t"},
				      {"activity", "a"}, {"context", "x"},      {"comment", "a"},
				      {NULL, NULL}};
static const struct code sources[] = {{"max", "m"},     {"widget", "w"}, {"ios", "i"},
				      {"android", "a"}, {"tweety", "t"}, {"maxbunny", "b"},
				      {"hub", "h"},     {NULL, NULL}};
static const struct code user_keys[] = {{"username", "u"}, {"displayname", "d"}, {NULL, NULL}};

static const char *lookup(const struct code *t, const char *key, int to_code)
{
	for (; t->name; t++)
		if (!strcmp(to_code ? t->name : t->code, key))
			return to_code ? t->code : t->name;
	return NULL;
}

static const struct code *values_of(const char *field)
{
	if (!strcmp(field, "action"))
		return actions;
	if (!strcmp(field, "object"))
		return objects;
	if (!strcmp(field, "source"))
		return sources;
	return NULL;
}

static json_object *translate_user(json_object *u, int to_code)
{
	if (!json_object_is_type(u, json_type_object))
		return json_object_get(u);
	json_object *out = json_object_new_object();
	json_object_object_foreach(u, k, v)
	{
		const char *nk = lookup(user_keys, k, to_code);
		json_object_object_add(out, nk ? nk : k, json_object_get(v));
	}
	return out;
}

/* Shared walk: to_code 1 packs, 0 unpacks. */
static json_object *translate(json_object *in, int to_code)
{
	json_object *out = json_object_new_object();
	json_object_object_foreach(in, key, val)
	{
		const char *field = to_code ? key : lookup(fields, key, 0);
		const char *nk = to_code ? lookup(fields, key, 1) : field;
		if (!nk || !field)
			continue; /* unknown top-level key */
		const struct code *vals = values_of(field);
		if (vals) {
			const char *sv = json_object_is_type(val, json_type_string)
						 ? json_object_get_string(val)
						 : NULL;
			const char *nv = sv ? lookup(vals, sv, to_code) : NULL;
			if (nv)
				json_object_object_add(out, nk, json_object_new_string(nv));
		} else if (!strcmp(field, "user")) {
			json_object_object_add(out, nk, translate_user(val, to_code));
		} else {
			json_object_object_add(out, nk, json_object_get(val));
		}
	}
	return out;
}

json_object *carrot_pack(json_object *unpacked)
{
	return translate(unpacked, 1);
}

int carrot_is_packed(json_object *o)
{
	if (!json_object_is_type(o, json_type_object))
		return 0;
	json_object_object_foreach(o, k, v)
	{
		(void)v;
		if (strlen(k) != 1)
			return 0;
	}
	return 1;
}

json_object *carrot_unpack(const char *text, size_t len, const char **err)
{
	/* producers of old sent raw control characters inside strings */
	char *copy = xmalloc(len + 1);
	size_t n = 0;
	int in_str = 0, esc = 0;
	for (size_t i = 0; i < len; i++) {
		char ch = text[i];
		if (in_str && !esc &&
		    (ch == '\n' || ch == '\t' || ch == '\r' || ch == '\f' || ch == '\b')) {
			copy = xrealloc(copy, len + (n - i) + 3);
			copy[n++] = '\\';
			ch = ch == '\n'   ? 'n'
			     : ch == '\t' ? 't'
			     : ch == '\r' ? 'r'
			     : ch == '\f' ? 'f'
					  : 'b';
		} else if (ch == '"' && !esc) {
			in_str = !in_str;
		}
		esc = in_str && !esc && ch == '\\';
		copy[n++] = ch;
	}
	json_object *o = jx_parse(copy, n);
	free(copy);
	if (!o) {
		*err = "JSON decoding error";
		return NULL;
	}
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		*err = "Packed message is not json";
		return NULL;
	}
	json_object *out = translate(o, 0);
	json_object_put(o);
	return out;
}
