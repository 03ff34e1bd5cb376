/*
 * unit.h — CUnit suites register themselves: each tests/unit/test_*.c
 * file defines its suite with UNIT_SUITE(name, init, cleanup) { tests }.
 * main.c runs every registered suite; `tests/unit NAME` runs one.
 */
#ifndef MAX_UNIT_H
#define MAX_UNIT_H

#include <CUnit/CUnit.h>

typedef void (*unit_suite_fn)(CU_pSuite s);
void unit_register(const char *name, CU_InitializeFunc init, CU_CleanupFunc cleanup,
		   unit_suite_fn add_tests);

#define UNIT_SUITE(name, init, cleanup)                                                            \
	static void name##_tests(CU_pSuite s);                                                     \
	__attribute__((constructor)) static void name##_register(void)                             \
	{                                                                                          \
		unit_register(#name, init, cleanup, name##_tests);                                 \
	}                                                                                          \
	static void name##_tests(CU_pSuite s)

#define UNIT_TEST(s, fn) CU_add_test(s, #fn, fn)

#endif
