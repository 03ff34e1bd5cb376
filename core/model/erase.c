/*
 * erase.c — a person's erasure (see erase.h for what happens to what).
 *
 * Each family's own delete function does its part, so counters, indexes
 * and the outbox stay as the API would leave them; only the rows no family
 * has a delete for (the local password) are deleted here.
 */
#include "model/erase.h"
#include "model/activities.h"
#include "model/devices.h"
#include "model/export.h"
#include "model/logins.h"
#include "model/person.h"
#include "model/roles.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The first column of every row of q (?1 = user) as an array, or NULL. */
static json_object *ids_of(store_q *q, const char *user)
{
	if (!q)
		return NULL;
	store_bind_text(q, 1, user);
	json_object *a = json_object_new_array();
	int rc;
	while ((rc = store_step(q)) == STORE_ROW)
		json_object_array_add(a, json_object_new_string(store_text(q, 0)));
	if (rc != STORE_DONE) {
		json_object_put(a);
		return NULL;
	}
	return a;
}

static const char *at(json_object *a, size_t i)
{
	return json_object_get_string(json_object_array_get_idx(a, i));
}

/* Withdraws user's likes (favourites) on every post. */
static enum max_err withdraw_marks(struct store *st, enum act_mark m, const char *user,
				   long long *count)
{
	json_object *ids = ids_of(m == ACT_LIKE ? store_sql(st, "SELECT activity_id FROM likes"
								" WHERE username = ?1")
						: store_sql(st, "SELECT activity_id FROM favorites"
								" WHERE username = ?1"),
				  user);
	if (!ids)
		return model_fail(st, MAX_ESERVER, "marks of %s unreadable", user);
	enum max_err e = MAX_OK;
	size_t n = json_object_array_length(ids);
	for (size_t i = 0; !e && i < n; i++)
		e = act_mark_remove(st, m, at(ids, i), user);
	*count = (long long)n;
	json_object_put(ids);
	return e;
}

/* Deletes every activity whose actor is user: comments first, so the
 * posts they answer (others' too) are updated while they still exist. */
static enum max_err delete_activities(struct store *st, const char *user, long long *count)
{
	json_object *ids = ids_of(store_sql(st, "SELECT id FROM activities"
						" WHERE actor_kind = 'person' AND actor = ?1"
						" ORDER BY verb = 'post', id DESC"),
				  user);
	if (!ids)
		return model_fail(st, MAX_ESERVER, "activities of %s unreadable", user);
	enum max_err e = MAX_OK;
	*count = 0;
	for (size_t i = 0; !e && i < json_object_array_length(ids); i++) {
		struct act_post p;
		int found = act_post_load(st, at(ids, i), &p);
		if (found < 0)
			e = model_fail(st, MAX_ESERVER, "activity %s unreadable", at(ids, i));
		else if (found && !(e = act_delete(st, &p)))
			(*count)++;
	}
	json_object_put(ids);
	return e;
}

/* user's messages become empty notes (see erase.h). */
static enum max_err tombstone_messages(struct store *st, const char *user, long long *count)
{
	const char *args[] = {user};
	if (store_exec(st,
		       "UPDATE messages SET object_type = 'note',"
		       " object_json = '{\"objectType\":\"note\",\"content\":\"\"}',"
		       " actor_display = ?1, generator = NULL WHERE actor = ?1"
		       " AND (object_type <> 'note' OR actor_display <> ?1"
		       "      OR object_json <> '{\"objectType\":\"note\",\"content\":\"\"}')",
		       1, args) < 0)
		return model_fail(st, MAX_ESERVER, "messages of %s not erased", user);
	*count = store_changes(st);
	return MAX_OK;
}

/* Devices, roles, password, login failures, push opt-outs. */
static enum max_err delete_access(struct store *st, const char *user, struct erase_counts *n)
{
	const char *args[] = {user};
	store_q *q = store_sql(st, "SELECT count(*) FROM device_tokens WHERE owner = ?1");
	if (!q)
		return MAX_ESERVER;
	store_bind_text(q, 1, user);
	if (store_one(q) == 1) {
		n->devices = store_int(q, 0);
		store_reset(q);
	}
	if (device_delete_user(st, user, NULL))
		return MAX_ESERVER;
	static const char *const roles[] = {"Manager", "NonVisible"};
	for (size_t i = 0; i < 2; i++) {
		int rc = roles_remove(st, roles[i], user);
		if (rc < 0)
			return model_fail(st, MAX_ESERVER, "roles of %s not removed", user);
		n->roles += rc > 0;
	}
	if (store_exec(st, "DELETE FROM local_passwords WHERE username = ?1", 1, args) < 0 ||
	    store_exec(st, "DELETE FROM push_optouts WHERE username = ?1", 1, args) < 0 ||
	    login_succeeded(st, user) < 0)
		return model_fail(st, MAX_ESERVER, "access of %s not removed", user);
	return MAX_OK;
}

static void add_path(void *arg, const char *path)
{
	json_object_array_add(arg, json_object_new_string(path));
}

enum max_err erase_person(struct store *st, const struct max_config *cfg, const char *username,
			  struct erase_counts *n, json_object **files)
{
	memset(n, 0, sizeof *n);
	if (!*files)
		*files = json_object_new_array();
	if (export_files(st, cfg, username, add_path, *files) < 0)
		return model_fail(st, MAX_ESERVER, "files of %s unreadable", username);
	enum max_err e = withdraw_marks(st, ACT_LIKE, username, &n->likes);
	if (!e)
		e = withdraw_marks(st, ACT_FAVORITE, username, &n->favorites);
	if (!e)
		e = delete_activities(st, username, &n->activities);
	if (!e)
		e = tombstone_messages(st, username, &n->messages);
	if (!e)
		e = delete_access(st, username, n);
	if (!e)
		e = person_forget(st, username);
	return e;
}

int erase_files(json_object *files)
{
	int removed = 0;
	for (size_t i = 0; files && i < json_object_array_length(files); i++)
		if (unlink(at(files, i)) == 0)
			removed++;
	return removed;
}
