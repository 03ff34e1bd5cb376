/*
 * acceptor.h — the worker's own accept loop, used where it batches (group
 * commit, adapter.c): a non-blocking listening socket, so that taking the
 * connections that wait besides the one being served costs one accept(2)
 * each and gives up at once when there is none.
 *
 * A non-blocking socket changes every process that shares it, and
 * libfcgi's accept gives up on EAGAIN, so a worker that uses this takes
 * every connection itself and hands it to libfcgi open (adapter.c). The
 * workers that share a socket are started alike, so all of them do.
 * Before, a blocking accept was cut short by a timer and signals: five
 * more system calls for each connection taken.
 */
#ifndef MAX_FCGI_ACCEPTOR_H
#define MAX_FCGI_ACCEPTOR_H

/* Makes lfd non-blocking and prepares the wait for it; also catches
 * SIGUSR1 (which libfcgi's handler turns into a stop of its accept) and
 * SIGTERM (what web servers and spawners send; it used to kill the worker
 * outright). Returns 0, or -1 with lfd unchanged (then let libfcgi
 * accept). */
int acceptor_init(int lfd);
/* A connection from lfd, waiting for one; -1 once asked to stop. */
int acceptor_wait(void);
/* A connection from lfd when one waits now, else -1 at once. */
int acceptor_take(void);
/* Closes what acceptor_init opened. */
void acceptor_free(void);

#endif
