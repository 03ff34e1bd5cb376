/*
 * exceptions.c — recording 500s (the report and the answer) and the three
 * endpoints that read them; the rows are model/exceptions.h.
 *
 * A report holds the request as text (method, path, query, headers, the
 * first 4 KB of the body) with the OAuth token masked, and the internal
 * description of what failed. Its id is the sha1 of the report.
 */
#include "http/exceptions.h"
#include "util/config.h"
#include "http/http.h"
#include "util/ids.h"
#include "util/jsonx.h"
#include "util/log.h"
#include "model/exceptions.h"

#include <stdio.h>
#include <string.h>

#define BODY_SHOWN 4096

static void request_text(const struct max_req *req, struct buf *b)
{
	buf_printf(b, "%s %s%s%s\n", req->method, req->path, *req->query ? "?" : "", req->query);
	for (size_t i = 0; i < req->nheaders; i++) {
		const char *v = req->headers[i].val;
		if (!strcmp(req->headers[i].key, "x-oauth-token"))
			v = "***";
		buf_printf(b, "%s: %s\n", req->headers[i].key, v);
	}
	buf_adds(b, "\n");
	size_t n = req->body_len < BODY_SHOWN ? req->body_len : BODY_SHOWN;
	buf_add(b, req->body ? req->body : "", n);
	/* the body may carry a password in a form post */
	if (strstr(req->query, "access_token") || strstr(req->query, "password"))
		buf_adds(b, "\n[query may hold credentials]");
}

void exceptions_record(struct max_ctx *c, struct max_resp *r)
{
	struct buf req, report;
	buf_init(&req);
	buf_init(&report);
	request_text(c->req, &req);
	char now[21], id[41];
	time_now_iso(now);
	buf_printf(&report, "%s\n%s\n%s", now, req.data, c->err);
	hash_sha1_hex(report.data, report.len, id);
	store_rollback(c->db);
	if (store_begin(c->db) == 0 && exception_store(c->db, id, now, req.data, c->err) == MAX_OK)
		store_commit(c->db);
	else
		store_rollback(c->db);
	log_event(c->req->id, "500 %s: %s", id, c->err);

	struct buf desc;
	buf_init(&desc);
	if (config_bool(c->cfg, "max", "include_traceback_in_500_errors")) {
		buf_adds(&desc, c->err);
	} else {
		const char *vh = req_header(c->req, "x-virtual-host-uri");
		buf_printf(&desc,
			   "Your error has been logged at %s/exceptions/%s. Please contact the "
			   "system admin.",
			   vh ? vh : "", id);
	}
	http_error(r, MAX_ESERVER, desc.data);
	buf_free(&desc);
	buf_free(&req);
	buf_free(&report);
}

/* Stored as ISO-8601; shown as "YYYY/MM/DD HH:MM:SS", the original's format. */
static void set_date(json_object *o, const char *iso)
{
	char date[20];
	if (!iso || strlen(iso) < 19) {
		jx_set_str(o, "date", iso);
		return;
	}
	snprintf(date, sizeof date, "%.4s/%.2s/%.2s %.8s", iso, iso + 5, iso + 8, iso + 11);
	jx_set_str(o, "date", date);
}

static void list_row(void *arg, const char *id, const char *date)
{
	json_object *o = json_object_new_object();
	jx_set_str(o, "id", id);
	set_date(o, date);
	json_object_array_add(arg, o);
}

enum max_err exceptions_list(struct max_ctx *c, struct max_resp *r)
{
	json_object *a = json_object_new_array();
	if (exception_list(c->db, list_row, a) < 0) {
		json_object_put(a);
		return max_fail(c, MAX_ESERVER, "exceptions query failed");
	}
	return resp_json(r, 200, a);
}

static void report(void *arg, const char *date, const char *request, const char *traceback)
{
	set_date(arg, date);
	jx_set_str(arg, "request", request);
	jx_set_str(arg, "traceback", traceback);
}

enum max_err exceptions_get(struct max_ctx *c, struct max_resp *r)
{
	json_object *o = json_object_new_object();
	int rc = exception_get(c->db, c->params[0], report, o);
	if (rc <= 0) {
		json_object_put(o);
		if (rc < 0)
			return max_fail(c, MAX_ESERVER, "exceptions query failed");
		return max_fail(c, MAX_ENOTFOUND, "There is no logged exception with this hash");
	}
	return resp_json(r, 200, o);
}

enum max_err exceptions_delete(struct max_ctx *c, struct max_resp *r)
{
	enum max_err e = exception_delete(c->db, c->params[0]);
	if (e == MAX_ESERVER)
		return max_fail(c, e, "exceptions delete failed");
	if (e)
		return e;
	r->status = 204;
	return MAX_OK;
}
