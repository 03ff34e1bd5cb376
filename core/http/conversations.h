/*
 * conversations.h — what the conversation and message handler files
 * share: the Conversation document as a viewer sees it, storing a
 * message with its upload, and the page header. The data itself lives in
 * model/conversations.h and model/messages.h.
 */
#ifndef MAX_HTTP_CONVERSATIONS_H
#define MAX_HTTP_CONVERSATIONS_H

#include "http/max.h"
#include "model/messages.h"

/* The Conversation document as viewer sees it. */
enum {
	CONV_REAL_NAME = 1, /* a 1:1's displayName is the other participant's */
	CONV_LAST = 2,      /* lastMessage (when any) and messages: 0 */
};
json_object *conv_render(struct max_ctx *c, const char *cid, const char *viewer, unsigned flags);

/* Stores object (taken) as the acting user's message in cid, with the
 * request's upload for an image or file; fills id. */
enum max_err message_save(struct max_ctx *c, const char *cid, json_object *object, int mobile,
			  char id[MAX_ID_LEN + 1]);

/* A person's talkingIn: his conversations, newest message first;
 * enriched (GET/POST /people) or as stored (PUT, with the conversation's
 * own name). */
json_object *conv_talking_in_json(struct max_ctx *c, const char *username, int enrich);

#endif
