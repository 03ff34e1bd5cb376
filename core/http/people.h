/*
 * people.h — what other families need from core/people.c.
 */
#ifndef MAX_PEOPLE_H
#define MAX_PEOPLE_H

#include "http/max.h"

struct store;

/* 1 exists, 0 not, -1 error. */
int people_exists(struct store *db, const char *username);
/* displayName of username into out ("" when unknown); returns found. */
int people_display_name(struct store *db, const char *username, char *out, size_t len);

/* The Person document of API.md §4.1 as the authenticated user of c may
 * see it. Full view for Managers and the user himself; talkingIn entries
 * enriched (GET/POST) or as stored (PUT). NULL when the user is unknown. */
enum person_view { PERSON_AUTO, PERSON_PUBLIC, PERSON_FULL };
json_object *people_json(struct max_ctx *c, const char *username, enum person_view view,
			 int enrich_talking_in);

/* §1.6 allowed_to_see(viewer, target). */
int people_can_see(struct max_ctx *c, const char *viewer, const char *target);

#endif
