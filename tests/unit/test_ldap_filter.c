/*
 * test_ldap_filter.c — RFC 4515 escaping of the values MAX puts into LDAP
 * filters (core/ldap/filter.c): user input never changes a filter's shape.
 */
#include "unit.h"

#include "ldap/filter.h"

#include <string.h>

static void test_escape(void)
{
	char out[64];
	CU_ASSERT_EQUAL(ldapc_escape_filter("alice", out, sizeof out), 0);
	CU_ASSERT_STRING_EQUAL(out, "alice");
	CU_ASSERT_EQUAL(ldapc_escape_filter("admin*", out, sizeof out), 0);
	CU_ASSERT_STRING_EQUAL(out, "admin\\2a");
	CU_ASSERT_EQUAL(ldapc_escape_filter("x)(cn=*", out, sizeof out), 0);
	CU_ASSERT_STRING_EQUAL(out, "x\\29\\28cn=\\2a");
	CU_ASSERT_EQUAL(ldapc_escape_filter("a\\00b", out, sizeof out), 0);
	CU_ASSERT_STRING_EQUAL(out, "a\\5c00b");
	CU_ASSERT_EQUAL(ldapc_escape_filter("tab\there\x7f", out, sizeof out), 0);
	CU_ASSERT_STRING_EQUAL(out, "tab\\09here\\7f");
	/* UTF-8 passes through (RFC 4515 allows it in values) */
	CU_ASSERT_EQUAL(ldapc_escape_filter("j\xc3\xb2rdi", out, sizeof out), 0);
	CU_ASSERT_STRING_EQUAL(out, "j\xc3\xb2rdi");
	CU_ASSERT_EQUAL(ldapc_escape_filter("", out, sizeof out), 0);
	CU_ASSERT_STRING_EQUAL(out, "");
}

static void test_escape_bounds(void)
{
	char out[8];
	CU_ASSERT_EQUAL(ldapc_escape_filter("1234567", out, sizeof out), 0);
	CU_ASSERT_EQUAL(ldapc_escape_filter("12345678", out, sizeof out), -1);
	CU_ASSERT_STRING_EQUAL(out, "");
	/* an escape is never cut in half */
	CU_ASSERT_EQUAL(ldapc_escape_filter("12345*", out, sizeof out), -1);
	CU_ASSERT_EQUAL(ldapc_escape_filter("1234*", out, sizeof out), 0);
	CU_ASSERT_STRING_EQUAL(out, "1234\\2a");
	CU_ASSERT_EQUAL(ldapc_escape_filter("x", out, 0), -1);
}

static void test_match_filter(void)
{
	char out[256];
	CU_ASSERT_EQUAL(ldapc_match_filter("(objectClass=inetOrgPerson)", "cn", "alice", out,
					   sizeof out),
			0);
	CU_ASSERT_STRING_EQUAL(out, "(&(objectClass=inetOrgPerson)(cn=alice))");
	CU_ASSERT_EQUAL(ldapc_match_filter("objectClass=person", "uid", "*", out, sizeof out), 0);
	CU_ASSERT_STRING_EQUAL(out, "(&(objectClass=person)(uid=\\2a))");
	CU_ASSERT_EQUAL(ldapc_match_filter("", "mail", "a@b.c", out, sizeof out), 0);
	CU_ASSERT_STRING_EQUAL(out, "(mail=a@b.c)");
	/* the attribute comes from max.ini, but is still checked */
	CU_ASSERT_EQUAL(ldapc_match_filter("", "cn=*)(x", "a", out, sizeof out), -1);
	CU_ASSERT_EQUAL(ldapc_match_filter("", "", "a", out, sizeof out), -1);
	CU_ASSERT(ldapc_attr_ok("sAMAccountName"));
	CU_ASSERT(ldapc_attr_ok("cn;lang-en"));
	CU_ASSERT(!ldapc_attr_ok("c n"));
	/* too small an output */
	CU_ASSERT_EQUAL(ldapc_match_filter("(objectClass=x)", "cn", "alice", out, 10), -1);
}

UNIT_SUITE(ldap_filter, NULL, NULL)
{
	UNIT_TEST(s, test_escape);
	UNIT_TEST(s, test_escape_bounds);
	UNIT_TEST(s, test_match_filter);
}
