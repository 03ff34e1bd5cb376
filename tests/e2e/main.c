/*
 * main.c — runs every end-to-end suite registered by E2E_SUITE (e2e.h)
 * against the servers scripts/e2e.sh started; `tests/e2e NAME…` runs only
 * the named suites. Exit status is non-zero when any test or suite set-up
 * fails, or when nothing ran.
 */
#include "e2e.h"

#include <CUnit/Basic.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SUITES 64

static struct {
	const char *name;
	CU_InitializeFunc init;
	CU_CleanupFunc cleanup;
	e2e_suite_fn add;
} suites[MAX_SUITES];
static int nsuites;

void e2e_register(const char *name, CU_InitializeFunc init, CU_CleanupFunc cleanup,
		  e2e_suite_fn add_tests)
{
	if (nsuites < MAX_SUITES)
		suites[nsuites++] = (__typeof__(suites[0])){name, init, cleanup, add_tests};
}

static int wanted(int argc, char **argv, const char *name)
{
	if (argc < 2)
		return 1;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	if (!getenv("MAX_TEST_URL") || !getenv("MAX_TEST_INI") || !getenv("MAX_TEST_BUILD")) {
		fprintf(stderr, "e2e: run me through scripts/e2e.sh (make e2e)\n");
		return 2;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return 2;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	for (int i = 0; i < nsuites; i++) {
		if (!wanted(argc, argv, suites[i].name))
			continue;
		CU_pSuite s = CU_add_suite(suites[i].name, suites[i].init, suites[i].cleanup);
		suites[i].add(s);
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	CU_basic_show_failures(CU_get_failure_list());
	unsigned failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
	unsigned run = CU_get_number_of_tests_run();
	printf("\n");
	CU_cleanup_registry();
	e2e_harness_cleanup();
	curl_global_cleanup();
	if (run == 0) {
		fprintf(stderr, "e2e: no test ran\n");
		return 1;
	}
	return failed ? 1 : 0;
}
