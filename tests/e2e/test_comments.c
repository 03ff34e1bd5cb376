/*
 * test_comments.c — comments (api.md 4.5, 4.6; endpoints.md): #26 the comment
 * activity and what it does to its post (replies, lastComment, keywords,
 * hashtags, notification), #25 the replies, #27 deletion and who may, #24
 * #28 #29 the listings with their shapes, filters and HEAD counts.
 */
#include "e2e.h"
#include "stream_helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AUTHOR "cm.author"
#define COMMENTER "cm.commenter"
#define OUTSIDER "cm.outsider"
#define DELETER "cm.deleter"
#define OWNER "cm.owner"

#define CLOSED SH_CLOSED
#define READ_PUBLIC SH_READ_PUBLIC
#define hash_of sh_hash
#define forbidden sh_forbidden
#define subscribe sh_subscribe

/* a context owned by OWNER */
static void mkctx(const char *url, const char *perms, const char *extra)
{
	sh_context(url, perms, e2e_fmt(",\"owner\":\"" OWNER "\"%s", extra ? extra : ""));
}

static const char *post(const char *user, const char *url, const char *content)
{
	return sh_post(user, url, sh_note(content));
}

#define COMMENT_ACTIVITY_KEYS                                                                      \
	"actor,creator,favorites,favoritesCount,generator,id,keywords,lastComment,likes,"          \
	"likesCount,object,objectType,owner,published,replies,verb"

static const char *comment_body(const char *content)
{
	return e2e_fmt("{\"object\":{\"objectType\":\"comment\",\"content\":\"%s\"}}", content);
}

static const char *comment(const char *user, const char *id, const char *content)
{
	struct e2e_resp *r = e2e_request("POST", e2e_fmt("/activities/%s/comments", id), user,
					 comment_body(content));
	E2E_STATUS(r, 201);
	const char *cid = e2e_fmt("%s", e2e_str(r->json, "id") ? e2e_str(r->json, "id") : "");
	e2e_free(r);
	return cid;
}

static int init(void)
{
	return !(e2e_person(AUTHOR, "Post Author") && e2e_person(COMMENTER, "Xavi Hernandez") &&
		 e2e_person(OUTSIDER, "Outsider") && e2e_person(DELETER, "Deleter") &&
		 e2e_person(OWNER, "Context Owner"));
}

static void test_add_comment(void)
{
	const char *url = "http://cm.test/add";
	mkctx(url, READ_PUBLIC, ",\"notifications\":\"comments\"");
	subscribe(url, AUTHOR);
	subscribe(url, COMMENTER);
	const char *id = post(AUTHOR, url, "Testejant la creació d'un #canvi");
	long long outbox = e2e_db_scalar("SELECT count(*) FROM outbox WHERE op = 'publish'");
	struct e2e_resp *r =
		e2e_request("POST", e2e_fmt("/activities/%s/comments", id), COMMENTER,
			    comment_body(
				    "<p>[C] Testejant un #comentari #nou a una activitat</p>"));
	E2E_STATUS(r, 201);
	E2E_STR_EQ(e2e_keys(r->json), COMMENT_ACTIVITY_KEYS);
	E2E_STR_EQ(e2e_str(r->json, "verb"), "comment");
	E2E_INT_EQ(e2e_len(e2e_get(r->json, "keywords")), 0);
	CU_ASSERT(e2e_get(r->json, "contexts") == NULL);
	json_object *obj = e2e_get(r->json, "object");
	E2E_STR_EQ(e2e_keys(obj), "content,hashtags,inReplyTo,keywords,objectType");
	E2E_STR_EQ(e2e_str(obj, "content"), "[C] Testejant un #comentari #nou a una activitat");
	json_object *irt = json_object_array_get_idx(e2e_get(obj, "inReplyTo"), 0);
	E2E_STR_EQ(e2e_keys(irt), "contexts,id,objectType");
	E2E_STR_EQ(e2e_str(irt, "id"), id);
	E2E_STR_EQ(e2e_str(irt, "objectType"), "note");
	E2E_STR_EQ(json_object_get_string(json_object_array_get_idx(e2e_get(irt, "contexts"), 0)),
		   hash_of(url));
	const char *cid = e2e_fmt("%s", e2e_str(r->json, "id"));
	e2e_free(r);
	/* notified: the context notifies comments (read now) */
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM outbox WHERE op = 'publish'"), outbox + 1);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM outbox WHERE exchange = 'activity'"
				 " AND routing_key = '%s' AND json_extract(body, '$.d.commentid') "
				 "= '%s'"
				 " AND json_extract(body, '$.d.activityid') = '%s'"
				 " AND json_extract(body, '$.o') = 'a'",
				 hash_of(url), cid, id),
		   1);

	/* the post: reply, lastComment, keywords and hashtags absorbed */
	r = e2e_request("GET", e2e_fmt("/activities/%s", id), AUTHOR, NULL);
	E2E_STR_EQ(e2e_str(r->json, "lastComment"), cid);
	json_object *replies = e2e_get(r->json, "replies");
	E2E_INT_EQ(e2e_len(replies), 1);
	json_object *c0 = json_object_array_get_idx(replies, 0);
	E2E_STR_EQ(e2e_keys(c0),
		   "actor,content,deletable,hashtags,id,keywords,objectType,published");
	E2E_STR_EQ(e2e_str(c0, "id"), cid);
	E2E_STR_EQ(e2e_str(e2e_get(c0, "actor"), "username"), COMMENTER);
	E2E_INT_EQ(e2e_bool(c0, "deletable"), 1); /* the post's owner may */
	json_object *hashtags = e2e_get(e2e_get(r->json, "object"), "hashtags");
	E2E_INT_EQ(e2e_len(hashtags), 3);
	const char *kw = json_object_to_json_string(e2e_get(r->json, "keywords"));
	CU_ASSERT(strstr(kw, "\"comentari\"") && strstr(kw, "\"hernandez\"") &&
		  strstr(kw, "\"cm.commenter\""));
	e2e_free(r);

	/* #25: lean, oldest first; deletable for the acting user */
	const char *second = comment(AUTHOR, id, "segon");
	r = e2e_request("GET", e2e_fmt("/activities/%s/comments", id), OUTSIDER, NULL);
	E2E_STATUS(r,
		   200); /* Unlike the original: read public lets him view, so read the comments */
	E2E_INT_EQ(e2e_len(r->json), 2);
	c0 = json_object_array_get_idx(r->json, 0);
	E2E_STR_EQ(e2e_keys(c0), "actor,content,deletable,id,objectType,published");
	E2E_STR_EQ(e2e_str(c0, "id"), cid);
	E2E_STR_EQ(e2e_str(json_object_array_get_idx(r->json, 1), "id"), second);
	E2E_INT_EQ(e2e_bool(c0, "deletable"), 0);
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/activities/%s/comments", id), COMMENTER, NULL);
	E2E_INT_EQ(e2e_bool(json_object_array_get_idx(r->json, 0), "deletable"), 1);
	E2E_INT_EQ(e2e_bool(json_object_array_get_idx(r->json, 1), "deletable"), 0);
	e2e_free(r);
}

static void test_comment_rules(void)
{
	const char *url = "http://cm.test/rules";
	mkctx(url, CLOSED, NULL);
	subscribe(url, AUTHOR);
	const char *id = post(AUTHOR, url, "comment rules");
	long long before = e2e_db_scalar("SELECT count(*) FROM activities WHERE verb = 'comment'");
	struct e2e_resp *r = e2e_request("POST", e2e_fmt("/activities/%s/comments", id), OUTSIDER,
					 comment_body("x"));
	forbidden(r, OUTSIDER, "Add a comment to an activity");
	e2e_free(r);
	r = e2e_request("POST", e2e_fmt("/activities/%s/comments", id), OWNER, comment_body("x"));
	forbidden(r, OWNER, "Add a comment to an activity");
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/activities/%s/comments", id), OUTSIDER, NULL);
	forbidden(r, OUTSIDER, "View activity comments");
	e2e_free(r);
	/* api.md 1.4, unlike the original: not as somebody else */
	r = e2e_request("POST", e2e_fmt("/activities/%s/comments", id), AUTHOR,
			"{\"actor\":{\"objectType\":\"person\",\"username\":\"" COMMENTER "\"},"
			"\"object\":{\"objectType\":\"comment\",\"content\":\"x\"}}");
	forbidden(r, AUTHOR, "Add a comment to an activity");
	e2e_free(r);
	static const struct {
		const char *body, *error, *text;
	} bad[] = {
		{"{}", "MissingField", "Required parameter \"object\" not found in the request"},
		{"{\"object\":{\"objectType\":\"note\",\"content\":\"x\"}}", "ValidationError",
		 "Validation error on field \"objectType\": must be \"comment\""},
		{"{\"object\":{\"objectType\":\"comment\",\"content\":\"\"}}", "MissingField",
		 "Required parameter \"content\" found but empty"},
		{"{\"object\":{\"objectType\":\"comment\"}}", "MissingField",
		 "Required parameter \"content\" not found in the request"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		r = e2e_request("POST", e2e_fmt("/activities/%s/comments", id), AUTHOR,
				bad[i].body);
		E2E_EXPECT(r, 400, bad[i].error, bad[i].text);
		e2e_free(r);
	}
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM activities WHERE verb = 'comment'"), before);
	/* a contextless post: anybody comments; a Manager comments as anybody */
	const char *solo = post(AUTHOR, NULL, "contextless, open to comments");
	comment(OUTSIDER, solo, "from outside");
	r = e2e_request("POST", e2e_fmt("/activities/%s/comments", solo), e2e_manager(),
			"{\"actor\":{\"objectType\":\"person\",\"username\":\"" COMMENTER "\"},"
			"\"object\":{\"objectType\":\"comment\",\"content\":\"by proxy\"}}");
	E2E_STATUS(r, 201);
	E2E_STR_EQ(e2e_str(e2e_get(r->json, "actor"), "username"), COMMENTER);
	E2E_STR_EQ(e2e_str(r->json, "creator"), e2e_manager());
	e2e_free(r);
	r = e2e_request("POST", "/activities/000000000000000000000000/comments", AUTHOR,
			comment_body("x"));
	E2E_STATUS(r, 404);
	e2e_free(r);
}

static void test_delete_comment(void)
{
	const char *url = "http://cm.test/delete";
	mkctx(url, CLOSED, NULL);
	subscribe(url, AUTHOR);
	subscribe(url, COMMENTER);
	subscribe(url, DELETER);
	const char *id = post(AUTHOR, url, "comments to delete");
	const char *c1 = comment(COMMENTER, id, "first");
	const char *c2 = comment(COMMENTER, id, "second");
	const char *c3 = comment(COMMENTER, id, "third");
	const char *c4 = comment(COMMENTER, id, "fourth");
	/* a member without delete, the context's owner: 403 */
	struct e2e_resp *r =
		e2e_request("DELETE", e2e_fmt("/activities/%s/comments/%s", id, c4), DELETER, NULL);
	forbidden(r, DELETER, "Delete a activity comment");
	e2e_free(r);
	r = e2e_request("DELETE", e2e_fmt("/activities/%s/comments/%s", id, c4), OWNER, NULL);
	forbidden(r, OWNER, "Delete a activity comment");
	e2e_free(r);
	/* the comment's author, the post's owner, Sub:delete, a Manager */
	E2E_SEND(204, "DELETE", e2e_fmt("/activities/%s/comments/%s", id, c4), COMMENTER, NULL);
	E2E_SEND(204, "DELETE", e2e_fmt("/activities/%s/comments/%s", id, c3), AUTHOR, NULL);
	E2E_SEND(201, "PUT", e2e_fmt("/contexts/%s/permissions/%s/delete", hash_of(url), DELETER),
		 e2e_manager(), NULL);
	E2E_SEND(204, "DELETE", e2e_fmt("/activities/%s/comments/%s", id, c2), DELETER, NULL);
	/* lastComment goes back to the last remaining comment, then the post */
	E2E_STR_EQ(e2e_db_text("SELECT IFNULL(last_comment, id) FROM activities WHERE id = '%s'",
			       id),
		   c1);
	E2E_SEND(204, "DELETE", e2e_fmt("/activities/%s/comments/%s", id, c1), e2e_manager(), NULL);
	E2E_STR_EQ(e2e_db_text("SELECT IFNULL(last_comment, id) FROM activities WHERE id = '%s'",
			       id),
		   id);
	/* Unlike the original: an unknown comment is 404 */
	r = e2e_request("DELETE", e2e_fmt("/activities/%s/comments/%s", id, c1), e2e_manager(),
			NULL);
	E2E_EXPECT(r, 404, "ObjectNotFound",
		   e2e_fmt("Activity %s has no comment with id %s", id, c1));
	e2e_free(r);
	r = e2e_request("DELETE", e2e_fmt("/activities/%s/comments/nonsense", id), e2e_manager(),
			NULL);
	E2E_STATUS(r, 404);
	e2e_free(r);
	/* the comment activities stay (#24 #28 #29 list them) */
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM activities WHERE id IN "
				 "('%s','%s','%s','%s')",
				 c1, c2, c3, c4),
		   4);
	r = e2e_request("GET", e2e_fmt("/activities/%s", id), AUTHOR, NULL);
	E2E_INT_EQ(e2e_len(e2e_get(r->json, "replies")), 0);
	e2e_free(r);
}

static void test_comment_listings(void)
{
	const char *url = "http://cm.test/listings";
	const char *lister = "cm.lister";
	e2e_person(lister, "Lister");
	mkctx(url, CLOSED, NULL);
	subscribe(url, lister);
	subscribe(url, AUTHOR);
	post(lister, url, "first post");
	const char *p2 = post(lister, url, "Second activity");
	const char *c1 = comment(lister, p2, "[C] Testejant un comentari nou a una activitat");
	const char *c2 = comment(AUTHOR, p2, "una altra cosa");
	const char *solo = post(lister, NULL, "no context");
	const char *c3 = comment(lister, solo, "on the timeline post");
	/* #24 (Managers), newest first, full; the keyword filter on the
	 * comment's own keywords */
	struct e2e_resp *r =
		e2e_request("GET", "/activities/comments?keyword=comentari&actor=cm.lister",
			    e2e_manager(), NULL);
	E2E_STATUS(r, 200);
	E2E_INT_EQ(e2e_len(r->json), 1);
	json_object *first = json_object_array_get_idx(r->json, 0);
	E2E_STR_EQ(e2e_str(first, "id"), c1);
	E2E_STR_EQ(e2e_str(json_object_array_get_idx(e2e_get(e2e_get(first, "object"), "inReplyTo"),
						     0),
			   "id"),
		   p2);
	CU_ASSERT(e2e_get(first, "keywords") != NULL && e2e_get(first, "deletable") != NULL);
	e2e_free(r);
	r = e2e_request("GET", "/activities/comments", lister, NULL);
	forbidden(r, lister, "View activity comments");
	e2e_free(r);
	/* HEAD answers as GET (api.md 1.10) */
	r = e2e_request("HEAD", "/activities/comments", lister, NULL);
	E2E_STATUS(r, 403);
	CU_ASSERT_PTR_NULL(e2e_header(r, "X-totalItems"));
	e2e_free(r);
	r = e2e_request("HEAD", "/activities/comments", e2e_manager(), NULL);
	E2E_STR_EQ(e2e_header(r, "X-totalItems"),
		   e2e_fmt("%lld",
			   e2e_db_scalar(
				   "SELECT count(*) FROM activities WHERE verb = 'comment'")));
	e2e_free(r);
	/* #28: his own, lean, no deletable/favorited/favorites */
	r = e2e_request("GET", "/people/cm.lister/comments", lister, NULL);
	E2E_STATUS(r, 200);
	E2E_INT_EQ(e2e_len(r->json), 2);
	first = json_object_array_get_idx(r->json, 0);
	E2E_STR_EQ(e2e_str(first, "id"), c3);
	E2E_STR_EQ(e2e_keys(first), "actor,favoritesCount,generator,id,lastComment,liked,likes,"
				    "likesCount,object,objectType,published,replies,verb");
	e2e_free(r);
	r = e2e_request("GET", "/people/cm.lister/comments", AUTHOR, NULL);
	forbidden(r, AUTHOR, "View activity comments");
	e2e_free(r);
	r = e2e_request("HEAD", "/people/cm.lister/comments", AUTHOR, NULL);
	E2E_STATUS(r, 403);
	CU_ASSERT_PTR_NULL(e2e_header(r, "X-totalItems"));
	e2e_free(r);
	r = e2e_request("HEAD", "/people/cm.lister/comments", lister, NULL);
	E2E_STR_EQ(e2e_header(r, "X-totalItems"), "2");
	e2e_free(r);
	/* #29: comments on the context's posts; members with read */
	r = e2e_request("GET", e2e_fmt("/contexts/%s/comments", hash_of(url)), AUTHOR, NULL);
	E2E_STATUS(r, 200);
	E2E_INT_EQ(e2e_len(r->json), 2);
	E2E_STR_EQ(e2e_str(json_object_array_get_idx(r->json, 0), "id"), c2);
	E2E_STR_EQ(e2e_str(json_object_array_get_idx(r->json, 1), "id"), c1);
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/contexts/%s/comments?actor=cm.author", hash_of(url)),
			e2e_manager(), NULL);
	E2E_INT_EQ(e2e_len(r->json), 1);
	e2e_free(r);
	/* HEAD answers as GET: no count for those who may not list them */
	r = e2e_request("HEAD", e2e_fmt("/contexts/%s/comments", hash_of(url)), OUTSIDER, NULL);
	E2E_STATUS(r, 403);
	CU_ASSERT(e2e_header(r, "X-totalItems") == NULL);
	e2e_free(r);
	r = e2e_request("HEAD", e2e_fmt("/contexts/%s/comments", hash_of(url)), AUTHOR, NULL);
	E2E_STR_EQ(e2e_header(r, "X-totalItems"), "2");
	e2e_free(r);
	/* the context's owner alone may not (endpoints.md) */
	r = e2e_request("GET", e2e_fmt("/contexts/%s/comments", hash_of(url)), OWNER, NULL);
	forbidden(r, OWNER, "View activity comments");
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/contexts/%s/comments?limit=1&before=%s", hash_of(url), c2),
			AUTHOR, NULL);
	E2E_INT_EQ(e2e_len(r->json), 1);
	E2E_STR_EQ(e2e_str(json_object_array_get_idx(r->json, 0), "id"), c1);
	e2e_free(r);
}

E2E_SUITE(comments, init, NULL)
{
	E2E_TEST(s, test_add_comment);
	E2E_TEST(s, test_comment_rules);
	E2E_TEST(s, test_delete_comment);
	E2E_TEST(s, test_comment_listings);
}
