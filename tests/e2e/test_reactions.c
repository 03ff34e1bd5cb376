/*
 * test_reactions.c — likes, favourites and flags (api.md 4.7; endpoints.md,
 * #30–#35): the mark activities and what they carry, create-or-get
 * statuses, the post's lists and counters, who may, impersonation, and
 * that none of them publishes anything.
 */
#include "e2e.h"
#include "stream_helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AUTHOR "re.author"
#define FAN "re.fan"
#define OUTSIDER "re.outsider"
#define FLAGGER "re.flagger"

#define CLOSED SH_CLOSED
#define READ_PUBLIC SH_READ_PUBLIC
#define hash_of sh_hash
#define forbidden sh_forbidden
#define subscribe sh_subscribe

#define MARK_KEYS                                                                                  \
	"actor,creator,favorites,favoritesCount,generator,id,keywords,lastComment,likes,"          \
	"likesCount,object,objectType,owner,published,replies,verb"

static void mkctx(const char *url, const char *perms)
{
	sh_context(url, perms, "");
}

static const char *post(const char *user, const char *url, const char *content)
{
	return sh_post(user, url, sh_note(content));
}

static long long publishes(void)
{
	return e2e_db_scalar("SELECT count(*) FROM outbox WHERE op = 'publish'");
}

static int init(void)
{
	return !(e2e_person(AUTHOR, "Author") && e2e_person(FAN, "Fan") &&
		 e2e_person(OUTSIDER, "Outsider") && e2e_person(FLAGGER, "Flagger"));
}

static void test_likes(void)
{
	const char *url = "http://re.test/likes";
	mkctx(url, CLOSED);
	subscribe(url, AUTHOR);
	subscribe(url, FAN);
	const char *id = post(AUTHOR, url, "like me");
	long long pub = publishes();
	struct e2e_resp *r = e2e_request("POST", e2e_fmt("/activities/%s/likes", id), FAN, NULL);
	E2E_STATUS(r, 201);
	E2E_STR_EQ(e2e_keys(r->json), MARK_KEYS);
	E2E_STR_EQ(e2e_str(r->json, "verb"), "like");
	json_object *obj = e2e_get(r->json, "object");
	E2E_STR_EQ(e2e_keys(obj), "id,liked,likes,likesCount,objectType");
	E2E_STR_EQ(e2e_str(obj, "objectType"), "activity");
	E2E_STR_EQ(e2e_str(obj, "id"), id);
	E2E_STR_EQ(e2e_usernames(e2e_get(obj, "likes")), FAN);
	E2E_STR_EQ(e2e_keys(json_object_array_get_idx(e2e_get(obj, "likes"), 0)),
		   "objectType,username");
	E2E_INT_EQ(json_object_get_int(e2e_get(obj, "likesCount")), 1);
	E2E_INT_EQ(e2e_bool(obj, "liked"), 1);
	const char *like_id = e2e_fmt("%s", e2e_str(r->json, "id"));
	e2e_free(r);
	/* again: 200 with the same like activity */
	r = e2e_request("POST", e2e_fmt("/activities/%s/likes", id), FAN, NULL);
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_str(r->json, "id"), like_id);
	E2E_INT_EQ(json_object_get_int(e2e_get(e2e_get(r->json, "object"), "likesCount")), 1);
	e2e_free(r);
	E2E_SEND(201, "POST", e2e_fmt("/activities/%s/likes", id), AUTHOR, NULL);
	/* the post: list in order, count, lastLike, liked per reader */
	r = e2e_request("GET", e2e_fmt("/activities/%s", id), AUTHOR, NULL);
	E2E_STR_EQ(e2e_usernames(e2e_get(r->json, "likes")), FAN "," AUTHOR);
	E2E_INT_EQ(json_object_get_int(e2e_get(r->json, "likesCount")), 2);
	CU_ASSERT(e2e_is_date(e2e_str(r->json, "lastLike")));
	E2E_INT_EQ(e2e_bool(r->json, "liked"), 1);
	e2e_free(r);
	/* unlike: 204; the rest stays; only who has liked */
	E2E_SEND(204, "DELETE", e2e_fmt("/activities/%s/likes/%s", id, FAN), FAN, NULL);
	r = e2e_request("DELETE", e2e_fmt("/activities/%s/likes/%s", id, FAN), FAN, NULL);
	forbidden(r, FAN, "Unlike an activity");
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/activities/%s", id), FAN, NULL);
	E2E_STR_EQ(e2e_usernames(e2e_get(r->json, "likes")), AUTHOR);
	E2E_INT_EQ(e2e_bool(r->json, "liked"), 0);
	e2e_free(r);
	/* somebody else's like: not him; a Manager may */
	r = e2e_request("DELETE", e2e_fmt("/activities/%s/likes/%s", id, AUTHOR), FAN, NULL);
	forbidden(r, FAN, "Unlike an activity");
	e2e_free(r);
	E2E_SEND(204, "DELETE", e2e_fmt("/activities/%s/likes/%s", id, AUTHOR), e2e_manager(),
		 NULL);
	E2E_INT_EQ(e2e_db_scalar("SELECT likes_count FROM activities WHERE id = '%s'", id), 0);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM activities WHERE verb = 'unlike'"
				 " AND json_extract(object_json, '$.id') = '%s'",
				 id),
		   2);
	/* nothing published */
	E2E_INT_EQ(publishes(), pub);
}

static void test_like_rules(void)
{
	const char *closed = "http://re.test/like-rules/closed",
		   *pub = "http://re.test/like-rules/pub";
	mkctx(closed, CLOSED);
	mkctx(pub, READ_PUBLIC);
	subscribe(closed, AUTHOR);
	subscribe(pub, AUTHOR);
	const char *a = post(AUTHOR, closed, "closed");
	const char *b = post(AUTHOR, pub, "public");
	const char *c = post(AUTHOR, NULL, "contextless");
	struct e2e_resp *r =
		e2e_request("POST", e2e_fmt("/activities/%s/likes", a), OUTSIDER, NULL);
	forbidden(r, OUTSIDER, "Like an activity");
	e2e_free(r);
	E2E_SEND(201, "POST", e2e_fmt("/activities/%s/likes", b), OUTSIDER, NULL);
	E2E_SEND(201, "POST", e2e_fmt("/activities/%s/likes", c), OUTSIDER, NULL);
	/* impersonation: Managers only */
	const char *as_fan = "{\"actor\":{\"objectType\":\"person\",\"username\":\"" FAN "\"}}";
	r = e2e_request("POST", e2e_fmt("/activities/%s/likes", c), OUTSIDER, as_fan);
	forbidden(r, OUTSIDER, "Like an activity");
	e2e_free(r);
	r = e2e_request("POST", e2e_fmt("/activities/%s/likes", c), e2e_manager(), as_fan);
	E2E_STATUS(r, 201);
	E2E_STR_EQ(e2e_str(e2e_get(r->json, "actor"), "username"), FAN);
	E2E_STR_EQ(e2e_str(r->json, "creator"), e2e_manager());
	e2e_free(r);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM likes WHERE activity_id = '%s'", a), 0);
}

static void test_favorites(void)
{
	const char *url = "http://re.test/favorites";
	mkctx(url, CLOSED);
	subscribe(url, AUTHOR);
	subscribe(url, FAN);
	const char *id = post(AUTHOR, url, "favourite me");
	struct e2e_resp *r =
		e2e_request("POST", e2e_fmt("/activities/%s/favorites", id), FAN, NULL);
	E2E_STATUS(r, 201);
	E2E_STR_EQ(e2e_str(r->json, "verb"), "favorite");
	json_object *obj = e2e_get(r->json, "object");
	E2E_STR_EQ(e2e_keys(obj), "favorited,favorites,favoritesCount,id,objectType");
	E2E_STR_EQ(e2e_usernames(e2e_get(obj, "favorites")), FAN);
	E2E_INT_EQ(e2e_bool(obj, "favorited"), 1);
	const char *fav_id = e2e_fmt("%s", e2e_str(r->json, "id"));
	e2e_free(r);
	r = e2e_request("POST", e2e_fmt("/activities/%s/favorites", id), FAN, NULL);
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_str(r->json, "id"), fav_id);
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/activities/%s", id), FAN, NULL);
	E2E_INT_EQ(e2e_bool(r->json, "favorited"), 1);
	E2E_INT_EQ(json_object_get_int(e2e_get(r->json, "favoritesCount")), 1);
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/activities/%s", id), AUTHOR, NULL);
	E2E_INT_EQ(e2e_bool(r->json, "favorited"), 0);
	e2e_free(r);
	/* Unlike the original: only what he may view */
	r = e2e_request("POST", e2e_fmt("/activities/%s/favorites", id), OUTSIDER, NULL);
	forbidden(r, OUTSIDER, "Favorite an activity");
	e2e_free(r);
	/* unfavorite: 200 with the unfavorite activity and the new state */
	r = e2e_request("DELETE", e2e_fmt("/activities/%s/favorites/%s", id, FAN), FAN, NULL);
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_str(r->json, "verb"), "unfavorite");
	obj = e2e_get(r->json, "object");
	E2E_INT_EQ(e2e_len(e2e_get(obj, "favorites")), 0);
	E2E_INT_EQ(json_object_get_int(e2e_get(obj, "favoritesCount")), 0);
	E2E_INT_EQ(e2e_bool(obj, "favorited"), 0);
	e2e_free(r);
	/* not favourited: 403 for him, 200 for a Manager */
	r = e2e_request("DELETE", e2e_fmt("/activities/%s/favorites/%s", id, FAN), FAN, NULL);
	forbidden(r, FAN, "Unfavorite an activity");
	e2e_free(r);
	E2E_SEND(200, "DELETE", e2e_fmt("/activities/%s/favorites/%s", id, FAN), e2e_manager(),
		 NULL);
	/* somebody else's favourite */
	E2E_SEND(201, "POST", e2e_fmt("/activities/%s/favorites", id), AUTHOR, NULL);
	r = e2e_request("DELETE", e2e_fmt("/activities/%s/favorites/%s", id, AUTHOR), FAN, NULL);
	forbidden(r, FAN, "Unfavorite an activity");
	e2e_free(r);
}

static void test_flags(void)
{
	const char *url = "http://re.test/flags";
	mkctx(url, CLOSED);
	subscribe(url, AUTHOR);
	subscribe(url, FLAGGER);
	const char *id = post(AUTHOR, url, "flag me");
	struct e2e_resp *r = e2e_request("POST", e2e_fmt("/activities/%s/flag", id), FLAGGER, NULL);
	forbidden(r, FLAGGER, "Flag an activity");
	e2e_free(r);
	E2E_SEND(201, "PUT", e2e_fmt("/contexts/%s/permissions/%s/flag", hash_of(url), FLAGGER),
		 e2e_manager(), NULL);
	r = e2e_request("POST", e2e_fmt("/activities/%s/flag", id), FLAGGER, NULL);
	E2E_STATUS(r, 201);
	E2E_STR_EQ(e2e_str(r->json, "id"), id);
	CU_ASSERT(e2e_is_date(e2e_str(r->json, "flagged")));
	const char *flagged = e2e_fmt("%s", e2e_str(r->json, "flagged"));
	e2e_free(r);
	/* again: 200, the date unchanged */
	r = e2e_request("POST", e2e_fmt("/activities/%s/flag", id), FLAGGER, NULL);
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_str(r->json, "flagged"), flagged);
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/activities/%s", id), AUTHOR, NULL);
	E2E_STR_EQ(e2e_str(r->json, "flagged"), flagged);
	e2e_free(r);
	/* unflag: 204; flagged is null from then on */
	r = e2e_request("DELETE", e2e_fmt("/activities/%s/flag", id), AUTHOR, NULL);
	forbidden(r, AUTHOR, "Unflag an activity");
	e2e_free(r);
	E2E_SEND(204, "DELETE", e2e_fmt("/activities/%s/flag", id), FLAGGER, NULL);
	E2E_SEND(204, "DELETE", e2e_fmt("/activities/%s/flag", id), FLAGGER, NULL);
	r = e2e_request("GET", e2e_fmt("/activities/%s", id), AUTHOR, NULL);
	json_object *v = r->json; /* overwritten: the member, NULL for a JSON null */
	CU_ASSERT(json_object_object_get_ex(r->json, "flagged", &v) && v == NULL);
	e2e_free(r);
	/* never flagged: no flagged key at all */
	const char *fresh = post(AUTHOR, url, "never flagged");
	r = e2e_request("GET", e2e_fmt("/activities/%s", fresh), AUTHOR, NULL);
	CU_ASSERT(!json_object_object_get_ex(r->json, "flagged", NULL));
	e2e_free(r);
	/* contextless: nobody, not even a Manager */
	const char *solo = post(AUTHOR, NULL, "contextless flag");
	r = e2e_request("POST", e2e_fmt("/activities/%s/flag", solo), e2e_manager(), NULL);
	forbidden(r, e2e_manager(), "Flag an activity");
	e2e_free(r);
	E2E_SEND(201, "POST", e2e_fmt("/activities/%s/flag", fresh), e2e_manager(), NULL);
}

E2E_SUITE(reactions, init, NULL)
{
	E2E_TEST(s, test_likes);
	E2E_TEST(s, test_like_rules);
	E2E_TEST(s, test_favorites);
	E2E_TEST(s, test_flags);
}
