/*
 * test_activities.c — posts from a client's side (api.md 4.4; endpoints.md):
 * #14 and #16 posting (exact fields, sanitising, duplicates, backdating,
 * impersonation, posting as a context, the deprecated URL), #13 a user's
 * posts and who sees which, #18 all posts, #19 one activity (private
 * fields, deletable, visibility), #20 deletion, #21–#23 image and file
 * posts (real PNG and JPEG made with libgd, a file lying about its type,
 * the base64 JSON variant); rejected requests change nothing.
 */
#include "e2e.h"
#include "stream_helpers.h"

#include <gd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MESSI "act.messi"
#define XAVI "act.xavi"
#define PUYOL "act.puyol"
#define OWNER "act.owner"

#define POST_KEYS                                                                                  \
	"actor,creator,favorites,favoritesCount,generator,id,lastComment,likes,likesCount,"        \
	"object,objectType,owner,published,replies,verb"
#define FULL_KEYS                                                                                  \
	"actor,creator,deletable,favorited,favorites,favoritesCount,generator,id,keywords,"        \
	"lastComment,liked,likes,likesCount,object,objectType,owner,published,replies,verb"
#define LEAN_KEYS                                                                                  \
	"actor,deletable,favorited,favorites,favoritesCount,generator,id,lastComment,liked,"       \
	"likes,likesCount,object,objectType,published,replies,verb"

#define CLOSED SH_CLOSED
#define READ_PUBLIC SH_READ_PUBLIC
#define hash_of sh_hash
#define forbidden sh_forbidden
#define subscribe sh_subscribe
#define note sh_note

/* a context owned by OWNER */
static int mkctx(const char *url, const char *perms)
{
	return sh_context(url, perms,
			  ",\"displayName\":\"Ctx\",\"tags\":[\"Assignatura\"],\"owner\":\"" OWNER
			  "\"");
}

/* POST as user to the timeline of `to` (url NULL) or to a context; id */
static const char *post_as(const char *user, const char *to, const char *url, const char *content)
{
	if (url)
		return sh_post(user, url, note(content));
	struct e2e_resp *r =
		e2e_request("POST", e2e_fmt("/people/%s/activities", to), user, note(content));
	E2E_STATUS(r, 201);
	const char *id =
		e2e_fmt("%s", r->json && e2e_str(r->json, "id") ? e2e_str(r->json, "id") : "");
	e2e_free(r);
	return id;
}

/* POST as user to the timeline of `to` (url NULL) or to a context; id. */
static long long posts(void)
{
	return e2e_db_scalar("SELECT count(*) FROM activities WHERE verb = 'post'");
}

/* sorted, space-joined strings of an array */
static int cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static const char *sorted_words(json_object *arr)
{
	const char *w[64];
	int n = e2e_len(arr);
	if (n < 0)
		return NULL;
	for (int i = 0; i < n && i < 64; i++)
		w[i] = json_object_get_string(json_object_array_get_idx(arr, i));
	qsort(w, (size_t)n, sizeof w[0], cmp);
	char out[2048] = "";
	for (int i = 0; i < n; i++)
		snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s", i ? " " : "", w[i]);
	return e2e_fmt("%s", out);
}

static int init(void)
{
	return !(e2e_person(MESSI, "Lionel Messi") && e2e_person(XAVI, "Xavi Hernandez") &&
		 e2e_person(PUYOL, "Carles Puyol") && e2e_person(OWNER, "Context Owner"));
}

/* ---- #14 ---------------------------------------------------------------------------- */

static void test_post_to_timeline(void)
{
	struct e2e_resp *r = e2e_request(
		"POST", "/people/" MESSI "/activities", MESSI,
		"{\"object\":{\"objectType\":\"note\",\"content\":\"<p>[A] Testejant la creació "
		"d'un #Canvi d'estatus <img src=x onerror=alert(1)></p>\",\"extra\":1}}");
	E2E_STATUS(r, 201);
	E2E_STR_EQ(e2e_keys(r->json), POST_KEYS);
	E2E_STR_EQ(e2e_str(r->json, "objectType"), "activity");
	E2E_STR_EQ(e2e_str(r->json, "verb"), "post");
	E2E_STR_EQ(e2e_keys(e2e_get(r->json, "actor")), "displayName,objectType,username");
	E2E_STR_EQ(e2e_str(e2e_get(r->json, "actor"), "username"), MESSI);
	E2E_STR_EQ(e2e_str(e2e_get(r->json, "actor"), "displayName"), "Lionel Messi");
	json_object *obj = e2e_get(r->json, "object");
	/* sanitised; hashtags kept, keywords left out of the create answer */
	E2E_STR_EQ(e2e_keys(obj), "content,hashtags,objectType");
	E2E_STR_EQ(e2e_str(obj, "content"), "[A] Testejant la creació d'un #Canvi d'estatus ");
	E2E_STR_EQ(sorted_words(e2e_get(obj, "hashtags")), "canvi");
	E2E_STR_EQ(e2e_str(r->json, "creator"), MESSI);
	E2E_STR_EQ(e2e_str(r->json, "owner"), MESSI);
	E2E_STR_EQ(e2e_str(r->json, "lastComment"), e2e_str(r->json, "id"));
	CU_ASSERT(json_object_is_type(e2e_get(r->json, "generator"), json_type_null));
	E2E_INT_EQ(json_object_get_int(e2e_get(r->json, "likesCount")), 0);
	E2E_INT_EQ(e2e_len(e2e_get(r->json, "replies")), 0);
	CU_ASSERT(e2e_is_hex(e2e_str(r->json, "id"), 24));
	CU_ASSERT(e2e_is_date(e2e_str(r->json, "published")));
	const char *id = e2e_fmt("%s", e2e_str(r->json, "id"));
	e2e_free(r);

	/* #19 as the author: full, with keywords (api.md 3) and the acting flags */
	r = e2e_request("GET", e2e_fmt("/activities/%s", id), MESSI, NULL);
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_keys(r->json), FULL_KEYS);
	E2E_STR_EQ(sorted_words(e2e_get(r->json, "keywords")),
		   "act act.messi canvi creació estatus lionel messi testejant");
	E2E_STR_EQ(sorted_words(e2e_get(e2e_get(r->json, "object"), "keywords")),
		   "canvi creació estatus testejant");
	E2E_INT_EQ(e2e_bool(r->json, "deletable"), 1);
	E2E_INT_EQ(e2e_bool(r->json, "liked"), 0);
	E2E_INT_EQ(e2e_bool(r->json, "favorited"), 0);
	e2e_free(r);
	/* … and as somebody else: not deletable */
	r = e2e_request("GET", e2e_fmt("/activities/%s", id), XAVI, NULL);
	E2E_STATUS(r, 200);
	E2E_INT_EQ(e2e_bool(r->json, "deletable"), 0);
	e2e_free(r);
	/* ?show_acls: what the caller may do with it (api.md 1.11) */
	r = e2e_request("GET", e2e_fmt("/activities/%s?show_acls=1", id), MESSI, NULL);
	E2E_STR_EQ(json_object_to_json_string_ext(e2e_get(r->json, "acls"), JSON_C_TO_STRING_PLAIN),
		   "[\"View activity\",\"Delete activity\",\"View activity comments\","
		   "\"Add a comment to an activity\",\"Favorite an activity\",\"Like an "
		   "activity\"]");
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/activities/%s?show_acls=1", id), XAVI, NULL);
	E2E_STR_EQ(json_object_to_json_string_ext(e2e_get(r->json, "acls"), JSON_C_TO_STRING_PLAIN),
		   "[\"View activity\",\"View activity comments\",\"Add a comment to an activity\","
		   "\"Favorite an activity\",\"Like an activity\"]");
	e2e_free(r);
}

static void test_post_validation(void)
{
	long long before = posts();
	static const struct {
		const char *body, *error, *text;
	} bad[] = {
		{"{}", "MissingField", "Required parameter \"object\" not found in the request"},
		{"{\"object\":{\"objectType\":\"note\",\"content\":\"\"}}", "MissingField",
		 "Required parameter \"content\" found but empty"},
		{"{\"object\":{\"objectType\":\"note\"}}", "MissingField",
		 "Required parameter \"content\" not found in the request"},
		{"{\"object\":{\"objectType\":\"conversation\",\"content\":\"x\"}}",
		 "ObjectNotSupported",
		 "Activitystrea.ms object type conversation unknown or unsupported"},
		{"{\"object\":{\"objectType\":\"note\",\"content\":\"x\"},\"published\":\"2010-13-"
		 "01\"}",
		 "ValidationError",
		 "Validation error on field \"published\": not an RFC 3339 date"},
		{"{\"object\":{\"objectType\":\"note\",\"content\":\"x\"}", "ValidationError",
		 "The request body is not valid JSON"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct e2e_resp *r =
			e2e_request("POST", "/people/" MESSI "/activities", MESSI, bad[i].body);
		E2E_EXPECT(r, 400, bad[i].error, bad[i].text);
		e2e_free(r);
	}
	E2E_INT_EQ(posts(), before);
	/* an unknown user in the URL */
	struct e2e_resp *r = e2e_request("POST", "/people/act.nobody/activities", MESSI, note("x"));
	E2E_EXPECT(r, 400, "UnknownUserError", "Unknown actor identified by: act.nobody");
	e2e_free(r);
}

static void test_post_backdated_and_generator(void)
{
	struct e2e_resp *r = e2e_request("POST", "/people/" PUYOL "/activities", PUYOL,
					 "{\"object\":{\"objectType\":\"note\",\"content\":"
					 "\"vell\"},\"generator\":\"Twitter\","
					 "\"published\":\"2010-01-01T00:01:30.000Z\"}");
	E2E_STATUS(r, 201);
	E2E_STR_EQ(e2e_str(r->json, "published"), "2010-01-01T00:01:30Z");
	E2E_STR_EQ(e2e_str(r->json, "generator"), "Twitter");
	e2e_free(r);
	/* RFC 3339 with an offset is converted to UTC */
	r = e2e_request("POST", "/people/" PUYOL "/activities", PUYOL,
			"{\"object\":{\"objectType\":\"note\",\"content\":\"vell 2\"},"
			"\"published\":\"2012-06-01T02:00:00+02:00\"}");
	E2E_STATUS(r, 201);
	E2E_STR_EQ(e2e_str(r->json, "published"), "2012-06-01T00:00:00Z");
	e2e_free(r);
}

static void test_duplicates(void)
{
	const char *body = note("dos vegades");
	struct e2e_resp *a = e2e_request("POST", "/people/" XAVI "/activities", XAVI, body);
	struct e2e_resp *b =
		e2e_request("POST", "/people/" XAVI "/activities", e2e_manager(), body);
	E2E_STATUS(a, 201);
	E2E_STATUS(b, 200);
	E2E_STR_EQ(e2e_str(b->json, "id"), e2e_str(a->json, "id"));
	/* the duplicate answer carries the acting flags, the new one does not */
	CU_ASSERT(e2e_get(b->json, "deletable") != NULL);
	CU_ASSERT(e2e_get(a->json, "deletable") == NULL);
	e2e_free(a);
	e2e_free(b);
	/* the same content in two contexts is two posts */
	const char *u1 = "http://act.test/dup/a", *u2 = "http://act.test/dup/b";
	mkctx(u1, CLOSED);
	mkctx(u2, CLOSED);
	subscribe(u1, XAVI);
	subscribe(u2, XAVI);
	post_as(XAVI, NULL, u1, "dos vegades");
	post_as(XAVI, NULL, u2, "dos vegades");
	E2E_SEND(200, "POST", e2e_fmt("/contexts/%s/activities", hash_of(u2)), XAVI, body);
}

static void test_impersonation(void)
{
	long long before = posts();
	/* a Manager posts as the user: actor and owner the user, creator the Manager */
	struct e2e_resp *r =
		e2e_request("POST", "/people/" PUYOL "/activities", e2e_manager(), note("per tu"));
	E2E_STATUS(r, 201);
	E2E_STR_EQ(e2e_str(e2e_get(r->json, "actor"), "username"), PUYOL);
	E2E_STR_EQ(e2e_str(r->json, "owner"), PUYOL);
	E2E_STR_EQ(e2e_str(r->json, "creator"), e2e_manager());
	e2e_free(r);
	/* api.md 1.4, unlike the original: a user cannot post as somebody else, by URL or by body */
	r = e2e_request("POST", "/people/" PUYOL "/activities", MESSI, note("no"));
	forbidden(r, MESSI, "Add activity");
	e2e_free(r);
	r = e2e_request("POST", "/people/" MESSI "/activities", MESSI,
			"{\"actor\":{\"objectType\":\"person\",\"username\":\"" PUYOL "\"},"
			"\"object\":{\"objectType\":\"note\",\"content\":\"no\"}}");
	forbidden(r, MESSI, "Add activity");
	e2e_free(r);
	E2E_INT_EQ(posts(), before + 1);
}

/* ---- #16 ---------------------------------------------------------------------------- */

static void test_post_to_context(void)
{
	const char *url = "http://act.test/context";
	mkctx(url, CLOSED);
	subscribe(url, MESSI);
	struct e2e_resp *r = e2e_request("POST", e2e_fmt("/contexts/%s/activities", hash_of(url)),
					 MESSI, note("al context"));
	E2E_STATUS(r, 201);
	json_object *ctxs = e2e_get(r->json, "contexts");
	E2E_INT_EQ(e2e_len(ctxs), 1);
	json_object *c0 = json_object_array_get_idx(ctxs, 0);
	E2E_STR_EQ(e2e_keys(c0), "displayName,hash,notifications,objectType,tags,url");
	E2E_STR_EQ(e2e_str(c0, "hash"), hash_of(url));
	E2E_STR_EQ(e2e_str(c0, "url"), url);
	e2e_free(r);
	long long before = posts();
	/* not subscribed, the context's owner, somebody else's actor: 403 */
	r = e2e_request("POST", e2e_fmt("/contexts/%s/activities", hash_of(url)), XAVI, note("x"));
	forbidden(r, XAVI, "Add activity");
	e2e_free(r);
	r = e2e_request("POST", e2e_fmt("/contexts/%s/activities", hash_of(url)), OWNER, note("x"));
	forbidden(r, OWNER, "Add activity");
	e2e_free(r);
	r = e2e_request("POST", e2e_fmt("/contexts/%s/activities", hash_of(url)), MESSI,
			"{\"actor\":{\"objectType\":\"person\",\"username\":\"" XAVI "\"},"
			"\"object\":{\"objectType\":\"note\",\"content\":\"x\"}}");
	forbidden(r, MESSI, "Add activity");
	e2e_free(r);
	/* write revoked */
	E2E_SEND(201, "DELETE", e2e_fmt("/contexts/%s/permissions/%s/write", hash_of(url), MESSI),
		 e2e_manager(), NULL);
	r = e2e_request("POST", e2e_fmt("/contexts/%s/activities", hash_of(url)), MESSI, note("x"));
	forbidden(r, MESSI, "Add activity");
	e2e_free(r);
	E2E_INT_EQ(posts(), before);
	/* a Manager needs no subscription, and may post as anybody */
	r = e2e_request("POST", e2e_fmt("/contexts/%s/activities", hash_of(url)), e2e_manager(),
			"{\"actor\":{\"objectType\":\"person\",\"username\":\"" XAVI "\"},"
			"\"object\":{\"objectType\":\"note\",\"content\":\"from the manager\"}}");
	E2E_STATUS(r, 201);
	E2E_STR_EQ(e2e_str(e2e_get(r->json, "actor"), "username"), XAVI);
	e2e_free(r);
	/* unknown context */
	r = e2e_request("POST", "/contexts/0123456789012345678901234567890123456789/activities",
			MESSI, note("x"));
	E2E_EXPECT(r, 404, "ObjectNotFound",
		   "Object with hash 0123456789012345678901234567890123456789 not found inside "
		   "contexts");
	e2e_free(r);
}

static void test_post_as_context(void)
{
	const char *url = "http://act.test/as-context";
	mkctx(url, CLOSED);
	const char *body = e2e_fmt("{\"actor\":{\"objectType\":\"context\",\"url\":\"%s\"},"
				   "\"object\":{\"objectType\":\"note\",\"content\":\"<p>com a "
				   "context</p>\"}}",
				   url);
	struct e2e_resp *r = e2e_request("POST", e2e_fmt("/contexts/%s/activities", hash_of(url)),
					 e2e_manager(), body);
	E2E_STATUS(r, 201);
	json_object *actor = e2e_get(r->json, "actor");
	E2E_STR_EQ(e2e_keys(actor), "displayName,hash,objectType,url");
	E2E_STR_EQ(e2e_str(actor, "hash"), hash_of(url));
	E2E_STR_EQ(e2e_str(r->json, "owner"), e2e_manager());
	E2E_STR_EQ(e2e_str(r->json, "creator"), e2e_manager());
	e2e_free(r);
	E2E_SEND(200, "POST", e2e_fmt("/contexts/%s/activities", hash_of(url)), e2e_manager(),
		 body);
	/* only Managers act as a context */
	subscribe(url, PUYOL);
	r = e2e_request("POST", e2e_fmt("/contexts/%s/activities", hash_of(url)), PUYOL, body);
	forbidden(r, PUYOL, "Add activity");
	e2e_free(r);
}

static void test_deprecated_post_with_contexts(void)
{
	const char *url = "http://act.test/deprecated";
	mkctx(url, CLOSED);
	subscribe(url, PUYOL);
	struct e2e_resp *r =
		e2e_request("POST", "/people/" PUYOL "/activities", PUYOL,
			    e2e_fmt("{\"contexts\":[{\"objectType\":\"context\",\"url\":\"%s\"}],"
				    "\"object\":{\"objectType\":\"note\",\"content\":\"pel camí "
				    "vell\"}}",
				    url));
	E2E_STATUS(r, 201);
	E2E_STR_EQ(e2e_str(json_object_array_get_idx(e2e_get(r->json, "contexts"), 0), "hash"),
		   hash_of(url));
	e2e_free(r);
}

/* ---- #13 ---------------------------------------------------------------------------- */

static void test_user_activities_visibility(void)
{
	/* the original's test_get_generated_activities_from_another_user */
	const char *shared = "http://act.test/vis/shared", *only = "http://act.test/vis/only",
		   *pub = "http://act.test/vis/public";
	const char *sheldon = "act.sheldon", *penny = "act.penny", *leonard = "act.leonard";
	e2e_person(sheldon, NULL);
	e2e_person(penny, NULL);
	e2e_person(leonard, NULL);
	mkctx(shared, CLOSED);
	mkctx(only, CLOSED);
	mkctx(pub, READ_PUBLIC);
	subscribe(shared, sheldon);
	subscribe(shared, penny);
	subscribe(shared, leonard);
	subscribe(only, sheldon);
	subscribe(pub, sheldon);
	const char *a = post_as(sheldon, sheldon, NULL, "contextless");
	const char *b = post_as(sheldon, NULL, shared, "shared");
	post_as(sheldon, NULL, only, "only mine");
	const char *d = post_as(sheldon, NULL, pub, "public");
	post_as(leonard, leonard, NULL, "leonard's");
	post_as(leonard, NULL, shared, "leonard's shared");
	struct e2e_resp *r =
		e2e_request("GET", e2e_fmt("/people/%s/activities", sheldon), penny, NULL);
	E2E_STATUS(r, 200);
	E2E_INT_EQ(e2e_len(r->json), 3);
	E2E_STR_EQ(e2e_str(json_object_array_get_idx(r->json, 0), "id"), d);
	E2E_STR_EQ(e2e_str(json_object_array_get_idx(r->json, 1), "id"), b);
	E2E_STR_EQ(e2e_str(json_object_array_get_idx(r->json, 2), "id"), a);
	/* lean */
	E2E_STR_EQ(e2e_keys(json_object_array_get_idx(r->json, 2)), LEAN_KEYS);
	e2e_free(r);
	/* himself and a Manager see all four */
	r = e2e_request("GET", e2e_fmt("/people/%s/activities", sheldon), sheldon, NULL);
	E2E_INT_EQ(e2e_len(r->json), 4);
	e2e_free(r);
	r = e2e_request("HEAD", e2e_fmt("/people/%s/activities", sheldon), e2e_manager(), NULL);
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_header(r, "X-totalItems"), "4");
	e2e_free(r);
	/* context= restricts to one context, without contextless posts */
	r = e2e_request("GET",
			e2e_fmt("/people/%s/activities?context=%s", sheldon, hash_of(shared)),
			penny, NULL);
	E2E_INT_EQ(e2e_len(r->json), 1);
	E2E_STR_EQ(e2e_str(json_object_array_get_idx(r->json, 0), "id"), b);
	e2e_free(r);
	r = e2e_request("HEAD", e2e_fmt("/people/%s/activities", sheldon), penny, NULL);
	E2E_STR_EQ(e2e_header(r, "X-totalItems"), "3");
	e2e_free(r);
}

/* ---- #18 ---------------------------------------------------------------------------- */

static void test_global_activities(void)
{
	post_as(MESSI, MESSI, NULL, "global one");
	struct e2e_resp *r = e2e_request("GET", "/activities?limit=2", e2e_manager(), NULL);
	E2E_STATUS(r, 200);
	E2E_INT_EQ(e2e_len(r->json), 2);
	/* full: private fields included */
	E2E_STR_EQ(e2e_keys(json_object_array_get_idx(r->json, 0)), FULL_KEYS);
	E2E_STR_EQ(e2e_str(json_object_array_get_idx(r->json, 0), "id"),
		   e2e_db_text("SELECT max(id) FROM activities WHERE verb = 'post'"));
	e2e_free(r);
	r = e2e_request("GET", "/activities", MESSI, NULL);
	forbidden(r, MESSI, "View activities");
	e2e_free(r);
	/* HEAD answers as GET: no count of everybody's posts (api.md 1.10) */
	r = e2e_request("HEAD", "/activities", MESSI, NULL);
	E2E_STATUS(r, 403);
	CU_ASSERT_PTR_NULL(e2e_header(r, "X-totalItems"));
	e2e_free(r);
	r = e2e_request("HEAD", "/activities", e2e_manager(), NULL);
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_header(r, "X-totalItems"),
		   e2e_fmt("%lld", e2e_db_scalar("SELECT count(*) FROM activities"
						 " WHERE verb = 'post'")));
	e2e_free(r);
}

/* ---- #19 #20 ------------------------------------------------------------------------ */

static void test_view_rules(void)
{
	const char *closed = "http://act.test/view/closed", *pub = "http://act.test/view/public";
	mkctx(closed, CLOSED);
	mkctx(pub, READ_PUBLIC);
	subscribe(closed, MESSI);
	subscribe(pub, MESSI);
	subscribe(pub, PUYOL);
	const char *a = post_as(MESSI, NULL, closed, "closed post");
	const char *b = post_as(MESSI, NULL, pub, "public post");
	const char *c = post_as(MESSI, MESSI, NULL, "contextless post");
	E2E_SEND(200, "GET", e2e_fmt("/activities/%s", c), XAVI, NULL);
	E2E_SEND(200, "GET", e2e_fmt("/activities/%s", b), XAVI, NULL);
	struct e2e_resp *r = e2e_request("GET", e2e_fmt("/activities/%s", a), XAVI, NULL);
	forbidden(r, XAVI, "View activity");
	e2e_free(r);
	/* a subscriber without read cannot view, even when read is public */
	E2E_SEND(201, "DELETE", e2e_fmt("/contexts/%s/permissions/%s/read", hash_of(pub), PUYOL),
		 e2e_manager(), NULL);
	r = e2e_request("GET", e2e_fmt("/activities/%s", b), PUYOL, NULL);
	forbidden(r, PUYOL, "View activity");
	e2e_free(r);
	/* ids: malformed 400, unknown 404 */
	r = e2e_request("GET", "/activities/invalidid", MESSI, NULL);
	E2E_EXPECT(r, 400, "InvalidId",
		   "'invalidid' is not a valid ObjectId, it must be a 12-byte input or a "
		   "24-character hex string");
	e2e_free(r);
	r = e2e_request("GET", "/activities/000000000000000000000000", MESSI, NULL);
	E2E_EXPECT(r, 404, "ObjectNotFound",
		   "Object with _id 000000000000000000000000 not found inside activity");
	e2e_free(r);
	/* before authentication (api.md 1.3) */
	r = e2e_request("GET", "/activities/invalidid", NULL, NULL);
	E2E_STATUS(r, 400);
	e2e_free(r);
}

static void test_delete(void)
{
	const char *url = "http://act.test/delete";
	mkctx(url, CLOSED);
	subscribe(url, MESSI);
	subscribe(url, XAVI);
	const char *a = post_as(MESSI, NULL, url, "delete me");
	struct e2e_resp *r = e2e_request("DELETE", e2e_fmt("/activities/%s", a), XAVI, NULL);
	forbidden(r, XAVI, "Delete activity");
	e2e_free(r);
	/* the context's owner has no right by ownership */
	r = e2e_request("DELETE", e2e_fmt("/activities/%s", a), OWNER, NULL);
	forbidden(r, OWNER, "Delete activity");
	e2e_free(r);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM activities WHERE id = '%s'", a), 1);
	/* with delete granted, a member deletes others' posts … */
	E2E_SEND(201, "PUT", e2e_fmt("/contexts/%s/permissions/%s/delete", hash_of(url), XAVI),
		 e2e_manager(), NULL);
	r = e2e_request("GET", e2e_fmt("/activities/%s", a), XAVI, NULL);
	E2E_INT_EQ(e2e_bool(r->json, "deletable"), 1);
	e2e_free(r);
	E2E_SEND(204, "DELETE", e2e_fmt("/activities/%s", a), XAVI, NULL);
	E2E_SEND(404, "DELETE", e2e_fmt("/activities/%s", a), XAVI, NULL);
	/* … the author his own, a Manager anything */
	const char *b = post_as(MESSI, NULL, url, "mine");
	E2E_SEND(204, "DELETE", e2e_fmt("/activities/%s", b), MESSI, NULL);
	const char *c = post_as(MESSI, NULL, url, "anything");
	E2E_SEND(204, "DELETE", e2e_fmt("/activities/%s", c), e2e_manager(), NULL);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM activities WHERE id IN ('%s','%s','%s')", a,
				 b, c),
		   0);
	r = e2e_request("DELETE", "/activities/invalidid", MESSI, NULL);
	E2E_STATUS(r, 400);
	e2e_free(r);
}

static void test_deleted_context(void)
{
	const char *url = "http://act.test/gone";
	mkctx(url, CLOSED);
	subscribe(url, PUYOL);
	const char *a = post_as(PUYOL, NULL, url, "left behind");
	E2E_SEND(204, "DELETE", e2e_fmt("/contexts/%s", hash_of(url)), e2e_manager(), NULL);
	/* still there for its owner and Managers, gone from the listings */
	E2E_SEND(200, "GET", e2e_fmt("/activities/%s", a), PUYOL, NULL);
	E2E_SEND(200, "GET", e2e_fmt("/activities/%s", a), e2e_manager(), NULL);
	E2E_SEND(403, "GET", e2e_fmt("/activities/%s", a), XAVI, NULL);
	struct e2e_resp *r = e2e_request("GET", "/people/" PUYOL "/timeline?limit=0", PUYOL, NULL);
	for (int i = 0; i < e2e_len(r->json); i++)
		CU_ASSERT(strcmp(e2e_str(json_object_array_get_idx(r->json, i), "id"), a) != 0);
	e2e_free(r);
	r = e2e_request("GET", "/people/" PUYOL "/activities?limit=0", e2e_manager(), NULL);
	for (int i = 0; i < e2e_len(r->json); i++)
		CU_ASSERT(strcmp(e2e_str(json_object_array_get_idx(r->json, i), "id"), a) != 0);
	e2e_free(r);
}

/* ---- #21–#23: images and files (api.md 9.2) ------------------------------------------------ */

/* 120×80 red/blue, as PNG or JPEG */
static char *picture(int jpeg, size_t *len)
{
	gdImagePtr im = gdImageCreateTrueColor(120, 80);
	gdImageFilledRectangle(im, 0, 0, 59, 79, 0xff0000);
	gdImageFilledRectangle(im, 60, 0, 119, 79, 0x0000ff);
	int n = 0;
	void *p = jpeg ? gdImageJpegPtr(im, &n, 90) : gdImagePngPtr(im, &n);
	gdImageDestroy(im);
	char *out = malloc((size_t)n);
	memcpy(out, p, (size_t)n);
	gdFree(p);
	*len = (size_t)n;
	return out;
}

static const char *blob(const char *id, const char *suffix)
{
	return e2e_fmt("%s/files/%.2s/%.2s/%.2s/%.2s/%.2s/%.2s/%s%s", getenv("MAX_TEST_VAR"), id,
		       id + 2, id + 4, id + 6, id + 8, id + 10, id + 12, suffix);
}

static void test_image_posts(void)
{
	size_t png_len, jpg_len;
	char *png = picture(0, &png_len), *jpg = picture(1, &jpg_len);
	/* a PNG on the timeline */
	struct e2e_resp *r =
		e2e_upload("/people/" MESSI "/activities", MESSI,
			   "{\"object\":{\"objectType\":\"image\",\"content\":\"una #foto\"}}",
			   "camp.png", "image/png", png, png_len);
	E2E_STATUS(r, 201);
	const char *id = e2e_fmt("%s", e2e_str(r->json, "id") ? e2e_str(r->json, "id") : "");
	json_object *o = e2e_get(r->json, "object");
	E2E_STR_EQ(e2e_keys(o), "content,filename,fullURL,hashtags,mimetype,objectType,thumbURL");
	E2E_STR_EQ(e2e_str(o, "mimetype"), "image/png");
	E2E_STR_EQ(e2e_str(o, "filename"), "camp.png");
	E2E_STR_EQ(e2e_str(o, "fullURL"), e2e_fmt("/activities/%s/image/full", id));
	E2E_STR_EQ(e2e_str(o, "thumbURL"), e2e_fmt("/activities/%s/image/thumb", id));
	e2e_free(r);
	CU_ASSERT(access(blob(id, ""), F_OK) == 0 && access(blob(id, ".thumb"), F_OK) == 0);
	/* byte for byte, for anybody (contextless); the thumbnail a JPEG */
	static const char *const full[] = {"image", "image/full"};
	for (int i = 0; i < 2; i++) {
		r = e2e_request("GET", e2e_fmt("/activities/%s/%s", id, full[i]), XAVI, NULL);
		E2E_STATUS(r, 200);
		E2E_STR_EQ(e2e_header(r, "Content-Type"), "image/png");
		CU_ASSERT(r->body_len == png_len && !memcmp(r->body, png, png_len));
		e2e_free(r);
	}
	r = e2e_request("GET", e2e_fmt("/activities/%s/image/thumb", id), XAVI, NULL);
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_header(r, "Content-Type"), "image/jpeg");
	CU_ASSERT(r->body_len > 2 && (unsigned char)r->body[0] == 0xff &&
		  (unsigned char)r->body[1] == 0xd8);
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/activities/%s/image/large", id), XAVI, NULL);
	E2E_STATUS(r, 410);
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/activities/%s/image", id), XAVI, NULL,
			"Content-Type: application/base64");
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_header(r, "Content-Type"), "application/base64");
	e2e_free(r);
	/* Unlike the original: no file behind an image, no image behind a note: 404 */
	r = e2e_request("GET", e2e_fmt("/activities/%s/file/download", id), XAVI, NULL);
	E2E_EXPECT(r, 404, "ObjectNotFound", e2e_fmt("Activity %s has no file", id));
	e2e_free(r);
	const char *note_id = post_as(MESSI, MESSI, NULL, "just words");
	r = e2e_request("GET", e2e_fmt("/activities/%s/image", note_id), XAVI, NULL);
	E2E_STATUS(r, 404);
	e2e_free(r);
	/* deleting the post deletes its files */
	E2E_SEND(204, "DELETE", e2e_fmt("/activities/%s", id), MESSI, NULL);
	CU_ASSERT(access(blob(id, ""), F_OK) != 0 && access(blob(id, ".thumb"), F_OK) != 0);

	/* a JPEG in a closed context: its members only */
	const char *url = "http://act.test/images";
	mkctx(url, CLOSED);
	subscribe(url, MESSI);
	subscribe(url, XAVI);
	r = e2e_upload(e2e_fmt("/contexts/%s/activities", hash_of(url)), XAVI,
		       "{\"object\":{\"objectType\":\"image\",\"filename\":\"mine.jpg\"}}", "file",
		       "image/jpeg", jpg, jpg_len);
	E2E_STATUS(r, 201);
	id = e2e_fmt("%s", e2e_str(r->json, "id") ? e2e_str(r->json, "id") : "");
	E2E_STR_EQ(e2e_str(e2e_get(r->json, "object"), "mimetype"), "image/jpeg");
	E2E_STR_EQ(e2e_str(e2e_get(r->json, "object"), "filename"), "mine.jpg");
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/activities/%s/image", id), MESSI, NULL);
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_header(r, "Content-Type"), "image/jpeg");
	CU_ASSERT(r->body_len == jpg_len && !memcmp(r->body, jpg, jpg_len));
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/activities/%s/image/thumb", id), PUYOL, NULL);
	forbidden(r, PUYOL, "View activity");
	CU_ASSERT(r->body_len < 300);
	e2e_free(r);
	free(png);
	free(jpg);
}

static void test_file_posts_and_lies(void)
{
	long long before = posts();
	/* an image that is not one: 400, nothing stored */
	struct e2e_resp *r = e2e_upload("/people/" PUYOL "/activities", PUYOL,
					"{\"object\":{\"objectType\":\"image\"}}", "fake.png",
					"image/png", "<html><script>alert(1)</script></html>", 38);
	E2E_STATUS(r, 400);
	E2E_STR_EQ(e2e_str(r->json, "error"), "ValidationError");
	e2e_free(r);
	/* a file declared as a picture that is none: refused too */
	r = e2e_upload("/people/" PUYOL "/activities", PUYOL,
		       "{\"object\":{\"objectType\":\"file\"}}", "fake.jpg", "image/jpeg",
		       "plain text", 10);
	E2E_STATUS(r, 400);
	e2e_free(r);
	/* an image post without a file */
	r = e2e_request("POST", "/people/" PUYOL "/activities", PUYOL,
			"{\"object\":{\"objectType\":\"image\",\"content\":\"where?\"}}");
	E2E_EXPECT(r, 400, "MissingField", "Required parameter \"file\" not found in the request");
	e2e_free(r);
	E2E_INT_EQ(posts(), before);
	/* a file that says it is a PDF but is not: kept, as opaque bytes */
	r = e2e_upload("/people/" PUYOL "/activities", PUYOL,
		       "{\"object\":{\"objectType\":\"file\",\"content\":\"l'informe\"}}",
		       "informe.pdf", "application/pdf", "not really a pdf", 16);
	E2E_STATUS(r, 201);
	const char *id = e2e_fmt("%s", e2e_str(r->json, "id") ? e2e_str(r->json, "id") : "");
	json_object *o = e2e_get(r->json, "object");
	E2E_STR_EQ(e2e_keys(o), "content,filename,fullURL,mimetype,objectType");
	E2E_STR_EQ(e2e_str(o, "mimetype"), "application/octet-stream");
	E2E_STR_EQ(e2e_str(o, "fullURL"), e2e_fmt("/activities/%s/file/download", id));
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/activities/%s/file/download", id), MESSI, NULL);
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_header(r, "Content-Type"), "application/octet-stream");
	CU_ASSERT(e2e_header(r, "Content-Disposition") &&
		  strstr(e2e_header(r, "Content-Disposition"), "attachment") &&
		  strstr(e2e_header(r, "Content-Disposition"), "informe.pdf"));
	CU_ASSERT(r->body_len == 16 && !memcmp(r->body, "not really a pdf", 16));
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/activities/%s/file/download", id), MESSI, NULL,
			"X-From-Utalk: App");
	E2E_STR_EQ(e2e_header(r, "Content-Type"), "application/base64");
	E2E_STR_EQ(r->body, "bm90IHJlYWxseSBhIHBkZg==");
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/activities/%s/image", id), MESSI, NULL);
	E2E_STATUS(r, 404);
	e2e_free(r);
	/* the file gone from the disk: 410 */
	CU_ASSERT(unlink(blob(id, "")) == 0);
	r = e2e_request("GET", e2e_fmt("/activities/%s/file/download", id), MESSI, NULL);
	E2E_STATUS(r, 410);
	e2e_free(r);
	/* the base64 JSON variant (api.md 1.1) */
	r = e2e_request("POST", "/people/" PUYOL "/activities", PUYOL,
			"{\"data\":{\"json_data\":\"{\\\"object\\\":{\\\"objectType\\\":"
			"\\\"file\\\","
			"\\\"filename\\\":\\\"hola.txt\\\",\\\"mimetype\\\":\\\"text/plain\\\"}}\","
			"\"file\":\"aG9sYQ==\"}}");
	E2E_STATUS(r, 201);
	E2E_STR_EQ(e2e_str(e2e_get(r->json, "object"), "filename"), "hola.txt");
	e2e_free(r);
}

E2E_SUITE(activities, init, NULL)
{
	E2E_TEST(s, test_post_to_timeline);
	E2E_TEST(s, test_post_validation);
	E2E_TEST(s, test_post_backdated_and_generator);
	E2E_TEST(s, test_duplicates);
	E2E_TEST(s, test_impersonation);
	E2E_TEST(s, test_post_to_context);
	E2E_TEST(s, test_post_as_context);
	E2E_TEST(s, test_deprecated_post_with_contexts);
	E2E_TEST(s, test_user_activities_visibility);
	E2E_TEST(s, test_global_activities);
	E2E_TEST(s, test_view_rules);
	E2E_TEST(s, test_delete);
	E2E_TEST(s, test_deleted_context);
	E2E_TEST(s, test_image_posts);
	E2E_TEST(s, test_file_posts_and_lies);
}
