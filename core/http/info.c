/*
 * info.c — the banner (GET /) and the /info family (endpoints.md):
 * public settings, every non-secret setting for Managers, and the endpoint
 * catalogue. The catalogue is built from the route table (routes.c) alone,
 * so a new row shows up in /info/api without touching this file; the only
 * extra knowledge here is what the original documented outside its route
 * table: the query modifiers of /people and the meaning of placeholders.
 */
#include "util/config.h"
#include "http/handlers.h"
#include "http/http.h"
#include "util/jsonx.h"
#include "http/router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum max_err info_root(struct max_ctx *c, struct max_resp *r)
{
	resp_text(r, 200, "text/html", "I am a max server");
	return MAX_OK;
}

enum max_err info_get(struct max_ctx *c, struct max_resp *r)
{
	static const char *const public_keys[] = {"oauth_server", "stomp_server", "server_id"};
	json_object *o = json_object_new_object();
	for (size_t i = 0; i < sizeof public_keys / sizeof public_keys[0]; i++) {
		if (!c->cfg || !config_isset(c->cfg, "max", public_keys[i]))
			continue;
		char name[64];
		snprintf(name, sizeof name, "max.%s", public_keys[i]);
		jx_set_str(o, name, config_get(c->cfg, "max", public_keys[i]));
	}
	jx_set_str(o, "version", MAX_VERSION);
	return resp_json(r, 200, o);
}

/* Sections whose settings GET /info/settings shows (the original showed
 * max.*, mongodb.*, cache.* and oauth.*; store replaces mongodb). */
static const char *const settings_sections[] = {"max", "store", "oauth", "rabbitmq"};

static void add_setting(const char *section, const char *key, const char *value, int secret,
			void *arg)
{
	if (secret)
		return;
	for (size_t i = 0; i < sizeof settings_sections / sizeof settings_sections[0]; i++) {
		if (strcmp(section, settings_sections[i]))
			continue;
		char name[128];
		snprintf(name, sizeof name, "%s.%s", section, key);
		jx_set_str(arg, name, value);
		return;
	}
}

enum max_err info_settings(struct max_ctx *c, struct max_resp *r)
{
	json_object *o = json_object_new_object();
	if (c->cfg)
		config_each(c->cfg, add_setting, o);
	jx_set_str(o, "version", MAX_VERSION);
	return resp_json(r, 200, o);
}

/* ---- GET /info/api ---- */

/* Routes the original's catalogue leaves out (they are not @endpoint views). */
static int catalogued(const struct route *rt)
{
	return strcmp(rt->name, "root") && strcmp(rt->name, "info") &&
	       strcmp(rt->name, "info_api") && strcmp(rt->name, "info_settings");
}

static const char *param_description(const char *name)
{
	static const struct {
		const char *name, *text;
	} texts[] = {
		{"username", "The username of the user"},
		{"hash", "The hash of the context url"},
		{"activity", "The id of the activity"},
		{"comment", "The id of the comment"},
		{"id", "The id of the conversation or message"},
		{"size", "The named size of the image"},
		{"platform", "The device platform (ios or android)"},
		{"token", "The device token"},
		{"permission", "The name of the context permission"},
		{"tag", "The context tag"},
		{"role", "The name of the security role"},
		{"user", "The username of the user"},
	};
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
		if (!strcmp(texts[i].name, name))
			return texts[i].text;
	return "";
}

/* The original's @endpoint(modifiers=…): only the two /people methods. */
static json_object *modifiers(const struct route *rt)
{
	static const char *const search[] = {
		"before",      "after",        "limit",           "sort",     "priority",
		"date_filter", "hashtag",      "actor",           "keywords", "tags",
		"favorites",   "context_tags", "twitter_enabled",
	};
	static const char *const create[] = {"notifications"};
	if (!strcmp(rt->name, "users") && !strcmp(rt->method, "GET"))
		return jx_str_array(search, sizeof search / sizeof search[0]);
	if (!strcmp(rt->name, "users") && !strcmp(rt->method, "POST"))
		return jx_str_array(create, sizeof create / sizeof create[0]);
	return json_object_new_array();
}

static json_object *method_entry(const struct route *rt)
{
	json_object *m = json_object_new_object();
	jx_set_str(m, "description", rt->description);
	jx_set_str(m, "documentation", rt->description);
	jx_set_str(m, "payload", "{}");
	json_object *rest = json_object_new_array();
	char name[64];
	for (int i = 0; router_param_name(rt, i, name, sizeof name); i++) {
		json_object *p = json_object_new_object();
		jx_set_str(p, "name", name);
		jx_set_str(p, "description", param_description(name));
		json_object_array_add(rest, p);
	}
	jx_set(m, "rest_params", rest);
	jx_set(m, "query_params", json_object_new_array());
	jx_set_str(m, "permission", rt->permission ? rt->permission : "Anonymous");
	jx_set(m, "modifiers", modifiers(rt));
	return m;
}

static void add_methods(json_object *methods, const struct route *rt)
{
	jx_set(methods, rt->method, method_entry(rt));
	if ((rt->flags & RT_COUNTS) && !strcmp(rt->method, "GET"))
		jx_set(methods, "HEAD", method_entry(rt));
}

/* The route table being catalogued, set by info_api from the request (the
 * HTTP layer hands it in, so this file needs no link to routes.c); the
 * qsort comparators read it too. */
static const struct route *table;
static size_t table_len;

/* Index of the first row of each catalogued route name, in table order. */
static size_t route_firsts(size_t *first)
{
	size_t n = 0;
	for (size_t i = 0; i < table_len; i++) {
		if (!catalogued(&table[i]))
			continue;
		size_t j = 0;
		while (j < n && strcmp(table[first[j]].name, table[i].name))
			j++;
		if (j == n)
			first[n++] = i;
	}
	return n;
}

static json_object *route_methods(const char *name)
{
	json_object *methods = json_object_new_object();
	for (size_t i = 0; i < table_len; i++)
		if (!strcmp(table[i].name, name))
			add_methods(methods, &table[i]);
	return methods;
}

static int by_title(const void *a, const void *b)
{
	const struct route *x = &table[*(const size_t *)a], *y = &table[*(const size_t *)b];
	int d = strcmp(x->title, y->title);
	return d ? d : strcmp(x->name, y->name);
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static json_object *catalogue_by_category(const size_t *first, size_t n)
{
	const char **cats = xcalloc(n ? n : 1, sizeof *cats);
	size_t ncats = 0;
	for (size_t i = 0; i < n; i++) {
		const char *cat = table[first[i]].category;
		size_t j = 0;
		while (j < ncats && strcmp(cats[j], cat))
			j++;
		if (j == ncats)
			cats[ncats++] = cat;
	}
	qsort(cats, ncats, sizeof *cats, by_string);

	json_object *out = json_object_new_array();
	size_t *members = xcalloc(n ? n : 1, sizeof *members);
	for (size_t c = 0; c < ncats; c++) {
		size_t nm = 0;
		for (size_t i = 0; i < n; i++)
			if (!strcmp(table[first[i]].category, cats[c]))
				members[nm++] = first[i];
		qsort(members, nm, sizeof *members, by_title);

		json_object *resources = json_object_new_array();
		for (size_t k = 0; k < nm; k++) {
			const struct route *rt = &table[members[k]];
			json_object *res = json_object_new_object();
			jx_set_str(res, "route_id", rt->name);
			jx_set_bool(res, "filesystem", (rt->flags & RT_FILESYSTEM) != 0);
			jx_set_str(res, "route_name", rt->title);
			jx_set_str(res, "route_url", rt->pattern);
			jx_set(res, "methods", route_methods(rt->name));
			json_object_array_add(resources, res);
		}
		char id[64];
		snprintf(id, sizeof id, "%s", cats[c]);
		for (char *p = id; *p; p++)
			*p = *p == ' ' ? '-'
				       : (*p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p);
		json_object *cat = json_object_new_object();
		jx_set_str(cat, "name", cats[c]);
		jx_set_str(cat, "id", id);
		jx_set(cat, "resources", resources);
		json_object_array_add(out, cat);
	}
	free(members);
	free(cats);
	return out;
}

static json_object *catalogue_by_route(const size_t *first, size_t n)
{
	json_object *out = json_object_new_object();
	for (size_t i = 0; i < n; i++) {
		const struct route *rt = &table[first[i]];
		json_object *res = json_object_new_object();
		jx_set_str(res, "id", rt->name);
		jx_set_str(res, "name", rt->title);
		jx_set_str(res, "route", rt->pattern);
		jx_set_str(res, "url", rt->pattern);
		jx_set_str(res, "category", rt->category);
		jx_set_bool(res, "filesystem", (rt->flags & RT_FILESYSTEM) != 0);
		jx_set(res, "methods", route_methods(rt->name));
		jx_set(out, rt->name, res);
	}
	return out;
}

enum max_err info_api(struct max_ctx *c, struct max_resp *r)
{
	table = c->table;
	table_len = c->table_len;
	size_t *first = xcalloc(table_len ? table_len : 1, sizeof *first);
	size_t n = route_firsts(first);
	const char *bc = qs_get(c, "by_category");
	json_object *out =
		bc && *bc ? catalogue_by_category(first, n) : catalogue_by_route(first, n);
	free(first);
	return resp_json(r, 200, out);
}
