/*
 * wake.c — the commit nudge to max-bridge (see wake.h). Before it, the
 * bridge woke on an inotify event of the WAL file, which comes with the
 * write and before the commit is visible: it woke too early (often while
 * the writer still held the write lock, and on a busy machine taking the
 * writer's CPU), found nothing and polled every millisecond. The nudge
 * comes after the commit, and after the answer went out.
 */
#include "util/wake.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int wake_path(const char *db_path, char *out, size_t n)
{
	int len = snprintf(out, n, "%s-wake", db_path);
	return len < 0 || (size_t)len >= n ? -1 : 0;
}

static int address(const char *db_path, struct sockaddr_un *a)
{
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	return wake_path(db_path, a->sun_path, sizeof a->sun_path);
}

/* Does a process receive on that address? connect() to a socket file
 * nobody is bound to is refused. */
static int in_use(const struct sockaddr_un *a)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 1; /* cannot tell: leave it alone */
	int rc = connect(fd, (const struct sockaddr *)a, sizeof *a);
	int refused = rc < 0 && (errno == ECONNREFUSED || errno == ENOENT);
	close(fd);
	return !refused;
}

int wake_listen(const char *db_path)
{
	struct sockaddr_un a;
	if (address(db_path, &a) < 0)
		return -1;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int rc = bind(fd, (const struct sockaddr *)&a, sizeof a);
	if (rc < 0 && errno == EADDRINUSE && !in_use(&a)) {
		unlink(a.sun_path); /* left by a bridge that ended */
		rc = bind(fd, (const struct sockaddr *)&a, sizeof a);
	}
	struct stat db;
	if (rc == 0 && stat(db_path, &db) == 0) {
		/* the writers may run as another user of the database's group
		 * (Apache); failing to hand it over only loses nudges */
		if (chown(a.sun_path, (uid_t)-1, db.st_gid) < 0 && errno != EPERM)
			rc = -1;
		if (rc == 0)
			rc = chmod(a.sun_path, db.st_mode & 0666);
	}
	if (rc < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int wake_drain(int fd)
{
	char b[16];
	int n = 0;
	while (recv(fd, b, sizeof b, MSG_DONTWAIT) >= 0)
		n++;
	return n;
}

/* One sending socket per process, made on first use and kept (threads
 * may share it: each sendto names its address). */
static int send_fd = -1;
static pthread_once_t send_once = PTHREAD_ONCE_INIT;

static void open_sender(void)
{
	send_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

void wake_send(const char *db_path)
{
	struct sockaddr_un a;
	pthread_once(&send_once, open_sender);
	if (send_fd < 0 || address(db_path, &a) < 0)
		return;
	int saved = errno;
	(void)sendto(send_fd, "w", 1, MSG_DONTWAIT | MSG_NOSIGNAL, (const struct sockaddr *)&a,
		     sizeof a);
	errno = saved;
}
