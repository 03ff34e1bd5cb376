/*
 * media.h — the files behind image and file posts and messages (API.md
 * §9.2) and the avatar images (§9.1).
 *
 * An upload (c->upload, multipart.h) is stored under [store] files at a
 * path derived from the new object's id only, its real type read from its
 * bytes; images also get a 400×400 JPEG thumbnail (EXIF orientation
 * applied). Downloads answer the stored bytes (or base64) with
 * Cache-Control and an ETag, 304 on If-None-Match, 410 when the file is
 * gone. libgd is used here and nowhere else.
 */
#ifndef MAX_MEDIA_H
#define MAX_MEDIA_H

#include "http/max.h"

struct upload;

/* Types told apart by their bytes. */
enum media_type {
	MEDIA_UNKNOWN,
	MEDIA_PNG,
	MEDIA_JPEG,
	MEDIA_GIF,
	MEDIA_WEBP,
	MEDIA_BMP,
	MEDIA_TIFF,
	MEDIA_HEIC, /* HEIF image brands */
	MEDIA_AVIF,
	MEDIA_PDF,
};
enum media_type media_sniff(const void *data, size_t len);
/* "image/png" …, "application/octet-stream" for MEDIA_UNKNOWN. */
const char *media_type_mime(enum media_type t);
/* Width and height from a PNG/JPEG/GIF/WebP header without decoding;
 * -1 when the header cannot be read. */
int media_image_size(const void *data, size_t len, unsigned *w, unsigned *h);
/* EXIF orientation (1–8) of a JPEG, 1 when absent or unreadable. */
int media_jpeg_orientation(const void *data, size_t len);

/* Stores the upload of a new post or message, before the handler
 * returns 201. kind is "activities" or "messages" (for the URLs), id the
 * new object's 24-hex id, object its JSON "object" (objectType "image" or
 * "file"). Sets object.mimetype (from the bytes; the declared type only
 * for formats not told apart by their bytes, and never an active one such
 * as HTML), object.filename (object.filename if given, else the upload's
 * filename unless empty or "file"), object.fullURL and, for images,
 * object.thumbURL. The files are removed again if the request fails later.
 * Once per request (the upload remembers the two files it wrote).
 * Errors: 400 MissingField (no upload), 400 ValidationError (an image
 * object or an "image/…" upload whose bytes are no supported image, an image
 * over [store] max_image_pixels, a bad filename), 500 (write failed). */
enum max_err media_store(struct max_ctx *c, const char *kind, const char *id, struct upload *up,
			 json_object *object);

/* GET …/{id}/image[/{size}] once the caller has checked access and that
 * the object is an image. size NULL or "full": the stored bytes with
 * mimetype (NULL/unknown → image/jpeg); "thumb": the thumbnail as
 * image/jpeg; anything else, or a missing file: 410 Gone. Request header
 * "Content-Type: application/base64" → base64 body, that type. */
enum max_err media_serve_image(struct max_ctx *c, struct max_resp *r, const char *kind,
			       const char *id, const char *size, const char *mimetype);
/* GET …/{id}/file/download for a file object: the bytes with mimetype
 * (NULL/unknown → application/octet-stream) and Content-Disposition:
 * attachment with filename (NULL → the id). "X-From-Utalk: App" → base64.
 * Missing file: 410 Gone. */
enum max_err media_serve_file(struct max_ctx *c, struct max_resp *r, const char *kind,
			      const char *id, const char *filename, const char *mimetype);

/* Avatars: decodes the image in data and renders it scaled and cropped to
 * fill sizes[i]×sizes[i] (anchored top-left, alpha kept) as PNG into
 * out[i] (initialised bufs). 400 ValidationError when it is no supported
 * image or too large. */
enum max_err media_square_pngs(struct max_ctx *c, const void *data, size_t len, const int *sizes,
			       struct buf *out, size_t n);
/* Removes the stored file of object id and its thumbnail, if any (the
 * path layout is media_store()'s). */
void media_remove(const struct max_ctx *c, const char *id);

/* Writes data to path: folders created, a temporary file renamed over
 * path. Returns 0, or -1 with errno set. */
int media_write_file(const char *path, const void *data, size_t len);
/* Answers bytes already read (r->body) as type: 200 with Cache-Control
 * cache and ETag etag (quoted), or 304 without a body when the request's
 * If-None-Match names etag. */
void media_answer(struct max_ctx *c, struct max_resp *r, const char *type, const char *etag,
		  const char *cache);
/* Reads a whole regular file into b: 0, or -1 with errno set. */
int media_read_file(const char *path, struct buf *b);

/* core/avatars.c: serves the avatar at relpath (under [store] avatars) if
 * present, else [store] avatars/missing (e.g. "missing-context.png"), else
 * a built-in default image; always image/png. relpath may be NULL. For
 * #9 (context avatar: relpath "contexts/{h[0:2]}/{h[2:4]}/{h[4:6]}/{hash}"). */
enum max_err avatar_serve(struct max_ctx *c, struct max_resp *r, const char *relpath,
			  const char *missing);

#endif
