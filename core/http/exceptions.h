/*
 * exceptions.h — the log of every 500 and the answer a 500 gets.
 */
#ifndef MAX_EXCEPTIONS_H
#define MAX_EXCEPTIONS_H

#include "http/max.h"

/* Stores the report of the failed request c (tokens masked) in its own
 * transaction and renders the 500 answer into r. */
void exceptions_record(struct max_ctx *c, struct max_resp *r);

#endif
