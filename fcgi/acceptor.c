/*
 * acceptor.c — see acceptor.h. Idle workers wait in epoll_wait with
 * EPOLLEXCLUSIVE, so that a connection wakes one of them rather than all
 * (what a blocking accept gave). A woken worker may still find the
 * connection taken by a busy one that looked first: it waits again.
 */
#include "acceptor.h"

#include <errno.h>
#include <fcgiapp.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static int listen_fd = -1, epoll_fd = -1;
static volatile sig_atomic_t stopping;

/* No SA_RESTART: a wait in progress returns EINTR and sees the flag. */
static void on_stop(int sig)
{
	(void)sig;
	stopping = 1;
	FCGX_ShutdownPending(); /* as libfcgi's own handler would */
}

static int catch_stop_signals(void)
{
	struct sigaction sa = {.sa_handler = on_stop};
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGTERM, &sa, NULL) == 0 && sigaction(SIGUSR1, &sa, NULL) == 0 ? 0 : -1;
}

int acceptor_init(int lfd)
{
	int fl = fcntl(lfd, F_GETFL);
	epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN | EPOLLEXCLUSIVE};
	if (fl < 0 || epoll_fd < 0 || epoll_ctl(epoll_fd, EPOLL_CTL_ADD, lfd, &ev) < 0 ||
	    catch_stop_signals() < 0 || fcntl(lfd, F_SETFL, fl | O_NONBLOCK) < 0) {
		acceptor_free();
		return -1;
	}
	listen_fd = lfd;
	return 0;
}

/* accept(2) errors that concern one connection, not the socket: the
 * client went away before it was taken */
static int passing(int err)
{
	return err == ECONNABORTED || err == EPROTO || err == EPERM || err == EINTR;
}

int acceptor_take(void)
{
	for (;;) {
		int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0 || !passing(errno))
			return fd;
	}
}

int acceptor_wait(void)
{
	/* under load a connection already waits: accept before waiting */
	while (!stopping) {
		int fd = acceptor_take();
		if (fd >= 0)
			return fd;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		/* the timeout bounds how late a stop signal is seen that came
		 * between the look at the flag and the wait, or reached
		 * another thread */
		struct epoll_event ev;
		if (epoll_wait(epoll_fd, &ev, 1, 1000) < 0 && errno != EINTR)
			return -1;
	}
	return -1;
}

void acceptor_free(void)
{
	if (epoll_fd >= 0)
		close(epoll_fd);
	epoll_fd = -1;
	listen_fd = -1;
}
