/*
 * push_send.c — see push_send.h. The texts and recipients are the
 * model's (model/push.c); this file only walks the devices and hands each
 * message to the sender. APNs hex tokens would need Google's batchImport
 * first: they are skipped with a log line.
 */
#include "push_send.h"
#include "fcm.h"
#include "model/push.h"
#include "util/config.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>

struct pusher {
	struct fcm *fcm;
};

struct pusher *pusher_open(const struct max_config *cfg)
{
	if (!config_bool(cfg, "push", "enabled")) {
		log_event("bridge", "push: sender off ([push] enabled = false); notifications are "
				    "only logged");
		return NULL;
	}
	char err[512];
	struct fcm *f = fcm_open(config_get(cfg, "push", "service_account"),
				 config_get(cfg, "push", "fcm_url"),
				 (long)config_int(cfg, "push", "timeout_s"), err, sizeof err);
	if (!f) {
		log_event("bridge", "push: sender off: %s", err);
		return NULL;
	}
	struct pusher *p = calloc(1, sizeof *p);
	p->fcm = f;
	log_event("bridge", "push: sending through FCM at %s", config_get(cfg, "push", "fcm_url"));
	return p;
}

void pusher_close(struct pusher *p)
{
	if (!p)
		return;
	fcm_close(p->fcm);
	free(p);
}

static const char *kind_name(enum push_kind k)
{
	static const char *const names[] = {"activity", "comment", "message", "conversation"};
	return names[k];
}

/* Sends to every device; counts what went and what did not. */
static void send_all(struct pusher *p, const struct push_note *n, struct push_target *t, int count)
{
	int sent = 0, failed = 0, skipped = 0;
	for (int i = 0; i < count; i++) {
		if (!push_fcm_token(t[i].platform, t[i].token)) {
			skipped++;
			continue;
		}
		json_object *m = push_fcm_message(n, t[i].token);
		char why[300] = "";
		if (fcm_send(p->fcm, m, why, sizeof why) == 0) {
			sent++;
		} else {
			failed++;
			log_event("bridge", "push: %s device of %s not notified: %s", t[i].platform,
				  t[i].owner, why);
		}
		json_object_put(m);
	}
	log_event("bridge", "push: %s %s by %s: %d sent, %d failed, %d APNs tokens skipped",
		  kind_name(n->kind), n->destination, n->username, sent, failed, skipped);
}

void pusher_handle(struct pusher *p, struct store *st, const struct max_config *cfg,
		   const char *routing_key, const char *body, size_t len)
{
	struct push_note n;
	char why[256];
	if (push_prepare(body, len, routing_key, config_get(cfg, "push", "language"), &n, why,
			 sizeof why) < 0) {
		log_event("bridge", "push: dropped a notification (key \"%.100s\"): %s",
			  routing_key, why);
		return;
	}
	struct push_target *t = NULL;
	int count = push_recipients(st, &n, &t);
	if (count < 0)
		log_event("bridge", "push: cannot read the devices of %s", n.destination);
	else if (count > 0 && p)
		send_all(p, &n, t, count);
	else if (count > 0)
		log_event("bridge", "push: %s %s by %s for %d devices (sender off)",
			  kind_name(n.kind), n.destination, n.username, count);
	if (count > 0)
		push_targets_free(t, count);
	push_note_free(&n);
}
