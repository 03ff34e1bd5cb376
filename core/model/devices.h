/*
 * devices.h — push device tokens (device_tokens table). A token string
 * belongs to one user at a time: registering it again, by anybody, moves
 * it. The per-context and per-conversation lists are what the push
 * consumer asks for: the tokens of the subscribers (minus their push
 * opt-outs) or of the members, newest token first.
 */
#ifndef MAX_MODEL_DEVICES_H
#define MAX_MODEL_DEVICES_H

#include "model/model.h"

#define DEVICE_TOKEN_MAX 4096 /* bytes of a token or device name */

struct device {
	char id[MAX_ID_LEN + 1]; /* filled by device_add */
	const char *token;
	const char *platform; /* "ios" or "android" */
	const char *device;   /* may be NULL */
	const char *owner;
	const char *creator;
	char published[21]; /* filled by device_add */
};

/* Registers d (moving the token from whoever had it). */
enum max_err device_add(struct store *st, struct device *d);
/* The owner of token into owner: 1 found, 0 not, -1 error. */
int device_owner(struct store *st, const char *token, char owner[MAX_USERNAME_MAX + 1]);
enum max_err device_delete(struct store *st, const char *token);
/* Every token of owner (of one platform when platform is not NULL). */
enum max_err device_delete_user(struct store *st, const char *owner, const char *platform);

/* Lists call fn per token, newest first; 0 or -1. */
typedef void (*device_row_fn)(void *arg, const char *token, const char *platform,
			      const char *owner);
int device_list_user(struct store *st, const char *owner, const char *platform, device_row_fn fn,
		     void *arg);
int device_list_context(struct store *st, const char *hash, device_row_fn fn, void *arg);
int device_list_conversation(struct store *st, const char *id, device_row_fn fn, void *arg);

#endif
