/*
 * test_conversations.c — conversations #57–#67, #59, #94 (api.md 8; endpoints.md)
 * from a client's side: creation with every validation error, 1:1 reuse,
 * groups with their owner, reading, renaming, ownership, joining, leaving
 * and kicking with the tag state machine, the person lifecycle (deletion,
 * re-creation), talkingIn, maintenance; the outbox rows that notify
 * (messaging.md 2.4, 3). Users are "cv.*"; every rejected write is
 * checked to leave the rows as they were.
 */
#include "e2e.h"

#include <string.h>

#define MSG_KEYS                                                                                   \
	"actor,contexts,creator,generator,id,keywords,object,objectType,owner,published,"          \
	"replies,verb"
#define CONV_KEYS                                                                                  \
	"creator,displayName,id,lastMessage,messages,objectType,owner,participants,"               \
	"permissions,published,tags"
#define CONV_PUT_KEYS                                                                              \
	"creator,displayName,id,objectType,owner,participants,permissions,published,tags"

static const char *note(const char *content)
{
	return e2e_fmt("{\"objectType\":\"note\",\"content\":\"%s\"}", content);
}

/* POST /conversations as user; participants is a JSON array text, extra
 * more members of contexts[0]. Returns the response (caller frees). */
static struct e2e_resp *start(const char *user, const char *participants, const char *extra)
{
	return e2e_request("POST", "/conversations", user,
			   e2e_fmt("{\"contexts\":[{\"objectType\":\"conversation\","
				   "\"participants\":%s%s}],\"object\":%s}",
				   participants, extra ? extra : "", note("Hola a tots!")));
}

/* contexts[0].id of a #58 answer, "" when none. */
static const char *cid_of(const struct e2e_resp *r)
{
	json_object *c0 = json_object_array_get_idx(e2e_get(r->json, "contexts"), 0);
	const char *id = e2e_str(c0, "id");
	return id ? e2e_fmt("%s", id) : "";
}

/* Starts a conversation that must succeed; returns its id. */
static const char *new_conv(const char *user, const char *participants, const char *extra)
{
	struct e2e_resp *r = start(user, participants, extra);
	E2E_STATUS(r, 201);
	const char *cid = cid_of(r);
	e2e_free(r);
	return cid;
}

static const char *tags(const char *cid)
{
	return e2e_db_text("SELECT trim(iif(tag_group,'group ','') || iif(tag_single,'single ','')"
			   " || iif(tag_archive,'archive',''))"
			   " FROM conversations WHERE id = '%s'",
			   cid);
}

static long long members(const char *cid)
{
	return e2e_db_scalar(
		"SELECT count(*) FROM conversation_members WHERE conversation_id = '%s'", cid);
}

static long long participants(const char *cid)
{
	return e2e_db_scalar("SELECT count(*) FROM conversation_participants"
			     " WHERE conversation_id = '%s'",
			     cid);
}

static int forbidden(const struct e2e_resp *r, const char *user, const char *perm)
{
	return E2E_EXPECT(r, 403, "Forbidden",
			  e2e_fmt("User \"%s\" has no permission \"%s\" here ", user, perm));
}

static int init(void)
{
	int ok = 1;
	ok &= e2e_person("cv.messi", "Leo Messi");
	ok &= e2e_person("cv.xavi", "Xavi Hernandez");
	ok &= e2e_person("cv.shakira", "La Shakira");
	ok &= e2e_person("cv.melendi", "Melendi");
	ok &= e2e_person("cv.casillas", "Iker Casillas");
	ok &= e2e_person("cv.hidden", "Hidden");
	ok &= e2e_grant("cv.hidden", "NonVisible");
	e2e_manager();
	return !ok;
}

/* ---- #58 POST /conversations ------------------------------------------------ */

static void test_create_two_people(void)
{
	long long outbox = e2e_db_scalar("SELECT max(id) FROM outbox");
	struct e2e_resp *r = start("cv.messi", "[\"cv.messi\",\"CV.Xavi\"]", NULL);
	E2E_STATUS(r, 201);
	E2E_STR_EQ(e2e_keys(r->json), MSG_KEYS);
	E2E_STR_EQ(e2e_str(r->json, "objectType"), "message");
	E2E_STR_EQ(e2e_str(r->json, "verb"), "post");
	E2E_STR_EQ(e2e_str(r->json, "creator"), "cv.messi");
	E2E_STR_EQ(e2e_str(r->json, "owner"), "cv.messi");
	CU_ASSERT(e2e_is_hex(e2e_str(r->json, "id"), 24));
	CU_ASSERT(e2e_is_date(e2e_str(r->json, "published")));
	json_object *actor = e2e_get(r->json, "actor");
	E2E_STR_EQ(e2e_keys(actor), "displayName,objectType,username");
	E2E_STR_EQ(e2e_str(actor, "displayName"), "Leo Messi");
	json_object *obj = e2e_get(r->json, "object");
	E2E_STR_EQ(e2e_keys(obj), "content,keywords,objectType");
	E2E_STR_EQ(e2e_str(obj, "content"), "Hola a tots!");
	json_object *c0 = json_object_array_get_idx(e2e_get(r->json, "contexts"), 0);
	E2E_STR_EQ(e2e_keys(c0), "displayName,id,objectType,tags");
	E2E_STR_EQ(e2e_str(c0, "objectType"), "conversation");
	E2E_STR_EQ(e2e_str(c0, "displayName"),
		   "Xavi Hernandez"); /* Unlike the original: the partner's */
	E2E_INT_EQ(e2e_len(e2e_get(c0, "tags")), 0);
	const char *cid = cid_of(r);
	e2e_free(r);

	/* stored: participants in request order, lower-cased; both subscribed */
	E2E_STR_EQ(e2e_db_text("SELECT group_concat(username, ',') FROM (SELECT username FROM"
			       " conversation_participants WHERE conversation_id = '%s'"
			       " ORDER BY position)",
			       cid),
		   "cv.messi,cv.xavi");
	E2E_INT_EQ(members(cid), 2);
	E2E_STR_EQ(e2e_db_text("SELECT display_name FROM conversations WHERE id = '%s'", cid),
		   "cv.messi, cv.xavi");
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM activities WHERE verb = 'subscribe'"
				 " AND conversation_id = '%s'",
				 cid),
		   2);
	/* messaging.md 2.4: four bindings, then add/conversation (1:1: d = {}) */
	E2E_STR_EQ(
		e2e_db_text("SELECT group_concat(op || ' ' || exchange || ' ' || destination, ';')"
			    " FROM (SELECT * FROM outbox WHERE id > %lld AND routing_key = '%s.*'"
			    " ORDER BY id)",
			    outbox, cid),
		"bind cv.messi.publish conversations;bind conversations cv.messi.subscribe;"
		"bind cv.xavi.publish conversations;bind conversations cv.xavi.subscribe");
	E2E_STR_EQ(e2e_db_text("SELECT json_extract(body, '$.a') || json_extract(body, '$.o') ||"
			       " json_extract(body, '$.s') || ' ' || json_extract(body, '$.u.u') ||"
			       " ' ' || json_extract(body, '$.u.d') || ' ' || json_extract(body, "
			       "'$.d')"
			       " FROM outbox WHERE id > %lld AND op = 'publish' AND exchange ="
			       " 'conversations' AND routing_key = '%s.notifications'",
			       outbox, cid),
		   "acm cv.messi Leo Messi {}");
	E2E_INT_EQ(e2e_db_scalar("SELECT max(id) FROM outbox WHERE op = 'publish'"),
		   e2e_db_scalar("SELECT max(id) FROM outbox")); /* bindings precede */

	/* api.md 8.1: the same pair again, from the other side: same conversation */
	r = start("cv.xavi", "[\"cv.xavi\",\"cv.messi\"]", NULL);
	E2E_STATUS(r, 201);
	E2E_STR_EQ(cid_of(r), cid);
	json_object *c1 = json_object_array_get_idx(e2e_get(r->json, "contexts"), 0);
	E2E_STR_EQ(e2e_str(c1, "displayName"), "Leo Messi");
	e2e_free(r);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM messages WHERE conversation_id = '%s'", cid),
		   2);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM conversations WHERE pair_key ="
				 " 'cv.messi cv.xavi'"),
		   1);
}

static void test_create_validation(void)
{
	long long convs = e2e_db_scalar("SELECT count(*) FROM conversations");
	long long msgs = e2e_db_scalar("SELECT count(*) FROM messages");
	long long outbox = e2e_db_scalar("SELECT count(*) FROM outbox");
	static const struct {
		const char *body;
		long status;
		const char *error, *text;
	} cases[] = {
		{"{}", 400, "ValidationError", "Empty contexts parameter"},
		{"[]", 400, "ValidationError", "Empty contexts parameter"},
		{"{\"contexts\":[{}]}", 400, "ValidationError", "Empty participants parameter"},
		{"{\"contexts\":[{\"participants\":[]}]}", 400, "ValidationError",
		 "Empty participants parameter"},
		{"{\"contexts\":[{\"participants\":[\"cv.messi\",\"cv.xavi\",\"cv.messi\"]}]}", 400,
		 "ValidationError", "One or more users duplicated in participants list"},
		{"{\"contexts\":[{\"participants\":[\"cv.messi\",\"cv.messi\"]}]}", 400,
		 "ValidationError", "One or more users duplicated in participants list"},
		{"{\"contexts\":[{\"participants\":[\"cv.messi\"]}]}", 400, "ValidationError",
		 "Cannot start a conversation with oneself"},
		{"{\"contexts\":[{\"participants\":[\"cv.xavi\"]}]}", 400, "ValidationError",
		 "Actor must be part of the participants list."},
		{"{\"contexts\":[{\"participants\":[\"cv.messi\",\"cv.nobody\"]}]}", 404,
		 "ObjectNotFound", "Object with username cv.nobody not found inside users"},
		{"{\"contexts\":[{\"participants\":[\"cv.messi\",\"cv.hidden\"]}],\"object\":"
		 "{\"objectType\":\"note\",\"content\":\"hi\"}}",
		 403, "Forbidden",
		 "User cv.messi is not allowed to have a conversation with cv.hidden"},
		{"{\"contexts\":[{\"participants\":[\"cv.messi\",\"cv.xavi\"]}],\"object\":"
		 "{\"objectType\":\"UnknownType\",\"content\":\"hi\"}}",
		 400, "ObjectNotSupported",
		 "Activitystrea.ms object type UnknownType unknown or unsupported"},
		{"{\"contexts\":[{\"participants\":[\"cv.messi\",\"cv.xavi\"]}],\"object\":"
		 "{\"objectType\":\"person\",\"username\":\"cv.xavi\"}}",
		 400, "ObjectNotSupported",
		 "Activitystrea.ms object type person unknown or unsupported"},
		{"{\"contexts\":[{\"participants\":[\"cv.messi\",\"cv.xavi\"]}]}", 400,
		 "MissingField", "Required parameter \"object\" not found in the request"},
		{"{\"contexts\":[{\"participants\":[\"cv.messi\",\"cv.xavi\"]}],\"object\":"
		 "{\"objectType\":\"note\",\"content\":\"\"}}",
		 400, "MissingField", "Required parameter \"content\" found but empty"},
		{"{\"contexts\":[{\"participants\":[\"cv.messi\",\"cv.shakira\",\"cv.melendi\"]}],"
		 "\"object\":{\"objectType\":\"note\"}}",
		 400, "MissingField", "Required parameter \"content\" not found in the request"},
		{"{\"contexts\":[{\"participants\":[\"cv.messi\",{\"username\":\"cv.xavi\"}]}]}",
		 400, "ValidationError",
		 "Validation error on field \"participants\": must be a list of usernames"},
		/* api.md 1.4, unlike the original: only Managers create content as somebody else */
		{"{\"actor\":{\"objectType\":\"person\",\"username\":\"cv.xavi\"},\"contexts\":"
		 "[{\"participants\":[\"cv.messi\",\"cv.xavi\"]}],\"object\":"
		 "{\"objectType\":\"note\",\"content\":\"hi\"}}",
		 403, "Forbidden",
		 "User \"cv.messi\" has no permission \"Add conversation\" here "},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct e2e_resp *r =
			e2e_request("POST", "/conversations", "cv.messi", cases[i].body);
		E2E_EXPECT(r, cases[i].status, cases[i].error, cases[i].text);
		e2e_free(r);
	}
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM conversations"), convs);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM messages"), msgs);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM outbox"), outbox);
	/* a failed first attempt leaves nothing: the user has no conversation */
	struct e2e_resp *r = e2e_request("GET", "/conversations", "cv.hidden", NULL);
	E2E_STATUS(r, 200);
	E2E_INT_EQ(e2e_len(r->json), 0);
	e2e_free(r);
	/* unauthenticated */
	r = e2e_request("POST", "/conversations", NULL, "{}");
	E2E_EXPECT(r, 401, "Unauthorized", "No auth headers found.");
	e2e_free(r);
}

static void test_create_limits_and_manager(void)
{
	/* api.md 8.1, unlike the original: more than 200 participants is refused like joining */
	struct {
		char s[8192];
		size_t n;
	} b = {"[\"cv.messi\"", 11};
	for (int i = 0; i < 200; i++)
		b.n += (size_t)snprintf(b.s + b.n, sizeof b.s - b.n, ",\"cv.x%03d\"", i);
	snprintf(b.s + b.n, sizeof b.s - b.n, "]");
	struct e2e_resp *r = start("cv.messi", b.s, NULL);
	E2E_EXPECT(r, 403, "Forbidden",
		   "This conversation is full, no more of 200 participants allowed");
	e2e_free(r);
	/* a Manager starts one between two others: he is neither participant nor member */
	const char *m = e2e_manager();
	r = start(m, "[\"cv.shakira\",\"cv.casillas\"]", NULL);
	E2E_STATUS(r, 201);
	const char *cid = cid_of(r);
	E2E_STR_EQ(e2e_str(r->json, "owner"), m);
	e2e_free(r);
	E2E_INT_EQ(members(cid), 2);
	E2E_STR_EQ(e2e_db_text("SELECT owner FROM conversations WHERE id = '%s'", cid), m);
	/* NonVisible people may talk to visible ones */
	r = start("cv.hidden", "[\"cv.hidden\",\"cv.casillas\"]", NULL);
	E2E_STATUS(r, 201);
	e2e_free(r);
}

static void test_create_group(void)
{
	long long outbox = e2e_db_scalar("SELECT max(id) FROM outbox");
	struct e2e_resp *r = start("cv.messi", "[\"cv.messi\",\"cv.xavi\",\"cv.shakira\"]",
				   ",\"displayName\":\"Pelotudos\"");
	E2E_STATUS(r, 201);
	const char *cid = cid_of(r);
	json_object *c0 = json_object_array_get_idx(e2e_get(r->json, "contexts"), 0);
	E2E_STR_EQ(e2e_str(c0, "displayName"), "Pelotudos");
	E2E_STR_EQ(json_object_get_string(json_object_array_get_idx(e2e_get(c0, "tags"), 0)),
		   "group");
	e2e_free(r);
	/* api.md 8.1: the creator may invite and kick, not leave */
	E2E_STR_EQ(e2e_db_text("SELECT permissions_json || grants_json || vetos_json FROM"
			       " conversation_members WHERE conversation_id = '%s' AND username ="
			       " 'cv.messi'",
			       cid),
		   "[\"read\",\"write\",\"invite\",\"kick\"][][]");
	E2E_STR_EQ(e2e_db_text("SELECT permissions_json || ifnull(grants_json, '-') FROM"
			       " conversation_members WHERE conversation_id = '%s' AND username ="
			       " 'cv.shakira'",
			       cid),
		   "[\"read\",\"write\",\"unsubscribe\"]-");
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM outbox WHERE id > %lld AND op = 'bind'"
				 " AND routing_key = '%s.*'",
				 outbox, cid),
		   6);
	/* group notification: u = the conversation, d = text, conversation_id, creator */
	E2E_STR_EQ(e2e_db_text("SELECT json_extract(body, '$.u.u') || '|' || json_extract(body,"
			       " '$.u.d') || '|' || json_extract(body, '$.d.text') || '|' ||"
			       " json_extract(body, '$.d.conversation_id') || '|' ||"
			       " json_extract(body, '$.d.creator') FROM outbox WHERE id > %lld"
			       " AND op = 'publish' AND routing_key = '%s.notifications'",
			       outbox, cid),
		   e2e_fmt("Pelotudos|Pelotudos|Hola a tots!|%s|Leo Messi", cid));
	/* groups are never reused */
	const char *again = new_conv("cv.messi", "[\"cv.messi\",\"cv.xavi\",\"cv.shakira\"]", NULL);
	CU_ASSERT(strcmp(again, cid) != 0);
	E2E_STR_EQ(e2e_db_text("SELECT display_name FROM conversations WHERE id = '%s'", again),
		   "cv.messi, cv.xavi, cv.shakira");
}

/* ---- #57 #61 #65 reading ----------------------------------------------------- */

static void test_read(void)
{
	e2e_person("cv.rd1", "Reader One");
	e2e_person("cv.rd2", "Reader Two");
	e2e_person("cv.rd3", NULL);
	const char *cid = new_conv("cv.rd1", "[\"cv.rd1\",\"cv.rd2\"]", NULL);
	struct e2e_resp *r = e2e_request("GET", e2e_fmt("/conversations/%s", cid), "cv.rd1", NULL);
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_keys(r->json), CONV_KEYS);
	E2E_STR_EQ(e2e_str(r->json, "displayName"), "Reader Two");
	E2E_STR_EQ(e2e_usernames(e2e_get(r->json, "participants")), "cv.rd1,cv.rd2");
	json_object *p0 = json_object_array_get_idx(e2e_get(r->json, "participants"), 0);
	E2E_STR_EQ(e2e_keys(p0), "displayName,objectType,username");
	E2E_STR_EQ(e2e_str(p0, "objectType"), "person");
	E2E_STR_EQ(json_object_to_json_string_ext(e2e_get(r->json, "permissions"),
						  JSON_C_TO_STRING_PLAIN),
		   "{\"read\":\"subscribed\",\"write\":\"subscribed\",\"subscribe\":\"restricted\","
		   "\"unsubscribe\":\"subscribed\"}");
	E2E_INT_EQ(json_object_get_int(e2e_get(r->json, "messages")), 0);
	json_object *lm = e2e_get(r->json, "lastMessage");
	E2E_STR_EQ(e2e_keys(lm), "actor,content,objectType,published");
	E2E_STR_EQ(e2e_str(lm, "actor"), "Reader One");
	E2E_STR_EQ(e2e_str(lm, "content"), "Hola a tots!");
	CU_ASSERT(e2e_is_date(e2e_str(lm, "published")));
	E2E_STR_EQ(e2e_str(r->json, "owner"), "cv.rd1");
	E2E_STR_EQ(e2e_str(r->json, "creator"), "cv.rd1");
	e2e_free(r);
	/* api.md 8.4 relative to the reader */
	r = e2e_request("GET", e2e_fmt("/conversations/%s", cid), "cv.rd2", NULL);
	E2E_STR_EQ(e2e_str(r->json, "displayName"), "Reader One");
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/conversations/%s", cid), "cv.rd3", NULL);
	forbidden(r, "cv.rd3", "View conversation");
	e2e_free(r);
	r = e2e_request("GET", "/conversations/0123456789abcdef01234567", "cv.rd1", NULL);
	E2E_EXPECT(r, 404, "ObjectNotFound",
		   "Object with _id 0123456789abcdef01234567 not found inside conversations");
	e2e_free(r);
	r = e2e_request("GET", "/conversations/xyz", "cv.rd1", NULL);
	E2E_EXPECT(r, 400, "InvalidId",
		   "'xyz' is not a valid ObjectId, it must be a 12-byte input or a 24-character "
		   "hex string");
	e2e_free(r);
	r = e2e_request("GET", "/conversations/0123456789abcdef01234567", NULL, NULL);
	E2E_STATUS(r, 404); /* traversal before authentication (api.md 1.3) */
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/conversations/%s", cid), NULL, NULL);
	E2E_STATUS(r, 401);
	e2e_free(r);

	/* #57: the acting user's, newest message first */
	const char *second = new_conv("cv.rd1", "[\"cv.rd1\",\"cv.rd3\"]", NULL);
	r = e2e_request("GET", "/conversations", "cv.rd1", NULL);
	E2E_STATUS(r, 200);
	E2E_INT_EQ(e2e_len(r->json), 2);
	json_object *first = json_object_array_get_idx(r->json, 0);
	E2E_STR_EQ(e2e_keys(first), CONV_KEYS);
	E2E_STR_EQ(e2e_str(first, "id"), second);
	E2E_STR_EQ(e2e_str(first, "displayName"), "cv.rd3");
	e2e_free(r);
	E2E_SEND(201, "POST", e2e_fmt("/conversations/%s/messages", cid), "cv.rd2",
		 e2e_fmt("{\"object\":%s}", note("up")));
	r = e2e_request("GET", "/conversations", "cv.rd1", NULL);
	E2E_STR_EQ(e2e_str(json_object_array_get_idx(r->json, 0), "id"), cid);
	E2E_STR_EQ(e2e_header(r, "X-Has-Remaining-Items"), NULL);
	e2e_free(r);
	/* An extension of the original API: limit / before=<cid> page the list */
	r = e2e_request("GET", "/conversations?limit=1", "cv.rd1", NULL);
	E2E_INT_EQ(e2e_len(r->json), 1);
	E2E_STR_EQ(e2e_header(r, "X-Has-Remaining-Items"), "1");
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/conversations?limit=1&before=%s", cid), "cv.rd1", NULL);
	E2E_INT_EQ(e2e_len(r->json), 1);
	E2E_STR_EQ(e2e_str(json_object_array_get_idx(r->json, 0), "id"), second);
	e2e_free(r);
	r = e2e_request("GET", "/conversations?limit=-1", "cv.rd1", NULL);
	E2E_EXPECT(r, 400, "InvalidSearchParams", "limit must be a positive integer");
	e2e_free(r);

	/* #65: the subscription, with the user's permission list */
	r = e2e_request("GET", e2e_fmt("/people/cv.rd2/conversations/%s", cid), "cv.rd2", NULL);
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_keys(r->json), CONV_KEYS);
	E2E_STR_EQ(json_object_to_json_string_ext(e2e_get(r->json, "permissions"),
						  JSON_C_TO_STRING_PLAIN),
		   "[\"read\",\"write\",\"unsubscribe\"]");
	E2E_STR_EQ(e2e_str(r->json, "displayName"), "Reader One");
	E2E_STR_EQ(e2e_str(e2e_get(r->json, "lastMessage"), "content"), "up");
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/people/cv.rd1/conversations/%s", cid), "cv.rd2", NULL);
	forbidden(r, "cv.rd2", "View conversation subscription");
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/people/cv.rd3/conversations/%s", cid), "cv.rd1", NULL);
	E2E_EXPECT(r, 404, "ObjectNotFound", e2e_fmt("cv.rd3 is not susbcribed to %s", cid));
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/people/cv.nobody/conversations/%s", cid), "cv.rd1", NULL);
	E2E_EXPECT(r, 400, "UnknownUserError", "Unknown actor identified by: cv.nobody");
	e2e_free(r);
	r = e2e_request("GET", "/people/cv.rd1/conversations/123", "cv.rd1", NULL);
	E2E_STATUS(r, 400);
	E2E_STR_EQ(e2e_str(r->json, "error"), "InvalidId");
	e2e_free(r);
	r = e2e_request("GET", "/people/cv.rd1/conversations/0123456789abcdef01234567", "cv.rd1",
			NULL);
	E2E_STATUS(r, 404);
	e2e_free(r);
}

static void test_talking_in(void)
{
	e2e_person("cv.ti1", "Tee One");
	e2e_person("cv.ti2", "Tee Two");
	e2e_person("cv.ti3", "Tee Three");
	const char *a = new_conv("cv.ti1", "[\"cv.ti1\",\"cv.ti2\"]", NULL);
	const char *b = new_conv("cv.ti1", "[\"cv.ti1\",\"cv.ti2\",\"cv.ti3\"]",
				 ",\"displayName\":\"Tres\"");
	E2E_SEND(201, "POST", e2e_fmt("/conversations/%s/messages", a), "cv.ti2",
		 e2e_fmt("{\"object\":%s}", note("darrer")));
	struct e2e_resp *r = e2e_request("GET", "/people/cv.ti1", "cv.ti1", NULL);
	E2E_STATUS(r, 200);
	json_object *ti = e2e_get(r->json, "talkingIn");
	E2E_INT_EQ(e2e_len(ti), 2);
	json_object *e0 = json_object_array_get_idx(ti, 0), *e1 = json_object_array_get_idx(ti, 1);
	E2E_STR_EQ(e2e_keys(e0),
		   "displayName,id,lastMessage,messages,objectType,participants,permissions,tags");
	E2E_STR_EQ(e2e_str(e0, "id"), a);
	E2E_STR_EQ(e2e_str(e0, "displayName"), "Tee Two");
	E2E_STR_EQ(e2e_str(e1, "id"), b);
	E2E_STR_EQ(e2e_str(e1, "displayName"), "Tres");
	json_object *lm = e2e_get(e0, "lastMessage");
	E2E_STR_EQ(e2e_keys(lm), "content,objectType,published");
	E2E_STR_EQ(e2e_str(lm, "content"), "darrer");
	/* api.md 3 quirk: no Z; microseconds when not zero */
	const char *pub = e2e_str(lm, "published");
	CU_ASSERT(pub && (strlen(pub) == 19 || (strlen(pub) == 26 && pub[19] == '.')));
	CU_ASSERT(pub && !strchr(pub, 'Z'));
	E2E_STR_EQ(json_object_to_json_string_ext(e2e_get(e1, "permissions"),
						  JSON_C_TO_STRING_PLAIN),
		   "[\"read\",\"write\",\"invite\",\"kick\"]");
	E2E_STR_EQ(json_object_get_string(json_object_array_get_idx(e2e_get(e1, "tags"), 0)),
		   "group");
	e2e_free(r);
	/* PUT answers the stored entries */
	r = e2e_request("PUT", "/people/cv.ti1", "cv.ti1", "{}");
	E2E_STATUS(r, 200);
	e0 = json_object_array_get_idx(e2e_get(r->json, "talkingIn"), 0);
	CU_ASSERT(e2e_get(e0, "lastMessage") == NULL);
	E2E_STR_EQ(e2e_str(e0, "objectType"), "conversation");
	e2e_free(r);
	/* others see no talkingIn */
	r = e2e_request("GET", "/people/cv.ti1", "cv.ti3", NULL);
	CU_ASSERT(e2e_get(r->json, "talkingIn") == NULL);
	e2e_free(r);
	/* #4: a rename reaches every participants list */
	E2E_SEND(200, "PUT", "/people/cv.ti2", "cv.ti2", "{\"displayName\":\"Tee Renamed\"}");
	r = e2e_request("GET", e2e_fmt("/conversations/%s", b), "cv.ti3", NULL);
	json_object *parts = e2e_get(r->json, "participants");
	E2E_STR_EQ(e2e_str(json_object_array_get_idx(parts, 1), "displayName"), "Tee Renamed");
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/conversations/%s", a), "cv.ti1", NULL);
	E2E_STR_EQ(e2e_str(r->json, "displayName"), "Tee Renamed");
	e2e_free(r);
}

/* ---- #62 #63 #64 ------------------------------------------------------------- */

static void test_rename(void)
{
	const char *cid = new_conv("cv.messi", "[\"cv.messi\",\"cv.xavi\",\"cv.shakira\"]", NULL);
	const char *path = e2e_fmt("/conversations/%s", cid);
	struct e2e_resp *r = e2e_request("PUT", path, "cv.xavi", "{\"displayName\":\"Nou nom\"}");
	forbidden(r, "cv.xavi", "Modify conversation");
	e2e_free(r);
	r = e2e_request("PUT", path, "cv.messi", "{\"displayName\":42}");
	E2E_STATUS(r, 400);
	E2E_STR_EQ(e2e_str(r->json, "error"), "ValidationError");
	e2e_free(r);
	r = e2e_request("PUT", path, "cv.messi",
			"{\"displayName\":\"Nou nom\",\"tags\":[],\"participants\":[]}");
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_keys(r->json), CONV_PUT_KEYS);
	E2E_STR_EQ(e2e_str(r->json, "displayName"), "Nou nom");
	E2E_INT_EQ(e2e_len(e2e_get(r->json, "participants")),
		   3); /* Unlike the original: displayName only */
	E2E_INT_EQ(e2e_len(e2e_get(r->json, "tags")), 1);
	e2e_free(r);
	/* message snapshots carry the new name */
	r = e2e_request("GET", e2e_fmt("%s/messages", path), "cv.shakira", NULL);
	json_object *c0 = json_object_array_get_idx(e2e_get(json_object_array_get_idx(r->json, 0),
							    "contexts"),
						    0);
	E2E_STR_EQ(e2e_str(c0, "displayName"), "Nou nom");
	e2e_free(r);
	/* a Manager may rename too; tunnelled PUT works */
	E2E_SEND(200, "POST", path, e2e_manager(), "{\"displayName\":\"Per Manager\"}",
		 "X-HTTP-Method-Override: PUT");
	E2E_STR_EQ(e2e_db_text("SELECT display_name FROM conversations WHERE id = '%s'", cid),
		   "Per Manager");
}

static void test_delete(void)
{
	const char *cid = new_conv("cv.messi", "[\"cv.messi\",\"cv.xavi\",\"cv.shakira\"]", NULL);
	const char *path = e2e_fmt("/conversations/%s", cid);
	E2E_SEND(201, "POST", e2e_fmt("%s/messages", path), "cv.xavi",
		 e2e_fmt("{\"object\":%s}", note("bye")));
	struct e2e_resp *r = e2e_request("DELETE", path, "cv.xavi", NULL);
	forbidden(r, "cv.xavi", "Delete conversation");
	e2e_free(r);
	E2E_INT_EQ(members(cid), 3);
	long long outbox = e2e_db_scalar("SELECT max(id) FROM outbox");
	E2E_SEND(204, "DELETE", path, "cv.messi", NULL);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM messages WHERE conversation_id = '%s'", cid),
		   0);
	E2E_INT_EQ(members(cid), 0);
	E2E_INT_EQ(participants(cid), 0);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM outbox WHERE id > %lld AND op = 'unbind'"
				 " AND routing_key = '%s.*'",
				 outbox, cid),
		   6);
	r = e2e_request("GET", path, "cv.messi", NULL);
	E2E_STATUS(r, 404);
	e2e_free(r);
	r = e2e_request("GET", path, "cv.xavi", NULL);
	E2E_STATUS(r, 404);
	e2e_free(r);
	E2E_SEND(204, "DELETE",
		 e2e_fmt("/conversations/%s",
			 new_conv("cv.melendi", "[\"cv.melendi\",\"cv.casillas\"]", NULL)),
		 e2e_manager(), NULL);
}

static void test_transfer(void)
{
	const char *cid = new_conv("cv.messi", "[\"cv.messi\",\"cv.xavi\",\"cv.shakira\"]", NULL);
	const char *path = e2e_fmt("/conversations/%s/owner", cid);
	const char *leave_messi = e2e_fmt("/conversations/%s/participants/cv.messi", cid);
	struct e2e_resp *r = e2e_request("DELETE", leave_messi, "cv.messi", NULL);
	forbidden(r, "cv.messi", "Delete a participant from a conversation");
	e2e_free(r);
	r = e2e_request("PUT", path, "cv.xavi", "{\"actor\":{\"username\":\"cv.xavi\"}}");
	forbidden(r, "cv.xavi", "Transfer a conversation to another user");
	e2e_free(r);
	r = e2e_request("PUT", path, "cv.messi", "{\"actor\":{\"username\":\"cv.casillas\"}}");
	forbidden(r, "cv.messi", "Transfer a conversation to another user");
	e2e_free(r);
	r = e2e_request("PUT", path, "cv.messi", "{\"actor\":{\"username\":\"cv.nobody\"}}");
	E2E_EXPECT(r, 400, "UnknownUserError", "Unknown actor identified by: cv.nobody");
	e2e_free(r);
	E2E_STR_EQ(e2e_db_text("SELECT owner FROM conversations WHERE id = '%s'", cid), "cv.messi");
	r = e2e_request("PUT", path, "cv.messi", "{\"actor\":{\"username\":\"cv.xavi\"}}");
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_keys(r->json), CONV_PUT_KEYS);
	E2E_STR_EQ(e2e_str(r->json, "owner"), "cv.xavi");
	e2e_free(r);
	E2E_STR_EQ(e2e_db_text("SELECT permissions_json || grants_json || vetos_json FROM"
			       " conversation_members WHERE conversation_id = '%s' AND username ="
			       " 'cv.xavi'",
			       cid),
		   "[\"read\",\"write\",\"invite\",\"kick\"][\"invite\",\"kick\"]["
		   "\"unsubscribe\"]");
	E2E_STR_EQ(e2e_db_text("SELECT permissions_json || grants_json || vetos_json FROM"
			       " conversation_members WHERE conversation_id = '%s' AND username ="
			       " 'cv.messi'",
			       cid),
		   "[\"read\",\"write\",\"unsubscribe\"][\"unsubscribe\"][\"invite\",\"kick\"]");
	/* the new owner renames and kicks; the previous one may leave */
	E2E_SEND(200, "PUT", e2e_fmt("/conversations/%s", cid), "cv.xavi",
		 "{\"displayName\":\"De Xavi\"}");
	r = e2e_request("DELETE", e2e_fmt("/conversations/%s/participants/cv.shakira", cid),
			"cv.messi", NULL);
	forbidden(r, "cv.messi", "Delete a participant from a conversation");
	e2e_free(r);
	E2E_SEND(204, "DELETE", leave_messi, "cv.messi", NULL);
	/* a Manager transfers too */
	E2E_SEND(200, "PUT", path, e2e_manager(), "{\"actor\":{\"username\":\"cv.shakira\"}}");
	E2E_STR_EQ(e2e_db_text("SELECT owner FROM conversations WHERE id = '%s'", cid),
		   "cv.shakira");
}

/* ---- #66 #67 participants and the tag state machine ------------------------- */

static void test_join(void)
{
	e2e_person("cv.j1", NULL);
	e2e_person("cv.j2", NULL);
	e2e_person("cv.j3", NULL);
	e2e_person("cv.j4", "Jay Four");
	const char *cid = new_conv("cv.j1", "[\"cv.j1\",\"cv.j2\",\"cv.j3\"]", NULL);
	const char *path = e2e_fmt("/conversations/%s/participants", cid);
	long long outbox = e2e_db_scalar("SELECT max(id) FROM outbox");
	struct e2e_resp *r =
		e2e_request("POST", path, "cv.j1",
			    "{\"actor\":{\"objectType\":\"person\",\"username\":\"cv.j4\"}}");
	E2E_STATUS(r, 201);
	E2E_STR_EQ(e2e_str(r->json, "verb"), "subscribe");
	E2E_STR_EQ(e2e_str(r->json, "objectType"), "activity");
	E2E_STR_EQ(e2e_str(e2e_get(r->json, "actor"), "username"), "cv.j4");
	E2E_STR_EQ(e2e_str(e2e_get(r->json, "actor"), "displayName"), "Jay Four");
	json_object *o = e2e_get(r->json, "object");
	E2E_STR_EQ(e2e_keys(o), "id,objectType,participants");
	E2E_STR_EQ(e2e_str(o, "id"), cid);
	E2E_STR_EQ(e2e_usernames(e2e_get(o, "participants")), "cv.j1,cv.j2,cv.j3,cv.j4");
	const char *aid = e2e_fmt("%s", e2e_str(r->json, "id"));
	e2e_free(r);
	E2E_INT_EQ(members(cid), 4);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM outbox WHERE id > %lld AND op = 'bind'"
				 " AND routing_key = '%s.*' AND (exchange = 'cv.j4.publish'"
				 " OR destination = 'cv.j4.subscribe')",
				 outbox, cid),
		   2);
	/* every member sees four participants */
	r = e2e_request("GET", "/people/cv.j3", "cv.j3", NULL);
	E2E_INT_EQ(e2e_len(e2e_get(json_object_array_get_idx(e2e_get(r->json, "talkingIn"), 0),
				   "participants")),
		   4);
	e2e_free(r);
	/* again: 200 with the same activity; deprecated form too */
	r = e2e_request("POST", path, "cv.j1", "{\"actor\":{\"username\":\"cv.j4\"}}");
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_str(r->json, "id"), aid);
	e2e_free(r);
	r = e2e_request("POST", e2e_fmt("/people/cv.j4/conversations/%s", cid), "cv.j1", "");
	E2E_STATUS(r, 200);
	e2e_free(r);
	E2E_INT_EQ(participants(cid), 4);
	/* not the owner: 403; unknown joiner: 400; unknown conversation: 404 */
	r = e2e_request("POST", path, "cv.j2", "{\"actor\":{\"username\":\"cv.melendi\"}}");
	forbidden(r, "cv.j2", "Add a participant to a conversation");
	e2e_free(r);
	r = e2e_request("POST", path, "cv.j1", "{\"actor\":{\"username\":\"cv.nobody\"}}");
	E2E_STATUS(r, 400);
	e2e_free(r);
	r = e2e_request("POST", "/people/cv.j4/conversations/0123456789abcdef01234567", "cv.j1",
			"");
	E2E_STATUS(r, 404);
	e2e_free(r);
	r = e2e_request("POST", "/people/cv.nobody/conversations/0123456789abcdef01234567", "cv.j1",
			"");
	E2E_STATUS(r, 404);
	e2e_free(r);
	/* visibility: a visible owner cannot add a NonVisible user */
	r = e2e_request("POST", path, "cv.j1", "{\"actor\":{\"username\":\"cv.hidden\"}}");
	E2E_EXPECT(r, 403, "Forbidden",
		   "User cv.j1 is not allowed to have a conversation with cv.hidden");
	e2e_free(r);
	/* a 1:1 grows for nobody, Managers included */
	const char *pair = new_conv("cv.j1", "[\"cv.j1\",\"cv.j2\"]", NULL);
	r = e2e_request("POST", e2e_fmt("/conversations/%s/participants", pair), e2e_manager(),
			"{\"actor\":{\"username\":\"cv.j3\"}}");
	E2E_EXPECT(r, 403, "Forbidden",
		   "This is not a group conversation, so no one else is allowed");
	e2e_free(r);
	E2E_INT_EQ(participants(pair), 2);
}

static void test_join_limit(void)
{
	/* 200 participants: a group of 3 plus 197 joiners */
	e2e_person("cv.lim0", NULL);
	const char *cid = new_conv("cv.lim0", "[\"cv.lim0\",\"cv.messi\",\"cv.xavi\"]", NULL);
	E2E_INT_EQ(e2e_db_exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
			       " WHERE i < 198) INSERT INTO people (username, id, display_name,"
			       " creator, published, last_login) SELECT 'cv.lim' || i,"
			       " printf('%%024x', i + 4096), 'L', 'x', '2020-01-01T00:00:00Z',"
			       " '2020-01-01T00:00:00Z' FROM n"),
		   0);
	for (int i = 1; i <= 197; i++)
		E2E_SEND(201, "POST", e2e_fmt("/people/cv.lim%d/conversations/%s", i, cid),
			 "cv.lim0", "");
	E2E_INT_EQ(participants(cid), 200);
	struct e2e_resp *r = e2e_request("POST", e2e_fmt("/people/cv.lim198/conversations/%s", cid),
					 "cv.lim0", "");
	E2E_EXPECT(r, 403, "Forbidden",
		   "This conversation is full, no more of 200 participants allowed");
	e2e_free(r);
	E2E_INT_EQ(participants(cid), 200);
}

static void test_leave_group(void)
{
	const char *cid = new_conv("cv.messi", "[\"cv.messi\",\"cv.xavi\",\"cv.shakira\"]", NULL);
	long long outbox = e2e_db_scalar("SELECT max(id) FROM outbox");
	/* a member kicks nobody; an outsider does not even leave */
	struct e2e_resp *r =
		e2e_request("DELETE", e2e_fmt("/conversations/%s/participants/cv.xavi", cid),
			    "cv.shakira", NULL);
	forbidden(r, "cv.shakira", "Delete a participant from a conversation");
	e2e_free(r);
	r = e2e_request("DELETE", e2e_fmt("/people/cv.casillas/conversations/%s", cid),
			"cv.casillas", NULL);
	forbidden(r, "cv.casillas", "Delete a participant from a conversation");
	e2e_free(r);
	r = e2e_request("DELETE", e2e_fmt("/people/cv.casillas/conversations/%s", cid), "cv.messi",
			NULL);
	E2E_EXPECT(r, 404, "ObjectNotFound", e2e_fmt("cv.casillas is not susbcribed to %s", cid));
	e2e_free(r);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM outbox WHERE id > %lld", outbox), 0);
	/* xavi leaves (deprecated form), shakira is kicked (the URL's case does not matter) */
	E2E_SEND(204, "DELETE", e2e_fmt("/people/cv.xavi/conversations/%s", cid), "cv.xavi", NULL);
	E2E_STR_EQ(tags(cid), "group");
	E2E_INT_EQ(participants(cid), 2);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM outbox WHERE id > %lld AND op = 'unbind'"
				 " AND routing_key = '%s.*'",
				 outbox, cid),
		   2);
	r = e2e_request("GET", e2e_fmt("/conversations/%s/messages", cid), "cv.xavi", NULL);
	forbidden(r, "cv.xavi", "View all conversation messages");
	e2e_free(r);
	E2E_SEND(204, "DELETE", e2e_fmt("/conversations/%s/participants/CV.Shakira", cid),
		 "cv.messi", NULL);
	E2E_STR_EQ(tags(cid), "group archive");
	E2E_INT_EQ(participants(cid), 1);
	/* archived: no messages, even from the owner; joining revives it */
	r = e2e_request("POST", e2e_fmt("/conversations/%s/messages", cid), "cv.messi",
			e2e_fmt("{\"object\":%s}", note("anyone?")));
	forbidden(r, "cv.messi", "Add a message to a conversation");
	e2e_free(r);
	E2E_SEND(201, "POST", e2e_fmt("/people/cv.xavi/conversations/%s", cid), "cv.messi", "");
	E2E_STR_EQ(tags(cid), "group");
	E2E_INT_EQ(participants(cid), 2);
	/* a Manager removes anybody */
	E2E_SEND(204, "DELETE", e2e_fmt("/conversations/%s/participants/cv.messi", cid),
		 e2e_manager(), NULL);
	E2E_STR_EQ(tags(cid), "group archive");
}

static void test_leave_two_people(void)
{
	e2e_person("cv.l1", "Ell One");
	e2e_person("cv.l2", "Ell Two");
	const char *cid = new_conv("cv.l1", "[\"cv.l1\",\"cv.l2\"]", NULL);
	struct e2e_resp *r =
		e2e_request("DELETE", e2e_fmt("/conversations/%s/participants/cv.l2", cid), "cv.l1",
			    NULL);
	forbidden(r, "cv.l1", "Delete a participant from a conversation");
	e2e_free(r);
	E2E_SEND(204, "DELETE", e2e_fmt("/conversations/%s/participants/cv.l2", cid), "cv.l2",
		 NULL);
	E2E_STR_EQ(tags(cid), "single");
	E2E_INT_EQ(participants(cid), 2);
	E2E_INT_EQ(members(cid), 1);
	r = e2e_request("GET", e2e_fmt("/conversations/%s", cid), "cv.l1", NULL);
	E2E_STR_EQ(e2e_str(r->json, "displayName"), "Ell Two");
	E2E_STR_EQ(json_object_get_string(json_object_array_get_idx(e2e_get(r->json, "tags"), 0)),
		   "single");
	e2e_free(r);
	/* the leaver lists nothing and reads nothing */
	r = e2e_request("GET", "/conversations", "cv.l2", NULL);
	E2E_INT_EQ(e2e_len(r->json), 0);
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/conversations/%s", cid), "cv.l2", NULL);
	E2E_STATUS(r, 403);
	e2e_free(r);
	/* the leaver writes again through #58: re-subscribed, single gone */
	r = start("cv.l2", "[\"cv.l2\",\"cv.l1\"]", NULL);
	E2E_STATUS(r, 201);
	E2E_STR_EQ(cid_of(r), cid);
	E2E_STR_EQ(e2e_str(r->json, "creator"), "cv.l2");
	e2e_free(r);
	E2E_STR_EQ(tags(cid), "");
	E2E_INT_EQ(members(cid), 2);
	E2E_SEND(200, "GET", e2e_fmt("/people/cv.l2/conversations/%s", cid), "cv.l2", NULL);
	/* the owner leaves a 1:1 too */
	E2E_SEND(204, "DELETE", e2e_fmt("/people/cv.l1/conversations/%s", cid), "cv.l1", NULL);
	E2E_STR_EQ(tags(cid), "single");
}

static void test_person_lifecycle(void)
{
	e2e_person("cv.p1", "Pe One");
	e2e_person("cv.p2", "Pe Two");
	e2e_person("cv.p3", "Pe Three");
	const char *pair = new_conv("cv.p1", "[\"cv.p1\",\"cv.p2\"]", NULL);
	const char *group = new_conv("cv.p1", "[\"cv.p1\",\"cv.p2\",\"cv.p3\"]", NULL);
	long long outbox = e2e_db_scalar("SELECT max(id) FROM outbox");
	E2E_SEND(204, "DELETE", "/people/cv.p2", e2e_manager(), NULL);
	/* 1:1 archived; group loses him, no archive with two left */
	E2E_STR_EQ(tags(pair), "archive");
	E2E_INT_EQ(participants(pair), 2);
	E2E_STR_EQ(tags(group), "group");
	E2E_INT_EQ(participants(group), 2);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM outbox WHERE id > %lld AND op = 'unbind'"
				 " AND (exchange = 'cv.p2.publish' OR destination = "
				 "'cv.p2.subscribe')",
				 outbox),
		   4);
	struct e2e_resp *r = e2e_request("GET", e2e_fmt("/conversations/%s", pair), "cv.p1", NULL);
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_str(r->json, "displayName"), "Pe Two"); /* kept */
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/people/cv.p2/conversations/%s", pair), "cv.p1", NULL);
	E2E_STATUS(r, 400);
	e2e_free(r);
	r = e2e_request("POST", e2e_fmt("/conversations/%s/messages", pair), "cv.p1",
			e2e_fmt("{\"object\":%s}", note("hola?")));
	E2E_STATUS(r, 403);
	e2e_free(r);
	r = start("cv.p1", "[\"cv.p1\",\"cv.p2\"]", NULL);
	E2E_EXPECT(r, 404, "ObjectNotFound", "Object with username cv.p2 not found inside users");
	e2e_free(r);
	/* re-created: archive → single; a message brings him back */
	e2e_person("cv.p2", "Pe Two Again");
	e2e_forget_token("cv.p2"); /* the deletion revoked his token */
	E2E_STR_EQ(tags(pair), "single");
	E2E_SEND(201, "POST", e2e_fmt("/people/cv.p1/conversations/%s/messages", pair), "cv.p1",
		 e2e_fmt("{\"object\":%s}", note("tornes?")));
	E2E_STR_EQ(tags(pair), "");
	E2E_SEND(200, "GET", e2e_fmt("/people/cv.p2/conversations/%s", pair), "cv.p2", NULL);
	/* the last of a group deleted: archive */
	E2E_SEND(204, "DELETE", "/people/cv.p3", e2e_manager(), NULL);
	E2E_STR_EQ(tags(group), "group archive");
}

/* ---- #94 and #59 ------------------------------------------------------------- */

static void test_maintenance(void)
{
	e2e_person("cv.mt1", NULL);
	e2e_person("cv.mt2", NULL);
	e2e_person("cv.mt3", NULL);
	const char *cid =
		new_conv("cv.mt1", "[\"cv.mt1\",\"cv.mt2\",\"cv.mt3\"]", ",\"displayName\":\"MT\"");
	const char *empty = new_conv("cv.mt2", "[\"cv.mt2\",\"cv.mt3\"]", NULL);
	/* hand-damaged data, as the original's test does in MongoDB */
	E2E_INT_EQ(e2e_db_exec("UPDATE conversations SET tag_group = 0, permissions_json ="
			       " json_set(permissions_json, '$.write', 'restricted') WHERE id = "
			       "'%s';"
			       " UPDATE conversation_participants SET display_name = 'stale'"
			       " WHERE conversation_id = '%s';"
			       " DELETE FROM messages WHERE conversation_id = '%s'",
			       cid, cid, empty),
		   0);
	struct e2e_resp *r = e2e_request("POST", "/admin/maintenance/conversations", "cv.mt1", "");
	forbidden(r, "cv.mt1", "Execute maintenance tasks");
	e2e_free(r);
	long long outbox = e2e_db_scalar("SELECT max(id) FROM outbox");
	r = e2e_request("POST", "/admin/maintenance/conversations", e2e_manager(), "");
	E2E_STATUS(r, 200);
	E2E_STR_EQ(r->body, "[]");
	e2e_free(r);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM conversations WHERE id = '%s'", empty), 0);
	E2E_STR_EQ(tags(cid), "group");
	r = e2e_request("GET", "/people/cv.mt1", "cv.mt1", NULL);
	json_object *e0 = json_object_array_get_idx(e2e_get(r->json, "talkingIn"), 0);
	E2E_STR_EQ(e2e_str(e0, "displayName"), "MT");
	E2E_STR_EQ(json_object_to_json_string_ext(e2e_get(e0, "permissions"),
						  JSON_C_TO_STRING_PLAIN),
		   "[\"read\",\"unsubscribe\"]");
	E2E_STR_EQ(e2e_usernames(e2e_get(e0, "participants")), "cv.mt1,cv.mt2,cv.mt3");
	E2E_STR_EQ(e2e_str(json_object_array_get_idx(e2e_get(e0, "participants"), 0),
			   "displayName"),
		   "cv.mt1");
	e2e_free(r);
	/* re-binds every member */
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM outbox WHERE id > %lld AND op = 'bind'"
				 " AND routing_key = '%s.*'",
				 outbox, cid),
		   6);
	/* twice is harmless */
	E2E_SEND(200, "POST", "/admin/maintenance/conversations", e2e_manager(), "");
	E2E_STR_EQ(tags(cid), "group");
	/* #95, #96 */
	outbox = e2e_db_scalar("SELECT max(id) FROM outbox");
	r = e2e_request("POST", "/admin/maintenance/users", e2e_manager(), "");
	E2E_STATUS(r, 200);
	E2E_STR_EQ(r->body, "[]");
	e2e_free(r);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM outbox WHERE id > %lld AND op ="
				 " 'declare_user'",
				 outbox),
		   e2e_db_scalar("SELECT count(*) FROM people"));
	r = e2e_request("POST", "/admin/maintenance/tokens", e2e_manager(), "");
	E2E_STATUS(r, 200);
	E2E_STR_EQ(r->body, "[]");
	e2e_free(r);
	r = e2e_request("POST", "/admin/maintenance/users", "cv.mt1", "");
	E2E_STATUS(r, 403);
	e2e_free(r);
}

/* Runs last: it deletes every conversation of every suite. */
static void test_purge(void)
{
	new_conv("cv.messi", "[\"cv.messi\",\"cv.melendi\"]", NULL);
	struct e2e_resp *r = e2e_request("DELETE", "/conversations", "cv.messi", NULL);
	forbidden(r, "cv.messi", "Delete everyone's conversations");
	e2e_free(r);
	CU_ASSERT(e2e_db_scalar("SELECT count(*) FROM conversations") > 0);
	long long members_before = e2e_db_scalar("SELECT count(*) FROM conversation_members");
	long long outbox = e2e_db_scalar("SELECT max(id) FROM outbox");
	E2E_SEND(204, "DELETE", "/conversations", e2e_manager(), NULL);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM conversations"), 0);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM messages"), 0);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM outbox WHERE id > %lld AND op = 'unbind'",
				 outbox),
		   2 * members_before);
	r = e2e_request("GET", "/conversations", "cv.messi", NULL);
	E2E_INT_EQ(e2e_len(r->json), 0);
	e2e_free(r);
}

E2E_SUITE(conversations, init, NULL)
{
	E2E_TEST(s, test_create_two_people);
	E2E_TEST(s, test_create_validation);
	E2E_TEST(s, test_create_limits_and_manager);
	E2E_TEST(s, test_create_group);
	E2E_TEST(s, test_read);
	E2E_TEST(s, test_talking_in);
	E2E_TEST(s, test_rename);
	E2E_TEST(s, test_delete);
	E2E_TEST(s, test_transfer);
	E2E_TEST(s, test_join);
	E2E_TEST(s, test_join_limit);
	E2E_TEST(s, test_leave_group);
	E2E_TEST(s, test_leave_two_people);
	E2E_TEST(s, test_person_lifecycle);
	E2E_TEST(s, test_maintenance);
	E2E_TEST(s, test_purge);
}
