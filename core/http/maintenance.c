/*
 * maintenance.c — the maintenance endpoints that rebuild derived data of
 * people, conversations and tokens. Each answers 200 [] and is safe to
 * run again; Managers only (route table). Those of keywords, dates and
 * context subscriptions belong to the stream and contexts families.
 */
#include "http/handlers.h"
#include "http/http.h"
#include "model/conversations.h"
#include "model/outbox.h"
#include "store/store.h"

static enum max_err done(struct max_resp *r)
{
	return resp_json(r, 200, json_object_new_array());
}

/* POST /admin/maintenance/conversations */
enum max_err maintenance_conversations(struct max_ctx *c, struct max_resp *r)
{
	enum max_err e = conv_rebuild(c->db);
	return e ? e : done(r);
}

/* POST /admin/maintenance/users: owner is always the username here, so
 * what is left is re-declaring every user's exchanges. */
enum max_err maintenance_users(struct max_ctx *c, struct max_resp *r)
{
	store_q *q = store_sql(c->db, "SELECT username FROM people ORDER BY username");
	if (!q)
		return max_fail(c, MAX_ESERVER, "people query failed");
	json_object *users = json_object_new_array();
	int rc;
	while ((rc = store_step(q)) == STORE_ROW)
		json_object_array_add(users, json_object_new_string(store_text(q, 0)));
	rc = rc == STORE_ERR ? -1 : 0;
	for (size_t i = 0; rc == 0 && i < json_object_array_length(users); i++)
		rc = outbox_declare_user(c->db, json_object_get_string(
							json_object_array_get_idx(users, i)));
	json_object_put(users);
	return rc < 0 ? max_fail(c, MAX_ESERVER, "outbox insert failed") : done(r);
}

/* POST /admin/maintenance/tokens: the original migrated per-user token
 * arrays into the tokens collection; tokens were never stored that way here. */
enum max_err maintenance_tokens(struct max_ctx *c, struct max_resp *r)
{
	return done(r);
}
