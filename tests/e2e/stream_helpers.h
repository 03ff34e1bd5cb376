/*
 * stream_helpers.h — what the activity stream's end-to-end suites
 * (test_activities, test_timeline, test_comments, test_reactions,
 * test_acl_activities) all do: contexts, subscriptions and posts made
 * through the API as the Manager or the user, and the 403 they check.
 */
#ifndef STREAM_HELPERS_H
#define STREAM_HELPERS_H

#include "e2e.h"

/* sha1 of a context URL: the context's hash */
const char *sh_hash(const char *url);
/* the standard 403 of api.md 1.3 for user and a endpoints.md permission name */
int sh_forbidden(const struct e2e_resp *r, const char *user, const char *perm);
/* POST /contexts as the Manager with url and the permissions dict; extra
 * is "" or more members (",\"tags\":[…]"). 1 on 201. */
int sh_context(const char *url, const char *perms, const char *extra);
/* the Manager subscribes user to url's context; 1 on 201 */
int sh_subscribe(const char *url, const char *user);
/* {"object":{"objectType":"note","content":content}} */
const char *sh_note(const char *content);
/* body posted by user to url's context, or to his timeline (url NULL),
 * expecting 201; the new id ("" on failure) */
const char *sh_post(const char *user, const char *url, const char *body);

#define SH_CLOSED "{\"read\":\"subscribed\",\"write\":\"subscribed\",\"subscribe\":\"restricted\"}"
#define SH_READ_PUBLIC "{\"read\":\"public\",\"write\":\"subscribed\",\"subscribe\":\"restricted\"}"

#endif
