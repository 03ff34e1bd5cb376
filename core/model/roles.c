/*
 * roles.c — reading and changing the roles table. See roles.h.
 */
#include "model/roles.h"
#include "util/ids.h"

#include <string.h>

unsigned roles_bit(const char *role)
{
	if (!role)
		return 0;
	if (!strcmp(role, "Manager"))
		return ROLE_MANAGER;
	if (!strcmp(role, "NonVisible"))
		return ROLE_NONVISIBLE;
	return 0;
}

unsigned roles_of(struct store *st, const char *username)
{
	store_q *q = store_sql(st, "SELECT role FROM roles WHERE username = ?1");
	if (!q)
		return 0;
	store_bind_text(q, 1, username);
	unsigned mask = 0;
	while (store_step(q) == STORE_ROW)
		mask |= roles_bit(store_text(q, 0));
	return mask;
}

int roles_add(struct store *st, const char *role, const char *username)
{
	char now[21];
	time_now_iso(now);
	const char *args[] = {role, username, now};
	if (store_exec(st,
		       "INSERT INTO roles (role, username, added_at) VALUES (?1, ?2, ?3)"
		       " ON CONFLICT DO NOTHING",
		       3, args) < 0)
		return -1;
	return store_changes(st) > 0;
}

int roles_remove(struct store *st, const char *role, const char *username)
{
	const char *args[] = {role, username};
	if (store_exec(st, "DELETE FROM roles WHERE role = ?1 AND username = ?2", 2, args) < 0)
		return -1;
	return store_changes(st) > 0;
}

int roles_members(struct store *st, const char *role, void (*fn)(void *arg, const char *username),
		  void *arg)
{
	store_q *q = store_sql(st, "SELECT username FROM roles WHERE role = ?1"
				   " ORDER BY added_at, username");
	if (!q)
		return -1;
	store_bind_text(q, 1, role);
	int rc;
	while ((rc = store_step(q)) == STORE_ROW)
		fn(arg, store_text(q, 0));
	return rc == STORE_ERR ? -1 : 0;
}

int roles_each_user(struct store *st, void (*fn)(void *arg, const char *username, unsigned mask),
		    void *arg)
{
	store_q *q =
		store_sql(st, "SELECT username, max(role = 'Manager'), max(role = 'NonVisible')"
			      " FROM roles GROUP BY username ORDER BY username");
	if (!q)
		return -1;
	int rc;
	while ((rc = store_step(q)) == STORE_ROW)
		fn(arg, store_text(q, 0),
		   (store_int(q, 1) ? ROLE_MANAGER : 0) | (store_int(q, 2) ? ROLE_NONVISIBLE : 0));
	return rc == STORE_ERR ? -1 : 0;
}

enum max_err roles_security_id(struct store *st, char out[MAX_ID_LEN + 1])
{
	store_q *q = store_sql(st, "SELECT value FROM meta WHERE key = 'security_id'");
	if (!q)
		return MAX_ESERVER;
	int rc = store_one(q);
	if (rc <= 0)
		return model_fail(st, MAX_ESERVER, "meta security_id missing");
	store_copy(q, 0, out, MAX_ID_LEN + 1);
	store_reset(q);
	return MAX_OK;
}
