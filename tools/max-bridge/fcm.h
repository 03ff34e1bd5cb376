/*
 * fcm.h — the push sender: Firebase Cloud Messaging's HTTP v1 API.
 *
 * Google wants an OAuth2 access token obtained with a service account:
 * a JWT signed RS256 with the account's private key is exchanged at the
 * account's token_uri, and the token is reused until shortly before it
 * expires. Each message is one POST to
 * <fcm_url>/v1/projects/<project_id>/messages:send over HTTP/2 (HTTPS).
 * Instance ID (APNs tokens to registration tokens, iid.h) takes the same
 * token, with the header "access_token_auth: true".
 */
#ifndef MAX_BRIDGE_FCM_H
#define MAX_BRIDGE_FCM_H

#include <json-c/json.h>
#include <stddef.h>

struct fcm;

/* Reads the service-account file (project_id, client_email, private_key,
 * token_uri, optional private_key_id). NULL with err on failure. */
struct fcm *fcm_open(const char *service_account, const char *fcm_url, long timeout_s, char *err,
		     size_t errlen);
/* Sends one {"message":…} body; 0 accepted, -1 with why. */
int fcm_send(struct fcm *f, json_object *message, char *why, size_t whylen);
/* POSTs body to Google's Instance ID API at url (batchImport) with the
 * same access token; the JSON answer on 200, else NULL with why. */
json_object *fcm_iid_post(struct fcm *f, const char *url, json_object *body, char *why,
			  size_t whylen);
void fcm_close(struct fcm *f);

/* The signed JWT assertion for the token request, at time now (exposed
 * for the unit tests). Malloc'd, NULL on failure. */
char *fcm_assertion(struct fcm *f, long now);

#endif
