/*
 * max.h — the plain types every part of MAX shares.
 *
 * Data flows one way: an adapter (FastCGI, or a unit test) fills a struct
 * max_req, http_handle() routes it, authenticates, resolves the acting user,
 * checks the route's access rule and calls the handler inside one database
 * transaction; the handler fills a struct max_resp or returns a max_err with
 * a description, which the HTTP layer alone turns into the JSON error body.
 * No FastCGI, AMQP or LDAP type appears here.
 */
#ifndef MAX_H
#define MAX_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "util/buf.h"

#include "util/status.h"

struct max_kv {
	char *key;
	char *val;
};

/* One HTTP request as the adapter saw it. Strings are NUL-terminated and
 * owned by whoever built the request (see req_free()). Header names are
 * lower-case with '-' (e.g. "x-oauth-token"). */
struct max_req {
	char *method; /* upper-case */
	char *path;   /* percent-decoded, no query string */
	char *query;  /* raw query string, may be "" */
	struct max_kv *headers;
	size_t nheaders;
	char *body; /* may contain NULs; body[body_len] == 0 */
	size_t body_len;
	char *remote_addr;
	char id[17]; /* request id for the log line */
};

struct max_resp {
	int status;
	const char *content_type;  /* static string */
	struct max_kv headers[16]; /* extra headers, owned */
	size_t nheaders;
	struct buf body;
	long long lock_wait_us; /* slept for another connection's lock (logged) */
};

struct max_config;
struct store;
struct route;
struct upload;

/* Everything a handler may use for one request. */
struct max_ctx {
	const struct max_config *cfg;
	struct store *db;
	const struct max_req *req;
	const struct route *route;
	const struct route *table; /* the whole route table (for /info/api) */
	size_t table_len;
	const char *method; /* after tunnelling; "HEAD" stays "HEAD" */
	int is_head;
	char *params[MAX_PARAMS]; /* URL placeholders, decoded, owned */
	struct max_kv *qs;        /* parsed query string (and form params) */
	size_t nqs;
	const char *path;                     /* after deprecated-URL rewriting */
	json_object *body;                    /* parsed JSON body, or NULL when empty */
	struct upload *upload;                /* the uploaded file (multipart.h), or NULL */
	json_object *doomed;                  /* ids whose files go once the transaction commits */
	int device_rewrite;                   /* api.md 1.9: answer with the caller's Person */
	char auth_user[MAX_USERNAME_MAX + 1]; /* "" when not authenticated */
	unsigned roles;                       /* of auth_user */
	char actor[MAX_USERNAME_MAX + 1];     /* acting user */
	char actor_context[MAX_HASH_LEN + 1]; /* set when a context acts (api.md 1.4) */
	char err[512];                        /* description of the last failure */
};

typedef enum max_err (*max_handler)(struct max_ctx *c, struct max_resp *r);

/* Records the failure description and returns e, so handlers can write
 * `return max_fail(c, MAX_ENOTFOUND, "Object with …", …);` */
enum max_err max_fail(struct max_ctx *c, enum max_err e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
