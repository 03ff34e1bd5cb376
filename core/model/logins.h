/*
 * logins.h — the token server's login throttle: failed logins counted per
 * user name and per client address in the database, so that every osiris
 * worker sees the same budget and a wrong password needs no sleep.
 *
 * Budgets come from [oauth] login_failures_per_name, login_failures_per_addr
 * (0 = no limit) and login_window_seconds. A name and an address are
 * counted alike whether or not the user exists, so the throttle does not
 * tell which names are real.
 */
#ifndef MAX_MODEL_LOGINS_H
#define MAX_MODEL_LOGINS_H

#include "model/model.h"

struct max_config;

/* 0 when user (normalised) from addr may try a password now; otherwise the
 * seconds until the spent budget renews (> 0). -1 on a storage error. */
long login_throttled(struct store *st, const struct max_config *cfg, const char *user,
		     const char *addr);
/* Counts a refused password against user and addr. 0 or -1. */
int login_failed(struct store *st, const struct max_config *cfg, const char *user,
		 const char *addr);
/* A right password clears the name's count (not the address's). 0 or -1. */
int login_succeeded(struct store *st, const char *user);
/* Deletes counts whose window is over; how many, or -1. */
int login_purge(struct store *st, const struct max_config *cfg);

#endif
