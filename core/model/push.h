/*
 * push.h — what the push consumer makes of a notification: the text a
 * phone shows (rewritten in the instance's language), the devices that
 * get it, and the FCM HTTP v1 message for one device.
 *
 * Plain functions: no network here. max-bridge takes the `push` queue,
 * calls push_prepare() and push_recipients(), and hands each
 * push_fcm_message() to its sender (tools/max-bridge/fcm.c), so every
 * rule can be tested without a broker or Google.
 */
#ifndef MAX_MODEL_PUSH_H
#define MAX_MODEL_PUSH_H

#include "model/model.h"

#include <json-c/json.h>
#include <stddef.h>

enum push_kind { PUSH_ACTIVITY, PUSH_COMMENT, PUSH_MESSAGE, PUSH_CONVERSATION };

#define PUSH_DEST_MAX 64    /* bytes of a conversation id or context hash */
#define PUSH_BODY_CHARS 100 /* characters of a notification's body */

struct push_note {
	enum push_kind kind;
	char username[MAX_USERNAME_MAX + 1];
	char displayname[256];
	char destination[PUSH_DEST_MAX + 1];
	json_object *msg; /* unpacked, rewritten: data.text, data.alert, destination */
};

/* Unpacks one delivery of the push queue and rewrites it (push_rewrite)
 * in lang ("ca", "es" or "en"). 0 with *out filled (push_note_free), or
 * -1 with why when the notification is dropped. */
int push_prepare(const char *body, size_t len, const char *routing_key, const char *lang,
		 struct push_note *out, char *why, size_t whylen);
void push_note_free(struct push_note *n);

/* The text rules, on an unpacked message already classified: sets
 * data.text and data.alert; a conversation becomes ack/message. */
void push_rewrite(json_object *msg, enum push_kind kind, const char *displayname, const char *lang);

/* A device to notify. */
struct push_target {
	char *token;
	char platform[16];
	char owner[MAX_USERNAME_MAX + 1];
};
/* The devices of the context's subscribers (minus opt-outs) or of the
 * conversation's members, newest first, without the sender's own unless
 * the text says #pushdebug, each token once per platform. The count
 * (*out to push_targets_free), or -1 on a storage error. */
int push_recipients(struct store *st, const struct push_note *n, struct push_target **out);
void push_targets_free(struct push_target *t, int n);

/* 1 when FCM takes the token as it is: any Android token, an iOS token
 * already registered with FCM ("<id>:APA91…"); 0 for APNs hex tokens. */
int push_fcm_token(const char *platform, const char *token);
/* The body a phone shows: the text without HTML, cut to PUSH_BODY_CHARS
 * characters + "...". Malloc'd. */
char *push_body(const char *text);
/* The FCM HTTP v1 request body for one device:
 * {"message":{"token","notification":{"title","body"},"data":{…}}} with
 * data = the packed data, every value as a string. */
json_object *push_fcm_message(const struct push_note *n, const char *token);

#endif
