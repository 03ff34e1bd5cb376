/*
 * test_timeline.c — the stream reads (api.md 7, 1.10, 1.11; endpoints.md):
 * #11 timeline contents and visibility, ordering and the sort strategies
 * with pagination across ties, every filter (hashtag, keyword, actor,
 * favorites, context_tags, date_filter, q), the paging edges and the
 * parameter errors; #12 and #17 authors; #15 context posts with
 * sub-contexts and its 403; HEAD counts.
 */
#include "e2e.h"
#include "stream_helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define READER "tl.reader"
#define WRITER "tl.writer"
#define OTHER "tl.other"

#define CLOSED SH_CLOSED
#define READ_PUBLIC SH_READ_PUBLIC
#define hash_of sh_hash
#define subscribe sh_subscribe
#define post_body sh_post

static int mkctx(const char *url, const char *perms, const char *tags)
{
	return sh_context(url, perms, e2e_fmt(",\"tags\":%s", tags ? tags : "[]"));
}

static const char *post(const char *user, const char *url, const char *content)
{
	return sh_post(user, url, sh_note(content));
}

/* The ids of a listing, comma-joined ("" when empty). */
static const char *ids(const char *path, const char *user)
{
	struct e2e_resp *r = e2e_request("GET", path, user, NULL);
	E2E_STATUS(r, 200);
	char out[8192] = "";
	for (int i = 0; i < e2e_len(r->json); i++)
		snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s", i ? "," : "",
			 e2e_str(json_object_array_get_idx(r->json, i), "id"));
	e2e_free(r);
	return e2e_fmt("%s", out);
}

static const char *join(const char *const *v, int n)
{
	char out[8192] = "";
	for (int i = 0; i < n; i++)
		snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s", i ? "," : "", v[i]);
	return e2e_fmt("%s", out);
}

static const char *head_total(const char *path, const char *user)
{
	struct e2e_resp *r = e2e_request("HEAD", path, user, NULL);
	E2E_STATUS(r, 200);
	const char *v = e2e_header(r, "X-totalItems");
	const char *out = v ? e2e_fmt("%s", v) : NULL;
	e2e_free(r);
	return out;
}

static int init(void)
{
	return !(e2e_person(READER, "Timeline Reader") && e2e_person(WRITER, "Timeline Writer") &&
		 e2e_person(OTHER, "Timeline Other"));
}

/* ---- #11 contents ------------------------------------------------------------------- */

static void test_timeline_contents(void)
{
	const char *in = "http://tl.test/in", *out = "http://tl.test/out",
		   *revoked = "http://tl.test/revoked";
	E2E_STR_EQ(ids("/people/" READER "/timeline", READER), "");
	mkctx(in, CLOSED, NULL);
	mkctx(out, CLOSED, NULL);
	mkctx(revoked, CLOSED, NULL);
	subscribe(in, READER);
	subscribe(in, WRITER);
	subscribe(out, WRITER);
	subscribe(out, READER);
	subscribe(revoked, READER);
	subscribe(revoked, WRITER);
	const char *own = post(READER, NULL, "own contextless");
	const char *a = post(WRITER, in, "in a context he reads");
	post(WRITER, NULL, "somebody else's contextless");
	const char *b = post(WRITER, out, "in a context he will leave");
	const char *own_out = post(READER, out, "his own, in the context he will leave");
	const char *c = post(WRITER, revoked, "in a context he may no longer read");
	const char *all[] = {c, own_out, b, a, own};
	E2E_STR_EQ(ids("/people/" READER "/timeline", READER), join(all, 5));
	/* leaving a context takes its posts out, but not his own; losing read
	 * too (contexts the reader may no longer read) */
	E2E_SEND(204, "DELETE", e2e_fmt("/contexts/%s/subscriptions/%s", hash_of(out), READER),
		 e2e_manager(), NULL);
	E2E_SEND(201, "DELETE",
		 e2e_fmt("/contexts/%s/permissions/%s/read", hash_of(revoked), READER),
		 e2e_manager(), NULL);
	const char *now[] = {own_out, a, own};
	E2E_STR_EQ(ids("/people/" READER "/timeline", READER), join(now, 3));
	/* lean, with the acting user's flags */
	struct e2e_resp *r =
		e2e_request("GET", "/people/" READER "/timeline?limit=1", READER, NULL);
	json_object *first = json_object_array_get_idx(r->json, 0);
	CU_ASSERT(e2e_get(first, "keywords") == NULL && e2e_get(first, "creator") == NULL);
	E2E_INT_EQ(e2e_bool(first, "deletable"), 1);
	e2e_free(r);
	/* HEAD: 200 without a count */
	E2E_STR_EQ(head_total("/people/" READER "/timeline", READER), NULL);
	/* a Manager reads anybody's timeline, the others nobody's */
	E2E_STR_EQ(ids("/people/" READER "/timeline", e2e_manager()), join(now, 3));
	r = e2e_request("GET", "/people/" READER "/timeline", OTHER, NULL);
	E2E_EXPECT(r, 403, "Forbidden",
		   "User \"" OTHER "\" has no permission \"View user timeline activities\" here ");
	e2e_free(r);
}

/* ---- paging and parameters ----------------------------------------------------------- */

static void test_paging(void)
{
	const char *u = "tl.pager";
	e2e_person(u, NULL);
	const char *v[7];
	for (int i = 0; i < 7; i++)
		v[6 - i] = post(u, NULL, e2e_fmt("page %d", i));
	const char *base = "/people/tl.pager/timeline";
	E2E_STR_EQ(ids(e2e_fmt("%s?limit=3", base), u), join(v, 3));
	E2E_STR_EQ(ids(e2e_fmt("%s?limit=3&before=%s", base, v[2]), u), join(v + 3, 3));
	E2E_STR_EQ(ids(e2e_fmt("%s?limit=3&before=%s", base, v[5]), u), v[6]);
	E2E_STR_EQ(ids(e2e_fmt("%s?limit=3&before=%s", base, v[6]), u), "");
	/* an exact page, then an empty one */
	E2E_STR_EQ(ids(e2e_fmt("%s?limit=7", base), u), join(v, 7));
	E2E_STR_EQ(ids(e2e_fmt("%s?limit=7&before=%s", base, v[6]), u), "");
	/* after: the newest items above it */
	E2E_STR_EQ(ids(e2e_fmt("%s?limit=2&after=%s", base, v[3]), u), join(v, 2));
	E2E_STR_EQ(ids(e2e_fmt("%s?after=%s", base, v[3]), u), join(v, 3));
	/* `before` an id that is no item: a bound all the same */
	E2E_STR_EQ(ids(e2e_fmt("%s?before=ffffffffffffffffffffffff&limit=2", base), u), join(v, 2));
	E2E_STR_EQ(ids(e2e_fmt("%s?before=000000000000000000000000", base), u), "");
	/* limit=0 is all of them; the default is 10 */
	E2E_STR_EQ(ids(e2e_fmt("%s?limit=0", base), u), join(v, 7));
	static const struct {
		const char *query, *text;
	} bad[] = {
		{"limit=a", "limit must be a positive integer"},
		{"limit=-1", "limit must be a positive integer"},
		{"before=0", "before must be a valid ObjectId BSON identifier"},
		{"after=xyz", "after must be a valid ObjectId BSON identifier"},
		{"before=000000000000000000000000&after=000000000000000000000000",
		 "only one offset filter is allowed, after or before"},
		{"sort=random", "sort must be one of published, likes, flagged"},
		{"sort=published&priority=random", "priority must be one of activity, comments"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct e2e_resp *r =
			e2e_request("GET", e2e_fmt("%s?%s", base, bad[i].query), u, NULL);
		E2E_EXPECT(r, 400, "InvalidSearchParams", bad[i].text);
		e2e_free(r);
	}
	/* sortBy: known values map, others are ignored */
	E2E_STR_EQ(ids(e2e_fmt("%s?limit=2&sortBy=activities", base), u), join(v, 2));
	E2E_STR_EQ(ids(e2e_fmt("%s?limit=2&sortBy=whatever", base), u), join(v, 2));
}

/* api.md 7.2 published/comments: the original's test_timeline_order_sorted_by_last_comment… */
static void test_sort_by_last_comment(void)
{
	const char *u = "tl.commenter";
	e2e_person(u, NULL);
	const char *a[7];
	for (int i = 0; i < 7; i++)
		a[i] = post(u, NULL, e2e_fmt("commented %d", i));
	struct e2e_resp *r =
		e2e_request("POST", e2e_fmt("/activities/%s/comments", a[0]), u,
			    "{\"object\":{\"objectType\":\"comment\",\"content\":\"bump\"}}");
	E2E_STATUS(r, 201);
	const char *cid = e2e_fmt("%s", e2e_str(r->json, "id"));
	e2e_free(r);
	const char *base = "/people/tl.commenter/timeline?sort=published&priority=comments&limit=5";
	const char *p1[] = {a[0], a[6], a[5], a[4], a[3]}, *p2[] = {a[2], a[1]};
	E2E_STR_EQ(ids(base, u), join(p1, 5));
	E2E_STR_EQ(ids(e2e_fmt("%s&before=%s", base, a[3]), u), join(p2, 2));
	E2E_STR_EQ(ids("/people/tl.commenter/timeline?sortBy=comments&limit=5", u), join(p1, 5));
	/* by activity, the comment changes nothing */
	const char *byid[] = {a[6], a[5], a[4]};
	E2E_STR_EQ(ids("/people/tl.commenter/timeline?sort=published&limit=3", u), join(byid, 3));
	/* the comment deleted: back in place */
	E2E_SEND(204, "DELETE", e2e_fmt("/activities/%s/comments/%s", a[0], cid), u, NULL);
	const char *q2[] = {a[2], a[1], a[0]};
	E2E_STR_EQ(ids(e2e_fmt("%s&before=%s", base, a[3]), u), join(q2, 3));
}

static void like(const char *id, const char *user)
{
	E2E_SEND(201, "POST", e2e_fmt("/activities/%s/likes", id), user, NULL);
}

/* api.md 7.2 likes, pages across equal counts (the original's
 * test_timeline_by_likes_paginated_same_likes_span) */
static void test_sort_by_likes(void)
{
	const char *url = "http://tl.test/likes";
	mkctx(url, CLOSED, NULL);
	const char *users[10];
	const char *a[10];
	for (int i = 0; i < 10; i++) {
		users[i] = e2e_fmt("tl.liker%d", i);
		e2e_person(users[i], NULL);
		subscribe(url, users[i]);
		a[i] = post(users[i], url, e2e_fmt("likeable %d", i));
	}
	for (int u = 0; u < 5; u++)
		like(a[0], users[u]);
	for (int u = 0; u < 4; u++)
		like(a[1], users[u]);
	for (int i = 2; i <= 6; i++)
		for (int u = 0; u < 3; u++)
			like(a[i], users[u]);
	like(a[7], users[0]);
	like(a[7], users[1]);
	like(a[8], users[0]);
	const char *t = "/people/tl.liker0/timeline?sort=likes&limit=3";
	const char *p1[] = {a[0], a[1], a[6]}, *p2[] = {a[5], a[4], a[3]},
		   *p3[] = {a[2], a[7], a[8]};
	E2E_STR_EQ(ids(t, users[0]), join(p1, 3));
	E2E_STR_EQ(ids(e2e_fmt("%s&before=%s", t, a[6]), users[0]), join(p2, 3));
	E2E_STR_EQ(ids(e2e_fmt("%s&before=%s", t, a[3]), users[0]), join(p3, 3));
	E2E_STR_EQ(ids(e2e_fmt("%s&before=%s", t, a[8]), users[0]), a[9]);
	/* likesCount shown; the unknown continuation item is a 404 */
	struct e2e_resp *r = e2e_request("GET", t, users[0], NULL);
	E2E_INT_EQ(json_object_get_int(
			   e2e_get(json_object_array_get_idx(r->json, 0), "likesCount")),
		   5);
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("%s&before=ffffffffffffffffffffffff", t), users[0], NULL);
	E2E_EXPECT(r, 404, "ObjectNotFound",
		   "Object with _id ffffffffffffffffffffffff not found inside activity");
	e2e_free(r);
	/* likes/comments: ties by lastComment */
	E2E_SEND(201, "POST", e2e_fmt("/activities/%s/comments", a[4]), users[4],
		 "{\"object\":{\"objectType\":\"comment\",\"content\":\"up\"}}");
	const char *pc[] = {a[0], a[1], a[4], a[6]};
	E2E_STR_EQ(ids("/people/tl.liker0/timeline?sort=likes&priority=comments&limit=4", users[0]),
		   join(pc, 4));
	/* the context listing sorts the same way; HEAD counts after `before` */
	E2E_STR_EQ(ids(e2e_fmt("/contexts/%s/activities?sort=likes&limit=3", hash_of(url)),
		       users[0]),
		   join(p1, 3));
	E2E_STR_EQ(head_total(e2e_fmt("/contexts/%s/activities?sort=likes&before=%s", hash_of(url),
				      a[3]),
			      users[0]),
		   "4");
	r = e2e_request("GET", e2e_fmt("%s&after=%s", t, a[3]), users[0], NULL);
	E2E_STATUS(r, 400);
	e2e_free(r);
}

/* api.md 7.2 flagged (the original's test_flagged_sorting_2) */
static void test_sort_flagged(void)
{
	const char *url = "http://tl.test/flagged";
	const char *u = "tl.flagger";
	e2e_person(u, NULL);
	mkctx(url, CLOSED, NULL);
	subscribe(url, u);
	E2E_SEND(201, "PUT", e2e_fmt("/contexts/%s/permissions/%s/flag", hash_of(url), u),
		 e2e_manager(), NULL);
	const char *a[6];
	for (int i = 0; i < 6; i++)
		a[i] = post(u, url, e2e_fmt("flaggable %d", i));
	const int order[] = {0, 3, 1, 5, 4, 2};
	for (int i = 0; i < 6; i++)
		E2E_SEND(201, "POST", e2e_fmt("/activities/%s/flag", a[order[i]]), u, NULL);
	const char *t = "/people/tl.flagger/timeline?sort=flagged&limit=3";
	const char *p1[] = {a[2], a[4], a[5]}, *p2[] = {a[1], a[3], a[0]};
	E2E_STR_EQ(ids(t, u), join(p1, 3));
	E2E_STR_EQ(ids(e2e_fmt("%s&before=%s", t, a[5]), u), join(p2, 3));
	E2E_SEND(204, "DELETE", e2e_fmt("/activities/%s/flag", a[1]), u, NULL);
	E2E_SEND(201, "POST", e2e_fmt("/activities/%s/flag", a[1]), u, NULL);
	const char *q1[] = {a[1], a[2], a[4]}, *q2[] = {a[5], a[3], a[0]};
	E2E_STR_EQ(ids(t, u), join(q1, 3));
	E2E_STR_EQ(ids(e2e_fmt("%s&before=%s", t, a[4]), u), join(q2, 3));
	/* unflagged goes with the never flagged, by id */
	E2E_SEND(204, "DELETE", e2e_fmt("/activities/%s/flag", a[5]), u, NULL);
	const char *r1[] = {a[1], a[2], a[4], a[3], a[0], a[5]};
	E2E_STR_EQ(ids("/people/tl.flagger/timeline?sort=flagged", u), join(r1, 6));
}

/* ---- filters -------------------------------------------------------------------------- */

static void test_filters(void)
{
	const char *u = "tl.filter", *w = "tl.filter.writer";
	const char *url = "http://tl.test/filters", *tagged = "http://tl.test/filters/tagged";
	e2e_person(u, "Filter Reader");
	e2e_person(w, "Filter Writer");
	mkctx(url, CLOSED, "[\"Assignatura\"]");
	mkctx(tagged, CLOSED, "[\"Assignatura\",\"Community\"]");
	subscribe(url, u);
	subscribe(url, w);
	subscribe(tagged, u);
	subscribe(tagged, w);
	const char *a = post(w, url, "Primer #Hola amb Testejant");
	const char *b = post(u, url, "Segon #hola #adeu");
	const char *c = post(w, tagged, "Tercer sense etiquetes, testejant creació");
	const char *d = post_body(u, NULL,
				  "{\"object\":{\"objectType\":\"note\",\"content\":\"antic\"},"
				  "\"published\":\"2014-03-10T10:00:00Z\"}");
	const char *t = "/people/tl.filter/timeline";
	const char *hola[] = {b, a};
	E2E_STR_EQ(ids(e2e_fmt("%s?hashtag=HOLA", t), u), join(hola, 2));
	E2E_STR_EQ(ids(e2e_fmt("%s?hashtag=hola&hashtag=adeu", t), u), b);
	E2E_STR_EQ(ids(e2e_fmt("%s?hashtag=nothing", t), u), "");
	/* keywords: content words, lower-cased, all of them */
	const char *testejant[] = {c, a};
	E2E_STR_EQ(ids(e2e_fmt("%s?keyword=Testejant", t), u), join(testejant, 2));
	E2E_STR_EQ(ids(e2e_fmt("%s?keyword=testejant&keyword=creaci%%C3%%B3", t), u), c);
	/* and the author's name */
	const char *by_writer[] = {c, a};
	E2E_STR_EQ(ids(e2e_fmt("%s?keyword=writer", t), u), join(by_writer, 2));
	/* actor, lower-cased and right-trimmed */
	E2E_STR_EQ(ids(e2e_fmt("%s?actor=TL.FILTER.WRITER%%20", t), u), join(by_writer, 2));
	/* context tags, trimmed, empties dropped */
	E2E_STR_EQ(ids(e2e_fmt("%s?context_tags=%%20Community%%20&context_tags=", t), u), c);
	const char *asg[] = {c, b, a};
	E2E_STR_EQ(ids(e2e_fmt("%s?context_tags=Assignatura", t), u), join(asg, 3));
	/* date_filter */
	E2E_STR_EQ(ids(e2e_fmt("%s?date_filter=2014-03", t), u), d);
	E2E_STR_EQ(ids(e2e_fmt("%s?date_filter=-2015", t), u), d);
	E2E_STR_EQ(ids(e2e_fmt("%s?date_filter=%%2B2014&limit=1", t), u), c);
	E2E_STR_EQ(ids(e2e_fmt("%s?date_filter=2013", t), u), "");
	/* favorites: those the acting user favourited */
	E2E_SEND(201, "POST", e2e_fmt("/activities/%s/favorites", a), u, NULL);
	E2E_SEND(201, "POST", e2e_fmt("/activities/%s/favorites", c), u, NULL);
	E2E_SEND(201, "POST", e2e_fmt("/activities/%s/favorites", b), w, NULL);
	const char *favs[] = {c, a};
	E2E_STR_EQ(ids(e2e_fmt("%s?favorites=true", t), u), join(favs, 2));
	/* q: full text, diacritics folded, several words, prefix */
	E2E_STR_EQ(ids(e2e_fmt("%s?q=creacio", t), u), c);
	E2E_STR_EQ(ids(e2e_fmt("%s?q=segon+adeu", t), u), b);
	E2E_STR_EQ(ids(e2e_fmt("%s?q=terc*", t), u), c);
	/* filters combine */
	E2E_STR_EQ(ids(e2e_fmt("%s?hashtag=hola&actor=%s", t, w), u), a);
	/* the same filters on the context listing, with HEAD counts */
	E2E_STR_EQ(ids(e2e_fmt("/contexts/%s/activities?hashtag=hola", hash_of(url)), u),
		   join(hola, 2));
	E2E_STR_EQ(head_total(e2e_fmt("/contexts/%s/activities?hashtag=hola", hash_of(url)), u),
		   "2");
	E2E_STR_EQ(head_total(e2e_fmt("/contexts/%s/activities?keyword=testejant", hash_of(url)),
			      u),
		   "2");
}

/* ---- #15 #17 ------------------------------------------------------------------------- */

static void test_context_listing(void)
{
	/* the original's test_get_activities_from_recursive_contexts */
	const char *parent = "http://tl.test/rec", *ca = "http://tl.test/rec/a",
		   *cb = "http://tl.test/rec/b", *sib = "http://tl.test/recx";
	const char *messi = "tl.messi", *xavi = "tl.xavi";
	e2e_person(messi, NULL);
	e2e_person(xavi, NULL);
	mkctx(parent, READ_PUBLIC, NULL);
	mkctx(ca, CLOSED, "[\"Assignatura\"]");
	mkctx(cb, CLOSED, NULL);
	mkctx(sib, CLOSED, NULL);
	subscribe(ca, messi);
	subscribe(ca, xavi);
	subscribe(cb, xavi);
	subscribe(sib, xavi);
	const char *p1 = post(messi, ca, "a by messi");
	const char *p2 = post(xavi, ca, "a by xavi");
	const char *p3 = post(xavi, cb, "b by xavi");
	const char *p4 = post(xavi, sib, "plain prefix: recx starts with rec");
	const char *m[] = {p2, p1}, *x[] = {p4, p3, p2, p1};
	E2E_STR_EQ(ids(e2e_fmt("/contexts/%s/activities", hash_of(parent)), messi), join(m, 2));
	/* the prefix rule is plain (endpoints.md): http://tl.test/recx is "under" it */
	E2E_STR_EQ(ids(e2e_fmt("/contexts/%s/activities", hash_of(parent)), xavi), join(x, 4));
	E2E_STR_EQ(ids(e2e_fmt("/contexts/%s/activities", hash_of(parent)), e2e_manager()),
		   join(x, 4));
	E2E_STR_EQ(head_total(e2e_fmt("/contexts/%s/activities", hash_of(parent)), xavi), "4");
	E2E_STR_EQ(ids(e2e_fmt("/contexts/%s/activities?context_tags=Assignatura", hash_of(parent)),
		       xavi),
		   join(x + 2, 2));
	E2E_STR_EQ(ids(e2e_fmt("/contexts/%s/activities", hash_of(ca)), messi), join(m, 2));
	/* a parent he may not read: 403, even if he reads a child */
	struct e2e_resp *r =
		e2e_request("GET", e2e_fmt("/contexts/%s/activities", hash_of(cb)), messi, NULL);
	E2E_EXPECT(r, 403, "Forbidden",
		   "User \"tl.messi\" has no permission \"View activities\" here ");
	e2e_free(r);
	r = e2e_request("GET", "/contexts/0123456789012345678901234567890123456789/activities",
			messi, NULL);
	E2E_STATUS(r, 404);
	e2e_free(r);

	/* #17: exactly this context, newest first, distinct, persons only */
	E2E_SEND(201, "POST", e2e_fmt("/contexts/%s/activities", hash_of(ca)), e2e_manager(),
		 e2e_fmt("{\"actor\":{\"objectType\":\"context\",\"url\":\"%s\"},"
			 "\"object\":{\"objectType\":\"note\",\"content\":\"as the context\"}}",
			 ca));
	r = e2e_request("GET", e2e_fmt("/contexts/%s/activities/authors", hash_of(ca)), messi,
			NULL);
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_usernames(r->json), "tl.xavi,tl.messi");
	E2E_STR_EQ(e2e_keys(json_object_array_get_idx(r->json, 0)),
		   "displayName,objectType,username");
	e2e_free(r);
	E2E_STR_EQ(head_total(e2e_fmt("/contexts/%s/activities/authors", hash_of(ca)), messi), "2");
	r = e2e_request("GET", e2e_fmt("/contexts/%s/activities/authors?limit=1", hash_of(ca)),
			messi, NULL);
	E2E_STR_EQ(e2e_usernames(r->json), "tl.xavi");
	e2e_free(r);
	r = e2e_request("GET", e2e_fmt("/contexts/%s/activities/authors", hash_of(cb)), messi,
			NULL);
	E2E_STATUS(r, 403);
	e2e_free(r);
}

static void test_timeline_authors(void)
{
	const char *u = "tl.authors";
	e2e_person(u, NULL);
	const char *url = "http://tl.test/authors";
	mkctx(url, CLOSED, NULL);
	subscribe(url, u);
	const char *names[10];
	for (int i = 0; i < 10; i++) {
		names[i] = e2e_fmt("tl.author%d", i);
		e2e_person(names[i], NULL);
		subscribe(url, names[i]);
	}
	/* authors 0..9 post in turn, then 3 again */
	for (int i = 0; i < 10; i++)
		post(names[i], url, e2e_fmt("author post %d", i));
	post(names[3], url, "again");
	struct e2e_resp *r = e2e_request("GET", "/people/tl.authors/timeline/authors", u, NULL);
	E2E_STATUS(r, 200);
	/* default limit 8, newest first, distinct */
	E2E_STR_EQ(e2e_usernames(r->json), "tl.author3,tl.author9,tl.author8,tl.author7,"
					   "tl.author6,tl.author5,tl.author4,tl.author2");
	e2e_free(r);
	/* a deleted user is skipped */
	E2E_SEND(204, "DELETE", "/people/tl.author9", e2e_manager(), NULL);
	r = e2e_request("GET", "/people/tl.authors/timeline/authors?limit=3", u, NULL);
	E2E_STR_EQ(e2e_usernames(r->json), "tl.author3,tl.author8,tl.author7");
	e2e_free(r);
	E2E_STR_EQ(head_total("/people/tl.authors/timeline/authors?limit=20", u), "9");
	/* a NonVisible author is hidden from readers who may not see him, and
	 * shown to a NonVisible reader (api.md 1.6) */
	E2E_SEND(201, "POST", "/admin/security/roles/NonVisible/users/tl.author3", e2e_manager(),
		 NULL);
	r = e2e_request("GET", "/people/tl.authors/timeline/authors?limit=3", u, NULL);
	E2E_STR_EQ(e2e_usernames(r->json), "tl.author8,tl.author7,tl.author6");
	e2e_free(r);
	E2E_SEND(201, "POST", "/admin/security/roles/NonVisible/users/tl.authors", e2e_manager(),
		 NULL);
	r = e2e_request("GET", "/people/tl.authors/timeline/authors?limit=3", u, NULL);
	E2E_STR_EQ(e2e_usernames(r->json), "tl.author3,tl.author8,tl.author7");
	e2e_free(r);
	E2E_SEND(204, "DELETE", "/admin/security/roles/NonVisible/users/tl.authors", e2e_manager(),
		 NULL);
	E2E_SEND(204, "DELETE", "/admin/security/roles/NonVisible/users/tl.author3", e2e_manager(),
		 NULL);
	r = e2e_request("GET", "/people/tl.authors/timeline/authors", OTHER, NULL);
	E2E_STATUS(r, 403);
	e2e_free(r);
}

E2E_SUITE(timeline, init, NULL)
{
	E2E_TEST(s, test_timeline_contents);
	E2E_TEST(s, test_paging);
	E2E_TEST(s, test_sort_by_last_comment);
	E2E_TEST(s, test_sort_by_likes);
	E2E_TEST(s, test_sort_flagged);
	E2E_TEST(s, test_filters);
	E2E_TEST(s, test_context_listing);
	E2E_TEST(s, test_timeline_authors);
}
