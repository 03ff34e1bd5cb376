/*
 * media.c — the stored files of image and file posts and messages (see
 * media.h for the layout and the staging that makes the row the commit
 * point of a new file).
 */
#include "model/media.h"
#include "model/model.h"
#include "util/ids.h"
#include "util/jsonx.h"
#include "util/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MP_NAME_MAX 255 /* bytes of a filename (as multipart.h's) */
#define STAGED ".new"
/* a temporary or staged file younger than this may belong to an upload
 * whose transaction has not ended yet */
#define IN_FLIGHT_SECONDS 60

/* ---- types --------------------------------------------------------------- */

/* Every Content-Type MAX stores or serves for an upload. */
static const char *const known_types[] = {
	"application/octet-stream",
	"image/png",
	"image/jpeg",
	"image/gif",
	"image/webp",
	"image/bmp",
	"image/tiff",
	"image/heic",
	"image/avif",
	"application/pdf",
	"text/plain",
	"text/csv",
	"text/calendar",
	"application/rtf",
	"application/zip",
	"application/gzip",
	"application/x-7z-compressed",
	"application/vnd.rar",
	"application/msword",
	"application/vnd.ms-excel",
	"application/vnd.ms-powerpoint",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"application/vnd.openxmlformats-officedocument.presentationml.presentation",
	"application/vnd.oasis.opendocument.text",
	"application/vnd.oasis.opendocument.spreadsheet",
	"application/vnd.oasis.opendocument.presentation",
	"audio/mpeg",
	"audio/mp4",
	"audio/ogg",
	"audio/wav",
	"audio/aac",
	"video/mp4",
	"video/quicktime",
	"video/webm",
	"video/mpeg",
	"video/3gpp",
};

const char *media_known_type(const char *declared, const char *def)
{
	if (!declared)
		return def;
	size_t n = strcspn(declared, "; \t");
	for (size_t i = 0; i < sizeof known_types / sizeof known_types[0]; i++)
		if (strlen(known_types[i]) == n && !strncasecmp(declared, known_types[i], n))
			return known_types[i];
	return def;
}

/* ---- files ------------------------------------------------------------------- */

static int mkdirs(const char *path)
{
	char *p = xstrdup(path);
	int rc = 0;
	for (char *s = p + 1; *s && !rc; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			rc = -1;
		*s = '/';
	}
	int saved = errno;
	free(p);
	errno = saved;
	return rc;
}

int media_write_file(const char *path, const void *data, size_t len)
{
	size_t n = strlen(path);
	char *tmp = xmalloc(n + 8);
	snprintf(tmp, n + 8, "%s.XXXXXX", path);
	int fd = -1, rc = -1;
	if (mkdirs(path) < 0 || (fd = mkstemp(tmp)) < 0) {
		int saved = errno;
		free(tmp);
		errno = saved;
		return -1;
	}
	const char *p = data;
	size_t left = len;
	while (left) {
		ssize_t w = write(fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		p += w;
		left -= (size_t)w;
	}
	if (!left && fchmod(fd, 0644) == 0 && fsync(fd) == 0)
		rc = 0;
	int saved = errno;
	if (close(fd) < 0 && rc == 0) {
		saved = errno;
		rc = -1;
	}
	if (rc == 0 && rename(tmp, path) < 0) {
		saved = errno;
		rc = -1;
	}
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	errno = saved;
	return rc;
}

int media_read_file(const char *path, struct buf *b)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	int rc = -1;
	if (fstat(fd, &st) < 0)
		goto out;
	if (!S_ISREG(st.st_mode)) {
		errno = ENOENT;
		goto out;
	}
	char chunk[65536];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto out;
		if (n == 0)
			break;
		buf_add(b, chunk, (size_t)n);
	}
	rc = 0;
out:;
	int saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int media_path(const char *root, const char *id, const char *suffix, char *out, size_t len)
{
	if (!id_valid(id))
		return -1;
	int n = snprintf(out, len, "%s/%.2s/%.2s/%.2s/%.2s/%.2s/%.2s/%s%s", root, id, id + 2,
			 id + 4, id + 6, id + 8, id + 10, id + 12, suffix);
	return n > 0 && (size_t)n < len ? 0 : -1;
}

static int is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int media_locate(const char *root, const char *id, const char *suffix, char *out, size_t len)
{
	char staged[PATH_MAX];
	if (media_path(root, id, suffix, out, len) < 0)
		return -1;
	if (is_file(out))
		return 0;
	/* committed, but the rename after the commit did not happen */
	if (snprintf(staged, sizeof staged, "%s" STAGED, out) >= (int)sizeof staged ||
	    !is_file(staged))
		return -1;
	if (rename(staged, out) < 0 && errno != ENOENT)
		return -1;
	log_event("-", "media: published %s after the fact", out);
	return is_file(out) ? 0 : -1;
}

void media_delete(const char *root, const char *id)
{
	static const char *const suffixes[] = {"", STAGED, ".thumb", (".thumb" STAGED)};
	char path[PATH_MAX];
	for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++)
		if (media_path(root, id, suffixes[i], path, sizeof path) == 0)
			unlink(path);
}

int media_conversation_files(struct store *st, const char *cid,
			     void (*fn)(const char *id, void *arg), void *arg)
{
	store_q *q =
		cid ? store_sql(st, "SELECT id FROM messages WHERE conversation_id = ?1"
				    " AND object_type IN ('image', 'file')")
		    : store_sql(st,
				"SELECT id FROM messages WHERE object_type IN ('image', 'file')");
	if (!q)
		return -1;
	if (cid)
		store_bind_text(q, 1, cid);
	int n = 0, rc;
	while ((rc = store_step(q)) == STORE_ROW) {
		fn(store_text(q, 0), arg);
		n++;
	}
	return rc == STORE_ERR ? -1 : n;
}

/* ---- staging ------------------------------------------------------------------ */

static void staged_name(const char *path, char *out, size_t len)
{
	snprintf(out, len, "%s" STAGED, path);
}

void media_publish(struct media_staged *sg)
{
	char staged[PATH_MAX];
	for (size_t i = 0; i < 2; i++) {
		if (!sg->path[i])
			continue;
		staged_name(sg->path[i], staged, sizeof staged);
		/* ENOENT: a reader already published it (media_locate) */
		if (rename(staged, sg->path[i]) < 0 && errno != ENOENT)
			log_event("-", "media: cannot publish %s: %s", staged, strerror(errno));
		free(sg->path[i]);
		sg->path[i] = NULL;
	}
}

void media_discard(struct media_staged *sg)
{
	char staged[PATH_MAX];
	for (size_t i = 0; i < 2; i++) {
		if (!sg->path[i])
			continue;
		staged_name(sg->path[i], staged, sizeof staged);
		unlink(staged);
		free(sg->path[i]);
		sg->path[i] = NULL;
	}
}

/* Writes data as the staged file of id + suffix and remembers it. */
static enum max_err stage(struct store *st, const char *root, const char *id, const char *suffix,
			  const void *data, size_t len, struct media_staged *sg)
{
	char path[PATH_MAX], staged[PATH_MAX + 8];
	size_t slot = sg->path[0] ? 1 : 0;
	if (sg->path[slot] || media_path(root, id, suffix, path, sizeof path) < 0)
		return model_fail(st, MAX_ESERVER, "media path for %s%s", id, suffix);
	staged_name(path, staged, sizeof staged);
	if (media_write_file(staged, data, len) < 0)
		return model_fail(st, MAX_ESERVER, "cannot store %s: %s", staged, strerror(errno));
	sg->path[slot] = xstrdup(path);
	return MAX_OK;
}

void media_prepare_thumbnail(struct store *st, const struct max_config *cfg, const void *data,
			     size_t len, struct media_prepared *p)
{
	buf_init(&p->out[0]);
	buf_init(&p->out[1]);
	p->err = media_thumbnail(st, data, len, config_int(cfg, "store", "max_image_pixels"),
				 &p->out[0]);
	snprintf(p->why, sizeof p->why, "%s", p->err ? model_why(st) : "");
	p->done = 1;
}

void media_prepared_free(struct media_prepared *p)
{
	if (!p->done)
		return;
	buf_free(&p->out[0]);
	buf_free(&p->out[1]);
	p->done = 0;
}

/* ---- attaching an upload to a new object ------------------------------------------ */

static int has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* object.filename if given (validated), else the upload's name unless
 * it is empty or the generic "file"; *given says which. */
static enum max_err pick_filename(struct store *st, const struct media_upload *in,
				  json_object *object, const char **name, int *given)
{
	*name = NULL;
	*given = jx_string(object, "filename", name);
	if (*given < 0 || (*name && (strlen(*name) > MP_NAME_MAX || has_control(*name))))
		return model_fail(st, MAX_EVALIDATION,
				  "Validation error on field \"filename\": must be a name of at "
				  "most "
				  "%d bytes without control characters",
				  MP_NAME_MAX);
	if (!*given && in->filename && *in->filename && strcmp(in->filename, "file") &&
	    !has_control(in->filename))
		*name = in->filename;
	return MAX_OK;
}

/* The bytes decide; a declared type only names what they cannot tell,
 * and a type the bytes would have shown, but do not, is a lie. */
static const char *pick_mimetype(enum media_type t, const char *declared)
{
	const char *mimetype = media_type_mime(t);
	if (t != MEDIA_UNKNOWN)
		return mimetype;
	mimetype = media_known_type(declared, mimetype);
	for (enum media_type k = MEDIA_PNG; k <= MEDIA_PDF; k++)
		if (!strcmp(mimetype, media_type_mime(k)))
			return media_type_mime(MEDIA_UNKNOWN);
	return mimetype;
}

/* The thumbnail of an image upload: the prepared one, or made now. */
static enum max_err thumbnail_of(struct store *st, const struct max_config *cfg,
				 const struct media_upload *in, struct buf *own,
				 const struct buf **thumb)
{
	const struct media_prepared *p = in->prep;
	if (p && p->done) {
		*thumb = &p->out[0];
		return p->err ? model_fail(st, p->err, "%s", p->why) : MAX_OK;
	}
	*thumb = own;
	return media_thumbnail(st, in->data, in->len, config_int(cfg, "store", "max_image_pixels"),
			       own);
}

static void set_urls(json_object *object, const char *kind, const char *id, int image)
{
	char url[96];
	snprintf(url, sizeof url, "/%s/%s/%s", kind, id, image ? "image/full" : "file/download");
	jx_set_str(object, "fullURL", url);
	if (image) {
		snprintf(url, sizeof url, "/%s/%s/image/thumb", kind, id);
		jx_set_str(object, "thumbURL", url);
	}
}

enum max_err media_attach(struct store *st, const struct max_config *cfg, const char *kind,
			  const char *id, const struct media_upload *in, json_object *object,
			  struct media_staged *staged)
{
	if (!id_valid(id) || (strcmp(kind, "activities") && strcmp(kind, "messages")))
		return model_fail(st, MAX_ESERVER, "media_attach: bad kind %s or id %s", kind, id);
	const char *type = jx_str(object, "objectType"), *filename;
	int image = type && !strcmp(type, "image"), given;
	enum max_err e = pick_filename(st, in, object, &filename, &given);
	if (e)
		return e;
	enum media_type t = media_sniff(in->data, in->len);
	const char *declared = in->declared;
	if ((image || (declared && !strncasecmp(declared, "image/", 6))) && !media_is_image(t))
		return model_fail(st, MAX_EVALIDATION,
				  "Validation error on field \"file\": not a "
				  "PNG, JPEG, GIF or WebP image");
	struct buf own;
	buf_init(&own);
	const struct buf *thumb = NULL;
	if (image)
		e = thumbnail_of(st, cfg, in, &own, &thumb);
	const char *root = config_get(cfg, "store", "files");
	if (!e)
		e = stage(st, root, id, "", in->data, in->len, staged);
	if (!e && thumb)
		e = stage(st, root, id, ".thumb", thumb->data, thumb->len, staged);
	buf_free(&own);
	if (e)
		return e;
	jx_set_str(object, "mimetype", pick_mimetype(t, declared));
	if (filename && !given)
		jx_set_str(object, "filename", filename);
	set_urls(object, kind, id, image);
	return MAX_OK;
}

enum max_err media_object(struct store *st, const char *kind, const char *id, json_object **obj)
{
	store_q *q = !strcmp(kind, "messages")
			     ? store_sql(st, "SELECT object_json FROM messages WHERE id = ?1")
			     : store_sql(st, "SELECT object_json FROM activities WHERE id = ?1");
	*obj = NULL;
	if (!q)
		return model_fail(st, MAX_ESERVER, "%s lookup failed", kind);
	store_bind_text(q, 1, id);
	int rc = store_one(q);
	if (rc == 1) {
		*obj = store_json(q, 0);
		store_reset(q);
	}
	if (rc < 0)
		return model_fail(st, MAX_ESERVER, "%s lookup failed", kind);
	return *obj ? MAX_OK : model_fail(st, MAX_ENOTFOUND, "No object %s in %s", id, kind);
}

/* ---- orphans ------------------------------------------------------------------ */

struct scan {
	struct store *st;
	void (*found)(const char *path, void *arg);
	void *arg;
	int count, failed;
	time_t now;
};

static int lower_hex(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
}

/* "aa/bb/cc/dd/ee/ff/{12 hex}{suffix}" → id and suffix; -1 otherwise. */
static int parse_rel(const char *rel, char id[MAX_ID_LEN + 1], const char **suffix)
{
	size_t k = 0;
	for (int i = 0; i < 6; i++, rel += 3) {
		if (!lower_hex(rel[0]) || !lower_hex(rel[1]) || rel[2] != '/')
			return -1;
		id[k++] = rel[0];
		id[k++] = rel[1];
	}
	for (int i = 0; i < 12; i++) {
		if (!lower_hex(rel[i]))
			return -1;
		id[k++] = rel[i];
	}
	id[k] = 0;
	*suffix = rel + 12;
	return 0;
}

/* 1 when activity or message id exists, 0 when not, -1 on error. */
static int has_row(struct store *st, const char *id)
{
	store_q *q = store_sql(st, "SELECT 1 FROM activities WHERE id = ?1"
				   " UNION ALL SELECT 1 FROM messages WHERE id = ?1");
	if (!q)
		return -1;
	store_bind_text(q, 1, id);
	return store_exists(q);
}

/* Is the regular file at rel (under the scan's root) an orphan? */
static int is_orphan(struct scan *s, const char *rel, time_t mtime)
{
	char id[MAX_ID_LEN + 1];
	const char *suffix;
	if (parse_rel(rel, id, &suffix) < 0)
		return 1;
	int kept = !strcmp(suffix, "") || !strcmp(suffix, ".thumb");
	int staged = !strcmp(suffix, STAGED) || !strcmp(suffix, ".thumb" STAGED);
	if (!kept && s->now - mtime < IN_FLIGHT_SECONDS)
		return 0; /* staged or temporary, maybe for a transaction still open */
	if (!kept && !staged)
		return 1; /* the temporary file of a write that never finished */
	int row = has_row(s->st, id);
	if (row < 0)
		s->failed = 1;
	return row == 0;
}

static void walk(struct scan *s, char *path, size_t root_len, int depth)
{
	DIR *d = opendir(path);
	if (!d) {
		s->failed |= errno != ENOENT; /* a missing folder holds nothing */
		return;
	}
	size_t len = strlen(path);
	for (struct dirent *e; !s->failed && (e = readdir(d));) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (len + 1 + strlen(e->d_name) >= PATH_MAX) {
			s->failed = 1;
			break;
		}
		snprintf(path + len, PATH_MAX - len, "/%s", e->d_name);
		struct stat st;
		if (lstat(path, &st) < 0)
			continue; /* removed meanwhile */
		if (S_ISDIR(st.st_mode)) {
			/* only the layout's folders: others (avatars, when [store]
			 * avatars lies inside [store] files) are not media */
			if (depth < 6 && lower_hex(e->d_name[0]) && lower_hex(e->d_name[1]) &&
			    !e->d_name[2])
				walk(s, path, root_len, depth + 1);
		} else if (!S_ISREG(st.st_mode) || is_orphan(s, path + root_len + 1, st.st_mtime)) {
			s->count++;
			s->found(path, s->arg);
		}
		path[len] = 0;
	}
	closedir(d);
}

int media_orphans(const char *root, struct store *st, void (*found)(const char *path, void *arg),
		  void *arg)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof path, "%s", root) >= (int)sizeof path)
		return -1;
	struct scan s = {.st = st, .found = found, .arg = arg, .now = time(NULL)};
	walk(&s, path, strlen(path), 0);
	return s.failed ? -1 : s.count;
}

int media_avatar_path(const char *u, int large, char *out, size_t len)
{
	if (!*u || *u == '.')
		return -1;
	size_t k = 0;
	int chars = 0;
	for (; u[k] && chars < 2; chars++)
		for (k++; ((unsigned char)u[k] & 0xc0) == 0x80; k++)
			;
	int n = chars < 2 ? snprintf(out, len, "people/%s%s", large ? "large/" : "", u)
			  : snprintf(out, len, "people/%s%.*s/%s", large ? "large/" : "", (int)k, u,
				     u);
	return n > 0 && (size_t)n < len ? 0 : -1;
}
