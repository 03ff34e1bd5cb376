/*
 * test_group_commit.c — posts that reach a writer at the same moment.
 *
 * A writer takes the requests queued on its socket together and commits
 * them in one transaction ([store] group_commit). Seen from the clients
 * nothing may change: every post gets the answer it would get alone (201,
 * 200 for a duplicate, 400 for a bad body), every acknowledged post is
 * stored and readable. Under lighttpd the test also asserts, from the
 * workers' log lines ("batch=N"), that a batch did happen, so that it
 * tests the batched path and not only the ordinary one; e2e.sh runs two
 * writers on one socket, which is where a connection seen by one may be
 * taken by the other.
 */
#include "e2e.h"
#include "workers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define AUTHOR "gc.author"
#define SHOTS 12
#define ROUNDS 10

static int init(void)
{
	return e2e_person(AUTHOR, "Group Commit") ? 0 : -1;
}

/* The id in a shot's answer, or "". */
static const char *answer_id(const struct e2e_shot *s)
{
	json_object *o = s->answer ? json_tokener_parse(s->answer) : NULL;
	const char *id = e2e_str(o, "id");
	const char *out = e2e_fmt("%s", id ? id : "");
	json_object_put(o);
	return out;
}

/* Does a worker's log line after byte from[i] of e2e_worker_log(i) show
 * a batch? */
static int batch_logged(long from[2])
{
	int found = 0;
	for (int i = 0; i < 2 && !found; i++) {
		FILE *f = fopen(e2e_worker_log(i), "r");
		if (!f)
			continue;
		char line[1024];
		if (fseek(f, from[i], SEEK_SET) == 0)
			while (!found && fgets(line, sizeof line, f))
				found = strstr(line, " batch=") != NULL;
		fclose(f);
	}
	return found;
}

static void log_sizes(long out[2])
{
	for (int i = 0; i < 2; i++) {
		struct stat sb;
		out[i] = 0;
		if (getenv("MAX_TEST_VAR") && stat(e2e_worker_log(i), &sb) == 0)
			out[i] = (long)sb.st_size;
	}
}

/* One round: ten new notes, a copy of the first (the duplicate guard
 * answers 200 with the same post, whichever of the two came first) and a
 * body without an object (400). */
static void one_round(int round)
{
	struct e2e_shot s[SHOTS] = {{0}};
	const char *body[SHOTS];
	for (int i = 0; i < SHOTS - 2; i++)
		body[i] = e2e_fmt("{\"object\":{\"objectType\":\"note\","
				  "\"content\":\"at once %d of round %d\"}}",
				  i, round);
	body[SHOTS - 2] = body[0];
	body[SHOTS - 1] = "{}";
	const char *const hdrs[] = {e2e_fmt("X-Oauth-Token: %s", e2e_token(AUTHOR)),
				    "X-Oauth-Username: " AUTHOR, "X-Oauth-Scope: widgetcli",
				    "Content-Type: application/json", NULL};
	for (int i = 0; i < SHOTS; i++)
		s[i] = (struct e2e_shot){.method = "POST",
					 .path = "/people/" AUTHOR "/activities",
					 .body = body[i]};
	e2e_at_once(s, SHOTS, hdrs);
	for (int i = 1; i < SHOTS - 2; i++)
		E2E_INT_EQ(s[i].status, 201);
	E2E_INT_EQ(s[0].status + s[SHOTS - 2].status, 201 + 200);
	E2E_STR_EQ(answer_id(&s[SHOTS - 2]), answer_id(&s[0]));
	E2E_INT_EQ(s[SHOTS - 1].status, 400);
	/* each acknowledged post is stored, with its own text */
	for (int i = 0; i < SHOTS - 2; i++) {
		struct e2e_resp *r = e2e_request("GET", e2e_fmt("/activities/%s", answer_id(&s[i])),
						 AUTHOR, NULL);
		E2E_STATUS(r, 200);
		E2E_STR_EQ(e2e_str(e2e_get(r->json, "object"), "content"),
			   e2e_fmt("at once %d of round %d", i, round));
		e2e_free(r);
	}
	for (int i = 0; i < SHOTS; i++)
		free(s[i].answer);
}

static void test_posts_at_once(void)
{
	pid_t w[16];
	int lighttpd = e2e_workers(w, 16) > 0;
	long from[2];
	log_sizes(from);
	int batched = 0;
	for (int round = 0; round < ROUNDS && !batched; round++) {
		one_round(round);
		batched = lighttpd && batch_logged(from);
	}
	/* under Apache (mod_fcgid hands a process one request at a time)
	 * there is no queue to take from */
	if (lighttpd)
		CU_ASSERT(batched);
}

E2E_SUITE(group_commit, init, NULL)
{
	E2E_TEST(s, test_posts_at_once);
}
