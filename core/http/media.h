/*
 * media.h — the HTTP side of the files behind image and file posts and
 * messages and of avatars: taking a request's upload
 * (c->upload) to the model, the image work done before the write
 * transaction, and the download handlers' common part (headers, ETag,
 * 304, 410, base64). What is stored where, and the image work itself, is
 * the model's (model/media.h, model/image.h).
 */
#ifndef MAX_MEDIA_H
#define MAX_MEDIA_H

#include "http/max.h"
#include "model/media.h"

struct upload;

/* Before the write transaction (http.c, once the route is known): does
 * the image work of the request's upload — the thumbnail of an image post
 * or message, the avatar squares — and keeps the outcome, a failure
 * included, in c->upload for the handler, so that libgd never runs while
 * the database is locked and errors still come in the handler's order. */
void media_prepare_upload(struct max_ctx *c);

/* Stores the upload of a new post or message before the handler returns
 * 201 (see media_attach in model/media.h for what it checks and sets in
 * object). The files stay staged until the request's transaction has
 * committed (upload_free publishes them; on failure it removes them).
 * Once per request. Errors: 400 MissingField (no upload), and
 * media_attach's. */
enum max_err media_store(struct max_ctx *c, const char *kind, const char *id, struct upload *up,
			 json_object *object);

/* GET /{kind}/{id}/image[/{size}] and GET /{kind}/{id}/file/download
 * (kind "activities" or "messages") once the caller has checked that the
 * object exists and the user may view it: 404 when the object is not an
 * image (a file), then the answer of media_serve_image (media_serve_file)
 * with the stored mimetype and filename. */
enum max_err media_get_image(struct max_ctx *c, struct max_resp *r, const char *kind,
			     const char *id, const char *size);
enum max_err media_get_file(struct max_ctx *c, struct max_resp *r, const char *kind,
			    const char *id);

/* The image itself: size NULL or "full": the stored bytes with mimetype
 * (NULL/unknown → image/jpeg); "thumb": the thumbnail as image/jpeg;
 * anything else, or a missing file: 410 Gone. Request header
 * "Content-Type: application/base64" → base64 body, that type. */
enum max_err media_serve_image(struct max_ctx *c, struct max_resp *r, const char *kind,
			       const char *id, const char *size, const char *mimetype);
/* The file itself: the bytes with mimetype (NULL/unknown →
 * application/octet-stream) and Content-Disposition: attachment with
 * filename (NULL → the id). "X-From-Utalk: App" → base64. Missing file:
 * 410 Gone. */
enum max_err media_serve_file(struct max_ctx *c, struct max_resp *r, const char *kind,
			      const char *id, const char *filename, const char *mimetype);

/* The files of activity or message id are removed from [store] files
 * once the request's transaction commits (kept if it rolls back). */
void media_remove(struct max_ctx *c, const char *id);
/* The same for every image and file message of conversation cid (NULL:
 * of every conversation), before the conversation is deleted. */
enum max_err media_remove_conversation(struct max_ctx *c, const char *cid);
/* After the commit: removes the files media_remove named. */
void media_remove_now(struct max_ctx *c);

/* Answers bytes already read (r->body) as type: 200 with Cache-Control
 * cache and ETag etag (quoted), or 304 without a body when the request's
 * If-None-Match names etag. */
void media_answer(struct max_ctx *c, struct max_resp *r, const char *type, const char *etag,
		  const char *cache);

/* core/http/avatars.c: serves the avatar at relpath (under [store] avatars) if
 * present, else [store] avatars/missing (e.g. "missing-context.png"), else
 * a built-in default image; always image/png. relpath may be NULL. For
 * the context avatar (relpath "contexts/{h[0:2]}/{h[2:4]}/{h[4:6]}/{hash}"). */
enum max_err avatar_serve(struct max_ctx *c, struct max_resp *r, const char *relpath,
			  const char *missing);
/* core/http/avatars.c: media_prepare_upload's part for the
 * avatar upload (POST /people/{username}/avatar):
 * renders both sizes into c->upload. */
void avatar_prepare(struct max_ctx *c);

#endif
