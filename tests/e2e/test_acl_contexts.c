/*
 * test_acl_contexts.c — the access matrix of the context family (#9,
 * #36–#56): every endpoint tried as anonymous, another user, the owner,
 * a Manager and the member the URL names (acting as himself), each on a
 * fresh context so that one call's effect cannot decide another's status.
 *
 * "Owner" is the context's owner for context URLs and the person himself
 * for /people/{username}/… URLs (endpoints.md "Own"). Two context kinds:
 * closed (members read and write; subscribe, hence unsubscribe, restricted)
 * and open (subscribe public).
 */
#include "e2e.h"
#include "util/ids.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OWNER "aclx.owner"
#define OTHER "aclx.other"
#define MEMBER "aclx.member"

enum { ANON, OTHER_USER, OWNER_USER, MANAGER, MEMBER_USER, NCALLERS };
static const char *const caller_names[NCALLERS] = {"anonymous", "other", "owner", "manager",
						   "member"};

static const char *caller(int i)
{
	static const char *const users[NCALLERS] = {NULL, OTHER, OWNER, NULL, MEMBER};
	return i == MANAGER ? e2e_manager() : users[i];
}

#define CLOSED "{\"read\":\"subscribed\",\"write\":\"subscribed\",\"subscribe\":\"restricted\"}"
#define OPEN "{\"read\":\"subscribed\",\"write\":\"subscribed\",\"subscribe\":\"public\"}"

enum { SUBSCRIBED = 1, OPTED_OUT = 2 }; /* the member's state before the call */

struct row {
	const char *what;
	const char *method;
	const char *path; /* %s = the context hash (when the path has one) */
	const char *body;
	const char *perms;
	unsigned setup;
	int status[NCALLERS];
};

#define ACTOR_MEMBER "{\"actor\":{\"objectType\":\"person\",\"username\":\"" MEMBER "\"}}"

static const struct row rows[] = {
	{"#9 avatar",
	 "GET",
	 "/contexts/%s/avatar",
	 NULL,
	 CLOSED,
	 SUBSCRIBED,
	 {200, 200, 200, 200, 200}},
	{"#36 list", "GET", "/contexts", NULL, CLOSED, SUBSCRIBED, {401, 403, 403, 200, 403}},
	{"#37 create",
	 "POST",
	 "/contexts",
	 "{\"url\":\"http://aclx.test/new/%s\"}",
	 CLOSED,
	 0,
	 {401, 403, 403, 201, 403}},
	{"#38 public", "GET", "/contexts/public", NULL, CLOSED, 0, {401, 200, 200, 200, 200}},
	{"#39 read", "GET", "/contexts/%s", NULL, CLOSED, 0, {401, 200, 200, 200, 200}},
	{"#40 modify",
	 "PUT",
	 "/contexts/%s",
	 "{\"displayName\":\"Changed\"}",
	 CLOSED,
	 SUBSCRIBED,
	 {401, 403, 200, 200, 403}},
	{"#41 delete", "DELETE", "/contexts/%s", NULL, CLOSED, SUBSCRIBED, {401, 403, 204, 204, 403}},
	{"#42 tags", "GET", "/contexts/%s/tags", NULL, CLOSED, 0, {401, 200, 200, 200, 200}},
	{"#43 add tags",
	 "PUT",
	 "/contexts/%s/tags",
	 "[\"x\"]",
	 CLOSED,
	 SUBSCRIBED,
	 {401, 403, 200, 200, 403}},
	{"#44 clear tags",
	 "DELETE",
	 "/contexts/%s/tags",
	 NULL,
	 CLOSED,
	 SUBSCRIBED,
	 {401, 403, 200, 200, 403}},
	{"#45 delete tag",
	 "DELETE",
	 "/contexts/%s/tags/t1",
	 NULL,
	 CLOSED,
	 SUBSCRIBED,
	 {401, 403, 204, 204, 403}},
	{"#46 user's subscriptions",
	 "GET",
	 "/people/" MEMBER "/subscriptions",
	 NULL,
	 CLOSED,
	 SUBSCRIBED,
	 {401, 403, 403, 200, 200}},
	{"#47 subscribe, closed",
	 "POST",
	 "/contexts/%s/subscriptions",
	 ACTOR_MEMBER,
	 CLOSED,
	 0,
	 {401, 403, 201, 201, 403}},
	{"#47 subscribe, open",
	 "POST",
	 "/contexts/%s/subscriptions",
	 ACTOR_MEMBER,
	 OPEN,
	 0,
	 {401, 403, 201, 201, 201}},
	{"#48 subscribers",
	 "GET",
	 "/contexts/%s/subscriptions",
	 NULL,
	 CLOSED,
	 SUBSCRIBED,
	 {401, 403, 200, 200, 403}},
	{"#49 unsubscribe, closed",
	 "DELETE",
	 "/contexts/%s/subscriptions/" MEMBER,
	 NULL,
	 CLOSED,
	 SUBSCRIBED,
	 {401, 403, 204, 204, 403}},
	{"#49 unsubscribe, open",
	 "DELETE",
	 "/contexts/%s/subscriptions/" MEMBER,
	 NULL,
	 OPEN,
	 SUBSCRIBED,
	 {401, 403, 204, 204, 204}},
	{"#50 grant",
	 "PUT",
	 "/contexts/%s/permissions/" MEMBER "/flag",
	 NULL,
	 CLOSED,
	 SUBSCRIBED,
	 {401, 403, 201, 201, 403}},
	{"#51 revoke",
	 "DELETE",
	 "/contexts/%s/permissions/" MEMBER "/read",
	 NULL,
	 CLOSED,
	 SUBSCRIBED,
	 {401, 403, 201, 201, 403}},
	{"#52 reset",
	 "POST",
	 "/contexts/%s/permissions/" MEMBER "/defaults",
	 NULL,
	 CLOSED,
	 SUBSCRIBED,
	 {401, 403, 200, 200, 403}},
	{"#53 user's opt-outs",
	 "GET",
	 "/people/" MEMBER "/unsubscriptionpush",
	 NULL,
	 CLOSED,
	 SUBSCRIBED | OPTED_OUT,
	 {401, 403, 403, 200, 200}},
	{"#54 context's opt-outs",
	 "GET",
	 "/contexts/%s/unsubscriptionpush",
	 NULL,
	 CLOSED,
	 SUBSCRIBED | OPTED_OUT,
	 {401, 403, 200, 200, 403}},
	{"#55 opt out, closed",
	 "POST",
	 "/contexts/%s/unsubscriptionpush/" MEMBER,
	 NULL,
	 CLOSED,
	 SUBSCRIBED,
	 {401, 403, 201, 201, 403}},
	{"#55 opt out, open",
	 "POST",
	 "/contexts/%s/unsubscriptionpush/" MEMBER,
	 NULL,
	 OPEN,
	 SUBSCRIBED,
	 {401, 403, 201, 201, 201}},
	{"#56 opt in, closed",
	 "DELETE",
	 "/contexts/%s/subscriptionpush/" MEMBER,
	 NULL,
	 CLOSED,
	 SUBSCRIBED | OPTED_OUT,
	 {401, 403, 204, 204, 403}},
	{"#56 opt in, open",
	 "DELETE",
	 "/contexts/%s/subscriptionpush/" MEMBER,
	 NULL,
	 OPEN,
	 SUBSCRIBED | OPTED_OUT,
	 {401, 403, 204, 204, 204}},
};

static int init(void)
{
	int ok = e2e_person(OWNER, "ACL Owner") & e2e_person(OTHER, "ACL Other") &
		 e2e_person(MEMBER, "ACL Member");
	/* the default avatar must exist for the public avatar route */
	char path[1024];
	snprintf(path, sizeof path, "%s/files/avatars/missing-context.png", getenv("MAX_TEST_VAR"));
	FILE *f = fopen(path, "wb");
	if (f) {
		fputs("\x89PNG\r\n\x1a\n", f);
		fclose(f);
	}
	return !ok || !f;
}

/* A fresh context for one cell, owned by OWNER, with the member in the
 * state the row needs; its hash into hash. */
static int setup(size_t row, int who, char hash[41])
{
	const struct row *rw = &rows[row];
	const char *url = e2e_fmt("http://aclx.test/%zu/%d", row, who);
	hash_sha1_hex(url, strlen(url), hash);
	const char *mgr = e2e_manager();
	int ok = E2E_SEND(201, "POST", "/contexts", mgr,
			  e2e_fmt("{\"url\":\"%s\",\"owner\":\"" OWNER "\",\"tags\":[\"t1\"],"
				  "\"permissions\":%s}",
				  url, rw->perms));
	if (rw->setup & SUBSCRIBED)
		ok &= E2E_SEND(201, "POST", e2e_fmt("/contexts/%s/subscriptions", hash), mgr,
			       ACTOR_MEMBER);
	if (rw->setup & OPTED_OUT)
		ok &= E2E_SEND(201, "POST",
			       e2e_fmt("/contexts/%s/unsubscriptionpush/" MEMBER, hash), mgr, NULL);
	return ok;
}

/* t with its "%s" (if any) replaced by v */
static const char *subst(const char *t, const char *v)
{
	const char *p = strstr(t, "%s");
	return p ? e2e_fmt("%.*s%s%s", (int)(p - t), t, v, p + 2) : t;
}

static void test_matrix(void)
{
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const struct row *rw = &rows[i];
		for (int who = 0; who < NCALLERS; who++) {
			char hash[41];
			if (!setup(i, who, hash))
				continue;
			const char *p = subst(rw->path, hash);
			const char *body = rw->body ? subst(rw->body, caller_names[who]) : NULL;
			struct e2e_resp *r = e2e_request(rw->method, p, caller(who), body);
			if (r->status != rw->status[who])
				fprintf(stderr, "\n  %s as %s: %ld, expected %d", rw->what,
					caller_names[who], r->status, rw->status[who]);
			E2E_STATUS(r, rw->status[who]);
			if (r->status == 403)
				CU_ASSERT_STRING_EQUAL(e2e_str(r->json, "error"), "Forbidden");
			if (r->status == 401)
				CU_ASSERT_STRING_EQUAL(e2e_str(r->json, "error"), "Unauthorized");
			e2e_free(r);
		}
	}
}

/* HEAD is checked as its GET is (only the body is left out): a count must
 * not tell what the body would not; authentication applies as well. */
static void test_head_checked_as_get(void)
{
	char hash[41];
	if (!setup(1, 9, hash))
		return;
	static const char *const lists[] = {"subscriptions", "unsubscriptionpush"};
	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
		char p[128];
		snprintf(p, sizeof p, "/contexts/%s/%s", hash, lists[i]);
		struct e2e_resp *g = e2e_request("GET", p, OTHER, NULL);
		struct e2e_resp *h = e2e_request("HEAD", p, OTHER, NULL);
		E2E_STATUS(g, 403);
		E2E_STATUS(h, 403);
		CU_ASSERT_EQUAL(h->body_len, 0); /* no body */
		e2e_free(g);
		e2e_free(h);
		E2E_SEND(401, "HEAD", p, NULL, NULL);
	}
	E2E_SEND(404, "HEAD", "/contexts/0000000000000000000000000000000000000000", OTHER, NULL);
}

E2E_SUITE(acl_contexts, init, NULL)
{
	E2E_TEST(s, test_matrix);
	E2E_TEST(s, test_head_checked_as_get);
}
