/*
 * erase.h — a person's erasure (maxctl forget): what person_forget does
 * (conversations, subscriptions, tokens, the row) and everything else
 * MAX holds about them.
 *
 * What happens to what they wrote, and why:
 * - Their posts, comments and like/favourite/subscribe activities are
 *   deleted as DELETE on each would delete them (the API lets an author
 *   delete his own activities): others' comments under a deleted post
 *   leave its replies with it; their likes and favourites on others'
 *   posts are withdrawn and the counts follow. Activities a Manager made
 *   for a context (actor = the context) stay: they speak for the context.
 * - Their messages stay as tombstones: same id, date, conversation and
 *   sender user name, but the content is an empty note, the display name
 *   at the time of sending is replaced by the user name, attachments are
 *   removed. The API has no way to delete a message; a conversation is a
 *   record shared with the other participants, whose clients page it by
 *   message id and show its newest message, so the rows keep their place.
 * - Devices, roles, the local password, the login-failure count and the
 *   avatar go; the uploaded files of their activities and messages go.
 * Contexts they own or created stay (they are shared spaces); their user
 * name remains as owner/creator there until a Manager changes it.
 */
#ifndef MAX_MODEL_ERASE_H
#define MAX_MODEL_ERASE_H

#include "model/model.h"

#include <json-c/json.h>

struct max_config;

struct erase_counts {
	long long activities, likes, favorites, messages, devices, roles;
};

/* Erases username (normalised) in the caller's write transaction. The
 * files to remove once it is committed are added to *files (an array of
 * paths; the caller puts it); counts filled. MAX_OK or the failure. */
enum max_err erase_person(struct store *st, const struct max_config *cfg, const char *username,
			  struct erase_counts *n, json_object **files);

/* After the commit: removes the files; how many were removed. */
int erase_files(json_object *files);

#endif
