/*
 * messages.h — conversation messages as data: who may send, storing a
 * message exactly as POST …/messages does (also for chat lines the bridge
 * consumes from STOMP clients), the pages of a conversation, the
 * system-wide search and an attachment's owner.
 *
 * Messages depend on conversations (a message updates its conversation's
 * newest message and may re-open a `single` 1:1), never the reverse.
 */
#ifndef MAX_MODEL_MESSAGES_H
#define MAX_MODEL_MESSAGES_H

#include "model/conversations.h"

#define MSG_CONTENT_MAX (64 * 1024) /* bytes of a message's content */

/* MAX_OK when sender may send into cid: a current participant (member)
 * with write, the conversation not archived. Else MAX_ENOTFOUND (no such
 * conversation), MAX_EFORBIDDEN or MAX_ESERVER. */
enum max_err msg_may_send(struct store *st, const char *cid, const char *sender);
/* 1 when user is a member of cid with read, 0 not, -1 error. */
int msg_may_read(struct store *st, const char *cid, const char *user);

/* Validates body's "object" (note, image or file; has_upload tells
 * whether the request carries a file); on success *out is the object to
 * store: content sanitised, keywords and hashtags computed for sender. */
enum max_err msg_object(struct store *st, json_object *body, const char *sender, int has_upload,
			json_object **out);

/* A message to store. */
struct msg_post {
	const char *cid;
	const char *sender;
	const char *creator;   /* who asked (a Manager acting as sender); NULL: sender */
	const char *generator; /* or NULL */
	json_object *object;   /* from msg_object(); taken */
	int mobile;            /* notify add/message (REST object.mobile) */
	const char *id;        /* preset (an upload was stored under it), or NULL */
};

/* Stores a message as POST …/messages does once the request is parsed and
 * allowed: a `single` 1:1 gets its leaver back (add/conversation), the
 * message is inserted, the conversation's lastMessage updated, and a
 * mobile message re-binds the participants and notifies add/message.
 * id gets the message's id. */
enum max_err msg_post(struct store *st, const struct max_config *cfg, const struct msg_post *p,
		      char id[MAX_ID_LEN + 1]);
/* msg_post() of object (taken) by sender, neither mobile nor on behalf of
 * anyone: what the bridge calls for a chat line a client sent. */
enum max_err msg_store(struct store *st, const struct max_config *cfg, const char *cid,
		       const char *sender, json_object *object, const char *generator,
		       char id[MAX_ID_LEN + 1]);

/* 1 when message mid exists, 0 not, -1 error. */
int msg_exists(struct store *st, const char *mid);
/* The API's Message; lean omits creator, owner and keywords at every
 * level. NULL when there is no such message. */
json_object *msg_json(struct store *st, const char *mid, int lean);
/* A conversation's lastMessage (talking_in: the talkingIn form, without
 * actor and with the microsecond date). NULL when there is none. */
json_object *msg_last(struct store *st, const char *mid, int talking_in);
/* One page of cid's messages (before/after: ids or NULL), newest chosen
 * first and answered oldest first, lean. */
enum max_err msg_list(struct store *st, const char *cid, const char *before, const char *after,
		      struct page *pg, json_object **out);

/* The filters of the system-wide message queries. */
struct msg_filter {
	char from[28], to[28]; /* published range, as stored dates ("" open) */
	char actor[MAX_USERNAME_MAX + 1];
	const char *before, *after;       /* ids, or NULL */
	json_object *keywords, *hashtags; /* arrays of lower-case words, or NULL */
	long limit;
};
/* The newest f->limit messages, newest first, full. */
enum max_err msg_search(struct store *st, const struct msg_filter *f, json_object **out);
/* How many messages match (limit ignored). */
enum max_err msg_count(struct store *st, const struct msg_filter *f, long long *n);
/* The distinct conversations {id, displayName, objectType} of the newest
 * f->limit messages. */
enum max_err msg_active(struct store *st, const struct msg_filter *f, json_object **out);

/* An image or file message's attachment. */
struct msg_attachment {
	char cid[MAX_ID_LEN + 1];
	char sender[MAX_USERNAME_MAX + 1];
	json_object *object; /* owned: the stored object */
};
/* MAX_ENOTFOUND when there is no message mid. */
enum max_err msg_attachment_load(struct store *st, const char *mid, struct msg_attachment *out);

#endif
