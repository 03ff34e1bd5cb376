/*
 * people.h — what other handler families need from http/people.c: the
 * Person document as a given user may see it, and the visibility rule.
 * A person's row itself is model/people.h.
 */
#ifndef MAX_PEOPLE_H
#define MAX_PEOPLE_H

#include "http/max.h"
/* compat: until the families are merged (people_exists and
 * people_display_name moved to the model) */
#include "model/people.h"

/* The Person document as the authenticated user of c may see it. Full
 * view for Managers and the user himself; talkingIn entries enriched
 * (GET/POST) or as stored (PUT). NULL when the user is unknown. */
enum person_view { PERSON_AUTO, PERSON_PUBLIC, PERSON_FULL };
json_object *people_json(struct max_ctx *c, const char *username, enum person_view view,
			 int enrich_talking_in);


#endif
