/*
 * iid.h — APNs device tokens made FCM registration tokens (messaging.md
 * 4.3 step 6). Old iOS apps registered their raw APNs token (hex); FCM
 * only sends to registration tokens, which Google's Instance ID
 * batchImport gives for up to IID_BATCH_MAX APNs tokens per call. A
 * conversion does not change, so it is kept for the bridge's lifetime in
 * a bounded cache: a conversation's next pushes do not ask Google again.
 * This file is the plain part (the cache, the request body, the answer);
 * the HTTP call is fcm_iid_post (fcm.h).
 */
#ifndef MAX_BRIDGE_IID_H
#define MAX_BRIDGE_IID_H

#include <json-c/json.h>
#include <stddef.h>

#define IID_BATCH_MAX 100  /* the API's limit per call */
#define IID_CACHE_MAX 8192 /* conversions kept (about 2 MB at most) */

struct iid;

/* A converter for the iOS app bundle_id (APNs sandbox or production)
 * remembering at most cache_max conversions, the oldest forgotten first. */
struct iid *iid_new(const char *bundle_id, int sandbox, size_t cache_max);
void iid_free(struct iid *c);
/* 1 when an iOS token is an APNs token batchImport can convert: hex digits. */
int iid_apns_token(const char *token);
/* The registration token of apns, NULL when not converted (yet). */
const char *iid_lookup(const struct iid *c, const char *apns);
/* The batchImport body for n (at most IID_BATCH_MAX) APNs tokens. */
json_object *iid_request(const struct iid *c, const char *const *apns, int n);
/* Remembers the conversions of a batchImport answer
 * ({"results":[{"apns_token","status","registration_token"}]}); the
 * number of tokens converted. Each token refused is logged (its status,
 * not the token) and counted in *failed. */
int iid_absorb(struct iid *c, json_object *answer, int *failed);

#endif
