/*
 * conversations.c — the conversation endpoints: creation and 1:1 reuse,
 * listing, reading, renaming, deleting, ownership, participants; the URL
 * lookup of /conversations/{id}; the person hooks that reach
 * conversations (talkingIn, renames, re-creation, deletion).
 *
 * Handlers parse, authorise and render; the data is model/conversations.c.
 * Access: Managers may do everything; otherwise the rule looks at the
 * authenticated user's subscription ("member" row) and at the
 * conversation's owner, as the original's ACLs did. A HEAD is answered
 * exactly as the GET would be, without the body.
 */
#include "http/conversations.h"
#include "http/activity_store.h"
#include "http/auth.h"
#include "util/text.h"
#include "http/handlers.h"
#include "http/http.h"
#include "http/media.h"
#include "http/multipart.h"
#include "model/people.h"
#include "model/person.h"
#include "http/perm.h"
#include "http/router.h"
#include "http/traverse.h"
#include "util/ids.h"
#include "util/jsonx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The member masks are the contexts family's permission bits. */
_Static_assert(CONV_MAY_READ == PERM_BIT(PERM_READ) && CONV_MAY_WRITE == PERM_BIT(PERM_WRITE) &&
		       CONV_MAY_INVITE == PERM_BIT(PERM_INVITE) &&
		       CONV_MAY_KICK == PERM_BIT(PERM_KICK) &&
		       CONV_MAY_UNSUBSCRIBE == PERM_BIT(PERM_UNSUBSCRIBE),
	       "conversation member bits");

/* ---- rendering ----------------------------------------------------------- */

static json_object *tags_json(const struct conv *cv)
{
	json_object *t = json_object_new_array();
	if (cv->group)
		json_object_array_add(t, json_object_new_string("group"));
	if (cv->single)
		json_object_array_add(t, json_object_new_string("single"));
	if (cv->archive)
		json_object_array_add(t, json_object_new_string("archive"));
	return t;
}

/* A conversation that is not a group is named after the other participant
 * (the first one that is not viewer); else its stored name. */
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

json_object *conv_render(struct max_ctx *c, const char *cid, const char *viewer, unsigned flags)
{
	struct conv_info ci;
	if (conv_info_load(c->db, cid, &ci)) {
		conv_info_free(&ci);
		return NULL;
	}
	json_object *o = json_object_new_object();
	json_object *parts = conv_participants(c->db, cid);
	jx_set_str(o, "id", cid);
	jx_set_str(o, "objectType", "conversation");
	jx_set_str(o, "displayName",
		   (flags & CONV_REAL_NAME) ? real_name(parts, ci.cv.group, viewer, ci.display_name)
					    : ci.display_name);
	jx_set(o, "participants", parts);
	jx_set(o, "tags", tags_json(&ci.cv));
	jx_set(o, "permissions", json_object_get(ci.permissions));
	jx_set_str(o, "published", ci.published);
	jx_set_str(o, "creator", ci.creator);
	jx_set_str(o, "owner", ci.cv.owner);
	if (flags & CONV_LAST) {
		json_object *lm = *ci.last_message ? msg_last(c->db, ci.last_message, 0) : NULL;
		if (lm) /* no message, no lastMessage */
			jx_set(o, "lastMessage", lm);
		jx_set_int(o, "messages", 0);
	}
	conv_info_free(&ci);
	return o;
}

static enum max_err answer_conv(struct max_ctx *c, struct max_resp *r, const char *cid,
				unsigned flags)
{
	json_object *o = conv_render(c, cid, c->actor, flags);
	return o ? resp_json(r, 200, o) : max_fail(c, MAX_ESERVER, "conversation vanished");
}

/* ---- traversal ------------------------------------------------------------ */

enum max_err traverse_conversation(struct max_ctx *c, const char *id)
{
	/* the tokens of an unknown conversation are [] (the original's route
	 * hung from the tokens collection, not from the conversation) */
	if (!strcmp(c->route->name, "conversation_push_tokens"))
		return MAX_OK;
	if (!id_valid(id))
		return traverse_bad_id(c, id);
	struct conv cv;
	return conv_load(c->db, id, &cv);
}

/* The {id} of /conversations/{id}… or /people/{username}/conversations/{id}… */
static enum max_err load_conv(struct max_ctx *c, const char *cid, struct conv *cv)
{
	if (!id_valid(cid))
		return traverse_bad_id(c, cid);
	return conv_load(c->db, cid, cv);
}

static int is_owner_or_manager(struct max_ctx *c, const struct conv *cv)
{
	return auth_is_manager(c) || !strcmp(cv->owner, c->auth_user);
}

/* ---- subscribe activities ------------------------------------------------- */

/* Stores a conversation subscribe activity of user; id gets its id. */
static enum max_err subscribe_activity(struct max_ctx *c, const char *cid, const char *user,
				       char id[MAX_ID_LEN + 1])
{
	json_object *obj = json_object_new_object();
	jx_set_str(obj, "objectType", "conversation");
	jx_set_str(obj, "id", cid);
	jx_set(obj, "participants", conv_participants(c->db, cid));
	json_object *actor = activity_person_actor(c, user);
	struct act_new a = {
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

/* ---- POST /conversations ---------------------------------------------- */

struct new_conv {
	char users[CONV_PARTICIPANTS_MAX][MAX_USERNAME_MAX + 1];
	int n;
	const char *display_name; /* NULL: usernames joined */
};

/* contexts[0].participants: a non-empty list of distinct usernames. */
static enum max_err parse_usernames(struct max_ctx *c, json_object *parts, struct new_conv *nc)
{
	size_t n = json_object_array_length(parts);
	if (n > CONV_PARTICIPANTS_MAX)
		return max_fail(c, MAX_EFORBIDDEN,
				"This conversation is full, no more of %d participants allowed",
				CONV_PARTICIPANTS_MAX);
	nc->n = 0;
	for (size_t i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(parts, i);
		const char *u =
			json_object_is_type(p, json_type_string) ? json_object_get_string(p) : NULL;
		if (!u || !*u || strlen(u) > MAX_USERNAME_MAX)
			return max_fail(c, MAX_EVALIDATION,
					"Validation error on field \"participants\": must be a "
					"list "
					"of usernames");
		snprintf(nc->users[nc->n], sizeof nc->users[0], "%s", u);
		str_lower(nc->users[nc->n]);
		for (int j = 0; j < nc->n; j++)
			if (!strcmp(nc->users[j], nc->users[nc->n]))
				return max_fail(c, MAX_EVALIDATION,
						"One or more users duplicated in participants "
						"list");
		nc->n++;
	}
	return MAX_OK;
}

/* The actor's place in the list, and the displayName. */
static enum max_err check_actor_and_name(struct max_ctx *c, json_object *first, struct new_conv *nc)
{
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
	return MAX_OK;
}

/* Every participant must exist (404) before visibility is looked at. */
static enum max_err check_people(struct max_ctx *c, const struct new_conv *nc)
{
	for (int i = 0; i < nc->n; i++) {
		int found = people_exists(c->db, nc->users[i]);
		if (found < 0)
			return max_fail(c, MAX_ESERVER, "person lookup failed");
		if (!found)
			return traverse_not_found(c, "username", nc->users[i], "users");
	}
	for (int i = 0; i < nc->n; i++)
		if (strcmp(nc->users[i], c->actor) &&
		    !person_may_see(c->db, c->cfg->restricted_visibility, c->actor, nc->users[i]))
			return max_fail(c, MAX_EFORBIDDEN,
					"User %s is not allowed to have a conversation with %s",
					c->actor, nc->users[i]);
	return MAX_OK;
}

/* Validation of contexts[0], in the original's order. */
static enum max_err parse_participants(struct max_ctx *c, struct new_conv *nc)
{
	json_object *ctxs = NULL, *first = NULL, *parts = NULL;
	if (jx_array(c->body, "contexts", &ctxs) != 1 || !json_object_array_length(ctxs))
		return max_fail(c, MAX_EVALIDATION, "Empty contexts parameter");
	first = json_object_array_get_idx(ctxs, 0);
	if (!json_object_is_type(first, json_type_object) ||
	    jx_array(first, "participants", &parts) != 1 || !json_object_array_length(parts))
		return max_fail(c, MAX_EVALIDATION, "Empty participants parameter");
	enum max_err e = parse_usernames(c, parts, nc);
	if (e || (e = check_actor_and_name(c, first, nc)))
		return e;
	return check_people(c, nc);
}

/* The conversation of nc: the pair's existing 1:1 (its leaver back, both
 * re-bound), or a new one whose participants subscribe. */
static enum max_err find_or_create(struct max_ctx *c, const struct new_conv *nc, struct conv *cv)
{
	char cid[MAX_ID_LEN + 1] = "";
	enum max_err e = nc->n == 2 ? conv_find_pair(c->db, nc->users[0], nc->users[1], cid) : 0;
	if (e)
		return e;
	if (*cid) {
		if ((e = conv_load(c->db, cid, cv)) || (e = conv_rejoin_single(c->db, cv)))
			return e;
		return conv_bind_all(c->db, cid);
	}
	struct conv_new cn = {.creator = c->actor,
			      .users = (const char(*)[MAX_USERNAME_MAX + 1]) nc->users,
			      .n = nc->n,
			      .display_name = nc->display_name};
	if ((e = conv_create(c->db, &cn, cid)))
		return e;
	for (int i = 0; i < nc->n; i++) {
		char aid[MAX_ID_LEN + 1];
		if ((e = subscribe_activity(c, cid, nc->users[i], aid)))
			return e;
	}
	return conv_load(c->db, cid, cv);
}

/* The answer of POST /conversations: the message, its context named and tagged as the
 * conversation is for the actor. */
static enum max_err answer_created(struct max_ctx *c, struct max_resp *r, const char *cid,
				   const char *mid)
{
	json_object *msg = msg_json(c->db, mid, 0);
	json_object *conv = conv_render(c, cid, c->actor, CONV_REAL_NAME);
	json_object *ctxs = NULL, *tags = NULL;
	if (!msg || !conv || jx_array(msg, "contexts", &ctxs) != 1) {
		json_object_put(msg);
		json_object_put(conv);
		return max_fail(c, MAX_ESERVER, "message vanished");
	}
	json_object *ctx0 = json_object_array_get_idx(ctxs, 0);
	jx_set_str(ctx0, "displayName", jx_str(conv, "displayName"));
	jx_array(conv, "tags", &tags);
	jx_set(ctx0, "tags", json_object_get(tags));
	json_object_put(conv);
	return resp_json(r, 201, msg);
}

/* Content is created as the actor only by Managers. */
enum max_err conversations_create(struct max_ctx *c, struct max_resp *r)
{
	if (!auth_is_manager(c) && !auth_is_self(c))
		return perm_deny(c);
	struct new_conv *nc = xcalloc(1, sizeof *nc);
	json_object *object = NULL;
	struct conv cv;
	char mid[MAX_ID_LEN + 1];
	int upload = c->upload && c->upload->present;
	enum max_err e = parse_participants(c, nc);
	if (!e)
		e = msg_object(c->db, c->body, c->actor, upload, &object);
	if (!e && !(e = find_or_create(c, nc, &cv))) {
		e = message_save(c, cv.id, object, 0, mid);
		object = NULL;
	}
	if (!e)
		e = conv_notify_added(c->db, c->cfg, &cv, c->actor);
	if (!e)
		e = answer_created(c, r, cv.id, mid);
	json_object_put(object);
	free(nc);
	return e;
}

/* ---- reading ------------------------------------------------------------ */

/* GET /conversations. Paging (an extension of the original API): limit (default: all,
 * uncapped), before=<cid> resumes after that conversation. */
enum max_err conversations_list(struct max_ctx *c, struct max_resp *r)
{
	long limit = -1;
	enum max_err e;
	if (qs_get(c, "limit") && (e = http_limit(c, 10, &limit)))
		return e;
	const char *before = qs_get(c, "before");
	if (before && !id_valid(before))
		return max_fail(c, MAX_ESEARCH, "before must be a valid ObjectId BSON identifier");
	struct page pg = page_of(limit);
	json_object *ids = NULL;
	if ((e = conv_list_ids(c->db, c->actor, before, &pg, &ids)))
		return e;
	json_object *out = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(ids); i++) {
		const char *cid = json_object_get_string(json_object_array_get_idx(ids, i));
		json_object *cv = conv_render(c, cid, c->actor, CONV_REAL_NAME | CONV_LAST);
		if (cv)
			json_object_array_add(out, cv);
	}
	json_object_put(ids);
	resp_page(r, &pg);
	return resp_json(r, 200, out);
}

/* GET /conversations/{id}: Manager, owner, or a member with read. */
enum max_err conversation_get(struct max_ctx *c, struct max_resp *r)
{
	struct conv cv;
	enum max_err e = load_conv(c, c->params[0], &cv);
	if (e)
		return e;
	if (!is_owner_or_manager(c, &cv) && msg_may_read(c->db, cv.id, c->auth_user) != 1)
		return perm_deny(c);
	return answer_conv(c, r, cv.id, CONV_REAL_NAME | CONV_LAST);
}

/* GET /people/{username}/conversations/{id}: Manager, owner, or the
 * member himself. */
enum max_err conversation_user_get(struct max_ctx *c, struct max_resp *r)
{
	struct conv cv;
	enum max_err e = load_conv(c, c->params[1], &cv);
	if (e)
		return e;
	const char *u = c->params[0];
	json_object *perms = conv_member_permissions(c->db, cv.id, u);
	if (!is_owner_or_manager(c, &cv) && !(perms && auth_is_self(c))) {
		json_object_put(perms);
		return perm_deny(c);
	}
	if (!perms) /* 500 in the original; here: 404 */
		return max_fail(c, MAX_ENOTFOUND, "%s is not susbcribed to %s", u, cv.id);
	json_object *o = conv_render(c, cv.id, u, CONV_REAL_NAME | CONV_LAST);
	if (!o) {
		json_object_put(perms);
		return max_fail(c, MAX_ESERVER, "conversation vanished");
	}
	jx_set(o, "permissions", perms);
	return resp_json(r, 200, o);
}

/* ---- changing --------------------------------------------------------- */

/* PUT /conversations/{id}: displayName only */
enum max_err conversation_update(struct max_ctx *c, struct max_resp *r)
{
	struct conv cv;
	enum max_err e = load_conv(c, c->params[0], &cv);
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
	if (rc == 1 && (e = conv_rename(c->db, cv.id, dn)))
		return e;
	return answer_conv(c, r, cv.id, 0);
}

/* DELETE /conversations/{id} */
enum max_err conversation_delete(struct max_ctx *c, struct max_resp *r)
{
	struct conv cv;
	enum max_err e = load_conv(c, c->params[0], &cv);
	if (e)
		return e;
	if (!is_owner_or_manager(c, &cv))
		return perm_deny(c);
	if ((e = media_remove_conversation(c, cv.id)) || (e = conv_delete(c->db, cv.id)))
		return e;
	r->status = 204;
	return MAX_OK;
}

/* DELETE /conversations: Manager only (route table) */
enum max_err conversations_purge(struct max_ctx *c, struct max_resp *r)
{
	enum max_err e = media_remove_conversation(c, NULL);
	if (e || (e = conv_delete_all(c->db)))
		return e;
	r->status = 204;
	return MAX_OK;
}

/* PUT /conversations/{id}/owner: body actor = the new owner, who must
 * be a member; the owner or a Manager asks. */
enum max_err conversation_transfer(struct max_ctx *c, struct max_resp *r)
{
	struct conv cv;
	enum max_err e = load_conv(c, c->params[0], &cv);
	if (e)
		return e;
	if (conv_member_mask(c->db, cv.id, c->actor) < 0 || !is_owner_or_manager(c, &cv))
		return perm_deny(c);
	if ((e = conv_transfer(c->db, &cv, c->actor)))
		return e;
	return answer_conv(c, r, cv.id, 0);
}

/* ---- participants ------------------------------------------------------- */

/* Why user may not join cv (MAX_OK when he may). */
static enum max_err may_join(struct max_ctx *c, const struct conv *cv, const char *user)
{
	if (cv->nparticipants >= CONV_PARTICIPANTS_MAX)
		return max_fail(c, MAX_EFORBIDDEN,
				"This conversation is full, no more of %d participants allowed",
				CONV_PARTICIPANTS_MAX);
	if (!cv->group)
		return max_fail(c, MAX_EFORBIDDEN,
				"This is not a group conversation, so no one else is allowed");
	if (!person_may_see(c->db, c->cfg->restricted_visibility, c->auth_user, user))
		return max_fail(c, MAX_EFORBIDDEN,
				"User %s is not allowed to have a conversation with %s",
				c->auth_user, user);
	return MAX_OK;
}

/* POST /conversations/{id}/participants: body actor = the joiner;
 * a Manager or a member with invite asks. */
enum max_err conversation_join(struct max_ctx *c, struct max_resp *r)
{
	struct conv cv;
	enum max_err e = load_conv(c, c->params[0], &cv);
	if (e)
		return e;
	long mine = conv_member_mask(c->db, cv.id, c->auth_user);
	if (!auth_is_manager(c) && !(mine >= 0 && (mine & CONV_MAY_INVITE)))
		return perm_deny(c);
	const char *u = c->actor;
	char aid[MAX_ID_LEN + 1];
	int status = 200;
	if (conv_member_mask(c->db, cv.id, u) >= 0) {
		if ((e = conv_last_subscribe(c->db, cv.id, u, aid)))
			return e;
		if (!*aid && (e = subscribe_activity(c, cv.id, u, aid)))
			return e;
	} else {
		if ((e = may_join(c, &cv, u)) || (e = conv_join(c->db, &cv, u)) ||
		    (e = subscribe_activity(c, cv.id, u, aid)))
			return e;
		status = 201;
	}
	json_object *a = activity_render(c, aid, ACT_PRIVATE);
	return a ? resp_json(r, status, a) : max_fail(c, MAX_ESERVER, "activity vanished");
}

/* DELETE /conversations/{id}/participants/{username}: a Manager, the
 * user himself with unsubscribe, or a member with kick. */
enum max_err conversation_leave(struct max_ctx *c, struct max_resp *r)
{
	struct conv cv;
	enum max_err e = load_conv(c, c->params[0], &cv);
	if (e)
		return e;
	const char *u = c->actor; /* the URL user, lower-cased */
	if (!auth_is_manager(c)) {
		long mine = conv_member_mask(c->db, cv.id, c->auth_user);
		int self = auth_is_self(c) && !strcmp(u, c->auth_user);
		long need = self ? CONV_MAY_UNSUBSCRIBE : CONV_MAY_KICK;
		if (mine < 0 || !(mine & need))
			return perm_deny(c);
	}
	if ((e = conv_leave(c->db, &cv, u)))
		return e;
	r->status = 204;
	return MAX_OK;
}

/* ---- person hooks ------------------------------------------------------- */

/* The enriched talkingIn entry: lastMessage in its talkingIn form. */
static void talking_in_last(struct max_ctx *c, json_object *o)
{
	jx_set_int(o, "messages", 0);
	struct conv_info ci;
	if (conv_info_load(c->db, jx_str(o, "id"), &ci) == MAX_OK && *ci.last_message) {
		json_object *lm = msg_last(c->db, ci.last_message, 1);
		if (lm)
			jx_set(o, "lastMessage", lm);
	}
	conv_info_free(&ci);
}

json_object *conv_talking_in_json(struct max_ctx *c, const char *username, int enrich)
{
	json_object *a = conv_talking_in(c->db, username);
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *o = json_object_array_get_idx(a, i), *v = NULL;
		json_object *cv =
			conv_render(c, jx_str(o, "id"), username, enrich ? CONV_REAL_NAME : 0);
		if (!cv)
			continue;
		jx_set_str(o, "displayName", jx_str(cv, "displayName"));
		if (jx_array(cv, "participants", &v) == 1)
			jx_set(o, "participants", json_object_get(v));
		if (jx_array(cv, "tags", &v) == 1)
			jx_set(o, "tags", json_object_get(v));
		json_object_put(cv);
		if (enrich)
			talking_in_last(c, o);
	}
	return a;
}
