/*
 * test_limits.c — what keeps a hostile or careless client from hurting the
 * server or reading what it should not: tokens never reach a file, the
 * data is the owner's alone, errors lighttpd answers by itself are MAX's
 * JSON, and request size, query parameters, JSON nesting and slow clients
 * are bounded. e2e.sh sets the limits it relies on: [max] max_body_bytes
 * = 65536, max_query_params = 64, max_json_depth = 16, and lighttpd's read
 * idle time (MAX_TEST_IDLE_S).
 */
#include "e2e.h"
#include "workers.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define ALICE "limits.alice"

static int init(void)
{
	return !e2e_person(ALICE, "Alice Limits");
}

static const char *var_dir(void)
{
	const char *v = getenv("MAX_TEST_VAR");
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	return v;
}

/* The whole file (NUL-terminated), or NULL. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0, got;
	char *s = malloc(cap + 1);
	while ((got = fread(s + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap)
			s = realloc(s, (cap *= 2) + 1);
	}
	fclose(f);
	s[n] = 0;
	*len = n;
	return s;
}

static int file_has(const char *path, const char *needle)
{
	size_t len;
	char *s = slurp(path, &len);
	int found = s && memmem(s, len, needle, strlen(needle)) != NULL;
	free(s);
	return found;
}

/* Every regular file under dir, recursively: fn(path, st, arg); returns the
 * number of files seen. */
static int walk(const char *dir, void (*fn)(const char *, const struct stat *, void *), void *arg)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		struct stat st;
		if (lstat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			n += walk(path, fn, arg);
		} else if (S_ISREG(st.st_mode)) {
			fn(path, &st, arg);
			n++;
		}
	}
	closedir(d);
	return n;
}

static void no_token_in(const char *path, const struct stat *st, void *token)
{
	if (file_has(path, token))
		CU_FAIL_FATAL(e2e_fmt("the token was written to %s", path));
}

static void owner_only(const char *path, const struct stat *st, void *unused)
{
	if (st->st_mode & 077)
		CU_FAIL(e2e_fmt("%s has mode %03o", path, (unsigned)(st->st_mode & 0777)));
}

static void test_token_not_logged(void)
{
	/* a tunnelled GET carries its credentials in the query string */
	const char *tok = e2e_token(ALICE);
	const char *path = e2e_fmt("/people/%s?X-HTTP-Method-Override=GET&X-Oauth-Token=%s"
				   "&X-Oauth-Username=%s&X-Oauth-Scope=widgetcli",
				   ALICE, tok, ALICE);
	struct e2e_resp *r = e2e_request("POST", path, NULL, NULL);
	E2E_STATUS(r, 200);
	e2e_free(r);
	/* lighttpd buffers its access log: wait until the request is there */
	const char *log = e2e_fmt("%s/log/access.log", var_dir());
	int logged = 0;
	for (int i = 0; i < 100 && !logged; i++) {
		logged = file_has(log, "/people/" ALICE " ");
		if (!logged)
			usleep(100 * 1000);
	}
	CU_ASSERT(logged);
	CU_ASSERT(walk(e2e_fmt("%s/log", var_dir()), no_token_in, (void *)tok) > 0);
}

static void test_files_owner_only(void)
{
	struct stat st;
	CU_ASSERT_FATAL(stat(var_dir(), &st) == 0);
	CU_ASSERT_EQUAL(st.st_mode & 077, 0);
	const char *db = e2e_fmt("%s/max.db", var_dir());
	CU_ASSERT_FATAL(stat(db, &st) == 0);
	owner_only(db, &st, NULL);
	const char *side[] = {"-wal", "-shm"};
	for (int i = 0; i < 2; i++)
		if (stat(e2e_fmt("%s%s", db, side[i]), &st) == 0)
			owner_only(e2e_fmt("%s%s", db, side[i]), &st, NULL);
	CU_ASSERT(walk(e2e_fmt("%s/log", var_dir()), owner_only, NULL) >= 2);
}

/* ---- errors lighttpd answers itself ---------------------------------------- */

static void expect_json_error(const struct e2e_resp *r, const char *name)
{
	const char *ct = e2e_header(r, "Content-Type");
	CU_ASSERT(ct && !strncmp(ct, "application/json", 16));
	E2E_STR_EQ(e2e_str(r->json, "objectType"), "error");
	E2E_STR_EQ(e2e_str(r->json, "error"), name);
	CU_ASSERT(e2e_str(r->json, "error_description") != NULL);
}

static void test_body_too_large_json(void)
{
	/* far above max_body_bytes: lighttpd refuses before any worker sees it */
	size_t n = 4 << 20;
	char *big = malloc(n + 1);
	memset(big, 'a', n);
	big[n] = 0;
	struct e2e_resp *r = e2e_request("POST", "/people", e2e_manager(), big);
	free(big);
	E2E_STATUS(r, 413);
	expect_json_error(r, "RequestTooLarge");
	e2e_free(r);
}

static void test_headers_too_large_json(void)
{
	size_t n = 40 * 1024;
	char *h = malloc(n + 16);
	memcpy(h, "X-Big: ", 7);
	memset(h + 7, 'b', n);
	h[7 + n] = 0;
	struct e2e_resp *r = e2e_request("GET", "/info", NULL, NULL, h);
	free(h);
	CU_ASSERT(r->status == 431 || r->status == 400);
	expect_json_error(r, r->status == 431 ? "RequestTooLarge" : "ValidationError");
	e2e_free(r);
}

/* A TCP connection to the server, with a receive timeout of secs. */
static int dial(int secs)
{
	const char *url = e2e_url(); /* http://127.0.0.1:PORT */
	const char *colon = strrchr(url, ':');
	CU_ASSERT_PTR_NOT_NULL_FATAL(colon);
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)atoi(colon + 1))};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(fd >= 0);
	struct timeval tv = {.tv_sec = secs};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	CU_ASSERT_FATAL(connect(fd, (struct sockaddr *)&a, sizeof a) == 0);
	return fd;
}

/* Sends raw bytes, reads until the server closes; the answer, or NULL when
 * the connection timed out. */
static char *raw_exchange(const char *req, size_t len, int secs)
{
	int fd = dial(secs);
	CU_ASSERT(send(fd, req, len, 0) == (ssize_t)len);
	size_t cap = 65536, n = 0;
	char *out = malloc(cap + 1);
	ssize_t got;
	while (n < cap && (got = recv(fd, out + n, cap - n, 0)) > 0)
		n += (size_t)got;
	int timed_out = n < cap && got < 0;
	close(fd);
	out[n] = 0;
	if (timed_out) {
		free(out);
		return NULL;
	}
	return out;
}

static void test_bad_request_line_json(void)
{
	static const char *const reqs[] = {
		"GARBAGE\r\n\r\n",
		"GET /info HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n",
		"GET /in\001fo HTTP/1.1\r\nHost: x\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
		char *a = raw_exchange(reqs[i], strlen(reqs[i]), 10);
		CU_ASSERT_PTR_NOT_NULL_FATAL(a);
		CU_ASSERT(!strncmp(a, "HTTP/1.0 400 ", 13) || !strncmp(a, "HTTP/1.1 400 ", 13));
		CU_ASSERT(strstr(a, "\r\nContent-Type: application/json") != NULL);
		const char *body = strstr(a, "\r\n\r\n");
		json_object *o = body ? json_tokener_parse(body + 4) : NULL;
		E2E_STR_EQ(e2e_str(o, "error"), "ValidationError");
		E2E_STR_EQ(e2e_str(o, "objectType"), "error");
		json_object_put(o);
		free(a);
	}
}

/* ---- limits MAX applies -------------------------------------------------- */

static const char *params(int n)
{
	char *q = malloc((size_t)n * 12 + 1), *p = q;
	for (int i = 0; i < n; i++)
		p += sprintf(p, "%sp%d=1", i ? "&" : "", i);
	const char *s = e2e_fmt("%s", q);
	free(q);
	return s;
}

static void test_query_params_bounded(void)
{
	E2E_SEND(200, "GET", e2e_fmt("/info?%s", params(64)), NULL, NULL);
	struct e2e_resp *r = e2e_request("GET", e2e_fmt("/info?%s", params(65)), NULL, NULL);
	E2E_EXPECT(r, 400, "ValidationError", "More than 64 query string parameters");
	e2e_free(r);
	/* empty pieces are no parameters */
	E2E_SEND(200, "GET", e2e_fmt("/info?%s&&&&&&&&&&&&&&&&&&&&", params(64)), NULL, NULL);
}

/* {"displayName": …, "pad": [[…[]…]]}: the object and depth - 1 arrays */
static const char *nested(int depth)
{
	char *s = malloc((size_t)depth * 2 + 64), *p = s;
	p += sprintf(p, "{\"displayName\":\"Alice Limits\",\"pad\":");
	for (int i = 1; i < depth; i++)
		*p++ = '[';
	for (int i = 1; i < depth; i++)
		*p++ = ']';
	strcpy(p, "}");
	const char *out = e2e_fmt("%s", s);
	free(s);
	return out;
}

static void test_json_depth_bounded(void)
{
	E2E_SEND(200, "PUT", "/people/" ALICE, ALICE, nested(16));
	struct e2e_resp *r = e2e_request("PUT", "/people/" ALICE, ALICE, nested(17));
	E2E_EXPECT(r, 400, "ValidationError", "The request body is not valid JSON");
	e2e_free(r);
	r = e2e_request("PUT", "/people/" ALICE, ALICE, nested(5000));
	E2E_STATUS(r, 400);
	e2e_free(r);
}

static void test_slow_client_dropped(void)
{
	/* half a request, then silence: lighttpd hangs up after its read idle
	 * time (perhaps with a 408), well before our own timeout */
	const char *v = getenv("MAX_TEST_IDLE_S");
	if (!v) /* set where the server's idle limit is MAX's (lighttpd's config) */
		return;
	int idle = atoi(v);
	const char *half = "GET /info HTTP/1.1\r\nHost: x\r\n";
	time_t t0 = time(NULL);
	char *a = raw_exchange(half, strlen(half), idle + 10);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT(!*a || strstr(a, " 408 ") != NULL);
	CU_ASSERT(time(NULL) - t0 >= idle - 1);
	free(a);
}

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/* n simultaneous PUT /people/user by user (so that every worker answers
 * some); counts the answers by status: 200 in ok[0], 429 in ok[1]. */
static void parallel_puts(const char *user, int n, int ok[2])
{
	CURLM *m = curl_multi_init();
	CURL *h[16];
	struct curl_slist *hdrs = NULL;
	hdrs = curl_slist_append(hdrs, e2e_fmt("X-Oauth-Token: %s", e2e_token(user)));
	hdrs = curl_slist_append(hdrs, e2e_fmt("X-Oauth-Username: %s", user));
	hdrs = curl_slist_append(hdrs, "X-Oauth-Scope: widgetcli");
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	for (int i = 0; i < n; i++) {
		h[i] = curl_easy_init();
		curl_easy_setopt(h[i], CURLOPT_URL, e2e_fmt("%s/people/%s", e2e_url(), user));
		curl_easy_setopt(h[i], CURLOPT_CUSTOMREQUEST, "PUT");
		curl_easy_setopt(h[i], CURLOPT_COPYPOSTFIELDS, "{\"displayName\":\"Rate\"}");
		curl_easy_setopt(h[i], CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(h[i], CURLOPT_WRITEFUNCTION, discard);
		curl_easy_setopt(h[i], CURLOPT_TIMEOUT, 10L);
		curl_multi_add_handle(m, h[i]);
	}
	for (int running = 1; running;) {
		curl_multi_perform(m, &running);
		if (running)
			curl_multi_poll(m, NULL, 0, 100, NULL);
	}
	for (int i = 0; i < n; i++) {
		long st = 0;
		curl_easy_getinfo(h[i], CURLINFO_RESPONSE_CODE, &st);
		ok[0] += st == 200;
		ok[1] += st == 429;
		curl_multi_remove_handle(m, h[i]);
		curl_easy_cleanup(h[i]);
	}
	curl_slist_free_all(hdrs);
	curl_multi_cleanup(m);
}

/* Appends text to max.ini (NULL: puts back what was there) and restarts
 * the workers so that they read it; 0 when they cannot be restarted. */
static int reconfigure(const char *text)
{
	static char *orig;
	static size_t orig_len;
	const char *ini = getenv("MAX_TEST_INI");
	CU_ASSERT_PTR_NOT_NULL_FATAL(ini);
	if (!orig)
		orig = slurp(ini, &orig_len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(orig);
	FILE *f = fopen(ini, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fwrite(orig, 1, orig_len, f);
	if (text)
		fputs(text, f);
	fclose(f);
	return e2e_fresh_workers();
}

/* [max] writes_per_minute holds for a user whatever worker answers: the
 * workers count into one shared table, so 30 parallel writes under a
 * limit of 12 get exactly 12 answers 200 and 18 answers 429, where
 * workers counting apart would let up to 12 through each. */
static void test_write_rate_shared(void)
{
	const char *user = "limits.rate";
	CU_ASSERT_FATAL(e2e_person(user, "Rate Limits"));
	e2e_token(user);
	time_t now = time(NULL);
	if (now % 60 > 45) /* keep the test inside one counted minute */
		sleep((unsigned)(61 - now % 60));
	if (!reconfigure("\n[max]\nwrites_per_minute = 12\n")) {
		reconfigure(NULL);
		return; /* workers this server does not let us restart */
	}
	int got[2] = {0, 0};
	for (int round = 0; round < 3; round++)
		parallel_puts(user, 10, got);
	E2E_INT_EQ(got[0], 12);
	E2E_INT_EQ(got[1], 18);
	CU_ASSERT(reconfigure(NULL));
	got[0] = got[1] = 0;
	parallel_puts(user, 10, got); /* no limit again */
	E2E_INT_EQ(got[0], 10);
}

E2E_SUITE(limits, init, NULL)
{
	E2E_TEST(s, test_token_not_logged);
	E2E_TEST(s, test_files_owner_only);
	E2E_TEST(s, test_body_too_large_json);
	E2E_TEST(s, test_headers_too_large_json);
	E2E_TEST(s, test_bad_request_line_json);
	E2E_TEST(s, test_query_params_bounded);
	E2E_TEST(s, test_json_depth_bounded);
	E2E_TEST(s, test_slow_client_dropped);
	E2E_TEST(s, test_write_rate_shared);
}
