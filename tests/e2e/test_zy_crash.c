/*
 * test_zy_crash.c — writes survive workers killed in the middle of them.
 * (Named to run after the other suites: suites run in file order, and
 * lighttpd takes a while to settle after this many kills.)
 *
 * A child process kills a max.fcgi worker with SIGKILL every few
 * milliseconds while the test posts notes one after the other. A post
 * that was answered 201 was acknowledged: it must be in the database
 * afterwards, exactly once, and `maxctl check` must find the database
 * sound. Posts whose connection died get no promise either way.
 */
#include "e2e.h"
#include "workers.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define AUTHOR "crash.author"
#define POSTS 300

static int init(void)
{
	return e2e_person(AUTHOR, "Crash Author") ? 0 : -1;
}

/* Kills one worker every 30–100 ms until killed itself. */
static pid_t start_killer(void)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	srand((unsigned)getpid());
	for (;;) {
		pid_t w[16];
		int n = e2e_workers(w, 16);
		if (n > 0)
			kill(w[rand() % n], SIGKILL);
		struct timespec d = {0, (30 + rand() % 70) * 1000000L};
		nanosleep(&d, NULL);
	}
}

/* 1 once GET /info answers 200 (lighttpd has new workers), within 10 s. */
static int server_answers(void)
{
	int up = 0;
	for (int i = 0; i < 200 && !up; i++) {
		struct e2e_resp *r = e2e_request("GET", "/info", NULL, NULL);
		up = r->status == 200;
		e2e_free(r);
		if (!up)
			usleep(50 * 1000);
	}
	return up;
}

static void test_acknowledged_writes_survive_kills(void)
{
	pid_t probe[16];
	if (e2e_workers(probe, 16) <= 0)
		return; /* the server's workers are not ours to kill (Apache) */
	static char ids[POSTS + 1][32];
	int acked = 0, failed = 0;
	/* one post on healthy workers first: slow (sanitizer) builds may
	 * otherwise never finish starting between two kills */
	struct e2e_resp *w =
		e2e_request("POST", "/people/" AUTHOR "/activities", AUTHOR,
			    "{\"object\":{\"objectType\":\"note\",\"content\":\"warm\"}}");
	E2E_STATUS(w, 201);
	if (w->status == 201)
		snprintf(ids[acked++], sizeof ids[0], "%s", e2e_str(w->json, "id"));
	e2e_free(w);
	pid_t killer = start_killer();
	for (int i = 0; i < POSTS; i++) {
		struct e2e_resp *r = e2e_request("POST", "/people/" AUTHOR "/activities", AUTHOR,
						 e2e_fmt("{\"object\":{\"objectType\":\"note\","
							 "\"content\":\"crash %d\"}}",
							 i));
		const char *id = r->status == 201 ? e2e_str(r->json, "id") : NULL;
		if (id)
			snprintf(ids[acked++], sizeof ids[0], "%s", id);
		else
			failed++;
		e2e_free(r);
	}
	kill(killer, SIGKILL);
	waitpid(killer, NULL, 0);
	/* the workers come back; every acknowledged post is there, once */
	CU_ASSERT(server_answers());
	CU_ASSERT(acked > 0);
	for (int i = 0; i < acked; i++)
		E2E_INT_EQ(e2e_db_scalar("SELECT count(*) FROM activities WHERE id = '%s'", ids[i]),
			   1);
	long long stored = e2e_db_scalar("SELECT count(*) FROM activities WHERE verb = 'post'"
					 " AND actor = '" AUTHOR "'");
	CU_ASSERT(stored >= acked && stored <= POSTS + 1);
	CU_ASSERT_EQUAL(e2e_maxctl(NULL, NULL, "check"), 0);
	fprintf(stderr,
		"crash: %d of %d posts acknowledged, %d lost their connection, %lld stored\n",
		acked, POSTS + 1, failed, stored);
}

/* Does the log hold a line of pid's that says "max.fcgi stopping"? */
static int stop_logged(pid_t pid)
{
	char tag[32], line[1024];
	snprintf(tag, sizeof tag, "[%d ", (int)pid);
	int found = 0;
	for (int i = 0; i < 2 && !found; i++) {
		FILE *f = fopen(e2e_worker_log(i), "r");
		while (f && !found && fgets(line, sizeof line, f))
			found = strstr(line, tag) && strstr(line, "max.fcgi stopping");
		if (f)
			fclose(f);
	}
	return found;
}

/* How many of w[0..n) are still live workers (not zombies). */
static int still_running(const pid_t *w, int n)
{
	pid_t now[64];
	int m = e2e_workers(now, 64), left = 0;
	for (int i = 0; i < n; i++)
		for (int j = 0; j < m; j++)
			left += w[i] == now[j];
	return left;
}

/* Does pid catch sig (/proc/<pid>/status, SigCgt)? */
static int catches(pid_t pid, int sig)
{
	FILE *f = fopen(e2e_fmt("/proc/%d/status", (int)pid), "r");
	char line[256];
	unsigned long long mask = 0;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "SigCgt: %llx", &mask) == 1)
			break;
	if (f)
		fclose(f);
	return (int)(mask >> (sig - 1) & 1);
}

/* The workers, once every one of them catches SIGTERM (a worker still
 * starting, as the crash test above leaves them under valgrind, has not
 * reached its loop yet); returns how many, 0 if they never do. */
static int ready_workers(pid_t *w, int max)
{
	for (int t = 0; t < 200; t++) {
		int n = e2e_workers(w, max), ready = n > 0;
		for (int i = 0; i < n && ready; i++)
			ready = catches(w[i], SIGTERM);
		if (ready)
			return n;
		usleep(50 * 1000);
	}
	return 0;
}

/* SIGTERM (what lighttpd and the Apache spawner send) stops a worker
 * cleanly, idle or not: it leaves its loop, logs that it stops and
 * exits; lighttpd starts another and requests go on. */
static void test_workers_stop_on_sigterm(void)
{
	pid_t w[16];
	if (e2e_workers(w, 16) <= 0)
		return; /* the server's workers are not ours to signal (Apache) */
	int n = ready_workers(w, 16);
	CU_ASSERT_FATAL(n > 0);
	for (int i = 0; i < n; i++)
		kill(w[i], SIGTERM);
	int gone = 0;
	for (int t = 0; t < 100 && gone < n; t++) {
		usleep(50 * 1000);
		gone = n - still_running(w, n);
	}
	E2E_INT_EQ(gone, n);
	for (int i = 0; i < n; i++)
		CU_ASSERT(stop_logged(w[i]));
	CU_ASSERT(server_answers());
}

E2E_SUITE(crash, init, NULL)
{
	E2E_TEST(s, test_acknowledged_writes_survive_kills);
	E2E_TEST(s, test_workers_stop_on_sigterm);
}
