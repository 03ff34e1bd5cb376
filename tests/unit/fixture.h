/*
 * fixture.h — a throw-away database and config for handler tests, and a
 * way to send a request through http_handle() without any web server.
 */
#ifndef MAX_FIXTURE_H
#define MAX_FIXTURE_H

#include "util/config.h"
#include "http/http.h"
#include "store/store.h"

#include <sqlite3.h> /* tests look into the database directly */

#include <json-c/json.h>

struct fx {
	char dir[64];
	struct max_config cfg;
	struct store db;
};
extern struct fx fx;

/* Suite init/cleanup: a fresh database per suite. */
int fx_init(void);
int fx_cleanup(void);

struct fx_resp {
	int status;
	json_object *json; /* parsed body, or NULL */
	struct max_resp raw;
};

/* Sends method path[?query] with body (NULL: none) as user (NULL: no auth
 * headers; a token is issued once per user). Extra headers: "name: value"
 * strings, NULL-terminated. */
struct fx_resp fx_req(const char *method, const char *path, const char *user, const char *body,
		      ...);
void fx_free(struct fx_resp *r);
/* "" when absent */
const char *fx_header(const struct fx_resp *r, const char *name);
/* error name of a JSON error body, or "" */
const char *fx_error(const struct fx_resp *r);
const char *fx_str(const struct fx_resp *r, const char *key);
/* printf into one of 8 rotating static buffers (valid until 8 more calls). */
const char *fx_fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
/* An integer from the database (first column of the first row). */
long long fx_scalar(const char *sql);
/* The same for a printf-style statement (fx_fmt). */
#define FX_SCALAR(...) fx_scalar(fx_fmt(__VA_ARGS__))
/* Creates a user through POST /people as a Manager "fxadmin". */
void fx_user(const char *username, const char *display_name);
const char *fx_token(const char *user);

#endif
