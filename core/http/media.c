/*
 * media.c — storing and serving uploaded files (API.md §9.2), and the
 * image work avatars need (§9.1).
 *
 * Types come from the bytes (media_sniff); image sizes from the headers,
 * checked against [store] max_image_pixels before libgd decodes anything.
 * A stored file lives at {[store] files}/{id[0:2]}/…/{id[10:12]}/{id[12:24]}
 * (the path depends on the id only), written to a temporary file that is
 * renamed into place; up->written remembers it so that upload_free()
 * removes it when the request fails afterwards. Served types always come
 * from a fixed table of static strings, so nothing a client declared is
 * echoed as a Content-Type the browser would execute.
 */
#include "http/media.h"
#include "util/config.h"
#include "http/http.h"
#include "util/ids.h"
#include "util/jsonx.h"
#include "util/log.h"
#include "http/multipart.h"

#include <gd.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define THUMB_BOX 400
#define THUMB_QUALITY 75
#define ATTACHMENT_CACHE "private, max-age=86400"

/* ---- types --------------------------------------------------------------- */

/* Every Content-Type MAX stores or serves for an upload. */
static const char *const known_types[] = {
	"application/octet-stream", "image/png", "image/jpeg", "image/gif", "image/webp",
	"image/bmp", "image/tiff", "image/heic", "image/avif", "application/pdf",
	"text/plain", "text/csv", "text/calendar", "application/rtf", "application/zip",
	"application/gzip", "application/x-7z-compressed", "application/vnd.rar",
	"application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"application/vnd.openxmlformats-officedocument.presentationml.presentation",
	"application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
	"application/vnd.oasis.opendocument.presentation", "audio/mpeg", "audio/mp4", "audio/ogg",
	"audio/wav", "audio/aac", "video/mp4", "video/quicktime", "video/webm", "video/mpeg",
	"video/3gpp",
};

/* The table's entry for a declared type (parameters and case ignored),
 * or def. */
static const char *known_type(const char *declared, const char *def)
{
	if (!declared)
		return def;
	size_t n = strcspn(declared, "; \t");
	for (size_t i = 0; i < sizeof known_types / sizeof known_types[0]; i++)
		if (strlen(known_types[i]) == n && !strncasecmp(declared, known_types[i], n))
			return known_types[i];
	return def;
}

const char *media_type_mime(enum media_type t)
{
	static const char *const names[] = {
		[MEDIA_UNKNOWN] = "application/octet-stream",
		[MEDIA_PNG] = "image/png",
		[MEDIA_JPEG] = "image/jpeg",
		[MEDIA_GIF] = "image/gif",
		[MEDIA_WEBP] = "image/webp",
		[MEDIA_BMP] = "image/bmp",
		[MEDIA_TIFF] = "image/tiff",
		[MEDIA_HEIC] = "image/heic",
		[MEDIA_AVIF] = "image/avif",
		[MEDIA_PDF] = "application/pdf",
	};
	return t >= MEDIA_UNKNOWN && t <= MEDIA_PDF ? names[t] : names[MEDIA_UNKNOWN];
}

static unsigned be16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static unsigned le16(const unsigned char *p)
{
	return (unsigned)p[1] << 8 | p[0];
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t le24(const unsigned char *p)
{
	return (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

enum media_type media_sniff(const void *data, size_t len)
{
	const unsigned char *p = data;
	if (len >= 8 && !memcmp(p, "\x89PNG\r\n\x1a\n", 8))
		return MEDIA_PNG;
	if (len >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		return MEDIA_JPEG;
	if (len >= 6 && (!memcmp(p, "GIF87a", 6) || !memcmp(p, "GIF89a", 6)))
		return MEDIA_GIF;
	if (len >= 12 && !memcmp(p, "RIFF", 4) && !memcmp(p + 8, "WEBP", 4))
		return MEDIA_WEBP;
	if (len >= 18 && p[0] == 'B' && p[1] == 'M') {
		/* "BM" alone is too weak: the DIB header size must be a known one */
		uint32_t dib = (uint32_t)le16(p + 14) | (uint32_t)le16(p + 16) << 16;
		if (dib == 12 || dib == 40 || dib == 52 || dib == 56 || dib == 108 || dib == 124)
			return MEDIA_BMP;
	}
	if (len >= 8 && (!memcmp(p, "II*\0", 4) || !memcmp(p, "MM\0*", 4)))
		return MEDIA_TIFF;
	if (len >= 12 && !memcmp(p + 4, "ftyp", 4)) {
		if (!memcmp(p + 8, "avif", 4) || !memcmp(p + 8, "avis", 4))
			return MEDIA_AVIF;
		static const char brands[][5] = {"heic", "heix", "hevc", "hevx", "heim",
						 "heis", "mif1", "msf1"};
		for (size_t i = 0; i < sizeof brands / sizeof brands[0]; i++)
			if (!memcmp(p + 8, brands[i], 4))
				return MEDIA_HEIC;
	}
	if (len >= 5 && !memcmp(p, "%PDF-", 5))
		return MEDIA_PDF;
	return MEDIA_UNKNOWN;
}

static int is_image(enum media_type t)
{
	return t >= MEDIA_PNG && t <= MEDIA_AVIF;
}

/* The formats libgd decodes here. */
static int is_decodable(enum media_type t)
{
	return t >= MEDIA_PNG && t <= MEDIA_WEBP;
}

/* ---- headers: JPEG segments, sizes, EXIF ------------------------------------ */

/* The JPEG segment after *pos: marker, payload and its length; 0 at the
 * first scan, at the end or on anything malformed. */
static int jpeg_next(const unsigned char *p, size_t len, size_t *pos, int *marker,
		     const unsigned char **seg, size_t *seglen)
{
	size_t i = *pos;
	for (;;) {
		if (i >= len || p[i] != 0xff)
			return 0;
		while (i < len && p[i] == 0xff)
			i++;
		if (i >= len)
			return 0;
		int m = p[i++];
		if (m == 0xd8 || m == 0x01 || (m >= 0xd0 && m <= 0xd7))
			continue; /* markers without a length */
		if (m == 0xd9 || m == 0xda || len - i < 2)
			return 0;
		size_t n = be16(p + i);
		if (n < 2 || n > len - i)
			return 0;
		*marker = m;
		*seg = p + i + 2;
		*seglen = n - 2;
		*pos = i + n;
		return 1;
	}
}

static int jpeg_size(const unsigned char *p, size_t len, unsigned *w, unsigned *h)
{
	size_t pos = 2, n;
	int m;
	const unsigned char *seg;
	while (jpeg_next(p, len, &pos, &m, &seg, &n))
		if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc) {
			if (n < 5)
				return -1;
			*h = be16(seg + 1);
			*w = be16(seg + 3);
			return 0;
		}
	return -1;
}

/* GIF: the logical screen, grown to the first frame if that is larger. */
static int gif_size(const unsigned char *p, size_t len, unsigned *w, unsigned *h)
{
	if (len < 13)
		return -1;
	*w = le16(p + 6);
	*h = le16(p + 8);
	size_t i = 13;
	if (p[10] & 0x80)
		i += 3u << ((p[10] & 7) + 1);
	while (i < len) {
		if (p[i] == 0x2c) {
			if (len - i < 10)
				return -1;
			unsigned fx = le16(p + i + 1) + le16(p + i + 5);
			unsigned fy = le16(p + i + 3) + le16(p + i + 7);
			*w = fx > *w ? fx : *w;
			*h = fy > *h ? fy : *h;
			return 0;
		}
		if (p[i] != 0x21 || len - i < 2)
			return -1;
		for (i += 2; i < len && p[i]; i += p[i] + 1u)
			;
		i++;
	}
	return -1;
}

static int webp_size(const unsigned char *p, size_t len, unsigned *w, unsigned *h)
{
	if (len < 30)
		return -1;
	if (!memcmp(p + 12, "VP8 ", 4) && p[23] == 0x9d && p[24] == 0x01 && p[25] == 0x2a) {
		*w = le16(p + 26) & 0x3fff;
		*h = le16(p + 28) & 0x3fff;
	} else if (!memcmp(p + 12, "VP8L", 4) && p[20] == 0x2f) {
		uint32_t bits = (uint32_t)p[21] | (uint32_t)p[22] << 8 | (uint32_t)p[23] << 16 |
				(uint32_t)p[24] << 24;
		*w = (bits & 0x3fff) + 1;
		*h = (bits >> 14 & 0x3fff) + 1;
	} else if (!memcmp(p + 12, "VP8X", 4)) {
		*w = le24(p + 24) + 1;
		*h = le24(p + 27) + 1;
	} else {
		return -1;
	}
	return 0;
}

int media_image_size(const void *data, size_t len, unsigned *w, unsigned *h)
{
	const unsigned char *p = data;
	int rc = -1;
	*w = *h = 0;
	switch (media_sniff(data, len)) {
	case MEDIA_PNG:
		if (len >= 24 && !memcmp(p + 12, "IHDR", 4)) {
			uint32_t pw = be32(p + 16), ph = be32(p + 20);
			if (pw <= INT_MAX && ph <= INT_MAX) {
				*w = pw;
				*h = ph;
				rc = 0;
			}
		}
		break;
	case MEDIA_JPEG:
		rc = jpeg_size(p, len, w, h);
		break;
	case MEDIA_GIF:
		rc = gif_size(p, len, w, h);
		break;
	case MEDIA_WEBP:
		rc = webp_size(p, len, w, h);
		break;
	default:
		break;
	}
	return rc == 0 && *w && *h ? 0 : -1;
}

int media_jpeg_orientation(const void *data, size_t len)
{
	const unsigned char *p = data, *seg;
	if (media_sniff(data, len) != MEDIA_JPEG)
		return 1;
	size_t pos = 2, n;
	int m;
	while (jpeg_next(p, len, &pos, &m, &seg, &n)) {
		if (m != 0xe1 || n < 14 || memcmp(seg, "Exif\0\0", 6))
			continue;
		const unsigned char *t = seg + 6;
		size_t tlen = n - 6;
		int le = !memcmp(t, "II", 2);
		if (!le && memcmp(t, "MM", 2))
			return 1;
#define U16(q) (le ? le16(q) : be16(q))
#define U32(q) (le ? (uint32_t)le16(q) | (uint32_t)le16((q) + 2) << 16 : be32(q))
		if (U16(t + 2) != 42)
			return 1;
		uint32_t ifd = U32(t + 4);
		if (ifd > tlen || tlen - ifd < 2)
			return 1;
		unsigned count = U16(t + ifd);
		for (unsigned i = 0; i < count; i++) {
			size_t e = ifd + 2 + 12 * (size_t)i;
			if (e + 12 > tlen)
				break;
			if (U16(t + e) == 0x0112 && U16(t + e + 2) == 3 && U32(t + e + 4) >= 1) {
				unsigned v = U16(t + e + 8);
				return v >= 1 && v <= 8 ? (int)v : 1;
			}
		}
#undef U16
#undef U32
		return 1;
	}
	return 1;
}

/* ---- decoding and drawing ---------------------------------------------------- */

/* libgd and the codecs it pulls in (PNG, JPEG, WebP, TIFF, HEIF, AVIF,
 * fontconfig…: some 55 libraries) cost each worker about 8 MB of resident
 * memory, 1 MB of it private; only image uploads need them, so they are
 * loaded on first use. Serving stored files never does. */
#define GD_FUNCS(X)                                                                        \
	X(gdImagePtr, gdImageCreateFromPngPtr, (int, void *))                                \
	X(gdImagePtr, gdImageCreateFromJpegPtrEx, (int, void *, int))                        \
	X(gdImagePtr, gdImageCreateFromGifPtr, (int, void *))                                \
	X(gdImagePtr, gdImageCreateFromWebpPtr, (int, void *))                               \
	X(void, gdImageDestroy, (gdImagePtr))                                                \
	X(int, gdImagePaletteToTrueColor, (gdImagePtr))                                      \
	X(gdImagePtr, gdImageCreateTrueColor, (int, int))                                    \
	X(void, gdImageFilledRectangle, (gdImagePtr, int, int, int, int, int))               \
	X(void, gdImageAlphaBlending, (gdImagePtr, int))                                     \
	X(void, gdImageSaveAlpha, (gdImagePtr, int))                                         \
	X(void, gdImageCopyResampled,                                                        \
	  (gdImagePtr, gdImagePtr, int, int, int, int, int, int, int, int))                  \
	X(void *, gdImageJpegPtr, (gdImagePtr, int *, int))                                  \
	X(void *, gdImagePngPtr, (gdImagePtr, int *))                                        \
	X(void, gdFree, (void *))                                                            \
	X(void, gdSetErrorMethod, (gdErrorMethod))

static struct {
	int tried, ok;
#define X(ret, name, args) ret(*name) args;
	GD_FUNCS(X)
#undef X
} gd;

static void gd_quiet(int priority, const char *format, va_list args)
{
	(void)priority, (void)format, (void)args; /* a bad upload is the client's 400 */
}

static enum max_err gd_load(struct max_ctx *c)
{
	if (!gd.tried) {
		gd.tried = 1;
		void *h = dlopen("libgd.so.3", RTLD_NOW | RTLD_LOCAL);
		gd.ok = h != NULL;
#define X(ret, name, args) gd.ok = gd.ok && (*(void **)&gd.name = dlsym(h, #name));
		GD_FUNCS(X)
#undef X
		if (gd.ok)
			gd.gdSetErrorMethod(gd_quiet);
		else
			log_event("-", "libgd cannot be loaded: %s", h ? "missing symbol" : dlerror());
	}
	return gd.ok ? MAX_OK : max_fail(c, MAX_ESERVER, "image processing is unavailable (libgd)");
}

static enum max_err not_an_image(struct max_ctx *c)
{
	return max_fail(c, MAX_EVALIDATION,
			"Validation error on field \"file\": not a PNG, JPEG, GIF or WebP image");
}

/* Decodes an uploaded image as a true-colour gd image, refusing formats
 * libgd does not read here and sizes over [store] max_image_pixels. */
static enum max_err load_image(struct max_ctx *c, const void *data, size_t len, gdImagePtr *out)
{
	*out = NULL;
	enum media_type t = media_sniff(data, len);
	unsigned w, h;
	if (!is_decodable(t) || len > INT_MAX || media_image_size(data, len, &w, &h) < 0)
		return not_an_image(c);
	enum max_err e = gd_load(c);
	if (e)
		return e;
	long long max = config_int(c->cfg, "store", "max_image_pixels");
	if ((unsigned long long)w * h > (unsigned long long)(max > 0 ? max : 0))
		return max_fail(c, MAX_EVALIDATION,
				"Validation error on field \"file\": image of %ux%u pixels is larger "
				"than %lld pixels",
				w, h, max);
	void *d = (void *)data; /* libgd reads it only */
	gdImagePtr im = t == MEDIA_PNG	  ? gd.gdImageCreateFromPngPtr((int)len, d)
			: t == MEDIA_JPEG ? gd.gdImageCreateFromJpegPtrEx((int)len, d, 1)
			: t == MEDIA_GIF  ? gd.gdImageCreateFromGifPtr((int)len, d)
					  : gd.gdImageCreateFromWebpPtr((int)len, d);
	if (!im)
		return max_fail(c, MAX_EVALIDATION,
				"Validation error on field \"file\": the image cannot be decoded");
	if ((unsigned long long)gdImageSX(im) * (unsigned)gdImageSY(im) >
		    (unsigned long long)w * h ||
	    (!gdImageTrueColor(im) && !gd.gdImagePaletteToTrueColor(im))) {
		gd.gdImageDestroy(im);
		return max_fail(c, MAX_EVALIDATION,
				"Validation error on field \"file\": the image cannot be decoded");
	}
	*out = im;
	return MAX_OK;
}

/* Quarter turns for EXIF orientations 3, 6 and 8 (§9.2). */
static gdImagePtr orient(gdImagePtr s, int orientation)
{
	int w = gdImageSX(s), h = gdImageSY(s), quarter = orientation == 6 || orientation == 8;
	gdImagePtr d = gd.gdImageCreateTrueColor(quarter ? h : w, quarter ? w : h);
	if (!d)
		return NULL;
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			int px = s->tpixels[y][x];
			if (orientation == 3)
				d->tpixels[h - 1 - y][w - 1 - x] = px;
			else if (orientation == 6) /* 90° clockwise */
				d->tpixels[x][h - 1 - y] = px;
			else /* 8: 90° counter-clockwise */
				d->tpixels[w - 1 - x][y] = px;
		}
	return d;
}

/* The thumbnail: fits within THUMB_BOX² keeping the aspect ratio (never
 * enlarged), transparency flattened on white, then oriented. */
static gdImagePtr thumbnail(gdImagePtr src, int orientation)
{
	int w = gdImageSX(src), h = gdImageSY(src), tw = w, th = h;
	if (w > THUMB_BOX || h > THUMB_BOX) {
		double k = w >= h ? (double)THUMB_BOX / w : (double)THUMB_BOX / h;
		tw = w >= h ? THUMB_BOX : (int)(w * k + 0.5);
		th = w >= h ? (int)(h * k + 0.5) : THUMB_BOX;
		tw = tw < 1 ? 1 : tw;
		th = th < 1 ? 1 : th;
	}
	gdImagePtr t = gd.gdImageCreateTrueColor(tw, th);
	if (!t)
		return NULL;
	gd.gdImageFilledRectangle(t, 0, 0, tw - 1, th - 1, gdTrueColor(255, 255, 255));
	gd.gdImageAlphaBlending(t, 1);
	gd.gdImageCopyResampled(t, src, 0, 0, 0, 0, tw, th, w, h);
	if (orientation == 3 || orientation == 6 || orientation == 8) {
		gdImagePtr o = orient(t, orientation);
		gd.gdImageDestroy(t);
		t = o;
	}
	return t;
}

enum max_err media_square_pngs(struct max_ctx *c, const void *data, size_t len, const int *sizes,
			       struct buf *out, size_t n)
{
	gdImagePtr src;
	enum max_err e = load_image(c, data, len, &src);
	if (e)
		return e;
	int side = gdImageSX(src) < gdImageSY(src) ? gdImageSX(src) : gdImageSY(src);
	for (size_t i = 0; i < n && !e; i++) {
		gdImagePtr d = gd.gdImageCreateTrueColor(sizes[i], sizes[i]);
		int size = 0;
		void *png = NULL;
		if (d) {
			gd.gdImageAlphaBlending(d, 0);
			gd.gdImageSaveAlpha(d, 1);
			/* the top-left square of the source fills the target */
			gd.gdImageCopyResampled(d, src, 0, 0, 0, 0, sizes[i], sizes[i], side, side);
			png = gd.gdImagePngPtr(d, &size);
			gd.gdImageDestroy(d);
		}
		if (!png)
			e = max_fail(c, MAX_ESERVER, "avatar encoding failed");
		else
			buf_add(&out[i], png, (size_t)size);
		gd.gdFree(png);
	}
	gd.gdImageDestroy(src);
	return e;
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

/* {[store] files}/{id[0:2]}/…/{id[10:12]}/{id[12:24]}{suffix} */
static int blob_path(const struct max_ctx *c, const char *id, const char *suffix, char *out,
		     size_t len)
{
	int n = snprintf(out, len, "%s/%.2s/%.2s/%.2s/%.2s/%.2s/%.2s/%s%s",
			 config_get(c->cfg, "store", "files"), id, id + 2, id + 4, id + 6, id + 8,
			 id + 10, id + 12, suffix);
	return n > 0 && (size_t)n < len ? 0 : -1;
}

void media_remove(const struct max_ctx *c, const char *id)
{
	char path[4096];
	if (blob_path(c, id, "", path, sizeof path) == 0)
		unlink(path);
	if (blob_path(c, id, ".thumb", path, sizeof path) == 0)
		unlink(path);
}

/* ---- storing ----------------------------------------------------------------- */

static int has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* Stores data at the blob path of id + suffix and remembers it in up. */
static enum max_err store_blob(struct max_ctx *c, struct upload *up, const char *id,
			       const char *suffix, const void *data, size_t len)
{
	char path[PATH_MAX];
	size_t slot = up->written[0] ? 1 : 0;
	if (up->written[slot] || blob_path(c, id, suffix, path, sizeof path) < 0)
		return max_fail(c, MAX_ESERVER, "media path for %s%s", id, suffix);
	if (media_write_file(path, data, len) < 0)
		return max_fail(c, MAX_ESERVER, "cannot store %s: %s", path, strerror(errno));
	up->written[slot] = xstrdup(path);
	return MAX_OK;
}

enum max_err media_store(struct max_ctx *c, const char *kind, const char *id, struct upload *up,
			 json_object *object)
{
	if (!up || !up->present)
		return max_fail(c, MAX_EMISSING, "Required parameter \"file\" not found in the request");
	if (!id_valid(id) || (strcmp(kind, "activities") && strcmp(kind, "messages")))
		return max_fail(c, MAX_ESERVER, "media_store: bad kind %s or id %s", kind, id);
	const char *type = jx_str(object, "objectType");
	int image = type && !strcmp(type, "image");
	const char *filename = NULL;
	int given = jx_string(object, "filename", &filename);
	if (given < 0 || (filename && (strlen(filename) > MP_NAME_MAX || has_control(filename))))
		return max_fail(c, MAX_EVALIDATION,
				"Validation error on field \"filename\": must be a name of at most "
				"%d bytes without control characters",
				MP_NAME_MAX);
	if (!given && up->filename && *up->filename && strcmp(up->filename, "file") &&
	    !has_control(up->filename))
		filename = up->filename;
	/* the bytes decide; a declared type only names what they cannot tell */
	enum media_type t = media_sniff(up->data, up->len);
	const char *declared = up->content_type;
	if ((image || (declared && !strncasecmp(declared, "image/", 6))) && !is_image(t))
		return not_an_image(c);
	const char *mimetype = media_type_mime(t);
	if (t == MEDIA_UNKNOWN) {
		mimetype = known_type(declared, mimetype);
		/* a type the bytes would have shown, but they do not: a lie */
		for (enum media_type k = MEDIA_PNG; k <= MEDIA_PDF; k++)
			if (!strcmp(mimetype, media_type_mime(k)))
				mimetype = media_type_mime(MEDIA_UNKNOWN);
	}
	void *thumb = NULL;
	int thumb_len = 0;
	if (image) {
		gdImagePtr im;
		enum max_err e = load_image(c, up->data, up->len, &im);
		if (e)
			return e;
		gdImagePtr th = thumbnail(im, media_jpeg_orientation(up->data, up->len));
		gd.gdImageDestroy(im);
		if (th) {
			thumb = gd.gdImageJpegPtr(th, &thumb_len, THUMB_QUALITY);
			gd.gdImageDestroy(th);
		}
		if (!thumb)
			return max_fail(c, MAX_ESERVER, "thumbnail encoding failed");
	}
	enum max_err e = store_blob(c, up, id, "", up->data, up->len);
	if (!e && thumb)
		e = store_blob(c, up, id, ".thumb", thumb, (size_t)thumb_len);
	if (thumb) /* libgd is loaded only once an image was seen */
		gd.gdFree(thumb);
	if (e)
		return e;
	jx_set_str(object, "mimetype", mimetype);
	if (filename && !given)
		jx_set_str(object, "filename", filename);
	char url[96];
	snprintf(url, sizeof url, "/%s/%s/%s", kind, id, image ? "image/full" : "file/download");
	jx_set_str(object, "fullURL", url);
	if (image) {
		snprintf(url, sizeof url, "/%s/%s/image/thumb", kind, id);
		jx_set_str(object, "thumbURL", url);
	}
	return MAX_OK;
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
	struct stat st;
	if (!id_valid(id) || blob_path(c, id, suffix, path, sizeof path) < 0 ||
	    stat(path, &st) < 0 || !S_ISREG(st.st_mode))
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
	const char *type = thumb ? "image/jpeg" : known_type(mimetype, "image/jpeg");
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
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    strchr("!#$&+-.^_`|~", ch))
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
				    known_type(mimetype, "application/octet-stream"), b64);
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
