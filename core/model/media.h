/*
 * media.h — the files behind image and file posts and messages: where
 * they live, how a new one is stored so that a crash never leaves a file
 * without its row, how they are read and removed, and the check that finds
 * files no row refers to. The image work is in image.h.
 *
 * A file lives at {root}/{id[0:2]}/…/{id[10:12]}/{id[12:24]} (the path
 * depends on the object's id only; root is [store] files), an image's
 * thumbnail at the same path + ".thumb". A new file is first written in
 * full as path + ".new" (staged); once the transaction that inserts its
 * row has committed, media_publish() renames it into place. A crash
 * before the commit leaves only a ".new" file without a row (reported by
 * media_orphans); a crash between the commit and the rename leaves a row
 * whose file is still ".new", which media_locate() moves into place the
 * first time it is served.
 */
#ifndef MAX_MODEL_MEDIA_H
#define MAX_MODEL_MEDIA_H

#include "model/image.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/config.h"
#include "util/status.h"

#include <json-c/json.h>
#include <stddef.h>

/* The fixed table entry for a declared Content-Type (parameters and case
 * ignored), or def: served types are always static strings of a known
 * list, so nothing a client declared is echoed as a type a browser would
 * execute. */
const char *media_known_type(const char *declared, const char *def);

/* ---- files ---------------------------------------------------------------- */

/* The path of object id's file + suffix ("" or ".thumb") under root into
 * out; -1 when id is no 24-hex id or the path does not fit. */
int media_path(const char *root, const char *id, const char *suffix, char *out, size_t len);
/* Writes data to path: folders created, a temporary file (path.XXXXXX)
 * fsynced and renamed over path. Returns 0, or -1 with errno set. */
int media_write_file(const char *path, const void *data, size_t len);
/* Reads a whole regular file into b: 0, or -1 with errno set. */
int media_read_file(const char *path, struct buf *b);
/* The file of object id + suffix, published if a crash left it staged:
 * its path into out and 0, or -1 when there is none. Only for an object
 * whose row the caller has read (committed), never for one in flight. */
int media_locate(const char *root, const char *id, const char *suffix, char *out, size_t len);
/* Removes the files of object id (published or staged), if any. */
void media_delete(const char *root, const char *id);

/* Calls fn with the id of every image and file message of conversation
 * cid (NULL: of every conversation), for a caller about to delete the
 * conversation(s), whose messages go with them (ON DELETE CASCADE).
 * Returns how many, or -1 when the query fails. */
int media_conversation_files(struct store *st, const char *cid,
			     void (*fn)(const char *id, void *arg), void *arg);

/* ---- storing a new object's file ---------------------------------------------- */

/* The files staged for one new object (at most the file and its
 * thumbnail): their final paths; each is on disk as path + ".new". */
struct media_staged {
	char *path[2];
};
/* After the commit: renames each staged file into place. */
void media_publish(struct media_staged *sg);
/* After a rollback (or instead of a commit): removes the staged files. */
void media_discard(struct media_staged *sg);

/* Image work done before the write transaction (media_prepare), so that
 * libgd never runs while the database is locked. */
struct media_prepared {
	int done; /* 1: err, why and out are the outcome */
	enum max_err err;
	char why[256];     /* model_why() of a failure */
	struct buf out[2]; /* the thumbnail JPEG, or the avatar PNGs */
};
/* The thumbnail of an image upload into p (see media_thumbnail); the
 * outcome, failure included, is kept in p for media_attach to report. */
void media_prepare_thumbnail(struct store *st, const struct max_config *cfg, const void *data,
			     size_t len, struct media_prepared *p);
void media_prepared_free(struct media_prepared *p);

/* An upload, as the HTTP layer parsed it. */
struct media_upload {
	const char *data;
	size_t len;
	const char *filename;              /* as sent, NULL when none */
	const char *declared;              /* declared Content-Type, NULL when none */
	const struct media_prepared *prep; /* NULL: the thumbnail is made here */
};

/* Stages the upload of new object id (kind "activities" or "messages",
 * for the URLs) into staged, before its row is inserted; object is its
 * JSON "object" (objectType "image" or "file"). Sets object.mimetype
 * (from the bytes; the declared type only for formats not told apart by
 * their bytes, and never an active one such as HTML), object.filename
 * (object.filename if given, else the upload's filename unless empty or
 * "file"), object.fullURL and, for images, object.thumbURL (the thumbnail
 * staged too). One object per staged set.
 * Errors: 400 ValidationError (an image object or an "image/…" upload
 * whose bytes are no supported image, an image over [store]
 * max_image_pixels, a bad filename), 500 (writing failed). */
enum max_err media_attach(struct store *st, const struct max_config *cfg, const char *kind,
			  const char *id, const struct media_upload *in, json_object *object,
			  struct media_staged *staged);

/* The stored JSON "object" of activity or message id (kind "activities"
 * or "messages") into *obj (the caller puts it). 404 when there is none. */
enum max_err media_object(struct store *st, const char *kind, const char *id, json_object **obj);

/* ---- checking ---------------------------------------------------------------- */

/* Calls found(path, arg) for every file under root that no activity or
 * message refers to: files of ids without a row, temporary and staged
 * files older than a minute (younger ones may be an upload in flight)
 * and any other file in the layout's folders. Folders that are not the
 * layout's (the avatars, by default inside [store] files) are not looked
 * into. Returns how many, or
 * -1 when root cannot be read (a missing root is empty) or a query
 * fails. */
int media_orphans(const char *root, struct store *st, void (*found)(const char *path, void *arg),
		  void *arg);

/* A person's avatar relative to the avatars folder: people/{u[0:2]}/{u}
 * (the first two characters, UTF-8 aware), people/{u} for a one-character
 * name, and the same under people/large/ for the large size. -1 for a name
 * that would make a "." or ".." segment, or that does not fit. */
int media_avatar_path(const char *username, int large, char *out, size_t len);

#endif
