/*
 * fuzz_request.c — the whole request pipeline: the input becomes a
 * struct max_req and goes through http_handle() against one temporary
 * database (created and migrated once, kept between inputs, so later
 * inputs meet the people and objects earlier ones created).
 *
 * Input, readable so that seeds are easy to write:
 *   METHOD TARGET [admin|user]\n      TARGET = path[?query], as sent
 *   name: value\n …                    headers (names lower-cased)
 *   \n
 *   body …                             the rest, any bytes
 * "admin" / "user" add valid X-Oauth-* headers of a Manager or a plain
 * user. The path is percent-decoded and refused like the FastCGI adapter
 * does, so the pipeline sees what it would see behind lighttpd.
 */
#include "http/http.h"
#include "model/tokens.h"
#include "model/roles.h"
#include "store/store.h"
#include "util/config.h"
#include "util/jsonx.h"

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/max-fuzz-XXXXXX";
static struct max_config cfg;
static struct store db;
static char admin_tok[33], user_tok[33];

static void add_header(struct max_req *req, const char *name, size_t nlen, const char *val,
		       size_t vlen)
{
	req->headers = xrealloc(req->headers, (req->nheaders + 1) * sizeof *req->headers);
	char *k = xstrndup(name, nlen);
	for (char *p = k; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	req->headers[req->nheaders].key = k;
	req->headers[req->nheaders].val = xstrndup(val, vlen);
	req->nheaders++;
}

static void handle(struct max_req *req)
{
	struct max_resp resp;
	resp_init(&resp);
	http_handle(&cfg, &db, req, &resp);
	resp_free(&resp);
}

static void add_auth(struct max_req *req, const char *user, const char *tok)
{
	add_header(req, "x-oauth-token", 13, tok, strlen(tok));
	add_header(req, "x-oauth-username", 16, user, strlen(user));
	add_header(req, "x-oauth-scope", 13, "widgetcli", 9);
}

static void setup_person(const char *username)
{
	struct max_req req = {0};
	char body[128];
	snprintf(body, sizeof body, "{\"username\":\"%s\"}", username);
	req.method = xstrdup("POST");
	req.path = xstrdup("/people");
	req.query = xstrdup("");
	req.remote_addr = xstrdup("127.0.0.1");
	req.body = xstrdup(body);
	req.body_len = strlen(body);
	add_auth(&req, "fzadmin", admin_tok);
	add_header(&req, "content-type", 12, "application/json", 16);
	handle(&req);
	req_free(&req);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* the database and uploaded files go when the fuzzer exits */
static void cleanup(void)
{
	store_close(&db);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[128], err[256];
	if (!mkdtemp(dir))
		abort();
	atexit(cleanup);
	config_defaults(&cfg);
	snprintf(path, sizeof path, "%s/max.db", dir);
	config_set(&cfg, "store", "path", path);
	snprintf(path, sizeof path, "%s/files", dir);
	mkdir(path, 0700);
	config_set(&cfg, "store", "files", path);
	snprintf(path, sizeof path, "%s/files/avatars", dir);
	mkdir(path, 0700);
	config_set(&cfg, "store", "avatars", path);
	config_set(&cfg, "max", "compat_id", "fuzz");
	config_set(&cfg, "max", "max_body_bytes", "65536");
	snprintf(path, sizeof path, "%s/max.db", dir);
	if (store_open(&db, path, 2000, err, sizeof err) < 0 ||
	    store_migrate(&db, err, sizeof err) < 0) {
		fprintf(stderr, "fuzz_request: %s\n", err);
		abort();
	}
	roles_add(&db, "Manager", "fzadmin");
	token_issue(&db, &cfg, "fzadmin", "widgetcli", "fuzz", admin_tok, NULL);
	token_issue(&db, &cfg, "fzuser", "widgetcli", "fuzz", user_tok, NULL);
	setup_person("fzadmin");
	setup_person("fzuser");
	return 0;
}

/* The request line: method, target, who. 0 when malformed. */
static int request_line(struct max_req *req, const char *s, size_t len)
{
	const char *sp = memchr(s, ' ', len);
	if (!sp || sp == s)
		return 0;
	req->method = xstrndup(s, (size_t)(sp - s));
	const char *t = sp + 1, *end = s + len;
	const char *sp2 = memchr(t, ' ', (size_t)(end - t));
	const char *tend = sp2 ? sp2 : end;
	const char *q = memchr(t, '?', (size_t)(tend - t));
	req->path = http_urldecode(t, (size_t)((q ? q : tend) - t), 0);
	req->query = q ? xstrndup(q + 1, (size_t)(tend - q - 1)) : xstrdup("");
	if (!req->path || !utf8_valid(req->path, strlen(req->path)))
		return 0;
	if (strlen(req->query) != (size_t)(q ? tend - q - 1 : 0))
		return 0; /* a NUL in the query: lighttpd never passes one */
	if (sp2 && !strncmp(sp2 + 1, "admin", (size_t)(end - sp2 - 1)) && end - sp2 - 1 == 5)
		add_auth(req, "fzadmin", admin_tok);
	else if (sp2 && end - sp2 - 1 == 4 && !strncmp(sp2 + 1, "user", 4))
		add_auth(req, "fzuser", user_tok);
	return 1;
}

/* Header lines up to an empty line; returns where the body starts. */
static const char *header_lines(struct max_req *req, const char *p, const char *end)
{
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		if (le == p)
			return nl + 1;
		const char *colon = memchr(p, ':', (size_t)(le - p));
		if (colon && colon > p && !memchr(p, 0, (size_t)(le - p))) {
			const char *v = colon + 1;
			while (v < le && *v == ' ')
				v++;
			add_header(req, p, (size_t)(colon - p), v, (size_t)(le - v));
		}
		if (!nl)
			return end;
		p = nl + 1;
	}
	return end;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *end = s + size;
	const char *nl = memchr(s, '\n', size);
	if (!nl)
		return 0;
	struct max_req req = {0};
	snprintf(req.id, sizeof req.id, "fuzz");
	req.remote_addr = xstrdup("127.0.0.1");
	if (request_line(&req, s, (size_t)(nl - s))) {
		const char *body = header_lines(&req, nl + 1, end);
		req.body_len = (size_t)(end - body);
		req.body = xmalloc(req.body_len + 1);
		memcpy(req.body, body, req.body_len);
		req.body[req.body_len] = 0;
		handle(&req);
	}
	req_free(&req);
	return 0;
}
