/*
 * test_conversations.c — conversations, messages and device tokens through
 * http_handle() on a temp database: the state machine of api.md 8.3, the
 * permission lists of api.md 8.1/#64, talkingIn (api.md 4.1, api.md 3's date quirk), the
 * outbox rows of messaging.md 2.4/3, maintenance #94 and the person
 * hooks. The wire-level matrix lives in tests/e2e/.
 */
#include "util/carrot.h"
#include "http/conversations.h"
#include "fixture.h"
#include "model/messages.h"
#include "unit.h"

#include <sqlite3.h> /* to be moved behind store/ */

#include <stdio.h>
#include <string.h>

static char cid_buf[8][25];

/* POST /conversations as user with the given participants (JSON array
 * text); returns the status and copies the conversation id into out. */
static int start(const char *user, const char *participants, const char *extra, char out[25])
{
	char body[1024];
	snprintf(body, sizeof body,
		 "{\"contexts\":[{\"objectType\":\"conversation\",\"participants\":%s%s}],"
		 "\"object\":{\"objectType\":\"note\",\"content\":\"Hola #Barça, què tal?\"}}",
		 participants, extra ? extra : "");
	struct fx_resp r = fx_req("POST", "/conversations", user, body, NULL);
	int st = r.status;
	json_object *ctxs, *ctx0, *id;
	if (out)
		out[0] = 0;
	if (out && st == 201 && json_object_object_get_ex(r.json, "contexts", &ctxs) &&
	    (ctx0 = json_object_array_get_idx(ctxs, 0)) &&
	    json_object_object_get_ex(ctx0, "id", &id))
		snprintf(out, 25, "%s", json_object_get_string(id));
	fx_free(&r);
	return st;
}

static int status_of(const char *method, const char *path, const char *user, const char *body)
{
	struct fx_resp r = fx_req(method, path, user, body, NULL);
	int st = r.status;
	fx_free(&r);
	return st;
}

static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;
	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static const char *str(json_object *o, const char *key)
{
	json_object *v = get(o, key);
	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
}

/* JSON text of member key of the response (for list comparisons). */
static const char *text_of(json_object *o, const char *key)
{
	json_object *v = get(o, key);
	return v ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN) : "(absent)";
}

static void test_dates(void)
{
	char out[21], q[27];
	conv_date_out("2024-03-01T10:20:30.123456Z", out);
	CU_ASSERT_STRING_EQUAL(out, "2024-03-01T10:20:30Z");
	conv_date_quirk("2024-03-01T10:20:30.123456Z", q);
	CU_ASSERT_STRING_EQUAL(q, "2024-03-01T10:20:30.123456");
	conv_date_quirk("2024-03-01T10:20:30.000000Z", q);
	CU_ASSERT_STRING_EQUAL(q, "2024-03-01T10:20:30");
}

static void test_create_one_to_one(void)
{
	fx_user("messi", "Leo Messi");
	fx_user("xavi", "Xavi Hernandez");
	long long outbox0 = fx_scalar("SELECT count(*) FROM outbox");
	struct fx_resp r =
		fx_req("POST", "/conversations", "messi",
		       "{\"contexts\":[{\"objectType\":\"conversation\","
		       "\"participants\":[\"messi\",\"Xavi\"]}],"
		       "\"object\":{\"objectType\":\"note\",\"content\":"
		       "\"<b>Hola</b> <script>x</script>#Barça temporada\",\"mobile\":true}}",
		       NULL);
	CU_ASSERT_EQUAL_FATAL(r.status, 201);
	CU_ASSERT_STRING_EQUAL(str(r.json, "objectType"), "message");
	CU_ASSERT_STRING_EQUAL(str(r.json, "verb"), "post");
	CU_ASSERT_STRING_EQUAL(str(r.json, "creator"), "messi");
	CU_ASSERT_STRING_EQUAL(str(r.json, "owner"), "messi");
	CU_ASSERT_STRING_EQUAL(text_of(r.json, "keywords"), "[]");
	json_object *obj = get(r.json, "object");
	CU_ASSERT_STRING_EQUAL(str(obj, "content"), "<b>Hola</b> x#Barça temporada");
	CU_ASSERT_PTR_NULL(get(obj, "mobile"));
	/* "<b>hola" does not start after whitespace; "x#barça" is one character */
	CU_ASSERT_STRING_EQUAL(text_of(obj, "keywords"), "[\"temporada\",\"messi\"]");
	json_object *ctx0 = json_object_array_get_idx(get(r.json, "contexts"), 0);
	CU_ASSERT_STRING_EQUAL(str(ctx0, "objectType"), "conversation");
	CU_ASSERT_STRING_EQUAL(str(ctx0, "displayName"),
			       "Xavi Hernandez"); /* Unlike the original: the partner */
	CU_ASSERT_STRING_EQUAL(text_of(ctx0, "tags"), "[]");
	snprintf(cid_buf[0], 25, "%s", str(ctx0, "id"));
	json_object *actor = get(r.json, "actor");
	CU_ASSERT_STRING_EQUAL(str(actor, "displayName"), "Leo Messi");
	fx_free(&r);
	const char *cid = cid_buf[0];
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM conversation_members WHERE "
				  "conversation_id='%s'",
				  cid),
			2);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM activities WHERE conversation_id='%s'"
				  " AND verb='subscribe'",
				  cid),
			2);
	/* api.md 2.4: 2 participants → 4 bindings, then the add/conversation */
	CU_ASSERT_EQUAL(fx_scalar("SELECT count(*) FROM outbox") - outbox0, 5);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM outbox WHERE op='bind' AND "
				  "routing_key='%s.*'",
				  cid),
			4);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM outbox WHERE op='bind' AND exchange="
				  "'xavi.publish' AND destination='conversations' AND "
				  "routing_key='%s.*'",
				  cid),
			1);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM outbox WHERE op='bind' AND exchange="
				  "'conversations' AND destination='xavi.subscribe' AND "
				  "routing_key='%s.*'",
				  cid),
			1);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM outbox WHERE op='publish' AND exchange="
				  "'conversations' AND routing_key='%s.notifications'"
				  " AND json_extract(body,'$.a')='a' AND "
				  "json_extract(body,'$.o')='c'"
				  " AND json_extract(body,'$.u.u')='messi' AND "
				  "json_extract(body,'$.d')='{}'"
				  " AND id = (SELECT max(id) FROM outbox)",
				  cid),
			1);

	/* the same pair again (any order, any case): same conversation, 201 */
	char again[25];
	CU_ASSERT_EQUAL(start("xavi", "[\"XAVI\",\"messi\"]", NULL, again), 201);
	CU_ASSERT_STRING_EQUAL(again, cid);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM messages WHERE conversation_id='%s'", cid),
			2);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM conversations WHERE id='%s'", cid), 1);
	CU_ASSERT_EQUAL(fx_scalar("SELECT count(*) FROM conversations"), 1);
}

static void test_validation(void)
{
	fx_user("val1", NULL);
	fx_user("val2", NULL);
	long long n = fx_scalar("SELECT count(*) FROM conversations");
	static const struct {
		const char *body;
		int status;
		const char *error, *text;
	} cases[] = {
		{"{}", 400, "ValidationError", "Empty contexts parameter"},
		{"{\"contexts\":[]}", 400, "ValidationError", "Empty contexts parameter"},
		{"{\"contexts\":[{\"objectType\":\"conversation\"}]}", 400, "ValidationError",
		 "Empty participants parameter"},
		{"{\"contexts\":[{\"participants\":[\"val1\",\"val2\",\"VAL2\"]}]}", 400,
		 "ValidationError", "One or more users duplicated in participants list"},
		{"{\"contexts\":[{\"participants\":[\"val1\"]}]}", 400, "ValidationError",
		 "Cannot start a conversation with oneself"},
		{"{\"contexts\":[{\"participants\":[\"val2\",\"fxadmin\"]}]}", 400,
		 "ValidationError", "Actor must be part of the participants list."},
		{"{\"contexts\":[{\"participants\":[\"val1\",\"ghost\"]}]}", 404, "ObjectNotFound",
		 "Object with username ghost not found inside users"},
		{"{\"contexts\":[{\"participants\":[\"val1\",\"val2\"]}],"
		 "\"object\":{\"objectType\":\"UnknownType\",\"content\":\"x\"}}",
		 400, "ObjectNotSupported",
		 "Activitystrea.ms object type UnknownType unknown or unsupported"},
		{"{\"contexts\":[{\"participants\":[\"val1\",\"val2\"]}]}", 400, "MissingField",
		 "Required parameter \"object\" not found in the request"},
		{"{\"contexts\":[{\"participants\":[\"val1\",\"val2\"]}],"
		 "\"object\":{\"objectType\":\"note\"}}",
		 400, "MissingField", "Required parameter \"content\" not found in the request"},
		{"{\"contexts\":[{\"participants\":[\"val1\",\"val2\"]}],"
		 "\"object\":{\"objectType\":\"note\",\"content\":\"\"}}",
		 400, "MissingField", "Required parameter \"content\" found but empty"},
		{"{\"contexts\":[{\"participants\":[\"val1\",7]}]}", 400, "ValidationError", NULL},
		{"{\"actor\":{\"username\":\"val2\"},\"contexts\":[{\"participants\":[\"val1\","
		 "\"val2\"]}],\"object\":{\"objectType\":\"note\",\"content\":\"x\"}}",
		 403, "Forbidden", "User \"val1\" has no permission \"Add conversation\" here "},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct fx_resp r = fx_req("POST", "/conversations", "val1", cases[i].body, NULL);
		CU_ASSERT_EQUAL(r.status, cases[i].status);
		CU_ASSERT_STRING_EQUAL(fx_error(&r), cases[i].error);
		if (cases[i].text)
			CU_ASSERT_STRING_EQUAL(fx_str(&r, "error_description"), cases[i].text);
		if (r.status != cases[i].status)
			fprintf(stderr, "case %zu: %d %s\n", i, r.status, r.raw.body.data);
		fx_free(&r);
	}
	CU_ASSERT_EQUAL(fx_scalar("SELECT count(*) FROM conversations"), n);
	/* a Manager may start one between others */
	char cid[25];
	CU_ASSERT_EQUAL(start("fxadmin", "[\"val1\",\"val2\"]", NULL, cid), 201);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM conversation_members WHERE "
				  "conversation_id='%s'",
				  cid),
			2);
}

static void test_group_and_owner(void)
{
	fx_user("g1", "G One");
	fx_user("g2", "G Two");
	fx_user("g3", "G Three");
	fx_user("g4", "G Four");
	char cid[25];
	CU_ASSERT_EQUAL_FATAL(start("g1", "[\"g1\",\"g2\",\"g3\"]", ",\"displayName\":\"Colla\"",
				    cid),
			      201);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT tag_group FROM conversations WHERE id='%s'", cid), 1);
	/* group notification: u = conversation name, d has text, conversation_id, creator */
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM outbox WHERE op='publish' AND routing_key="
				  "'%s.notifications' AND json_extract(body,'$.u.u')='Colla'"
				  " AND json_extract(body,'$.u.d')='Colla'"
				  " AND json_extract(body,'$.d.creator')='G One'"
				  " AND json_extract(body,'$.d.text')='Hola #Barça, què tal?'",
				  cid),
			1);
	/* group creator: invite and kick, no unsubscribe */
	char path[128];
	snprintf(path, sizeof path, "/people/g1/conversations/%s", cid);
	struct fx_resp r = fx_req("GET", path, "g1", NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_STRING_EQUAL(text_of(r.json, "permissions"),
			       "[\"read\",\"write\",\"invite\",\"kick\"]");
	CU_ASSERT_STRING_EQUAL(str(r.json, "displayName"), "Colla");
	CU_ASSERT_PTR_NOT_NULL(get(r.json, "lastMessage"));
	fx_free(&r);
	snprintf(path, sizeof path, "/people/g2/conversations/%s", cid);
	r = fx_req("GET", path, "g2", NULL, NULL);
	CU_ASSERT_STRING_EQUAL(text_of(r.json, "permissions"),
			       "[\"read\",\"write\",\"unsubscribe\"]");
	fx_free(&r);
	/* g2 may not look at g1's subscription; the owner may look at g2's */
	CU_ASSERT_EQUAL(status_of("GET", path, "g3", NULL), 403);
	CU_ASSERT_EQUAL(status_of("GET", path, "g1", NULL), 200);
	snprintf(path, sizeof path, "/people/g4/conversations/%s", cid);
	CU_ASSERT_EQUAL(status_of("GET", path, "g1", NULL), 404);

	/* the owner cannot leave; transfer to g2; then he can */
	snprintf(path, sizeof path, "/conversations/%s/participants/g1", cid);
	CU_ASSERT_EQUAL(status_of("DELETE", path, "g1", NULL), 403);
	char owner_path[96];
	snprintf(owner_path, sizeof owner_path, "/conversations/%s/owner", cid);
	CU_ASSERT_EQUAL(status_of("PUT", owner_path, "g2", "{\"actor\":{\"username\":\"g3\"}}"),
			403);
	CU_ASSERT_EQUAL(status_of("PUT", owner_path, "g1", "{\"actor\":{\"username\":\"g4\"}}"),
			403);
	CU_ASSERT_EQUAL(status_of("PUT", owner_path, "g1", "{\"actor\":{\"username\":\"nobody\"}}"),
			400);
	r = fx_req("PUT", owner_path, "g1", "{\"actor\":{\"username\":\"g2\"}}", NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "owner"), "g2");
	CU_ASSERT_PTR_NULL(get(r.json, "lastMessage"));
	fx_free(&r);
	CU_ASSERT_EQUAL(
		FX_SCALAR("SELECT count(*) FROM conversation_members WHERE conversation_id='%s'"
			  " AND username='g2' AND permissions_json='[\"read\",\"write\",\"invite\","
			  "\"kick\"]' AND grants_json='[\"invite\",\"kick\"]'"
			  " AND vetos_json='[\"unsubscribe\"]'",
			  cid),
		1);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM conversation_members WHERE "
				  "conversation_id='%s'"
				  " AND username='g1' AND permissions_json='[\"read\",\"write\","
				  "\"unsubscribe\"]' AND grants_json='[\"unsubscribe\"]'"
				  " AND vetos_json='[\"invite\",\"kick\"]'",
				  cid),
			1);
	/* g1 no longer kicks; g2 does */
	snprintf(path, sizeof path, "/conversations/%s/participants/g3", cid);
	CU_ASSERT_EQUAL(status_of("DELETE", path, "g1", NULL), 403);
	snprintf(path, sizeof path, "/conversations/%s/participants/g1", cid);
	CU_ASSERT_EQUAL(status_of("DELETE", path, "g1", NULL), 204);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM conversation_participants WHERE "
				  "conversation_id='%s'",
				  cid),
			2);
	/* a group of two keeps its name and tag, no archive */
	r = fx_req("GET", "/conversations", "g3", NULL, NULL);
	CU_ASSERT_EQUAL(json_object_array_length(r.json), 1);
	json_object *c0 = json_object_array_get_idx(r.json, 0);
	CU_ASSERT_STRING_EQUAL(str(c0, "displayName"), "Colla");
	CU_ASSERT_STRING_EQUAL(text_of(c0, "tags"), "[\"group\"]");
	fx_free(&r);
	/* kick g3: one left → archive; nobody may write there but a Manager */
	snprintf(path, sizeof path, "/conversations/%s/participants/g3", cid);
	CU_ASSERT_EQUAL(status_of("DELETE", path, "g2", NULL), 204);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT tag_archive FROM conversations WHERE id='%s'", cid), 1);
	snprintf(path, sizeof path, "/conversations/%s/messages", cid);
	CU_ASSERT_EQUAL(status_of("POST", path, "g2",
				  "{\"object\":{\"objectType\":\"note\",\"content\":\"x\"}}"),
			403);
	/* joining clears archive */
	snprintf(path, sizeof path, "/conversations/%s/participants", cid);
	r = fx_req("POST", path, "g2",
		   "{\"actor\":{\"objectType\":\"person\",\"username\":\"g4\"}}", NULL);
	CU_ASSERT_EQUAL(r.status, 201);
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "verb"), "subscribe");
	json_object *o = get(r.json, "object");
	CU_ASSERT_STRING_EQUAL(str(o, "objectType"), "conversation");
	CU_ASSERT_STRING_EQUAL(str(o, "id"), cid);
	CU_ASSERT_EQUAL(json_object_array_length(get(o, "participants")), 2);
	fx_free(&r);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT tag_archive FROM conversations WHERE id='%s'", cid), 0);
	r = fx_req("POST", path, "g2",
		   "{\"actor\":{\"objectType\":\"person\",\"username\":\"g4\"}}", NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	fx_free(&r);
	/* g4 has no invite */
	CU_ASSERT_EQUAL(status_of("POST", path, "g4", "{\"actor\":{\"username\":\"g1\"}}"), 403);
}

static void test_one_to_one_states(void)
{
	fx_user("s1", "Ess One");
	fx_user("s2", "Ess Two");
	char cid[25], path[128];
	CU_ASSERT_EQUAL_FATAL(start("s1", "[\"s1\",\"s2\"]", NULL, cid), 201);
	/* nobody kicks in a 1:1, nobody joins */
	snprintf(path, sizeof path, "/conversations/%s/participants/s2", cid);
	CU_ASSERT_EQUAL(status_of("DELETE", path, "s1", NULL), 403);
	fx_user("s3", NULL);
	snprintf(path, sizeof path, "/conversations/%s/participants", cid);
	CU_ASSERT_EQUAL(status_of("POST", path, "fxadmin", "{\"actor\":{\"username\":\"s3\"}}"),
			403);
	/* s2 leaves: single, s2 neither lists nor reads it */
	snprintf(path, sizeof path, "/people/s2/conversations/%s", cid);
	CU_ASSERT_EQUAL(status_of("DELETE", path, "s2", NULL), 204);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT tag_single FROM conversations WHERE id='%s'", cid), 1);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM conversation_participants WHERE "
				  "conversation_id='%s'",
				  cid),
			2);
	struct fx_resp r = fx_req("GET", "/conversations", "s2", NULL, NULL);
	CU_ASSERT_EQUAL(json_object_array_length(r.json), 0);
	fx_free(&r);
	snprintf(path, sizeof path, "/conversations/%s/messages", cid);
	CU_ASSERT_EQUAL(status_of("GET", path, "s2", NULL), 403);
	/* s1 writes: s2 is back, single gone, add/conversation published */
	long long pubs = FX_SCALAR("SELECT count(*) FROM outbox WHERE op='publish' AND routing_key="
				   "'%s.notifications'",
				   cid);
	CU_ASSERT_EQUAL(status_of("POST", path, "s1",
				  "{\"object\":{\"objectType\":\"note\",\"content\":\"hey\"}}"),
			201);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT tag_single FROM conversations WHERE id='%s'", cid), 0);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM outbox WHERE op='publish' AND routing_key="
				  "'%s.notifications'",
				  cid),
			pubs + 1);
	r = fx_req("GET", path, "s2", NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_EQUAL(json_object_array_length(r.json), 2);
	fx_free(&r);
	/* the partner is deleted: archive; re-created: single */
	CU_ASSERT_EQUAL(status_of("DELETE", "/people/s2", "fxadmin", NULL), 204);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT tag_archive FROM conversations WHERE id='%s'", cid), 1);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT tag_single FROM conversations WHERE id='%s'", cid), 0);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM conversation_members WHERE "
				  "conversation_id='%s'"
				  " AND username='s2'",
				  cid),
			0);
	CU_ASSERT_EQUAL(status_of("POST", path, "s1",
				  "{\"object\":{\"objectType\":\"note\",\"content\":\"hey\"}}"),
			403);
	CU_ASSERT_EQUAL(start("s1", "[\"s1\",\"s2\"]", NULL, NULL), 404);
	fx_user("s2", "Ess Two Again");
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT tag_archive FROM conversations WHERE id='%s'", cid), 0);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT tag_single FROM conversations WHERE id='%s'", cid), 1);
	CU_ASSERT_EQUAL(status_of("POST", path, "s1",
				  "{\"object\":{\"objectType\":\"note\",\"content\":\"back?\"}}"),
			201);
	/* s2 is subscribed again (asked as a Manager: deleting s2 revoked his
	 * token, which the fixture still holds) */
	snprintf(path, sizeof path, "/people/s2/conversations/%s", cid);
	CU_ASSERT_EQUAL(status_of("GET", path, "fxadmin", NULL), 200);
}

static void test_talking_in(void)
{
	fx_user("t1", "Tee One");
	fx_user("t2", "Tee Two");
	fx_user("t3", "Tee Three");
	char a[25], b[25], path[128];
	CU_ASSERT_EQUAL_FATAL(start("t1", "[\"t1\",\"t2\"]", NULL, a), 201);
	CU_ASSERT_EQUAL_FATAL(start("t1", "[\"t1\",\"t3\"]", NULL, b), 201);
	snprintf(path, sizeof path, "/conversations/%s/messages", a);
	CU_ASSERT_EQUAL(status_of("POST", path, "t2",
				  "{\"object\":{\"objectType\":\"note\",\"content\":\"newest\"}}"),
			201);
	struct fx_resp r = fx_req("GET", "/people/t1", "t1", NULL, NULL);
	json_object *ti = get(r.json, "talkingIn");
	CU_ASSERT_EQUAL_FATAL(json_object_array_length(ti), 2);
	json_object *e0 = json_object_array_get_idx(ti, 0);
	CU_ASSERT_STRING_EQUAL(str(e0, "id"), a);
	CU_ASSERT_STRING_EQUAL(str(e0, "displayName"), "Tee Two");
	CU_ASSERT_STRING_EQUAL(text_of(e0, "permissions"), "[\"read\",\"write\",\"unsubscribe\"]");
	CU_ASSERT_EQUAL(json_object_get_int(get(e0, "messages")), 0);
	json_object *lm = get(e0, "lastMessage");
	CU_ASSERT_STRING_EQUAL(str(lm, "content"), "newest");
	CU_ASSERT_STRING_EQUAL(str(lm, "objectType"), "note");
	CU_ASSERT_PTR_NULL(get(lm, "actor"));
	const char *pub = str(lm, "published");
	/* api.md 3: no Z, microseconds when non-zero */
	CU_ASSERT(strlen(pub) == 19 || strlen(pub) == 26);
	CU_ASSERT_PTR_NULL(strchr(pub, 'Z'));
	CU_ASSERT_EQUAL(json_object_array_length(get(e0, "participants")), 2);
	fx_free(&r);
	/* stored form in PUT /people */
	r = fx_req("PUT", "/people/t1", "t1", "{}", NULL);
	e0 = json_object_array_get_idx(get(r.json, "talkingIn"), 0);
	CU_ASSERT_STRING_EQUAL(str(e0, "objectType"), "conversation");
	CU_ASSERT_PTR_NULL(get(e0, "lastMessage"));
	CU_ASSERT_PTR_NOT_NULL(get(e0, "permissions"));
	fx_free(&r);
	/* other people do not see talkingIn at all */
	r = fx_req("GET", "/people/t1", "t2", NULL, NULL);
	CU_ASSERT_PTR_NULL(get(r.json, "talkingIn"));
	fx_free(&r);
	/* renames reach participants */
	CU_ASSERT_EQUAL(status_of("PUT", "/people/t2", "t2", "{\"displayName\":\"Tee Renamed\"}"),
			200);
	snprintf(path, sizeof path, "/conversations/%s", a);
	r = fx_req("GET", path, "t1", NULL, NULL);
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "displayName"), "Tee Renamed");
	CU_ASSERT_STRING_EQUAL(str(get(r.json, "lastMessage"), "actor"), "Tee Two");
	fx_free(&r);
}

static void test_list_paging(void)
{
	fx_user("p0", NULL);
	char name[16], parts[64], ids[5][25];
	for (int i = 0; i < 5; i++) {
		snprintf(name, sizeof name, "p%d", i + 1);
		fx_user(name, NULL);
		snprintf(parts, sizeof parts, "[\"p0\",\"%s\"]", name);
		CU_ASSERT_EQUAL(start("p0", parts, NULL, ids[i]), 201);
	}
	struct fx_resp r = fx_req("GET", "/conversations", "p0", NULL, NULL);
	CU_ASSERT_EQUAL(json_object_array_length(r.json), 5);
	CU_ASSERT_STRING_EQUAL(fx_header(&r, "X-Has-Remaining-Items"), "");
	CU_ASSERT_STRING_EQUAL(str(json_object_array_get_idx(r.json, 0), "id"), ids[4]);
	fx_free(&r);
	r = fx_req("GET", "/conversations?limit=2", "p0", NULL, NULL);
	CU_ASSERT_EQUAL(json_object_array_length(r.json), 2);
	CU_ASSERT_STRING_EQUAL(fx_header(&r, "X-Has-Remaining-Items"), "1");
	fx_free(&r);
	char path[96];
	snprintf(path, sizeof path, "/conversations?limit=2&before=%s", ids[3]);
	r = fx_req("GET", path, "p0", NULL, NULL);
	CU_ASSERT_EQUAL(json_object_array_length(r.json), 2);
	CU_ASSERT_STRING_EQUAL(str(json_object_array_get_idx(r.json, 0), "id"), ids[2]);
	CU_ASSERT_STRING_EQUAL(str(json_object_array_get_idx(r.json, 1), "id"), ids[1]);
	fx_free(&r);
	/* a message moves a conversation to the top */
	snprintf(path, sizeof path, "/conversations/%s/messages", ids[0]);
	CU_ASSERT_EQUAL(status_of("POST", path, "p1",
				  "{\"object\":{\"objectType\":\"note\",\"content\":\"up\"}}"),
			201);
	r = fx_req("GET", "/conversations?limit=1", "p0", NULL, NULL);
	CU_ASSERT_STRING_EQUAL(str(json_object_array_get_idx(r.json, 0), "id"), ids[0]);
	fx_free(&r);
	CU_ASSERT_EQUAL(status_of("GET", "/conversations?before=nothex", "p0", NULL), 400);
	CU_ASSERT_EQUAL(status_of("GET", "/conversations?limit=x", "p0", NULL), 400);

	/* messages: newest `limit`, oldest first, before pages back */
	snprintf(path, sizeof path, "/conversations/%s/messages", ids[1]);
	for (int i = 0; i < 4; i++) {
		char body[128];
		snprintf(body, sizeof body,
			 "{\"object\":{\"objectType\":\"note\",\"content\":\"m%d\"}}", i);
		CU_ASSERT_EQUAL(status_of("POST", path, "p0", body), 201);
	}
	snprintf(path, sizeof path, "/conversations/%s/messages?limit=2", ids[1]);
	r = fx_req("GET", path, "p2", NULL, NULL);
	CU_ASSERT_EQUAL_FATAL(json_object_array_length(r.json), 2);
	json_object *first = json_object_array_get_idx(r.json, 0);
	CU_ASSERT_STRING_EQUAL(str(get(first, "object"), "content"), "m2");
	CU_ASSERT_STRING_EQUAL(str(get(json_object_array_get_idx(r.json, 1), "object"), "content"),
			       "m3");
	CU_ASSERT_PTR_NULL(get(first, "creator")); /* lean */
	CU_ASSERT_PTR_NULL(get(get(first, "object"), "keywords"));
	CU_ASSERT_STRING_EQUAL(fx_header(&r, "X-Has-Remaining-Items"), "1");
	char before[25];
	snprintf(before, sizeof before, "%s", str(first, "id"));
	fx_free(&r);
	snprintf(path, sizeof path, "/conversations/%s/messages?limit=10&before=%s", ids[1],
		 before);
	r = fx_req("GET", path, "p2", NULL, NULL);
	CU_ASSERT_EQUAL(json_object_array_length(r.json), 3); /* creation message, m0, m1 */
	CU_ASSERT_STRING_EQUAL(fx_header(&r, "X-Has-Remaining-Items"), "");
	fx_free(&r);
}

static void test_rename_and_delete(void)
{
	fx_user("r1", NULL);
	fx_user("r2", NULL);
	fx_user("r3", NULL);
	char cid[25], path[96];
	CU_ASSERT_EQUAL_FATAL(start("r1", "[\"r1\",\"r2\",\"r3\"]", NULL, cid), 201);
	snprintf(path, sizeof path, "/conversations/%s", cid);
	CU_ASSERT_EQUAL(status_of("PUT", path, "r2", "{\"displayName\":\"Nou\"}"), 403);
	CU_ASSERT_EQUAL(status_of("PUT", path, "r1", "{\"displayName\":7}"), 400);
	CU_ASSERT_EQUAL(status_of("PUT", path, "r1", "{\"displayName\":\"\"}"), 400);
	struct fx_resp r =
		fx_req("PUT", path, "r1", "{\"displayName\":\"Nou nom\",\"tags\":[]}", NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "displayName"), "Nou nom");
	CU_ASSERT_STRING_EQUAL(text_of(r.json, "tags"), "[\"group\"]");
	fx_free(&r);
	/* message snapshots follow the name */
	snprintf(path, sizeof path, "/conversations/%s/messages", cid);
	r = fx_req("GET", path, "r3", NULL, NULL);
	json_object *ctx0 =
		json_object_array_get_idx(get(json_object_array_get_idx(r.json, 0), "contexts"), 0);
	CU_ASSERT_STRING_EQUAL(str(ctx0, "displayName"), "Nou nom");
	fx_free(&r);
	snprintf(path, sizeof path, "/conversations/%s", cid);
	CU_ASSERT_EQUAL(status_of("DELETE", path, "r2", NULL), 403);
	long long unbinds = fx_scalar("SELECT count(*) FROM outbox WHERE op='unbind'");
	CU_ASSERT_EQUAL(status_of("DELETE", path, "r1", NULL), 204);
	CU_ASSERT_EQUAL(fx_scalar("SELECT count(*) FROM outbox WHERE op='unbind'") - unbinds, 6);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM messages WHERE conversation_id='%s'", cid),
			0);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM conversation_members WHERE "
				  "conversation_id='%s'",
				  cid),
			0);
	CU_ASSERT_EQUAL(status_of("GET", path, "r1", NULL), 404);
	CU_ASSERT_EQUAL(status_of("GET", "/conversations/123", "r1", NULL), 400);
}

static void test_maintenance(void)
{
	fx_user("m1", "Em One");
	fx_user("m2", NULL);
	fx_user("m3", NULL);
	char cid[25], lone[25];
	CU_ASSERT_EQUAL_FATAL(start("m1", "[\"m1\",\"m2\",\"m3\"]", ",\"displayName\":\"G\"", cid),
			      201);
	CU_ASSERT_EQUAL_FATAL(start("m1", "[\"m1\",\"m2\"]", NULL, lone), 201);
	char sql[512];
	/* hand-broken data: policy, tags, participant names, a message-less one */
	snprintf(sql, sizeof sql,
		 "UPDATE conversations SET permissions_json='{\"read\":\"subscribed\",\"write\":"
		 "\"restricted\",\"subscribe\":\"restricted\",\"unsubscribe\":\"subscribed\"}',"
		 " tag_group=0 WHERE id='%s';"
		 "UPDATE conversation_participants SET display_name='old' WHERE "
		 "conversation_id='%s';"
		 "DELETE FROM messages WHERE conversation_id='%s';",
		 cid, cid, lone);
	CU_ASSERT_EQUAL(sqlite3_exec(fx.db.db, sql, NULL, NULL, NULL), SQLITE_OK);
	CU_ASSERT_EQUAL(status_of("POST", "/admin/maintenance/conversations", "m1", ""), 403);
	struct fx_resp r = fx_req("POST", "/admin/maintenance/conversations", "fxadmin", "", NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_STRING_EQUAL(r.raw.body.data, "[]");
	fx_free(&r);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM conversations WHERE id='%s'", lone), 0);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT tag_group FROM conversations WHERE id='%s'", cid), 1);
	/* non-permanent grants are lost; the policy says no write */
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM conversation_members WHERE "
				  "conversation_id='%s'"
				  " AND permissions_json='[\"read\",\"unsubscribe\"]'",
				  cid),
			3);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM conversation_participants WHERE "
				  "conversation_id='%s' AND display_name='Em One'",
				  cid),
			1);
	/* a group with one participant is archived */
	char path[128];
	snprintf(path, sizeof path, "/conversations/%s/participants/m2", cid);
	CU_ASSERT_EQUAL(status_of("DELETE", path, "m2", NULL), 204);
	snprintf(path, sizeof path, "/conversations/%s/participants/m3", cid);
	CU_ASSERT_EQUAL(status_of("DELETE", path, "m3", NULL), 204);
	snprintf(sql, sizeof sql, "UPDATE conversations SET tag_archive=0 WHERE id='%s'", cid);
	sqlite3_exec(fx.db.db, sql, NULL, NULL, NULL);
	r = fx_req("POST", "/admin/maintenance/conversations", "fxadmin", "", NULL);
	fx_free(&r);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT tag_archive FROM conversations WHERE id='%s'", cid), 1);
	long long declares = fx_scalar("SELECT count(*) FROM outbox WHERE op='declare_user'");
	r = fx_req("POST", "/admin/maintenance/users", "fxadmin", "", NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	fx_free(&r);
	CU_ASSERT_EQUAL(fx_scalar("SELECT count(*) FROM outbox WHERE op='declare_user'") - declares,
			fx_scalar("SELECT count(*) FROM people"));
	r = fx_req("POST", "/admin/maintenance/tokens", "fxadmin", "", NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_STRING_EQUAL(r.raw.body.data, "[]");
	fx_free(&r);
}

static void test_person_deleted_in_group(void)
{
	fx_user("d1", NULL);
	fx_user("d2", NULL);
	fx_user("d3", NULL);
	char cid[25];
	CU_ASSERT_EQUAL_FATAL(start("d1", "[\"d1\",\"d2\",\"d3\"]", NULL, cid), 201);
	CU_ASSERT_EQUAL(status_of("DELETE", "/people/d3", "fxadmin", NULL), 204);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM conversation_participants WHERE "
				  "conversation_id='%s'",
				  cid),
			2);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT tag_archive FROM conversations WHERE id='%s'", cid), 0);
	CU_ASSERT_EQUAL(status_of("DELETE", "/people/d2", "fxadmin", NULL), 204);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT tag_archive FROM conversations WHERE id='%s'", cid), 1);
}

static void test_messages_admin(void)
{
	fx_user("a1", NULL);
	fx_user("a2", NULL);
	char cid[25];
	CU_ASSERT_EQUAL_FATAL(start("a1", "[\"a1\",\"a2\"]", NULL, cid), 201);
	struct fx_resp r = fx_req("GET", "/messages?limit=0", "fxadmin", NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	long long all = fx_scalar("SELECT count(*) FROM messages");
	CU_ASSERT_EQUAL((long long)json_object_array_length(r.json), all);
	json_object *m0 = json_object_array_get_idx(r.json, 0);
	CU_ASSERT_STRING_EQUAL(str(m0, "owner"), "a1"); /* full, newest first */
	fx_free(&r);
	CU_ASSERT_EQUAL(status_of("GET", "/messages", "a1", NULL), 403);
	/* HEAD is for Managers as GET is: a user's count would be an oracle */
	r = fx_req("HEAD", "/messages?actor=A1", "a1", NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 403);
	CU_ASSERT_STRING_EQUAL(fx_header(&r, "X-totalItems"), "");
	fx_free(&r);
	r = fx_req("HEAD", "/messages?actor=A1", "fxadmin", NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_STRING_EQUAL(fx_header(&r, "X-totalItems"), "1");
	fx_free(&r);
	r = fx_req("GET", "/messages?keyword=barça&hashtag=BARÇA", "fxadmin", NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT((long long)json_object_array_length(r.json) >= 1);
	fx_free(&r);
	r = fx_req("GET", "/messages?date_filter=1999", "fxadmin", NULL, NULL);
	CU_ASSERT_EQUAL(json_object_array_length(r.json), 0);
	fx_free(&r);
	r = fx_req("GET", "/conversations/active?limit=1", "fxadmin", NULL, NULL);
	CU_ASSERT_EQUAL(json_object_array_length(r.json), 1);
	CU_ASSERT_STRING_EQUAL(str(json_object_array_get_idx(r.json, 0), "id"), cid);
	CU_ASSERT_STRING_EQUAL(str(json_object_array_get_idx(r.json, 0), "objectType"),
			       "conversation");
	fx_free(&r);
	r = fx_req("HEAD", "/conversations/active?limit=100", "fxadmin", NULL, NULL);
	char want[24];
	snprintf(want, sizeof want, "%lld",
		 fx_scalar("SELECT count(DISTINCT conversation_id) FROM messages"));
	CU_ASSERT_STRING_EQUAL(fx_header(&r, "X-totalItems"), want);
	CU_ASSERT_EQUAL(r.raw.body.len, 0);
	fx_free(&r);
	CU_ASSERT_EQUAL(status_of("GET", "/conversations/active", "a1", NULL), 403);
}

static void test_tokens(void)
{
	fx_user("k1", NULL);
	fx_user("k2", NULL);
	struct fx_resp r = fx_req("POST", "/tokens", "k1",
				  "{\"token\":\"abc123\",\"platform\":\"IOS\"}", NULL);
	CU_ASSERT_EQUAL(r.status, 201);
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "platform"), "ios");
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "objectType"), "token");
	CU_ASSERT(json_object_object_get_ex(r.json, "device", NULL));
	CU_ASSERT_PTR_NULL(get(r.json, "device")); /* null */
	fx_free(&r);
	r = fx_req("POST", "/tokens", "k1", "{\"token\":\"abc\",\"platform\":\"blackberry\"}",
		   NULL);
	CU_ASSERT_EQUAL(r.status, 400);
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "error_description"),
			       "blackberry is not a supported platform.");
	fx_free(&r);
	r = fx_req("POST", "/tokens", "k1", "{\"platform\":\"ios\"}", NULL);
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "error_description"),
			       "Required parameter \"token\" not found in the request");
	fx_free(&r);
	/* the device moves to k2 */
	CU_ASSERT_EQUAL(status_of("POST", "/tokens", "k2",
				  "{\"token\":\"abc123\",\"platform\":\"ios\"}"),
			201);
	CU_ASSERT_EQUAL(fx_scalar("SELECT count(*) FROM device_tokens WHERE token='abc123'"
				  " AND owner='k2'"),
			1);
	CU_ASSERT_EQUAL(status_of("DELETE", "/tokens/abc123", "k1", NULL), 403);
	CU_ASSERT_EQUAL(status_of("GET", "/people/k2/tokens", "k1", NULL), 403);
	r = fx_req("GET", "/people/k2/tokens/platforms/ios", "k2", NULL, NULL);
	CU_ASSERT_STRING_EQUAL(json_object_to_json_string_ext(r.json, JSON_C_TO_STRING_PLAIN),
			       "[{\"token\":\"abc123\",\"platform\":\"ios\",\"username\":\"k2\"}]");
	fx_free(&r);
	CU_ASSERT_EQUAL(status_of("DELETE", "/tokens/abc123", "k2", NULL), 204);
	CU_ASSERT_EQUAL(status_of("DELETE", "/tokens/abc123", "k2", NULL), 404);
	/* the deprecated device form answers with the caller's Person */
	r = fx_req("POST", "/people/k1/device/android/dev-1", "k1", "", NULL);
	CU_ASSERT_EQUAL(r.status, 201);
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "username"), "k1");
	fx_free(&r);
	char cid[25], path[96];
	CU_ASSERT_EQUAL_FATAL(start("k1", "[\"k1\",\"k2\"]", NULL, cid), 201);
	snprintf(path, sizeof path, "/conversations/%s/tokens", cid);
	r = fx_req("GET", path, "fxadmin", NULL, NULL);
	CU_ASSERT_EQUAL(json_object_array_length(r.json), 1);
	fx_free(&r);
	CU_ASSERT_EQUAL(status_of("GET", path, "k1", NULL), 403);
	r = fx_req("GET", "/conversations/000000000000000000000000/tokens", "fxadmin", NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_EQUAL(json_object_array_length(r.json), 0);
	fx_free(&r);
}

/* Spec-conformance pins found by the audit (api.md 4.1; endpoints.md). */
static void test_audit_spec(void)
{
	fx_user("au1", "Au One");
	fx_user("au2", "Au Two");
	fx_user("au3", NULL);
	fx_user("auhid", NULL);
	CU_ASSERT_EQUAL(status_of("POST", "/admin/security/roles/NonVisible/users/auhid", "fxadmin",
				  ""),
			201);
	/* #58 validation order: an unknown participant (404) wins over one the
	 * actor may not see (403), wherever they stand in the list */
	struct fx_resp r =
		fx_req("POST", "/conversations", "au1",
		       "{\"contexts\":[{\"participants\":[\"au1\",\"auhid\",\"ghost\"]}],"
		       "\"object\":{\"objectType\":\"note\",\"content\":\"x\"}}",
		       NULL);
	CU_ASSERT_EQUAL(r.status, 404);
	CU_ASSERT_STRING_EQUAL(fx_error(&r), "ObjectNotFound");
	fx_free(&r);
	/* and the 403 still comes when everybody exists */
	r = fx_req("POST", "/conversations", "au1",
		   "{\"contexts\":[{\"participants\":[\"au1\",\"auhid\",\"au2\"]}],"
		   "\"object\":{\"objectType\":\"note\",\"content\":\"x\"}}",
		   NULL);
	CU_ASSERT_EQUAL(r.status, 403);
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "error_description"),
			       "User au1 is not allowed to have a conversation with auhid");
	fx_free(&r);
	/* #65: the owner asking for a non-participant's subscription → unlike the original,
	 * 404; the user himself holds no subscription to be allowed by (403,
	 * the original's ACL) */
	char cid[25], path[128];
	CU_ASSERT_EQUAL_FATAL(start("au1", "[\"au1\",\"au2\"]", NULL, cid), 201);
	snprintf(path, sizeof path, "/people/au3/conversations/%s", cid);
	r = fx_req("GET", path, "au1", NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 404);
	CU_ASSERT_STRING_EQUAL(fx_error(&r), "ObjectNotFound");
	fx_free(&r);
	CU_ASSERT_EQUAL(status_of("GET", path, "au3", NULL), 403);
	/* somebody else's subscription stays forbidden for a non-owner */
	snprintf(path, sizeof path, "/people/au1/conversations/%s", cid);
	CU_ASSERT_EQUAL(status_of("GET", path, "au3", NULL), 403);
	/* api.md 4.1: PUT /people's talkingIn entries carry the stored displayName,
	 * participants and tags */
	r = fx_req("PUT", "/people/au1", "au1", "{}", NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	json_object *e0 = json_object_array_get_idx(get(r.json, "talkingIn"), 0);
	CU_ASSERT_STRING_EQUAL(str(e0, "id"), cid);
	CU_ASSERT_STRING_EQUAL(str(e0, "displayName"), "au1, au2");
	CU_ASSERT_STRING_EQUAL(text_of(e0, "participants"),
			       "[{\"username\":\"au1\",\"displayName\":\"Au One\",\"objectType\":"
			       "\"person\"},{\"username\":\"au2\",\"displayName\":\"Au Two\","
			       "\"objectType\":\"person\"}]");
	CU_ASSERT_STRING_EQUAL(text_of(e0, "tags"), "[]");
	CU_ASSERT_PTR_NULL(get(e0, "lastMessage"));
	fx_free(&r);
	/* #94 tags of a 1:1: all subscribed → none; someone left → single;
	 * a participant deleted → archive */
	char sql[512];
	snprintf(sql, sizeof sql, "UPDATE conversations SET tag_single=1 WHERE id='%s'", cid);
	CU_ASSERT_EQUAL(sqlite3_exec(fx.db.db, sql, NULL, NULL, NULL), SQLITE_OK);
	CU_ASSERT_EQUAL(status_of("POST", "/admin/maintenance/conversations", "fxadmin", ""), 200);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT tag_single + tag_archive + tag_group FROM conversations"
				  " WHERE id='%s'",
				  cid),
			0);
	snprintf(sql, sizeof sql,
		 "DELETE FROM conversation_members WHERE conversation_id='%s' AND username='au2'",
		 cid);
	CU_ASSERT_EQUAL(sqlite3_exec(fx.db.db, sql, NULL, NULL, NULL), SQLITE_OK);
	CU_ASSERT_EQUAL(status_of("POST", "/admin/maintenance/conversations", "fxadmin", ""), 200);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT tag_single FROM conversations WHERE id='%s'", cid), 1);
	CU_ASSERT_EQUAL(sqlite3_exec(fx.db.db, "DELETE FROM people WHERE username='au2'", NULL,
				     NULL, NULL),
			SQLITE_OK);
	CU_ASSERT_EQUAL(status_of("POST", "/admin/maintenance/conversations", "fxadmin", ""), 200);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT tag_archive FROM conversations WHERE id='%s'", cid), 1);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT tag_single FROM conversations WHERE id='%s'", cid), 0);
	/* api.md 1.6 restricted mode: the actor must share a context with every other
	 * participant; Managers included */
	fx_user("rv1", NULL);
	fx_user("rv2", NULL);
	fx_user("rv3", NULL);
	CU_ASSERT_EQUAL(status_of("POST", "/contexts", "fxadmin", "{\"url\":\"http://u.test/rv\"}"),
			201);
	const char *sub = "{\"object\":{\"objectType\":\"context\",\"url\":\"http://u.test/rv\"}}";
	CU_ASSERT_EQUAL(status_of("POST", "/people/rv1/subscriptions", "fxadmin", sub), 201);
	CU_ASSERT_EQUAL(status_of("POST", "/people/rv2/subscriptions", "fxadmin", sub), 201);
	fx.cfg.restricted_visibility = 1;
	r = fx_req("POST", "/conversations", "rv1",
		   "{\"contexts\":[{\"participants\":[\"rv1\",\"rv3\"]}],"
		   "\"object\":{\"objectType\":\"note\",\"content\":\"x\"}}",
		   NULL);
	CU_ASSERT_EQUAL(r.status, 403);
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "error_description"),
			       "User rv1 is not allowed to have a conversation with rv3");
	fx_free(&r);
	r = fx_req("POST", "/conversations", "fxadmin",
		   "{\"contexts\":[{\"participants\":[\"rv1\",\"rv2\"]}],"
		   "\"object\":{\"objectType\":\"note\",\"content\":\"x\"}}",
		   NULL);
	CU_ASSERT_EQUAL(r.status, 403);
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "error_description"),
			       "User fxadmin is not allowed to have a conversation with rv1");
	fx_free(&r);
	CU_ASSERT_EQUAL(start("rv1", "[\"rv1\",\"rv2\"]", NULL, NULL), 201);
	fx.cfg.restricted_visibility = 0;
	/* #10: the conversation avatar of an unknown conversation → 404 */
	CU_ASSERT_EQUAL(status_of("GET", "/conversations/0123456789abcdef01234567/avatar", NULL,
				  NULL),
			404);
	/* #57 has no pagination: without limit every conversation is listed,
	 * however many (no silent cap) */
	fx_user("aumany", NULL);
	CU_ASSERT_EQUAL(
		sqlite3_exec(fx.db.db,
			     "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
			     " WHERE i < 501) INSERT INTO conversations (id, display_name,"
			     " permissions_json, creator, owner, published) SELECT"
			     " printf('%024x', 11259375 + i), 'c' || i, '{}', 'aumany', 'aumany',"
			     " '2024-01-01T00:00:00Z' FROM n;"
			     "INSERT INTO conversation_members (conversation_id, username,"
			     " permissions_json, perm_mask, subscribed_at) SELECT id, 'aumany',"
			     " '[\"read\"]', 1, published FROM conversations WHERE creator = "
			     "'aumany'",
			     NULL, NULL, NULL),
		SQLITE_OK);
	r = fx_req("GET", "/conversations", "aumany", NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_EQUAL(json_object_array_length(r.json), 501);
	CU_ASSERT_STRING_EQUAL(fx_header(&r, "X-Has-Remaining-Items"), "");
	fx_free(&r);
}

/* The model as the bridge calls it for a chat line a client sent over
 * STOMP: the permission check apart, then everything POST …/messages does
 * (a single 1:1's leaver back with add/conversation, the row, the
 * conversation's lastMessage), and the limit+1 pager. */
static void test_model_store(void)
{
	fx_user("ms1", "M S One");
	fx_user("ms2", NULL);
	fx_user("ms3", NULL);
	char cid[25], mid[25];
	CU_ASSERT_EQUAL_FATAL(start("ms1", "[\"ms1\",\"ms2\"]", NULL, cid), 201);
	struct store *st = &fx.db;
	CU_ASSERT_EQUAL(msg_may_send(st, cid, "ms1"), MAX_OK);
	CU_ASSERT_EQUAL(msg_may_send(st, cid, "ms3"), MAX_EFORBIDDEN);
	CU_ASSERT_EQUAL(msg_may_send(st, "0123456789abcdef01234567", "ms1"), MAX_ENOTFOUND);
	CU_ASSERT_STRING_EQUAL(model_why(st),
			       "Object with _id 0123456789abcdef01234567 not found inside "
			       "conversations");
	char path[80];
	snprintf(path, sizeof path, "/conversations/%s/participants/ms2", cid);
	CU_ASSERT_EQUAL(status_of("DELETE", path, "ms2", NULL), 204);
	CU_ASSERT_EQUAL(msg_may_send(st, cid, "ms2"), MAX_EFORBIDDEN); /* left */
	json_object *body = json_tokener_parse("{\"object\":{\"objectType\":\"note\",\"content\":"
					       "\"hola <script>x</script>bridge\"}}");
	json_object *obj = NULL;
	CU_ASSERT_EQUAL_FATAL(msg_object(st, body, "ms1", 0, &obj), MAX_OK);
	json_object_put(body);
	long long published = FX_SCALAR("SELECT count(*) FROM outbox WHERE routing_key = "
					"'%s.notifications' AND json_extract(body, '$.o') = 'c'",
					cid);
	CU_ASSERT_EQUAL_FATAL(msg_store(st, &fx.cfg, cid, "ms1", obj, "bridge", mid), MAX_OK);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM messages WHERE id = '%s' AND actor = 'ms1'"
				  " AND creator = 'ms1' AND generator = 'bridge'",
				  mid),
			1);
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM conversations WHERE id = '%s' AND"
				  " last_message_id = '%s' AND tag_single = 0",
				  cid, mid),
			1);
	CU_ASSERT_EQUAL(conv_member_mask(st, cid, "ms2") >= 0, 1); /* back */
	CU_ASSERT_EQUAL(FX_SCALAR("SELECT count(*) FROM outbox WHERE routing_key = "
				  "'%s.notifications' AND json_extract(body, '$.o') = 'c'",
				  cid),
			published + 1);
	json_object *m = msg_last(st, mid, 0);
	CU_ASSERT_STRING_EQUAL(json_object_get_string(json_object_object_get(m, "actor")),
			       "M S One");
	json_object_put(m);
	struct page pg = page_of(1);
	json_object *page = NULL;
	CU_ASSERT_EQUAL(msg_list(st, cid, NULL, NULL, &pg, &page), MAX_OK);
	CU_ASSERT_EQUAL(json_object_array_length(page), 1);
	CU_ASSERT_EQUAL(pg.has_more, 1);
	json_object_put(page);
	pg = page_of(5);
	CU_ASSERT_EQUAL(msg_list(st, cid, NULL, NULL, &pg, &page), MAX_OK);
	CU_ASSERT_EQUAL(json_object_array_length(page), 2);
	CU_ASSERT_EQUAL(pg.has_more, 0);
	json_object_put(page);
}

UNIT_SUITE(conversations, fx_init, fx_cleanup)
{
	UNIT_TEST(s, test_dates);
	UNIT_TEST(s, test_create_one_to_one);
	UNIT_TEST(s, test_validation);
	UNIT_TEST(s, test_group_and_owner);
	UNIT_TEST(s, test_one_to_one_states);
	UNIT_TEST(s, test_talking_in);
	UNIT_TEST(s, test_list_paging);
	UNIT_TEST(s, test_rename_and_delete);
	UNIT_TEST(s, test_maintenance);
	UNIT_TEST(s, test_person_deleted_in_group);
	UNIT_TEST(s, test_messages_admin);
	UNIT_TEST(s, test_tokens);
	UNIT_TEST(s, test_audit_spec);
	UNIT_TEST(s, test_model_store);
}
