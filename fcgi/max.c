/*
 * max.c — the max.fcgi worker: loads max.ini, opens its own SQLite
 * connection (migrating it, so a fresh worker never runs on an old
 * schema) and serves the REST API through http_handle().
 */
#include "adapter.h"
#include "util/config.h"
#include "http/http.h"
#include "store/checkpoint.h"
#include "util/jsonx.h"
#include "util/log.h"
#include "store/store.h"
#include "model/outbox.h"
#include "util/wake.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

struct worker {
	struct max_config cfg;
	struct store db;
};

static void serve(const struct max_req *req, struct max_resp *resp, void *arg)
{
	struct worker *w = arg;
	http_handle(&w->cfg, &w->db, req, resp);
	resp->lock_wait_us = store_take_wait(&w->db);
}

/* After the answer went out: a request that appended outbox rows (and
 * committed them, or rolled back: a nudge for nothing costs the bridge a
 * look) wakes max-bridge, so that the answer leaves before the work its
 * commit started (bridge, broker, relay) competes for the CPU. */
static void idle(void *arg)
{
	struct worker *w = arg;
	if (outbox_appended_take())
		wake_send(config_get(&w->cfg, "store", "path"));
	store_idle(&w->db);
}

static int batch_begin(void *arg)
{
	return store_batch_begin(&((struct worker *)arg)->db);
}

static int batch_end(void *arg)
{
	return store_batch_end(&((struct worker *)arg)->db, 1);
}

static void batch_failed(struct max_resp *resp, void *arg)
{
	http_batch_failed(&((struct worker *)arg)->cfg, resp);
}

static const struct fcgi_batch batch = {http_batchable, batch_begin, batch_end, batch_failed};

static const char usage_text[] =
	"usage: max.fcgi [-c max.ini]\n"
	"The MAX REST API, a FastCGI worker: one SQLite connection, one request at\n"
	"a time. A FastCGI manager (lighttpd, Apache, systemd) starts several with\n"
	"the listening socket as standard input.\n"
	"  -c FILE   configuration (default $MAX_CONFIG, else ./max.ini)\n"
	"  --help    this text\n";

int main(int argc, char **argv)
{
	/* the database, its WAL and anything else we create are the owner's
	 * alone: they hold tokens and private messages */
	umask(077);
	const char *path = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-c") && i + 1 < argc) {
			path = argv[++i];
		} else {
			int help = !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h");
			fputs(usage_text, help ? stdout : stderr);
			return help ? 0 : 2;
		}
	}
	static struct worker w;
	char err[512];
	if (config_load(&w.cfg, path, err, sizeof err) < 0) {
		log_event("-", "max.fcgi: config: %s", err);
		return 1;
	}
	jx_set_max_depth((int)config_int(&w.cfg, "max", "max_json_depth"));
	if (store_open(&w.db, config_get(&w.cfg, "store", "path"),
		       (int)config_int(&w.cfg, "store", "busy_timeout_ms"), err, sizeof err) < 0 ||
	    store_migrate(&w.db, err, sizeof err) < 0) {
		log_event("-", "max.fcgi: store: %s", err);
		return 1;
	}
	store_defer_checkpoints(&w.db);
	store_checkpointer_start_cfg(&w.cfg);
	log_event("-", "max.fcgi ready (schema %d)", store_version(&w.db));
	int rc = fcgi_serve_batched(&w.cfg, serve, idle, &batch, &w);
	log_event("-", "max.fcgi stopping");
	store_checkpointer_stop();
	store_close(&w.db);
	config_free(&w.cfg);
	return rc ? 1 : 0;
}
