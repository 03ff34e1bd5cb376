/*
 * post_inproc.c — what one post (or one comment) costs inside the
 * process: http_handle() called in a loop on a temp database, no web
 * server, no network. Prints mean, p50 and p99 µs per request and the WAL
 * pages each one adds (checkpoints are deferred and never run, so the WAL
 * size after the last commit is exactly what the requests wrote).
 *
 *   post_inproc [--posts N]        N ordinary text posts into a context
 *               [--comments N]     then N comments on one post, the cost
 *                                  of the first and the last 100 apart
 *               [--merge-every N]  a merge step of the full-text index
 *                                  (what a server's checkpointer runs
 *                                  every 20 ms while posts come) after
 *                                  every N-th post (10, a few hundred
 *                                  posts/s; 0: none), its time and pages
 *                                  counted with the posts'
 *               [--baseline N]     then N raw commits (commit_baseline.h) on
 *                                  another database: posts/s against it,
 *                                  by the wall clock and per CPU second
 *               [--reset-pages N]  restart the WAL (posts' and raw commits'
 *                                  alike) whenever it holds N pages, with
 *                                  the round the server's checkpointer
 *                                  runs, its time counted (the server:
 *                                  4096); 0, the default: never, and every
 *                                  page lookup searches a WAL index that
 *                                  only grows
 *               [--keep]           leave the database and its WAL behind
 *                                  (bench/walpages tells where the pages went)
 */
#include "commit_baseline.h"
#include "http/http.h"
#include "model/roles.h"
#include "model/oauth.h"
#include "model/tokens.h"
#include "store/checkpoint.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CTX_URL "http://bench.test/inproc"

static struct max_config cfg;
static struct store st;
static char token[2][33];
static const char *const users[2] = {"benchadmin", "bench"};

static double now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static void header(struct max_req *req, const char *name, const char *val)
{
	req->headers = xrealloc(req->headers, (req->nheaders + 1) * sizeof *req->headers);
	req->headers[req->nheaders].key = xstrdup(name);
	req->headers[req->nheaders].val = xstrdup(val);
	req->nheaders++;
}

/* One request as user u (0 the Manager, 1 the poster); the status, and
 * the answer's "id" in id when given. */
static int request(int u, const char *method, const char *path, const char *body, char id[25])
{
	struct max_req req = {0};
	req.method = xstrdup(method);
	req.path = xstrdup(path);
	req.query = xstrdup("");
	req.remote_addr = xstrdup("127.0.0.1");
	req.body = xstrdup(body);
	req.body_len = strlen(body);
	snprintf(req.id, sizeof req.id, "bench");
	header(&req, "x-oauth-token", token[u]);
	header(&req, "x-oauth-username", users[u]);
	header(&req, "x-oauth-scope", "widgetcli");
	struct max_resp r;
	resp_init(&r);
	http_handle(&cfg, &st, &req, &r);
	int status = r.status;
	if (id) {
		const char *p = r.body.data ? strstr(r.body.data, "\"id\": \"") : NULL;
		if (!p)
			p = r.body.data ? strstr(r.body.data, "\"id\":\"") : NULL;
		id[0] = 0;
		if (p)
			sscanf(strchr(p + 4, '"') + 1, "%24[0-9a-f]", id);
	}
	resp_free(&r);
	req_free(&req);
	return status;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *what, double *t, int n, long wal)
{
	double sum = 0;
	for (int i = 0; i < n; i++)
		sum += t[i];
	qsort(t, (size_t)n, sizeof *t, cmp);
	printf("%-22s n=%-5d mean %7.1f µs  p50 %7.1f µs  p99 %7.1f µs", what, n, sum / n, t[n / 2],
	       t[(int)(n * 0.99)]);
	if (wal >= 0)
		printf("  WAL %.2f pages/req", (double)wal / n);
	printf("\n");
}

static int setup(const char *dir)
{
	char path[256], err[256];
	snprintf(path, sizeof path, "%s/max.db", dir);
	config_defaults(&cfg);
	config_set(&cfg, "store", "path", path);
	if (store_open(&st, path, 2000, err, sizeof err) < 0 ||
	    store_migrate(&st, err, sizeof err) < 0) {
		fprintf(stderr, "post_inproc: %s\n", err);
		return -1;
	}
	store_defer_checkpoints(&st);
	roles_add(&st, "Manager", users[0]);
	for (int u = 0; u < 2; u++)
		token_issue(&st, &cfg, users[u], "widgetcli", "bench", token[u], NULL);
	if (request(0, "POST", "/people", "{\"username\":\"benchadmin\"}", NULL) != 201 ||
	    request(0, "POST", "/people",
		    "{\"username\":\"bench\",\"displayName\":\"Bench Poster\"}", NULL) != 201 ||
	    request(0, "POST", "/contexts",
		    "{\"url\":\"" CTX_URL "\",\"displayName\":\"Bench\",\"permissions\":"
		    "{\"read\":\"subscribed\",\"write\":\"subscribed\",\"subscribe\":"
		    "\"restricted\"}}",
		    NULL) != 201 ||
	    request(0, "POST", "/people/bench/subscriptions",
		    "{\"object\":{\"objectType\":\"context\",\"url\":\"" CTX_URL "\"}}",
		    NULL) != 201) {
		fprintf(stderr, "post_inproc: setup failed\n");
		return -1;
	}
	return 0;
}

static const char *body(const char *type, int i)
{
	static char b[512];
	snprintf(b, sizeof b,
		 "{\"object\":{\"objectType\":\"%s\",\"content\":\"Post número %d de la reunió"
		 " del projecte #bench paraula%d\"}%s}",
		 type, i, i,
		 strcmp(type, "note")
			 ? ""
			 : ",\"contexts\":[{\"objectType\":\"context\",\"url\":\"" CTX_URL "\"}]");
	return b;
}

static double posts_per_s, posts_per_cpu_s;
static int merge_every = 10, reset_pages;

/* The WAL pages a request added, from the size the commit hook noted:
 * after a restart the WAL starts again from its first frame. */
static int wal_added(int *prev)
{
	int now = st.wal_pages, added = now >= *prev ? now - *prev : now;
	*prev = now;
	return added;
}

static int posts(int n, char last[25])
{
	double *t = xcalloc((size_t)n, sizeof *t);
	int prev = st.wal_pages;
	long wal = 0;
	double start = now_us(), cpu0 = baseline_cpu();
	for (int i = 0; i < n; i++) {
		double t0 = now_us();
		int s = request(1, "POST", "/people/bench/activities", body("note", i), last);
		t[i] = now_us() - t0;
		if (s != 201) {
			fprintf(stderr, "post_inproc: post %d answered %d\n", i, s);
			return -1;
		}
		wal += wal_added(&prev);
		if (baseline_reset(&st, reset_pages))
			prev = 0;
		if (merge_every > 0 && (i + 1) % merge_every == 0 &&
		    store_fts_merge_step(&st, STORE_FTS_MERGE_PAGES) < 0) {
			fprintf(stderr, "post_inproc: merge step failed\n");
			return -1;
		}
	}
	posts_per_s = n / ((now_us() - start) / 1e6);
	posts_per_cpu_s = n / (baseline_cpu() - cpu0);
	report("POST activity", t, n, wal);
	printf("%-22s %.1f CPU µs/post\n", "", 1e6 / posts_per_cpu_s);
	free(t);
	return 0;
}

/* The raw commit rate beside, and the posts' rate as a share of it. */
static int baseline(const char *dir, int n)
{
	char path[256];
	snprintf(path, sizeof path, "%s/baseline.db", dir);
	double cpu_rate = 0, rate = baseline_run(path, n, reset_pages, &cpu_rate);
	if (rate < 0)
		return -1;
	printf("raw commits            n=%-5d %.0f commits/s; posts %.0f/s = %.2f× the raw rate\n",
	       n, rate, posts_per_s, posts_per_s / rate);
	/* the same per CPU second: what the other jobs of a shared machine
	 * do to the wall clock cancels out */
	printf("raw commits, CPU time  %.1f CPU µs/commit; posts %.2f× the raw rate per CPU "
	       "second\n",
	       1e6 / cpu_rate, posts_per_cpu_s / cpu_rate);
	return 0;
}

static int comments(int n, const char *post)
{
	char path[128];
	snprintf(path, sizeof path, "/activities/%s/comments", post);
	double *t = xcalloc((size_t)n, sizeof *t);
	int k = n < 100 ? n : 100, prev = st.wal_pages;
	long wal_first = 0, wal_last = 0;
	for (int i = 0; i < n; i++) {
		double t0 = now_us();
		int s = request(1, "POST", path, body("comment", i), NULL);
		t[i] = now_us() - t0;
		if (s != 201) {
			fprintf(stderr, "post_inproc: comment %d answered %d\n", i, s);
			return -1;
		}
		int added = wal_added(&prev);
		wal_first += i < k ? added : 0;
		wal_last += i >= n - k ? added : 0;
		if (i == k - 1)
			report("comments first 100", t, k, wal_first);
	}
	report("comments last 100", t + n - k, k, wal_last);
	free(t);
	return 0;
}

int main(int argc, char **argv)
{
	int nposts = 5000, ncomments = 0, keep = 0, nbase = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--posts") && i + 1 < argc)
			nposts = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--comments") && i + 1 < argc)
			ncomments = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--merge-every") && i + 1 < argc)
			merge_every = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--baseline") && i + 1 < argc)
			nbase = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--reset-pages") && i + 1 < argc)
			reset_pages = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--keep"))
			keep = 1;
		else {
			fprintf(stderr,
				"usage: post_inproc [--posts N] [--comments N] [--merge-every "
				"N] [--baseline N] [--reset-pages N] [--keep]\n");
			return 2;
		}
	}
	if (nposts < 1)
		nposts = 1;
	char dir[] = "/tmp/max-post-inproc-XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	char last[25] = "";
	int rc = setup(dir) < 0 || posts(nposts, last) < 0 ||
		 (ncomments > 0 && comments(ncomments, last) < 0) ||
		 (nbase > 0 && baseline(dir, nbase) < 0);
	char cmd[256];
	/* closing checkpoints and removes the WAL: copy it first */
	snprintf(cmd, sizeof cmd,
		 "cp '%s/max.db' '%s/kept.db' && cp '%s/max.db-wal' '%s/kept.db-wal'", dir, dir,
		 dir, dir);
	if (keep && system(cmd) != 0)
		rc = 1;
	store_close(&st);
	config_free(&cfg);
	if (keep) {
		printf("kept %s/kept.db (and its WAL)\n", dir);
		return rc;
	}
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
