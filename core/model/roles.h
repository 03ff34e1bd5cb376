/*
 * roles.h — the global roles Manager and NonVisible and the security
 * settings document that lists them (GET /admin/security). A role is held
 * by a user name whether or not the person exists.
 */
#ifndef MAX_ROLES_H
#define MAX_ROLES_H

#include "model/model.h"

/* ROLE_* bit of a role name, or 0 for anything else (case-sensitive). */
unsigned roles_bit(const char *role);
/* Mask of the roles username holds (0 on a storage error, which fails the
 * transaction). */
unsigned roles_of(struct store *st, const char *username);
/* 1 added, 0 was already there, -1 error. */
int roles_add(struct store *st, const char *role, const char *username);
/* 1 removed, 0 was not there, -1 error. */
int roles_remove(struct store *st, const char *role, const char *username);

/* The holders of role, oldest grant first: fn once per user name. 0 or -1. */
int roles_members(struct store *st, const char *role, void (*fn)(void *arg, const char *username),
		  void *arg);
/* Every user holding any role, by name, with the roles as a ROLE_* mask.
 * 0 or -1. */
int roles_each_user(struct store *st, void (*fn)(void *arg, const char *username, unsigned mask),
		    void *arg);
/* The security document's id, made by the first migration. */
enum max_err roles_security_id(struct store *st, char out[MAX_ID_LEN + 1]);

#endif
