/*
 * export.h — everything MAX holds about one person, as one JSON document,
 * for a data-subject request (maxctl export), and the list of the files
 * that are theirs (which maxctl forget removes too).
 *
 * Secrets never leave: token hashes and the password hash are not shown
 * (only that they exist), push device tokens are masked.
 */
#ifndef MAX_MODEL_EXPORT_H
#define MAX_MODEL_EXPORT_H

#include "model/model.h"

#include <json-c/json.h>

struct max_config;

/* The document for username (normalised) into *out (the caller puts it):
 * profile (null when there is no person row: what is left of a deleted
 * user is still exported), roles, password and tokens (metadata only),
 * subscriptions, push opt-outs, contexts owned or created, activities
 * and comments written, likes and favourites, conversations, messages
 * sent, devices and files. Run it inside store_begin_read() so that the
 * sections agree. MAX_OK or MAX_ESERVER. */
enum max_err export_person(struct store *st, const struct max_config *cfg, const char *username,
			   json_object **out);

/* Calls fn for every file on disk that belongs to username: the files of
 * the images and files in their activities and messages (with the
 * thumbnails) and their avatar in both sizes. 0, or -1 on a storage
 * error. */
int export_files(struct store *st, const struct max_config *cfg, const char *username,
		 void (*fn)(void *arg, const char *path), void *arg);

/* A device token as shown: its first and last 4 characters, the rest as
 * '*' (shorter tokens: all '*'), into out (at least strlen(token) + 1). */
void export_mask_token(const char *token, char *out, size_t len);

#endif
