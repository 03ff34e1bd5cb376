/*
 * adapter.h — FastCGI to struct max_req / struct max_resp.
 * The only place libfcgi is used; max.fcgi and osiris.fcgi both run
 * fcgi_serve() with their own request function.
 */
#ifndef MAX_FCGI_ADAPTER_H
#define MAX_FCGI_ADAPTER_H

#include "http/max.h"

struct max_config;

typedef void (*fcgi_fn)(const struct max_req *req, struct max_resp *resp, void *arg);
typedef void (*fcgi_idle_fn)(void *arg);

/* Accepts requests until the web server closes the socket; returns 0.
 * The socket is fd 0, or fd 3 under systemd socket activation.
 * Bodies larger than cfg->max_body are answered 413 without being read.
 * idle (may be NULL) runs after each answer has been sent: work that must
 * not delay the client, such as a WAL checkpoint. */
int fcgi_serve(const struct max_config *cfg, fcgi_fn fn, fcgi_idle_fn idle, void *arg);

/* Group commit. When the request just accepted is batchable, more wait on
 * the socket and the worker has been busy at least [store]
 * group_commit_busy percent of the recent past (util/busy.h), it takes up
 * to [store] group_commit of them (FCGI_BATCH_MAX at most) and runs
 * the batchable ones between begin() and end() (one transaction, a
 * savepoint each), answering them only after end(); the others run alone
 * afterwards. When end() fails, nothing of the batch was kept, and
 * failed() rewrites each of its answers. */
#define FCGI_BATCH_MAX 64
struct fcgi_batch {
	int (*batchable)(const struct max_req *req);
	int (*begin)(void *arg);
	int (*end)(void *arg);
	void (*failed)(struct max_resp *resp, void *arg);
};
int fcgi_serve_batched(const struct max_config *cfg, fcgi_fn fn, fcgi_idle_fn idle,
		       const struct fcgi_batch *b, void *arg);

#endif
