/*
 * carrot.h — MaxCarrot messages (MESSAGING.md §1): packing to the one-letter
 * wire form, unpacking, and publishing a MAX notification via the outbox.
 */
#ifndef MAX_CARROT_H
#define MAX_CARROT_H

#include "http/max.h"

/* Packs an unpacked message object (§1.3 pack); returns a new object. */
json_object *carrot_pack(json_object *unpacked);
/* Unpacks JSON text (§1.3 unpack; raw control characters tolerated inside
 * strings). NULL with *err = "JSON decoding error" or
 * "Packed message is not json". */
json_object *carrot_unpack(const char *text, size_t len, const char **err);
/* Every top-level key is one character long. */
int carrot_is_packed(json_object *o);

/* Appends to the outbox a packed message produced by MAX (§3): source max,
 * version, domain = [max] server_id, fresh uuid, published now, user =
 * {username: user, displayname: display} — both NULL: the acting user of c.
 * Takes ownership of data. Returns MAX_OK or MAX_ESERVER. */
enum max_err carrot_publish(struct max_ctx *c, const char *exchange, const char *routing_key,
			    const char *action, const char *object, const char *user,
			    const char *display, json_object *data);

#endif
