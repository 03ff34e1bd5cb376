/*
 * roles.c — reading and changing the roles table.
 */
#include "model/roles.h"
#include "util/ids.h"
#include "http/max.h"
#include "store/store.h"

#include <sqlite3.h> /* to be moved behind store/ */

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

unsigned roles_of(struct store *db, const char *username)
{
	sqlite3_stmt *s = store_stmt(db, "SELECT role FROM roles WHERE username = ?1");
	if (!s)
		return 0;
	store_bind_text(s, 1, username);
	unsigned mask = 0;
	while (sqlite3_step(s) == SQLITE_ROW)
		mask |= roles_bit((const char *)sqlite3_column_text(s, 0));
	sqlite3_reset(s);
	return mask;
}

int roles_add(struct store *db, const char *role, const char *username)
{
	char now[21];
	time_now_iso(now);
	const char *args[] = {role, username, now};
	if (store_exec(db, "INSERT OR IGNORE INTO roles (role, username, added_at) VALUES (?1, ?2, ?3)",
		       3, args) < 0)
		return -1;
	return store_changes(db) > 0;
}

int roles_remove(struct store *db, const char *role, const char *username)
{
	const char *args[] = {role, username};
	if (store_exec(db, "DELETE FROM roles WHERE role = ?1 AND username = ?2", 2, args) < 0)
		return -1;
	return store_changes(db) > 0;
}
