/*
 * workers.c — see workers.h. Workers are found through /proc: children of
 * lighttpd whose command line names max.fcgi.
 */
#include "workers.h"
#include "e2e.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pid_t lighttpd_pid(void)
{
	const char *lp = getenv("MAX_TEST_LIGHTTPD_PID");
	return lp && *lp ? (pid_t)atoi(lp) : 0;
}

/* Reads up to len - 1 bytes of a /proc file, NUL-terminated; -1 on error. */
static ssize_t slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = 0;
	return (ssize_t)n;
}

/* Is pid a live max.fcgi whose parent is parent? */
static int is_worker(long pid, pid_t parent)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	if (slurp(path, buf, sizeof buf) < 0)
		return 0;
	char *rp = strrchr(buf, ')'), state;
	int ppid = 0;
	if (!rp || sscanf(rp + 1, " %c %d", &state, &ppid) != 2 || ppid != parent || state == 'Z')
		return 0;
	snprintf(path, sizeof path, "/proc/%ld/cmdline", pid);
	ssize_t n = slurp(path, buf, sizeof buf);
	for (ssize_t k = 0; k < n; k++) /* argv is NUL-separated */
		if (!buf[k])
			buf[k] = ' ';
	return n > 0 && strstr(buf, "max.fcgi") != NULL;
}

int e2e_workers(pid_t *out, int max)
{
	pid_t parent = lighttpd_pid();
	if (!parent)
		return -1;
	DIR *d = opendir("/proc");
	int n = 0;
	for (struct dirent *e; d && (e = readdir(d)) && n < max;) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (!*end && pid > 0 && is_worker(pid, parent))
			out[n++] = (pid_t)pid;
	}
	if (d)
		closedir(d);
	return n;
}

/* Are there n workers, none of them in old[0..n)? */
static int all_new(const pid_t *old, int n)
{
	pid_t now[64];
	int m = e2e_workers(now, 64);
	if (m != n)
		return 0;
	for (int i = 0; i < m; i++)
		for (int j = 0; j < n; j++)
			if (now[i] == old[j])
				return 0;
	return 1;
}

int e2e_fresh_workers(void)
{
	pid_t old[64];
	int n = e2e_workers(old, 64);
	if (n <= 0)
		return 0;
	for (int i = 0; i < n; i++)
		kill(old[i], SIGKILL);
	/* lighttpd notices a dead worker when it next talks to it */
	for (int i = 0; i < 200; i++) {
		usleep(50 * 1000);
		struct e2e_resp *r = e2e_request("GET", "/info", NULL, NULL);
		int ok = r->status == 200;
		e2e_free(r);
		if (ok && all_new(old, n))
			return 1;
	}
	return 0;
}

const char *e2e_worker_log(int i)
{
	static const char *const names[] = {"error.log", "lighttpd.out"};
	return e2e_fmt("%s/log/%s", getenv("MAX_TEST_VAR"), names[i]);
}
