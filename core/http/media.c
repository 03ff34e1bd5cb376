/*
 * media.c — uploads and downloads of the files of image and file posts and
 * messages, over the model's storage (model/media.c).
 *
 * An upload's image work runs before the write transaction
 * (media_prepare_upload); storing it stages the files, which upload_free()
 * publishes once the transaction has committed. Downloads answer the
 * stored bytes (or base64) with Cache-Control and an ETag, 304 on
 * If-None-Match, 410 when the file is gone. Served types always come from
 * a fixed table of static strings, so nothing a client declared is echoed
 * as a Content-Type the browser would execute.
 */
#include "http/media.h"
#include "http/handlers.h"
#include "http/http.h"
#include "http/multipart.h"
#include "http/router.h"
#include "util/config.h"
#include "util/jsonx.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ATTACHMENT_CACHE "private, max-age=86400"

/* ---- uploads ----------------------------------------------------------------- */

/* The objectType of the body's object, or NULL. */
static const char *body_object_type(const struct max_ctx *c)
{
	json_object *object = NULL;
	if (!c->body || jx_object(c->body, "object", &object) != 1)
		return NULL;
	return jx_str(object, "objectType");
}

void media_prepare_upload(struct max_ctx *c)
{
	struct upload *up = c->upload;
	if (!up || !up->present || up->prep.done || !c->route)
		return;
	const char *type = body_object_type(c);
	if (type && !strcmp(type, "image"))
		media_prepare_thumbnail(c->db, c->cfg, up->data, up->len, &up->prep);
}

enum max_err media_store(struct max_ctx *c, const char *kind, const char *id, struct upload *up,
			 json_object *object)
{
	if (!up || !up->present)
		return max_fail(c, MAX_EMISSING,
				"Required parameter \"file\" not found in the request");
	struct media_upload in = {
		.data = up->data,
		.len = up->len,
		.filename = up->filename,
		.declared = up->content_type,
		.prep = &up->prep,
	};
	return media_attach(c->db, c->cfg, kind, id, &in, object, &up->staged);
}

void media_remove(struct max_ctx *c, const char *id)
{
	if (!c->doomed)
		c->doomed = json_object_new_array();
	json_object_array_add(c->doomed, json_object_new_string(id));
}

static void doom(const char *id, void *arg)
{
	media_remove(arg, id);
}

enum max_err media_remove_conversation(struct max_ctx *c, const char *cid)
{
	return media_conversation_files(c->db, cid, doom, c) < 0
		       ? max_fail(c, MAX_ESERVER, "conversation files lookup failed")
		       : MAX_OK;
}

void media_remove_now(struct max_ctx *c)
{
	const char *root = config_get(c->cfg, "store", "files");
	for (size_t i = 0; c->doomed && i < json_object_array_length(c->doomed); i++)
		media_delete(root, json_object_get_string(json_object_array_get_idx(c->doomed, i)));
}

/* ---- serving ----------------------------------------------------------------- */

/* Does If-None-Match name etag (or "*")? Weak tags compare equal. */
static int not_modified(const struct max_ctx *c, const char *etag)
{
	const char *inm = req_header(c->req, "if-none-match");
	if (!inm)
		return 0;
	size_t n = strlen(etag);
	for (const char *p = inm; *p;) {
		p += strspn(p, " \t,");
		if (!strncmp(p, "W/", 2))
			p += 2;
		size_t k = strcspn(p, " \t,");
		if ((k == 1 && *p == '*') || (k == n && !strncmp(p, etag, n)))
			return 1;
		p += k;
	}
	return 0;
}

void media_answer(struct max_ctx *c, struct max_resp *r, const char *type, const char *etag,
		  const char *cache)
{
	resp_header(r, "Cache-Control", cache);
	resp_header(r, "ETag", etag);
	if (not_modified(c, etag)) {
		r->status = 304;
		r->content_type = NULL;
		buf_reset(&r->body);
		return;
	}
	r->status = 200;
	r->content_type = type;
}

static enum max_err gone(struct max_ctx *c, const char *kind, const char *id)
{
	return max_fail(c, MAX_EGONE, "The file of /%s/%s is not available", kind, id);
}

/* The stored blob of id + suffix as type (base64 when b64), tagged tag. */
static enum max_err serve_blob(struct max_ctx *c, struct max_resp *r, const char *kind,
			       const char *id, const char *suffix, const char *tag,
			       const char *type, int b64)
{
	char path[PATH_MAX], etag[64];
	if (media_locate(config_get(c->cfg, "store", "files"), id, suffix, path, sizeof path) < 0)
		return gone(c, kind, id);
	snprintf(etag, sizeof etag, "\"%s-%s%s\"", id, tag, b64 ? "-b64" : "");
	buf_reset(&r->body);
	if (!not_modified(c, etag)) {
		struct buf raw;
		buf_init(&raw);
		if (media_read_file(path, &raw) < 0) {
			int err = errno;
			buf_free(&raw);
			if (err == ENOENT)
				return gone(c, kind, id);
			return max_fail(c, MAX_ESERVER, "cannot read %s: %s", path, strerror(err));
		}
		if (b64) {
			base64_encode(raw.data, raw.len, &r->body);
			buf_free(&raw);
		} else {
			buf_free(&r->body);
			r->body = raw;
		}
	}
	media_answer(c, r, b64 ? "application/base64" : type, etag, ATTACHMENT_CACHE);
	return MAX_OK;
}

enum max_err media_serve_image(struct max_ctx *c, struct max_resp *r, const char *kind,
			       const char *id, const char *size, const char *mimetype)
{
	int thumb = size && !strcmp(size, "thumb");
	if (size && !thumb && strcmp(size, "full"))
		return gone(c, kind, id);
	const char *ct = req_header(c->req, "content-type");
	int b64 = ct && !strcasecmp(ct, "application/base64");
	const char *type = thumb ? "image/jpeg" : media_known_type(mimetype, "image/jpeg");
	enum max_err e = serve_blob(c, r, kind, id, thumb ? ".thumb" : "", thumb ? "thumb" : "full",
				    type, b64);
	if (!e)
		resp_header(r, "Vary", "Content-Type");
	return e;
}

/* attachment; filename="…" with an ASCII fallback, plus filename*= (RFC
 * 6266/8187) when the name is not plain ASCII. */
static void content_disposition(struct buf *b, const char *name)
{
	size_t n = strlen(name);
	if (n > MP_NAME_MAX)
		n = MP_NAME_MAX;
	buf_adds(b, "attachment; filename=\"");
	int ascii = 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)name[i];
		int plain = ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\';
		ascii &= plain;
		if (plain || ch < 0x80 || ch >= 0xc0) /* one '_' per UTF-8 character */
			buf_addc(b, plain ? (char)ch : '_');
	}
	buf_addc(b, '"');
	if (ascii)
		return;
	buf_adds(b, "; filename*=UTF-8''");
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)name[i];
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr("!#$&+-.^_`|~", ch))
			buf_addc(b, (char)ch);
		else
			buf_printf(b, "%%%02X", ch);
	}
}

enum max_err media_serve_file(struct max_ctx *c, struct max_resp *r, const char *kind,
			      const char *id, const char *filename, const char *mimetype)
{
	const char *app = req_header(c->req, "x-from-utalk");
	int b64 = app && !strcmp(app, "App");
	enum max_err e = serve_blob(c, r, kind, id, "", "file",
				    media_known_type(mimetype, "application/octet-stream"), b64);
	if (e)
		return e;
	struct buf cd;
	buf_init(&cd);
	content_disposition(&cd, filename && *filename ? filename : id);
	resp_header(r, "Content-Disposition", cd.data);
	resp_header(r, "Vary", "X-From-Utalk");
	buf_free(&cd);
	return MAX_OK;
}

/* ---- the download handlers' common part -------------------------------------------- */

/* The stored object of kind/id when it is of type want; 404 otherwise
 * (unlike the original: the wrong kind of object is 404, not 500). */
static enum max_err object_of(struct max_ctx *c, const char *kind, const char *id, const char *want,
			      json_object **obj)
{
	enum max_err e = media_object(c->db, kind, id, obj);
	if (e == MAX_ENOTFOUND) /* the caller found it: it cannot vanish in the transaction */
		return max_fail(c, MAX_ESERVER, "%s %s vanished", kind, id);
	if (e)
		return e;
	const char *type = jx_str(*obj, "objectType");
	if (type && !strcmp(type, want))
		return MAX_OK;
	json_object_put(*obj);
	*obj = NULL;
	return max_fail(c, MAX_ENOTFOUND, "%s %s has no %s",
			strcmp(kind, "messages") ? "Activity" : "Message", id, want);
}

enum max_err media_get_image(struct max_ctx *c, struct max_resp *r, const char *kind,
			     const char *id, const char *size)
{
	json_object *obj = NULL;
	enum max_err e = object_of(c, kind, id, "image", &obj);
	if (!e)
		e = media_serve_image(c, r, kind, id, size, jx_str(obj, "mimetype"));
	json_object_put(obj);
	return e;
}

enum max_err media_get_file(struct max_ctx *c, struct max_resp *r, const char *kind, const char *id)
{
	json_object *obj = NULL;
	enum max_err e = object_of(c, kind, id, "file", &obj);
	if (!e)
		e = media_serve_file(c, r, kind, id, jx_str(obj, "filename"),
				     jx_str(obj, "mimetype"));
	json_object_put(obj);
	return e;
}
