/*
 * multipart.h — uploads: a bounded multipart/form-data parser (RFC 7578)
 * over a request body held in memory, and the request's upload as the
 * handlers see it (struct upload, c->upload).
 *
 * The HTTP layer calls upload_from_multipart() for a multipart body (its
 * `json_data` field becomes c->body) and upload_from_json() after parsing a
 * JSON body (the base64 variant {"data":{"json_data","file"}} of clients
 * that cannot send multipart).
 * Parts point into the body, which outlives the request context; nothing is
 * read outside [body, body + len).
 */
#ifndef MAX_MULTIPART_H
#define MAX_MULTIPART_H

#include "http/max.h"
#include "model/media.h"

#include <stddef.h>

#define MP_NAME_MAX 255 /* bytes of a field name, filename or content type */

struct mp_part {
	char *name;         /* the form field name, valid UTF-8 */
	char *filename;     /* basename as sent (valid UTF-8), NULL when not a file part */
	char *content_type; /* as declared, NULL when absent */
	const char *data;   /* into the body, not NUL-terminated */
	size_t len;
};

struct mp_form {
	struct mp_part *parts;
	size_t nparts;
};

struct mp_limits {
	size_t max_parts;  /* parts per form */
	size_t max_header; /* bytes of one part's header block */
	size_t max_field;  /* bytes of a part without filename */
	size_t max_file;   /* bytes of a part with a filename */
};

/* The boundary of a multipart/form-data Content-Type into out (at most
 * 70 bytes + NUL); -1 when ctype is not multipart/form-data with a valid
 * boundary. */
int mp_boundary(const char *ctype, char out[71]);

/* Parses body[0..len) as multipart/form-data with the boundary of ctype.
 * Returns MAX_OK, MAX_EVALIDATION (malformed; err says why) or
 * MAX_ETOOLARGE (a part over its limit). On failure *out is empty. */
enum max_err mp_parse(const char *ctype, const char *body, size_t len, const struct mp_limits *lim,
		      struct mp_form *out, char *err, size_t errlen);
void mp_free(struct mp_form *f);
/* First part named name, or NULL. */
const struct mp_part *mp_find(const struct mp_form *f, const char *name);

/* The file a request carries. */
struct upload {
	int multipart;    /* 1 multipart/form-data, 0 the base64 JSON variant */
	int nfiles;       /* file parts in the form (1 for the base64 variant) */
	int present;      /* a file was chosen: data/len are valid */
	const char *data; /* the bytes (into the body, or owned) */
	size_t len;
	char *filename;             /* basename as sent, NULL when none */
	char *content_type;         /* declared type, NULL when none */
	char *owned;                /* decoded bytes of the base64 variant */
	struct media_prepared prep; /* image work done before the transaction */
	struct media_staged staged; /* files stored for this request (media_store) */
};

/* Multipart body: parses it with the [store] limits; the part `json_data`
 * (parsed strictly) becomes c->body; the part `file`, else the only part
 * with a filename, becomes c->upload's file. 400 ValidationError for a
 * malformed body or invalid json_data, 413 for a file over
 * [store] max_upload_bytes. */
enum max_err upload_from_multipart(struct max_ctx *c);
/* JSON body already in c->body: when the request is application/json and
 * the body is {"data":{"json_data":"<json>","file":"<base64>"}}, c->body
 * becomes the parsed json_data and c->upload the decoded bytes (declared
 * type from object.mimetype; no filename). Otherwise nothing changes. */
enum max_err upload_from_json(struct max_ctx *c);
/* Frees u. The files media_store staged for it are published when
 * keep_files (the transaction has committed), else removed (the request
 * failed and its transaction was rolled back). */
void upload_free(struct upload *u, int keep_files);

/* RFC 4648 base64 (standard alphabet, padded). */
void base64_encode(const void *data, size_t len, struct buf *out);
/* Decodes s[0..len): standard or URL-safe alphabet, whitespace skipped,
 * padding optional. Returns the malloc'd bytes (NUL-terminated) and *out_len,
 * or NULL when s is not base64. */
char *base64_decode(const char *s, size_t len, size_t *out_len);

#endif
