/*
 * workers.h — the max.fcgi workers lighttpd runs for the end-to-end tests,
 * for tests that need a worker in a known state: a freshly started worker
 * has loaded nothing lazily yet (libgd, libcurl), which is where crashes
 * that depend on what a worker did before hide.
 */
#ifndef MAX_E2E_WORKERS_H
#define MAX_E2E_WORKERS_H

#include <sys/types.h>

/* The max.fcgi processes whose parent is lighttpd (MAX_TEST_LIGHTTPD_PID);
 * returns how many (at most max), -1 when the pid is not known. */
int e2e_workers(pid_t *out, int max);
/* Kills every max.fcgi worker and waits until lighttpd has started as
 * many new ones and they answer. Returns 1 on success, 0 on failure or
 * when the lighttpd pid is not known (the test should then skip). */
int e2e_fresh_workers(void);

/* Worker lines reach lighttpd's error log or its output: the path of
 * either (i = 0, 1). */
const char *e2e_worker_log(int i);

#endif
