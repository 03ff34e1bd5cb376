/*
 * accept_soon.c — see accept_soon.h. A per-thread timer sends SIGALRM
 * every millisecond while accept() runs; the handler does nothing, and
 * without SA_RESTART the signal makes accept() return EINTR. A repeating
 * timer rather than a single shot, so that a signal arriving between the
 * unblock and the call cannot leave the call to block. Outside the call
 * the thread blocks SIGALRM, and a signal left pending is taken off
 * before anything else runs: libfcgi would read an EINTR as a broken
 * connection.
 */
#include "accept_soon.h"

#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static timer_t tick;
static sigset_t alarm_set;

static void on_alarm(int sig)
{
	(void)sig;
}

int accept_soon_init(void)
{
	sigemptyset(&alarm_set);
	sigaddset(&alarm_set, SIGALRM);
	if (pthread_sigmask(SIG_BLOCK, &alarm_set, NULL) != 0)
		return -1;
	struct sigaction sa = {.sa_handler = on_alarm}; /* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) < 0)
		return -1;
	/* aimed at this thread: the checkpointer's thread must not take it */
	struct sigevent ev = {.sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGALRM};
	ev._sigev_un._tid = gettid();
	return timer_create(CLOCK_MONOTONIC, &ev, &tick) == 0 ? 0 : -1;
}

int accept_soon(int lfd)
{
	const struct itimerspec on = {.it_interval = {0, 1000000}, .it_value = {0, 1000000}};
	const struct itimerspec off = {{0, 0}, {0, 0}};
	const struct timespec now = {0, 0};
	if (timer_settime(tick, 0, &on, NULL) < 0)
		return -1;
	pthread_sigmask(SIG_UNBLOCK, &alarm_set, NULL);
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	pthread_sigmask(SIG_BLOCK, &alarm_set, NULL);
	timer_settime(tick, 0, &off, NULL);
	while (sigtimedwait(&alarm_set, NULL, &now) == SIGALRM)
		;
	return fd;
}
