/*
 * notify.c — see notify.h.
 */
#include "model/notify.h"
#include "model/outbox.h"
#include "util/carrot.h"
#include "util/ids.h"
#include "util/jsonx.h"
#include "util/status.h"

enum max_err notify_publish(struct store *st, const struct notify *n, json_object *data)
{
	char uuid[37], now[21];
	uuid_v4(uuid);
	time_now_iso(now);
	json_object *m = json_object_new_object(), *u = json_object_new_object();
	jx_set_str(m, "action", n->action);
	jx_set_str(m, "object", n->object);
	jx_set_str(m, "source", "max");
	jx_set_str(m, "version", MAX_VERSION);
	jx_set_str(m, "domain", n->domain);
	jx_set_str(m, "uuid", uuid);
	jx_set_str(m, "published", now);
	jx_set_str(u, "username", n->user);
	jx_set_str(u, "displayname", n->display ? n->display : n->user);
	jx_set(m, "user", u);
	jx_set(m, "data", data ? data : json_object_new_object());
	json_object *packed = carrot_pack(m);
	int rc = outbox_publish(st, n->exchange, n->routing_key, jx_text(packed));
	json_object_put(packed);
	json_object_put(m);
	return rc < 0 ? model_fail(st, MAX_ESERVER, "outbox insert failed") : MAX_OK;
}
