/*
 * adapter.c — reads one FastCGI request into a struct max_req (method, path,
 * query, HTTP_* headers as lower-case names, bounded body), calls the
 * program's function, writes the struct max_resp back and logs one line.
 */
#include "adapter.h"
#include "util/config.h"
#include "http/http.h"
#include "util/jsonx.h"
#include "util/ids.h"
#include "util/log.h"

#include <fcgiapp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char *header_name(const char *env, size_t len)
{
	char *n = xstrndup(env, len);
	for (char *p = n; *p; p++)
		*p = *p == '_' ? '-' : (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	return n;
}

static void collect_headers(struct max_req *req, FCGX_ParamArray envp)
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

static void write_resp(FCGX_Stream *out, const struct max_req *req, struct max_resp *r)
{
	FCGX_FPrintF(out, "Status: %d\r\n", r->status);
	if (r->status != 204 && r->content_type)
		FCGX_FPrintF(out, "Content-Type: %s\r\n", r->content_type);
	for (size_t i = 0; i < r->nheaders; i++)
		FCGX_FPrintF(out, "%s: %s\r\n", r->headers[i].key, r->headers[i].val);
	int head = !strcmp(req->method, "HEAD");
	if (r->status != 204 && !head)
		FCGX_FPrintF(out, "Content-Length: %lu\r\n", (unsigned long)r->body.len);
	FCGX_PutS("\r\n", out);
	if (r->body.len && r->status != 204 && !head)
		FCGX_PutStr(r->body.data, (int)r->body.len, out);
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

static void new_request_id(char out[17])
{
	unsigned char b[8];
	random_bytes(b, sizeof b);
	for (int i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static double elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void serve_one(const struct max_config *cfg, FCGX_Request *fr, fcgi_fn fn, void *arg)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct max_req req = {0};
	struct max_resp resp;
	resp_init(&resp);
	new_request_id(req.id);
	const char *m = FCGX_GetParam("REQUEST_METHOD", fr->envp);
	const char *uri = FCGX_GetParam("REQUEST_URI", fr->envp);
	const char *qs = FCGX_GetParam("QUERY_STRING", fr->envp);
	const char *cl = FCGX_GetParam("CONTENT_LENGTH", fr->envp);
	const char *ra = FCGX_GetParam("REMOTE_ADDR", fr->envp);
	req.method = xstrdup(m ? m : "GET");
	req.path = request_path(uri ? uri : "/");
	req.query = xstrdup(qs ? qs : "");
	req.remote_addr = xstrdup(ra ? ra : "");
	collect_headers(&req, fr->envp);
	long long len = cl && *cl ? strtoll(cl, NULL, 10) : 0;

	long long maxq = config_int(cfg, "max", "max_query_params");
	if (!req.path || !utf8_valid(req.path, strlen(req.path))) {
		http_error(&resp, MAX_EVALIDATION, "The request path is not valid UTF-8");
	} else if (count_params(req.query) > maxq) {
		char msg[128];
		snprintf(msg, sizeof msg, "More than %lld query string parameters", maxq);
		http_error(&resp, MAX_EVALIDATION, msg);
	} else if (len < 0 || len > cfg->max_body) {
		/* refuse before reading: the client may be sending gigabytes */
		char msg[128];
		snprintf(msg, sizeof msg, "Request body larger than %lld bytes", cfg->max_body);
		http_error(&resp, MAX_ETOOLARGE, msg);
	} else if (read_body(&req, fr->in, len) < 0) {
		http_error(&resp, MAX_EVALIDATION, "Request body shorter than Content-Length");
	} else {
		fn(&req, &resp, arg);
	}
	write_resp(fr->out, &req, &resp);
	log_event(req.id, "%s %s %d %zu %.1fms", req.method, req.path ? req.path : "?", resp.status,
		  resp.body.len, elapsed_ms(&t0));
	req_free(&req);
	resp_free(&resp);
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

int fcgi_serve(const struct max_config *cfg, fcgi_fn fn, fcgi_idle_fn idle, void *arg)
{
	FCGX_Request fr;
	adopt_listen_fd();
	if (FCGX_Init() != 0 || FCGX_InitRequest(&fr, 0, 0) != 0)
		return -1;
	while (FCGX_Accept_r(&fr) >= 0) {
		serve_one(cfg, &fr, fn, arg);
		FCGX_Finish_r(&fr);
		if (idle)
			idle(arg);
	}
	FCGX_Free(&fr, 1);
	return 0;
}
