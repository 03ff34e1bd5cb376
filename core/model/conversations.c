/*
 * conversations.c — conversations as data (see conversations.h).
 *
 * Every change that notifies appends bindings and a packed MaxCarrot
 * message to the outbox inside the caller's transaction, so that nothing
 * reaches RabbitMQ unless the change commits. Member permissions follow
 * the subscription rules of contexts: a new member gets read and the
 * policy's list; owners and group creators get invite/kick and lose
 * unsubscribe.
 */
#include "model/conversations.h"
#include "model/people.h"
#include "model/perm.h"
#include "model/notify.h"
#include "model/outbox.h"
#include "util/buf.h"
#include "util/config.h"
#include "util/ids.h"
#include "util/jsonx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const POLICY =
	"{\"read\":\"subscribed\",\"write\":\"subscribed\",\"subscribe\":\"restricted\","
	"\"unsubscribe\":\"subscribed\"}";

static enum max_err db_fail(struct store *st, const char *what)
{
	return model_fail(st, MAX_ESERVER, "%s failed", what);
}

static enum max_err not_found(struct store *st, const char *key, const char *value,
			      const char *collection)
{
	return model_fail(st, MAX_ENOTFOUND, "Object with %s %s not found inside %s", key, value,
			  collection);
}

static const char *str_at(json_object *a, size_t i)
{
	return json_object_get_string(json_object_array_get_idx(a, i));
}

/* Column 0 of every row of q (bound), or NULL on a storage error. */
static json_object *strings_of(store_q *q)
{
	if (!q)
		return NULL;
	json_object *a = json_object_new_array();
	int rc;
	while ((rc = store_step(q)) == STORE_ROW)
		json_object_array_add(a, json_object_new_string(store_text(q, 0)));
	if (rc == STORE_ERR) {
		json_object_put(a);
		return NULL;
	}
	return a;
}

static json_object *parse_text(const char *t)
{
	return t ? json_tokener_parse(t) : NULL;
}

/* ---- member permissions ------------------------------------------------ */

/* ---- member rows --------------------------------------------------------- */

/* 1 found, 0 not a member, -1 error. */
static int member_get(struct store *st, const char *cid, const char *user, struct perm_state *m)
{
	memset(m, 0, sizeof *m);
	store_q *q = store_sql(st, "SELECT permissions_json, grants_json, vetos_json"
				   " FROM conversation_members WHERE conversation_id = ?1 AND "
				   "username = ?2");
	if (!q)
		return -1;
	store_bind_text(q, 1, cid);
	store_bind_text(q, 2, user);
	int rc = store_one(q);
	if (rc == 1) {
		perm_list_parse(store_text(q, 0), &m->perms);
		m->has_gv = !store_is_null(q, 1) || !store_is_null(q, 2);
		perm_list_parse(store_text(q, 1), &m->grants);
		perm_list_parse(store_text(q, 2), &m->vetos);
		store_reset(q);
	}
	return rc;
}

static enum max_err member_put(struct store *st, const char *cid, const char *user,
			       const struct perm_state *m)
{
	store_q *q = store_sql(st, "UPDATE conversation_members SET permissions_json = ?3,"
				   " perm_mask = ?4, grants_json = ?5, vetos_json = ?6"
				   " WHERE conversation_id = ?1 AND username = ?2");
	if (!q)
		return db_fail(st, "member update");
	json_object *perms = perm_list_json(&m->perms);
	json_object *grants = m->has_gv ? perm_list_json(&m->grants) : NULL;
	json_object *vetos = m->has_gv ? perm_list_json(&m->vetos) : NULL;
	store_bind_text(q, 1, cid);
	store_bind_text(q, 2, user);
	store_bind_text(q, 3, jx_text(perms));
	store_bind_int(q, 4, perm_list_mask(&m->perms));
	store_bind_text(q, 5, grants ? jx_text(grants) : NULL);
	store_bind_text(q, 6, vetos ? jx_text(vetos) : NULL);
	int rc = store_run(q);
	json_object_put(perms);
	json_object_put(grants);
	json_object_put(vetos);
	return rc < 0 ? db_fail(st, "member update") : MAX_OK;
}

/* Applies the grants and revokes of an owner (give 1) or of one who stops
 * being the owner (give 0) to user's member row, if he has one. */
static enum max_err member_ownerlike(struct store *st, const char *cid, const char *user, int give,
				     int permanent)
{
	struct perm_state m;
	int found = member_get(st, cid, user, &m);
	if (found <= 0)
		return found < 0 ? db_fail(st, "member lookup") : MAX_OK;
	void (*yes)(struct perm_state *, enum perm, int) = give ? perm_grant : perm_revoke;
	void (*no)(struct perm_state *, enum perm, int) = give ? perm_revoke : perm_grant;
	yes(&m, PERM_INVITE, permanent);
	yes(&m, PERM_KICK, permanent);
	no(&m, PERM_UNSUBSCRIBE, permanent);
	return member_put(st, cid, user, &m);
}

long conv_member_mask(struct store *st, const char *cid, const char *user)
{
	if (!user || !*user)
		return -1;
	store_q *q = store_sql(st, "SELECT perm_mask FROM conversation_members"
				   " WHERE conversation_id = ?1 AND username = ?2");
	if (!q)
		return -1;
	store_bind_text(q, 1, cid);
	store_bind_text(q, 2, user);
	if (store_one(q) != 1)
		return -1;
	long m = (long)store_int(q, 0);
	store_reset(q);
	return m;
}

json_object *conv_member_permissions(struct store *st, const char *cid, const char *user)
{
	struct perm_state m;
	return member_get(st, cid, user, &m) == 1 ? perm_list_json(&m.perms) : NULL;
}

/* ---- conversation rows --------------------------------------------------- */

enum max_err conv_load(struct store *st, const char *cid, struct conv *out)
{
	memset(out, 0, sizeof *out);
	store_q *q = store_sql(st, "SELECT owner, tag_group, tag_single, tag_archive,"
				   " (SELECT count(*) FROM conversation_participants p WHERE "
				   "p.conversation_id = ?1)"
				   " FROM conversations WHERE id = ?1");
	if (!q)
		return db_fail(st, "conversation lookup");
	store_bind_text(q, 1, cid);
	int rc = store_one(q);
	if (rc < 0)
		return db_fail(st, "conversation lookup");
	if (!rc)
		return not_found(st, "_id", cid, "conversations");
	snprintf(out->id, sizeof out->id, "%s", cid);
	store_copy(q, 0, out->owner, sizeof out->owner);
	out->group = (int)store_int(q, 1);
	out->single = (int)store_int(q, 2);
	out->archive = (int)store_int(q, 3);
	out->nparticipants = (int)store_int(q, 4);
	store_reset(q);
	return MAX_OK;
}

enum max_err conv_info_load(struct store *st, const char *cid, struct conv_info *out)
{
	memset(out, 0, sizeof *out);
	enum max_err e = conv_load(st, cid, &out->cv);
	if (e)
		return e;
	store_q *q = store_sql(st, "SELECT display_name, permissions_json, creator, published,"
				   " last_message_id FROM conversations WHERE id = ?1");
	if (q)
		store_bind_text(q, 1, cid);
	if (!q || store_one(q) != 1)
		return db_fail(st, "conversation lookup");
	out->display_name = xstrdup(store_text(q, 0) ? store_text(q, 0) : "");
	out->permissions = parse_text(store_text(q, 1));
	store_copy(q, 2, out->creator, sizeof out->creator);
	store_copy(q, 3, out->published, sizeof out->published);
	store_copy(q, 4, out->last_message, sizeof out->last_message);
	store_reset(q);
	if (!out->permissions)
		out->permissions = json_object_new_object();
	return MAX_OK;
}

void conv_info_free(struct conv_info *ci)
{
	free(ci->display_name);
	json_object_put(ci->permissions);
	ci->display_name = NULL;
	ci->permissions = NULL;
}

static enum max_err save_tags(struct store *st, const struct conv *cv)
{
	store_q *q = store_sql(st, "UPDATE conversations SET tag_group = ?2,"
				   " tag_single = ?3, tag_archive = ?4 WHERE id = ?1");
	if (!q)
		return db_fail(st, "conversation update");
	store_bind_text(q, 1, cv->id);
	store_bind_int(q, 2, cv->group);
	store_bind_int(q, 3, cv->single);
	store_bind_int(q, 4, cv->archive);
	return store_run(q) < 0 ? db_fail(st, "conversation update") : MAX_OK;
}

int conv_is_participant(struct store *st, const char *cid, const char *user)
{
	store_q *q = store_sql(st, "SELECT 1 FROM conversation_participants"
				   " WHERE conversation_id = ?1 AND username = ?2");
	if (!q)
		return -1;
	store_bind_text(q, 1, cid);
	store_bind_text(q, 2, user);
	return store_exists(q);
}

json_object *conv_participants(struct store *st, const char *cid)
{
	json_object *a = json_object_new_array();
	store_q *q = store_sql(st, "SELECT username, display_name FROM conversation_participants"
				   " WHERE conversation_id = ?1 ORDER BY position");
	if (!q)
		return a;
	store_bind_text(q, 1, cid);
	while (store_step(q) == STORE_ROW) {
		json_object *p = json_object_new_object();
		jx_set_str(p, "username", store_text(q, 0));
		jx_set_str(p, "displayName", store_text(q, 1));
		jx_set_str(p, "objectType", "person");
		json_object_array_add(a, p);
	}
	return a;
}

enum max_err conv_last_subscribe(struct store *st, const char *cid, const char *user,
				 char id[MAX_ID_LEN + 1])
{
	*id = 0;
	store_q *q =
		store_sql(st, "SELECT id FROM activities WHERE conversation_id = ?1"
			      " AND actor = ?2 AND verb = 'subscribe' ORDER BY id DESC LIMIT 1");
	if (!q)
		return db_fail(st, "activity lookup");
	store_bind_text(q, 1, cid);
	store_bind_text(q, 2, user);
	int rc = store_one(q);
	if (rc == 1) {
		store_copy(q, 0, id, MAX_ID_LEN + 1);
		store_reset(q);
	}
	return rc < 0 ? db_fail(st, "activity lookup") : MAX_OK;
}

/* ---- listing ---------------------------------------------------------------- */

/* The sort key (newest message date) of user's subscription to cid. */
static enum max_err list_key(struct store *st, const char *user, const char *cid, char key[40])
{
	store_q *q = store_sql(st, "SELECT last_published FROM conversation_members"
				   " WHERE conversation_id = ?1 AND username = ?2");
	if (!q)
		return db_fail(st, "conversation list");
	store_bind_text(q, 1, cid);
	store_bind_text(q, 2, user);
	int rc = store_one(q);
	if (rc < 0)
		return db_fail(st, "conversation list");
	if (!rc)
		return not_found(st, "_id", cid, "conversations");
	store_copy(q, 0, key, 40);
	store_reset(q);
	return MAX_OK;
}

enum max_err conv_list_ids(struct store *st, const char *user, const char *before, struct page *pg,
			   json_object **ids)
{
	*ids = NULL;
	char key[40] = "";
	enum max_err e = before ? list_key(st, user, before, key) : MAX_OK;
	if (e)
		return e;
	store_q *q = store_sql(
		st, "SELECT m.conversation_id FROM conversation_members m WHERE m.username = ?1"
		    " AND (?2 IS NULL OR (m.last_published, m.conversation_id) < (?2, ?3))"
		    " ORDER BY m.last_published DESC, m.conversation_id DESC LIMIT ?4");
	if (!q)
		return db_fail(st, "conversation list");
	store_bind_text(q, 1, user);
	store_bind_text(q, 2, before ? key : NULL);
	store_bind_text(q, 3, before);
	store_bind_int(q, 4, page_fetch(pg));
	json_object *a = json_object_new_array();
	int rc;
	while ((rc = page_step(pg, q)) == STORE_ROW)
		json_object_array_add(a, json_object_new_string(store_text(q, 0)));
	if (rc == STORE_ERR) {
		json_object_put(a);
		return db_fail(st, "conversation list");
	}
	*ids = a;
	return MAX_OK;
}

static json_object *talking_in_row(store_q *q)
{
	json_object *o = json_object_new_object();
	jx_set_str(o, "id", store_text(q, 0));
	jx_set_str(o, "objectType", "conversation");
	jx_set(o, "permissions", parse_text(store_text(q, 1)));
	if (!store_is_null(q, 2))
		jx_set(o, "grants", parse_text(store_text(q, 2)));
	if (!store_is_null(q, 3))
		jx_set(o, "vetos", parse_text(store_text(q, 3)));
	return o;
}

json_object *conv_talking_in(struct store *st, const char *user)
{
	json_object *a = json_object_new_array();
	store_q *q =
		store_sql(st, "SELECT conversation_id, permissions_json, grants_json, vetos_json"
			      " FROM conversation_members WHERE username = ?1"
			      " ORDER BY last_published DESC, conversation_id DESC");
	if (!q)
		return a;
	store_bind_text(q, 1, user);
	while (store_step(q) == STORE_ROW)
		json_object_array_add(a, talking_in_row(q));
	return a;
}

/* ---- outbox ------------------------------------------------------------- */

enum max_err conv_bindings(struct store *st, const char *cid, const char *user, int bind)
{
	char key[MAX_ID_LEN + 3], pub[MAX_USERNAME_MAX + 10], sub[MAX_USERNAME_MAX + 12];
	snprintf(key, sizeof key, "%s.*", cid);
	snprintf(pub, sizeof pub, "%s.publish", user);
	snprintf(sub, sizeof sub, "%s.subscribe", user);
	int (*op)(struct store *, const char *, const char *, const char *) =
		bind ? outbox_bind : outbox_unbind;
	/* U.publish → conversations, conversations → U.subscribe */
	if (op(st, pub, "conversations", key) < 0 || op(st, "conversations", sub, key) < 0)
		return model_fail(st, MAX_ESERVER, "outbox insert failed");
	return MAX_OK;
}

/* Binds or unbinds every user of the list (taken) for cid. */
static enum max_err bind_users(struct store *st, const char *cid, json_object *users, int bind)
{
	enum max_err e = users ? MAX_OK : db_fail(st, "users");
	for (size_t i = 0; !e && i < json_object_array_length(users); i++)
		e = conv_bindings(st, cid, str_at(users, i), bind);
	json_object_put(users);
	return e;
}

static json_object *participant_names(struct store *st, const char *cid)
{
	store_q *q = store_sql(st, "SELECT username FROM conversation_participants"
				   " WHERE conversation_id = ?1 ORDER BY position");
	if (q)
		store_bind_text(q, 1, cid);
	return strings_of(q);
}

static json_object *member_names(struct store *st, const char *cid)
{
	store_q *q = store_sql(st, "SELECT username FROM conversation_members"
				   " WHERE conversation_id = ?1 ORDER BY username");
	if (q)
		store_bind_text(q, 1, cid);
	return strings_of(q);
}

enum max_err conv_bind_all(struct store *st, const char *cid)
{
	return bind_users(st, cid, participant_names(st, cid), 1);
}

void conv_person_name(struct store *st, const char *user, char *out, size_t len)
{
	if (people_display_name(st, user, out, len) <= 0 || !*out)
		snprintf(out, len, "%s", user);
}

enum max_err conv_publish_add(struct store *st, const struct max_config *cfg, const char *cid,
			      const char *object, const char *user, const char *display,
			      json_object *data)
{
	char dn[300], key[MAX_ID_LEN + 16];
	if (!display) {
		conv_person_name(st, user, dn, sizeof dn);
		display = dn;
	}
	snprintf(key, sizeof key, "%s.notifications", cid);
	struct notify n = {
		.domain = config_get(cfg, "max", "server_id"),
		.exchange = "conversations",
		.routing_key = key,
		.action = "add",
		.object = object,
		.user = user,
		.display = display,
	};
	return notify_publish(st, &n, data);
}

const char *conv_notice_text(const char *type, const char *content)
{
	if (type && !strcmp(type, "image"))
		return "Add image";
	if (type && !strcmp(type, "file"))
		return "Add file";
	return content ? content : "";
}

/* The data of a group's add/conversation: its newest message and who
 * caused it; name gets the conversation's displayName. */
static json_object *group_added_data(struct store *st, const char *cid, const char *actor,
				     struct buf *name)
{
	json_object *data = json_object_new_object();
	store_q *q =
		store_sql(st,
			  "SELECT c.display_name, json_extract(m.object_json, '$.objectType'),"
			  " coalesce(json_extract(m.object_json, '$.content'), '')"
			  " FROM conversations c LEFT JOIN messages m ON m.id = c.last_message_id"
			  " WHERE c.id = ?1");
	if (q)
		store_bind_text(q, 1, cid);
	if (!q || store_one(q) != 1)
		return data;
	buf_adds(name, store_text(q, 0) ? store_text(q, 0) : "");
	const char *type = store_text(q, 1);
	if (type) {
		char creator[300];
		jx_set_str(data, "text", conv_notice_text(type, store_text(q, 2)));
		store_reset(q);
		conv_person_name(st, actor, creator, sizeof creator);
		jx_set_str(data, "conversation_id", cid);
		jx_set_str(data, "creator", creator);
	} else {
		store_reset(q);
	}
	return data;
}

enum max_err conv_notify_added(struct store *st, const struct max_config *cfg,
			       const struct conv *cv, const char *actor)
{
	if (!(cv->group && !cv->single && !cv->archive)) /* tags exactly ["group"] */
		return conv_publish_add(st, cfg, cv->id, "conversation", actor, NULL, NULL);
	struct buf name;
	buf_init(&name);
	json_object *data = group_added_data(st, cv->id, actor, &name);
	const char *n = name.data ? name.data : "";
	enum max_err e = conv_publish_add(st, cfg, cv->id, "conversation", n, n, data);
	buf_free(&name);
	return e;
}

/* ---- subscriptions --------------------------------------------------------- */

static json_object *conv_policy(struct store *st, const char *cid)
{
	store_q *q = store_sql(st, "SELECT permissions_json FROM conversations WHERE id = ?1");
	json_object *p = NULL;
	if (q) {
		store_bind_text(q, 1, cid);
		if (store_one(q) == 1) {
			p = parse_text(store_text(q, 0));
			store_reset(q);
		}
	}
	return p;
}

enum max_err conv_subscribe(struct store *st, const char *cid, const char *user)
{
	json_object *policy = conv_policy(st, cid);
	struct perm_list l = {0}, pl;
	perm_policy_list(policy, &pl);
	json_object_put(policy);
	perm_list_add(&l, PERM_READ); /* read first, then the policy's */
	for (unsigned i = 0; i < pl.n; i++)
		perm_list_add(&l, pl.p[i]);
	char now[21];
	time_now_iso(now);
	store_q *q =
		store_sql(st, "INSERT INTO conversation_members (conversation_id, username, "
			      "permissions_json,"
			      " perm_mask, subscribed_at, last_published)"
			      " SELECT ?1, ?2, ?3, ?4, ?5, coalesce(last_message_published, '')"
			      " FROM conversations WHERE id = ?1"
			      " ON CONFLICT (conversation_id, username) DO NOTHING");
	if (!q)
		return db_fail(st, "member insert");
	json_object *list = perm_list_json(&l);
	store_bind_text(q, 1, cid);
	store_bind_text(q, 2, user);
	store_bind_text(q, 3, jx_text(list));
	store_bind_int(q, 4, perm_list_mask(&l));
	store_bind_text(q, 5, now);
	int rc = store_run(q);
	json_object_put(list);
	if (rc < 0)
		return db_fail(st, "member insert");
	return store_changes(st) ? conv_bindings(st, cid, user, 1) : MAX_OK;
}

/* Removes user's subscription; 1 when there was one, 0 not, -1 error. */
static int unsubscribe(struct store *st, const char *cid, const char *user)
{
	store_q *q = store_sql(st, "DELETE FROM conversation_members"
				   " WHERE conversation_id = ?1 AND username = ?2");
	if (!q)
		return -1;
	store_bind_text(q, 1, cid);
	store_bind_text(q, 2, user);
	if (store_run(q) < 0)
		return -1;
	return store_changes(st) > 0;
}

static enum max_err add_participant(struct store *st, const char *cid, const char *user)
{
	char dn[300];
	conv_person_name(st, user, dn, sizeof dn);
	store_q *q =
		store_sql(st, "INSERT INTO conversation_participants (conversation_id, username,"
			      " display_name, position) SELECT ?1, ?2, ?3, coalesce(max(position), "
			      "0) + 1"
			      " FROM conversation_participants WHERE conversation_id = ?1");
	if (!q)
		return db_fail(st, "participant insert");
	store_bind_text(q, 1, cid);
	store_bind_text(q, 2, user);
	store_bind_text(q, 3, dn);
	return store_run(q) < 0 ? db_fail(st, "participant insert") : MAX_OK;
}

static enum max_err remove_participant(struct store *st, const char *cid, const char *user)
{
	store_q *q = store_sql(st, "DELETE FROM conversation_participants"
				   " WHERE conversation_id = ?1 AND username = ?2");
	if (!q)
		return db_fail(st, "participant delete");
	store_bind_text(q, 1, cid);
	store_bind_text(q, 2, user);
	return store_run(q) < 0 ? db_fail(st, "participant delete") : MAX_OK;
}

enum max_err conv_join(struct store *st, struct conv *cv, const char *user)
{
	int listed = conv_is_participant(st, cv->id, user);
	if (listed < 0)
		return db_fail(st, "participant lookup");
	enum max_err e = listed ? MAX_OK : add_participant(st, cv->id, user);
	if (e || (e = conv_subscribe(st, cv->id, user)))
		return e;
	if (!listed)
		cv->nparticipants++;
	cv->archive = 0;
	return save_tags(st, cv);
}

/* What happens to a conversation once user's subscription is gone. */
static enum max_err after_leave(struct store *st, struct conv *cv, const char *user)
{
	enum max_err e;
	if (cv->group && cv->nparticipants >= 2 && conv_is_participant(st, cv->id, user) == 1) {
		if ((e = remove_participant(st, cv->id, user)))
			return e;
		cv->nparticipants--;
	}
	if (cv->nparticipants == 2 && !cv->group)
		cv->single = 1;
	if (cv->nparticipants == 1 && cv->group)
		cv->archive = 1;
	return save_tags(st, cv);
}

enum max_err conv_leave(struct store *st, struct conv *cv, const char *user)
{
	int had = unsubscribe(st, cv->id, user);
	if (had < 0)
		return db_fail(st, "member delete");
	if (!had) /* the original went on regardless; here: 404 */
		return model_fail(st, MAX_ENOTFOUND, "%s is not susbcribed to %s", user, cv->id);
	enum max_err e = conv_bindings(st, cv->id, user, 0);
	return e ? e : after_leave(st, cv, user);
}

enum max_err conv_transfer(struct store *st, struct conv *cv, const char *user)
{
	if (!strcmp(cv->owner, user))
		return MAX_OK;
	enum max_err e = member_ownerlike(st, cv->id, user, 1, 1);
	if (e || (e = member_ownerlike(st, cv->id, cv->owner, 0, 1)))
		return e;
	store_q *q = store_sql(st, "UPDATE conversations SET owner = ?2 WHERE id = ?1");
	if (!q)
		return db_fail(st, "conversation update");
	store_bind_text(q, 1, cv->id);
	store_bind_text(q, 2, user);
	if (store_run(q) < 0)
		return db_fail(st, "conversation update");
	snprintf(cv->owner, sizeof cv->owner, "%s", user);
	return MAX_OK;
}

enum max_err conv_rename(struct store *st, const char *cid, const char *name)
{
	store_q *q = store_sql(st, "UPDATE conversations SET display_name = ?2 WHERE id = ?1");
	if (!q)
		return db_fail(st, "conversation update");
	store_bind_text(q, 1, cid);
	store_bind_text(q, 2, name);
	return store_run(q) < 0 ? db_fail(st, "conversation update") : MAX_OK;
}

/* Its messages, participants and members go with it (ON DELETE CASCADE). */
enum max_err conv_delete(struct store *st, const char *cid)
{
	enum max_err e = bind_users(st, cid, member_names(st, cid), 0);
	if (e)
		return e;
	store_q *q = store_sql(st, "DELETE FROM conversations WHERE id = ?1");
	if (!q)
		return db_fail(st, "conversation delete");
	store_bind_text(q, 1, cid);
	return store_run(q) < 0 ? db_fail(st, "conversation delete") : MAX_OK;
}

enum max_err conv_delete_all(struct store *st)
{
	json_object *ids = strings_of(store_sql(st, "SELECT id FROM conversations ORDER BY id"));
	if (!ids)
		return db_fail(st, "conversations");
	enum max_err e = MAX_OK;
	for (size_t i = 0; !e && i < json_object_array_length(ids); i++)
		e = conv_delete(st, str_at(ids, i));
	json_object_put(ids);
	return e;
}

/* ---- creation ------------------------------------------------------------ */

static void pair_key(const char *a, const char *b, char *out, size_t len)
{
	int lo = strcmp(a, b) < 0;
	snprintf(out, len, "%s %s", lo ? a : b, lo ? b : a);
}

enum max_err conv_find_pair(struct store *st, const char *a, const char *b,
			    char cid[MAX_ID_LEN + 1])
{
	char key[2 * MAX_USERNAME_MAX + 2];
	pair_key(a, b, key, sizeof key);
	*cid = 0;
	store_q *q = store_sql(st, "SELECT id FROM conversations WHERE pair_key = ?1"
				   " AND tag_group = 0 ORDER BY id LIMIT 1");
	if (!q)
		return db_fail(st, "conversation lookup");
	store_bind_text(q, 1, key);
	int rc = store_one(q);
	if (rc == 1) {
		store_copy(q, 0, cid, MAX_ID_LEN + 1);
		store_reset(q);
	}
	return rc < 0 ? db_fail(st, "conversation lookup") : MAX_OK;
}

static enum max_err insert_conv(struct store *st, const struct conv_new *nc, const char *cid)
{
	struct buf name;
	buf_init(&name);
	if (nc->display_name)
		buf_adds(&name, nc->display_name);
	for (int i = 0; !nc->display_name && i < nc->n; i++)
		buf_printf(&name, "%s%s", i ? ", " : "", nc->users[i]);
	char now[21], key[2 * MAX_USERNAME_MAX + 2] = "";
	time_now_iso(now);
	if (nc->n == 2)
		pair_key(nc->users[0], nc->users[1], key, sizeof key);
	store_q *q = store_sql(
		st, "INSERT INTO conversations (id, display_name, permissions_json, creator, owner,"
		    " published, tag_group, pair_key) VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7)");
	int rc = -1;
	if (q) {
		store_bind_text(q, 1, cid);
		store_bind_text(q, 2, name.data ? name.data : "");
		store_bind_text(q, 3, POLICY);
		store_bind_text(q, 4, nc->creator);
		store_bind_text(q, 5, now);
		store_bind_int(q, 6, nc->n > 2);
		store_bind_text(q, 7, *key ? key : NULL);
		rc = store_run(q);
	}
	buf_free(&name);
	return rc < 0 ? db_fail(st, "conversation insert") : MAX_OK;
}

enum max_err conv_create(struct store *st, const struct conv_new *nc, char cid[MAX_ID_LEN + 1])
{
	id_new(cid);
	enum max_err e = insert_conv(st, nc, cid);
	for (int i = 0; !e && i < nc->n; i++)
		e = add_participant(st, cid, nc->users[i]);
	for (int i = 0; !e && i < nc->n; i++)
		e = conv_subscribe(st, cid, nc->users[i]);
	/* a group's creator may invite and kick but not leave (non-permanent
	 * changes, lost on a policy recomputation) */
	if (!e && nc->n > 2)
		e = member_ownerlike(st, cid, nc->creator, 1, 0);
	return e;
}

enum max_err conv_rejoin_single(struct store *st, struct conv *cv)
{
	if (!cv->single)
		return MAX_OK;
	store_q *q = store_sql(
		st, "SELECT p.username, (SELECT count(*) FROM people WHERE username = p.username)"
		    " FROM conversation_participants p WHERE p.conversation_id = ?1"
		    " AND NOT EXISTS (SELECT 1 FROM conversation_members m"
		    "  WHERE m.conversation_id = p.conversation_id AND m.username = p.username)"
		    " ORDER BY p.position");
	if (!q)
		return db_fail(st, "participants");
	store_bind_text(q, 1, cv->id);
	json_object *missing = json_object_new_array();
	char gone[MAX_USERNAME_MAX + 1] = "";
	while (store_step(q) == STORE_ROW) {
		if (!store_int(q, 1) && !*gone)
			store_copy(q, 0, gone, sizeof gone);
		json_object_array_add(missing, json_object_new_string(store_text(q, 0)));
	}
	enum max_err e = *gone ? not_found(st, "username", gone, "users") : MAX_OK;
	for (size_t i = 0; !e && i < json_object_array_length(missing); i++)
		e = conv_subscribe(st, cv->id, str_at(missing, i));
	json_object_put(missing);
	if (e)
		return e;
	cv->single = 0;
	return save_tags(st, cv);
}

enum max_err conv_touch_last(struct store *st, const char *cid, const char *mid,
			     const char *published)
{
	store_q *q = store_sql(st, "UPDATE conversations SET last_message_id = ?2,"
				   " last_message_published = ?3 WHERE id = ?1");
	if (!q)
		return db_fail(st, "conversation update");
	store_bind_text(q, 1, cid);
	store_bind_text(q, 2, mid);
	store_bind_text(q, 3, published);
	if (store_run(q) < 0)
		return db_fail(st, "conversation update");
	q = store_sql(st, "UPDATE conversation_members SET last_published = ?2"
			  " WHERE conversation_id = ?1");
	if (!q)
		return db_fail(st, "member update");
	store_bind_text(q, 1, cid);
	store_bind_text(q, 2, published);
	return store_run(q) < 0 ? db_fail(st, "member update") : MAX_OK;
}

/* ---- people ------------------------------------------------------------- */

enum max_err conv_person_renamed(struct store *st, const char *user, const char *display_name)
{
	const char *args[] = {display_name, user};
	if (store_exec(st,
		       "UPDATE conversation_participants SET display_name = ?1"
		       " WHERE username = ?2",
		       2, args) < 0)
		return db_fail(st, "participants update");
	return MAX_OK;
}

enum max_err conv_person_recreated(struct store *st, const char *user)
{
	const char *args[] = {user};
	if (store_exec(st,
		       "UPDATE conversations SET tag_archive = 0, tag_single = 1"
		       " WHERE tag_group = 0 AND tag_archive = 1 AND id IN"
		       " (SELECT conversation_id FROM conversation_participants WHERE username = "
		       "?1)"
		       " AND (SELECT count(*) FROM conversation_participants p"
		       "      WHERE p.conversation_id = conversations.id) = 2",
		       1, args) < 0)
		return db_fail(st, "conversations update");
	return MAX_OK;
}

/* user, deleted, leaves cid. */
static enum max_err forget_in(struct store *st, const char *cid, const char *user)
{
	struct conv cv;
	enum max_err e = conv_load(st, cid, &cv);
	if (e)
		return e == MAX_ENOTFOUND ? db_fail(st, "conversation lookup") : e;
	int had = unsubscribe(st, cid, user);
	if (had < 0)
		return db_fail(st, "member delete");
	if ((had && (e = conv_bindings(st, cid, user, 0))) || (e = after_leave(st, &cv, user)))
		return e;
	if (!cv.single)
		return MAX_OK;
	cv.single = 0; /* a deleted partner archives a 1:1 */
	cv.archive = 1;
	return save_tags(st, &cv);
}

enum max_err conv_forget_user(struct store *st, const char *user)
{
	store_q *q = store_sql(st, "SELECT conversation_id FROM conversation_participants"
				   " WHERE username = ?1 ORDER BY conversation_id");
	if (q)
		store_bind_text(q, 1, user);
	json_object *ids = strings_of(q);
	if (!ids)
		return db_fail(st, "participants");
	enum max_err e = MAX_OK;
	for (size_t i = 0; !e && i < json_object_array_length(ids); i++)
		e = forget_in(st, str_at(ids, i), user);
	json_object_put(ids);
	return e;
}

/* ---- rebuild ---------------------------------------------------------------- */

/* Every member's list from the policy, grants and vetos; re-bound. */
static enum max_err rebuild_permissions(struct store *st, const char *cid, json_object *policy)
{
	json_object *users = member_names(st, cid);
	if (!users)
		return db_fail(st, "members");
	enum max_err e = MAX_OK;
	for (size_t i = 0; !e && i < json_object_array_length(users); i++) {
		const char *u = str_at(users, i);
		struct perm_state m;
		if (member_get(st, cid, u, &m) != 1) {
			e = db_fail(st, "member lookup");
			break;
		}
		perm_recompute(&m, policy);
		e = member_put(st, cid, u, &m);
		if (!e)
			e = conv_bindings(st, cid, u, 1);
	}
	json_object_put(users);
	return e;
}

/* Tags from the participants and their subscriptions. */
static enum max_err retag(struct store *st, struct conv *cv)
{
	store_q *q = store_sql(
		st,
		"SELECT count(*), coalesce(sum(EXISTS (SELECT 1 FROM conversation_members m"
		"  WHERE m.conversation_id = p.conversation_id AND m.username = p.username)), 0),"
		" coalesce(sum(NOT EXISTS (SELECT 1 FROM people u WHERE u.username = p.username)"
		"  AND NOT EXISTS (SELECT 1 FROM conversation_members m"
		"  WHERE m.conversation_id = p.conversation_id AND m.username = p.username)), 0)"
		" FROM conversation_participants p WHERE p.conversation_id = ?1");
	if (!q)
		return db_fail(st, "participants");
	store_bind_text(q, 1, cv->id);
	int n = 0, subscribed = 0, deleted = 0;
	if (store_one(q) == 1) {
		n = (int)store_int(q, 0);
		subscribed = (int)store_int(q, 1);
		deleted = (int)store_int(q, 2);
		store_reset(q);
	}
	cv->single = cv->archive = 0;
	if (n > 2)
		cv->group = 1;
	else if (n == 2 && !cv->group && subscribed != n && deleted)
		cv->archive = 1;
	else if (n == 2 && !cv->group && subscribed != n)
		cv->single = 1;
	else if (cv->group && n == 1)
		cv->archive = 1;
	return save_tags(st, cv);
}

static enum max_err rebuild_tags(struct store *st, const char *cid)
{
	struct conv cv;
	enum max_err e = conv_load(st, cid, &cv);
	if (e || (e = retag(st, &cv)))
		return e;
	const char *args[] = {cid};
	if (store_exec(st,
		       "UPDATE conversations SET pair_key = CASE WHEN tag_group = 0 AND"
		       " (SELECT count(*) FROM conversation_participants WHERE conversation_id = "
		       "?1) = 2"
		       " THEN (SELECT group_concat(username, ' ') FROM (SELECT username FROM"
		       "  conversation_participants WHERE conversation_id = ?1 ORDER BY username))"
		       " END WHERE id = ?1",
		       1, args) < 0)
		return db_fail(st, "conversation update");
	return MAX_OK;
}

/* The derived columns: newest message, members' copy of its date,
 * participants' names (of the people that still exist). */
static enum max_err rebuild_columns(struct store *st)
{
	if (store_exec(st,
		       "UPDATE conversations SET"
		       " last_message_id = (SELECT id FROM messages m"
		       "  WHERE m.conversation_id = conversations.id ORDER BY id DESC LIMIT 1),"
		       " last_message_published = (SELECT published FROM messages m"
		       "  WHERE m.conversation_id = conversations.id ORDER BY id DESC LIMIT 1)",
		       0, NULL) < 0 ||
	    store_exec(st,
		       "UPDATE conversation_members SET last_published = coalesce((SELECT"
		       " last_message_published FROM conversations c WHERE c.id = "
		       "conversation_id), '')",
		       0, NULL) < 0 ||
	    store_exec(st,
		       "UPDATE conversation_participants SET display_name = (SELECT display_name"
		       " FROM people WHERE people.username = conversation_participants.username)"
		       " WHERE username IN (SELECT username FROM people)",
		       0, NULL) < 0 ||
	    store_exec(st,
		       "DELETE FROM conversation_members WHERE conversation_id NOT IN"
		       " (SELECT id FROM conversations)",
		       0, NULL) < 0)
		return db_fail(st, "maintenance");
	return MAX_OK;
}

/* Conversations without messages are deleted, the others rebuilt. */
static enum max_err rebuild_each(struct store *st)
{
	store_q *q = store_sql(st, "SELECT id, permissions_json, last_message_id IS NULL"
				   " FROM conversations ORDER BY id");
	if (!q)
		return db_fail(st, "conversations");
	json_object *ids = json_object_new_array(), *policies = json_object_new_array();
	json_object *empty = json_object_new_array();
	while (store_step(q) == STORE_ROW) {
		json_object *id = json_object_new_string(store_text(q, 0));
		if (store_int(q, 2)) {
			json_object_array_add(empty, id);
			continue;
		}
		json_object_array_add(ids, id);
		json_object *p = parse_text(store_text(q, 1));
		json_object_array_add(policies, p ? p : json_object_new_object());
	}
	enum max_err e = store_failed(st) ? db_fail(st, "conversations") : MAX_OK;
	for (size_t i = 0; !e && i < json_object_array_length(empty); i++)
		e = conv_delete(st, str_at(empty, i));
	for (size_t i = 0; !e && i < json_object_array_length(ids); i++) {
		e = rebuild_permissions(st, str_at(ids, i), json_object_array_get_idx(policies, i));
		if (!e)
			e = rebuild_tags(st, str_at(ids, i));
	}
	json_object_put(ids);
	json_object_put(policies);
	json_object_put(empty);
	return e;
}

enum max_err conv_rebuild(struct store *st)
{
	enum max_err e = rebuild_columns(st);
	return e ? e : rebuild_each(st);
}

/* ---- dates --------------------------------------------------------------- */

void conv_date_out(const char *stored, char out[21])
{
	snprintf(out, 21, "%.19sZ", stored ? stored : "");
}

void conv_date_quirk(const char *stored, char out[27])
{
	if (stored && strlen(stored) >= 26 && strncmp(stored + 19, ".000000", 7))
		snprintf(out, 27, "%.26s", stored);
	else
		snprintf(out, 27, "%.19s", stored ? stored : "");
}
