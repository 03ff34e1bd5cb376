/*
 * conversations.c — conversations (API.md §5.8 #57–#67, §8): creation and
 * 1:1 reuse, reading, renaming, deleting, ownership, participants; the URL
 * lookup of /conversations/{id}; the person hooks that reach conversations
 * (talkingIn, renames, re-creation, deletion).
 *
 * Access follows §8.2: Managers may do everything; otherwise the rule looks
 * at the authenticated user's subscription ("member" row) and at the
 * conversation's owner, as the original's ACLs did. Every change that
 * notifies appends bindings and a MaxCarrot message to the outbox in the
 * request's transaction (MESSAGING.md §2.4, §3).
 */
#include "http/conversations.h"
#include "http/activity_store.h"
#include "http/auth.h"
#include "http/notify_http.h"
#include "http/handlers.h"
#include "http/hooks.h"
#include "http/http.h"
#include "util/ids.h"
#include "util/jsonx.h"
#include "model/outbox.h"
#include "http/people.h"
#include "http/perm.h"
#include "http/router.h"
#include "store/store.h"
#include "http/traverse.h"

#include <sqlite3.h> /* to be moved behind store/ */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const POLICY =
	"{\"read\":\"subscribed\",\"write\":\"subscribed\",\"subscribe\":\"restricted\","
	"\"unsubscribe\":\"subscribed\"}";

static const char *col(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

static enum max_err db_fail(struct max_ctx *c, const char *what)
{
	return max_fail(c, MAX_ESERVER, "%s: %s", what, sqlite3_errmsg(c->db->db));
}

/* Steps a write statement to completion and resets it. */
static int step_done(sqlite3_stmt *s)
{
	int rc = s ? sqlite3_step(s) : SQLITE_ERROR;
	if (s)
		sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Steps s (prepared and bound) to its end: column 0 of every row. */
static json_object *strings_of(sqlite3_stmt *s)
{
	json_object *a = json_object_new_array();
	while (s && sqlite3_step(s) == SQLITE_ROW)
		json_object_array_add(a, json_object_new_string(col(s, 0)));
	if (s)
		sqlite3_reset(s);
	return a;
}

static const char *str_at(json_object *a, size_t i)
{
	return json_object_get_string(json_object_array_get_idx(a, i));
}

/* Column 0 of sql (a literal with ?1 = cid) for every row, or NULL when
 * the statement cannot be prepared. */
static json_object *strings_for(struct max_ctx *c, const char *sql, const char *cid)
{
	sqlite3_stmt *s = store_prepare_(c->db, sql);
	if (!s)
		return NULL;
	store_bind_text(s, 1, cid);
	return strings_of(s);
}

/* ---- time ------------------------------------------------------------- */

void conv_date_out(const char *stored, char out[21])
{
	snprintf(out, 21, "%.19sZ", stored ? stored : "");
}

void conv_date_quirk(const char *stored, char out[27])
{
	/* §3: talkingIn[].lastMessage.published, no Z, microseconds if any */
	if (stored && strlen(stored) >= 26 && strncmp(stored + 19, ".000000", 7))
		snprintf(out, 27, "%.26s", stored);
	else
		snprintf(out, 27, "%.19s", stored ? stored : "");
}

/* ---- members (§6.2, §6.3 on a conversation subscription) ---------------- */

/* The list a new member gets: read first, then the policy's (§8.1). */
static void member_list(json_object *policy, struct perm_list *out)
{
	struct perm_list l;
	perm_policy_list(policy, &l);
	out->n = 0;
	perm_list_add(out, PERM_READ);
	for (unsigned i = 0; i < l.n; i++)
		perm_list_add(out, l.p[i]);
}

static json_object *parse_text(const char *t)
{
	return t ? json_tokener_parse(t) : NULL;
}

/* 1 found, 0 not a member, -1 error. */
static int member_get(struct max_ctx *c, const char *cid, const char *user, struct perm_state *m)
{
	memset(m, 0, sizeof *m);
	sqlite3_stmt *s = store_stmt(c->db,
				     "SELECT permissions_json, grants_json, vetos_json"
				     " FROM conversation_members WHERE conversation_id = ?1 AND username = ?2");
	if (!s)
		return -1;
	store_bind_text(s, 1, cid);
	store_bind_text(s, 2, user);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		perm_list_parse(col(s, 0), &m->perms);
		m->has_gv = col(s, 1) || col(s, 2);
		if (col(s, 1))
			perm_list_parse(col(s, 1), &m->grants);
		if (col(s, 2))
			perm_list_parse(col(s, 2), &m->vetos);
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static enum max_err member_put(struct max_ctx *c, const char *cid, const char *user,
			       const struct perm_state *m)
{
	sqlite3_stmt *s = store_stmt(c->db,
				     "UPDATE conversation_members SET permissions_json = ?3,"
				     " perm_mask = ?4, grants_json = ?5, vetos_json = ?6"
				     " WHERE conversation_id = ?1 AND username = ?2");
	if (!s)
		return db_fail(c, "member update");
	json_object *perms = perm_list_json(&m->perms);
	json_object *grants = m->has_gv ? perm_list_json(&m->grants) : NULL;
	json_object *vetos = m->has_gv ? perm_list_json(&m->vetos) : NULL;
	store_bind_text(s, 1, cid);
	store_bind_text(s, 2, user);
	store_bind_text(s, 3, jx_text(perms));
	sqlite3_bind_int64(s, 4, perm_list_mask(&m->perms));
	store_bind_text(s, 5, grants ? jx_text(grants) : NULL);
	store_bind_text(s, 6, vetos ? jx_text(vetos) : NULL);
	int rc = step_done(s);
	json_object_put(perms);
	json_object_put(grants);
	json_object_put(vetos);
	return rc < 0 ? db_fail(c, "member update") : MAX_OK;
}

/* ---- conversation rows ------------------------------------------------ */

int conv_load(struct max_ctx *c, const char *cid, struct conv *out)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *s = store_stmt(
		c->db, "SELECT owner, tag_group, tag_single, tag_archive,"
		       " (SELECT count(*) FROM conversation_participants p WHERE p.conversation_id = ?1)"
		       " FROM conversations WHERE id = ?1");
	if (!s)
		return -1;
	store_bind_text(s, 1, cid);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		snprintf(out->id, sizeof out->id, "%s", cid);
		snprintf(out->owner, sizeof out->owner, "%s", col(s, 0));
		out->group = sqlite3_column_int(s, 1);
		out->single = sqlite3_column_int(s, 2);
		out->archive = sqlite3_column_int(s, 3);
		out->nparticipants = sqlite3_column_int(s, 4);
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static enum max_err conv_save_tags(struct max_ctx *c, const struct conv *cv)
{
	sqlite3_stmt *s = store_stmt(c->db, "UPDATE conversations SET tag_group = ?2,"
					    " tag_single = ?3, tag_archive = ?4 WHERE id = ?1");
	if (!s)
		return db_fail(c, "conversation update");
	store_bind_text(s, 1, cv->id);
	sqlite3_bind_int(s, 2, cv->group);
	sqlite3_bind_int(s, 3, cv->single);
	sqlite3_bind_int(s, 4, cv->archive);
	return step_done(s) < 0 ? db_fail(c, "conversation update") : MAX_OK;
}

long conv_member_mask(struct max_ctx *c, const char *cid, const char *user)
{
	sqlite3_stmt *s = store_stmt(c->db, "SELECT perm_mask FROM conversation_members"
					    " WHERE conversation_id = ?1 AND username = ?2");
	if (!s || !user || !*user)
		return -1;
	store_bind_text(s, 1, cid);
	store_bind_text(s, 2, user);
	long m = sqlite3_step(s) == SQLITE_ROW ? (long)sqlite3_column_int64(s, 0) : -1;
	sqlite3_reset(s);
	return m;
}

int conv_is_participant(struct max_ctx *c, const char *cid, const char *user)
{
	sqlite3_stmt *s = store_stmt(c->db, "SELECT 1 FROM conversation_participants"
					    " WHERE conversation_id = ?1 AND username = ?2");
	if (!s)
		return 0;
	store_bind_text(s, 1, cid);
	store_bind_text(s, 2, user);
	int found = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_reset(s);
	return found;
}

/* The participants array, in order. */
static json_object *participants_json(struct max_ctx *c, const char *cid)
{
	json_object *a = json_object_new_array();
	sqlite3_stmt *s = store_stmt(c->db, "SELECT username, display_name FROM"
					    " conversation_participants WHERE conversation_id = ?1"
					    " ORDER BY position");
	if (!s)
		return a;
	store_bind_text(s, 1, cid);
	while (sqlite3_step(s) == SQLITE_ROW) {
		json_object *p = json_object_new_object();
		jx_set_str(p, "username", col(s, 0));
		jx_set_str(p, "displayName", col(s, 1));
		jx_set_str(p, "objectType", "person");
		json_object_array_add(a, p);
	}
	sqlite3_reset(s);
	return a;
}

static json_object *tags_json(int group, int single, int archive)
{
	json_object *t = json_object_new_array();
	if (group)
		json_object_array_add(t, json_object_new_string("group"));
	if (single)
		json_object_array_add(t, json_object_new_string("single"));
	if (archive)
		json_object_array_add(t, json_object_new_string("archive"));
	return t;
}

/* §8.4: for a conversation that is not a group, the other participant's
 * displayName (the first one that is not viewer); else the stored name. */
static const char *real_name(json_object *participants, int group, const char *viewer,
			     const char *stored)
{
	if (group)
		return stored;
	size_t n = json_object_array_length(participants);
	for (size_t i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(participants, i);
		if (!viewer || strcmp(jx_str(p, "username"), viewer))
			return jx_str(p, "displayName");
	}
	return stored;
}

/* The permissions dict of a conversation as JSON. Nearly every one holds
 * the creation policy: that text is parsed once per process and shared
 * (json-c objects are reference counted). */
static json_object *policy_json(const char *text)
{
	static json_object *standard;
	if (text && !strcmp(text, POLICY)) {
		if (!standard)
			standard = json_tokener_parse(POLICY);
		return json_object_get(standard);
	}
	json_object *p = parse_text(text);
	return p ? p : json_object_new_object();
}

json_object *conv_render(struct max_ctx *c, const char *cid, const char *viewer, unsigned flags)
{
	sqlite3_stmt *s = store_stmt(
		c->db, "SELECT display_name, permissions_json, creator, owner, published,"
		       " tag_group, tag_single, tag_archive, last_message_id"
		       " FROM conversations WHERE id = ?1");
	if (!s)
		return NULL;
	store_bind_text(s, 1, cid);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		return NULL;
	}
	int group = sqlite3_column_int(s, 5);
	json_object *o = json_object_new_object();
	json_object *parts = participants_json(c, cid);
	jx_set_str(o, "id", cid);
	jx_set_str(o, "objectType", "conversation");
	jx_set_str(o, "displayName", (flags & CONV_REAL_NAME)
					     ? real_name(parts, group, viewer, col(s, 0))
					     : col(s, 0));
	jx_set(o, "participants", parts);
	jx_set(o, "tags", tags_json(group, sqlite3_column_int(s, 6), sqlite3_column_int(s, 7)));
	jx_set(o, "permissions", policy_json(col(s, 1)));
	jx_set_str(o, "published", col(s, 4));
	jx_set_str(o, "creator", col(s, 2));
	jx_set_str(o, "owner", col(s, 3));
	char last[MAX_ID_LEN + 1] = "";
	if (col(s, 8))
		snprintf(last, sizeof last, "%s", col(s, 8));
	sqlite3_reset(s);
	if (flags & CONV_LAST) {
		json_object *lm = *last ? message_last(c, last, 0) : NULL;
		if (lm) /* §4.1 Clean: no message, no lastMessage */
			jx_set(o, "lastMessage", lm);
		jx_set_int(o, "messages", 0);
	}
	return o;
}

/* ---- traversal ---------------------------------------------------------- */

enum max_err traverse_conversation(struct max_ctx *c, const char *id)
{
	/* #82 answers [] for an unknown conversation (the original's route
	 * hung from the tokens collection, not from the conversation) */
	if (!strcmp(c->route->name, "conversation_push_tokens"))
		return MAX_OK;
	if (!id_valid(id))
		return traverse_bad_id(c, id);
	struct conv cv;
	int found = conv_load(c, id, &cv);
	if (found < 0)
		return max_fail(c, MAX_ESERVER, "conversation lookup failed");
	return found ? MAX_OK : traverse_not_found(c, "_id", id, "conversations");
}

/* The {id} of /people/{username}/conversations/{id}…, which the
 * people-rooted traversal does not look up. */
static enum max_err lookup_param(struct max_ctx *c, const char *cid, struct conv *cv)
{
	if (!id_valid(cid))
		return traverse_bad_id(c, cid);
	int found = conv_load(c, cid, cv);
	if (found < 0)
		return max_fail(c, MAX_ESERVER, "conversation lookup failed");
	return found ? MAX_OK : traverse_not_found(c, "_id", cid, "conversations");
}

/* ---- subscriptions and notifications ---------------------------------- */

enum max_err conv_bindings(struct max_ctx *c, const char *cid, const char *user, int bind)
{
	char key[MAX_ID_LEN + 3], pub[MAX_USERNAME_MAX + 10], sub[MAX_USERNAME_MAX + 12];
	snprintf(key, sizeof key, "%s.*", cid);
	snprintf(pub, sizeof pub, "%s.publish", user);
	snprintf(sub, sizeof sub, "%s.subscribe", user);
	int (*op)(struct store *, const char *, const char *, const char *) =
		bind ? outbox_bind : outbox_unbind;
	/* MESSAGING.md §2.3: U.publish → conversations, conversations → U.subscribe */
	if (op(c->db, pub, "conversations", key) < 0 || op(c->db, "conversations", sub, key) < 0)
		return max_fail(c, MAX_ESERVER, "outbox insert failed");
	return MAX_OK;
}

static json_object *conv_policy(struct max_ctx *c, const char *cid)
{
	sqlite3_stmt *s = store_stmt(c->db, "SELECT permissions_json FROM conversations WHERE id = ?1");
	json_object *p = NULL;
	if (s) {
		store_bind_text(s, 1, cid);
		if (sqlite3_step(s) == SQLITE_ROW)
			p = parse_text(col(s, 0));
		sqlite3_reset(s);
	}
	return p;
}

enum max_err conv_subscribe(struct max_ctx *c, const char *cid, const char *user)
{
	json_object *policy = conv_policy(c, cid);
	struct perm_list l;
	member_list(policy, &l);
	json_object_put(policy);
	json_object *list = perm_list_json(&l);
	char now[21];
	time_now_iso(now);
	sqlite3_stmt *s = store_stmt(
		c->db, "INSERT INTO conversation_members (conversation_id, username, permissions_json,"
		       " perm_mask, subscribed_at, last_published)"
		       " SELECT ?1, ?2, ?3, ?4, ?5, coalesce(last_message_published, '')"
		       " FROM conversations WHERE id = ?1"
		       " ON CONFLICT (conversation_id, username) DO NOTHING");
	if (!s) {
		json_object_put(list);
		return db_fail(c, "member insert");
	}
	store_bind_text(s, 1, cid);
	store_bind_text(s, 2, user);
	store_bind_text(s, 3, jx_text(list));
	sqlite3_bind_int64(s, 4, perm_list_mask(&l));
	store_bind_text(s, 5, now);
	int rc = step_done(s);
	json_object_put(list);
	if (rc < 0)
		return db_fail(c, "member insert");
	return store_changes(c->db) ? conv_bindings(c, cid, user, 1) : MAX_OK;
}

enum max_err conv_subscribe_activity(struct max_ctx *c, const char *cid, const char *user,
				     char id[MAX_ID_LEN + 1])
{
	json_object *obj = json_object_new_object();
	jx_set_str(obj, "objectType", "conversation");
	jx_set_str(obj, "id", cid);
	jx_set(obj, "participants", participants_json(c, cid));
	json_object *actor = activity_person_actor(c, user);
	struct activity_new a = {
		.verb = "subscribe",
		.actor = user,
		.actor_json = actor,
		.object_json = obj,
		.conversation_id = cid,
	};
	enum max_err e = activity_insert(c, &a, id);
	json_object_put(obj);
	json_object_put(actor);
	return e;
}

static void display_of(struct max_ctx *c, const char *user, char *out, size_t len)
{
	if (!people_display_name(c->db, user, out, len) || !*out)
		snprintf(out, len, "%s", user);
}

/* Binds or unbinds every user of the list for cid. */
static enum max_err bind_users(struct max_ctx *c, const char *cid, json_object *users, int bind)
{
	enum max_err e = users ? MAX_OK : db_fail(c, "users");
	for (size_t i = 0; !e && i < json_object_array_length(users); i++)
		e = conv_bindings(c, cid, str_at(users, i), bind);
	json_object_put(users);
	return e;
}

static const char *const PARTICIPANTS_SQL = "SELECT username FROM conversation_participants"
					    " WHERE conversation_id = ?1 ORDER BY position";
static const char *const MEMBERS_SQL = "SELECT username FROM conversation_members"
				       " WHERE conversation_id = ?1 ORDER BY username";

enum max_err conv_bind_all(struct max_ctx *c, const char *cid)
{
	return bind_users(c, cid, strings_for(c, PARTICIPANTS_SQL, cid), 1);
}

enum max_err conv_notify_added(struct max_ctx *c, const struct conv *cv)
{
	char name[CONV_NAME_MAX + 1] = "", creator[300], key[MAX_ID_LEN + 16];
	snprintf(key, sizeof key, "%s.notifications", cv->id);
	json_object *data = json_object_new_object();
	if (!(cv->group && !cv->single && !cv->archive)) /* tags exactly ["group"] */
		return carrot_publish(c, "conversations", key, "add", "conversation", NULL, NULL,
				      data);
	sqlite3_stmt *q = store_stmt(c->db, "SELECT display_name, last_message_id FROM conversations"
					    " WHERE id = ?1");
	char last[MAX_ID_LEN + 1] = "";
	if (q) {
		store_bind_text(q, 1, cv->id);
		if (sqlite3_step(q) == SQLITE_ROW) {
			snprintf(name, sizeof name, "%s", col(q, 0));
			if (col(q, 1))
				snprintf(last, sizeof last, "%s", col(q, 1));
		}
		sqlite3_reset(q);
	}
	json_object *lm = *last ? message_last(c, last, 0) : NULL;
	const char *type = lm ? jx_str(lm, "objectType") : NULL;
	if (type && !strcmp(type, "image"))
		jx_set_str(data, "text", "Add image");
	else if (type && !strcmp(type, "file"))
		jx_set_str(data, "text", "Add file");
	else if (type)
		jx_set_str(data, "text", jx_str(lm, "content"));
	json_object_put(lm);
	if (type) {
		display_of(c, c->actor, creator, sizeof creator);
		jx_set_str(data, "conversation_id", cv->id);
		jx_set_str(data, "creator", creator);
	}
	return carrot_publish(c, "conversations", key, "add", "conversation", name, name, data);
}

enum max_err conv_rejoin_single(struct max_ctx *c, struct conv *cv)
{
	if (!cv->single)
		return MAX_OK;
	sqlite3_stmt *s = store_stmt(
		c->db, "SELECT p.username, (SELECT count(*) FROM people WHERE username = p.username)"
		       " FROM conversation_participants p WHERE p.conversation_id = ?1"
		       " AND NOT EXISTS (SELECT 1 FROM conversation_members m"
		       "  WHERE m.conversation_id = p.conversation_id AND m.username = p.username)"
		       " ORDER BY p.position");
	if (!s)
		return db_fail(c, "participants");
	store_bind_text(s, 1, cv->id);
	json_object *missing = json_object_new_array();
	char gone[MAX_USERNAME_MAX + 1] = "";
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (!sqlite3_column_int(s, 1) && !*gone)
			snprintf(gone, sizeof gone, "%s", col(s, 0));
		json_object_array_add(missing, json_object_new_string(col(s, 0)));
	}
	sqlite3_reset(s);
	enum max_err e = MAX_OK;
	if (*gone)
		e = traverse_not_found(c, "username", gone, "users");
	for (size_t i = 0; !e && i < json_object_array_length(missing); i++)
		e = conv_subscribe(c, cv->id, str_at(missing, i));
	json_object_put(missing);
	if (e)
		return e;
	cv->single = 0;
	return conv_save_tags(c, cv);
}

enum max_err conv_touch_last(struct max_ctx *c, const char *cid, const char *mid,
			     const char *published)
{
	sqlite3_stmt *s = store_stmt(c->db, "UPDATE conversations SET last_message_id = ?2,"
					    " last_message_published = ?3 WHERE id = ?1");
	if (!s)
		return db_fail(c, "conversation update");
	store_bind_text(s, 1, cid);
	store_bind_text(s, 2, mid);
	store_bind_text(s, 3, published);
	if (step_done(s) < 0)
		return db_fail(c, "conversation update");
	s = store_stmt(c->db, "UPDATE conversation_members SET last_published = ?2"
			      " WHERE conversation_id = ?1");
	if (!s)
		return db_fail(c, "member update");
	store_bind_text(s, 1, cid);
	store_bind_text(s, 2, published);
	return step_done(s) < 0 ? db_fail(c, "member update") : MAX_OK;
}

/* ---- #58 POST /conversations ------------------------------------------ */

struct new_conv {
	char users[CONV_PARTICIPANTS_MAX][MAX_USERNAME_MAX + 1];
	int n;
	const char *display_name; /* NULL: usernames joined */
};

/* §5.8 #58 validation of contexts[0], in the spec's order. */
static enum max_err parse_participants(struct max_ctx *c, struct new_conv *nc)
{
	json_object *ctxs = NULL, *first = NULL, *parts = NULL;
	if (jx_array(c->body, "contexts", &ctxs) != 1 || !json_object_array_length(ctxs))
		return max_fail(c, MAX_EVALIDATION, "Empty contexts parameter");
	first = json_object_array_get_idx(ctxs, 0);
	if (!json_object_is_type(first, json_type_object) ||
	    jx_array(first, "participants", &parts) != 1 || !json_object_array_length(parts))
		return max_fail(c, MAX_EVALIDATION, "Empty participants parameter");
	size_t n = json_object_array_length(parts);
	if (n > CONV_PARTICIPANTS_MAX)
		return max_fail(c, MAX_EFORBIDDEN,
				"This conversation is full, no more of %d participants allowed",
				CONV_PARTICIPANTS_MAX);
	nc->n = 0;
	for (size_t i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(parts, i);
		const char *u = json_object_is_type(p, json_type_string) ? json_object_get_string(p)
									 : NULL;
		if (!u || !*u || strlen(u) > MAX_USERNAME_MAX)
			return max_fail(c, MAX_EVALIDATION,
					"Validation error on field \"participants\": must be a list "
					"of usernames");
		snprintf(nc->users[nc->n], sizeof nc->users[0], "%s", u);
		str_lower(nc->users[nc->n]); /* §8.1 Clean */
		for (int j = 0; j < nc->n; j++)
			if (!strcmp(nc->users[j], nc->users[nc->n]))
				return max_fail(c, MAX_EVALIDATION,
						"One or more users duplicated in participants list");
		nc->n++;
	}
	if (nc->n == 1 && !strcmp(nc->users[0], c->actor))
		return max_fail(c, MAX_EVALIDATION, "Cannot start a conversation with oneself");
	int listed = 0;
	for (int i = 0; i < nc->n; i++)
		listed |= !strcmp(nc->users[i], c->actor);
	if (!listed && !auth_is_manager(c))
		return max_fail(c, MAX_EVALIDATION, "Actor must be part of the participants list.");
	const char *dn = NULL;
	int rc = jx_string(first, "displayName", &dn);
	if (rc < 0 || (dn && strlen(dn) > CONV_NAME_MAX))
		return max_fail(c, MAX_EVALIDATION,
				"Validation error on field \"displayName\": must be a string of at "
				"most %d bytes",
				CONV_NAME_MAX);
	nc->display_name = dn && *dn ? dn : NULL;
	/* every participant must exist (404) before visibility is looked at */
	for (int i = 0; i < nc->n; i++) {
		int found = people_exists(c->db, nc->users[i]);
		if (found < 0)
			return max_fail(c, MAX_ESERVER, "person lookup failed");
		if (!found)
			return traverse_not_found(c, "username", nc->users[i], "users");
	}
	for (int i = 0; i < nc->n; i++) {
		if (strcmp(nc->users[i], c->actor) && !people_can_see(c, c->actor, nc->users[i]))
			return max_fail(c, MAX_EFORBIDDEN,
					"User %s is not allowed to have a conversation with %s",
					c->actor, nc->users[i]);
	}
	return MAX_OK;
}

static void pair_key(const struct new_conv *nc, char *out, size_t len)
{
	int lo = strcmp(nc->users[0], nc->users[1]) < 0 ? 0 : 1;
	snprintf(out, len, "%s %s", nc->users[lo], nc->users[1 - lo]);
}

/* §8.1: the existing 1:1 conversation of the pair, "" when none. */
static enum max_err find_pair(struct max_ctx *c, const struct new_conv *nc,
			      char cid[MAX_ID_LEN + 1])
{
	char key[2 * MAX_USERNAME_MAX + 2];
	pair_key(nc, key, sizeof key);
	*cid = 0;
	sqlite3_stmt *s = store_stmt(c->db, "SELECT id FROM conversations WHERE pair_key = ?1"
					    " AND tag_group = 0 ORDER BY id LIMIT 1");
	if (!s)
		return db_fail(c, "conversation lookup");
	store_bind_text(s, 1, key);
	if (sqlite3_step(s) == SQLITE_ROW)
		snprintf(cid, MAX_ID_LEN + 1, "%s", col(s, 0));
	sqlite3_reset(s);
	return MAX_OK;
}

static enum max_err add_participant(struct max_ctx *c, const char *cid, const char *user)
{
	char dn[300];
	display_of(c, user, dn, sizeof dn);
	sqlite3_stmt *s = store_stmt(
		c->db, "INSERT INTO conversation_participants (conversation_id, username,"
		       " display_name, position) SELECT ?1, ?2, ?3, coalesce(max(position), 0) + 1"
		       " FROM conversation_participants WHERE conversation_id = ?1");
	if (!s)
		return db_fail(c, "participant insert");
	store_bind_text(s, 1, cid);
	store_bind_text(s, 2, user);
	store_bind_text(s, 3, dn);
	return step_done(s) < 0 ? db_fail(c, "participant insert") : MAX_OK;
}

static enum max_err create_conv(struct max_ctx *c, const struct new_conv *nc,
				char cid[MAX_ID_LEN + 1])
{
	struct buf name;
	buf_init(&name);
	if (nc->display_name)
		buf_adds(&name, nc->display_name);
	for (int i = 0; !nc->display_name && i < nc->n; i++)
		buf_printf(&name, "%s%s", i ? ", " : "", nc->users[i]);
	char now[21], key[2 * MAX_USERNAME_MAX + 2] = "";
	id_new(cid);
	time_now_iso(now);
	if (nc->n == 2)
		pair_key(nc, key, sizeof key);
	sqlite3_stmt *s = store_stmt(
		c->db, "INSERT INTO conversations (id, display_name, permissions_json, creator, owner,"
		       " published, tag_group, pair_key) VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7)");
	if (!s) {
		buf_free(&name);
		return db_fail(c, "conversation insert");
	}
	store_bind_text(s, 1, cid);
	store_bind_text(s, 2, name.data ? name.data : "");
	store_bind_text(s, 3, POLICY);
	store_bind_text(s, 4, c->actor);
	store_bind_text(s, 5, now);
	sqlite3_bind_int(s, 6, nc->n > 2);
	store_bind_text(s, 7, *key ? key : NULL);
	int rc = step_done(s);
	buf_free(&name);
	if (rc < 0)
		return db_fail(c, "conversation insert");
	enum max_err e;
	for (int i = 0; i < nc->n; i++)
		if ((e = add_participant(c, cid, nc->users[i])))
			return e;
	for (int i = 0; i < nc->n; i++) {
		char aid[MAX_ID_LEN + 1];
		if ((e = conv_subscribe(c, cid, nc->users[i])) ||
		    (e = conv_subscribe_activity(c, cid, nc->users[i], aid)))
			return e;
	}
	if (nc->n > 2) {
		/* §8.1: the group's creator may invite and kick but not leave
		 * (non-permanent changes, lost on a policy recomputation) */
		struct perm_state m;
		int found = member_get(c, cid, c->actor, &m);
		if (found < 0)
			return db_fail(c, "member lookup");
		if (found) {
			perm_grant(&m, PERM_INVITE, 0);
			perm_grant(&m, PERM_KICK, 0);
			perm_revoke(&m, PERM_UNSUBSCRIBE, 0);
			if ((e = member_put(c, cid, c->actor, &m)))
				return e;
		}
	}
	return MAX_OK;
}

/* Clean §1.4: content is created as the actor only by Managers. */
static enum max_err require_self_or_manager(struct max_ctx *c)
{
	return auth_is_manager(c) || auth_is_self(c) ? MAX_OK : perm_deny(c);
}

enum max_err conversations_create(struct max_ctx *c, struct max_resp *r)
{
	enum max_err e = require_self_or_manager(c);
	if (e)
		return e;
	struct new_conv *nc = xcalloc(1, sizeof *nc);
	json_object *object = NULL, *msg = NULL;
	char cid[MAX_ID_LEN + 1], mid[MAX_ID_LEN + 1];
	if ((e = parse_participants(c, nc)) || (e = message_object(c, c->body, c->actor, &object)))
		goto out;
	if (nc->n == 2 && (e = find_pair(c, nc, cid)))
		goto out;
	struct conv cv;
	if (nc->n == 2 && *cid) {
		if (conv_load(c, cid, &cv) != 1) {
			e = db_fail(c, "conversation lookup");
			goto out;
		}
		/* MESSAGING.md §2.4: the pair is re-bound (idempotent) */
		if ((e = conv_rejoin_single(c, &cv)) || (e = conv_bind_all(c, cid)))
			goto out;
	} else if ((e = create_conv(c, nc, cid)) || conv_load(c, cid, &cv) != 1) {
		e = e ? e : db_fail(c, "conversation lookup");
		goto out;
	}
	const char *gen = jx_str(c->body, "generator");
	e = message_store(c, cid, c->actor, object, gen, mid);
	object = NULL;
	if (e || (e = conv_notify_added(c, &cv)))
		goto out;
	msg = message_render(c, mid, 0);
	json_object *conv = conv_render(c, cid, c->actor, CONV_REAL_NAME);
	json_object *ctxs = NULL;
	if (!msg || !conv || jx_array(msg, "contexts", &ctxs) != 1) {
		json_object_put(conv);
		e = max_fail(c, MAX_ESERVER, "message vanished");
		goto out;
	}
	json_object *ctx0 = json_object_array_get_idx(ctxs, 0);
	jx_set_str(ctx0, "displayName", jx_str(conv, "displayName"));
	json_object *tags = NULL;
	jx_array(conv, "tags", &tags);
	jx_set(ctx0, "tags", json_object_get(tags));
	json_object_put(conv);
	resp_json(r, 201, msg);
	msg = NULL;
out:
	json_object_put(object);
	json_object_put(msg);
	free(nc);
	return e;
}

/* ---- reading ------------------------------------------------------------ */

/* Paging of #57 (Clean extension, §1.11): limit (default: all, uncapped),
 * before=<cid> resumes after that conversation. */
static const char *const LIST_SQL =
	"SELECT m.conversation_id FROM conversation_members m"
	" WHERE m.username = ?1 AND (?2 IS NULL OR (m.last_published, m.conversation_id) < (?2, ?3))"
	" ORDER BY m.last_published DESC, m.conversation_id DESC LIMIT ?4";

enum max_err conversations_list(struct max_ctx *c, struct max_resp *r)
{
	long limit = -1; /* §5.8: no pagination unless asked for */
	enum max_err e;
	if (qs_get(c, "limit") && (e = http_limit(c, 10, &limit)))
		return e;
	const char *before = qs_get(c, "before");
	char key[40] = "";
	if (before) {
		if (!id_valid(before))
			return max_fail(c, MAX_ESEARCH, "before must be a valid ObjectId BSON identifier");
		sqlite3_stmt *k = store_stmt(c->db, "SELECT last_published FROM conversation_members"
						    " WHERE conversation_id = ?1 AND username = ?2");
		if (!k)
			return db_fail(c, "conversation list");
		store_bind_text(k, 1, before);
		store_bind_text(k, 2, c->actor);
		if (sqlite3_step(k) == SQLITE_ROW)
			snprintf(key, sizeof key, "%s", col(k, 0));
		else
			before = NULL;
		sqlite3_reset(k);
		if (!before)
			return traverse_not_found(c, "_id", qs_get(c, "before"), "conversations");
	}
	sqlite3_stmt *s = store_prepare_(c->db, LIST_SQL);
	if (!s)
		return db_fail(c, "conversation list");
	store_bind_text(s, 1, c->actor);
	store_bind_text(s, 2, before ? key : NULL);
	store_bind_text(s, 3, before);
	sqlite3_bind_int64(s, 4, limit < 0 ? -1 : limit + 1); /* SQLite: -1 = no limit */
	json_object *ids = strings_of(s);
	size_t n = json_object_array_length(ids);
	if (limit < 0)
		limit = (long)n;
	json_object *out = json_object_new_array();
	for (size_t i = 0; i < n && i < (size_t)limit; i++) {
		json_object *cv = conv_render(c, str_at(ids, i), c->actor, CONV_REAL_NAME | CONV_LAST);
		if (cv)
			json_object_array_add(out, cv);
	}
	json_object_put(ids);
	if (n > (size_t)limit)
		resp_header(r, "X-Has-Remaining-Items", "1");
	return resp_json(r, 200, out);
}

/* #61 (and the rule for its media, §8.2): Manager, owner, or a member of
 * the authenticated user's with read. */
int conv_head_passes(const struct max_ctx *c)
{
	return c->is_head && !(c->route->flags & RT_PERM_ON_HEAD);
}

static int can_view(struct max_ctx *c, const struct conv *cv)
{
	if (conv_head_passes(c) || auth_is_manager(c) || !strcmp(cv->owner, c->auth_user))
		return 1;
	long m = conv_member_mask(c, cv->id, c->auth_user);
	return m >= 0 && (m & PERM_BIT(PERM_READ));
}

static enum max_err load_url_conv(struct max_ctx *c, struct conv *cv)
{
	int found = conv_load(c, c->params[0], cv);
	if (found < 0)
		return max_fail(c, MAX_ESERVER, "conversation lookup failed");
	return found ? MAX_OK : traverse_not_found(c, "_id", c->params[0], "conversations");
}

enum max_err conversation_get(struct max_ctx *c, struct max_resp *r)
{
	struct conv cv;
	enum max_err e = load_url_conv(c, &cv);
	if (e)
		return e;
	if (!can_view(c, &cv))
		return perm_deny(c);
	json_object *o = conv_render(c, cv.id, c->actor, CONV_REAL_NAME | CONV_LAST);
	return o ? resp_json(r, 200, o) : max_fail(c, MAX_ESERVER, "conversation vanished");
}

/* #65 GET /people/{username}/conversations/{id} */
enum max_err conversation_user_get(struct max_ctx *c, struct max_resp *r)
{
	struct conv cv;
	enum max_err e = lookup_param(c, c->params[1], &cv);
	if (e)
		return e;
	const char *u = c->params[0];
	struct perm_state m;
	int found = member_get(c, cv.id, u, &m);
	if (found < 0)
		return db_fail(c, "member lookup");
	int allowed = conv_head_passes(c) || auth_is_manager(c) ||
		      !strcmp(cv.owner, c->auth_user) || (found && auth_is_self(c));
	if (!allowed)
		return perm_deny(c);
	if (!found) /* ⚠ 500 in the original; Clean: 404 */
		return max_fail(c, MAX_ENOTFOUND, "%s is not susbcribed to %s", u, cv.id);
	json_object *o = conv_render(c, cv.id, u, CONV_REAL_NAME | CONV_LAST);
	if (!o)
		return max_fail(c, MAX_ESERVER, "conversation vanished");
	jx_set(o, "permissions", perm_list_json(&m.perms));
	return resp_json(r, 200, o);
}

/* ---- changing --------------------------------------------------------- */

static int is_owner_or_manager(struct max_ctx *c, const struct conv *cv)
{
	return auth_is_manager(c) || !strcmp(cv->owner, c->auth_user);
}

/* #62 PUT /conversations/{id}: displayName only (Clean) */
enum max_err conversation_update(struct max_ctx *c, struct max_resp *r)
{
	struct conv cv;
	enum max_err e = load_url_conv(c, &cv);
	if (e)
		return e;
	if (!is_owner_or_manager(c, &cv))
		return perm_deny(c);
	if (c->body && !json_object_is_type(c->body, json_type_object))
		return max_fail(c, MAX_EVALIDATION, "Unexpected data type in request");
	const char *dn = NULL;
	int rc = jx_string(c->body, "displayName", &dn);
	if (rc < 0 || (rc == 1 && (!*dn || strlen(dn) > CONV_NAME_MAX)))
		return max_fail(c, MAX_EVALIDATION,
				"Validation error on field \"displayName\": must be a non-empty "
				"string of at most %d bytes",
				CONV_NAME_MAX);
	if (rc == 1) {
		sqlite3_stmt *s = store_stmt(c->db, "UPDATE conversations SET display_name = ?2"
						    " WHERE id = ?1");
		if (!s)
			return db_fail(c, "conversation update");
		store_bind_text(s, 1, cv.id);
		store_bind_text(s, 2, dn);
		if (step_done(s) < 0)
			return db_fail(c, "conversation update");
	}
	json_object *o = conv_render(c, cv.id, c->actor, 0);
	return o ? resp_json(r, 200, o) : max_fail(c, MAX_ESERVER, "conversation vanished");
}

/* Unbinds every member and deletes the conversation; its messages,
 * participants and members go with it (ON DELETE CASCADE). */
static enum max_err delete_conv(struct max_ctx *c, const char *cid)
{
	enum max_err e = bind_users(c, cid, strings_for(c, MEMBERS_SQL, cid), 0);
	if (e)
		return e;
	sqlite3_stmt *s = store_stmt(c->db, "DELETE FROM conversations WHERE id = ?1");
	if (!s)
		return db_fail(c, "conversation delete");
	store_bind_text(s, 1, cid);
	return step_done(s) < 0 ? db_fail(c, "conversation delete") : MAX_OK;
}

/* #63 DELETE /conversations/{id} */
enum max_err conversation_delete(struct max_ctx *c, struct max_resp *r)
{
	struct conv cv;
	enum max_err e = load_url_conv(c, &cv);
	if (e)
		return e;
	if (!is_owner_or_manager(c, &cv))
		return perm_deny(c);
	if ((e = delete_conv(c, cv.id)))
		return e;
	r->status = 204;
	return MAX_OK;
}

/* #59 DELETE /conversations: Manager only (route table) */
enum max_err conversations_purge(struct max_ctx *c, struct max_resp *r)
{
	sqlite3_stmt *s = store_stmt(c->db, "SELECT id FROM conversations ORDER BY id");
	if (!s)
		return db_fail(c, "conversations");
	json_object *ids = strings_of(s);
	enum max_err e = MAX_OK;
	for (size_t i = 0; !e && i < json_object_array_length(ids); i++)
		e = delete_conv(c, str_at(ids, i));
	json_object_put(ids);
	if (e)
		return e;
	r->status = 204;
	return MAX_OK;
}

/* #64 PUT /conversations/{id}/owner: body actor = the new owner */
enum max_err conversation_transfer(struct max_ctx *c, struct max_resp *r)
{
	struct conv cv;
	enum max_err e = load_url_conv(c, &cv);
	if (e)
		return e;
	struct perm_state to, from;
	int found = member_get(c, cv.id, c->actor, &to);
	if (found < 0)
		return db_fail(c, "member lookup");
	if (!found || !is_owner_or_manager(c, &cv))
		return perm_deny(c);
	if (strcmp(cv.owner, c->actor)) {
		/* #64: the new owner may invite and kick and may not leave; the
		 * previous one the other way round (permanent) */
		perm_grant(&to, PERM_INVITE, 1);
		perm_grant(&to, PERM_KICK, 1);
		perm_revoke(&to, PERM_UNSUBSCRIBE, 1);
		if ((e = member_put(c, cv.id, c->actor, &to)))
			return e;
		found = member_get(c, cv.id, cv.owner, &from);
		if (found < 0)
			return db_fail(c, "member lookup");
		if (found) {
			perm_revoke(&from, PERM_INVITE, 1);
			perm_revoke(&from, PERM_KICK, 1);
			perm_grant(&from, PERM_UNSUBSCRIBE, 1);
			if ((e = member_put(c, cv.id, cv.owner, &from)))
				return e;
		}
		sqlite3_stmt *s = store_stmt(c->db, "UPDATE conversations SET owner = ?2 WHERE id = ?1");
		if (!s)
			return db_fail(c, "conversation update");
		store_bind_text(s, 1, cv.id);
		store_bind_text(s, 2, c->actor);
		if (step_done(s) < 0)
			return db_fail(c, "conversation update");
	}
	json_object *o = conv_render(c, cv.id, c->actor, 0);
	return o ? resp_json(r, 200, o) : max_fail(c, MAX_ESERVER, "conversation vanished");
}

/* ---- participants ------------------------------------------------------- */

/* The user's latest subscribe activity for cid, "" when none. */
static void last_subscribe(struct max_ctx *c, const char *cid, const char *user,
			   char id[MAX_ID_LEN + 1])
{
	*id = 0;
	sqlite3_stmt *s = store_stmt(c->db, "SELECT id FROM activities WHERE conversation_id = ?1"
					    " AND actor = ?2 AND verb = 'subscribe'"
					    " ORDER BY id DESC LIMIT 1");
	if (!s)
		return;
	store_bind_text(s, 1, cid);
	store_bind_text(s, 2, user);
	if (sqlite3_step(s) == SQLITE_ROW)
		snprintf(id, MAX_ID_LEN + 1, "%s", col(s, 0));
	sqlite3_reset(s);
}

/* #66 POST /conversations/{id}/participants: body actor = the joiner */
enum max_err conversation_join(struct max_ctx *c, struct max_resp *r)
{
	struct conv cv;
	enum max_err e = load_url_conv(c, &cv);
	if (e)
		return e;
	long mine = conv_member_mask(c, cv.id, c->auth_user);
	if (!auth_is_manager(c) && !(mine >= 0 && (mine & PERM_BIT(PERM_INVITE))))
		return perm_deny(c);
	const char *u = c->actor;
	char aid[MAX_ID_LEN + 1];
	int status = 200;
	if (conv_member_mask(c, cv.id, u) >= 0) {
		last_subscribe(c, cv.id, u, aid);
		if (!*aid && (e = conv_subscribe_activity(c, cv.id, u, aid)))
			return e;
	} else {
		if (cv.nparticipants >= CONV_PARTICIPANTS_MAX)
			return max_fail(c, MAX_EFORBIDDEN,
					"This conversation is full, no more of %d participants allowed",
					CONV_PARTICIPANTS_MAX);
		if (!cv.group)
			return max_fail(c, MAX_EFORBIDDEN,
					"This is not a group conversation, so no one else is allowed");
		if (!people_can_see(c, c->auth_user, u))
			return max_fail(c, MAX_EFORBIDDEN,
					"User %s is not allowed to have a conversation with %s",
					c->auth_user, u);
		if (!conv_is_participant(c, cv.id, u) && (e = add_participant(c, cv.id, u)))
			return e;
		if ((e = conv_subscribe(c, cv.id, u)))
			return e;
		cv.archive = 0;
		if ((e = conv_save_tags(c, &cv)) || (e = conv_subscribe_activity(c, cv.id, u, aid)))
			return e;
		status = 201;
	}
	json_object *a = activity_render(c, aid, ACT_PRIVATE);
	return a ? resp_json(r, status, a) : max_fail(c, MAX_ESERVER, "activity vanished");
}

/* Removes user's subscription; returns 1 when there was one. */
static int unsubscribe(struct max_ctx *c, const char *cid, const char *user)
{
	sqlite3_stmt *s = store_stmt(c->db, "DELETE FROM conversation_members"
					    " WHERE conversation_id = ?1 AND username = ?2");
	if (!s)
		return -1;
	store_bind_text(s, 1, cid);
	store_bind_text(s, 2, user);
	if (step_done(s) < 0)
		return -1;
	return store_changes(c->db) > 0;
}

static enum max_err remove_participant(struct max_ctx *c, const char *cid, const char *user)
{
	sqlite3_stmt *s = store_stmt(c->db, "DELETE FROM conversation_participants"
					    " WHERE conversation_id = ?1 AND username = ?2");
	if (!s)
		return db_fail(c, "participant delete");
	store_bind_text(s, 1, cid);
	store_bind_text(s, 2, user);
	return step_done(s) < 0 ? db_fail(c, "participant delete") : MAX_OK;
}

/* What happens to a conversation when user's subscription is gone
 * (§5.8 #67, §8.3): a group drops him from participants and is archived
 * when one is left; a 1:1 keeps both and is tagged single. */
static enum max_err after_leave(struct max_ctx *c, struct conv *cv, const char *user)
{
	enum max_err e;
	if (cv->group && cv->nparticipants >= 2 && conv_is_participant(c, cv->id, user)) {
		if ((e = remove_participant(c, cv->id, user)))
			return e;
		cv->nparticipants--;
	}
	if (cv->nparticipants == 2 && !cv->group)
		cv->single = 1;
	if (cv->nparticipants == 1 && cv->group)
		cv->archive = 1;
	return conv_save_tags(c, cv);
}

/* #67 DELETE /conversations/{id}/participants/{username} */
enum max_err conversation_leave(struct max_ctx *c, struct max_resp *r)
{
	struct conv cv;
	enum max_err e = load_url_conv(c, &cv);
	if (e)
		return e;
	const char *u = c->actor; /* the URL user, lower-cased (§1.4) */
	if (!auth_is_manager(c)) {
		long mine = conv_member_mask(c, cv.id, c->auth_user);
		int self = auth_is_self(c) && !strcmp(u, c->auth_user);
		unsigned need = PERM_BIT(self ? PERM_UNSUBSCRIBE : PERM_KICK);
		if (mine < 0 || !(mine & need))
			return perm_deny(c);
	}
	int had = unsubscribe(c, cv.id, u);
	if (had < 0)
		return db_fail(c, "member delete");
	if (!had) /* ⚠ the original went on regardless; Clean: 404 */
		return max_fail(c, MAX_ENOTFOUND, "%s is not susbcribed to %s", u, cv.id);
	if ((e = conv_bindings(c, cv.id, u, 0)) || (e = after_leave(c, &cv, u)))
		return e;
	r->status = 204;
	return MAX_OK;
}

/* ---- person hooks ------------------------------------------------------- */

/* §4.1 talkingIn: the user's subscriptions, newest message first; enriched
 * (GET/POST /people) or as stored (PUT). */
json_object *hook_person_talking_in(struct max_ctx *c, const char *username, int enrich)
{
	json_object *a = json_object_new_array();
	sqlite3_stmt *s = store_stmt(
		c->db, "SELECT conversation_id, permissions_json, grants_json, vetos_json"
		       " FROM conversation_members WHERE username = ?1"
		       " ORDER BY last_published DESC, conversation_id DESC");
	if (!s)
		return a;
	store_bind_text(s, 1, username);
	while (sqlite3_step(s) == SQLITE_ROW) {
		json_object *o = json_object_new_object();
		jx_set_str(o, "id", col(s, 0));
		jx_set_str(o, "objectType", "conversation");
		jx_set(o, "permissions", parse_text(col(s, 1)));
		if (col(s, 2))
			jx_set(o, "grants", parse_text(col(s, 2)));
		if (col(s, 3))
			jx_set(o, "vetos", parse_text(col(s, 3)));
		json_object_array_add(a, o);
	}
	sqlite3_reset(s);
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *o = json_object_array_get_idx(a, i);
		/* the stored form (PUT) has the conversation's own name */
		json_object *cv =
			conv_render(c, jx_str(o, "id"), username, enrich ? CONV_REAL_NAME : 0);
		if (!cv)
			continue;
		json_object *v = NULL;
		jx_set_str(o, "displayName", jx_str(cv, "displayName"));
		if (jx_array(cv, "participants", &v) == 1)
			jx_set(o, "participants", json_object_get(v));
		if (jx_array(cv, "tags", &v) == 1)
			jx_set(o, "tags", json_object_get(v));
		if (!enrich) {
			json_object_put(cv);
			continue;
		}
		jx_set_int(o, "messages", 0);
		sqlite3_stmt *q = store_stmt(c->db, "SELECT last_message_id FROM conversations"
						    " WHERE id = ?1");
		char last[MAX_ID_LEN + 1] = "";
		if (q) {
			store_bind_text(q, 1, jx_str(o, "id"));
			if (sqlite3_step(q) == SQLITE_ROW && col(q, 0))
				snprintf(last, sizeof last, "%s", col(q, 0));
			sqlite3_reset(q);
		}
		json_object *lm = *last ? message_last(c, last, 1) : NULL;
		if (lm)
			jx_set(o, "lastMessage", lm);
		json_object_put(cv);
	}
	return a;
}

/* #4: participants[].displayName follows the person's. */
enum max_err hook_person_renamed(struct max_ctx *c, const char *username,
				 const char *display_name)
{
	const char *args[] = {display_name, username};
	if (store_exec(c->db, "UPDATE conversation_participants SET display_name = ?1"
			      " WHERE username = ?2",
		       2, args) < 0)
		return db_fail(c, "participants update");
	return MAX_OK;
}

/* #2: a re-created user turns his archived 1:1 conversations into single
 * ones (§8.3); a person created for the first time has none. */
enum max_err hook_person_created(struct max_ctx *c, const char *username, int recreated)
{
	const char *args[] = {username};
	if (store_exec(c->db,
		       "UPDATE conversations SET tag_archive = 0, tag_single = 1"
		       " WHERE tag_group = 0 AND tag_archive = 1 AND id IN"
		       " (SELECT conversation_id FROM conversation_participants WHERE username = ?1)"
		       " AND (SELECT count(*) FROM conversation_participants p"
		       "      WHERE p.conversation_id = conversations.id) = 2",
		       1, args) < 0)
		return db_fail(c, "conversations update");
	return MAX_OK;
}

enum max_err conversations_person_deleted(struct max_ctx *c, const char *username)
{
	json_object *ids = strings_for(c, "SELECT conversation_id FROM conversation_participants"
					  " WHERE username = ?1 ORDER BY conversation_id",
				       username);
	if (!ids)
		return db_fail(c, "participants");
	enum max_err e = MAX_OK;
	for (size_t i = 0; !e && i < json_object_array_length(ids); i++) {
		const char *cid = str_at(ids, i);
		struct conv cv;
		if (conv_load(c, cid, &cv) != 1) {
			e = db_fail(c, "conversation lookup");
			break;
		}
		int had = unsubscribe(c, cid, username);
		if (had < 0) {
			e = db_fail(c, "member delete");
			break;
		}
		if (had && (e = conv_bindings(c, cid, username, 0)))
			break;
		if ((e = after_leave(c, &cv, username)))
			break;
		if (cv.single) { /* §8.3: a deleted partner archives a 1:1 */
			cv.single = 0;
			cv.archive = 1;
			e = conv_save_tags(c, &cv);
		}
	}
	json_object_put(ids);
	return e;
}

/* ---- #94 POST /admin/maintenance/conversations --------------------------- */

/* §6.3 policy recomputation: policy list ∪ grants, minus vetos not granted. */
static enum max_err rebuild_permissions(struct max_ctx *c, const char *cid, json_object *policy)
{
	json_object *users = strings_for(c, MEMBERS_SQL, cid);
	if (!users)
		return db_fail(c, "members");
	enum max_err e = MAX_OK;
	for (size_t i = 0; !e && i < json_object_array_length(users); i++) {
		const char *u = str_at(users, i);
		struct perm_state m;
		if (member_get(c, cid, u, &m) != 1) {
			e = db_fail(c, "member lookup");
			break;
		}
		perm_recompute(&m, policy);
		e = member_put(c, cid, u, &m);
		if (!e)
			e = conv_bindings(c, cid, u, 1);
	}
	json_object_put(users);
	return e;
}

/* Tags from the participants and their subscriptions (§5.11 #94). */
static enum max_err rebuild_tags(struct max_ctx *c, const char *cid)
{
	struct conv cv;
	if (conv_load(c, cid, &cv) != 1)
		return db_fail(c, "conversation lookup");
	sqlite3_stmt *s = store_stmt(
		c->db, "SELECT count(*), coalesce(sum(EXISTS (SELECT 1 FROM conversation_members m"
		       "  WHERE m.conversation_id = p.conversation_id AND m.username = p.username)), 0),"
		       " coalesce(sum(NOT EXISTS (SELECT 1 FROM people u WHERE u.username = p.username)"
		       "  AND NOT EXISTS (SELECT 1 FROM conversation_members m"
		       "  WHERE m.conversation_id = p.conversation_id AND m.username = p.username)), 0)"
		       " FROM conversation_participants p WHERE p.conversation_id = ?1");
	if (!s)
		return db_fail(c, "participants");
	store_bind_text(s, 1, cid);
	int n = 0, subscribed = 0, deleted = 0;
	if (sqlite3_step(s) == SQLITE_ROW) {
		n = sqlite3_column_int(s, 0);
		subscribed = sqlite3_column_int(s, 1);
		deleted = sqlite3_column_int(s, 2);
	}
	sqlite3_reset(s);
	cv.single = cv.archive = 0;
	if (n > 2)
		cv.group = 1;
	else if (n == 2 && !cv.group && subscribed != n && deleted)
		cv.archive = 1;
	else if (n == 2 && !cv.group && subscribed != n)
		cv.single = 1;
	else if (cv.group && n == 1)
		cv.archive = 1;
	enum max_err e = conv_save_tags(c, &cv);
	if (e)
		return e;
	const char *args[] = {cid};
	if (store_exec(c->db,
		       "UPDATE conversations SET pair_key = CASE WHEN tag_group = 0 AND"
		       " (SELECT count(*) FROM conversation_participants WHERE conversation_id = ?1) = 2"
		       " THEN (SELECT group_concat(username, ' ') FROM (SELECT username FROM"
		       "  conversation_participants WHERE conversation_id = ?1 ORDER BY username))"
		       " END WHERE id = ?1",
		       1, args) < 0)
		return db_fail(c, "conversation update");
	return MAX_OK;
}

enum max_err conversations_rebuild(struct max_ctx *c)
{
	static const char *const fixes[] = {
		/* derived columns: newest message, members' copy of its date */
		"UPDATE conversations SET"
		" last_message_id = (SELECT id FROM messages m WHERE m.conversation_id = conversations.id"
		"  ORDER BY id DESC LIMIT 1),"
		" last_message_published = (SELECT published FROM messages m"
		"  WHERE m.conversation_id = conversations.id ORDER BY id DESC LIMIT 1)",
		"UPDATE conversation_members SET last_published = coalesce((SELECT"
		" last_message_published FROM conversations c WHERE c.id = conversation_id), '')",
		/* participants' names follow the people that still exist */
		"UPDATE conversation_participants SET display_name = (SELECT display_name FROM people"
		" WHERE people.username = conversation_participants.username)"
		" WHERE username IN (SELECT username FROM people)",
		"DELETE FROM conversation_members WHERE conversation_id NOT IN"
		" (SELECT id FROM conversations)",
	};
	for (size_t i = 0; i < sizeof fixes / sizeof fixes[0]; i++)
		if (store_exec_(c->db, fixes[i], 0, NULL) < 0)
			return db_fail(c, "maintenance");
	/* conversations without messages are deleted, the others rebuilt */
	sqlite3_stmt *s = store_stmt(c->db, "SELECT id, permissions_json, last_message_id IS NULL"
					    " FROM conversations ORDER BY id");
	if (!s)
		return db_fail(c, "conversations");
	json_object *ids = json_object_new_array(), *policies = json_object_new_array();
	json_object *empty = json_object_new_array();
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (sqlite3_column_int(s, 2)) {
			json_object_array_add(empty, json_object_new_string(col(s, 0)));
			continue;
		}
		json_object_array_add(ids, json_object_new_string(col(s, 0)));
		json_object *p = parse_text(col(s, 1));
		json_object_array_add(policies, p ? p : json_object_new_object());
	}
	sqlite3_reset(s);
	enum max_err e = MAX_OK;
	for (size_t i = 0; !e && i < json_object_array_length(empty); i++)
		e = delete_conv(c, str_at(empty, i));
	for (size_t i = 0; !e && i < json_object_array_length(ids); i++) {
		const char *cid = str_at(ids, i);
		e = rebuild_permissions(c, cid, json_object_array_get_idx(policies, i));
		if (!e)
			e = rebuild_tags(c, cid);
	}
	json_object_put(ids);
	json_object_put(policies);
	json_object_put(empty);
	return e;
}
