/*
 * exceptions.h — the log of every 500: one row per report, keyed by the
 * sha1 of the report. Rendering the 500 answer is the HTTP layer's.
 */
#ifndef MAX_MODEL_EXCEPTIONS_H
#define MAX_MODEL_EXCEPTIONS_H

#include "model/model.h"

/* Stores (or replaces) a report; runs in the caller's transaction. */
enum max_err exception_store(struct store *st, const char *id, const char *date,
			     const char *request, const char *traceback);
/* fn per report, newest first; 0 or -1. */
int exception_list(struct store *st, void (*fn)(void *arg, const char *id, const char *date),
		   void *arg);
/* fn with the report's fields: 1 found, 0 not, -1 error. */
int exception_get(struct store *st, const char *id,
		  void (*fn)(void *arg, const char *date, const char *request,
			     const char *traceback),
		  void *arg);
/* MAX_OK, MAX_ENOTFOUND ("There is no logged exception with this hash")
 * or MAX_ESERVER. */
enum max_err exception_delete(struct store *st, const char *id);

#endif
