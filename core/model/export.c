/*
 * export.c — one person's data as JSON (see export.h).
 *
 * Each section is one query whose columns are named by a small spec: a
 * plain name is text (or null), "#name" an integer, "?name" a boolean and
 * "@name" stored JSON put in as JSON. Keeping the sections as plain
 * queries over the tables makes it easy to see that nothing is missed
 * when a table is added (add its section here, and to model/erase.c).
 */
#include "model/export.h"
#include "model/media.h"
#include "model/people.h"
#include "model/tokens.h"
#include "util/config.h"
#include "util/ids.h"
#include "util/jsonx.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* Row i of q as an object named by spec (see the header comment). */
static json_object *row_object(store_q *q, const char *const *spec, size_t n)
{
	json_object *o = json_object_new_object();
	for (size_t i = 0; i < n; i++) {
		const char *name = spec[i];
		char kind = strchr("#?@", name[0]) ? name[0] : 0;
		int col = (int)i;
		if (kind)
			name++;
		if (store_is_null(q, col))
			jx_set(o, name, NULL);
		else if (kind == '#')
			jx_set_int(o, name, (long long)store_int(q, col));
		else if (kind == '?')
			jx_set_bool(o, name, store_int(q, col) != 0);
		else if (kind == '@')
			jx_set(o, name, store_json(q, col));
		else
			jx_set_str(o, name, store_text(q, col));
	}
	return o;
}

/* Every row of q (its parameter 1 bound to user) into an array set as
 * key on doc. 0, or -1 on a storage error. */
static int section(json_object *doc, const char *key, store_q *q, const char *user,
		   const char *const *spec, size_t n)
{
	if (!q)
		return -1;
	store_bind_text(q, 1, user);
	json_object *arr = json_object_new_array();
	int rc;
	while ((rc = store_step(q)) == STORE_ROW)
		json_object_array_add(arr, row_object(q, spec, n));
	jx_set(doc, key, arr);
	return rc == STORE_DONE ? 0 : -1;
}

#define SPEC(...)                                                                                  \
	(const char *const[]){__VA_ARGS__},                                                        \
		sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *)

static int profile(struct store *st, json_object *doc, const char *user)
{
	struct person p;
	int exists = people_exists(st, user);
	if (exists <= 0) {
		jx_set(doc, "profile", NULL);
		return exists;
	}
	if (people_load(st, user, &p))
		return -1;
	json_object *o = json_object_new_object();
	jx_set_str(o, "username", p.username);
	jx_set_str(o, "id", p.id);
	jx_set_str(o, "displayName", p.display_name);
	jx_set_str(o, "twitterUsername", p.twitter[0] ? p.twitter : NULL);
	jx_set_str(o, "creator", p.creator);
	jx_set_str(o, "published", p.published);
	jx_set_str(o, "lastLogin", p.last_login);
	jx_set(doc, "profile", o);
	return 0;
}

static int access_sections(struct store *st, json_object *doc, const char *user)
{
	int pw = token_password_exists(st, user);
	if (pw < 0)
		return -1;
	jx_set_bool(doc, "local_password", pw);
	return section(doc, "roles",
		       store_sql(st, "SELECT role, added_at FROM roles WHERE username = ?1"
				     " ORDER BY role"),
		       user, SPEC("role", "added_at")) |
	       section(doc, "oauth_tokens",
		       store_sql(st, "SELECT scope, client, issued_at, expires_at, last_used_at"
				     " FROM oauth_tokens WHERE username = ?1 ORDER BY issued_at"),
		       user, SPEC("scope", "client", "issued_at", "expires_at", "last_used_at"));
}

static int context_sections(struct store *st, json_object *doc, const char *user)
{
	return section(doc, "subscriptions",
		       store_sql(st, "SELECT s.hash, c.url, c.display_name, s.permissions_json,"
				     " s.grants_json, s.vetos_json, s.subscribed_at"
				     " FROM subscriptions s LEFT JOIN contexts c ON c.hash = s.hash"
				     " WHERE s.username = ?1 ORDER BY s.id"),
		       user,
		       SPEC("hash", "url", "displayName", "@permissions", "@grants", "@vetos",
			    "subscribed_at")) |
	       section(doc, "push_optouts",
		       store_sql(st, "SELECT hash, snapshot_json FROM push_optouts"
				     " WHERE username = ?1 ORDER BY id"),
		       user, SPEC("hash", "@context")) |
	       section(doc, "contexts_owned_or_created",
		       store_sql(st, "SELECT hash, url, display_name, owner = ?1, creator = ?1,"
				     " published FROM contexts WHERE owner = ?1 OR creator = ?1"
				     " ORDER BY id"),
		       user, SPEC("hash", "url", "displayName", "?owner", "?creator", "published"));
}

static int stream_sections(struct store *st, json_object *doc, const char *user)
{
	return section(doc, "activities",
		       store_sql(st, "SELECT id, verb, published, object_json, context_hash,"
				     " json_extract(context_json, '$.url'), in_reply_to,"
				     " conversation_id, generator, visible"
				     " FROM activities WHERE actor_kind = 'person' AND actor = ?1"
				     " ORDER BY id"),
		       user,
		       SPEC("id", "verb", "published", "@object", "context_hash", "context_url",
			    "inReplyTo", "conversation_id", "generator", "?visible")) |
	       section(doc, "activities_created_for_contexts",
		       store_sql(st, "SELECT id, verb, published, actor, object_json"
				     " FROM activities WHERE creator = ?1"
				     " AND NOT (actor_kind = 'person' AND actor = ?1) ORDER BY id"),
		       user, SPEC("id", "verb", "published", "actor", "@object")) |
	       section(doc, "likes",
		       store_sql(st, "SELECT activity_id, liked_at FROM likes"
				     " WHERE username = ?1 ORDER BY liked_at"),
		       user, SPEC("activity_id", "liked_at")) |
	       section(doc, "favorites",
		       store_sql(st, "SELECT activity_id, favorited_at FROM favorites"
				     " WHERE username = ?1 ORDER BY favorited_at"),
		       user, SPEC("activity_id", "favorited_at"));
}

static int conversation_sections(struct store *st, json_object *doc, const char *user)
{
	return section(doc, "conversations",
		       store_sql(st, "SELECT c.id, c.display_name, c.owner, c.published,"
				     " m.username IS NOT NULL, m.permissions_json"
				     " FROM conversation_participants p"
				     " JOIN conversations c ON c.id = p.conversation_id"
				     " LEFT JOIN conversation_members m"
				     "   ON m.conversation_id = c.id AND m.username = p.username"
				     " WHERE p.username = ?1 ORDER BY c.id"),
		       user,
		       SPEC("id", "displayName", "owner", "published", "?member", "@permissions")) |
	       section(doc, "messages",
		       store_sql(st, "SELECT id, conversation_id, published, object_json, generator"
				     " FROM messages WHERE actor = ?1 ORDER BY id"),
		       user, SPEC("id", "conversation_id", "published", "@object", "generator"));
}

void export_mask_token(const char *token, char *out, size_t len)
{
	size_t n = strlen(token);
	if (!len)
		return;
	if (n >= len)
		n = len - 1;
	for (size_t i = 0; i < n; i++)
		out[i] = n > 12 && (i < 4 || i >= n - 4) ? token[i] : '*';
	out[n] = 0;
}

static int devices(struct store *st, json_object *doc, const char *user)
{
	store_q *q = store_sql(st, "SELECT platform, device, token, published FROM device_tokens"
				   " WHERE owner = ?1 ORDER BY id");
	if (!q)
		return -1;
	store_bind_text(q, 1, user);
	json_object *arr = json_object_new_array();
	int rc;
	while ((rc = store_step(q)) == STORE_ROW) {
		json_object *o = row_object(q, SPEC("platform", "device"));
		char masked[512];
		export_mask_token(store_text(q, 2), masked, sizeof masked);
		jx_set_str(o, "token", masked);
		jx_set_str(o, "published", store_text(q, 3));
		json_object_array_add(arr, o);
	}
	jx_set(doc, "devices", arr);
	return rc == STORE_DONE ? 0 : -1;
}

/* ---- files ---------------------------------------------------------------- */

static void if_file(const char *path, void (*fn)(void *arg, const char *path), void *arg)
{
	struct stat sb;
	if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
		fn(arg, path);
}

/* The files of the objects q lists (id per row, user bound as ?1). */
static int object_files(store_q *q, const char *root, const char *user,
			void (*fn)(void *arg, const char *path), void *arg)
{
	if (!q)
		return -1;
	store_bind_text(q, 1, user);
	static const char *const suffixes[] = {"", ".thumb"};
	char path[PATH_MAX];
	int rc;
	while ((rc = store_step(q)) == STORE_ROW)
		for (size_t i = 0; i < 2; i++)
			if (media_path(root, store_text(q, 0), suffixes[i], path, sizeof path) == 0)
				if_file(path, fn, arg);
	return rc == STORE_DONE ? 0 : -1;
}

int export_files(struct store *st, const struct max_config *cfg, const char *username,
		 void (*fn)(void *arg, const char *path), void *arg)
{
	const char *files = config_get(cfg, "store", "files");
	const char *avatars = config_get(cfg, "store", "avatars");
	char rel[PATH_MAX], path[PATH_MAX];
	for (int large = 0; large < 2; large++)
		if (media_avatar_path(username, large, rel, sizeof rel) == 0 &&
		    snprintf(path, sizeof path, "%s/%s", avatars, rel) < (int)sizeof path)
			if_file(path, fn, arg);
	if (object_files(store_sql(st, "SELECT id FROM activities WHERE actor_kind = 'person'"
				       " AND actor = ?1 AND object_type IN ('image', 'file')"),
			 files, username, fn, arg) < 0)
		return -1;
	return object_files(store_sql(st, "SELECT id FROM messages WHERE actor = ?1"
					  " AND object_type IN ('image', 'file')"),
			    files, username, fn, arg);
}

static void add_path(void *arg, const char *path)
{
	json_object_array_add(arg, json_object_new_string(path));
}

enum max_err export_person(struct store *st, const struct max_config *cfg, const char *username,
			   json_object **out)
{
	json_object *doc = json_object_new_object();
	char now[21];
	time_now_iso(now);
	jx_set_str(doc, "username", username);
	jx_set_str(doc, "exported_at", now);
	json_object *files = json_object_new_array();
	int bad = profile(st, doc, username) | access_sections(st, doc, username) |
		  context_sections(st, doc, username) | stream_sections(st, doc, username) |
		  conversation_sections(st, doc, username) | devices(st, doc, username) |
		  export_files(st, cfg, username, add_path, files);
	jx_set(doc, "files", files);
	if (bad) {
		json_object_put(doc);
		*out = NULL;
		return model_fail(st, MAX_ESERVER, "export of %s failed", username);
	}
	*out = doc;
	return MAX_OK;
}
