/*
 * admin.h — the operator's consistency questions (maxctl check) that SQL
 * answers: rows the API never leaves behind but no foreign key forbids.
 */
#ifndef MAX_MODEL_ADMIN_H
#define MAX_MODEL_ADMIN_H

#include "model/model.h"

/* fn once per kind of orphan row found, with how many; returns the number
 * of kinds found, or -1 on a storage error. */
int admin_orphans(struct store *st, void (*fn)(void *arg, const char *what, long long n),
		  void *arg);

#endif
