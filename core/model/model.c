/*
 * model.c — failure texts of the model layer (see model.h).
 */
#include "model/model.h"

#include <stdarg.h>
#include <stdio.h>

enum max_err model_fail(struct store *st, enum max_err e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(st->why, sizeof st->why, fmt, ap);
	va_end(ap);
	return e;
}

const char *model_why(const struct store *st)
{
	return st->why;
}
