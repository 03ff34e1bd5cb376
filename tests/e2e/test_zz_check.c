/*
 * test_zz_check.c — `maxctl check` on the database every other suite has
 * just used (the name sorts last, and suites run in link order): after
 * thousands of API calls nothing is left dangling, by the quick check and
 * by --full; a planted orphan row or file is reported and fails the check.
 */
#include "e2e.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_check_after_everything(void)
{
	char *out = NULL;
	CU_ASSERT_EQUAL(e2e_maxctl(&out, NULL, "check"), 0);
	CU_ASSERT_PTR_NOT_NULL(out);
	if (out)
		CU_ASSERT_STRING_EQUAL(out, "ok\n");
	out = NULL;
	CU_ASSERT_EQUAL(e2e_maxctl(&out, NULL, "check", "--full"), 0);
	CU_ASSERT_PTR_NOT_NULL(out);
	if (out)
		CU_ASSERT_STRING_EQUAL(out, "ok\n");
}

static void test_check_reports_orphans(void)
{
	CU_ASSERT_EQUAL_FATAL(e2e_db_exec("INSERT INTO likes (activity_id, username, liked_at)"
					  " VALUES ('0123456789abcdef01234567', 'nobody', 'x')"),
			      0);
	char *out = NULL;
	CU_ASSERT_EQUAL(e2e_maxctl(&out, NULL, "check"), 1);
	CU_ASSERT_PTR_NOT_NULL(out);
	if (out)
		CU_ASSERT_PTR_NOT_NULL(strstr(out, "orphans: 1 likes of missing activities"));
	CU_ASSERT_EQUAL(e2e_db_exec("DELETE FROM likes WHERE username = 'nobody'"), 0);
	CU_ASSERT_EQUAL(e2e_maxctl(NULL, NULL, "check"), 0);
}

/* A file in the media layout that no activity or message names: what a
 * crash between a commit and the file's rename would leave. */
static void test_check_reports_orphan_files(void)
{
	const char *var = getenv("MAX_TEST_VAR");
	CU_ASSERT_PTR_NOT_NULL_FATAL(var);
	const char *dirs[] = {"aa", "bb", "cc", "dd", "ee", "ff"};
	char path[1024];
	int n = snprintf(path, sizeof path, "%s/files", var);
	for (int i = 0; i < 6; i++) {
		n += snprintf(path + n, sizeof path - (size_t)n, "/%s", dirs[i]);
		mkdir(path, 0700);
	}
	snprintf(path + n, sizeof path - (size_t)n, "/0123456789ab");
	FILE *f = fopen(path, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("nobody's", f);
	fclose(f);
	char *out = NULL;
	CU_ASSERT_EQUAL(e2e_maxctl(&out, NULL, "check"), 1);
	CU_ASSERT_PTR_NOT_NULL(out);
	if (out)
		CU_ASSERT(strstr(out, "orphan file: ") && strstr(out, "/0123456789ab"));
	unlink(path);
	CU_ASSERT_EQUAL(e2e_maxctl(NULL, NULL, "check"), 0);
}

E2E_SUITE(zz_check, NULL, NULL)
{
	E2E_TEST(s, test_check_after_everything);
	E2E_TEST(s, test_check_reports_orphans);
	E2E_TEST(s, test_check_reports_orphan_files);
}
