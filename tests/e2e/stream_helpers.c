/*
 * stream_helpers.c — the helpers of stream_helpers.h.
 */
#include "stream_helpers.h"
#include "util/ids.h"

#include <string.h>

const char *sh_hash(const char *url)
{
	char h[41];
	hash_sha1_hex(url, strlen(url), h);
	return e2e_fmt("%s", h);
}

int sh_forbidden(const struct e2e_resp *r, const char *user, const char *perm)
{
	return E2E_EXPECT(r, 403, "Forbidden",
			  e2e_fmt("User \"%s\" has no permission \"%s\" here ", user, perm));
}

int sh_context(const char *url, const char *perms, const char *extra)
{
	return E2E_SEND(201, "POST", "/contexts", e2e_manager(),
			e2e_fmt("{\"url\":\"%s\",\"permissions\":%s%s}", url, perms,
				extra ? extra : ""));
}

int sh_subscribe(const char *url, const char *user)
{
	return E2E_SEND(201, "POST", e2e_fmt("/contexts/%s/subscriptions", sh_hash(url)),
			e2e_manager(),
			e2e_fmt("{\"actor\":{\"objectType\":\"person\",\"username\":\"%s\"}}",
				user));
}

const char *sh_note(const char *content)
{
	return e2e_fmt("{\"object\":{\"objectType\":\"note\",\"content\":\"%s\"}}", content);
}

const char *sh_post(const char *user, const char *url, const char *body)
{
	struct e2e_resp *r =
		url ? e2e_request("POST", e2e_fmt("/contexts/%s/activities", sh_hash(url)), user,
				  body)
		    : e2e_request("POST", e2e_fmt("/people/%s/activities", user), user, body);
	E2E_STATUS(r, 201);
	const char *id =
		e2e_fmt("%s", r->json && e2e_str(r->json, "id") ? e2e_str(r->json, "id") : "");
	e2e_free(r);
	return id;
}
