/*
 * image.c — types, sizes and orientation from image bytes, and the
 * thumbnails and avatar squares drawn with libgd (see image.h).
 *
 * Sizes come from the headers and are checked against the caller's pixel
 * limit before libgd decodes anything, so a small file that claims a huge
 * picture costs nothing. Every call into libgd goes through a function
 * pointer that gd_load() filled: only load_image() calls it, and every
 * other function here reaches libgd only with an image load_image() gave
 * it, so no path can call a pointer that was never loaded.
 */
#include "model/image.h"
#include "model/model.h"
#include "util/log.h"

#include <gd.h>

#include <dlfcn.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#define THUMB_BOX 400
#define THUMB_QUALITY 75

/* ---- types --------------------------------------------------------------- */

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
		static const char brands[][5] = {"heic", "heix", "hevc", "hevx",
						 "heim", "heis", "mif1", "msf1"};
		for (size_t i = 0; i < sizeof brands / sizeof brands[0]; i++)
			if (!memcmp(p + 8, brands[i], 4))
				return MEDIA_HEIC;
	}
	if (len >= 5 && !memcmp(p, "%PDF-", 5))
		return MEDIA_PDF;
	return MEDIA_UNKNOWN;
}

int media_is_image(enum media_type t)
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
#define GD_FUNCS(X)                                                                                \
	X(gdImagePtr, gdImageCreateFromPngPtr, (int, void *))                                      \
	X(gdImagePtr, gdImageCreateFromJpegPtrEx, (int, void *, int))                              \
	X(gdImagePtr, gdImageCreateFromGifPtr, (int, void *))                                      \
	X(gdImagePtr, gdImageCreateFromWebpPtr, (int, void *))                                     \
	X(void, gdImageDestroy, (gdImagePtr))                                                      \
	X(int, gdImagePaletteToTrueColor, (gdImagePtr))                                            \
	X(gdImagePtr, gdImageCreateTrueColor, (int, int))                                          \
	X(void, gdImageFilledRectangle, (gdImagePtr, int, int, int, int, int))                     \
	X(void, gdImageAlphaBlending, (gdImagePtr, int))                                           \
	X(void, gdImageSaveAlpha, (gdImagePtr, int))                                               \
	X(void, gdImageCopyResampled,                                                              \
	  (gdImagePtr, gdImagePtr, int, int, int, int, int, int, int, int))                        \
	X(void *, gdImageJpegPtr, (gdImagePtr, int *, int))                                        \
	X(void *, gdImagePngPtr, (gdImagePtr, int *))                                              \
	X(void, gdFree, (void *))                                                                  \
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

/* Loads libgd once per process; a failure is remembered and logged once. */
static enum max_err gd_load(struct store *st)
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
			log_event("-", "libgd cannot be loaded: %s",
				  h ? "missing symbol" : dlerror());
	}
	return gd.ok ? MAX_OK
		     : model_fail(st, MAX_ESERVER, "image processing is unavailable (libgd)");
}

/* The library stays mapped (unloading libgd's codecs is not safe); only
 * the pointers are forgotten, which is what a fresh worker has. */
void media_image_unload(void)
{
	memset(&gd, 0, sizeof gd);
}

/* Frees what libgd allocated; NULL (nothing encoded) is fine. */
static void gd_free(void *p)
{
	if (p && gd.ok)
		gd.gdFree(p);
}

static enum max_err not_an_image(struct store *st)
{
	return model_fail(st, MAX_EVALIDATION,
			  "Validation error on field \"file\": not a PNG, JPEG, GIF or WebP image");
}

static enum max_err undecodable(struct store *st)
{
	return model_fail(st, MAX_EVALIDATION,
			  "Validation error on field \"file\": the image cannot be decoded");
}

/* Decodes an uploaded image as a true-colour gd image, refusing formats
 * libgd does not read here and sizes over max_pixels. The only way into
 * libgd: it loads it first. */
static enum max_err load_image(struct store *st, const void *data, size_t len, long long max_pixels,
			       gdImagePtr *out)
{
	*out = NULL;
	enum media_type t = media_sniff(data, len);
	unsigned w, h;
	if (!is_decodable(t) || len > INT_MAX || media_image_size(data, len, &w, &h) < 0)
		return not_an_image(st);
	enum max_err e = gd_load(st);
	if (e)
		return e;
	if ((unsigned long long)w * h > (unsigned long long)(max_pixels > 0 ? max_pixels : 0))
		return model_fail(st, MAX_EVALIDATION,
				  "Validation error on field \"file\": image of %ux%u pixels is "
				  "larger "
				  "than %lld pixels",
				  w, h, max_pixels);
	void *d = (void *)data; /* libgd reads it only */
	gdImagePtr im = t == MEDIA_PNG    ? gd.gdImageCreateFromPngPtr((int)len, d)
			: t == MEDIA_JPEG ? gd.gdImageCreateFromJpegPtrEx((int)len, d, 1)
			: t == MEDIA_GIF  ? gd.gdImageCreateFromGifPtr((int)len, d)
					  : gd.gdImageCreateFromWebpPtr((int)len, d);
	if (!im)
		return undecodable(st);
	if ((unsigned long long)gdImageSX(im) * (unsigned)gdImageSY(im) >
		    (unsigned long long)w * h ||
	    (!gdImageTrueColor(im) && !gd.gdImagePaletteToTrueColor(im))) {
		gd.gdImageDestroy(im);
		return undecodable(st);
	}
	*out = im;
	return MAX_OK;
}

/* Quarter turns for EXIF orientations 3, 6 and 8 (the thumbnail shows
 * the picture upright, as the camera meant it). */
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

enum max_err media_thumbnail(struct store *st, const void *data, size_t len, long long max_pixels,
			     struct buf *jpeg)
{
	gdImagePtr im;
	enum max_err e = load_image(st, data, len, max_pixels, &im);
	if (e)
		return e;
	gdImagePtr th = thumbnail(im, media_jpeg_orientation(data, len));
	gd.gdImageDestroy(im);
	int size = 0;
	void *bytes = NULL;
	if (th) {
		bytes = gd.gdImageJpegPtr(th, &size, THUMB_QUALITY);
		gd.gdImageDestroy(th);
	}
	if (!bytes)
		return model_fail(st, MAX_ESERVER, "thumbnail encoding failed");
	buf_add(jpeg, bytes, (size_t)size);
	gd_free(bytes);
	return MAX_OK;
}

enum max_err media_square_pngs(struct store *st, const void *data, size_t len, long long max_pixels,
			       const int *sizes, struct buf *out, size_t n)
{
	gdImagePtr src;
	enum max_err e = load_image(st, data, len, max_pixels, &src);
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
			e = model_fail(st, MAX_ESERVER, "avatar encoding failed");
		else
			buf_add(&out[i], png, (size_t)size);
		gd_free(png);
	}
	gd.gdImageDestroy(src);
	return e;
}
