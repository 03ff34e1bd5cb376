/*
 * test_acl_conversations.c — who may do what with a conversation, its
 * messages and device tokens, as a matrix: every
 * endpoint × Manager, owner, member, former member, outsider and nobody.
 * The properties that must never break: a non-participant never reads a
 * conversation, its messages, images or files; a user never lists or
 * deletes another user's device tokens. Users are "acl.*"; each denied
 * write is checked to change nothing.
 */
#include "e2e.h"

#include <stdio.h>
#include <string.h>

#define NOTE "{\"object\":{\"objectType\":\"note\",\"content\":\"acl\"}}"

static const char *group; /* owner acl.owner; members acl.p1, acl.p2; acl.left left */
static const char *pair;  /* acl.owner and acl.p1 */

static const char *conv(const char *user, const char *participants)
{
	struct e2e_resp *r = e2e_request("POST", "/conversations", user,
					 e2e_fmt("{\"contexts\":[{\"participants\":%s}],\"object\":"
						 "{\"objectType\":\"note\","
						 "\"content\":\"start\"}}",
						 participants));
	const char *cid =
		r->status == 201
			? e2e_fmt("%s",
				  e2e_str(json_object_array_get_idx(e2e_get(r->json, "contexts"),
								    0),
					  "id"))
			: "";
	e2e_free(r);
	return cid;
}

static int init(void)
{
	const char *users[] = {"acl.owner", "acl.p1", "acl.p2", "acl.left", "acl.out",
			       "acl.j1",    "acl.j2", "acl.t1", "acl.t2"};
	for (size_t i = 0; i < sizeof users / sizeof users[0]; i++)
		if (!e2e_person(users[i], NULL))
			return 1;
	e2e_manager();
	group = conv("acl.owner", "[\"acl.owner\",\"acl.p1\",\"acl.p2\",\"acl.left\"]");
	pair = conv("acl.owner", "[\"acl.owner\",\"acl.p1\"]");
	if (!*group || !*pair)
		return 1;
	struct e2e_resp *r =
		e2e_request("DELETE", e2e_fmt("/conversations/%s/participants/acl.left", group),
			    "acl.left", NULL);
	int ok = r->status == 204;
	e2e_free(r);
	return !ok;
}

struct cell {
	const char *user; /* NULL: no authentication */
	long status;
};

/* pattern with its "%s" replaced by cid */
static const char *subst(const char *pattern, const char *cid)
{
	const char *at = strstr(pattern, "%s");
	return at ? e2e_fmt("%.*s%s%s", (int)(at - pattern), pattern, cid, at + 2) : pattern;
}

/* One row of the matrix: method and path (%s = the conversation id) with
 * the expected status for each caller. */
static void row(const char *method, const char *pattern, const char *cid, const char *body,
		const struct cell *cells, size_t n)
{
	const char *path = subst(pattern, cid);
	for (size_t i = 0; i < n; i++) {
		const char *user = cells[i].user;
		if (user && !strcmp(user, "M"))
			user = e2e_manager();
		struct e2e_resp *r = e2e_request(method, path, user, body);
		if (!E2E_STATUS(r, cells[i].status))
			fprintf(stderr, "  as %s\n", user ? user : "(nobody)");
		if (cells[i].status == 403)
			E2E_STR_EQ(e2e_str(r->json, "error"), "Forbidden");
		e2e_free(r);
	}
}

#define ROW(method, fmt, cid, body, ...)                                                           \
	do {                                                                                       \
		const struct cell cells_[] = {__VA_ARGS__};                                        \
		row(method, fmt, cid, body, cells_, sizeof cells_ / sizeof cells_[0]);             \
	} while (0)

static void test_read_matrix(void)
{
	long long msgs = e2e_db_scalar("SELECT count(*) FROM messages");
	ROW("GET", "/conversations/%s", group, NULL, {"M", 200}, {"acl.owner", 200},
	    {"acl.p1", 200}, {"acl.left", 403}, {"acl.out", 403}, {NULL, 401});
	ROW("GET", "/conversations/%s/messages", group, NULL, {"M", 200}, {"acl.owner", 200},
	    {"acl.p2", 200}, {"acl.left", 403}, {"acl.out", 403}, {NULL, 401});
	ROW("GET", "/people/acl.p1/conversations/%s", group, NULL, {"M", 200}, {"acl.owner", 200},
	    {"acl.p1", 200}, {"acl.p2", 403}, {"acl.out", 403}, {NULL, 401});
	ROW("GET", "/people/acl.left/conversations/%s", group, NULL, {"acl.left", 403},
	    {"acl.owner", 404});
	ROW("GET", "/conversations/%s/tokens", group, NULL, {"M", 200}, {"acl.owner", 403},
	    {"acl.p1", 403}, {"acl.out", 403}, {NULL, 401});
	/* Manager-only lists */
	ROW("GET", "/messages%s", "", NULL, {"M", 200}, {"acl.owner", 403}, {NULL, 401});
	ROW("GET", "/conversations/active%s", "", NULL, {"M", 200}, {"acl.p1", 403}, {NULL, 401});
	ROW("GET", "/conversations%s", "", NULL, {"acl.out", 200}, {NULL, 401});
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM messages"), msgs);
	/* an outsider's list has none of them, nor does the former member's */
	struct e2e_resp *r = e2e_request("GET", "/conversations", "acl.out", NULL);
	E2E_INT_EQ(e2e_len(r->json), 0);
	e2e_free(r);
	r = e2e_request("GET", "/conversations", "acl.left", NULL);
	E2E_INT_EQ(e2e_len(r->json), 0);
	e2e_free(r);
	/* nor talkingIn, nor another user's Person */
	r = e2e_request("GET", "/people/acl.p1", "acl.out", NULL);
	CU_ASSERT(e2e_get(r->json, "talkingIn") == NULL);
	e2e_free(r);
}

static void test_write_matrix(void)
{
	long long before =
		e2e_db_scalar("SELECT count(*) FROM messages WHERE conversation_id = '%s'", group);
	ROW("POST", "/conversations/%s/messages", group, NOTE, {"acl.left", 403}, {"acl.out", 403},
	    {NULL, 401});
	ROW("POST", "/people/acl.out/conversations/%s/messages", group, NOTE, {"acl.out", 403});
	ROW("POST", "/people/acl.p1/conversations/%s/messages", group, NOTE, {"acl.p2", 403},
	    {"acl.owner", 403});
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM messages WHERE conversation_id = '%s'",
				 group),
		   before);
	ROW("POST", "/conversations/%s/messages", group, NOTE, {"M", 201}, {"acl.owner", 201},
	    {"acl.p1", 201});
	ROW("POST", "/people/acl.p2/conversations/%s/messages", group, NOTE, {"acl.p2", 201},
	    {"M", 201});
	/* rename */
	const char *name =
		e2e_db_text("SELECT display_name FROM conversations WHERE id = '%s'", group);
	ROW("PUT", "/conversations/%s", group, "{\"displayName\":\"hacked\"}", {"acl.p1", 403},
	    {"acl.left", 403}, {"acl.out", 403}, {NULL, 401});
	E2E_STR_EQ(e2e_db_text("SELECT display_name FROM conversations WHERE id = '%s'", group),
		   name);
	ROW("PUT", "/conversations/%s", group, "{\"displayName\":\"ACL\"}", {"acl.owner", 200},
	    {"M", 200});
	/* add participants */
	ROW("POST", "/conversations/%s/participants", group,
	    "{\"actor\":{\"username\":\"acl.j1\"}}", {"acl.p1", 403}, {"acl.out", 403},
	    {"acl.left", 403}, {NULL, 401});
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM conversation_members WHERE"
				 " conversation_id = '%s' AND username = 'acl.j1'",
				 group),
		   0);
	ROW("POST", "/conversations/%s/participants", group,
	    "{\"actor\":{\"username\":\"acl.j1\"}}", {"acl.owner", 201});
	ROW("POST", "/conversations/%s/participants", group,
	    "{\"actor\":{\"username\":\"acl.j2\"}}", {"M", 201});
	/* an outsider cannot add himself either */
	ROW("POST", "/people/acl.out/conversations/%s", group, "", {"acl.out", 403});
	/* kick / leave */
	ROW("DELETE", "/conversations/%s/participants/acl.j1", group, NULL, {"acl.p1", 403},
	    {"acl.out", 403}, {NULL, 401});
	ROW("DELETE", "/conversations/%s/participants/acl.out", group, NULL, {"acl.out", 403});
	ROW("DELETE", "/conversations/%s/participants/acl.j1", group, NULL, {"acl.owner", 204});
	ROW("DELETE", "/conversations/%s/participants/acl.j2", group, NULL, {"acl.j2", 204});
	ROW("DELETE", "/conversations/%s/participants/acl.owner", group, NULL, {"acl.owner", 403});
	/* ownership */
	ROW("PUT", "/conversations/%s/owner", group, "{\"actor\":{\"username\":\"acl.p1\"}}",
	    {"acl.p1", 403}, {"acl.p2", 403}, {"acl.out", 403}, {NULL, 401});
	E2E_STR_EQ(e2e_db_text("SELECT owner FROM conversations WHERE id = '%s'", group),
		   "acl.owner");
	/* 1:1: nobody kicks, either side leaves */
	ROW("DELETE", "/conversations/%s/participants/acl.p1", pair, NULL, {"acl.owner", 403},
	    {"acl.out", 403});
	ROW("DELETE", "/conversations/%s/participants/acl.owner", pair, NULL, {"acl.p1", 403});
	/* delete */
	ROW("DELETE", "/conversations/%s", group, NULL, {"acl.p1", 403}, {"acl.left", 403},
	    {"acl.out", 403}, {NULL, 401});
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM conversations WHERE id = '%s'", group), 1);
	ROW("DELETE", "/conversations%s", "", NULL, {"acl.owner", 403}, {NULL, 401});
	const char *mine = conv("acl.owner", "[\"acl.owner\",\"acl.p2\"]");
	ROW("DELETE", "/conversations/%s", mine, NULL, {"acl.owner", 204});
	const char *theirs = conv("acl.p2", "[\"acl.p2\",\"acl.out\"]");
	ROW("DELETE", "/conversations/%s", theirs, NULL, {"M", 204});
}

static void test_owner_who_left(void)
{
	/* the owner of a 1:1 who left still sees the conversation (Own) but
	 * not its messages (read comes from the subscription, api.md 8.2) */
	const char *cid = conv("acl.t1", "[\"acl.t1\",\"acl.t2\"]");
	ROW("DELETE", "/conversations/%s/participants/acl.t1", cid, NULL, {"acl.t1", 204});
	ROW("GET", "/conversations/%s", cid, NULL, {"acl.t1", 200}, {"acl.t2", 200});
	ROW("GET", "/conversations/%s/messages", cid, NULL, {"acl.t1", 403}, {"acl.t2", 200});
	ROW("POST", "/conversations/%s/messages", cid, NOTE, {"acl.t1", 403});
}

static void test_token_matrix(void)
{
	E2E_SEND(201, "POST", "/tokens", "acl.t1",
		 "{\"token\":\"acl-t1-ios\",\"platform\":\"ios\"}");
	E2E_SEND(201, "POST", "/tokens", "acl.t1",
		 "{\"token\":\"acl-t1-and\",\"platform\":\"android\"}");
	ROW("GET", "/people/acl.t1/tokens%s", "", NULL, {"acl.t2", 403}, {"acl.owner", 403},
	    {NULL, 401}, {"acl.t1", 200}, {"M", 200});
	ROW("GET", "/people/acl.t1/tokens/platforms/ios%s", "", NULL, {"acl.t2", 403}, {NULL, 401},
	    {"acl.t1", 200}, {"M", 200});
	ROW("DELETE", "/people/acl.t1/tokens%s", "", NULL, {"acl.t2", 403}, {NULL, 401});
	ROW("DELETE", "/people/acl.t1/tokens/platforms/ios%s", "", NULL, {"acl.t2", 403},
	    {NULL, 401});
	ROW("DELETE", "/tokens/acl-t1-ios%s", "", NULL, {"acl.t2", 403}, {NULL, 401});
	/* impersonation through the URL or the body does not help */
	ROW("DELETE", "/people/acl.t2/device/ios/acl-t1-ios%s", "", NULL, {"acl.t2", 403});
	ROW("POST", "/tokens%s", "",
	    "{\"actor\":{\"username\":\"acl.t1\"},\"token\":\"x\",\"platform\":\"ios\"}",
	    {"acl.t2", 403});
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM device_tokens WHERE owner = 'acl.t1'"), 2);
	/* the owner and a Manager may */
	ROW("DELETE", "/tokens/acl-t1-ios%s", "", NULL, {"acl.t1", 204});
	ROW("DELETE", "/people/acl.t1/tokens/platforms/android%s", "", NULL, {"M", 204});
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM device_tokens WHERE owner = 'acl.t1'"), 0);
}

static void test_maintenance_matrix(void)
{
	ROW("POST", "/admin/maintenance/conversations%s", "", "", {"acl.owner", 403}, {NULL, 401},
	    {"M", 200});
	ROW("POST", "/admin/maintenance/users%s", "", "", {"acl.owner", 403}, {"M", 200});
	ROW("POST", "/admin/maintenance/tokens%s", "", "", {"acl.owner", 403}, {"M", 200});
}

/* a message with an upload, through the base64 JSON variant */
static const char *media_message(const char *cid, const char *user, const char *type,
				 const char *base64)
{
	struct e2e_resp *r = e2e_request("POST", e2e_fmt("/conversations/%s/messages", cid), user,
					 e2e_fmt("{\"data\":{\"json_data\":\"{\\\"object\\\":{"
						 "\\\"objectType\\\":"
						 "\\\"%s\\\"}}\",\"file\":\"%s\"}}",
						 type, base64));
	E2E_STATUS(r, 201);
	const char *id = e2e_fmt("%s", e2e_str(r->json, "id") ? e2e_str(r->json, "id") : "");
	e2e_free(r);
	return id;
}

static void test_attachment_matrix(void)
{
	/* a 4×3 PNG, and a file */
	const char *png = "iVBORw0KGgoAAAANSUhEUgAAAAQAAAADCAIAAAA7ljmRAAAAKklEQVR4nA3HMQEAMAzDMA"
			  "MriMDpaSgBUYCbPgEOLh5CnLjx8lOnbr36AOO3DflsbMvSAAAAAElFTkSuQmCC";
	const char *img = media_message(group, "acl.p1", "image", png);
	const char *file = media_message(group, "acl.p2", "file", "c2VjcmV0IGJ5dGVz");
	ROW("GET", "/messages/%s/image", img, NULL, {"M", 200}, {"acl.owner", 200}, {"acl.p1", 200},
	    {"acl.p2", 200}, {"acl.left", 403}, {"acl.out", 403}, {NULL, 401});
	ROW("GET", "/messages/%s/image/thumb", img, NULL, {"acl.p2", 200}, {"acl.left", 403},
	    {"acl.out", 403}, {NULL, 401});
	ROW("GET", "/messages/%s/file/download", file, NULL, {"M", 200}, {"acl.owner", 200},
	    {"acl.p2", 200}, {"acl.left", 403}, {"acl.out", 403}, {NULL, 401});
	/* the 403 carries no byte of the file */
	struct e2e_resp *r =
		e2e_request("GET", e2e_fmt("/messages/%s/file/download", file), "acl.out", NULL);
	CU_ASSERT(!strstr(r->body, "secret"));
	e2e_free(r);
}

/* A HEAD is answered as the GET would be: whoever may not read gets the
 * same 403, without a body and without the X-totalItems count that would
 * let him guess the words of others' messages. */
static void head_denied(const char *path, const char *user)
{
	struct e2e_resp *r = e2e_request("HEAD", path, user, NULL);
	if (!E2E_STATUS(r, 403))
		fprintf(stderr, "  HEAD %s as %s\n", path, user);
	CU_ASSERT(e2e_header(r, "X-totalItems") == NULL);
	E2E_INT_EQ(r->body_len, 0);
	e2e_free(r);
}

static void test_head_matrix(void)
{
	struct e2e_resp *r =
		e2e_request("POST", e2e_fmt("/conversations/%s/messages", group), "acl.p1",
			    "{\"object\":{\"objectType\":\"note\",\"content\":\"the secret "
			    "plan\"}}");
	E2E_STATUS(r, 201);
	e2e_free(r);
	const char *oracle = "/messages?actor=acl.p1&keyword=secret";
	head_denied(oracle, "acl.out");
	head_denied(oracle, "acl.p2"); /* a member of that conversation too */
	head_denied("/conversations/active?keyword=secret", "acl.out");
	head_denied(e2e_fmt("/conversations/%s", group), "acl.out");
	head_denied(e2e_fmt("/conversations/%s", group), "acl.left");
	head_denied(e2e_fmt("/conversations/%s/messages", group), "acl.out");
	head_denied(e2e_fmt("/people/acl.p1/conversations/%s", group), "acl.out");
	/* those who may GET still get the count, or the 200 */
	r = e2e_request("HEAD", oracle, e2e_manager(), NULL);
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_header(r, "X-totalItems"), "1");
	e2e_free(r);
	r = e2e_request("HEAD", e2e_fmt("/conversations/%s", group), "acl.p2", NULL);
	E2E_STATUS(r, 200);
	E2E_INT_EQ(r->body_len, 0);
	e2e_free(r);
}

E2E_SUITE(acl_conversations, init, NULL)
{
	E2E_TEST(s, test_read_matrix);
	E2E_TEST(s, test_write_matrix);
	E2E_TEST(s, test_owner_who_left);
	E2E_TEST(s, test_attachment_matrix);
	E2E_TEST(s, test_token_matrix);
	E2E_TEST(s, test_maintenance_matrix);
	E2E_TEST(s, test_head_matrix);
}
