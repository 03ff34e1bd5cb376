/*
 * push_send.c — see push_send.h. The texts and recipients are the
 * model's (model/push.c); this file only walks the devices and hands each
 * message to the sender. APNs hex tokens are first converted with Google's
 * Instance ID batchImport (iid.h), all the unknown ones of a push in one
 * call, when [push] ios_bundle_id names the iOS app; without it they are
 * skipped with a log line.
 */
#include "push_send.h"
#include "fcm.h"
#include "iid.h"
#include "model/push.h"
#include "util/buf.h"
#include "util/config.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pusher {
	struct fcm *fcm;
	struct iid *iid; /* NULL: no iOS app configured, APNs tokens skipped */
	char *iid_url;
};

/* The APNs token converter of cfg, or NULL (logged) when off. */
static void open_iid(struct pusher *p, const struct max_config *cfg)
{
	const char *bundle = config_get(cfg, "push", "ios_bundle_id");
	if (!*bundle) {
		log_event("bridge", "push: APNs tokens skipped ([push] ios_bundle_id is empty)");
		return;
	}
	int sandbox = config_bool(cfg, "push", "apns_sandbox");
	p->iid = iid_new(bundle, sandbox, IID_CACHE_MAX);
	p->iid_url = xstrdup(config_get(cfg, "push", "iid_url"));
	log_event("bridge", "push: APNs tokens of %s (%s) converted at %s", bundle,
		  sandbox ? "sandbox" : "production", p->iid_url);
}

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
	open_iid(p, cfg);
	log_event("bridge", "push: sending through FCM at %s", config_get(cfg, "push", "fcm_url"));
	return p;
}

void pusher_close(struct pusher *p)
{
	if (!p)
		return;
	fcm_close(p->fcm);
	iid_free(p->iid);
	free(p->iid_url);
	free(p);
}

static const char *kind_name(enum push_kind k)
{
	static const char *const names[] = {"activity", "comment", "message", "conversation"};
	return names[k];
}

/* 1 when t's token is an APNs token batchImport has not converted yet. */
static int to_import(const struct pusher *p, const struct push_target *t)
{
	return p->iid && !strcmp(t->platform, "ios") && !push_fcm_token(t->platform, t->token) &&
	       iid_apns_token(t->token) && !iid_lookup(p->iid, t->token);
}

/* One batchImport call for n tokens; failures are logged, not kept, so
 * that the next push asks again. */
static void import_batch(struct pusher *p, const char *const *apns, int n)
{
	json_object *req = iid_request(p->iid, apns, n);
	char why[300] = "";
	json_object *ans = fcm_iid_post(p->fcm, p->iid_url, req, why, sizeof why);
	json_object_put(req);
	if (!ans) {
		log_event("bridge", "push: IID batchImport of %d APNs tokens failed: %s", n, why);
		return;
	}
	int failed = 0, ok = iid_absorb(p->iid, ans, &failed);
	log_event("bridge", "push: IID imported %d of %d APNs tokens (%d refused)", ok, n, failed);
	json_object_put(ans);
}

/* Converts the push's APNs tokens not in the cache, IID_BATCH_MAX a call
 * (push_recipients lists each token once per platform). */
static void import_apns(struct pusher *p, const struct push_target *t, int count)
{
	const char **want = xcalloc((size_t)count, sizeof *want);
	int n = 0;
	for (int i = 0; i < count; i++)
		if (to_import(p, &t[i]))
			want[n++] = t[i].token;
	for (int k = 0; k < n; k += IID_BATCH_MAX)
		import_batch(p, want + k, n - k < IID_BATCH_MAX ? n - k : IID_BATCH_MAX);
	free(want);
}

/* The token FCM takes for t: its own, or its APNs token's conversion;
 * NULL when there is none. */
static const char *fcm_token(const struct pusher *p, const struct push_target *t)
{
	if (push_fcm_token(t->platform, t->token))
		return t->token;
	return p->iid && !strcmp(t->platform, "ios") ? iid_lookup(p->iid, t->token) : NULL;
}

/* Sends to every device; counts what went and what did not. */
static void send_all(struct pusher *p, const struct push_note *n, struct push_target *t, int count)
{
	int sent = 0, failed = 0, skipped = 0;
	import_apns(p, t, count);
	for (int i = 0; i < count; i++) {
		const char *to = fcm_token(p, &t[i]);
		if (!to) {
			skipped++;
			continue;
		}
		json_object *m = push_fcm_message(n, to);
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
