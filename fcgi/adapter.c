/*
 * adapter.c — reads one FastCGI request into a struct max_req (method, path,
 * query, HTTP_* headers as lower-case names, bounded body), calls the
 * program's function, writes the struct max_resp back and logs one line.
 * With a struct fcgi_batch, a writer also takes the requests queued behind
 * the one it accepted and runs them in one transaction (group commit,
 * adapter.h).
 */
#include "adapter.h"
#include "acceptor.h"
#include "util/config.h"
#include "http/http.h"
#include "util/busy.h"
#include "util/jsonx.h"
#include "util/ids.h"
#include "util/log.h"

#include <fcgiapp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static char *header_name(const char *env, size_t len)
{
	char *n = xstrndup(env, len);
	for (char *p = n; *p; p++)
		*p = *p == '_' ? '-' : (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	return n;
}

/* The CGI variables serve_one() reads, picked out in the same pass over
 * the environment as the headers (the first of each, as FCGX_GetParam
 * would find it). */
struct cgi_vars {
	const char *method, *uri, *query, *length, *remote;
};

static void cgi_var(const char *e, const char *name, size_t n, const char **out)
{
	if (!*out && !strncmp(e, name, n) && e[n] == '=')
		*out = e + n + 1;
}

static void cgi_pick(const char *e, struct cgi_vars *v)
{
	switch (e[0]) {
	case 'R':
		cgi_var(e, "REQUEST_METHOD", 14, &v->method);
		cgi_var(e, "REQUEST_URI", 11, &v->uri);
		cgi_var(e, "REMOTE_ADDR", 11, &v->remote);
		break;
	case 'Q':
		cgi_var(e, "QUERY_STRING", 12, &v->query);
		break;
	case 'C':
		cgi_var(e, "CONTENT_LENGTH", 14, &v->length);
		break;
	}
}

static void collect_headers(struct max_req *req, FCGX_ParamArray envp, struct cgi_vars *v)
{
	size_t n = 0;
	for (char **e = envp; *e; e++)
		n++;
	req->headers = xcalloc(n + 2, sizeof *req->headers);
	for (char **e = envp; *e; e++) {
		const char *eq = strchr(*e, '=');
		if (!eq)
			continue;
		const char *name = NULL;
		size_t len = 0;
		if (!strncmp(*e, "HTTP_", 5)) {
			name = *e + 5;
			len = (size_t)(eq - name);
		} else if (!strncmp(*e, "CONTENT_TYPE=", 13)) {
			name = *e;
			len = 12;
		} else {
			cgi_pick(*e, v);
		}
		if (!name)
			continue;
		req->headers[req->nheaders].key = header_name(name, len);
		req->headers[req->nheaders].val = xstrdup(eq + 1);
		req->nheaders++;
	}
}

/* Path without the query string, percent-decoded. lighttpd gives the raw
 * REQUEST_URI; SCRIPT_NAME/PATH_INFO depend on the mount, so use the URI. */
static char *request_path(const char *uri)
{
	const char *q = strchr(uri, '?');
	size_t len = q ? (size_t)(q - uri) : strlen(uri);
	return http_urldecode(uri, len, 0);
}

/* Parameters in a query string: non-empty '&'-separated pieces. Each one
 * costs an allocation and every lookup is a scan, so their number is
 * bounded ([max] max_query_params) before anything parses them. */
static long long count_params(const char *q)
{
	long long n = 0;
	for (const char *p = q; *p; p++)
		if (*p != '&' && (p == q || p[-1] == '&'))
			n++;
	return n;
}

/* The head is formatted here and handed to libfcgi in one piece with a
 * small body (libfcgi's own printf is slow); a large body (a download)
 * goes straight from its buffer. libfcgi sends its buffer when full or at
 * the end of the request: a small response leaves in one write(2). */
static void add_line(struct buf *h, const char *name, const char *value)
{
	buf_adds(h, name);
	buf_add(h, ": ", 2);
	buf_adds(h, value);
	buf_add(h, "\r\n", 2);
}

static void write_resp(FCGX_Stream *out, const struct max_req *req, struct max_resp *r)
{
	struct buf h;
	char num[24];
	buf_init(&h);
	snprintf(num, sizeof num, "%d", r->status);
	add_line(&h, "Status", num);
	if (r->status != 204 && r->content_type)
		add_line(&h, "Content-Type", r->content_type);
	for (size_t i = 0; i < r->nheaders; i++)
		add_line(&h, r->headers[i].key, r->headers[i].val);
	int head = !strcmp(req->method, "HEAD");
	if (r->status != 204 && !head) {
		snprintf(num, sizeof num, "%zu", r->body.len);
		add_line(&h, "Content-Length", num);
	}
	buf_add(&h, "\r\n", 2);
	int body = r->body.len && r->status != 204 && !head;
	if (body && r->body.len <= 4096) {
		buf_add(&h, r->body.data, r->body.len);
		body = 0;
	}
	FCGX_PutStr(h.data, (int)h.len, out);
	if (body)
		FCGX_PutStr(r->body.data, (int)r->body.len, out);
	buf_free(&h);
}

static int read_body(struct max_req *req, FCGX_Stream *in, long long len)
{
	req->body = xmalloc((size_t)len + 1);
	long long got = 0;
	while (got < len) {
		int n = FCGX_GetStr(req->body + got, (int)(len - got > 65536 ? 65536 : len - got),
				    in);
		if (n <= 0)
			break;
		got += n;
	}
	req->body_len = (size_t)got;
	req->body[got] = 0;
	return got == len ? 0 : -1;
}

/* Request ids only tie a request's log lines together: a random per-process
 * start (drawn again in a forked child) and a counter, mixed so that ids of
 * neighbouring requests do not look alike. No system call per request. */
static uint64_t rid_state;
static int rid_seeded;

static void rid_forked(void)
{
	rid_seeded = 0;
}

static void new_request_id(char out[17])
{
	if (!rid_seeded) {
		static int atfork;
		if (!atfork++)
			pthread_atfork(NULL, NULL, rid_forked);
		if (random_bytes(&rid_state, sizeof rid_state) < 0)
			rid_state = (uint64_t)getpid() << 32 ^ (uint64_t)time(NULL);
		rid_seeded = 1;
	}
	/* splitmix64: a bijection of the counter */
	uint64_t z = (rid_state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	z ^= z >> 31;
	unsigned char b[8];
	for (int i = 7; i >= 0; i--, z >>= 8)
		b[i] = (unsigned char)z;
	hex_bytes(b, sizeof b, out);
}

static double seconds_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* Tenths of a millisecond since t0, rounded (the log shows "12.3ms"). */
static long long elapsed_tenths(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long long ns =
		(long long)(t1.tv_sec - t0->tv_sec) * 1000000000LL + (t1.tv_nsec - t0->tv_nsec);
	return ns < 0 ? 0 : (ns + 50000) / 100000;
}

/* Reads what is left of the request's input up to its end record, as long
 * as that is little (a body we refused unread is left alone). Returns 1
 * when the input is at its end, so nothing unread is left in the socket. */
static int input_drained(FCGX_Stream *in)
{
	char buf[1024];
	for (int budget = 16; budget > 0; budget--)
		if (FCGX_GetStr(buf, sizeof buf, in) <= 0)
			break;
	return FCGX_HasSeenEOF(in) == EOF;
}

/* One request in flight: read, then run, then answered (a batch runs all
 * its requests before answering any). */
struct slot {
	FCGX_Request fr;
	struct max_req req;
	struct max_resp resp;
	struct timespec t0;
	int read_all; /* the body was read: the request may run */
	int batch;    /* requests in its batch's transaction; 0: ran alone */
	int adopted;  /* accepted by acceptor.c: its connection is not kept */
};

/* Reads the request's head and body into s->req; a request refused here
 * gets its answer in s->resp and read_all stays 0. */
static void slot_read(const struct max_config *cfg, struct slot *s)
{
	clock_gettime(CLOCK_MONOTONIC, &s->t0);
	memset(&s->req, 0, sizeof s->req);
	resp_init(&s->resp);
	s->read_all = 0;
	s->batch = 0;
	s->adopted = 0;
	struct max_req *req = &s->req;
	new_request_id(req->id);
	struct cgi_vars v = {0};
	collect_headers(req, s->fr.envp, &v);
	req->method = xstrdup(v.method ? v.method : "GET");
	req->path = request_path(v.uri ? v.uri : "/");
	req->query = xstrdup(v.query ? v.query : "");
	req->remote_addr = xstrdup(v.remote ? v.remote : "");
	long long len = v.length && *v.length ? strtoll(v.length, NULL, 10) : 0;

	long long maxq = config_int(cfg, "max", "max_query_params");
	if (!req->path || !utf8_valid(req->path, strlen(req->path))) {
		http_error(&s->resp, MAX_EVALIDATION, "The request path is not valid UTF-8");
	} else if (count_params(req->query) > maxq) {
		char msg[128];
		snprintf(msg, sizeof msg, "More than %lld query string parameters", maxq);
		http_error(&s->resp, MAX_EVALIDATION, msg);
	} else if (len < 0 || len > cfg->max_body) {
		/* refuse before reading: the client may be sending gigabytes */
		char msg[128];
		snprintf(msg, sizeof msg, "Request body larger than %lld bytes", cfg->max_body);
		http_error(&s->resp, MAX_ETOOLARGE, msg);
	} else if (read_body(req, s->fr.in, len) < 0) {
		http_error(&s->resp, MAX_EVALIDATION, "Request body shorter than Content-Length");
	} else {
		s->read_all = 1;
	}
}

static void slot_run(struct slot *s, fcgi_fn fn, void *arg)
{
	if (s->read_all)
		fn(&s->req, &s->resp, arg);
}

/* Writes the answer, logs the request's line and ends the request. */
static void slot_answer(struct slot *s, int unix_sock)
{
	write_resp(s->fr.out, &s->req, &s->resp);
	long long t = elapsed_tenths(&s->t0), w = (s->resp.lock_wait_us + 50) / 100;
	/* the time stays the last field (bench/ reads it); the size of the
	 * request's batch and a wait for another worker's lock, when there
	 * were, come before it */
	char extra[64] = "";
	int at = s->batch ? snprintf(extra, sizeof extra, " batch=%d", s->batch) : 0;
	if (w > 0)
		snprintf(extra + at, sizeof extra - (size_t)at, " wait=%lld.%lldms", w / 10,
			 w % 10);
	log_event(s->req.id, "%s %s %d %zu%s %lld.%lldms", s->req.method,
		  s->req.path ? s->req.path : "?", s->resp.status, s->resp.body.len, extra, t / 10,
		  t % 10);
	/*
	 * libfcgi closes a connection "lingering": shutdown(), then up to 2 s
	 * of poll() and read() until the web server closes its end, so that
	 * unread request bytes cannot make TCP send a reset that destroys the
	 * answer. On a Unix socket whose input was read to its end there is
	 * nothing to protect, and the wait keeps the worker from its next
	 * request until the web server has taken this answer (three system
	 * calls and a round trip through the scheduler). FCGX_Detach makes
	 * FCGX_Finish_r close at once. A body refused unread keeps the
	 * lingering close: closing a Unix socket with data unread would make
	 * the web server's next write fail.
	 */
	if (s->read_all && input_drained(s->fr.in) && unix_sock)
		FCGX_Detach(&s->fr);
	if (s->adopted)
		s->fr.keepConnection = 0;
	FCGX_Finish_r(&s->fr);
	req_free(&s->req);
	resp_free(&s->resp);
}

/* systemd socket activation without libsystemd (sd_listen_fds): the
 * listening socket arrives as fd 3, with LISTEN_PID our pid and
 * LISTEN_FDS >= 1. libfcgi accepts on fd 0, where a web server that
 * spawns the worker puts the socket, so it moves there. */
static void adopt_listen_fd(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	if (!pid || !fds || strtol(pid, NULL, 10) != (long)getpid() || strtol(fds, NULL, 10) < 1)
		return;
	if (dup2(3, 0) == 0)
		close(3);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
}

/* 1 when the web server reaches us over a Unix socket (fd 0 listens). */
static int listen_is_unix(void)
{
	struct sockaddr_storage sa;
	socklen_t n = sizeof sa;
	return getsockname(0, (struct sockaddr *)&sa, &n) == 0 && sa.ss_family == AF_UNIX;
}

/* Hands libfcgi a connection this worker accepted (acceptor.h): its
 * FCGX_Accept_r() then reads the request instead of accepting
 * (keepConnection stops its first step from closing it, and the slot's
 * listening socket is -1, so that a connection closed before its request
 * makes it return instead of blocking in accept). Returns 0 when the
 * request was read into the slot. */
static int slot_adopt(const struct max_config *cfg, struct slot *s, int fd)
{
	s->fr.ipcFd = fd;
	s->fr.keepConnection = 1;
	if (FCGX_Accept_r(&s->fr) < 0)
		return -1;
	slot_read(cfg, s);
	s->adopted = 1;
	return 0;
}

/* Takes the requests that wait besides s[0] (at most max in all);
 * returns how many slots are read. */
static int gather(const struct max_config *cfg, struct slot *s, int max)
{
	int n = 1, fd;
	while (n < max && (fd = acceptor_take()) >= 0)
		if (slot_adopt(cfg, &s[n], fd) == 0)
			n++;
	return n;
}

/* Runs the k requests marked in in[] in one transaction, then answers
 * them: no answer leaves before the commit that makes it true. */
static void run_together(struct slot *s, int n, const int *in, int k, fcgi_fn fn,
			 const struct fcgi_batch *b, void *arg, int unix_sock)
{
	for (int i = 0; i < n; i++)
		if (in[i]) {
			s[i].batch = k;
			slot_run(&s[i], fn, arg);
		}
	if (b->end(arg) < 0)
		for (int i = 0; i < n; i++)
			if (in[i])
				b->failed(&s[i].resp, arg);
	for (int i = 0; i < n; i++)
		if (in[i])
			slot_answer(&s[i], unix_sock);
}

/* Answers s[0..n): the batchable ones together when there are two or
 * more (n > 1 only with a batch), then the others one by one. */
static void run_slots(struct slot *s, int n, fcgi_fn fn, const struct fcgi_batch *b, void *arg,
		      int unix_sock)
{
	int in[FCGI_BATCH_MAX] = {0}, k = 0;
	for (int i = 0; n > 1 && i < n; i++)
		k += in[i] = s[i].read_all && b->batchable(&s[i].req);
	if (k > 1 && b->begin(arg) == 0)
		run_together(s, n, in, k, fn, b, arg, unix_sock);
	else
		memset(in, 0, sizeof in);
	for (int i = 0; i < n; i++) {
		if (in[i])
			continue;
		slot_run(&s[i], fn, arg);
		slot_answer(&s[i], unix_sock);
	}
}

/* Batching settings: the most requests in one transaction (1: none). */
static int batch_max(const struct max_config *cfg, const struct fcgi_batch *b, int unix_sock)
{
	/* batches on a Unix socket only: a TCP connection would want
	 * libfcgi's address check and TCP_NODELAY, which slot_adopt() skips */
	long long max = config_int(cfg, "store", "group_commit");
	max = max < 1 ? 1 : max > FCGI_BATCH_MAX ? FCGI_BATCH_MAX : max;
	if (!b || !unix_sock || (max > 1 && acceptor_init(0) < 0))
		max = 1;
	return (int)max;
}

/* The next request into s[0]: from libfcgi's accept, or (batching) from
 * acceptor.c's. Returns 0, or -1 when the worker is to stop. */
static int next_request(const struct max_config *cfg, struct slot *s, int own)
{
	if (!own) {
		if (FCGX_Accept_r(&s->fr) < 0)
			return -1;
		slot_read(cfg, s);
		return 0;
	}
	for (;;) {
		int fd = acceptor_wait();
		if (fd < 0)
			return -1;
		if (slot_adopt(cfg, s, fd) == 0)
			return 0;
	}
}

int fcgi_serve_batched(const struct max_config *cfg, fcgi_fn fn, fcgi_idle_fn idle,
		       const struct fcgi_batch *b, void *arg)
{
	static struct slot s[FCGI_BATCH_MAX];
	adopt_listen_fd();
	if (FCGX_Init() != 0)
		return -1;
	int unix_sock = listen_is_unix(), max = batch_max(cfg, b, unix_sock), own = max > 1;
	for (int i = 0; i < FCGI_BATCH_MAX; i++)
		if (FCGX_InitRequest(&s[i].fr, i || own ? -1 : 0, 0) != 0)
			return -1;
	long long gate = config_int(cfg, "store", "group_commit_busy");
	struct busy load = {0, 0};
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (next_request(cfg, &s[0], own) == 0) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		busy_add(&load, seconds_between(&t0, &t1), 0);
		int n = 1;
		if (max > 1 && busy_percent(&load) >= gate && s[0].read_all &&
		    b->batchable(&s[0].req))
			n = gather(cfg, s, max);
		run_slots(s, n, fn, b, arg, unix_sock);
		if (idle)
			idle(arg);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		busy_add(&load, seconds_between(&t1, &t0), 1);
	}
	for (int i = 0; i < FCGI_BATCH_MAX; i++)
		FCGX_Free(&s[i].fr, 1);
	acceptor_free();
	return 0;
}

int fcgi_serve(const struct max_config *cfg, fcgi_fn fn, fcgi_idle_fn idle, void *arg)
{
	return fcgi_serve_batched(cfg, fn, idle, NULL, arg);
}
