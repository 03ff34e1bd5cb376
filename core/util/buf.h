/*
 * buf.h — a growable byte buffer, always NUL-terminated.
 * Allocation failure aborts: a worker that cannot allocate a few KB is
 * better restarted by the web server than limping on.
 */
#ifndef MAX_BUF_H
#define MAX_BUF_H

#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
void buf_add(struct buf *b, const void *data, size_t len);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *buf_steal(struct buf *b);
/* Room for extra more bytes (and the NUL after them) at the end of b;
 * returns where they go. The caller writes them, then adds to b->len. */
char *buf_reserve(struct buf *b, size_t extra);

/* Helpers on plain strings that every module needs. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
