/*
 * busy.h — how busy a worker has been lately: the share of the recent past
 * it spent working, each moment weighing less as it ages (an exponential
 * average with a time constant of BUSY_WINDOW_S).
 *
 * The writer batches requests only under sustained load (fcgi/adapter.c):
 * there, taking the queued requests together raises what it can answer and
 * shortens the tail, while after quiet a burst is answered sooner one by
 * one, as no answer of a batch leaves before its last request is done.
 */
#ifndef MAX_BUSY_H
#define MAX_BUSY_H

#define BUSY_WINDOW_S 0.1

struct busy {
	double work, all; /* decayed seconds: working, and in all */
};

/* Adds seconds spent working (working = 1) or waiting (0). */
void busy_add(struct busy *b, double seconds, int working);
/* Percent of the recent time spent working; 0 before anything is known. */
int busy_percent(const struct busy *b);

#endif
