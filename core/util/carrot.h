/*
 * carrot.h — MaxCarrot messages: MAX's realtime wire format, a JSON object
 * whose keys (and the action/object/source values) are packed into
 * one-letter codes. Packing and unpacking only; a notification reaches the
 * outbox through model/notify.h.
 */
#ifndef MAX_CARROT_H
#define MAX_CARROT_H

#include <json-c/json.h>
#include <stddef.h>

/* Packs an unpacked message object (api.md 1.3 pack); returns a new object. */
json_object *carrot_pack(json_object *unpacked);
/* Unpacks JSON text (api.md 1.3 unpack; raw control characters tolerated inside
 * strings). NULL with *err = "JSON decoding error" or
 * "Packed message is not json". */
json_object *carrot_unpack(const char *text, size_t len, const char **err);
/* Every top-level key is one character long. */
int carrot_is_packed(json_object *o);

#endif
