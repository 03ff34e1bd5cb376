/*
 * multipart.c — the multipart/form-data parser and the request's upload.
 *
 * The parser walks the body once: delimiter lines "--boundary" (the first
 * may follow a preamble), each part's header block up to an empty line
 * (CRLF only, bounded, no NULs, no folding), its data up to the next
 * CRLF "--boundary" that is followed by "--" or by optional blanks and
 * CRLF, and the close delimiter; anything after it is ignored. Every
 * search is bounded by the body's length. The upload functions turn the
 * parsed form (or the base64 JSON variant) into c->body and c->upload.
 */
#include "http/multipart.h"
#include "util/config.h"
#include "http/http.h"
#include "util/jsonx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define MP_MAX_PARTS 16
#define MP_MAX_HEADER 8192
#define MP_MAX_FIELD (1024 * 1024)

static int is_bchar(unsigned char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch && strchr("'()+_,-./:=? ", ch));
}

static const char *skip_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static int is_tchar(unsigned char ch)
{
	return ch > ' ' && ch < 0x7f && !strchr("()<>@,;:\\\"/[]?={}", ch);
}

/* One "; name=value" parameter at *pp (value a token or a quoted string
 * with \" and \\ escapes). Writes the lower-cased name and the value;
 * returns 1, 0 at the end of the list, -1 when malformed or too long. */
static int next_param(const char **pp, char *name, size_t nlen, char *val, size_t vlen)
{
	const char *p = skip_ows(*pp);
	if (!*p)
		return 0;
	if (*p != ';')
		return -1;
	p = skip_ows(p + 1);
	size_t n = 0;
	while (is_tchar((unsigned char)*p)) {
		if (n + 1 >= nlen)
			return -1;
		char ch = *p++;
		name[n++] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
	}
	name[n] = 0;
	if (!n || *p != '=')
		return -1;
	p++;
	n = 0;
	if (*p == '"') {
		for (p++; *p != '"'; p++) {
			if (!*p)
				return -1;
			if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
				p++;
			if (n + 1 >= vlen)
				return -1;
			val[n++] = *p;
		}
		p++;
	} else {
		while (*p && *p != ';' && *p != ' ' && *p != '\t') {
			if (n + 1 >= vlen || !is_tchar((unsigned char)*p))
				return -1;
			val[n++] = *p++;
		}
		if (!n)
			return -1;
	}
	val[n] = 0;
	*pp = p;
	return 1;
}

int mp_boundary(const char *ctype, char out[71])
{
	if (!ctype || strncasecmp(ctype, "multipart/form-data", 19))
		return -1;
	const char *p = ctype + 19;
	char name[32], val[MP_NAME_MAX + 1];
	int found = 0, rc;
	while ((rc = next_param(&p, name, sizeof name, val, sizeof val)) == 1) {
		if (strcmp(name, "boundary"))
			continue;
		size_t n = strlen(val);
		if (found || !n || n > 70 || val[n - 1] == ' ')
			return -1;
		for (size_t i = 0; i < n; i++)
			if (!is_bchar((unsigned char)val[i]))
				return -1;
		memcpy(out, val, n + 1);
		found = 1;
	}
	return rc == 0 && found ? 0 : -1;
}

struct parser {
	const char *body, *end;
	const char *delim; /* "\r\n--boundary" */
	size_t dlen;
	char *err;
	size_t errlen;
};

static enum max_err bad(struct parser *ps, const char *why)
{
	snprintf(ps->err, ps->errlen, "Malformed multipart body: %s", why);
	return MAX_EVALIDATION;
}

/* After a delimiter at p (pointing past "--boundary"): 1 close delimiter,
 * 0 a part follows (*next = its first byte), -1 neither. */
static int after_delimiter(const struct parser *ps, const char *p, const char **next)
{
	if (ps->end - p >= 2 && p[0] == '-' && p[1] == '-')
		return 1;
	while (p < ps->end && (*p == ' ' || *p == '\t'))
		p++;
	if (ps->end - p >= 2 && p[0] == '\r' && p[1] == '\n') {
		*next = p + 2;
		return 0;
	}
	return -1;
}

/* The next real delimiter at or after p: its CRLF, or NULL. A boundary
 * string not followed by "--" or CRLF belongs to the data. */
static const char *find_delimiter(const struct parser *ps, const char *p, int *close,
				  const char **next)
{
	while (p < ps->end) {
		const char *d = memmem(p, (size_t)(ps->end - p), ps->delim, ps->dlen);
		if (!d)
			return NULL;
		int k = after_delimiter(ps, d + ps->dlen, next);
		if (k >= 0) {
			*close = k;
			return d;
		}
		p = d + 1;
	}
	return NULL;
}

static int valid_text(const char *s)
{
	return utf8_valid(s, strlen(s));
}

static enum max_err content_disposition(struct parser *ps, const char *v, struct mp_part *part)
{
	if (strncasecmp(v, "form-data", 9) || (v[9] && v[9] != ';' && v[9] != ' ' && v[9] != '\t'))
		return bad(ps, "part is not form-data");
	const char *p = v + 9;
	char name[32], val[MP_NAME_MAX + 1];
	int rc;
	while ((rc = next_param(&p, name, sizeof name, val, sizeof val)) == 1) {
		char **slot = !strcmp(name, "name")       ? &part->name
			      : !strcmp(name, "filename") ? &part->filename
							  : NULL;
		if (!slot)
			continue;
		if (*slot)
			return bad(ps, "repeated Content-Disposition parameter");
		if (!valid_text(val))
			return bad(ps, "field name or filename is not UTF-8");
		const char *base = val;
		if (slot == &part->filename)
			for (const char *q = val; *q; q++)
				if (*q == '/' || *q == '\\')
					base = q + 1;
		*slot = xstrdup(base);
	}
	if (rc < 0)
		return bad(ps, "bad Content-Disposition");
	if (!part->name)
		return bad(ps, "part without a name");
	return MAX_OK;
}

/* Header block of the part starting at p; *data = first data byte. */
static enum max_err part_headers(struct parser *ps, const char *p, const struct mp_limits *lim,
				 struct mp_part *part, const char **data)
{
	const char *limit =
		ps->end - p > (ptrdiff_t)lim->max_header ? p + lim->max_header : ps->end;
	int seen_cd = 0;
	for (;;) {
		const char *eol = NULL;
		for (const char *q = p; q + 1 < limit; q++) {
			if (*q == '\r' && q[1] == '\n') {
				eol = q;
				break;
			}
			if (*q == '\r' || *q == '\n' || !*q)
				return bad(ps, "bad character in part header");
		}
		if (!eol)
			return limit < ps->end ? bad(ps, "part header too large")
					       : bad(ps, "truncated part header");
		if (eol == p) {
			*data = eol + 2;
			break;
		}
		if (*p == ' ' || *p == '\t')
			return bad(ps, "folded part header");
		const char *colon = memchr(p, ':', (size_t)(eol - p));
		if (!colon || colon == p)
			return bad(ps, "part header without a name");
		char *value = xstrndup(colon + 1, (size_t)(eol - colon - 1));
		char *v = (char *)skip_ows(value);
		for (size_t n = strlen(v); n && (v[n - 1] == ' ' || v[n - 1] == '\t'); n--)
			v[n - 1] = 0;
		size_t nlen = (size_t)(colon - p);
		enum max_err e = MAX_OK;
		if (nlen == 19 && !strncasecmp(p, "Content-Disposition", 19)) {
			e = seen_cd++ ? bad(ps, "repeated Content-Disposition")
				      : content_disposition(ps, v, part);
		} else if (nlen == 12 && !strncasecmp(p, "Content-Type", 12)) {
			if (part->content_type || strlen(v) > MP_NAME_MAX || !valid_text(v))
				e = bad(ps, "bad part Content-Type");
			else
				part->content_type = xstrdup(v);
		}
		free(value);
		if (e)
			return e;
		p = eol + 2;
	}
	if (!seen_cd)
		return bad(ps, "part without Content-Disposition");
	return MAX_OK;
}

static void part_free(struct mp_part *p)
{
	free(p->name);
	free(p->filename);
	free(p->content_type);
}

enum max_err mp_parse(const char *ctype, const char *body, size_t len, const struct mp_limits *lim,
		      struct mp_form *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	char boundary[71], delim[75];
	struct parser ps = {.body = body, .end = body + len, .err = err, .errlen = errlen};
	if (mp_boundary(ctype, boundary) < 0)
		return bad(&ps, "missing or invalid boundary");
	ps.dlen = (size_t)snprintf(delim, sizeof delim, "\r\n--%s", boundary);
	ps.delim = delim;
	/* the first delimiter may start the body (no CRLF before it) */
	const char *next = NULL, *d;
	int close = 0;
	if (len >= ps.dlen - 2 && !memcmp(body, delim + 2, ps.dlen - 2)) {
		if ((close = after_delimiter(&ps, body + ps.dlen - 2, &next)) < 0)
			return bad(&ps, "bad delimiter line");
	} else if (!find_delimiter(&ps, body, &close, &next)) {
		return bad(&ps, "no boundary delimiter");
	}
	enum max_err e = MAX_OK;
	while (!close) {
		if (out->nparts == lim->max_parts) {
			e = bad(&ps, "too many parts");
			break;
		}
		out->parts = xrealloc(out->parts, (out->nparts + 1) * sizeof *out->parts);
		struct mp_part *part = &out->parts[out->nparts++];
		memset(part, 0, sizeof *part);
		const char *data = NULL;
		if ((e = part_headers(&ps, next, lim, part, &data)))
			break;
		if (!(d = find_delimiter(&ps, data, &close, &next))) {
			e = bad(&ps, "truncated body (no closing boundary)");
			break;
		}
		part->data = data;
		part->len = (size_t)(d - data);
		size_t max = part->filename ? lim->max_file : lim->max_field;
		if (part->len > max) {
			snprintf(err, errlen, "Part \"%s\" larger than %zu bytes", part->name, max);
			e = MAX_ETOOLARGE;
			break;
		}
	}
	if (e)
		mp_free(out);
	return e;
}

void mp_free(struct mp_form *f)
{
	for (size_t i = 0; i < f->nparts; i++)
		part_free(&f->parts[i]);
	free(f->parts);
	memset(f, 0, sizeof *f);
}

const struct mp_part *mp_find(const struct mp_form *f, const char *name)
{
	for (size_t i = 0; i < f->nparts; i++)
		if (!strcmp(f->parts[i].name, name))
			return &f->parts[i];
	return NULL;
}

static size_t max_upload(const struct max_ctx *c)
{
	long long n = config_int(c->cfg, "store", "max_upload_bytes");
	return n > 0 ? (size_t)n : 0;
}

static enum max_err bad_json_data(struct max_ctx *c)
{
	return max_fail(c, MAX_EVALIDATION, "The json_data field is not valid JSON");
}

enum max_err upload_from_multipart(struct max_ctx *c)
{
	const struct mp_limits lim = {MP_MAX_PARTS, MP_MAX_HEADER, MP_MAX_FIELD, max_upload(c)};
	struct mp_form form;
	enum max_err e = mp_parse(req_header(c->req, "content-type"), c->req->body,
				  c->req->body_len, &lim, &form, c->err, sizeof c->err);
	if (e)
		return e;
	struct upload *u = xcalloc(1, sizeof *u);
	u->multipart = 1;
	c->upload = u;
	struct mp_part *file = NULL, *only = NULL, *json = NULL;
	for (size_t i = 0; i < form.nparts; i++) {
		struct mp_part *p = &form.parts[i];
		struct mp_part **slot = !strcmp(p->name, "json_data") ? &json
					: !strcmp(p->name, "file")    ? &file
								      : NULL;
		if (slot && *slot) {
			e = max_fail(c, MAX_EVALIDATION,
				     "Malformed multipart body: repeated field %s", p->name);
			goto out;
		}
		if (slot)
			*slot = p;
		if (p->filename && slot != &json) {
			u->nfiles++;
			only = p;
		}
	}
	if (json && !(c->body = jx_parse(json->data, json->len))) {
		e = bad_json_data(c);
		goto out;
	}
	if (!file && u->nfiles == 1)
		file = only;
	if (file) {
		u->present = 1;
		u->data = file->data;
		u->len = file->len;
		u->filename = file->filename;
		u->content_type = file->content_type;
		file->filename = file->content_type = NULL;
	}
out:
	mp_free(&form);
	return e;
}

enum max_err upload_from_json(struct max_ctx *c)
{
	const char *ct = req_header(c->req, "content-type");
	json_object *data = NULL, *file = NULL;
	if (!ct || strncasecmp(ct, "application/json", 16) ||
	    jx_object(c->body, "data", &data) != 1 ||
	    !json_object_object_get_ex(data, "file", &file) ||
	    !json_object_is_type(file, json_type_string) || !json_object_get_string_len(file))
		return MAX_OK;
	json_object *text = NULL, *payload = NULL;
	if (json_object_object_get_ex(data, "json_data", &text) &&
	    json_object_is_type(text, json_type_string))
		payload = jx_parse(json_object_get_string(text),
				   (size_t)json_object_get_string_len(text));
	if (!payload)
		return bad_json_data(c);
	size_t n = 0;
	char *bytes = base64_decode(json_object_get_string(file),
				    (size_t)json_object_get_string_len(file), &n);
	if (!bytes) {
		json_object_put(payload);
		return max_fail(c, MAX_EVALIDATION, "The file field is not valid base64");
	}
	if (n > max_upload(c)) {
		free(bytes);
		json_object_put(payload);
		return max_fail(c, MAX_ETOOLARGE, "File larger than %zu bytes", max_upload(c));
	}
	struct upload *u = xcalloc(1, sizeof *u);
	u->nfiles = u->present = 1;
	u->data = u->owned = bytes;
	u->len = n;
	/* the declared type is object.mimetype; media_store reads
	 * object.filename itself */
	json_object *object = NULL;
	const char *mimetype = NULL;
	if (jx_object(payload, "object", &object) == 1 && (mimetype = jx_str(object, "mimetype")) &&
	    *mimetype && strlen(mimetype) <= MP_NAME_MAX)
		u->content_type = xstrdup(mimetype);
	json_object_put(c->body);
	c->body = payload;
	c->upload = u;
	return MAX_OK;
}

void upload_free(struct upload *u, int keep_files)
{
	if (!u)
		return;
	if (keep_files)
		media_publish(&u->staged);
	else
		media_discard(&u->staged);
	media_prepared_free(&u->prep);
	free(u->filename);
	free(u->content_type);
	free(u->owned);
	free(u);
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void base64_encode(const void *data, size_t len, struct buf *out)
{
	const unsigned char *s = data;
	size_t i = 0;
	char q[4];
	for (; i + 3 <= len; i += 3) {
		unsigned v = (unsigned)s[i] << 16 | (unsigned)s[i + 1] << 8 | s[i + 2];
		q[0] = b64[v >> 18], q[1] = b64[v >> 12 & 63], q[2] = b64[v >> 6 & 63],
		q[3] = b64[v & 63];
		buf_add(out, q, 4);
	}
	if (i < len) {
		unsigned v = (unsigned)s[i] << 16 | (i + 1 < len ? (unsigned)s[i + 1] << 8 : 0);
		q[0] = b64[v >> 18], q[1] = b64[v >> 12 & 63];
		q[2] = i + 1 < len ? b64[v >> 6 & 63] : '=';
		q[3] = '=';
		buf_add(out, q, 4);
	}
}

static int b64_value(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+' || ch == '-')
		return 62;
	if (ch == '/' || ch == '_')
		return 63;
	return -1;
}

char *base64_decode(const char *s, size_t len, size_t *out_len)
{
	char *out = xmalloc(len / 4 * 3 + 4);
	size_t n = 0, pad = 0;
	unsigned acc = 0, k = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n')
			continue;
		if (ch == '=') {
			pad++;
			continue;
		}
		int v = b64_value(ch);
		if (v < 0 || pad) /* nothing but blanks after padding */
			goto fail;
		acc = acc << 6 | (unsigned)v;
		if (++k == 4) {
			out[n++] = (char)(acc >> 16);
			out[n++] = (char)(acc >> 8);
			out[n++] = (char)acc;
			acc = k = 0;
		}
	}
	/* a lone trailing sextet cannot encode a byte; padding must complete
	 * the last quantum when given */
	if (k == 1 || (pad && k + pad != 4) || (!k && pad))
		goto fail;
	if (k == 2)
		out[n++] = (char)(acc >> 4);
	if (k == 3) {
		out[n++] = (char)(acc >> 10);
		out[n++] = (char)(acc >> 2);
	}
	out[n] = 0;
	*out_len = n;
	return out;
fail:
	free(out);
	return NULL;
}
