/*
 * main.c — runs every CUnit suite registered by UNIT_SUITE (unit.h).
 * Exit status is non-zero when any test fails.
 */
#include "unit.h"

#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

#define MAX_SUITES 64

static struct {
	const char *name;
	CU_InitializeFunc init;
	CU_CleanupFunc cleanup;
	unit_suite_fn add;
} suites[MAX_SUITES];
static int nsuites;

void unit_register(const char *name, CU_InitializeFunc init, CU_CleanupFunc cleanup,
		   unit_suite_fn add_tests)
{
	if (nsuites < MAX_SUITES)
		suites[nsuites++] = (__typeof__(suites[0])){name, init, cleanup, add_tests};
}

int main(int argc, char **argv)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	for (int i = 0; i < nsuites; i++) {
		if (argc > 1 && strcmp(argv[1], suites[i].name))
			continue;
		CU_pSuite s = CU_add_suite(suites[i].name, suites[i].init, suites[i].cleanup);
		suites[i].add(s);
	}
	CU_basic_set_mode(CU_BRM_NORMAL);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
	unsigned run = CU_get_number_of_tests_run();
	CU_cleanup_registry();
	if (run == 0) {
		fprintf(stderr, "unit: no test ran\n");
		return 1;
	}
	return failed ? 1 : 0;
}
