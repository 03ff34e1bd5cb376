/*
 * jsonx.h — the few json-c helpers every handler uses.
 * Network input is parsed strictly (RFC 8259, UTF-8 validated, depth and
 * size bounded); field getters check types instead of trusting them.
 */
#ifndef MAX_JSONX_H
#define MAX_JSONX_H

#include <json-c/json.h>
#include <stddef.h>

/* Parses exactly one JSON value from s[0..len). NULL if invalid, or nested
 * deeper than the process-wide limit. */
json_object *jx_parse(const char *s, size_t len);
/* Sets that limit ([max] max_json_depth; default 32); a depth
 * outside 1..1000 is ignored. */
void jx_set_max_depth(int depth);
int utf8_valid(const char *s, size_t len);

/* Field access: 0 absent (or JSON null), 1 present with the right type,
 * -1 present with another type. */
int jx_string(json_object *o, const char *key, const char **out);
int jx_object(json_object *o, const char *key, json_object **out);
int jx_array(json_object *o, const char *key, json_object **out);
/* String value or NULL (absent, null or not a string). */
const char *jx_str(json_object *o, const char *key);

void jx_set_str(json_object *o, const char *key, const char *val); /* NULL → null */
void jx_set_int(json_object *o, const char *key, long long val);
void jx_set_bool(json_object *o, const char *key, int val);
void jx_set(json_object *o, const char *key, json_object *val); /* takes val */
json_object *jx_str_array(const char *const *items, size_t n);

/* Compact text of o (owned by o). */
const char *jx_text(json_object *o);

#endif
