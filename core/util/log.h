/*
 * log.h — one line per event on stderr, prefixed with time and request id.
 * Never pass tokens or passwords.
 */
#ifndef MAX_LOG_H
#define MAX_LOG_H

void log_event(const char *reqid, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
