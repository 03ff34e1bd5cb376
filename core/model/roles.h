/*
 * roles.h — the global roles Manager and NonVisible (API.md §1.5, §4.11).
 */
#ifndef MAX_ROLES_H
#define MAX_ROLES_H

struct store;

/* ROLE_* bit of a role name, or 0 for anything else (case-sensitive). */
unsigned roles_bit(const char *role);
/* Mask of the roles username holds. */
unsigned roles_of(struct store *db, const char *username);
/* 1 added, 0 was already there, -1 error. */
int roles_add(struct store *db, const char *role, const char *username);
/* 1 removed, 0 was not there, -1 error. */
int roles_remove(struct store *db, const char *role, const char *username);

#endif
