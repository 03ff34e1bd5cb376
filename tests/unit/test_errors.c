/*
 * test_errors.c — a failure inside a handler: the request gets the
 * original's 500 body, the change is rolled back, and the report (with the
 * token masked) can be read back through #97/#98 and deleted with #99.
 * The suite breaks its own database, so it has a fixture of its own.
 */
#include "fixture.h"
#include "unit.h"

#include <sqlite3.h> /* to be moved behind store/ */

#include <string.h>

static void test_500_is_recorded(void)
{
	const char *token = fx_token("fxadmin");
	long long people = fx_scalar("SELECT count(*) FROM people");
	/* the outbox insert of POST /people fails after the person row was written */
	CU_ASSERT_EQUAL_FATAL(sqlite3_exec(fx.db.db, "DROP TABLE outbox", NULL, NULL, NULL),
			      SQLITE_OK);
	struct fx_resp r = fx_req("POST", "/people", "fxadmin", "{\"username\":\"doomed\"}",
				  "X-Virtual-Host-URI: https://max.example", NULL);
	CU_ASSERT_EQUAL(r.status, 500);
	CU_ASSERT_STRING_EQUAL(fx_error(&r), "ServerError");
	const char *desc = fx_str(&r, "error_description");
	CU_ASSERT_PTR_NOT_NULL(
		strstr(desc, "Your error has been logged at https://max.example/exceptions/"));
	char id[41] = "";
	const char *p = strstr(desc, "/exceptions/");
	if (p)
		snprintf(id, sizeof id, "%.40s", p + 12);
	fx_free(&r);
	/* rolled back: no half-written person */
	CU_ASSERT_EQUAL(fx_scalar("SELECT count(*) FROM people"), people);
	CU_ASSERT_EQUAL(fx_scalar("SELECT count(*) FROM exceptions"), 1);

	r = fx_req("GET", "/admin/maintenance/exceptions", "fxadmin", NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_EQUAL(json_object_array_length(r.json), 1);
	fx_free(&r);
	char path[96];
	snprintf(path, sizeof path, "/admin/maintenance/exceptions/%s", id);
	r = fx_req("GET", path, "fxadmin", NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	const char *req = fx_str(&r, "request");
	CU_ASSERT_PTR_NOT_NULL(strstr(req, "POST /people"));
	CU_ASSERT_PTR_NOT_NULL(strstr(req, "doomed"));
	CU_ASSERT_PTR_NULL(strstr(req, token)); /* never the token itself */
	CU_ASSERT_PTR_NOT_NULL(strstr(req, "x-oauth-token: ***"));
	CU_ASSERT(strlen(fx_str(&r, "traceback")) > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(fx_str(&r, "date"), "/"));
	fx_free(&r);
	r = fx_req("DELETE", path, "fxadmin", NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 204);
	fx_free(&r);
	r = fx_req("GET", path, "fxadmin", NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 404);
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "error_description"),
			       "There is no logged exception with this hash");
	fx_free(&r);
}

static void test_traceback_setting(void)
{
	config_set(&fx.cfg, "max", "include_traceback_in_500_errors", "true");
	struct fx_resp r = fx_req("POST", "/people", "fxadmin", "{\"username\":\"doomed2\"}", NULL);
	CU_ASSERT_EQUAL(r.status, 500);
	CU_ASSERT_PTR_NULL(strstr(fx_str(&r, "error_description"), "has been logged"));
	fx_free(&r);
	config_set(&fx.cfg, "max", "include_traceback_in_500_errors", "false");
}

UNIT_SUITE(errors, fx_init, fx_cleanup)
{
	UNIT_TEST(s, test_500_is_recorded);
	UNIT_TEST(s, test_traceback_setting);
}
