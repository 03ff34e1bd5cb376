/*
 * model.h — what every model file shares.
 *
 * The model is MAX's data: plain functions over a struct store that
 * return an enum max_err and fill out-parameters. They never see a
 * request, a response or a JSON error body; the HTTP handlers, maxctl,
 * max-bridge and max-ldap-sync all call them the same way. A failure
 * carries a text for the person who caused it (model_fail), kept in the
 * store, the way SQLite keeps its own last error message.
 */
#ifndef MAX_MODEL_H
#define MAX_MODEL_H

#include "store/store.h"
#include "util/status.h"

/* Records the text of a failure in st->why and returns e:
 * `return model_fail(st, MAX_ENOTFOUND, "Object with … not found", …);` */
enum max_err model_fail(struct store *st, enum max_err e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The text model_fail() recorded last ("" when none). */
const char *model_why(const struct store *st);

#endif
