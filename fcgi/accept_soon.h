/*
 * accept_soon.h — accept(2) on a listening socket that gives up at once
 * when the connection it was told about is gone.
 *
 * Group commit (adapter.c) takes the connections that wait besides the
 * one it is serving. poll(2) says one waits, but another worker on the
 * same socket may take it first, and a plain accept would then block
 * until the next request while the ones already read wait. O_NONBLOCK or
 * a receive timeout would change the socket for every worker that shares
 * it (libfcgi's accept quits on EAGAIN), so a timer interrupts the call
 * instead.
 */
#ifndef MAX_FCGI_ACCEPT_SOON_H
#define MAX_FCGI_ACCEPT_SOON_H

/* Prepares the calling thread (the one that will call accept_soon()).
 * Returns 0, or -1 when the timer cannot be made (then do without). */
int accept_soon_init(void);
/* A connection from lfd when one waits, else -1 within a millisecond or
 * two. */
int accept_soon(int lfd);

#endif
