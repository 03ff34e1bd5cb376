/*
 * test_people.c — the people endpoints #1–#5 (endpoints.md Person api.md 4.1) and
 * user visibility (api.md 1.6), from a client's side: list and its filters,
 * create-or-get and self-registration, field visibility by caller, update
 * with "" removal, deletion; every rejected write leaves the rows as they
 * were.
 */
#include "e2e.h"

#include <string.h>

#define FULL_KEYS                                                                                  \
	"creator,displayName,following,id,last_login,objectType,owner,published,"                  \
	"subscribedTo,talkingIn,unsubscribedToPush,username"
#define PUBLIC_KEYS "displayName,objectType,published,username"
#define ITEM_KEYS "displayName,id,objectType,username"

static long long people_rows(void)
{
	return e2e_db_scalar("SELECT count(*) FROM people");
}

static const char *person_row(const char *u)
{
	return e2e_db_text("SELECT username || '|' || id || '|' || display_name || '|' || "
			   "ifnull(twitter_username, '-') || '|' || creator || '|' || published "
			   "FROM people WHERE username = '%s'",
			   u);
}

static int forbidden(const struct e2e_resp *r, const char *user, const char *perm)
{
	return E2E_EXPECT(r, 403, "Forbidden",
			  e2e_fmt("User \"%s\" has no permission \"%s\" here ", user, perm));
}

static int init(void)
{
	int ok = 1;
	/* the list fixtures: displayNames do not contain "lst" */
	ok &= e2e_person("lst.a1", "Primer Usuari");
	ok &= e2e_person("lst.a2", "Segon Usuari");
	ok &= e2e_person("lst.b1", "Tercer Usuari");
	ok &= e2e_person("lst.b2", "Jean Coupé");
	ok &= e2e_person("lst.c1", "Zoe Quintana");
	ok &= e2e_person("lstxa9", "Not A Regex Match");
	for (int i = 0; i < 12; i++)
		ok &= e2e_person(e2e_fmt("lot.%02d", i), NULL);
	ok &= e2e_person("pp.ana", "Ana Pérez");
	ok &= e2e_person("pp.bernat", "Bernat");
	return !ok;
}

/* ---- #1 GET /people --------------------------------------------------------- */

static struct e2e_resp *list(const char *user, const char *query)
{
	return e2e_request("GET", e2e_fmt("/people?%s", query), user, NULL);
}

static void test_list_basic(void)
{
	struct e2e_resp *r = list("pp.ana", "username=lst.");
	E2E_STATUS(r, 200);
	const char *ct = e2e_header(r, "Content-Type");
	CU_ASSERT(ct && !strncmp(ct, "application/json", 16));
	/* descending by username; "." is not a wildcard (lstxa9 is not listed) */
	E2E_STR_EQ(e2e_usernames(r->json), "lst.c1,lst.b2,lst.b1,lst.a2,lst.a1");
	json_object *first = json_object_array_get_idx(r->json, 0);
	E2E_STR_EQ(e2e_keys(first), ITEM_KEYS);
	CU_ASSERT(e2e_is_hex(e2e_str(first, "id"), 24));
	E2E_STR_EQ(e2e_str(first, "objectType"), "person");
	E2E_STR_EQ(e2e_str(first, "displayName"), "Zoe Quintana");
	E2E_STR_EQ(e2e_header(r, "X-Has-Remaining-Items"), NULL);
	e2e_free(r);
}

static void test_list_username_filter(void)
{
	struct e2e_resp *r = list("pp.ana", "username=LST.A");
	E2E_STR_EQ(e2e_usernames(r->json), "lst.a2,lst.a1");
	e2e_free(r);
	/* matches the displayName too, case-insensitively */
	r = list("pp.ana", "username=quintANA");
	E2E_STR_EQ(e2e_usernames(r->json), "lst.c1");
	e2e_free(r);
	/* accents are significant */
	r = list("pp.ana", e2e_fmt("username=%s", e2e_escape("coupé")));
	E2E_STR_EQ(e2e_usernames(r->json), "lst.b2");
	e2e_free(r);
	r = list("pp.ana", "username=Coupe");
	E2E_STR_EQ(e2e_usernames(r->json), "");
	e2e_free(r);
	/* a regex metacharacter is plain text */
	r = list("pp.ana", "username=lst.a");
	E2E_STR_EQ(e2e_usernames(r->json), "lst.a2,lst.a1");
	e2e_free(r);
	r = list("pp.ana", e2e_fmt("username=%s", e2e_escape("lst.*")));
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_usernames(r->json), "");
	e2e_free(r);
}

static void test_list_limit(void)
{
	struct e2e_resp *r = list("pp.ana", "username=lst.&limit=2");
	E2E_STR_EQ(e2e_usernames(r->json), "lst.c1,lst.b2");
	E2E_STR_EQ(e2e_header(r, "X-Has-Remaining-Items"), "1");
	e2e_free(r);
	/* exactly as many as there are: nothing remains */
	r = list("pp.ana", "username=lst.&limit=5");
	E2E_INT_EQ(e2e_len(r->json), 5);
	E2E_STR_EQ(e2e_header(r, "X-Has-Remaining-Items"), NULL);
	e2e_free(r);
	/* default page size 10 */
	r = list("pp.ana", "username=lot.");
	E2E_STR_EQ(e2e_usernames(r->json),
		   "lot.11,lot.10,lot.09,lot.08,lot.07,lot.06,lot.05,lot.04,lot.03,lot.02");
	E2E_STR_EQ(e2e_header(r, "X-Has-Remaining-Items"), "1");
	e2e_free(r);
	/* 0 = unlimited */
	r = list("pp.ana", "username=lot.&limit=0");
	E2E_INT_EQ(e2e_len(r->json), 12);
	E2E_STR_EQ(e2e_header(r, "X-Has-Remaining-Items"), NULL);
	e2e_free(r);
	/* bad values */
	const char *bad[] = {"limit=abc", "limit=-1", "limit=1.5", "limit="};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		r = list("pp.ana", bad[i]);
		if (!strcmp(bad[i], "limit=") && r->status == 200) {
			e2e_free(r); /* an empty value may count as absent */
			continue;
		}
		E2E_EXPECT(r, 400, "InvalidSearchParams", "limit must be a positive integer");
		e2e_free(r);
	}
}

static void test_list_max_users(void)
{
	struct e2e_resp *r = list("pp.ana", "username=lst.&max_users=1");
	E2E_STR_EQ(e2e_usernames(r->json), "lst.a1,lst.a2,lst.b1,lst.b2,lst.c1");
	e2e_free(r);
	/* no remaining-items detection */
	r = list("pp.ana", "username=lst.&max_users=1&limit=2");
	E2E_STR_EQ(e2e_usernames(r->json), "lst.a1,lst.a2");
	E2E_STR_EQ(e2e_header(r, "X-Has-Remaining-Items"), NULL);
	e2e_free(r);
	/* after/before take a username */
	r = list("pp.ana", "username=lst.&max_users=1&after=lst.b1");
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_usernames(r->json), "lst.b2,lst.c1");
	e2e_free(r);
	r = list("pp.ana", "username=lst.&max_users=1&before=lst.b1");
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_usernames(r->json), "lst.a1,lst.a2");
	e2e_free(r);
}

static void test_list_date_filter(void)
{
	/* every fixture was published today */
	struct e2e_resp *r = list("pp.ana", "username=lst.&date_filter=2000");
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_usernames(r->json), "");
	e2e_free(r);
	r = list("pp.ana", "username=lst.&date_filter=%2B2000-01-01");
	E2E_STR_EQ(e2e_usernames(r->json), "lst.c1,lst.b2,lst.b1,lst.a2,lst.a1");
	e2e_free(r);
	r = list("pp.ana", "username=lst.&date_filter=-2000-01");
	E2E_STR_EQ(e2e_usernames(r->json), "");
	e2e_free(r);
	/* unparsable: no filter */
	r = list("pp.ana", "username=lst.&date_filter=someday");
	E2E_STATUS(r, 200);
	E2E_INT_EQ(e2e_len(r->json), 5);
	e2e_free(r);
}

static void test_list_offsets(void)
{
	struct e2e_resp *r = list("pp.ana", "before=nothex");
	E2E_EXPECT(r, 400, "InvalidSearchParams",
		   "before must be a valid ObjectId BSON identifier");
	e2e_free(r);
	r = list("pp.ana", "after=123");
	E2E_EXPECT(r, 400, "InvalidSearchParams", "after must be a valid ObjectId BSON identifier");
	e2e_free(r);
	r = list("pp.ana", "before=000000000000000000000000&after=000000000000000000000000");
	E2E_EXPECT(r, 400, "InvalidSearchParams",
		   "only one offset filter is allowed, after or before");
	e2e_free(r);
}

static void test_list_twitter_enabled(void)
{
	struct e2e_resp *r =
		e2e_request("PUT", "/people/lst.a2", "lst.a2", "{\"twitterUsername\":\"LstA2tw\"}");
	E2E_STATUS(r, 200);
	e2e_free(r);
	r = list("pp.ana", "username=lst.&twitter_enabled=1");
	E2E_STR_EQ(e2e_usernames(r->json), "lst.a2");
	json_object *it = json_object_array_get_idx(r->json, 0);
	E2E_STR_EQ(e2e_str(it, "twitterUsername"), "lsta2tw");
	e2e_free(r);
	E2E_SEND(200, "PUT", "/people/lst.a2", "lst.a2", "{\"twitterUsername\":\"\"}");
	r = list("pp.ana", "username=lst.&twitter_enabled=1");
	E2E_STR_EQ(e2e_usernames(r->json), "");
	e2e_free(r);
}

static void test_list_unauthenticated(void)
{
	struct e2e_resp *r = e2e_request("GET", "/people", NULL, NULL);
	E2E_EXPECT(r, 401, "Unauthorized", "No auth headers found.");
	e2e_free(r);
}

/* ---- api.md 1.6 visibility --------------------------------------------------------- */

static void test_nonvisible(void)
{
	CU_ASSERT_FATAL(e2e_person("vis.shown", NULL) && e2e_person("vis.hidden", NULL) &&
			e2e_person("vis.viewer", NULL) && e2e_person("vis.ghostly", NULL));
	CU_ASSERT_FATAL(e2e_grant("vis.hidden", "NonVisible") &&
			e2e_grant("vis.ghostly", "NonVisible"));

	struct e2e_resp *r = list("vis.viewer", "username=vis.");
	E2E_STR_EQ(e2e_usernames(r->json), "vis.viewer,vis.shown");
	e2e_free(r);
	/* NonVisible users see everybody */
	r = list("vis.ghostly", "username=vis.");
	E2E_STR_EQ(e2e_usernames(r->json), "vis.viewer,vis.shown,vis.hidden,vis.ghostly");
	e2e_free(r);
	/* Managers are subject to it too */
	r = list(e2e_manager(), "username=vis.");
	E2E_STR_EQ(e2e_usernames(r->json), "vis.viewer,vis.shown");
	e2e_free(r);
	/* the filter runs after the limit: a short page, remaining items flagged */
	r = list("vis.viewer", "username=vis.&limit=3");
	E2E_STR_EQ(e2e_usernames(r->json), "vis.viewer,vis.shown");
	E2E_STR_EQ(e2e_header(r, "X-Has-Remaining-Items"), "1");
	e2e_free(r);
	/* the profile itself stays readable */
	E2E_SEND(200, "GET", "/people/vis.hidden", "vis.viewer", NULL);
	/* role changes take effect on the next request */
	CU_ASSERT_FATAL(e2e_revoke_role("vis.hidden", "NonVisible"));
	r = list("vis.viewer", "username=vis.");
	E2E_STR_EQ(e2e_usernames(r->json), "vis.viewer,vis.shown,vis.hidden");
	e2e_free(r);
}

/* ---- #2 POST /people ------------------------------------------------------------ */

static void test_create(void)
{
	const char *m = e2e_manager();
	long long n = people_rows();
	struct e2e_resp *r = e2e_request("POST", "/people", m, "{\"username\":\"pp.new\"}");
	E2E_STATUS(r, 201);
	E2E_STR_EQ(e2e_keys(r->json), FULL_KEYS);
	E2E_STR_EQ(e2e_str(r->json, "username"), "pp.new");
	E2E_STR_EQ(e2e_str(r->json, "displayName"), "pp.new");
	E2E_STR_EQ(e2e_str(r->json, "objectType"), "person");
	E2E_STR_EQ(e2e_str(r->json, "creator"), m);
	E2E_STR_EQ(e2e_str(r->json, "owner"), "pp.new");
	CU_ASSERT(e2e_is_hex(e2e_str(r->json, "id"), 24));
	CU_ASSERT(e2e_is_date(e2e_str(r->json, "published")));
	E2E_STR_EQ(e2e_str(r->json, "last_login"), e2e_str(r->json, "published"));
	E2E_INT_EQ(e2e_len(e2e_get(r->json, "following")), 0);
	E2E_INT_EQ(e2e_len(e2e_get(r->json, "subscribedTo")), 0);
	E2E_INT_EQ(e2e_len(e2e_get(r->json, "unsubscribedToPush")), 0);
	E2E_INT_EQ(e2e_len(e2e_get(r->json, "talkingIn")), 0);
	const char *ct = e2e_header(r, "Content-Type");
	CU_ASSERT(ct && !strncmp(ct, "application/json", 16));
	const char *id = e2e_fmt("%s", e2e_str(r->json, "id") ? e2e_str(r->json, "id") : "");
	e2e_free(r);
	E2E_INT_EQ(people_rows(), n + 1);
	E2E_STR_EQ(e2e_db_text("SELECT id FROM people WHERE username='pp.new'"), id);

	/* existing (case-insensitively) → 200, the stored user, nothing changed */
	const char *before = person_row("pp.new");
	r = e2e_request("POST", "/people", m,
			"{\"username\":\"PP.New\",\"displayName\":\"Other\"}");
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_str(r->json, "id"), id);
	E2E_STR_EQ(e2e_str(r->json, "displayName"), "pp.new");
	e2e_free(r);
	E2E_INT_EQ(people_rows(), n + 1);
	E2E_STR_EQ(person_row("pp.new"), before);
}

static void test_create_fields(void)
{
	const char *m = e2e_manager();
	struct e2e_resp *r =
		e2e_request("POST", "/people", m,
			    "{\"username\":\"PP.Upper\",\"displayName\":\"Upper Case\","
			    "\"twitterUsername\":\"  @Tw_User1 \"}");
	E2E_STATUS(r, 201);
	E2E_STR_EQ(e2e_str(r->json, "username"), "pp.upper");
	E2E_STR_EQ(e2e_str(r->json, "displayName"), "Upper Case");
	E2E_STR_EQ(e2e_str(r->json, "twitterUsername"), "tw_user1");
	e2e_free(r);
	E2E_STR_EQ(e2e_db_text("SELECT twitter_username FROM people WHERE username='pp.upper'"),
		   "tw_user1");
	/* 15 characters is the maximum */
	r = e2e_request("POST", "/people", m,
			"{\"username\":\"pp.tw15\",\"twitterUsername\":\"abcdefghijklmno\"}");
	E2E_STATUS(r, 201);
	E2E_STR_EQ(e2e_str(r->json, "twitterUsername"), "abcdefghijklmno");
	e2e_free(r);
	/* Unlike the original: only username, displayName and twitterUsername are taken */
	r = e2e_request("POST", "/people", m,
			"{\"username\":\"pp.extra\",\"published\":\"2000-01-01T00:00:00Z\","
			"\"id\":\"000000000000000000000000\",\"creator\":\"someone\","
			"\"subscribedTo\":[{\"hash\":\"x\"}],\"following\":[\"a\"]}");
	E2E_STATUS(r, 201);
	CU_ASSERT(strcmp(e2e_str(r->json, "published") ? e2e_str(r->json, "published") : "",
			 "2000-01-01T00:00:00Z") != 0);
	CU_ASSERT(strcmp(e2e_str(r->json, "id") ? e2e_str(r->json, "id") : "",
			 "000000000000000000000000") != 0);
	E2E_STR_EQ(e2e_str(r->json, "creator"), m);
	E2E_INT_EQ(e2e_len(e2e_get(r->json, "subscribedTo")), 0);
	E2E_INT_EQ(e2e_len(e2e_get(r->json, "following")), 0);
	e2e_free(r);
}

static void test_create_invalid(void)
{
	const char *m = e2e_manager();
	struct {
		const char *body, *description;
	} cases[] = {
		{"[]", "Unexpected data type in request"},
		{"\"pp.str\"", "Unexpected data type in request"},
		{"{}", "Missing username in request"},
		{"{\"displayName\":\"No Name\"}", "Missing username in request"},
		{"", "Missing username in request"},
		{"{\"username\":\"pp.badtw1\",\"twitterUsername\":\"@@x\"}", NULL},
		{"{\"username\":\"pp.badtw2\",\"twitterUsername\":\"a-b\"}", NULL},
		{"{\"username\":\"pp.badtw3\",\"twitterUsername\":\"abcdefghijklmnop\"}", NULL},
		{"{\"username\":\"pp.badtw4\",\"twitterUsername\":\"@\"}", NULL},
		{"{\"username\":\"pp.badtw5\",\"twitterUsername\":\"a b\"}", NULL},
	};
	const char *before =
		e2e_db_text("SELECT count(*) || ':' || group_concat(username) FROM people");
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct e2e_resp *r = e2e_request("POST", "/people", m, cases[i].body);
		if (E2E_EXPECT(r, 400, "ValidationError", cases[i].description) &&
		    !cases[i].description) {
			const char *d = e2e_str(r->json, "error_description");
			const char *want = "Validation error on field \"twitterUsername\"";
			CU_ASSERT(d && !strncmp(d, want, strlen(want)));
		}
		e2e_free(r);
	}
	/* username that is not a string */
	struct e2e_resp *r = e2e_request("POST", "/people", m, "{\"username\":42}");
	E2E_STATUS(r, 400);
	e2e_free(r);
	E2E_SEND(400, "POST", "/people", m, "{\"username\":\"\"}");
	E2E_STR_EQ(e2e_db_text("SELECT count(*) || ':' || group_concat(username) FROM people"),
		   before);
}

/* messaging.md 2.4: a new user's exchanges are declared through the outbox
 * (no bridge runs during e2e, so the rows stay) unless notifications=false;
 * an existing user's only with notifications=true. */
static long long declared(const char *u)
{
	return e2e_db_scalar("SELECT count(*) FROM outbox WHERE op = 'declare_user' AND "
			     "destination = '%s'",
			     u);
}

static void test_create_notifications(void)
{
	const char *m = e2e_manager();
	struct e2e_resp *r = e2e_request("POST", "/people", m, "{\"username\":\"pp.notif\"}");
	E2E_STATUS(r, 201);
	e2e_free(r);
	E2E_INT_EQ(declared("pp.notif"), 1);
	E2E_SEND(200, "POST", "/people", m, "{\"username\":\"pp.notif\"}");
	E2E_INT_EQ(declared("pp.notif"), 1);
	E2E_SEND(200, "POST", "/people?notifications=true", m, "{\"username\":\"pp.notif\"}");
	E2E_INT_EQ(declared("pp.notif"), 2);

	E2E_SEND(201, "POST", "/people?notifications=false", m, "{\"username\":\"pp.quiet\"}");
	E2E_INT_EQ(declared("pp.quiet"), 0);
	E2E_SEND(200, "POST", "/people", m, "{\"username\":\"pp.quiet\"}");
	E2E_INT_EQ(declared("pp.quiet"), 0);
	E2E_SEND(200, "POST", "/people?notifications=true", m, "{\"username\":\"pp.quiet\"}");
	E2E_INT_EQ(declared("pp.quiet"), 1);
}

static void test_self_registration(void)
{
	long long n = people_rows();
	struct e2e_resp *r =
		e2e_request("POST", "/people", "pp.selfreg",
			    "{\"username\":\"pp.selfreg\",\"displayName\":\"Self Made\"}");
	E2E_STATUS(r, 201);
	/* a self-registering user does not see id, creator, owner, last_login */
	const char *hidden[] = {"id", "creator", "owner", "last_login"};
	for (size_t i = 0; i < 4; i++)
		CU_ASSERT_PTR_NULL(e2e_get(r->json, hidden[i]));
	E2E_STR_EQ(e2e_str(r->json, "username"), "pp.selfreg");
	E2E_STR_EQ(e2e_str(r->json, "displayName"), "Self Made");
	E2E_STR_EQ(e2e_str(r->json, "objectType"), "person");
	CU_ASSERT(e2e_is_date(e2e_str(r->json, "published")));
	e2e_free(r);
	E2E_INT_EQ(people_rows(), n + 1);
	E2E_STR_EQ(e2e_db_text("SELECT creator FROM people WHERE username='pp.selfreg'"),
		   "pp.selfreg");

	/* nobody else may be created by a non-Manager */
	r = e2e_request("POST", "/people", "pp.selfreg", "{\"username\":\"pp.victim\"}");
	forbidden(r, "pp.selfreg", "Add people");
	e2e_free(r);
	r = e2e_request("POST", "/people", "pp.notyet", "{\"username\":\"pp.victim\"}");
	forbidden(r, "pp.notyet", "Add people");
	e2e_free(r);
	E2E_INT_EQ(people_rows(), n + 1);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM people WHERE username='pp.victim'"), 0);

	r = e2e_request("POST", "/people", NULL, "{\"username\":\"pp.anon\"}");
	E2E_EXPECT(r, 401, "Unauthorized", "No auth headers found.");
	e2e_free(r);
	E2E_INT_EQ(people_rows(), n + 1);
}

/* ---- #3 GET /people/{u} ----------------------------------------------------------- */

static void test_read_visibility(void)
{
	/* the user himself and a Manager see everything */
	struct e2e_resp *r = e2e_request("GET", "/people/pp.ana", "pp.ana", NULL);
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_keys(r->json), FULL_KEYS);
	E2E_STR_EQ(e2e_str(r->json, "displayName"), "Ana Pérez");
	E2E_STR_EQ(e2e_str(r->json, "owner"), "pp.ana");
	E2E_STR_EQ(e2e_str(r->json, "creator"), e2e_manager());
	E2E_STR_EQ(e2e_str(r->json, "id"),
		   e2e_db_text("SELECT id FROM people WHERE username='pp.ana'"));
	e2e_free(r);
	r = e2e_request("GET", "/people/pp.ana", e2e_manager(), NULL);
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_keys(r->json), FULL_KEYS);
	e2e_free(r);
	/* anybody else: exactly the public fields */
	r = e2e_request("GET", "/people/pp.ana", "pp.bernat", NULL);
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_keys(r->json), PUBLIC_KEYS);
	E2E_STR_EQ(e2e_str(r->json, "username"), "pp.ana");
	E2E_STR_EQ(e2e_str(r->json, "objectType"), "person");
	CU_ASSERT(e2e_is_date(e2e_str(r->json, "published")));
	e2e_free(r);
	/* twitterUsername is public when set */
	r = e2e_request("GET", "/people/pp.upper", "pp.bernat", NULL);
	E2E_STR_EQ(e2e_keys(r->json), "displayName,objectType,published,twitterUsername,username");
	e2e_free(r);
}

static void test_read_names(void)
{
	struct e2e_resp *r = e2e_request("GET", "/people/PP.Ana", "pp.bernat", NULL);
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_str(r->json, "username"), "pp.ana");
	e2e_free(r);
	r = e2e_request("GET", "/people/pp%2Eana", "pp.bernat", NULL);
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_str(r->json, "username"), "pp.ana");
	e2e_free(r);
	r = e2e_request("GET", "/people/pp.nobody", "pp.bernat", NULL);
	E2E_EXPECT(r, 400, "UnknownUserError", "Unknown actor identified by: pp.nobody");
	e2e_free(r);
	r = e2e_request("GET", "/people/pp.ana", NULL, NULL);
	E2E_EXPECT(r, 401, "Unauthorized", "No auth headers found.");
	e2e_free(r);
}

/* ---- #4 PUT /people/{u} ------------------------------------------------------------ */

static void test_update_self(void)
{
	CU_ASSERT_FATAL(e2e_person("pp.upd", "Before"));
	struct e2e_resp *r =
		e2e_request("PUT", "/people/pp.upd", "pp.upd",
			    "{\"displayName\":\"After Update\",\"twitterUsername\":\"@UpdTw\"}");
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_str(r->json, "displayName"), "After Update");
	E2E_STR_EQ(e2e_str(r->json, "twitterUsername"), "updtw");
	E2E_STR_EQ(e2e_str(r->json, "username"), "pp.upd");
	CU_ASSERT(e2e_is_hex(e2e_str(r->json, "id"), 24)); /* the user sees his private fields */
	e2e_free(r);
	E2E_STR_EQ(e2e_db_text("SELECT display_name || '|' || twitter_username FROM people "
			       "WHERE username='pp.upd'"),
		   "After Update|updtw");

	/* null, unknown fields, the own username and an empty body change nothing */
	const char *before = person_row("pp.upd");
	const char *noop[] = {"{\"displayName\":null,\"twitterUsername\":null}", "{\"foo\":1}",
			      "{\"username\":\"pp.upd\"}", "{}", ""};
	for (size_t i = 0; i < sizeof noop / sizeof *noop; i++) {
		r = e2e_request("PUT", "/people/pp.upd", "pp.upd", noop[i]);
		E2E_STATUS(r, 200);
		E2E_STR_EQ(e2e_str(r->json, "username"), "pp.upd");
		E2E_STR_EQ(e2e_str(r->json, "displayName"), "After Update");
		e2e_free(r);
	}
	E2E_STR_EQ(person_row("pp.upd"), before);
	/* a body username names the acting user (api.md 1.4): unknown → 400, no rename */
	r = e2e_request("PUT", "/people/pp.upd", "pp.upd", "{\"username\":\"pp.renamed\"}");
	E2E_EXPECT(r, 400, "UnknownUserError", "Unknown actor identified by: pp.renamed");
	e2e_free(r);
	/* … an existing one: whatever the answer, nobody is renamed or changed */
	const char *bernat = person_row("pp.bernat");
	r = e2e_request("PUT", "/people/pp.upd", "pp.upd",
			"{\"username\":\"pp.bernat\",\"displayName\":\"Imposter\"}");
	long st = r->status;
	CU_ASSERT(st == 200 || st == 403);
	e2e_free(r);
	E2E_STR_EQ(person_row("pp.bernat"), bernat);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM people WHERE username IN "
				 "('pp.upd', 'pp.renamed', 'pp.bernat')"),
		   2);
	E2E_STR_EQ(e2e_db_text("SELECT display_name FROM people WHERE username='pp.upd'"),
		   st == 200 ? "Imposter" : "After Update");
	E2E_SEND(200, "PUT", "/people/pp.upd", "pp.upd", "{\"displayName\":\"After Update\"}");
	E2E_STR_EQ(person_row("pp.upd"), before);

	/* "" removes the field */
	r = e2e_request("PUT", "/people/pp.upd", "pp.upd", "{\"twitterUsername\":\"\"}");
	E2E_STATUS(r, 200);
	CU_ASSERT_PTR_NULL(e2e_get(r->json, "twitterUsername"));
	E2E_STR_EQ(e2e_str(r->json, "displayName"), "After Update");
	e2e_free(r);
	E2E_INT_EQ(e2e_db_scalar("SELECT twitter_username IS NULL FROM people "
				 "WHERE username='pp.upd'"),
		   1);
	r = e2e_request("GET", "/people/pp.upd", "pp.bernat", NULL);
	E2E_STR_EQ(e2e_keys(r->json), PUBLIC_KEYS);
	e2e_free(r);
}

static void test_update_others(void)
{
	CU_ASSERT_FATAL(e2e_person("pp.target", "Target"));
	const char *before = person_row("pp.target");
	struct e2e_resp *r = e2e_request("PUT", "/people/pp.target", "pp.bernat",
					 "{\"displayName\":\"Hacked\"}");
	forbidden(r, "pp.bernat", "Modify user profile");
	e2e_free(r);
	E2E_STR_EQ(person_row("pp.target"), before);

	/* a Manager may */
	r = e2e_request("PUT", "/people/pp.target", e2e_manager(), "{\"displayName\":\"Managed\"}");
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_str(r->json, "displayName"), "Managed");
	e2e_free(r);
	E2E_STR_EQ(e2e_db_text("SELECT display_name FROM people WHERE username='pp.target'"),
		   "Managed");

	r = e2e_request("PUT", "/people/pp.nobody", e2e_manager(), "{\"displayName\":\"X\"}");
	E2E_EXPECT(r, 400, "UnknownUserError", "Unknown actor identified by: pp.nobody");
	e2e_free(r);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM people WHERE username='pp.nobody'"), 0);
}

static void test_update_invalid(void)
{
	CU_ASSERT_FATAL(e2e_person("pp.badupd", "Bad Update"));
	const char *before = person_row("pp.badupd");
	const char *bad[] = {"@@x", "a-b", "abcdefghijklmnop", "a b", "@"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct e2e_resp *r = e2e_request("PUT", "/people/pp.badupd", "pp.badupd",
						 e2e_fmt("{\"displayName\":\"Changed\","
							 "\"twitterUsername\":\"%s\"}",
							 bad[i]));
		if (E2E_EXPECT(r, 400, "ValidationError", NULL)) {
			const char *d = e2e_str(r->json, "error_description");
			const char *want = "Validation error on field \"twitterUsername\"";
			CU_ASSERT(d && !strncmp(d, want, strlen(want)));
		}
		e2e_free(r);
	}
	E2E_STR_EQ(person_row("pp.badupd"), before);
}

/* ---- #5 DELETE /people/{u} ---------------------------------------------------------- */

static void test_delete(void)
{
	const char *m = e2e_manager();
	CU_ASSERT_FATAL(e2e_person("pp.gone", NULL) && e2e_person("pp.stay", NULL));
	/* give pp.gone a token: deleting the user deletes his tokens */
	e2e_token("pp.gone");
	CU_ASSERT(e2e_db_scalar("SELECT count(*) FROM oauth_tokens WHERE username='pp.gone'") > 0);
	long long n = people_rows();

	/* the user himself may not, nor anybody else but a Manager */
	struct e2e_resp *r = e2e_request("DELETE", "/people/pp.stay", "pp.stay", NULL);
	forbidden(r, "pp.stay", "Delete user");
	e2e_free(r);
	r = e2e_request("DELETE", "/people/pp.stay", "pp.bernat", NULL);
	forbidden(r, "pp.bernat", "Delete user");
	e2e_free(r);
	E2E_INT_EQ(people_rows(), n);

	r = e2e_request("DELETE", "/people/pp.gone", m, NULL);
	E2E_STATUS(r, 204);
	E2E_INT_EQ(r->body_len, 0);
	e2e_free(r);
	E2E_INT_EQ(people_rows(), n - 1);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM people WHERE username='pp.gone'"), 0);
	E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM oauth_tokens WHERE username='pp.gone'"), 0);
	e2e_forget_token("pp.gone");

	r = e2e_request("GET", "/people/pp.gone", "pp.bernat", NULL);
	E2E_EXPECT(r, 400, "UnknownUserError", "Unknown actor identified by: pp.gone");
	e2e_free(r);
	r = e2e_request("DELETE", "/people/pp.gone", m, NULL);
	E2E_EXPECT(r, 400, "UnknownUserError", "Unknown actor identified by: pp.gone");
	e2e_free(r);
	E2E_INT_EQ(people_rows(), n - 1);
}

E2E_SUITE(people, init, NULL)
{
	E2E_TEST(s, test_list_basic);
	E2E_TEST(s, test_list_username_filter);
	E2E_TEST(s, test_list_limit);
	E2E_TEST(s, test_list_max_users);
	E2E_TEST(s, test_list_date_filter);
	E2E_TEST(s, test_list_offsets);
	E2E_TEST(s, test_list_twitter_enabled);
	E2E_TEST(s, test_list_unauthenticated);
	E2E_TEST(s, test_nonvisible);
	E2E_TEST(s, test_create);
	E2E_TEST(s, test_create_fields);
	E2E_TEST(s, test_create_invalid);
	E2E_TEST(s, test_create_notifications);
	E2E_TEST(s, test_self_registration);
	E2E_TEST(s, test_read_visibility);
	E2E_TEST(s, test_read_names);
	E2E_TEST(s, test_update_self);
	E2E_TEST(s, test_update_others);
	E2E_TEST(s, test_update_invalid);
	E2E_TEST(s, test_delete);
}
