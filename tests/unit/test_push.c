/*
 * test_push.c — what the push consumer makes of a notification: every
 * text of the three languages, the sender and destination taken from the
 * message and its routing key, the devices chosen, the FCM body; and the
 * MaxCarrot examples of the messaging design packed and unpacked.
 */
#include "unit.h"
#include "fixture.h"
#include "model/push.h"
#include "../../tools/max-bridge/iid.h"
#include "util/carrot.h"
#include "util/jsonx.h"

#include <stdlib.h>
#include <string.h>

/* ---- texts ------------------------------------------------------------------- */

struct rewritten {
	char text[300], alert[100], action[16], object[16];
};

/* Rewrites packed (with user "alice"/"Alice A." unless it says otherwise)
 * in lang. */
static struct rewritten rw(const char *packed, const char *lang)
{
	struct rewritten r;
	memset(&r, 0, sizeof r);
	struct push_note n;
	char why[128];
	int rc = push_prepare(packed, strlen(packed), "54b4e6a2.notifications", lang, &n, why,
			      sizeof why);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	json_object *d = json_object_object_get(n.msg, "data");
	snprintf(r.text, sizeof r.text, "%s", jx_str(d, "text") ? jx_str(d, "text") : "(none)");
	snprintf(r.alert, sizeof r.alert, "%s", jx_str(d, "alert") ? jx_str(d, "alert") : "(none)");
	snprintf(r.action, sizeof r.action, "%s", jx_str(n.msg, "action"));
	snprintf(r.object, sizeof r.object, "%s", jx_str(n.msg, "object"));
	push_note_free(&n);
	return r;
}

#define U "\"u\":{\"u\":\"alice\",\"d\":\"Alice A.\"}"
#define ACT(t) "{\"a\":\"a\",\"o\":\"a\"," U ",\"d\":{\"text\":\"" t "\",\"activityid\":\"1\"}}"

static void expect(const char *packed, const char *lang, const char *text, const char *alert)
{
	struct rewritten r = rw(packed, lang);
	CU_ASSERT_STRING_EQUAL(r.text, text);
	CU_ASSERT_STRING_EQUAL(r.alert, alert);
}

static void test_activity_texts(void)
{
	expect(ACT("Nou document"), "ca", "He publicat una nova activitat: Nou document",
	       "Alice A.: ");
	expect(ACT("Nou document"), "es", "He publicado una nueva actividad: Nou document",
	       "Alice A.: ");
	expect(ACT("Nou document"), "en", "I've published a new activity: Nou document",
	       "Alice A.: ");
	expect(ACT("Nou document"), NULL, "He publicat una nova activitat: Nou document",
	       "Alice A.: "); /* Catalan by default */
	expect(ACT("Add image"), "en", "Image", "Alice A.: ");
	expect(ACT("Add image"), "es", "Imagen", "Alice A.: ");
	expect(ACT("Add image"), "ca", "Imatge", "Alice A.: ");
	expect(ACT("Add file"), "en", "File", "Alice A.: ");
	expect(ACT("Add file"), "es", "Fichero", "Alice A.: ");
	expect(ACT("Add file"), "ca", "Fitxer", "Alice A.: ");
	/* the portal's own texts: no prefix, the trailing link cut */
	expect(ACT("He afegit el document Acta a http://portal/acta"), "ca",
	       "He afegit el document Acta", "Alice A.: ");
	expect(ACT("He modificat la pàgina Inici a https://portal/inici"), "en",
	       "He modificat la pàgina Inici", "Alice A.: ");
	expect(ACT("I've added a file a http://p/x"), "es", "I've added a file", "Alice A.: ");
	expect(ACT("I've modified the page"), "ca", "I've modified the page", "Alice A.: ");
	expect(ACT("He añadido un documento a http://p/d"), "es", "He añadido un documento",
	       "Alice A.: ");
	expect(ACT("He modificado algo"), "es", "He modificado algo", "Alice A.: ");
	expect(ACT(""), "en", "I've published a new activity: ", "Alice A.: ");
}

#define COMMENT                                                                                    \
	"{\"a\":\"a\",\"o\":\"a\"," U                                                              \
	",\"d\":{\"text\":\"D'acord\",\"activityid\":\"1\",\"commentid\":\"2\"}}"
#define MSG(a, t) "{\"a\":\"" a "\",\"o\":\"m\"," U ",\"d\":{\"text\":\"" t "\",\"id\":\"9\"}}"

static void test_comment_and_message_texts(void)
{
	expect(COMMENT, "en", "Added the comment: D'acord", "Alice A.: ");
	expect(COMMENT, "es", "He añadido el comentario: D'acord", "Alice A.: ");
	expect(COMMENT, "ca", "He afegit el comentari: D'acord", "Alice A.: ");
	/* a comment is recognised by its commentid, also with the old code "t" */
	expect("{\"a\":\"a\",\"o\":\"t\"," U ",\"d\":{\"text\":\"x\",\"commentid\":\"2\"}}", "en",
	       "Added the comment: x", "Alice A.: ");
	expect(MSG("a", "Hola!"), "ca", "Hola!", "Alice A.: ");
	expect(MSG("k", "Hola!"), "en", "Hola!", "Alice A.: ");
	expect(MSG("a", "Add image"), "ca", "Imatge", "Alice A.: ");
	expect(MSG("k", "Add file"), "es", "Fichero", "Alice A.: ");
	expect(MSG("a", "Add file"), "en", "File", "Alice A.: ");
}

#define CONV(a, d) "{\"a\":\"" a "\",\"o\":\"c\"," U ",\"d\":" d "}"
#define GROUP(t)                                                                                   \
	"{\"a\":\"a\",\"o\":\"c\",\"u\":{\"u\":\"Projecte X\",\"d\":\"Projecte X\"},"              \
	"\"d\":{\"text\":\"" t "\",\"conversation_id\":\"c1\",\"creator\":\"Alice A.\"}}"

static void test_conversation_texts(void)
{
	static const char *const started[][2] = {{"en", "Started a chat"},
						 {"es", "Ha iniciado un chat"},
						 {"ca", "Ha iniciat un xat"}};
	static const char *const image[][2] = {{"en", "You have received an image"},
					       {"es", "Has recibido una imagen"},
					       {"ca", "Has rebut una imatge"}};
	for (int i = 0; i < 3; i++) {
		expect(CONV("a", "{}"), started[i][0], started[i][1], "");
		expect(CONV("r", "{}"), image[i][0], image[i][1], "");
	}
	struct rewritten r = rw(CONV("a", "{}"), "ca");
	CU_ASSERT_STRING_EQUAL(r.action, "ack"); /* shown as a message */
	CU_ASSERT_STRING_EQUAL(r.object, "message");
	expect(GROUP("Benvinguts"), "ca", "Alice A.: Benvinguts", "Projecte X: ");
	expect(GROUP("Add image"), "ca", "Alice A.: Imatge", "Projecte X: ");
	expect(GROUP("Add file"), "en", "Alice A.: File", "Projecte X: ");
	/* anything else keeps its text, without an alert */
	expect(CONV("r", "{\"text\":\"reload\"}"), "en", "reload", "");
}

/* ---- what push_prepare takes from the message ----------------------------------- */

static int drops(const char *packed, const char *key)
{
	struct push_note n;
	char why[128];
	int rc = push_prepare(packed, strlen(packed), key, "en", &n, why, sizeof why);
	if (rc == 0)
		push_note_free(&n);
	return rc < 0;
}

static void test_prepare(void)
{
	struct push_note n;
	char why[128];
	const char *bare = "{\"a\":\"a\",\"o\":\"a\",\"u\":\"bob\",\"d\":{\"text\":\"x\"}}";
	CU_ASSERT_EQUAL_FATAL(push_prepare(bare, strlen(bare), "0123abcd", "en", &n, why,
					   sizeof why),
			      0);
	CU_ASSERT_STRING_EQUAL(n.username, "bob");
	CU_ASSERT_STRING_EQUAL(n.displayname, "bob");
	CU_ASSERT_STRING_EQUAL(n.destination, "0123abcd");
	CU_ASSERT_EQUAL(n.kind, PUSH_ACTIVITY);
	CU_ASSERT_STRING_EQUAL(jx_str(n.msg, "destination"), "0123abcd");
	push_note_free(&n);
	const char *nodisplay =
		"{\"a\":\"a\",\"o\":\"m\",\"u\":{\"u\":\"bob\"},\"d\":{\"text\":\"x\"}}";
	CU_ASSERT_EQUAL_FATAL(push_prepare(nodisplay, strlen(nodisplay), "c1.notifications", "en",
					   &n, why, sizeof why),
			      0);
	CU_ASSERT_STRING_EQUAL(n.displayname, "bob");
	CU_ASSERT_STRING_EQUAL(n.destination, "c1");
	CU_ASSERT_EQUAL(n.kind, PUSH_MESSAGE);
	push_note_free(&n);
	CU_ASSERT_TRUE(
		drops("{\"a\":\"a\",\"o\":\"m\",\"u\":{\"u\":\"\"},\"d\":{}}", "c1.notifications"));
	CU_ASSERT_TRUE(drops("{\"a\":\"a\",\"o\":\"m\",\"d\":{}}", "c1.notifications"));
	CU_ASSERT_TRUE(
		drops("{\"a\":\"a\",\"o\":\"x\",\"u\":\"bob\",\"d\":{}}", "c1.notifications"));
	CU_ASSERT_TRUE(drops("{\"a\":\"a\",\"u\":\"bob\",\"d\":{}}", "c1.notifications"));
	CU_ASSERT_TRUE(drops("{\"a\":\"a\",\"o\":\"m\",\"u\":\"bob\",\"d\":{}}", "..."));
	CU_ASSERT_TRUE(drops("not json", "c1.notifications"));
	CU_ASSERT_TRUE(drops("[1]", "c1.notifications"));
}

static void test_body_and_tokens(void)
{
	char *b = push_body("<p>Hola <b>m\xc3\xb3n</b></p>");
	CU_ASSERT_STRING_EQUAL(b, "Hola m\xc3\xb3n");
	free(b);
	char long_text[400] = "";
	for (int i = 0; i < 120; i++)
		strcat(long_text, "\xc3\xa0"); /* à: 2 bytes, 1 character */
	b = push_body(long_text);
	CU_ASSERT_EQUAL(strlen(b), 200 + 3);
	CU_ASSERT_STRING_EQUAL(b + 200, "...");
	free(b);
	b = push_body("exactly short");
	CU_ASSERT_STRING_EQUAL(b, "exactly short");
	free(b);
	CU_ASSERT_TRUE(push_fcm_token("android", "anything-at-all"));
	CU_ASSERT_TRUE(push_fcm_token("ios", "dX3-x_9:APA91bHx-y_z"));
	CU_ASSERT_FALSE(push_fcm_token("ios", "12345678901234567890123456789012abcdef"));
	CU_ASSERT_FALSE(push_fcm_token("ios", "dX3:APA91b bad"));
	CU_ASSERT_FALSE(push_fcm_token("ios", ":APA91bx"));
}

static void test_fcm_message(void)
{
	struct push_note n;
	char why[64];
	const char *m = MSG("k", "Hola!");
	CU_ASSERT_EQUAL_FATAL(push_prepare(m, strlen(m), "c1.notifications", "ca", &n, why,
					   sizeof why),
			      0);
	json_object *f = push_fcm_message(&n, "tok-1"), *msg = json_object_object_get(f, "message");
	CU_ASSERT_STRING_EQUAL(jx_str(msg, "token"), "tok-1");
	json_object *note = json_object_object_get(msg, "notification"),
		    *data = json_object_object_get(msg, "data");
	CU_ASSERT_STRING_EQUAL(jx_str(note, "title"), "Alice A.");
	CU_ASSERT_STRING_EQUAL(jx_str(note, "body"), "Hola!");
	CU_ASSERT_STRING_EQUAL(jx_str(data, "text"), "Hola!");
	CU_ASSERT_STRING_EQUAL(jx_str(data, "alert"), "Alice A.: ");
	CU_ASSERT_STRING_EQUAL(jx_str(data, "id"), "9");
	json_object_put(f);
	push_note_free(&n);
}

/* ---- recipients ---------------------------------------------------------------- */

static void device(const char *user, const char *token, const char *platform)
{
	char body[300];
	snprintf(body, sizeof body, "{\"token\":\"%s\",\"platform\":\"%s\"}", token, platform);
	struct fx_resp r = fx_req("POST", "/tokens", user, body, NULL);
	CU_ASSERT_EQUAL(r.status, 201);
	fx_free(&r);
}

static int count_for(const char *cid, const char *sender, const char *text, const char **owners)
{
	char packed[400];
	snprintf(packed, sizeof packed,
		 "{\"a\":\"k\",\"o\":\"m\",\"u\":{\"u\":\"%s\"},\"d\":{\"text\":\"%s\"}}", sender,
		 text);
	struct push_note n;
	char why[64], key[64];
	snprintf(key, sizeof key, "%s.notifications", cid);
	CU_ASSERT_EQUAL_FATAL(push_prepare(packed, strlen(packed), key, "en", &n, why, sizeof why),
			      0);
	struct push_target *t = NULL;
	int c = push_recipients(&fx.db, &n, &t);
	for (int i = 0; i < c && owners; i++)
		owners[i] = strcmp(t[i].owner, "pu.ann") ? "other" : "ann";
	push_targets_free(t, c > 0 ? c : 0);
	push_note_free(&n);
	return c;
}

static void test_recipients(void)
{
	fx_user("pu.ann", "Ann");
	fx_user("pu.ben", "Ben");
	fx_user("pu.out", "Out");
	struct fx_resp r = fx_req("POST", "/conversations", "pu.ann",
				  "{\"contexts\":[{\"objectType\":\"conversation\","
				  "\"participants\":[\"pu.ann\",\"pu.ben\"]}],"
				  "\"object\":{\"objectType\":\"note\",\"content\":\"hi\"}}",
				  NULL);
	CU_ASSERT_EQUAL_FATAL(r.status, 201);
	json_object *c0 = json_object_array_get_idx(json_object_object_get(r.json, "contexts"), 0);
	char cid[32];
	snprintf(cid, sizeof cid, "%s", jx_str(c0, "id"));
	fx_free(&r);
	device("pu.ann", "ann-phone", "android");
	device("pu.ben", "ben-phone", "android");
	device("pu.ben", "ben-ipad:APA91-b", "ios");
	device("pu.out", "out-phone", "android");
	const char *owners[8];
	/* the sender's own device is left out, a stranger's never included */
	CU_ASSERT_EQUAL(count_for(cid, "pu.ann", "hello", owners), 2);
	CU_ASSERT_STRING_EQUAL(owners[0], "other");
	CU_ASSERT_STRING_EQUAL(owners[1], "other");
	/* #pushdebug: the sender's too */
	CU_ASSERT_EQUAL(count_for(cid, "pu.ann", "test #pushdebug", NULL), 3);
	CU_ASSERT_EQUAL(count_for("000000000000000000000000", "pu.ann", "x", NULL), 0);
}

/* ---- MaxCarrot: the examples of the messaging design ------------------------------ */

static const char *const vectors[][2] = {
	/* chat message sent by the widget */
	{"{\"action\":\"add\",\"object\":\"message\",\"source\":\"widget\",\"version\":\"4.1.15\","
	 "\"domain\":\"demo\",\"uuid\":\"5b0f6a6e-9a1c-11e4-8f0e-0242ac110002\","
	 "\"published\":\"2015-01-13T10:00:00Z\",\"user\":{\"username\":\"alice\","
	 "\"displayname\":\"Alice A.\"},\"data\":{\"text\":\"Hola!\"}}",
	 "{\"a\":\"a\",\"o\":\"m\",\"s\":\"w\",\"v\":\"4.1.15\",\"i\":\"demo\","
	 "\"g\":\"5b0f6a6e-9a1c-11e4-8f0e-0242ac110002\",\"p\":\"2015-01-13T10:00:00Z\","
	 "\"u\":{\"u\":\"alice\",\"d\":\"Alice A.\"},\"d\":{\"text\":\"Hola!\"}}"},
	/* its ack */
	{"{\"action\":\"ack\",\"object\":\"message\",\"source\":\"maxbunny\",\"version\":\"5.14\","
	 "\"domain\":\"demo\",\"uuid\":\"5b0f6a6e-9a1c-11e4-8f0e-0242ac110002\","
	 "\"published\":\"2015-01-13T10:00:00Z\",\"user\":{\"username\":\"alice\","
	 "\"displayname\":\"Alice "
	 "A.\"},\"data\":{\"text\":\"Hola!\",\"id\":\"54b4e7f0c2a8f6a1b0e1d2d9\"}}",
	 "{\"a\":\"k\",\"o\":\"m\",\"s\":\"b\",\"v\":\"5.14\",\"i\":\"demo\","
	 "\"g\":\"5b0f6a6e-9a1c-11e4-8f0e-0242ac110002\",\"p\":\"2015-01-13T10:00:00Z\","
	 "\"u\":{\"u\":\"alice\",\"d\":\"Alice "
	 "A.\"},\"d\":{\"text\":\"Hola!\",\"id\":\"54b4e7f0c2a8f6a1b0e1d2d9\"}}"},
	/* context activity */
	{"{\"action\":\"add\",\"object\":\"activity\",\"source\":\"max\",\"version\":\"5.3.26\","
	 "\"domain\":\"demo\",\"uuid\":\"g1\",\"published\":\"p1\",\"user\":{\"username\":"
	 "\"alice\","
	 "\"displayname\":\"Alice A.\"},\"data\":{\"text\":\"Nou "
	 "document\",\"activityid\":\"54b4f0\"}}",
	 "{\"a\":\"a\",\"o\":\"a\",\"s\":\"m\",\"v\":\"5.3.26\",\"i\":\"demo\",\"g\":\"g1\",\"p\":"
	 "\"p1\","
	 "\"u\":{\"u\":\"alice\",\"d\":\"Alice A.\"},\"d\":{\"text\":\"Nou "
	 "document\",\"activityid\":\"54b4f0\"}}"},
	/* group conversation created */
	{"{\"action\":\"add\",\"object\":\"conversation\",\"user\":{\"username\":\"Projecte X\","
	 "\"displayname\":\"Projecte "
	 "X\"},\"data\":{\"text\":\"Benvinguts\",\"conversation_id\":\"c\","
	 "\"creator\":\"Alice A.\"}}",
	 "{\"a\":\"a\",\"o\":\"c\",\"u\":{\"u\":\"Projecte X\",\"d\":\"Projecte X\"},"
	 "\"d\":{\"text\":\"Benvinguts\",\"conversation_id\":\"c\",\"creator\":\"Alice A.\"}}"},
	/* hub task: inner user keys other than u/d are kept, data untouched */
	{"{\"action\":\"modify\",\"object\":\"context\",\"source\":\"hub\",\"version\":\"2.2\","
	 "\"domain\":\"demo\",\"uuid\":\"g\",\"published\":\"p\",\"user\":{\"username\":\"bob\"},"
	 "\"data\":{\"context\":\"http://portal/comunitat\",\"tasks\":{\"subscribe\":true,"
	 "\"grant\":[\"write\"],\"revoke\":[\"flag\"]}}}",
	 "{\"a\":\"m\",\"o\":\"x\",\"s\":\"h\",\"v\":\"2.2\",\"i\":\"demo\",\"g\":\"g\",\"p\":"
	 "\"p\","
	 "\"u\":{\"u\":\"bob\"},\"d\":{\"context\":\"http://portal/comunitat\",\"tasks\":"
	 "{\"subscribe\":true,\"grant\":[\"write\"],\"revoke\":[\"flag\"]}}}"},
	/* tweet: a numeric version is accepted */
	{"{\"action\":\"add\",\"object\":\"tweet\",\"source\":\"tweety\",\"version\":4.0,\"uuid\":"
	 "\"g\","
	 "\"published\":\"p\",\"data\":{\"stid\":123,\"author\":\"someone\",\"message\":\"text "
	 "#tag\"}}",
	 "{\"a\":\"a\",\"o\":\"t\",\"s\":\"t\",\"v\":4.0,\"g\":\"g\",\"p\":\"p\","
	 "\"d\":{\"stid\":123,\"author\":\"someone\",\"message\":\"text #tag\"}}"},
};

/* Same members with equal values, whatever the order. */
static int same(json_object *a, json_object *b)
{
	return json_object_equal(a, b);
}

static void test_carrot_vectors(void)
{
	for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		json_object *u = json_tokener_parse(vectors[i][0]),
			    *p = json_tokener_parse(vectors[i][1]);
		CU_ASSERT_PTR_NOT_NULL_FATAL(u);
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		json_object *packed = carrot_pack(u);
		CU_ASSERT_TRUE(same(packed, p));
		const char *err = NULL;
		json_object *back = carrot_unpack(vectors[i][1], strlen(vectors[i][1]), &err);
		CU_ASSERT_TRUE(same(back, u));
		CU_ASSERT_TRUE(carrot_is_packed(p));
		CU_ASSERT_FALSE(carrot_is_packed(u));
		json_object_put(packed);
		json_object_put(back);
		json_object_put(u);
		json_object_put(p);
	}
	/* a comment packs as "a" and unpacks as an activity */
	json_object *c =
		json_tokener_parse("{\"object\":\"comment\",\"data\":{\"commentid\":\"2\"}}");
	json_object *pc = carrot_pack(c);
	CU_ASSERT_STRING_EQUAL(jx_str(pc, "o"), "a");
	const char *err = NULL, *text = jx_text(pc);
	json_object *back = carrot_unpack(text, strlen(text), &err);
	CU_ASSERT_STRING_EQUAL(jx_str(back, "object"), "activity");
	json_object_put(back);
	json_object_put(pc);
	json_object_put(c);
	/* unknown code and key dropped; source "a" is android, not activity */
	const char *odd = "{\"a\":\"x\",\"o\":\"m\",\"zz\":1,\"s\":\"a\"}";
	back = carrot_unpack(odd, strlen(odd), &err);
	CU_ASSERT_PTR_NULL(jx_str(back, "action"));
	CU_ASSERT_STRING_EQUAL(jx_str(back, "object"), "message");
	CU_ASSERT_STRING_EQUAL(jx_str(back, "source"), "android");
	CU_ASSERT_EQUAL(json_object_object_length(back), 2);
	json_object_put(back);
}

/* ---- APNs tokens through Instance ID (tools/max-bridge/iid.c) ------------------- */

static json_object *answer(const char *text)
{
	json_object *o = json_tokener_parse(text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	return o;
}

/* The request body batchImport wants, and what its answer leaves in the
 * cache: the converted tokens, not the refused one. */
static void test_iid_import(void)
{
	CU_ASSERT_TRUE(iid_apns_token("0a1B2c3D"));
	CU_ASSERT_FALSE(iid_apns_token("dX3:APA91bx"));
	CU_ASSERT_FALSE(iid_apns_token(""));
	struct iid *c = iid_new("org.example.max", 1, 16);
	const char *tokens[] = {"aa01", "bb02", "cc03"};
	json_object *req = iid_request(c, tokens, 3);
	CU_ASSERT_STRING_EQUAL(jx_text(req), "{\"application\":\"org.example.max\",\"sandbox\":"
					     "true,\"apns_tokens\":[\"aa01\",\"bb02\",\"cc03\"]}");
	json_object_put(req);
	json_object *a = answer(
		"{\"results\":[{\"apns_token\":\"aa01\",\"status\":\"OK\",\"registration_token\":"
		"\"r:APA91a\"},{\"apns_token\":\"bb02\",\"status\":\"Internal Server Error\"},"
		"{\"apns_token\":\"cc03\",\"status\":\"OK\",\"registration_token\":\"r:APA91c\"}]"
		"}");
	int failed = -1;
	CU_ASSERT_EQUAL(iid_absorb(c, a, &failed), 2);
	CU_ASSERT_EQUAL(failed, 1);
	json_object_put(a);
	CU_ASSERT_STRING_EQUAL(iid_lookup(c, "aa01"), "r:APA91a");
	CU_ASSERT_PTR_NULL(iid_lookup(c, "bb02"));
	CU_ASSERT_STRING_EQUAL(iid_lookup(c, "cc03"), "r:APA91c");
	a = answer("{\"error\":\"InvalidToken\"}");
	CU_ASSERT_EQUAL(iid_absorb(c, a, &failed), 0);
	json_object_put(a);
	iid_free(c);
}

static void absorb_one(struct iid *c, const char *apns, const char *reg)
{
	json_object *a = json_object_new_object();
	json_object *r = json_object_new_object(), *arr = json_object_new_array();
	jx_set_str(r, "apns_token", apns);
	jx_set_str(r, "status", "OK");
	jx_set_str(r, "registration_token", reg);
	json_object_array_add(arr, r);
	jx_set(a, "results", arr);
	int failed;
	CU_ASSERT_EQUAL(iid_absorb(c, a, &failed), 1);
	json_object_put(a);
}

/* The cache holds at most its size: the oldest conversions go first, the
 * others stay findable (their hash chains intact). */
static void test_iid_cache_bound(void)
{
	struct iid *c = iid_new("org.example.max", 0, 4);
	char apns[16], reg[32];
	for (int i = 0; i < 10; i++) {
		snprintf(apns, sizeof apns, "%04x", i);
		snprintf(reg, sizeof reg, "r%d:APA91x", i);
		absorb_one(c, apns, reg);
	}
	for (int i = 0; i < 10; i++) {
		snprintf(apns, sizeof apns, "%04x", i);
		snprintf(reg, sizeof reg, "r%d:APA91x", i);
		const char *got = iid_lookup(c, apns);
		if (i < 6) {
			CU_ASSERT_PTR_NULL(got);
		} else {
			CU_ASSERT_PTR_NOT_NULL_FATAL(got);
			CU_ASSERT_STRING_EQUAL(got, reg);
		}
	}
	absorb_one(c, "0009", "again:APA91y"); /* known: replaced, nothing evicted */
	CU_ASSERT_STRING_EQUAL(iid_lookup(c, "0009"), "again:APA91y");
	CU_ASSERT_PTR_NOT_NULL(iid_lookup(c, "0006"));
	iid_free(c);
}

UNIT_SUITE(push, fx_init, fx_cleanup)
{
	UNIT_TEST(s, test_activity_texts);
	UNIT_TEST(s, test_comment_and_message_texts);
	UNIT_TEST(s, test_conversation_texts);
	UNIT_TEST(s, test_prepare);
	UNIT_TEST(s, test_body_and_tokens);
	UNIT_TEST(s, test_fcm_message);
	UNIT_TEST(s, test_iid_import);
	UNIT_TEST(s, test_iid_cache_bound);
	UNIT_TEST(s, test_recipients);
	UNIT_TEST(s, test_carrot_vectors);
}
