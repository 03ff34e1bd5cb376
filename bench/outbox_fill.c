/*
 * outbox_fill.c — bench/bridge_rate's hands on a MAX database: fills the
 * outbox with publish rows through the model (outbox_publish, as a
 * handler would, PER_TX rows per transaction), and times max-bridge
 * emptying it.
 *
 *   outbox_fill fill DB N EXCHANGE KEY [BODY_BYTES] [PER_TX] [USERS]
 *   outbox_fill wait DB [TIMEOUT_S]
 *   outbox_fill dbonly DB [BATCH]
 *
 * USERS > 0 writes what a mobile chat message writes (messages.c: every
 * participant re-bound, then the publish): first a declare row for each
 * of USERS people, then before each publish their two bind rows each
 * (U.publish → conversations, conversations → U.subscribe). N counts the
 * publishes; the drain's rows/s then counts every row.
 *
 * wait polls the number of waiting rows every 5 ms; the clock starts at the
 * first rows the bridge deleted (so connecting is not counted, as the plain
 * publisher does not count it either; the rows of that first drop are not
 * counted either) and stops when none is left:
 *   drain: R rows in S s = X rows/s (first drop after W s)
 */
#include "model/outbox.h"
#include "model/outbox_drain.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int open_db(struct store *st, const char *path)
{
	char err[512];
	if (store_open(st, path, 5000, err, sizeof err) < 0 ||
	    store_migrate(st, err, sizeof err) < 0) {
		fprintf(stderr, "outbox_fill: %s\n", err);
		return -1;
	}
	return 0;
}

/* The rows before a publish: USERS participants re-bound. */
static int rebind(struct store *st, int users, int declare)
{
	for (int u = 0; u < users; u++) {
		char name[32], pub[48], sub[48];
		snprintf(name, sizeof name, "benchuser%d", u);
		snprintf(pub, sizeof pub, "%s.publish", name);
		snprintf(sub, sizeof sub, "%s.subscribe", name);
		if (declare ? outbox_declare_user(st, name) < 0
			    : outbox_bind(st, pub, "conversations", "benchcid.*") < 0 ||
				      outbox_bind(st, "conversations", sub, "benchcid.*") < 0)
			return -1;
	}
	return 0;
}

static int fill(struct store *st, long n, const char *ex, const char *key, long bytes, long per,
		int users)
{
	char *body = malloc((size_t)bytes + 1);
	if (!body)
		return 1;
	memset(body, 'x', (size_t)bytes);
	body[0] = '{';
	body[bytes - 1] = '}';
	body[bytes] = 0;
	double t0 = now_s();
	if (users && (store_begin(st) < 0 || rebind(st, users, 1) < 0 || store_commit(st) < 0))
		return 1;
	for (long i = 0; i < n;) {
		if (store_begin(st) < 0)
			return 1;
		for (long k = 0; k < per && i < n; k++, i++)
			if (rebind(st, users, 0) < 0 || outbox_publish(st, ex, key, body) < 0) {
				store_rollback(st);
				return 1;
			}
		if (store_commit(st) < 0)
			return 1;
	}
	fprintf(stderr, "outbox_fill: %ld publishes (%ld rows) in %.2f s (%ld per transaction)\n",
		n, n * (1 + 2 * users) + users, now_s() - t0, per);
	free(body);
	return 0;
}

/* Rows waiting, without counting them (a count(*) every 5 ms would take
 * CPU from the bridge): the bridge deletes a prefix, so ids stay contiguous. */
static int64_t left_rows(struct store *st)
{
	store_q *q = store_sql(st, "SELECT coalesce(max(id) - min(id) + 1, 0) FROM outbox");
	int64_t n = -1;
	if (store_one(q) == 1) {
		n = store_int(q, 0);
		store_reset(q);
	}
	return n;
}

static int wait_empty(struct store *st, double timeout)
{
	struct timespec tick = {0, 5000000};
	double start = now_s(), t0 = 0;
	int64_t first = left_rows(st), at0 = 0, left = first;
	while (left > 0 && now_s() - start < timeout) {
		nanosleep(&tick, NULL);
		left = left_rows(st);
		if (!t0 && left >= 0 && left < first) {
			t0 = now_s();
			at0 = left; /* conservative: the first drop is not counted */
		}
	}
	if (left != 0) {
		fprintf(stderr, "outbox_fill: %lld rows still waiting after %.0f s\n",
			(long long)left, timeout);
		return 1;
	}
	double secs = now_s() - t0;
	printf("drain: %lld rows in %.3f s = %.0f rows/s (first drop after %.2f s)\n",
	       (long long)at0, secs, (double)at0 / secs, t0 - start);
	return 0;
}

/* The bridge's database work alone, without a broker: read BATCH rows in
 * id order (as the bridge's fill), then delete them in their own
 * transaction (as its settle), until the outbox is empty. */
static int db_only(struct store *st, int batch)
{
	struct outbox_row *rows = calloc((size_t)batch, sizeof *rows);
	if (!rows)
		return 1;
	int64_t after = 0, total = 0;
	double t0 = now_s();
	for (int n; (n = outbox_fetch(st, after, batch, rows)) > 0; total += n) {
		after = rows[n - 1].id;
		for (int i = 0; i < n; i++)
			outbox_row_free(&rows[i]);
		if (outbox_delete_upto(st, after) < 0)
			return 1;
	}
	double secs = now_s() - t0;
	printf("dbonly: %lld rows read and deleted %d at a time in %.3f s = %.0f rows/s\n",
	       (long long)total, batch, secs, (double)total / secs);
	free(rows);
	return 0;
}

int main(int argc, char **argv)
{
	static struct store st;
	if (argc >= 6 && !strcmp(argv[1], "fill")) {
		long bytes = argc > 6 ? atol(argv[6]) : 300, per = argc > 7 ? atol(argv[7]) : 100;
		int users = argc > 8 ? atoi(argv[8]) : 0;
		if (bytes < 2 || per < 1 || users < 0 || users > 1000 || open_db(&st, argv[2]) < 0)
			return 2;
		int rc = fill(&st, atol(argv[3]), argv[4], argv[5], bytes, per, users);
		store_close(&st);
		return rc;
	}
	if (argc >= 3 && !strcmp(argv[1], "wait")) {
		if (open_db(&st, argv[2]) < 0)
			return 2;
		int rc = wait_empty(&st, argc > 3 ? atof(argv[3]) : 600);
		store_close(&st);
		return rc;
	}
	if (argc >= 3 && !strcmp(argv[1], "dbonly")) {
		int batch = argc > 3 ? atoi(argv[3]) : 256;
		if (batch < 1 || batch > 100000 || open_db(&st, argv[2]) < 0)
			return 2;
		int rc = db_only(&st, batch);
		store_close(&st);
		return rc;
	}
	fputs("usage: outbox_fill fill DB N EXCHANGE KEY [BODY_BYTES] [PER_TX] [USERS]\n"
	      "       outbox_fill wait DB [TIMEOUT_S]\n"
	      "       outbox_fill dbonly DB [BATCH]\n",
	      stderr);
	return 2;
}
