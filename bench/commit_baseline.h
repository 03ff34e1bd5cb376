/*
 * commit_baseline.h — the floor a post's rate is measured against: one
 * row per transaction into a plain table of 11 columns with 2 indexes
 * (WAL, synchronous=NORMAL, the store's own connection settings, but
 * SQLite's default VFS: raw SQLite, without the store's gathered WAL
 * writes), rows the size of a post's. Shared by bench/commit_baseline.c and
 * bench/post_inproc.c (--baseline), so that both measure the same thing.
 */
#ifndef MAX_BENCH_COMMIT_BASELINE_H
#define MAX_BENCH_COMMIT_BASELINE_H

#include "store/checkpoint.h"
#include "store/store.h"
#include "util/ids.h"

#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

static double baseline_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* CPU seconds (user + system) this process has used: on a shared
 * machine the wall-clock rate also measures the other jobs, the CPU time
 * much less so. */
static double baseline_cpu(void)
{
	struct rusage u;
	getrusage(RUSAGE_SELF, &u);
	return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
	       (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

/* With reset_pages > 0, the WAL is copied back and restarted whenever it
 * holds that many pages, by the same round the server's checkpointer runs
 * (store_checkpoint_round), in line and counted: then neither side gets
 * a WAL that grows without end, which a server never has. Returns 1 when
 * the WAL was restarted. */
static int baseline_reset(struct store *st, int reset_pages)
{
	if (reset_pages <= 0 || st->wal_pages < reset_pages)
		return 0;
	struct store_ckpt_conf conf = {.interval_ms = 20, .reset_pages = reset_pages, .wait_ms = 5};
	return store_checkpoint_round(st, &conf) == 0; /* 1: restarted */
}

/* n commits into a fresh database at path: commits per second of wall
 * clock, or -1; *cpu_rate: commits per CPU second. */
static double baseline_run(const char *path, int n, int reset_pages, double *cpu_rate)
{
	struct store st;
	char err[256];
	if (store_open_vfs(&st, path, NULL, 2000, err, sizeof err) < 0) {
		fprintf(stderr, "baseline: %s\n", err);
		return -1;
	}
	store_defer_checkpoints(&st);
	if (store_exec(&st, "CREATE TABLE t (id TEXT PRIMARY KEY, verb TEXT, actor TEXT,"
			    " actor_json TEXT, object_json TEXT, context_hash TEXT, context_json TEXT,"
			    " creator TEXT, owner TEXT, published TEXT, visible INTEGER)",
		       0, NULL) < 0 ||
	    store_exec(&st, "CREATE INDEX t_ctx ON t(context_hash, id)", 0, NULL) < 0 ||
	    store_exec(&st, "CREATE INDEX t_actor ON t(actor, id)", 0, NULL) < 0) {
		store_close(&st);
		return -1;
	}
	char id[25], hash[41], now[21];
	hash_sha1_hex("bench", 5, hash);
	time_now_iso(now);
	double t0 = baseline_now(), c0 = baseline_cpu();
	for (int i = 0; i < n; i++) {
		id_new(id);
		const char *args[] = {
			id, "bench",
			"{\"objectType\":\"person\",\"username\":\"bench\",\"displayName\":\"Bench\"}",
			"{\"objectType\":\"note\",\"content\":\"Post número de la reunió del projecte"
			" #bench\",\"hashtags\":[\"bench\"],\"keywords\":[\"post\",\"número\",\"reunió\","
			"\"projecte\",\"bench\"]}",
			hash,
			"{\"objectType\":\"context\",\"url\":\"http://bench.test/inproc\",\"hash\":"
			"\"db936caa572745af44d442d96a25ac982b9cc953\",\"displayName\":\"Bench\","
			"\"tags\":[],\"notifications\":false}",
			now};
		if (store_begin(&st) < 0 ||
		    store_exec(&st, "INSERT INTO t VALUES (?1, 'post', ?2, ?3, ?4, ?5, ?6, ?2, ?2,"
				    " ?7, 1)",
			       7, args) < 0 ||
		    store_commit(&st) < 0) {
			store_close(&st);
			return -1;
		}
		baseline_reset(&st, reset_pages);
	}
	double rate = n / (baseline_now() - t0);
	*cpu_rate = n / (baseline_cpu() - c0);
	store_close(&st);
	return rate;
}

#endif
