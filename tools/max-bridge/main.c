/*
 * max-bridge — carries the outbox to RabbitMQ.
 *
 * The API appends rows to the outbox table in the same transaction as the
 * change they report; this process executes them in id order: topology
 * rows (declare a user's exchanges, bind, unbind) one RPC at a time,
 * except a bind made a moment ago (outbox_bound_repeat, skipped), publishes
 * pipelined on a confirm-mode channel. A row is deleted only
 * after the broker confirmed it, so a crash or an outage replays rows
 * (every operation is idempotent) and never loses one. A writer that
 * appended outbox rows nudges it after its commit (util/wake.h: a datagram
 * on "<database>-wake"); SQLite's data_version (no read of the table)
 * tells whether another connection committed, and is also looked at every
 * 50 ms for writers that do not nudge. When that socket cannot be bound,
 * an inotify watch on the WAL file wakes it instead, and without inotify
 * it polls data_version every [rabbitmq] poll_ms. While RabbitMQ is away it retries with a
 * growing delay; the API keeps answering meanwhile, rows just accumulate.
 * The queues clients and producers fill (chat lines, hub tasks, pushes)
 * are consumed by threads of their own (consumers.c).
 */
#include "consumers.h"
#include "mq.h"
#include "model/outbox_drain.h"
#include "store/checkpoint.h"
#include "store/store.h"
#include "util/config.h"
#include "util/log.h"
#include "util/wake.h"

#include <errno.h>
#include <signal.h>
#include <sys/inotify.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define WINDOW 1024     /* publishes awaiting their confirm, at most */
#define BATCH WINDOW    /* rows read per query, at most */
#define DELETE_ROWS 512 /* confirmed rows deleted together … */
#define DELETE_MS 100   /* … or after this long, or when none is in flight */
#define STOP_GRACE_MS 3000

/* A row handed to the broker, waiting for its confirm (tag != 0) or done. */
struct flight {
	int64_t id;
	uint64_t tag;
	int done;
};

struct bridge {
	struct store *db;
	const char *url;
	struct mq mq;
	struct flight ring[WINDOW];
	int head, count;
	int64_t sent;               /* highest row id handed to the broker */
	int64_t confirmed;          /* every row up to this id is done */
	int64_t deleted;            /* … and deleted up to this one */
	int64_t careful_until;      /* one publish at a time up to this id */
	int more;                   /* rows may be waiting */
	int blocked;                /* a row waits for the confirms before it */
	int rc;                     /* the broker's answer during fill() */
	int low;                    /* ring entries before it are all done */
	long deleted_at;            /* when confirmed rows were last deleted */
	struct outbox_bound *bound; /* bindings made on this connection */
	int64_t data_version;       /* at the last read of the table */
	int nacked;
	int wake_fd;    /* the writers' nudges (util/wake.h), or -1 */
	int wal_watch;  /* else inotify descriptor watching the WAL file, or -1 */
	long hot_until; /* poll data_version every poll_ms until then */
	int poll_ms;
	long retry_max_ms;
};

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL); /* a signal cuts it short, as wanted */
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the rows in flight ------------------------------------------------- */

static struct flight *at(struct bridge *b, int i)
{
	return &b->ring[(b->head + i) % WINDOW];
}

static int unconfirmed(struct bridge *b)
{
	int n = 0;
	for (int i = 0; i < b->count; i++)
		n += !at(b, i)->done;
	return n;
}

static void push(struct bridge *b, int64_t id, uint64_t tag, int done)
{
	*at(b, b->count++) = (struct flight){id, tag, done};
	b->sent = id;
}

static void on_confirm(uint64_t tag, int multiple, int ok, void *arg)
{
	struct bridge *b = arg;
	/* the unconfirmed publishes carry increasing tags (a channel is only
	 * reopened with none in flight); the scan starts past the done
	 * prefix, so confirms arriving in order cost one step each */
	for (int i = b->low; i < b->count; i++) {
		struct flight *f = at(b, i);
		if (!f->tag || f->done)
			continue;
		if (f->tag > tag)
			break;
		if (f->tag != tag && !multiple)
			continue;
		if (ok)
			f->done = 1;
		else
			b->nacked = 1;
	}
	while (b->low < b->count && at(b, b->low)->done)
		b->low++;
}

/* Forgets the done prefix and deletes its rows: in one transaction per
 * DELETE_ROWS or DELETE_MS while publishes stream (each commit takes the
 * database's write lock from the API), at once when none is in flight or
 * when force. Rows confirmed but not yet deleted would be sent again only
 * after a crash (at least once). A failed delete is tried again next time;
 * the rows stay confirmed meanwhile. */
static void settle(struct bridge *b, int force)
{
	while (b->count && at(b, 0)->done) {
		b->confirmed = at(b, 0)->id;
		b->head = (b->head + 1) % WINDOW;
		b->count--;
		b->low -= b->low > 0;
	}
	if (b->confirmed <= b->deleted)
		return;
	long now = now_ms();
	if (!force && b->count && b->confirmed - b->deleted < DELETE_ROWS &&
	    now - b->deleted_at < DELETE_MS)
		return;
	b->deleted_at = now;
	if (outbox_delete_upto(b->db, b->confirmed) == 0)
		b->deleted = b->confirmed;
	else
		log_event("bridge", "cannot delete confirmed outbox rows; will retry");
}

/* Unconfirmed rows are sent again (at least once, never lost). */
static void resend_unconfirmed(struct bridge *b)
{
	settle(b, 1);
	b->count = 0;
	b->head = 0;
	b->low = 0;
	b->sent = b->confirmed;
	b->more = 1;
}

/* ---- sending ------------------------------------------------------------ */

static void describe_row(const struct outbox_row *r, char *out, size_t n)
{
	static const char *const names[] = {"publish", "declare_user", "delete_user", "bind",
					    "unbind"};
	snprintf(out, n, "%s %s%s%s key \"%s\"", names[r->op], r->exchange,
		 *r->exchange && *r->destination ? " -> " : "", r->destination, r->routing_key);
}

/* One row; 1 when it must wait for the confirms of earlier publishes. */
static int send_row(struct bridge *b, const struct outbox_row *r, int *rc)
{
	if (r->op == OUTBOX_PUBLISH) {
		if (r->id <= b->careful_until && unconfirmed(b))
			return 1;
		uint64_t tag;
		*rc = mq_publish(&b->mq, r, &tag);
		if (*rc == MQ_OK)
			push(b, r->id, tag, 0);
		return 0;
	}
	/* a binding this connection made a moment ago: nothing to do */
	if (outbox_bound_repeat(b->bound, r, now_ms())) {
		push(b, r->id, 0, 1);
		return 0;
	}
	/* topology rows wait for the publishes before them, so that a
	 * channel error is blamed on the right row */
	if (unconfirmed(b))
		return 1;
	*rc = mq_sync(&b->mq, r);
	if (*rc == MQ_OK || *rc == MQ_REFUSED)
		outbox_bound_note(b->bound, r, *rc == MQ_OK, now_ms());
	if (*rc == MQ_REFUSED) {
		char what[600];
		describe_row(r, what, sizeof what);
		log_event("bridge", "outbox row %lld dropped (%s): %s", (long long)r->id, what,
			  b->mq.why);
		*rc = MQ_OK;
	}
	if (*rc == MQ_OK)
		push(b, r->id, 0, 1);
	return 0;
}

/* outbox_each's callback: one row; 1 stops the walk (the row must wait
 * for confirms: b->blocked, or the broker failed: b->rc). */
static int fill_row(const struct outbox_row *r, void *arg)
{
	struct bridge *b = arg;
	b->blocked = send_row(b, r, &b->rc);
	return b->blocked || b->rc != MQ_OK;
}

/* Sends what the window allows, each row straight from the statement,
 * the publishes' frames in bursts. MQ_OK, MQ_LOST or MQ_DOWN. */
static int fill(struct bridge *b)
{
	int want = WINDOW - b->count < BATCH ? WINDOW - b->count : BATCH;
	b->blocked = 0;
	b->rc = MQ_OK;
	if (!b->more || want <= 0)
		return MQ_OK;
	int64_t dv = store_data_version(b->db); /* before the read: no commit slips by */
	int seen, stopped = outbox_each(b->db, b->sent, want, fill_row, b, &seen);
	if (stopped < 0) {
		log_event("bridge", "cannot read the outbox; will retry");
		b->more = 1;
		sleep_ms(100);
	} else {
		b->data_version = dv;
		b->more = stopped || seen == want;
	}
	if (b->rc != MQ_DOWN && mq_flush(&b->mq) != MQ_OK)
		b->rc = MQ_DOWN;
	return b->rc;
}

/* ---- the loop ----------------------------------------------------------- */

static void on_lost(struct bridge *b)
{
	int in_flight = unconfirmed(b);
	if (b->careful_until >= b->sent && in_flight == 1 && b->mq.code != 0 &&
	    b->mq.code != 541 /* INTERNAL_ERROR: worth another try */) {
		for (int i = 0; i < b->count; i++)
			if (!at(b, i)->done) {
				log_event("bridge", "outbox row %lld dropped (publish): %s",
					  (long long)at(b, i)->id, b->mq.why);
				at(b, i)->done = 1;
			}
		settle(b, 0);
		return;
	}
	log_event("bridge", "%s; sending %d unconfirmed rows again, one at a time", b->mq.why,
		  in_flight);
	b->careful_until = b->sent;
	resend_unconfirmed(b);
}

static void connect_with_backoff(struct bridge *b)
{
	long delay = 100;
	while (!stopping) {
		if (mq_connect(&b->mq, b->url) == MQ_OK) {
			log_event("bridge", "connected to RabbitMQ at %s; %lld outbox rows waiting",
				  b->mq.where, (long long)outbox_pending(b->db));
			b->more = 1;
			/* a new connection may find a broker that lost them */
			outbox_bound_clear(b->bound);
			return;
		}
		log_event("bridge", "RabbitMQ unavailable (%s); next try in %ld ms", b->mq.why,
			  delay);
		sleep_ms(delay);
		delay = delay * 2 > b->retry_max_ms ? b->retry_max_ms : delay * 2;
	}
}

/* Nothing to send: wait for the broker or a commit, whichever first. A
 * nudge comes after its commit. An inotify event comes with the WAL write,
 * before the commit is published in the WAL index, so it may come a
 * moment too early: after one, data_version is polled every millisecond
 * for a short while. Either wait also times out now and then (writers
 * that do not nudge, a WAL file replaced). */
static int idle(struct bridge *b)
{
	int fd = b->wake_fd >= 0 ? b->wake_fd : b->wal_watch;
	int timeout = fd < 0 || now_ms() < b->hot_until ? b->poll_ms : 50;
	int rc = mq_idle(&b->mq, fd, timeout, on_confirm, b);
	if (b->wake_fd >= 0)
		wake_drain(b->wake_fd);
	char events[4096];
	while (b->wake_fd < 0 && b->wal_watch >= 0 && read(b->wal_watch, events, sizeof events) > 0)
		b->hot_until = now_ms() + 50;
	if (store_data_version(b->db) != b->data_version)
		b->more = 1;
	return rc;
}

static int watch_wal(const char *db_path)
{
	char wal[4096];
	if (snprintf(wal, sizeof wal, "%s-wal", db_path) >= (int)sizeof wal)
		return -1;
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd >= 0 && inotify_add_watch(fd, wal, IN_MODIFY) < 0) {
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		log_event("bridge",
			  "no inotify watch on the WAL; polling every [rabbitmq] poll_ms");
	return fd;
}

static int step(struct bridge *b)
{
	int rc = fill(b);
	if (rc == MQ_OK) {
		if (b->more && !b->blocked && b->count < WINDOW)
			/* room for more: take the confirms that came, no wait */
			rc = unconfirmed(b) ? mq_wait(&b->mq, 0, on_confirm, b) : MQ_OK;
		else if (b->more)
			/* the window is full, or a row waits for confirms */
			rc = mq_wait(&b->mq, 50, on_confirm, b);
		else
			/* a confirm or a commit, whichever comes first */
			rc = idle(b);
	}
	if (rc == MQ_LOST)
		on_lost(b);
	if (b->nacked) {
		log_event("bridge", "the broker refused (nack) a publish; sending again");
		b->nacked = 0;
		resend_unconfirmed(b);
		sleep_ms(100);
	}
	settle(b, 0);
	return rc;
}

/* SIGTERM: no new rows; the confirms of the ones in flight, briefly. */
static void finish(struct bridge *b)
{
	long until = now_ms() + STOP_GRACE_MS;
	while (b->mq.up && unconfirmed(b) && now_ms() < until)
		if (mq_wait(&b->mq, 50, on_confirm, b) != MQ_OK)
			break;
	settle(b, 1);
	mq_close(&b->mq);
	log_event("bridge", "stopped; %lld outbox rows waiting", (long long)outbox_pending(b->db));
}

static void run(struct bridge *b)
{
	while (!stopping) {
		if (!b->mq.up) {
			resend_unconfirmed(b);
			connect_with_backoff(b);
			continue;
		}
		if (step(b) == MQ_DOWN) {
			log_event("bridge", "lost RabbitMQ (%s); reconnecting", b->mq.why);
			mq_close(&b->mq);
		}
	}
	finish(b);
}

/* ---- start-up ----------------------------------------------------------- */

static void usage(FILE *f)
{
	fputs("usage: max-bridge [-c max.ini]\n"
	      "\n"
	      "Publishes MAX's outbox to RabbitMQ ([rabbitmq] url in max.ini): user\n"
	      "exchanges, bindings and notifications, in order, each row deleted once\n"
	      "the broker confirmed it. Consumes the queues messages (chat lines sent\n"
	      "over STOMP, stored and acked), syncacl (subscriptions and permissions)\n"
	      "and push (phone notifications). Runs until SIGTERM or SIGINT.\n"
	      "\n"
	      "  -c PATH     configuration (default: $MAX_CONFIG, else ./max.ini)\n"
	      "  -h, --help  this text\n"
	      "\n"
	      "max.ini keys: [rabbitmq] url (amqp://USER:PASSWORD@HOST:PORT/VHOST),\n"
	      "poll_ms (how often to look for new rows when inotify is missing,\n"
	      "default 1), retry_max_s\n"
	      "(longest pause between connection attempts); [store] path;\n"
	      "[push] enabled, language, service_account, fcm_url, timeout_s.\n",
	      f);
}

static void on_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal; /* no SA_RESTART: waits end early */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int open_store(struct store *db, const struct max_config *cfg)
{
	char err[512];
	if (store_open(db, config_get(cfg, "store", "path"),
		       (int)config_int(cfg, "store", "busy_timeout_ms"), err, sizeof err) < 0 ||
	    store_migrate(db, err, sizeof err) < 0) {
		log_event("bridge", "%s", err);
		return -1;
	}
	/* WAL checkpoints on a thread of their own (or a worker's), as in the
	 * workers: run inside the bridge's deletes, they stalled the
	 * publishes for up to tens of milliseconds (an fdatasync each) */
	store_defer_checkpoints(db);
	store_checkpointer_start_cfg(cfg);
	return 0;
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "-c") && i + 1 < argc) {
			path = argv[++i];
			continue;
		}
		usage(stderr);
		return 2;
	}
	struct max_config cfg;
	char err[512];
	if (config_load(&cfg, path, err, sizeof err) < 0) {
		log_event("bridge", "%s", err);
		return 1;
	}
	if (!*config_get(&cfg, "rabbitmq", "url")) {
		log_event("bridge", "[rabbitmq] url is not set in the configuration");
		config_free(&cfg);
		return 1;
	}
	static struct store db;
	static struct bridge b;
	if (open_store(&db, &cfg) < 0) {
		config_free(&cfg);
		return 1;
	}
	b.db = &db;
	b.url = config_get(&cfg, "rabbitmq", "url");
	b.poll_ms = (int)config_int(&cfg, "rabbitmq", "poll_ms");
	b.poll_ms = b.poll_ms < 1 ? 1 : b.poll_ms > 1000 ? 1000 : b.poll_ms;
	b.retry_max_ms = (long)config_int(&cfg, "rabbitmq", "retry_max_s") * 1000;
	if (b.retry_max_ms < 100)
		b.retry_max_ms = 100;
	b.wake_fd = wake_listen(config_get(&cfg, "store", "path"));
	if (b.wake_fd < 0)
		log_event("bridge", "cannot bind the commit nudge socket beside the database;"
				    " watching the WAL instead");
	b.wal_watch = b.wake_fd >= 0 ? -1 : watch_wal(config_get(&cfg, "store", "path"));
	b.bound = outbox_bound_new();
	on_signals();
	if (consumers_start(&cfg, &stopping) < 0)
		stopping = 1;
	run(&b);
	consumers_join();
	store_checkpointer_stop();
	if (b.wal_watch >= 0)
		close(b.wal_watch);
	if (b.wake_fd >= 0)
		close(b.wake_fd);
	outbox_bound_free(b.bound);
	store_close(&db);
	config_free(&cfg);
	return 0;
}
