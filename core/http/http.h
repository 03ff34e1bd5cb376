/*
 * http.h — the HTTP layer: from a struct max_req to a struct max_resp.
 *
 * http_handle() applies api.md 1.3's order: compat id, POST tunnelling,
 * deprecated URLs, route match, traversal, authentication, acting user,
 * access rule, handler (inside one transaction). It is the only place that
 * turns a max_err into a status and the JSON error body.
 */
#ifndef MAX_HTTP_H
#define MAX_HTTP_H

#include "http/max.h"

struct max_config;
struct store;

/* The API (max.fcgi). */
void http_handle(const struct max_config *cfg, struct store *db, const struct max_req *req,
		 struct max_resp *resp);

/* Group commit (fcgi/adapter.h): may req share a transaction with others?
 * Only JSON POSTs and PUTs that no override turns into a DELETE or GET:
 * they touch no file (uploads are multipart, files go with DELETEs), so
 * nothing outside the database must wait for the batch's commit. */
int http_batchable(const struct max_req *req);
/* The batch req was in was not committed: its answer becomes a 500. */
void http_batch_failed(const struct max_config *cfg, struct max_resp *resp);

/* Status and error name of a failure. */
int http_status_of(enum max_err e);
const char *http_error_name(enum max_err e);
/* Renders {"objectType":"error","error":…,"error_description":…}. */
void http_error(struct max_resp *r, enum max_err e, const char *description);

void resp_init(struct max_resp *r);
void resp_free(struct max_resp *r);
void resp_header(struct max_resp *r, const char *name, const char *value);
/* Serialises obj as the body (takes ownership of obj) with status. */
enum max_err resp_json(struct max_resp *r, int status, json_object *obj);
/* X-Has-Remaining-Items when a page had more rows (model/page.h). */
struct page;
void resp_page(struct max_resp *r, const struct page *pg);
void resp_text(struct max_resp *r, int status, const char *type, const char *text);

/* Request helpers. Header names are lower-case. */
const char *req_header(const struct max_req *req, const char *name);
void req_free(struct max_req *req);

/* Query string (and, for form posts, form fields): first value, or NULL. */
const char *qs_get(const struct max_ctx *c, const char *name);
/* Every value of a repeatable parameter; returns how many were stored. */
size_t qs_all(const struct max_ctx *c, const char *name, const char **out, size_t max);
/* Parses "a=1&b=2" (percent- and '+'-decoded) into an array; returns count. */
size_t http_parse_form(const char *s, size_t len, struct max_kv **out);
void kv_free(struct max_kv *kv, size_t n);
/* Decodes %XX and (when plus) '+'; returns NULL on bad escapes or NULs. */
char *http_urldecode(const char *s, size_t len, int plus);

/* api.md 1.11 limit: default def, 0 = unlimited (capped), 400 otherwise. */
enum max_err http_limit(struct max_ctx *c, long def, long *out);
#define HTTP_LIMIT_CAP 500

#endif
