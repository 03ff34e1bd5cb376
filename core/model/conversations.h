/*
 * conversations.h — private conversations as data: creation and the 1:1
 * reuse, participants and subscriptions ("members"), ownership, the
 * `single`/`archive` rules, outbox bindings and notifications, the
 * talkingIn data of a person, the maintenance rebuild and forgetting a
 * deleted user. Tables in schema/004_conversations.sql.
 *
 * A conversation has an ordered participants list and, separately, the
 * members who take part now: a 1:1 partner who left stays a participant
 * (tag single) but is no member. A member's permissions are stored as the
 * ordered list clients see plus a bit mask (CONV_MAY_*) for quick checks.
 * Nothing here decides who may ask; the HTTP handlers and the bridge do.
 */
#ifndef MAX_MODEL_CONVERSATIONS_H
#define MAX_MODEL_CONVERSATIONS_H

#include "model/model.h"
#include "model/page.h"

#include <json-c/json.h>

struct max_config;

#define CONV_PARTICIPANTS_MAX 200 /* at creation and when joining */
#define CONV_NAME_MAX 1024        /* bytes of a displayName given by a client */

/* Bits of conversation_members.perm_mask: the permission order every
 * subscription uses (invite read write subscribe flag unsubscribe kick
 * delete), so they equal the contexts family's PERM_BIT values. */
enum {
	CONV_MAY_INVITE = 1u << 0,
	CONV_MAY_READ = 1u << 1,
	CONV_MAY_WRITE = 1u << 2,
	CONV_MAY_UNSUBSCRIBE = 1u << 5,
	CONV_MAY_KICK = 1u << 6,
};

/* One conversation row. */
struct conv {
	char id[MAX_ID_LEN + 1];
	char owner[MAX_USERNAME_MAX + 1];
	int group, single, archive; /* tags */
	int nparticipants;
};

/* The rest of the row, for rendering. */
struct conv_info {
	struct conv cv;
	char *display_name; /* owned */
	char creator[MAX_USERNAME_MAX + 1];
	char published[21];
	char last_message[MAX_ID_LEN + 1]; /* "" when it has none */
	json_object *permissions;          /* owned: the policy dict */
};

/* ---- reading --------------------------------------------------------- */

/* MAX_OK, MAX_ENOTFOUND ("Object with _id … not found inside
 * conversations") or MAX_ESERVER. */
enum max_err conv_load(struct store *st, const char *cid, struct conv *out);
enum max_err conv_info_load(struct store *st, const char *cid, struct conv_info *out);
void conv_info_free(struct conv_info *ci);
/* [{username, displayName, objectType: person}] in the participants' order. */
json_object *conv_participants(struct store *st, const char *cid);
/* The member's CONV_MAY_* mask, or -1 when user is no member (or on a
 * storage error). */
long conv_member_mask(struct store *st, const char *cid, const char *user);
/* The member's permission names (a new array), NULL when no member. */
json_object *conv_member_permissions(struct store *st, const char *cid, const char *user);
/* 1 when user is in the participants list, 0 not, -1 error. */
int conv_is_participant(struct store *st, const char *cid, const char *user);
/* The id of user's newest subscribe activity in cid, "" when none. */
enum max_err conv_last_subscribe(struct store *st, const char *cid, const char *user,
				 char id[MAX_ID_LEN + 1]);
/* Ids of user's conversations, newest message first, one page of them;
 * before (an id, or NULL) resumes after that conversation, which must be
 * one of user's (else MAX_ENOTFOUND). */
enum max_err conv_list_ids(struct store *st, const char *user, const char *before, struct page *pg,
			   json_object **ids);
/* The talkingIn data of user: an array of {id, objectType, permissions,
 * grants?, vetos?}, newest message first. */
json_object *conv_talking_in(struct store *st, const char *user);

/* ---- creating and changing ------------------------------------------- */

/* A conversation to create; users are lower-cased, distinct, existing. */
struct conv_new {
	const char *creator;
	const char (*users)[MAX_USERNAME_MAX + 1];
	int n;
	const char *display_name; /* NULL: the usernames joined */
};
/* The existing 1:1 conversation of users a and b, "" when none. */
enum max_err conv_find_pair(struct store *st, const char *a, const char *b,
			    char cid[MAX_ID_LEN + 1]);
/* Inserts the conversation, its participants and their subscriptions
 * (bound); a group's creator may invite and kick but not leave. */
enum max_err conv_create(struct store *st, const struct conv_new *nc, char cid[MAX_ID_LEN + 1]);
/* Subscribes user with the policy's permission list and binds him. */
enum max_err conv_subscribe(struct store *st, const char *cid, const char *user);
/* Makes user a participant (when not yet) and a member; unarchives. */
enum max_err conv_join(struct store *st, struct conv *cv, const char *user);
/* Ends user's subscription (MAX_ENOTFOUND when there is none): a group
 * drops him from the participants and is archived when one is left; a
 * 1:1 keeps both and is tagged single. */
enum max_err conv_leave(struct store *st, struct conv *cv, const char *user);
/* Makes user (a member) the owner: he may invite and kick and may not
 * leave, the previous owner the other way round (permanent changes). */
enum max_err conv_transfer(struct store *st, struct conv *cv, const char *user);
enum max_err conv_rename(struct store *st, const char *cid, const char *name);
/* Unbinds every member and deletes the conversation and its messages. */
enum max_err conv_delete(struct store *st, const char *cid);
enum max_err conv_delete_all(struct store *st);
/* Re-subscribes the participants of a `single` conversation that lack a
 * subscription and clears the tag (a no-op for other conversations). */
enum max_err conv_rejoin_single(struct store *st, struct conv *cv);
/* Records a new newest message of cid (conversation and member rows). */
enum max_err conv_touch_last(struct store *st, const char *cid, const char *mid,
			     const char *published);

/* ---- outbox ------------------------------------------------------------ */

/* Binds (bind != 0) or unbinds user's exchanges for cid. */
enum max_err conv_bindings(struct store *st, const char *cid, const char *user, int bind);
/* Both bindings of every participant of cid (idempotent). */
enum max_err conv_bind_all(struct store *st, const char *cid);
/* The add/conversation notification of cv, caused by actor (callers bind
 * first: new members are bound when subscribed). */
enum max_err conv_notify_added(struct store *st, const struct max_config *cfg,
			       const struct conv *cv, const char *actor);
/* Appends a packed MaxCarrot add notification (object "message" or
 * "conversation") to `conversations` / "<cid>.notifications", from
 * user (display NULL: user's displayName); data is taken. */
enum max_err conv_publish_add(struct store *st, const struct max_config *cfg, const char *cid,
			      const char *object, const char *user, const char *display,
			      json_object *data);
/* The `text` of a notification about a message of that type. */
const char *conv_notice_text(const char *type, const char *content);

/* ---- people ------------------------------------------------------------ */

/* user's displayName, or user when he has none or is unknown. */
void conv_person_name(struct store *st, const char *user, char *out, size_t len);
/* participants[].displayName follows the person's. */
enum max_err conv_person_renamed(struct store *st, const char *user, const char *display_name);
/* A re-created user turns his archived 1:1 conversations into single
 * ones. */
enum max_err conv_person_recreated(struct store *st, const char *user);
/* A deleted user leaves every conversation (a 1:1 is archived). */
enum max_err conv_forget_user(struct store *st, const char *user);

/* Rebuilds derived data: deletes conversations without messages,
 * refreshes participant names and newest messages, recomputes permission
 * lists from the policy and the tags, re-binds. */
enum max_err conv_rebuild(struct store *st);

/* The two renderings of a stored message date "YYYY-MM-DDTHH:MM:SS.ffffffZ":
 * seconds with Z, and talkingIn's (no Z, microseconds when not zero). */
void conv_date_out(const char *stored, char out[21]);
void conv_date_quirk(const char *stored, char out[27]);

#endif
