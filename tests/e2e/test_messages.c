/*
 * test_messages.c — messages #68–#71 and #60 (api.md 4.9; endpoints.md): posting
 * as oneself and as somebody else, the single/archive rules, the mobile
 * notification (messaging.md 3), sanitised content and keywords, paging
 * a conversation oldest-first with before, the Manager's global list and
 * active conversations with their HEAD counts; image and file messages
 * (multipart and base64 JSON) read back byte for byte, thumbnails, base64
 * downloads and who may fetch them. Users are "msg.*".
 */
#include "e2e.h"

#include <stdlib.h>
#include <string.h>

#define LEAN_KEYS "actor,contexts,generator,id,object,objectType,published,replies,verb"
#define FULL_KEYS                                                                                  \
	"actor,contexts,creator,generator,id,keywords,object,objectType,owner,published,"          \
	"replies,verb"

static const char *body(const char *content)
{
	return e2e_fmt("{\"object\":{\"objectType\":\"note\",\"content\":\"%s\"}}", content);
}

static const char *new_conv(const char *user, const char *participants)
{
	struct e2e_resp *r =
		e2e_request("POST", "/conversations", user,
			    e2e_fmt("{\"contexts\":[{\"objectType\":\"conversation\","
				    "\"participants\":%s}],"
				    "\"object\":{\"objectType\":\"note\",\"content\":\"first\"}}",
				    participants));
	E2E_STATUS(r, 201);
	json_object *c0 = json_object_array_get_idx(e2e_get(r->json, "contexts"), 0);
	const char *cid = e2e_fmt("%s", e2e_str(c0, "id") ? e2e_str(c0, "id") : "");
	e2e_free(r);
	return cid;
}

static const char *post_id(const char *cid, const char *user, const char *content)
{
	struct e2e_resp *r = e2e_request("POST", e2e_fmt("/conversations/%s/messages", cid), user,
					 body(content));
	E2E_STATUS(r, 201);
	const char *id = e2e_fmt("%s", e2e_str(r->json, "id") ? e2e_str(r->json, "id") : "");
	e2e_free(r);
	return id;
}

static int forbidden(const struct e2e_resp *r, const char *user, const char *perm)
{
	return E2E_EXPECT(r, 403, "Forbidden",
			  e2e_fmt("User \"%s\" has no permission \"%s\" here ", user, perm));
}

static int init(void)
{
	int ok = 1;
	ok &= e2e_person("msg.messi", "Leo Messi");
	ok &= e2e_person("msg.xavi", "Xavi");
	ok &= e2e_person("msg.shakira", "Shakira");
	ok &= e2e_person("msg.out", "Outsider");
	e2e_manager();
	return !ok;
}

static void test_post(void)
{
	const char *cid = new_conv("msg.messi", "[\"msg.messi\",\"msg.xavi\",\"msg.shakira\"]");
	const char *path = e2e_fmt("/conversations/%s/messages", cid);
	long long outbox = e2e_db_scalar("SELECT max(id) FROM outbox");
	struct e2e_resp *r =
		e2e_request("POST", path, "msg.shakira",
			    "{\"object\":{\"objectType\":\"note\",\"content\":\"M'agrada "
			    "<i>Terrassa</i>"
			    "<img src=x onerror=alert(1)> & d'estatus #Nou\"},\"published\":"
			    "\"2001-01-01T00:00:00Z\",\"generator\":\"uTalk\"}");
	E2E_STATUS(r, 201);
	E2E_STR_EQ(e2e_keys(r->json), FULL_KEYS);
	E2E_STR_EQ(e2e_str(r->json, "owner"), "msg.shakira");
	E2E_STR_EQ(e2e_str(r->json, "generator"), "uTalk");
	E2E_INT_EQ(e2e_len(e2e_get(r->json, "replies")), 0);
	E2E_INT_EQ(e2e_len(e2e_get(r->json, "keywords")), 0);
	CU_ASSERT(strncmp(e2e_str(r->json, "published"), "2001", 4) != 0); /* ignored */
	json_object *o = e2e_get(r->json, "object");
	E2E_STR_EQ(e2e_keys(o), "content,hashtags,keywords,objectType");
	/* api.md 3: tags stripped (text kept), & escaped */
	E2E_STR_EQ(e2e_str(o, "content"), "M'agrada <i>Terrassa</i> &amp; d'estatus #Nou");
	E2E_STR_EQ(json_object_to_json_string_ext(e2e_get(o, "hashtags"), JSON_C_TO_STRING_PLAIN),
		   "[\"nou\"]");
	E2E_STR_EQ(json_object_to_json_string_ext(e2e_get(o, "keywords"), JSON_C_TO_STRING_PLAIN),
		   "[\"agrada\",\"estatus\",\"nou\",\"msg.shakira\"]");
	json_object *c0 = json_object_array_get_idx(e2e_get(r->json, "contexts"), 0);
	E2E_STR_EQ(e2e_keys(c0), "displayName,id,objectType");
	E2E_STR_EQ(e2e_str(c0, "id"), cid);
	e2e_free(r);
	/* no mobile: nothing published, nothing bound */
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM outbox WHERE id > %lld", outbox), 0);
	/* the newest message is the conversation's lastMessage */
	r = e2e_request("GET", e2e_fmt("/conversations/%s", cid), "msg.messi", NULL);
	json_object *lm = e2e_get(r->json, "lastMessage");
	E2E_STR_EQ(e2e_str(lm, "actor"), "Shakira");
	E2E_STR_EQ(e2e_str(lm, "objectType"), "note");
	e2e_free(r);

	/* mobile: re-bind everyone, then add/message with text and message_id */
	r = e2e_request("POST", path, "msg.xavi",
			"{\"object\":{\"objectType\":\"note\",\"content\":\"des del mòbil\","
			"\"mobile\":true}}");
	E2E_STATUS(r, 201);
	const char *mid = e2e_fmt("%s", e2e_str(r->json, "id"));
	CU_ASSERT(e2e_get(e2e_get(r->json, "object"), "mobile") == NULL);
	e2e_free(r);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM outbox WHERE id > %lld AND op = 'bind'"
				 " AND routing_key = '%s.*'",
				 outbox, cid),
		   6);
	E2E_STR_EQ(e2e_db_text("SELECT json_extract(body, '$.a') || json_extract(body, '$.o') ||"
			       " '|' || json_extract(body, '$.u.u') || '|' || json_extract(body,"
			       " '$.u.d') || '|' || json_extract(body, '$.d.text') || '|' ||"
			       " json_extract(body, '$.d.message_id') FROM outbox WHERE id > %lld"
			       " AND op = 'publish' AND exchange = 'conversations'"
			       " AND routing_key = '%s.notifications'",
			       outbox, cid),
		   e2e_fmt("am|msg.xavi|Xavi|des del mòbil|%s", mid));
	E2E_INT_EQ(e2e_db_scalar("SELECT max(id) FROM outbox WHERE op = 'publish'"),
		   e2e_db_scalar("SELECT max(id) FROM outbox"));
}

static void test_post_rules(void)
{
	const char *cid = new_conv("msg.messi", "[\"msg.messi\",\"msg.xavi\"]");
	const char *path = e2e_fmt("/conversations/%s/messages", cid);
	long long msgs = e2e_db_scalar("SELECT count(*) FROM messages");
	struct e2e_resp *r = e2e_request("POST", path, "msg.out", body("intrús"));
	forbidden(r, "msg.out", "Add a message to a conversation");
	e2e_free(r);
	/* a participant cannot post as the other (api.md 1.4) */
	r = e2e_request("POST", path, "msg.messi",
			"{\"actor\":{\"objectType\":\"person\",\"username\":\"msg.xavi\"},"
			"\"object\":{\"objectType\":\"note\",\"content\":\"fake\"}}");
	forbidden(r, "msg.messi", "Add a message to a conversation");
	e2e_free(r);
	r = e2e_request("POST", e2e_fmt("/people/msg.xavi/conversations/%s/messages", cid),
			"msg.messi", body("fake"));
	forbidden(r, "msg.messi", "Add a message to a conversation");
	e2e_free(r);
	/* validation */
	r = e2e_request("POST", path, "msg.messi", "{}");
	E2E_EXPECT(r, 400, "MissingField",
		   "Required parameter \"object\" not found in the request");
	e2e_free(r);
	r = e2e_request("POST", path, "msg.messi", "{\"object\":{\"objectType\":\"note\"}}");
	E2E_EXPECT(r, 400, "MissingField",
		   "Required parameter \"content\" not found in the request");
	e2e_free(r);
	r = e2e_request("POST", path, "msg.messi", "{\"object\":{\"objectType\":\"video\"}}");
	E2E_EXPECT(r, 400, "ObjectNotSupported",
		   "Activitystrea.ms object type video unknown or unsupported");
	e2e_free(r);
	r = e2e_request("POST", path, "msg.messi",
			"{\"object\":{\"objectType\":\"note\",\"content\":5}}");
	E2E_STATUS(r, 400);
	e2e_free(r);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM messages"), msgs);
	/* ids and conversations */
	r = e2e_request("POST", "/conversations/0123456789abcdef01234567/messages", "msg.messi",
			body("x"));
	E2E_EXPECT(r, 404, "ObjectNotFound",
		   "Object with _id 0123456789abcdef01234567 not found inside conversations");
	e2e_free(r);
	r = e2e_request("POST", "/people/msg.messi/conversations/nothex/messages", "msg.messi",
			body("x"));
	E2E_STATUS(r, 400);
	E2E_STR_EQ(e2e_str(r->json, "error"), "InvalidId");
	e2e_free(r);
	r = e2e_request("POST", e2e_fmt("/people/msg.nobody/conversations/%s/messages", cid),
			"msg.messi", body("x"));
	E2E_EXPECT(r, 400, "UnknownUserError", "Unknown actor identified by: msg.nobody");
	e2e_free(r);
	/* #70 as oneself, and a Manager as anybody (even a non-participant) */
	r = e2e_request("POST", e2e_fmt("/people/msg.xavi/conversations/%s/messages", cid),
			"msg.xavi", body("jo mateix"));
	E2E_STATUS(r, 201);
	E2E_STR_EQ(e2e_str(e2e_get(r->json, "actor"), "username"), "msg.xavi");
	e2e_free(r);
	const char *m = e2e_manager();
	r = e2e_request("POST", path, m,
			"{\"actor\":{\"objectType\":\"person\",\"username\":\"msg.xavi\"},"
			"\"object\":{\"objectType\":\"note\",\"content\":\"per tu\"}}");
	E2E_STATUS(r, 201);
	E2E_STR_EQ(e2e_str(e2e_get(r->json, "actor"), "username"), "msg.xavi");
	E2E_STR_EQ(e2e_str(r->json, "creator"), m);
	E2E_STR_EQ(e2e_str(r->json, "owner"), "msg.xavi");
	e2e_free(r);
	E2E_SEND(201, "POST", e2e_fmt("/people/%s/conversations/%s/messages", m, cid), m,
		 body("des de fora"));
}

static void test_single_rejoin(void)
{
	e2e_person("msg.s1", NULL);
	e2e_person("msg.s2", NULL);
	const char *cid = new_conv("msg.s1", "[\"msg.s1\",\"msg.s2\"]");
	E2E_SEND(204, "DELETE", e2e_fmt("/conversations/%s/participants/msg.s2", cid), "msg.s2",
		 NULL);
	/* the leaver cannot post; the other side can and brings him back */
	struct e2e_resp *r = e2e_request("POST", e2e_fmt("/conversations/%s/messages", cid),
					 "msg.s2", body("x"));
	E2E_STATUS(r, 403);
	e2e_free(r);
	long long outbox = e2e_db_scalar("SELECT max(id) FROM outbox");
	post_id(cid, "msg.s1", "torna");
	E2E_INT_EQ(e2e_db_scalar("SELECT tag_single FROM conversations WHERE id = '%s'", cid), 0);
	/* bind the returning member, then add/conversation (before the message) */
	E2E_STR_EQ(e2e_db_text("SELECT group_concat(op, ',') FROM (SELECT op FROM outbox WHERE"
			       " id > %lld ORDER BY id)",
			       outbox),
		   "bind,bind,publish");
	E2E_STR_EQ(e2e_db_text("SELECT json_extract(body, '$.o') FROM outbox WHERE id > %lld"
			       " AND op = 'publish'",
			       outbox),
		   "c");
	r = e2e_request("GET", e2e_fmt("/conversations/%s/messages", cid), "msg.s2", NULL);
	E2E_STATUS(r, 200);
	E2E_INT_EQ(e2e_len(r->json), 2);
	e2e_free(r);
}

static void test_list_paging(void)
{
	const char *cid = new_conv("msg.messi", "[\"msg.messi\",\"msg.shakira\"]");
	const char *ids[13];
	ids[0] = NULL;
	for (int i = 1; i <= 12; i++)
		ids[i] = post_id(cid, i % 2 ? "msg.messi" : "msg.shakira", e2e_fmt("m%02d", i));
	const char *path = e2e_fmt("/conversations/%s/messages", cid);
	struct e2e_resp *r = e2e_request("GET", path, "msg.shakira", NULL);
	E2E_STATUS(r, 200);
	E2E_INT_EQ(e2e_len(r->json), 10); /* default limit */
	E2E_STR_EQ(e2e_header(r, "X-Has-Remaining-Items"), "1");
	json_object *first = json_object_array_get_idx(r->json, 0);
	json_object *last = json_object_array_get_idx(r->json, 9);
	E2E_STR_EQ(e2e_keys(first), LEAN_KEYS);
	E2E_STR_EQ(e2e_keys(e2e_get(first, "object")), "content,objectType");
	E2E_STR_EQ(e2e_str(e2e_get(first, "object"), "content"), "m03"); /* oldest first */
	E2E_STR_EQ(e2e_str(last, "id"), ids[12]);
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("%s?before=%s&limit=5", path, ids[3]), "msg.messi", NULL);
	E2E_INT_EQ(e2e_len(r->json), 3); /* first, m01, m02 */
	E2E_STR_EQ(e2e_str(e2e_get(json_object_array_get_idx(r->json, 0), "object"), "content"),
		   "first");
	E2E_STR_EQ(e2e_str(json_object_array_get_idx(r->json, 2), "id"), ids[2]);
	E2E_STR_EQ(e2e_header(r, "X-Has-Remaining-Items"), NULL);
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("%s?limit=2&after=%s", path, ids[9]), "msg.messi", NULL);
	E2E_INT_EQ(e2e_len(r->json), 2);
	E2E_STR_EQ(e2e_str(json_object_array_get_idx(r->json, 1), "id"), ids[12]);
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("%s?before=zz", path), "msg.messi", NULL);
	E2E_EXPECT(r, 400, "InvalidSearchParams",
		   "before must be a valid ObjectId BSON identifier");
	e2e_free(r);
	r = e2e_request("GET", path, "msg.out", NULL);
	forbidden(r, "msg.out", "View all conversation messages");
	e2e_free(r);
	/* HEAD is answered as GET is: the same 403, no body */
	r = e2e_request("HEAD", path, "msg.out", NULL);
	E2E_STATUS(r, 403);
	E2E_INT_EQ(r->body_len, 0);
	e2e_free(r);
	r = e2e_request("GET", path, e2e_manager(), NULL);
	E2E_STATUS(r, 200);
	e2e_free(r);
}

static void test_global_and_active(void)
{
	e2e_person("msg.g1", NULL);
	e2e_person("msg.g2", NULL);
	const char *a = new_conv("msg.g1", "[\"msg.g1\",\"msg.g2\"]");
	const char *b = new_conv("msg.g2", "[\"msg.g2\",\"msg.messi\"]");
	post_id(a, "msg.g1", "zebra #ratlles");
	const char *m = e2e_manager();
	struct e2e_resp *r = e2e_request("GET", "/messages?limit=3", m, NULL);
	E2E_STATUS(r, 200);
	E2E_INT_EQ(e2e_len(r->json), 3);
	if (e2e_len(r->json) < 1) { /* reported above; don't crash the run on it */
		e2e_free(r);
		return;
	}
	json_object *m0 = json_object_array_get_idx(r->json, 0);
	E2E_STR_EQ(e2e_keys(m0), FULL_KEYS);
	E2E_STR_EQ(e2e_str(e2e_get(m0, "object"), "content"), "zebra #ratlles"); /* newest first */
	e2e_free(r);
	r = e2e_request("GET", "/messages?actor=MSG.G1%20&keyword=zebra", m, NULL);
	E2E_INT_EQ(e2e_len(r->json), 1);
	e2e_free(r);
	r = e2e_request("GET", "/messages?hashtag=ratlles&keyword=nothing", m, NULL);
	E2E_INT_EQ(e2e_len(r->json), 0);
	e2e_free(r);
	r = e2e_request("GET", "/messages?date_filter=2001", m, NULL);
	E2E_INT_EQ(e2e_len(r->json), 0);
	e2e_free(r);
	r = e2e_request("HEAD", "/messages?actor=msg.g1", m, NULL);
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_header(r, "X-totalItems"), "2");
	E2E_INT_EQ(r->body_len, 0);
	e2e_free(r);
	/* HEAD is for Managers as GET is: no counts for users */
	r = e2e_request("HEAD", "/messages?actor=msg.g1", "msg.g1", NULL);
	E2E_STATUS(r, 403);
	CU_ASSERT(e2e_header(r, "X-totalItems") == NULL);
	e2e_free(r);
	r = e2e_request("GET", "/messages", "msg.g1", NULL);
	forbidden(r, "msg.g1", "View all conversation messages");
	e2e_free(r);
	/* #60: the conversations of the newest messages */
	r = e2e_request("GET", "/conversations/active?limit=2", m, NULL);
	E2E_STATUS(r, 200);
	E2E_INT_EQ(e2e_len(r->json), 2);
	json_object *c0 = json_object_array_get_idx(r->json, 0);
	E2E_STR_EQ(e2e_keys(c0), "displayName,id,objectType");
	E2E_STR_EQ(e2e_str(c0, "id"), a);
	E2E_STR_EQ(e2e_str(json_object_array_get_idx(r->json, 1), "id"), b);
	e2e_free(r);
	r = e2e_request("HEAD", "/conversations/active?limit=2", m, NULL);
	E2E_STR_EQ(e2e_header(r, "X-totalItems"), "2");
	e2e_free(r);
	r = e2e_request("GET", "/conversations/active?date_filter=2001-01", m, NULL);
	E2E_INT_EQ(e2e_len(r->json), 0);
	e2e_free(r);
	r = e2e_request("GET", "/conversations/active", "msg.g1",
			NULL); /* Unlike the original: Managers */
	forbidden(r, "msg.g1", "List conversations");
	e2e_free(r);
}

/* ---- #58 #69 with media, #72–#74 (api.md 8.5, 9.2) ------------------------ */

/* a 4×3 RGB PNG */
static const unsigned char PNG[] = {0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00,
				    0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x04,
				    0x00, 0x00, 0x00, 0x03, 0x08, 0x02, 0x00, 0x00, 0x00, 0x3b,
				    0x96, 0x39, 0x91, 0x00, 0x00, 0x00, 0x2a, 0x49, 0x44, 0x41,
				    0x54, 0x78, 0x9c, 0x0d, 0xc7, 0x31, 0x01, 0x00, 0x30, 0x0c,
				    0xc3, 0x30, 0x03, 0x2b, 0x88, 0xc0, 0xe9, 0x69, 0x28, 0x01,
				    0x51, 0x80, 0x9b, 0x3e, 0x01, 0x0e, 0x2e, 0x1e, 0x42, 0x9c,
				    0xb8, 0xf1, 0xf2, 0x53, 0xa7, 0x6e, 0xbd, 0xfa, 0x00, 0xe3,
				    0xb7, 0x0d, 0xf9, 0x6c, 0x6c, 0xcb, 0xd2, 0x00, 0x00, 0x00,
				    0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};

/* n bytes of every value, NULs included */
static void binary(unsigned char *out, size_t n)
{
	unsigned x = 2463534242u;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		out[i] = (unsigned char)(i % 7 ? x : 0);
	}
}

static void test_media_image(void)
{
	e2e_person("msg.m1", "Em One");
	e2e_person("msg.m2", NULL);
	const char *cid = new_conv("msg.m1", "[\"msg.m1\",\"msg.m2\"]");
	long long outbox = e2e_db_scalar("SELECT max(id) FROM outbox");
	struct e2e_resp *r = e2e_upload(e2e_fmt("/conversations/%s/messages", cid), "msg.m1",
					"{\"object\":{\"objectType\":\"image\",\"content\":"
					"\"mira\",\"mobile\":true}}",
					"pixels.png", "image/png", PNG, sizeof PNG);
	E2E_STATUS(r, 201);
	const char *mid = e2e_fmt("%s", e2e_str(r->json, "id") ? e2e_str(r->json, "id") : "");
	json_object *o = e2e_get(r->json, "object");
	E2E_STR_EQ(e2e_str(o, "objectType"), "image");
	E2E_STR_EQ(e2e_str(o, "content"), "mira");
	E2E_STR_EQ(e2e_str(o, "mimetype"), "image/png");
	E2E_STR_EQ(e2e_str(o, "filename"), "pixels.png");
	E2E_STR_EQ(e2e_str(o, "fullURL"), e2e_fmt("/messages/%s/image/full", mid));
	E2E_STR_EQ(e2e_str(o, "thumbURL"), e2e_fmt("/messages/%s/image/thumb", mid));
	e2e_free(r);
	/* the push text is the placeholder */
	E2E_STR_EQ(e2e_db_text("SELECT json_extract(body, '$.d.text') FROM outbox WHERE id > %lld"
			       " AND op = 'publish'",
			       outbox),
		   "Add image");
	/* byte-exact, for the other participant; image == image/full */
	const char *paths[] = {"image", "image/full"};
	for (int i = 0; i < 2; i++) {
		r = e2e_request("GET", e2e_fmt("/messages/%s/%s", mid, paths[i]), "msg.m2", NULL);
		E2E_STATUS(r, 200);
		E2E_INT_EQ(r->body_len, sizeof PNG);
		CU_ASSERT(r->body_len == sizeof PNG && !memcmp(r->body, PNG, sizeof PNG));
		E2E_STR_EQ(e2e_header(r, "Content-Type"), "image/png");
		e2e_free(r);
	}
	r = e2e_request("GET", e2e_fmt("/messages/%s/image/thumb", mid), "msg.m2", NULL);
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_header(r, "Content-Type"), "image/jpeg");
	CU_ASSERT(r->body_len > 2 && (unsigned char)r->body[0] == 0xff &&
		  (unsigned char)r->body[1] == 0xd8);
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/messages/%s/image", mid), "msg.out", NULL);
	E2E_STATUS(r, 403);
	CU_ASSERT(!memmem(r->body, r->body_len, PNG, 16));
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/messages/%s/image/thumb", mid), "msg.out", NULL);
	E2E_STATUS(r, 403);
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/messages/%s/image/large", mid), "msg.m2", NULL);
	E2E_STATUS(r, 410);
	e2e_free(r);
	/* the widget asks for base64 */
	r = e2e_request("GET", e2e_fmt("/messages/%s/image", mid), "msg.m2", NULL,
			"Content-Type: application/base64");
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_header(r, "Content-Type"), "application/base64");
	E2E_STR_EQ(r->body, "iVBORw0KGgoAAAANSUhEUgAAAAQAAAADCAIAAAA7ljmRAAAAKklEQVR4nA3HMQEAMAzDMA"
			    "MriMDpaSgBUYCbPgEOLh5CnLjx8lOnbr36AOO3DflsbMvSAAAAAElFTkSuQmCC");
	e2e_free(r);
	/* lastMessage of a media message carries its URLs */
	r = e2e_request("GET", e2e_fmt("/conversations/%s", cid), "msg.m1", NULL);
	json_object *lm = e2e_get(r->json, "lastMessage");
	E2E_STR_EQ(e2e_str(lm, "objectType"), "image");
	E2E_STR_EQ(e2e_str(lm, "fullURL"), e2e_fmt("/messages/%s/image/full", mid));
	E2E_STR_EQ(e2e_str(lm, "thumbURL"), e2e_fmt("/messages/%s/image/thumb", mid));
	e2e_free(r);
	/* no file for an image, no image for a note */
	r = e2e_request("GET", e2e_fmt("/messages/%s/file/download", mid), "msg.m2", NULL);
	E2E_STATUS(r, 404);
	e2e_free(r);
	const char *note_id = post_id(cid, "msg.m1", "text");
	r = e2e_request("GET", e2e_fmt("/messages/%s/image", note_id), "msg.m1", NULL);
	E2E_STATUS(r, 404);
	e2e_free(r);
	r = e2e_request("GET", "/messages/0123456789abcdef01234567/image", "msg.m1", NULL);
	E2E_EXPECT(r, 404, "ObjectNotFound",
		   "Object with _id 0123456789abcdef01234567 not found inside messages");
	e2e_free(r);
	r = e2e_request("GET", "/messages/bad/image", "msg.m1", NULL);
	E2E_STATUS(r, 400);
	e2e_free(r);
	/* a message that says image but is not one: nothing stored */
	long long msgs = e2e_db_scalar("SELECT count(*) FROM messages");
	r = e2e_upload(e2e_fmt("/conversations/%s/messages", cid), "msg.m1",
		       "{\"object\":{\"objectType\":\"image\"}}", "fake.png", "image/png",
		       "not an image", 12);
	E2E_STATUS(r, 400);
	e2e_free(r);
	r = e2e_request("POST", e2e_fmt("/conversations/%s/messages", cid), "msg.m1",
			"{\"object\":{\"objectType\":\"image\"}}");
	E2E_EXPECT(r, 400, "MissingField", "Required parameter \"file\" not found in the request");
	e2e_free(r);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM messages"), msgs);
}

static void test_media_file(void)
{
	e2e_person("msg.f1", NULL);
	e2e_person("msg.f2", NULL);
	e2e_person("msg.f3", NULL);
	unsigned char data[30000];
	binary(data, sizeof data);
	/* a new conversation started with a file (#58, multipart) */
	struct e2e_resp *r = e2e_upload(
		"/conversations", "msg.f1",
		"{\"contexts\":[{\"objectType\":\"conversation\",\"participants\":[\"msg.f1\","
		"\"msg.f2\"]}],\"object\":{\"objectType\":\"file\",\"filename\":\"report.bin\"}}",
		"upload.bin", "application/octet-stream", data, sizeof data);
	E2E_STATUS(r, 201);
	const char *mid = e2e_fmt("%s", e2e_str(r->json, "id") ? e2e_str(r->json, "id") : "");
	const char *cid =
		e2e_fmt("%s",
			e2e_str(json_object_array_get_idx(e2e_get(r->json, "contexts"), 0), "id"));
	json_object *o = e2e_get(r->json, "object");
	E2E_STR_EQ(e2e_str(o, "filename"), "report.bin");
	E2E_STR_EQ(e2e_str(o, "fullURL"), e2e_fmt("/messages/%s/file/download", mid));
	CU_ASSERT(e2e_get(o, "thumbURL") == NULL);
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/messages/%s/file/download", mid), "msg.f2", NULL);
	E2E_STATUS(r, 200);
	E2E_INT_EQ(r->body_len, sizeof data);
	CU_ASSERT(r->body_len == sizeof data && !memcmp(r->body, data, sizeof data));
	E2E_STR_EQ(e2e_header(r, "Content-Disposition"), "attachment; filename=\"report.bin\"");
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/messages/%s/file/download", mid), "msg.f1", NULL,
			"X-From-Utalk: App");
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_header(r, "Content-Type"), "application/base64");
	e2e_free(r);
	/* the api.md 1.1 base64 JSON variant, byte-exact too */
	r = e2e_request("POST", e2e_fmt("/conversations/%s/messages", cid), "msg.f2",
			"{\"data\":{\"json_data\":\"{\\\"object\\\":{\\\"objectType\\\":"
			"\\\"file\\\","
			"\\\"filename\\\":\\\"hi.txt\\\",\\\"mimetype\\\":\\\"text/plain\\\"}}\","
			"\"file\":\"aGVsbG8sIHdvcmxkIQ==\"}}");
	E2E_STATUS(r, 201);
	const char *mid2 = e2e_fmt("%s", e2e_str(r->json, "id") ? e2e_str(r->json, "id") : "");
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/messages/%s/file/download", mid2), "msg.f1", NULL);
	E2E_STATUS(r, 200);
	E2E_STR_EQ(r->body, "hello, world!");
	e2e_free(r);
	/* ACL: neither an outsider nor a former member reads it; the sender
	 * and a Manager do */
	r = e2e_request("GET", e2e_fmt("/messages/%s/file/download", mid), "msg.f3", NULL);
	E2E_EXPECT(r, 403, "Forbidden",
		   "User \"msg.f3\" has no permission \"View a conversation message and "
		   "attachments\" here ");
	CU_ASSERT(r->body_len < 300 && !memmem(r->body, r->body_len, data, 64));
	e2e_free(r);
	E2E_SEND(204, "DELETE", e2e_fmt("/people/msg.f2/conversations/%s", cid), "msg.f2", NULL);
	r = e2e_request("GET", e2e_fmt("/messages/%s/file/download", mid), "msg.f2", NULL);
	E2E_STATUS(r, 403);
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/messages/%s/file/download", mid2), "msg.f2", NULL);
	E2E_STATUS(r, 200); /* his own message */
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/messages/%s/file/download", mid), e2e_manager(), NULL);
	E2E_STATUS(r, 200);
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/messages/%s/file/download", mid), NULL, NULL);
	E2E_STATUS(r, 401);
	e2e_free(r);
}

/* messaging.md 3: the media placeholders in both notifications, and the
 * media fields of lastMessage (api.md 4.1, api.md 4.8, api.md 8.5). */
static void test_media_notifications(void)
{
	e2e_person("msg.n1", "En One");
	e2e_person("msg.n2", NULL);
	e2e_person("msg.n3", NULL);
	unsigned char data[64];
	binary(data, sizeof data);
	long long outbox = e2e_db_scalar("SELECT max(id) FROM outbox");
	/* a group started with a file: add/conversation, text "Add file" */
	struct e2e_resp *r =
		e2e_upload("/conversations", "msg.n1",
			   "{\"contexts\":[{\"objectType\":\"conversation\",\"displayName\":"
			   "\"Fitxers\","
			   "\"participants\":[\"msg.n1\",\"msg.n2\",\"msg.n3\"]}],"
			   "\"object\":{\"objectType\":\"file\",\"filename\":\"a.bin\"}}",
			   "a.bin", "application/octet-stream", data, sizeof data);
	E2E_STATUS(r, 201);
	const char *cid =
		e2e_fmt("%s",
			e2e_str(json_object_array_get_idx(e2e_get(r->json, "contexts"), 0), "id"));
	const char *mid = e2e_fmt("%s", e2e_str(r->json, "id") ? e2e_str(r->json, "id") : "");
	e2e_free(r);
	E2E_STR_EQ(e2e_db_text("SELECT json_extract(body, '$.a') || json_extract(body, '$.o') || ' "
			       "'"
			       " || json_extract(body, '$.d.text') || ' ' ||"
			       " json_extract(body, '$.d.conversation_id') || ' ' ||"
			       " json_extract(body, '$.d.creator') || ' ' || json_extract(body, "
			       "'$.u.u')"
			       " || ' ' || json_extract(body, '$.u.d') FROM outbox WHERE id > %lld"
			       " AND op = 'publish' AND routing_key = '%s.notifications'",
			       outbox, cid),
		   e2e_fmt("ac Add file %s En One Fitxers Fitxers", cid));
	/* lastMessage of a file: fullURL, no thumbURL; talkingIn too */
	r = e2e_request("GET", e2e_fmt("/conversations/%s", cid), "msg.n2", NULL);
	json_object *lm = e2e_get(r->json, "lastMessage");
	E2E_STR_EQ(e2e_str(lm, "objectType"), "file");
	E2E_STR_EQ(e2e_str(lm, "fullURL"), e2e_fmt("/messages/%s/file/download", mid));
	CU_ASSERT(e2e_get(lm, "thumbURL") == NULL);
	e2e_free(r);
	r = e2e_request("GET", "/people/msg.n2", "msg.n2", NULL);
	json_object *ti = json_object_array_get_idx(e2e_get(r->json, "talkingIn"), 0);
	E2E_STR_EQ(e2e_str(ti, "id"), cid);
	E2E_STR_EQ(e2e_str(e2e_get(ti, "lastMessage"), "fullURL"),
		   e2e_fmt("/messages/%s/file/download", mid));
	CU_ASSERT(e2e_get(e2e_get(ti, "lastMessage"), "actor") == NULL);
	e2e_free(r);
	/* a mobile file message: add/message, text "Add file", message_id */
	outbox = e2e_db_scalar("SELECT max(id) FROM outbox");
	r = e2e_upload(e2e_fmt("/conversations/%s/messages", cid), "msg.n2",
		       "{\"object\":{\"objectType\":\"file\",\"mobile\":true}}", "b.bin",
		       "application/octet-stream", data, sizeof data);
	E2E_STATUS(r, 201);
	mid = e2e_fmt("%s", e2e_str(r->json, "id") ? e2e_str(r->json, "id") : "");
	e2e_free(r);
	E2E_STR_EQ(e2e_db_text("SELECT json_extract(body, '$.a') || json_extract(body, '$.o') || ' "
			       "'"
			       " || json_extract(body, '$.d.text') || ' ' ||"
			       " json_extract(body, '$.d.message_id') FROM outbox WHERE id > %lld"
			       " AND op = 'publish'",
			       outbox),
		   e2e_fmt("am Add file %s", mid));
	/* a group started with an image: "Add image" */
	outbox = e2e_db_scalar("SELECT max(id) FROM outbox");
	r = e2e_upload("/conversations", "msg.n1",
		       "{\"contexts\":[{\"objectType\":\"conversation\","
		       "\"participants\":[\"msg.n1\",\"msg.n2\",\"msg.n3\"]}],"
		       "\"object\":{\"objectType\":\"image\",\"content\":\"mira\"}}",
		       "p.png", "image/png", PNG, sizeof PNG);
	E2E_STATUS(r, 201);
	e2e_free(r);
	E2E_STR_EQ(e2e_db_text("SELECT json_extract(body, '$.d.text') FROM outbox WHERE id > %lld"
			       " AND op = 'publish'",
			       outbox),
		   "Add image");
}

E2E_SUITE(messages, init, NULL)
{
	E2E_TEST(s, test_post);
	E2E_TEST(s, test_post_rules);
	E2E_TEST(s, test_single_rejoin);
	E2E_TEST(s, test_list_paging);
	E2E_TEST(s, test_global_and_active);
	E2E_TEST(s, test_media_image);
	E2E_TEST(s, test_media_file);
	E2E_TEST(s, test_media_notifications);
}
