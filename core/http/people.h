/*
 * people.h — what other handler families need from http/people.c: the
 * Person document as a given user may see it. A person's row itself is
 * model/people.h, the visibility rule model/person.h.
 */
#ifndef MAX_PEOPLE_H
#define MAX_PEOPLE_H

#include "http/max.h"

/* The Person document as the authenticated user of c may see it. Full
 * view for Managers and the user himself; talkingIn entries enriched
 * (GET/POST) or as stored (PUT). NULL when the user is unknown. */
enum person_view { PERSON_AUTO, PERSON_PUBLIC, PERSON_FULL };
json_object *people_json(struct max_ctx *c, const char *username, enum person_view view,
			 int enrich_talking_in);

#endif
