/*
 * harness.c — what the end-to-end tests share: one libcurl handle (kept
 * alive between requests), the per-user token cache filled by `maxctl
 * token`, maxctl runs, read-only SQLite peeks at the server's database and
 * assertions whose failure messages show the request and the response.
 * Strings handed out live in an arena freed by e2e_harness_cleanup(), so a
 * sanitizer build reports only real leaks.
 */
#include "e2e.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- arena ----------------------------------------------------------------- */

struct arena_blk {
	struct arena_blk *next;
	char data[];
};
static struct arena_blk *arena;

static char *arena_alloc(size_t n)
{
	struct arena_blk *b = malloc(sizeof *b + n);
	if (!b)
		abort();
	b->next = arena;
	arena = b;
	return b->data;
}

static char *arena_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	return memcpy(arena_alloc(n), s, n);
}

__attribute__((format(printf, 1, 0))) static char *vfmt(const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	char *s = arena_alloc((size_t)(n < 0 ? 0 : n) + 1);
	vsnprintf(s, (size_t)(n < 0 ? 0 : n) + 1, fmt, ap);
	return s;
}

const char *e2e_fmt(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = vfmt(fmt, ap);
	va_end(ap);
	return s;
}

/* a growable byte buffer for curl callbacks */
struct mem {
	char *p;
	size_t len, cap;
};

static void mem_add(struct mem *m, const char *s, size_t n)
{
	if (m->len + n + 1 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 1024;
		while (cap < m->len + n + 1)
			cap *= 2;
		char *p = realloc(m->p, cap);
		if (!p)
			abort();
		m->p = p;
		m->cap = cap;
	}
	memcpy(m->p + m->len, s, n);
	m->len += n;
	m->p[m->len] = 0;
}

static char *mem_take(struct mem *m)
{
	if (!m->p)
		mem_add(m, "", 0);
	return m->p;
}

static void fail_at(const char *file, int line, const char *func, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void fail_at(const char *file, int line, const char *func, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	CU_assertImplementation(CU_FALSE, (unsigned)line, msg, file, func, CU_FALSE);
}

/* ---- environment ----------------------------------------------------------- */

static const char *env(const char *name)
{
	const char *v = getenv(name);
	if (!v || !*v) {
		fprintf(stderr, "e2e: %s is not set (run through scripts/e2e.sh)\n", name);
		exit(2);
	}
	return v;
}

const char *e2e_url(void)
{
	return env("MAX_TEST_URL");
}

const char *e2e_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char *o = arena_alloc(strlen(s) * 3 + 1), *p = o;
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (isalnum(*c) || strchr("-._~", *c)) {
			*p++ = (char)*c;
		} else {
			*p++ = '%';
			*p++ = hex[*c >> 4];
			*p++ = hex[*c & 15];
		}
	}
	*p = 0;
	return o;
}

/* Collects a NULL-terminated list of strings (header lines, maxctl
 * arguments) into out[16]. */
static void string_args(const char **out, va_list ap)
{
	size_t n = 0;
	for (const char *a; n < 15 && (a = va_arg(ap, const char *));)
		out[n++] = a;
	out[n] = NULL;
}

/* ---- maxctl and tokens ------------------------------------------------------- */

static int run_maxctl(char **out, const char *input, const char **args, size_t nargs)
{
	const char *argv[32];
	size_t n = 0;
	argv[n++] = e2e_fmt("%s/maxctl", env("MAX_TEST_BUILD"));
	argv[n++] = "-c";
	argv[n++] = env("MAX_TEST_INI");
	for (size_t i = 0; i < nargs && n < 31; i++)
		argv[n++] = args[i];
	argv[n] = NULL;

	/* stderr is kept aside and shown only when maxctl fails */
	FILE *err = tmpfile();
	int pin[2], pout[2];
	if (!err || pipe(pin) < 0 || pipe(pout) < 0)
		return -1;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(pin[0], 0);
		dup2(pout[1], 1);
		dup2(fileno(err), 2);
		close(pin[0]);
		close(pin[1]);
		close(pout[0]);
		close(pout[1]);
		execv(argv[0], (char *const *)argv);
		fprintf(stderr, "e2e: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pin[0]);
	close(pout[1]);
	if (input) {
		size_t left = strlen(input);
		const char *p = input;
		while (left) {
			ssize_t w = write(pin[1], p, left);
			if (w <= 0)
				break;
			p += w;
			left -= (size_t)w;
		}
	}
	close(pin[1]);
	struct mem m = {0};
	char chunk[4096];
	ssize_t r;
	while ((r = read(pout[0], chunk, sizeof chunk)) > 0)
		mem_add(&m, chunk, (size_t)r);
	close(pout[0]);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	char *text = mem_take(&m);
	if (out)
		*out = arena_strdup(text);
	free(text);
	int rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	if (rc != 0) {
		fprintf(stderr, "\ne2e: maxctl %s failed (status %d):\n", nargs ? args[0] : "", rc);
		rewind(err);
		while ((r = (ssize_t)fread(chunk, 1, sizeof chunk, err)) > 0)
			fwrite(chunk, 1, (size_t)r, stderr);
	}
	fclose(err);
	return rc;
}

int e2e_maxctl_(char **out, const char *input, ...)
{
	const char *args[16];
	va_list ap;
	va_start(ap, input);
	string_args(args, ap);
	va_end(ap);
	size_t n = 0;
	while (args[n])
		n++;
	return run_maxctl(out, input, args, n);
}

int e2e_grant(const char *user, const char *role)
{
	int rc = e2e_maxctl(NULL, NULL, "grant", user, role);
	if (rc != 0)
		fail_at(__FILE__, __LINE__, __func__, "maxctl grant %s %s: status %d", user, role,
			rc);
	return rc == 0;
}

int e2e_revoke_role(const char *user, const char *role)
{
	int rc = e2e_maxctl(NULL, NULL, "revoke", user, role);
	if (rc != 0)
		fail_at(__FILE__, __LINE__, __func__, "maxctl revoke %s %s: status %d", user, role,
			rc);
	return rc == 0;
}

int e2e_passwd(const char *user, const char *password)
{
	int rc = e2e_maxctl(NULL, password, "passwd", user);
	if (rc != 0)
		fail_at(__FILE__, __LINE__, __func__, "maxctl passwd %s: status %d", user, rc);
	return rc == 0;
}

struct tok {
	struct tok *next;
	char *user;
	char *token;
};
static struct tok *tokens;

const char *e2e_token(const char *user)
{
	for (struct tok *t = tokens; t; t = t->next)
		if (!strcmp(t->user, user))
			return t->token;
	char *out = NULL;
	int rc = e2e_maxctl(&out, NULL, "token", user, "--scope", "widgetcli");
	char *end = out ? out + strlen(out) : NULL;
	while (end && end > out && isspace((unsigned char)end[-1]))
		*--end = 0;
	if (rc != 0 || !out || !*out) {
		char msg[256];
		snprintf(msg, sizeof msg, "maxctl token %s failed (status %d)", user, rc);
		CU_assertImplementation(CU_FALSE, __LINE__, msg, __FILE__, "e2e_token", CU_FALSE);
		return "no-token-from-maxctl";
	}
	struct tok *t = malloc(sizeof *t);
	if (!t)
		abort();
	t->user = strdup(user);
	t->token = strdup(out);
	t->next = tokens;
	tokens = t;
	return t->token;
}

void e2e_forget_token(const char *user)
{
	for (struct tok **p = &tokens; *p; p = &(*p)->next) {
		if (!strcmp((*p)->user, user)) {
			struct tok *t = *p;
			*p = t->next;
			free(t->user);
			free(t->token);
			free(t);
			return;
		}
	}
}

/* ---- HTTP -------------------------------------------------------------------- */

static CURL *curl;

static size_t on_data(char *ptr, size_t size, size_t n, void *arg)
{
	mem_add(arg, ptr, size * n);
	return size * n;
}

static void parse_headers(struct e2e_resp *r)
{
	size_t cap = 8;
	r->hdrs = calloc(cap, sizeof *r->hdrs);
	for (char *line = r->headers; line && *line;) {
		char *eol = strstr(line, "\r\n");
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		const char *colon = memchr(line, ':', len);
		if (!strncmp(line, "HTTP/", 5)) {
			/* a new status line (e.g. after 100 Continue): start over */
			for (size_t i = 0; i < r->nhdrs; i++) {
				free(r->hdrs[i].name);
				free(r->hdrs[i].value);
			}
			r->nhdrs = 0;
		} else if (colon) {
			if (r->nhdrs == cap) {
				cap *= 2;
				r->hdrs = realloc(r->hdrs, cap * sizeof *r->hdrs);
				if (!r->hdrs)
					abort();
			}
			const char *v = colon + 1;
			while (v < line + len && (*v == ' ' || *v == '\t'))
				v++;
			const char *ve = line + len;
			while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
				ve--;
			r->hdrs[r->nhdrs].name = strndup(line, (size_t)(colon - line));
			r->hdrs[r->nhdrs].value = strndup(v, (size_t)(ve - v));
			r->nhdrs++;
		}
		line = eol ? eol + 2 : line + len;
	}
}

const char *e2e_header(const struct e2e_resp *r, const char *name)
{
	const char *v = NULL;
	for (size_t i = 0; r && i < r->nhdrs; i++)
		if (!strcasecmp(r->hdrs[i].name, name))
			v = r->hdrs[i].value;
	return v;
}

struct e2e_resp *e2e_request_raw(const char *method, const char *path, const char *user,
				 const char *body, size_t body_len, const char *const *headers)
{
	struct e2e_resp *r = calloc(1, sizeof *r);
	if (!r)
		abort();
	snprintf(r->what, sizeof r->what, "%s %s", method, path);
	if (!curl && !(curl = curl_easy_init()))
		abort();
	curl_easy_reset(curl);

	struct curl_slist *hl = NULL;
	int has_ct = 0;
	for (size_t i = 0; headers && headers[i]; i++) {
		if (!strncasecmp(headers[i], "Content-Type:", 13))
			has_ct = 1;
		hl = curl_slist_append(hl, headers[i]);
	}
	if (user) {
		hl = curl_slist_append(hl, e2e_fmt("X-Oauth-Token: %s", e2e_token(user)));
		hl = curl_slist_append(hl, e2e_fmt("X-Oauth-Username: %s", user));
		hl = curl_slist_append(hl, "X-Oauth-Scope: widgetcli");
	}
	if (body && !has_ct)
		hl = curl_slist_append(hl, "Content-Type: application/json");
	hl = curl_slist_append(hl, "Expect:");

	struct mem b = {0}, h = {0};
	curl_easy_setopt(curl, CURLOPT_URL, e2e_fmt("%s%s", e2e_url(), path));
	curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_data);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, &h);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	if (!strcmp(method, "HEAD")) {
		curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
	} else {
		if (strcmp(method, "GET") || body)
			curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
		if (body) {
			curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
			curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		} else if (!strcmp(method, "POST")) {
			curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
			curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "");
		}
	}
	CURLcode rc = curl_easy_perform(curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r->status);
	else
		fprintf(stderr, "\ne2e: %s: %s\n", r->what, curl_easy_strerror(rc));
	curl_slist_free_all(hl);

	r->body_len = b.len;
	r->body = mem_take(&b);
	r->headers = mem_take(&h);
	parse_headers(r);
	if (r->body_len) {
		json_tokener *tk = json_tokener_new();
		r->json = json_tokener_parse_ex(tk, r->body, (int)r->body_len);
		if (json_tokener_get_error(tk) != json_tokener_success) {
			json_object_put(r->json);
			r->json = NULL;
		}
		json_tokener_free(tk);
	}
	return r;
}

struct e2e_resp *e2e_request_(const char *method, const char *path, const char *user,
			      const char *body, ...)
{
	const char *hs[16];
	va_list ap;
	va_start(ap, body);
	string_args(hs, ap);
	va_end(ap);
	return e2e_request_raw(method, path, user, body, body ? strlen(body) : 0, hs);
}

int e2e_send_(long status, const char *file, int line, const char *func, const char *method,
	      const char *path, const char *user, const char *body, ...)
{
	const char *hs[16];
	va_list ap;
	va_start(ap, body);
	string_args(hs, ap);
	va_end(ap);
	struct e2e_resp *r = e2e_request_raw(method, path, user, body, body ? strlen(body) : 0, hs);
	int ok = e2e_expect_(r, status, NULL, NULL, file, line, func);
	e2e_free(r);
	return ok;
}

void e2e_free(struct e2e_resp *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nhdrs; i++) {
		free(r->hdrs[i].name);
		free(r->hdrs[i].value);
	}
	free(r->hdrs);
	json_object_put(r->json);
	free(r->body);
	free(r->headers);
	free(r);
}

/* ---- assertions ---------------------------------------------------------------- */

static void pass_at(const char *file, int line, const char *func)
{
	CU_assertImplementation(CU_TRUE, (unsigned)line, "ok", file, func, CU_FALSE);
}

static const char *snippet(const struct e2e_resp *r)
{
	static char s[400];
	snprintf(s, sizeof s, "%.300s%s", r->body, r->body_len > 300 ? "…" : "");
	for (char *p = s; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return s;
}

int e2e_expect_(const struct e2e_resp *r, long status, const char *error, const char *description,
		const char *file, int line, const char *func)
{
	if (r->status != status) {
		fail_at(file, line, func, "%s: status %ld, expected %ld; body: %s", r->what,
			r->status, status, snippet(r));
		return 0;
	}
	if (error) {
		const char *ot = e2e_str(r->json, "objectType");
		const char *e = e2e_str(r->json, "error");
		if (!ot || strcmp(ot, "error") || !e || strcmp(e, error)) {
			fail_at(file, line, func, "%s: expected error %s; body: %s", r->what, error,
				snippet(r));
			return 0;
		}
	}
	if (description) {
		const char *d = e2e_str(r->json, "error_description");
		if (!d || strcmp(d, description)) {
			fail_at(file, line, func, "%s: error_description \"%s\", expected \"%s\"",
				r->what, d ? d : "(none)", description);
			return 0;
		}
	}
	pass_at(file, line, func);
	return 1;
}

int e2e_str_eq_(const char *actual, const char *expected, const char *expr, const char *file,
		int line, const char *func)
{
	if ((!actual && !expected) || (actual && expected && !strcmp(actual, expected))) {
		pass_at(file, line, func);
		return 1;
	}
	fail_at(file, line, func, "%s is %s%s%s, expected %s%s%s", expr, actual ? "\"" : "",
		actual ? actual : "NULL", actual ? "\"" : "", expected ? "\"" : "",
		expected ? expected : "NULL", expected ? "\"" : "");
	return 0;
}

int e2e_int_eq_(long long actual, long long expected, const char *expr, const char *file, int line,
		const char *func)
{
	if (actual == expected) {
		pass_at(file, line, func);
		return 1;
	}
	fail_at(file, line, func, "%s is %lld, expected %lld", expr, actual, expected);
	return 0;
}

/* ---- JSON ---------------------------------------------------------------------- */

json_object *e2e_get(json_object *o, const char *key)
{
	json_object *v = NULL;
	if (o && json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, key, &v))
		return v;
	return NULL;
}

const char *e2e_str(json_object *o, const char *key)
{
	json_object *v = e2e_get(o, key);
	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

int e2e_bool(json_object *o, const char *key)
{
	json_object *v = e2e_get(o, key);
	return v && json_object_is_type(v, json_type_boolean) ? json_object_get_boolean(v) : -1;
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char *e2e_keys(json_object *o)
{
	if (!o || !json_object_is_type(o, json_type_object))
		return NULL;
	size_t n = (size_t)json_object_object_length(o), i = 0, total = 1;
	const char **names = calloc(n + 1, sizeof *names);
	json_object_object_foreach(o, k, v)
	{
		(void)v;
		names[i++] = k;
		total += strlen(k) + 1;
	}
	qsort(names, i, sizeof *names, cmpstr);
	char *s = arena_alloc(total);
	*s = 0;
	for (size_t j = 0; j < i; j++) {
		if (j)
			strcat(s, ",");
		strcat(s, names[j]);
	}
	free(names);
	return s;
}

int e2e_len(json_object *o)
{
	return o && json_object_is_type(o, json_type_array) ? (int)json_object_array_length(o) : -1;
}

const char *e2e_usernames(json_object *arr)
{
	struct mem m = {0};
	mem_add(&m, "", 0);
	for (int i = 0; i < e2e_len(arr); i++) {
		const char *u = e2e_str(json_object_array_get_idx(arr, (size_t)i), "username");
		if (i)
			mem_add(&m, ",", 1);
		mem_add(&m, u ? u : "?", strlen(u ? u : "?"));
	}
	char *s = arena_strdup(m.p);
	free(m.p);
	return s;
}

int e2e_is_hex(const char *s, size_t n)
{
	if (!s || strlen(s) != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
			return 0;
	return 1;
}

int e2e_is_date(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	if (!s || strlen(s) != sizeof shape - 1)
		return 0;
	for (size_t i = 0; shape[i]; i++)
		if (shape[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != shape[i])
			return 0;
	return 1;
}

/* ---- people -------------------------------------------------------------------- */

#define MANAGER "e2e.manager"

int e2e_person(const char *username, const char *display)
{
	const char *body =
		display ? e2e_fmt("{\"username\":\"%s\",\"displayName\":\"%s\"}", username, display)
			: e2e_fmt("{\"username\":\"%s\"}", username);
	struct e2e_resp *r = e2e_request("POST", "/people", e2e_manager(), body);
	int ok = r->status == 201 || r->status == 200;
	if (!ok)
		fail_at(__FILE__, __LINE__, __func__, "creating %s: %s: status %ld; body: %s",
			username, r->what, r->status, snippet(r));
	e2e_free(r);
	return ok;
}

const char *e2e_manager(void)
{
	static int ready;
	if (!ready) {
		ready = 1;
		e2e_grant(MANAGER, "Manager");
		e2e_person(MANAGER, "E2E Manager");
	}
	return MANAGER;
}

/* ---- database ------------------------------------------------------------------ */

static const char *db_path(void)
{
	static char path[1024];
	if (*path)
		return path;
	FILE *f = fopen(env("MAX_TEST_INI"), "r");
	if (!f)
		return NULL;
	char line[1200], section[64] = "";
	while (fgets(line, sizeof line, f)) {
		char *s = line;
		while (isspace((unsigned char)*s))
			s++;
		char *e = s + strlen(s);
		while (e > s && isspace((unsigned char)e[-1]))
			*--e = 0;
		if (*s == '[') {
			snprintf(section, sizeof section, "%.*s", (int)strcspn(s + 1, "]"), s + 1);
		} else if (!strcmp(section, "store") && !strncmp(s, "path", 4)) {
			char *v = s + 4;
			while (isspace((unsigned char)*v))
				v++;
			if (*v++ != '=')
				continue;
			while (isspace((unsigned char)*v))
				v++;
			snprintf(path, sizeof path, "%s", v);
		}
	}
	fclose(f);
	return *path ? path : NULL;
}

static sqlite3 *db_open(int writable)
{
	sqlite3 *db = NULL;
	const char *p = db_path();
	if (!p || sqlite3_open_v2(p, &db, writable ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY,
				  NULL) != SQLITE_OK) {
		fprintf(stderr, "e2e: cannot open database %s: %s\n", p ? p : "(no [store] path)",
			db ? sqlite3_errmsg(db) : "?");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 5000);
	/* as every MAX program: only the servers' checkpointer checkpoints
	 * (core/store/checkpoint.c, SQLite's WAL-reset race) */
	sqlite3_wal_autocheckpoint(db, 0);
	return db;
}

/* Runs sql and returns the first column of the first row as an arena string
 * (*isnull set for NULL / no row); *ok = 0 on error. */
static const char *db_first(const char *sql, int *isnull, int *ok)
{
	*isnull = 1;
	*ok = 0;
	sqlite3 *db = db_open(0);
	if (!db)
		return NULL;
	sqlite3_stmt *st = NULL;
	const char *res = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*ok = 1;
			if (sqlite3_column_type(st, 0) != SQLITE_NULL) {
				*isnull = 0;
				res = arena_strdup((const char *)sqlite3_column_text(st, 0));
			}
		} else if (rc == SQLITE_DONE) {
			*ok = 1;
		}
	}
	if (!*ok)
		fprintf(stderr, "e2e: SQL failed: %s: %s\n", sql, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return res;
}

/* db_first on a formatted query; a failed query is a test failure (*ok = 0). */
__attribute__((format(printf, 1, 0))) static const char *db_vfirst(const char *fmt, va_list ap,
								   int *isnull, int *ok)
{
	char *sql = vfmt(fmt, ap);
	const char *v = db_first(sql, isnull, ok);
	if (!*ok)
		fail_at(__FILE__, __LINE__, "e2e_db", "SQL failed: %s", sql);
	return v;
}

long long e2e_db_scalar(const char *fmt, ...)
{
	int isnull, ok;
	va_list ap;
	va_start(ap, fmt);
	const char *v = db_vfirst(fmt, ap, &isnull, &ok);
	va_end(ap);
	if (!ok)
		return -1;
	return isnull ? 0 : strtoll(v, NULL, 10);
}

const char *e2e_db_text(const char *fmt, ...)
{
	int isnull, ok;
	va_list ap;
	va_start(ap, fmt);
	const char *v = db_vfirst(fmt, ap, &isnull, &ok);
	va_end(ap);
	return isnull ? NULL : v;
}

int e2e_db_exec(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *sql = vfmt(fmt, ap);
	va_end(ap);
	sqlite3 *db = db_open(1);
	if (!db)
		return -1;
	char *err = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
	if (rc != SQLITE_OK)
		fail_at(__FILE__, __LINE__, __func__, "SQL failed: %s: %s", sql, err ? err : "?");
	sqlite3_free(err);
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : -1;
}

/* ---- cleanup ------------------------------------------------------------------- */

void e2e_harness_cleanup(void)
{
	if (curl)
		curl_easy_cleanup(curl);
	curl = NULL;
	while (tokens)
		e2e_forget_token(tokens->user);
	while (arena) {
		struct arena_blk *b = arena;
		arena = b->next;
		free(b);
	}
}

#define UPLOAD_BOUNDARY "----max-e2e-7d2b1f0c"

struct e2e_resp *e2e_upload(const char *path, const char *user, const char *json,
			    const char *filename, const char *type, const void *data, size_t len)
{
	const char *head =
		e2e_fmt("--" UPLOAD_BOUNDARY "\r\nContent-Disposition: form-data; "
			"name=\"json_data\"\r\n\r\n%s\r\n--" UPLOAD_BOUNDARY "\r\n"
			"Content-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\n"
			"Content-Type: %s\r\n\r\n",
			json, filename, type);
	const char *tail = "\r\n--" UPLOAD_BOUNDARY "--\r\n";
	size_t hl = strlen(head), tl = strlen(tail);
	char *body = malloc(hl + len + tl);
	memcpy(body, head, hl);
	memcpy(body + hl, data, len);
	memcpy(body + hl + len, tail, tl);
	const char *headers[] = {"Content-Type: multipart/form-data; boundary=" UPLOAD_BOUNDARY,
				 NULL};
	struct e2e_resp *r = e2e_request_raw("POST", path, user, body, hl + len + tl, headers);
	free(body);
	return r;
}

/* ---- requests at once ------------------------------------------------------ */

static size_t shot_keep(char *p, size_t size, size_t n, void *arg)
{
	struct e2e_shot *s = arg;
	char *a = realloc(s->answer, s->len + size * n + 1);
	if (!a)
		return 0;
	memcpy(a + s->len, p, size * n);
	s->len += size * n;
	a[s->len] = 0;
	s->answer = a;
	return size * n;
}

void e2e_at_once(struct e2e_shot *s, int n, const char *const *headers)
{
	CURLM *m = curl_multi_init();
	CURL **h = calloc((size_t)n, sizeof *h);
	struct curl_slist *hdrs = NULL;
	for (size_t i = 0; headers && headers[i]; i++)
		hdrs = curl_slist_append(hdrs, headers[i]);
	for (int i = 0; h && i < n; i++) {
		h[i] = curl_easy_init();
		curl_easy_setopt(h[i], CURLOPT_URL, e2e_fmt("%s%s", e2e_url(), s[i].path));
		curl_easy_setopt(h[i], CURLOPT_CUSTOMREQUEST, s[i].method);
		if (s[i].body)
			curl_easy_setopt(h[i], CURLOPT_POSTFIELDS, s[i].body);
		curl_easy_setopt(h[i], CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(h[i], CURLOPT_WRITEFUNCTION, shot_keep);
		curl_easy_setopt(h[i], CURLOPT_WRITEDATA, &s[i]);
		curl_easy_setopt(h[i], CURLOPT_TIMEOUT, 20L);
		curl_multi_add_handle(m, h[i]);
	}
	int running = h != NULL;
	while (running) {
		curl_multi_perform(m, &running);
		if (running)
			curl_multi_poll(m, NULL, 0, 100, NULL);
	}
	for (int i = 0; h && i < n; i++) {
		s[i].status = 0;
		curl_easy_getinfo(h[i], CURLINFO_RESPONSE_CODE, &s[i].status);
		curl_multi_remove_handle(m, h[i]);
		curl_easy_cleanup(h[i]);
	}
	free(h);
	curl_slist_free_all(hdrs);
	curl_multi_cleanup(m);
}
