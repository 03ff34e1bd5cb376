/*
 * test_perm.c — the permission computation of api.md 6 as a table:
 * four context types × seven grant histories, every cell asserted twice —
 * the effective list (names and order, api.md 4.3) and the nine actions of api.md 6.4
 * for a subscribed plain user acting as himself — plus the other kinds of
 * caller (not subscribed, owner, Manager, someone else's subscription) and
 * the policy fallbacks of api.md 6.2.
 */
#include "model/perm.h"
#include "unit.h"

#include <stdio.h>
#include <string.h>

/* The context types clients build from permission dicts (api.md 4.2: there are
 * no named types). */
enum { OPEN, CLOSED, INSTITUTIONAL, DEFAULTS, NTYPES };
static const char *const types[NTYPES] = {
	/* open community: anyone reads, joins, writes */
	"{\"read\":\"public\",\"write\":\"public\",\"subscribe\":\"public\",\"invite\":"
	"\"subscribed\"}",
	/* closed community: members read and write, only the owner adds them */
	"{\"read\":\"subscribed\",\"write\":\"subscribed\",\"subscribe\":\"restricted\","
	"\"invite\":\"restricted\"}",
	/* institutional: public reading, writing only by grant, members flag
	 * and may leave */
	"{\"read\":\"public\",\"write\":\"restricted\",\"subscribe\":\"restricted\","
	"\"unsubscribe\":\"subscribed\",\"flag\":\"subscribed\"}",
	/* POST /contexts without permissions (endpoints.md) */
	"{\"read\":\"restricted\",\"write\":\"restricted\",\"subscribe\":\"restricted\","
	"\"invite\":\"restricted\"}",
};

/* Grant histories applied to a fresh subscription. */
enum {
	NONE,
	GRANT_WRITE,
	REVOKE_READ,
	GRANT_DELETE_ONCE,
	BOTH_THEN_POLICY,
	ONCE_THEN_POLICY,
	GRANT_THEN_RESET,
	NHIST
};

static void apply(int hist, json_object *policy, struct perm_state *st)
{
	memset(st, 0, sizeof *st);
	perm_policy_list(policy, &st->perms);
	switch (hist) {
	case GRANT_WRITE:
		perm_grant(st, PERM_WRITE, 1);
		break;
	case REVOKE_READ:
		perm_revoke(st, PERM_READ, 1);
		break;
	case GRANT_DELETE_ONCE:
		perm_grant(st, PERM_DELETE, 0);
		break;
	case BOTH_THEN_POLICY: /* permanent grant and veto survive a policy change */
		perm_grant(st, PERM_WRITE, 1);
		perm_revoke(st, PERM_READ, 1);
		perm_recompute(st, policy);
		break;
	case ONCE_THEN_POLICY: /* a non-permanent grant does not */
		perm_grant(st, PERM_DELETE, 0);
		perm_recompute(st, policy);
		break;
	case GRANT_THEN_RESET:
		perm_grant(st, PERM_WRITE, 1);
		perm_revoke(st, PERM_INVITE, 1);
		perm_reset(st, policy);
		break;
	}
}

/* Effective lists, comma-joined, per type × history. */
static const char *const lists[NTYPES][NHIST] = {
	[OPEN] = {"invite,read,write,subscribe,unsubscribe",
		  "invite,read,write,subscribe,unsubscribe", "invite,write,subscribe,unsubscribe",
		  "invite,read,write,subscribe,unsubscribe,delete",
		  "invite,write,subscribe,unsubscribe", "invite,read,write,subscribe,unsubscribe",
		  "invite,read,write,subscribe,unsubscribe"},
	[CLOSED] = {"read,write", "read,write", "write", "read,write,delete", "write", "read,write",
		    "read,write"},
	[INSTITUTIONAL] = {"read,flag,unsubscribe", "read,flag,unsubscribe,write",
			   "flag,unsubscribe", "read,flag,unsubscribe,delete",
			   "flag,unsubscribe,write", "read,flag,unsubscribe",
			   "read,flag,unsubscribe"},
	[DEFAULTS] = {"", "write", "", "delete", "write", "", ""},
};

/* Actions in enum perm_action order (VIEW LIST_POSTS POST SUBSCRIBE
 * UNSUBSCRIBE MANAGE DELETE_POSTS FLAG LIST_COMMENTS), '1' = allowed, for a
 * subscribed plain user acting as himself. */
static const char *const member_actions[NTYPES][NHIST] = {
	[OPEN] = {"111110001", "111110001", "111110000", "111110101", "111110000", "111110001",
		  "111110001"},
	[CLOSED] = {"111000001", "111000001", "101000000", "111000101", "101000000", "111000001",
		    "111000001"},
	[INSTITUTIONAL] = {"110010011", "111010011", "110010010", "110010111", "111010010",
			   "110010011", "110010011"},
	[DEFAULTS] = {"100000000", "101000000", "100000000", "100000100", "101000000", "100000000",
		      "100000000"},
};

static void join(const struct perm_list *l, char *out, size_t len)
{
	out[0] = 0;
	for (unsigned i = 0; i < l->n; i++)
		snprintf(out + strlen(out), len - strlen(out), "%s%s", i ? "," : "",
			 perm_names[l->p[i]]);
}

static void actions(json_object *policy, const struct perm_subject *s, char out[PA_COUNT + 1])
{
	for (int a = 0; a < PA_COUNT; a++)
		out[a] = perm_allows(policy, s, (enum perm_action)a) ? '1' : '0';
	out[PA_COUNT] = 0;
}

static void test_table(void)
{
	for (int t = 0; t < NTYPES; t++) {
		json_object *policy = json_tokener_parse(types[t]);
		for (int h = 0; h < NHIST; h++) {
			struct perm_state st;
			char got[128], acts[PA_COUNT + 1];
			apply(h, policy, &st);
			join(&st.perms, got, sizeof got);
			if (strcmp(got, lists[t][h]))
				fprintf(stderr, "\n  type %d history %d: list %s, want %s", t, h,
					got, lists[t][h]);
			CU_ASSERT_STRING_EQUAL(got, lists[t][h]);
			struct perm_subject member = {.self = 1,
						      .subscribed = 1,
						      .mask = perm_list_mask(&st.perms)};
			actions(policy, &member, acts);
			if (strcmp(acts, member_actions[t][h]))
				fprintf(stderr, "\n  type %d history %d: actions %s, want %s", t, h,
					acts, member_actions[t][h]);
			CU_ASSERT_STRING_EQUAL(acts, member_actions[t][h]);
		}
		json_object_put(policy);
	}
}

/* Callers other than a member acting as himself, per context type. */
static void test_other_callers(void)
{
	static const char *const outsider[NTYPES] = {"110100000", "100000000", "110000000",
						     "100000000"};
	for (int t = 0; t < NTYPES; t++) {
		json_object *policy = json_tokener_parse(types[t]);
		char acts[PA_COUNT + 1];
		struct perm_subject s = {.self = 1};
		actions(policy, &s, acts); /* authenticated, not subscribed */
		CU_ASSERT_STRING_EQUAL(acts, outsider[t]);
		s = (struct perm_subject){.self = 1, .owner = 1};
		actions(policy, &s, acts); /* owner: manages, no posting rights (api.md 6.4) */
		CU_ASSERT_STRING_EQUAL(acts, "110111000");
		s = (struct perm_subject){.manager = 1};
		actions(policy, &s, acts); /* Manager, even impersonating */
		CU_ASSERT_STRING_EQUAL(acts, "111111111");
		/* acting for somebody else with every permission: no Self rules */
		s = (struct perm_subject){.subscribed = 1, .mask = 0xff};
		actions(policy, &s, acts);
		CU_ASSERT_STRING_EQUAL(acts, "110000111");
		/* a revoked read still lists posts of a read-public context */
		s = (struct perm_subject){.self = 1, .subscribed = 1, .mask = 0};
		CU_ASSERT_EQUAL(perm_allows(policy, &s, PA_LIST_POSTS),
				t == OPEN || t == INSTITUTIONAL);
		json_object_put(policy);
	}
}

static void test_grants_and_vetos_state(void)
{
	json_object *policy = json_tokener_parse(types[CLOSED]);
	struct perm_state st;
	apply(NONE, policy, &st);
	CU_ASSERT_FALSE(st.has_gv);
	perm_grant(&st, PERM_KICK, 1);
	perm_grant(&st, PERM_INVITE, 1);
	CU_ASSERT(st.has_gv);
	char got[128];
	join(&st.grants, got, sizeof got);
	CU_ASSERT_STRING_EQUAL(got, "kick,invite"); /* in grant order */
	join(&st.perms, got, sizeof got);
	CU_ASSERT_STRING_EQUAL(got, "read,write,kick,invite");
	/* a revoke drops the grant; a later grant drops the veto */
	perm_revoke(&st, PERM_KICK, 1);
	join(&st.grants, got, sizeof got);
	CU_ASSERT_STRING_EQUAL(got, "invite");
	join(&st.vetos, got, sizeof got);
	CU_ASSERT_STRING_EQUAL(got, "kick");
	perm_grant(&st, PERM_KICK, 0);
	join(&st.vetos, got, sizeof got);
	CU_ASSERT_STRING_EQUAL(got, "");
	join(&st.grants, got, sizeof got);
	CU_ASSERT_STRING_EQUAL(got, "invite");
	/* non-permanent revoke of a granted permission: gone from both */
	perm_revoke(&st, PERM_INVITE, 0);
	join(&st.grants, got, sizeof got);
	CU_ASSERT_STRING_EQUAL(got, "");
	join(&st.vetos, got, sizeof got);
	CU_ASSERT_STRING_EQUAL(got, "");
	join(&st.perms, got, sizeof got);
	CU_ASSERT_STRING_EQUAL(got, "read,write,kick");
	/* a stricter policy keeps permanent grants, a looser one keeps vetos */
	apply(NONE, policy, &st);
	perm_grant(&st, PERM_WRITE, 1);
	perm_revoke(&st, PERM_READ, 1);
	json_object *strict =
		json_tokener_parse("{\"read\":\"subscribed\",\"write\":\"restricted\"}");
	perm_recompute(&st, strict);
	join(&st.perms, got, sizeof got);
	CU_ASSERT_STRING_EQUAL(got, "write");
	json_object *loose = json_tokener_parse(types[OPEN]);
	perm_recompute(&st, loose);
	join(&st.perms, got, sizeof got);
	CU_ASSERT_STRING_EQUAL(got, "invite,write,subscribe,unsubscribe");
	json_object_put(strict);
	json_object_put(loose);
	json_object_put(policy);
}

static void test_policies(void)
{
	json_object *p = json_tokener_parse("{\"subscribe\":\"public\",\"read\":\"weird\"}");
	CU_ASSERT_EQUAL(perm_policy_of(p, PERM_SUBSCRIBE), POLICY_PUBLIC);
	CU_ASSERT_EQUAL(perm_policy_of(p, PERM_UNSUBSCRIBE), POLICY_PUBLIC); /* falls back */
	CU_ASSERT_EQUAL(perm_policy_of(p, PERM_READ), POLICY_SUBSCRIBED);    /* other value */
	CU_ASSERT_EQUAL(perm_policy_of(p, PERM_WRITE), POLICY_RESTRICTED);   /* missing */
	json_object_put(p);
	p = json_tokener_parse("{\"subscribe\":\"public\",\"unsubscribe\":\"restricted\"}");
	CU_ASSERT_EQUAL(perm_policy_of(p, PERM_UNSUBSCRIBE), POLICY_RESTRICTED); /* explicit */
	json_object_put(p);
	p = json_tokener_parse("{}");
	for (int i = 0; i < PERM_COUNT; i++)
		CU_ASSERT_EQUAL(perm_policy_of(p, (enum perm)i), POLICY_RESTRICTED);
	json_object_put(p);
	p = json_tokener_parse(
		"{\"read\":\"public\",\"write\":\"public\",\"subscribe\":\"public\","
		"\"unsubscribe\":\"public\",\"invite\":\"public\",\"kick\":\"public\","
		"\"delete\":\"public\",\"flag\":\"public\"}");
	struct perm_list l;
	perm_policy_list(p, &l);
	char got[128];
	join(&l, got, sizeof got);
	CU_ASSERT_STRING_EQUAL(got, "invite,read,write,subscribe,flag,unsubscribe,kick,delete");
	CU_ASSERT_EQUAL(perm_list_mask(&l), 0xff);
	json_object_put(p);
}

static void test_names_and_lists(void)
{
	CU_ASSERT_EQUAL(perm_index("invite"), PERM_INVITE);
	CU_ASSERT_EQUAL(perm_index("delete"), PERM_DELETE);
	CU_ASSERT_EQUAL(perm_index("badpermission"), -1);
	CU_ASSERT_EQUAL(perm_index("Read"), -1);
	CU_ASSERT_EQUAL(perm_index(NULL), -1);
	/* the mask bits the schema documents */
	static const unsigned bits[PERM_COUNT] = {1, 2, 4, 8, 16, 32, 64, 128};
	for (int i = 0; i < PERM_COUNT; i++)
		CU_ASSERT_EQUAL(PERM_BIT(perm_index(perm_names[i])), bits[i]);
	struct perm_list l;
	CU_ASSERT_EQUAL(perm_list_parse("[\"write\",\"read\",\"write\"]", &l), 0);
	CU_ASSERT_EQUAL(l.n, 2);
	json_object *j = perm_list_json(&l);
	CU_ASSERT_STRING_EQUAL(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN),
			       "[\"write\",\"read\"]");
	json_object_put(j);
	CU_ASSERT_EQUAL(perm_list_parse("[\"nope\"]", &l), -1);
	CU_ASSERT_EQUAL(perm_list_parse("{}", &l), -1);
	CU_ASSERT_EQUAL(perm_list_parse(NULL, &l), -1);
	CU_ASSERT_EQUAL(l.n, 0);
	perm_list_remove(&l, PERM_READ); /* removing from an empty list */
	CU_ASSERT_EQUAL(l.n, 0);
}

UNIT_SUITE(perm, NULL, NULL)
{
	UNIT_TEST(s, test_table);
	UNIT_TEST(s, test_other_callers);
	UNIT_TEST(s, test_grants_and_vetos_state);
	UNIT_TEST(s, test_policies);
	UNIT_TEST(s, test_names_and_lists);
}
