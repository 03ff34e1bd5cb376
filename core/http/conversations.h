/*
 * conversations.h — private messaging shared between the conversation,
 * message, device-token and maintenance files (API.md §4.8–§4.10, §5.8,
 * §5.9, §8; tables in schema/004_conversations.sql).
 *
 * A conversation has an ordered participants list and, separately, the
 * subscriptions ("members") of those who take part now: a 1:1 partner who
 * left stays a participant (tag single) but is no member. Permissions live
 * on the member row as the ordered list the clients see plus a bit mask.
 * Everything runs inside the request's transaction; notifications go to
 * the outbox (MESSAGING.md §2.3, §2.4, §3).
 */
#ifndef MAX_CONVERSATIONS_H
#define MAX_CONVERSATIONS_H

#include "http/max.h"

#define CONV_PARTICIPANTS_MAX 200   /* §5.8 #66, and (Clean) at creation */
#define CONV_NAME_MAX 1024          /* bytes of a displayName */

/* One conversation row. */
struct conv {
	char id[MAX_ID_LEN + 1];
	char owner[MAX_USERNAME_MAX + 1];
	int group, single, archive; /* tags */
	int nparticipants;
};

/* Loads cid into out: 1 found, 0 not, -1 storage error. */
int conv_load(struct max_ctx *c, const char *cid, struct conv *out);
/* The member's permission mask (perm.h PERM_BIT), or -1 when user is not
 * subscribed. */
long conv_member_mask(struct max_ctx *c, const char *cid, const char *user);
/* A HEAD passes the permission checks of GET handlers (API.md §1.10). */
int conv_head_passes(const struct max_ctx *c);
/* 1 when user is in the participants list. */
int conv_is_participant(struct max_ctx *c, const char *cid, const char *user);

/* The §4.8 Conversation as viewer sees it. */
enum {
	CONV_REAL_NAME = 1, /* §8.4 displayName relative to viewer */
	CONV_LAST = 2,      /* lastMessage (when any) and messages: 0 */
};
json_object *conv_render(struct max_ctx *c, const char *cid, const char *viewer, unsigned flags);

/* Subscribes user with the policy's permission list and binds him
 * (MESSAGING.md §2.3). No activity. */
enum max_err conv_subscribe(struct max_ctx *c, const char *cid, const char *user);
/* Stores a conversation subscribe activity of user (§4.7); id gets its id. */
enum max_err conv_subscribe_activity(struct max_ctx *c, const char *cid, const char *user,
				     char id[MAX_ID_LEN + 1]);
/* The add/conversation notification of MESSAGING.md §3 (callers bind
 * first: new members are bound when subscribed). */
enum max_err conv_notify_added(struct max_ctx *c, const struct conv *cv);
/* Both bindings of every participant of cid (idempotent). */
enum max_err conv_bind_all(struct max_ctx *c, const char *cid);
/* Binds (bind != 0) or unbinds user for cid. */
enum max_err conv_bindings(struct max_ctx *c, const char *cid, const char *user, int bind);
/* Re-subscribes the participants of a `single` conversation that lack a
 * subscription, clears the tag and publishes add/conversation (§8.3). */
enum max_err conv_rejoin_single(struct max_ctx *c, struct conv *cv);

/* Records a new newest message of cid (conversation and member rows). */
enum max_err conv_touch_last(struct max_ctx *c, const char *cid, const char *mid,
			     const char *published);

/* Messages (core/messages.c). */

/* Validates the object of a message body (and its upload, for media);
 * on success *out is the object to store (content sanitised, keywords and
 * hashtags computed for sender). */
enum max_err message_object(struct max_ctx *c, json_object *body, const char *sender,
			    json_object **out);
/* Stores object (taken) as a message of sender in cid; fills id. */
enum max_err message_store(struct max_ctx *c, const char *cid, const char *sender,
			   json_object *object, const char *generator, char id[MAX_ID_LEN + 1]);
/* The §4.9 Message; lean omits creator, owner, keywords at every level. */
json_object *message_render(struct max_ctx *c, const char *mid, int lean);
/* lastMessage of §4.8 (talking_in: the §4.1 talkingIn form, without actor
 * and with the microsecond date). NULL when the conversation has none. */
json_object *message_last(struct max_ctx *c, const char *mid, int talking_in);

/* The two renderings (§3) of a stored message date
 * "YYYY-MM-DDTHH:MM:SS.ffffffZ" (text_now_us). */
void conv_date_out(const char *stored, char out[21]);
void conv_date_quirk(const char *stored, char out[27]);

/* #94: rebuilds derived conversation data (§5.11): deletes conversations
 * without messages, refreshes participant names and newest messages,
 * recomputes permission lists from the policy and the tags, re-binds. */
enum max_err conversations_rebuild(struct max_ctx *c);

/* §5.2 #5: the conversation effects of deleting username (group: leaves
 * the participants, one left → archive; 1:1: single → archive). Called by
 * the contexts family's hook_person_deleted. */
enum max_err conversations_person_deleted(struct max_ctx *c, const char *username);

#endif
