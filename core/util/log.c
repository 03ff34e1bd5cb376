/*
 * log.c — the stderr log line: "2026-11-28T03:15:12Z [pid reqid] text".
 * Newlines in the text are replaced so that one event stays one line.
 *
 * A worker writes one line per request, so the line is cheap: the text is
 * formatted once into a buffer that goes out in a single write(2) (stdio's
 * unbuffered stderr would format it twice and take its lock), the time
 * prefix is formatted once a second per thread, and the pid is read once
 * per process (and again in a forked child).
 */
#include "util/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pid_t log_pid;
static pthread_once_t log_once = PTHREAD_ONCE_INIT;

static void log_forked(void)
{
	log_pid = getpid();
}

static void log_init(void)
{
	log_pid = getpid();
	pthread_atfork(NULL, NULL, log_forked);
}

/* "2026-11-28T03:15:12Z", remade when the second changes. Per thread:
 * the checkpointer thread logs too. */
static const char *log_time(void)
{
	static _Thread_local char ts[32];
	static _Thread_local time_t ts_sec = -1;
	time_t now = time(NULL);
	if (now != ts_sec) {
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
		ts_sec = now;
	}
	return ts;
}

static void write_all(const char *p, size_t n)
{
	int saved = errno;
	while (n) {
		ssize_t w = write(fileno(stderr), p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break; /* nowhere to report a failing log */
		p += w;
		n -= (size_t)w;
	}
	errno = saved;
}

void log_event(const char *reqid, const char *fmt, ...)
{
	char line[1200];
	pthread_once(&log_once, log_init);
	int head = snprintf(line, sizeof line, "%s [%d %.64s] ", log_time(), (int)log_pid,
			    reqid ? reqid : "-");
	if (head < 0 || (size_t)head >= sizeof line - 2)
		return;
	/* the text keeps at most 1023 bytes, as it always did */
	size_t room = sizeof line - (size_t)head - 1;
	if (room > 1024)
		room = 1024;
	va_list ap;
	va_start(ap, fmt);
	if (vsnprintf(line + head, room, fmt, ap) < 0)
		line[head] = 0;
	va_end(ap);
	/* up to the first NUL, as a %s of the text would print */
	size_t len = (size_t)head + strlen(line + head);
	for (char *p = line + head; p < line + len; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	line[len++] = '\n';
	write_all(line, len);
}
