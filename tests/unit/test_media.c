/*
 * test_media.c — model/media.c, model/image.c and http/media.c: uploads
 * staged under [store] files and published on commit, with
 * real PNG and JPEG images made here with libgd, thumbnails (size, EXIF
 * orientation from a hand-built APP1 segment), files that lie about their
 * type, the pixel limit, removal after a failed request, and the
 * download rules (410, base64, ETag/304, Content-Disposition).
 */
#include "fixture.h"
#include "util/ids.h"
#include "util/jsonx.h"
#include "http/media.h"
#include "http/multipart.h"
#include "model/model.h"
#include "unit.h"

#include <gd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

static char files_dir[128];

static int init(void)
{
	if (fx_init())
		return -1;
	snprintf(files_dir, sizeof files_dir, "%s/files", fx.dir);
	config_set(&fx.cfg, "store", "files", files_dir);
	return 0;
}

/* ---- images made here -------------------------------------------------------- */

#define RED 0xff0000
#define BLUE 0x0000ff

/* w×h, left half red, right half blue. */
static gdImagePtr two_halves(int w, int h)
{
	gdImagePtr im = gdImageCreateTrueColor(w, h);
	gdImageFilledRectangle(im, 0, 0, w / 2 - 1, h - 1, RED);
	gdImageFilledRectangle(im, w / 2, 0, w - 1, h - 1, BLUE);
	return im;
}

static char *encoded(gdImagePtr im, int jpeg, size_t *len)
{
	int n = 0;
	void *p = jpeg ? gdImageJpegPtr(im, &n, 90) : gdImagePngPtr(im, &n);
	gdImageDestroy(im);
	char *out = xmalloc((size_t)n);
	memcpy(out, p, (size_t)n);
	gdFree(p);
	*len = (size_t)n;
	return out;
}

/* A JPEG with an EXIF APP1 segment right after SOI holding one IFD0 entry:
 * Orientation (0x0112, SHORT) = orientation, big-endian TIFF. */
static char *jpeg_with_orientation(int w, int h, int orientation, size_t *len)
{
	size_t n;
	char *jpg = encoded(two_halves(w, h), 1, &n);
	static const unsigned char app1_head[] = {0xff, 0xe1, 0x00, 0x22, 'E',  'x',  'i',
						  'f',  0,    0,    'M',  'M',  0x00, 0x2a,
						  0x00, 0x00, 0x00, 0x08, 0x00, 0x01, 0x01,
						  0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01};
	unsigned char tail[] = {0x00, (unsigned char)orientation, 0x00, 0x00, 0, 0, 0, 0};
	char *out = xmalloc(n + sizeof app1_head + sizeof tail);
	memcpy(out, jpg, 2);
	memcpy(out + 2, app1_head, sizeof app1_head);
	memcpy(out + 2 + sizeof app1_head, tail, sizeof tail);
	memcpy(out + 2 + sizeof app1_head + sizeof tail, jpg + 2, n - 2);
	*len = n + sizeof app1_head + sizeof tail;
	free(jpg);
	return out;
}

/* ---- helpers ----------------------------------------------------------------- */

static struct upload *upload(const char *data, size_t len, const char *type, const char *name)
{
	struct upload *u = xcalloc(1, sizeof *u);
	u->multipart = u->present = u->nfiles = 1;
	u->owned = xmalloc(len + 1);
	memcpy(u->owned, data, len);
	u->data = u->owned;
	u->len = len;
	u->content_type = type ? xstrdup(type) : NULL;
	u->filename = name ? xstrdup(name) : NULL;
	return u;
}

static struct max_req req;
static struct max_ctx ctx(void)
{
	memset(&req, 0, sizeof req);
	req.method = "GET";
	return (struct max_ctx){.cfg = &fx.cfg, .db = &fx.db, .req = &req};
}

static const char *blob(const char *id, const char *suffix)
{
	static char path[256];
	snprintf(path, sizeof path, "%s/%.2s/%.2s/%.2s/%.2s/%.2s/%.2s/%s%s", files_dir, id, id + 2,
		 id + 4, id + 6, id + 8, id + 10, id + 12, suffix);
	return path;
}

static int read_all(const char *path, struct buf *b)
{
	buf_init(b);
	return media_read_file(path, b);
}

static int exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* The failure text the client would see (http.c: the handler's, else
 * the model's). */
static const char *why(const struct max_ctx *c)
{
	return c->err[0] ? c->err : model_why(c->db);
}

static json_object *object(const char *type)
{
	json_object *o = json_object_new_object();
	jx_set_str(o, "objectType", type);
	return o;
}

/* media_store of data (declared type, upload name) for a new kind/type
 * object: id gets the new id, *out the object (the caller puts it); the
 * upload is then freed as after a successful request. */
static enum max_err store(struct max_ctx *c, const char *kind, const char *type, const char *data,
			  size_t n, const char *declared, const char *name, char id[25],
			  json_object **out)
{
	struct upload *u = upload(data, n, declared, name);
	*out = object(type);
	id_new(id);
	enum max_err e = media_store(c, kind, id, u, *out);
	upload_free(u, 1);
	return e;
}

/* Decodes the stored thumbnail: a JPEG; returns its size and two pixels. */
static gdImagePtr thumb_of(const char *id)
{
	struct buf b;
	if (read_all(blob(id, ".thumb"), &b) < 0)
		return NULL;
	gdImagePtr im = media_sniff(b.data, b.len) == MEDIA_JPEG
				? gdImageCreateFromJpegPtr((int)b.len, b.data)
				: NULL;
	buf_free(&b);
	return im;
}

static int near(int color, int want)
{
	int dr = gdTrueColorGetRed(color) - gdTrueColorGetRed(want);
	int dg = gdTrueColorGetGreen(color) - gdTrueColorGetGreen(want);
	int db = gdTrueColorGetBlue(color) - gdTrueColorGetBlue(want);
	return dr * dr + dg * dg + db * db < 60 * 60;
}

/* ---- storing ----------------------------------------------------------------- */

static void test_store_png(void)
{
	size_t n;
	char *png = encoded(two_halves(800, 200), 0, &n);
	json_object *o;
	char id[25];
	struct max_ctx c = ctx();
	CU_ASSERT_EQUAL_FATAL(store(&c, "activities", "image", png, n, "image/png", "C-photo.png",
				    id, &o),
			      MAX_OK);
	/* the request succeeded: the files stay */
	CU_ASSERT(exists(blob(id, "")) && exists(blob(id, ".thumb")));
	/* stored as uploaded, at the path of the id */
	struct buf b;
	CU_ASSERT_EQUAL_FATAL(read_all(blob(id, ""), &b), 0);
	CU_ASSERT(b.len == n && !memcmp(b.data, png, n));
	buf_free(&b);
	gdImagePtr t = thumb_of(id);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(gdImageSX(t), 400);
	CU_ASSERT_EQUAL(gdImageSY(t), 100);
	gdImageDestroy(t);
	CU_ASSERT_STRING_EQUAL(jx_str(o, "mimetype"), "image/png");
	CU_ASSERT_STRING_EQUAL(jx_str(o, "filename"), "C-photo.png");
	char url[96];
	snprintf(url, sizeof url, "/activities/%s/image/full", id);
	CU_ASSERT_STRING_EQUAL(jx_str(o, "fullURL"), url);
	snprintf(url, sizeof url, "/activities/%s/image/thumb", id);
	CU_ASSERT_STRING_EQUAL(jx_str(o, "thumbURL"), url);
	json_object_put(o);
	free(png);
}

static void test_store_jpeg_small_declared_otherwise(void)
{
	size_t n;
	char *jpg = encoded(two_halves(300, 200), 1, &n);
	/* declared as a generic type and named "file" (maxclient): the bytes
	 * decide the type, the name is dropped */
	json_object *o;
	char id[25];
	struct max_ctx c = ctx();
	CU_ASSERT_EQUAL_FATAL(store(&c, "messages", "image", jpg, n, "application/octet-stream",
				    "file", id, &o),
			      MAX_OK);
	CU_ASSERT_STRING_EQUAL(jx_str(o, "mimetype"), "image/jpeg");
	CU_ASSERT_PTR_NULL(jx_str(o, "filename"));
	CU_ASSERT(strstr(jx_str(o, "fullURL"), "/messages/") == jx_str(o, "fullURL"));
	gdImagePtr t = thumb_of(id); /* never enlarged */
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(gdImageSX(t), 300);
	CU_ASSERT_EQUAL(gdImageSY(t), 200);
	gdImageDestroy(t);
	json_object_put(o);
	free(jpg);
}

static void check_orientation(int orientation, int tw, int th, int top, int bottom)
{
	size_t n;
	char *jpg = jpeg_with_orientation(800, 400, orientation, &n);
	CU_ASSERT_EQUAL(media_jpeg_orientation(jpg, n), orientation);
	unsigned w, h;
	CU_ASSERT(media_image_size(jpg, n, &w, &h) == 0 && w == 800 && h == 400);
	json_object *o;
	char id[25];
	struct max_ctx c = ctx();
	CU_ASSERT_EQUAL_FATAL(store(&c, "activities", "image", jpg, n, "image/jpeg", "turned.jpg",
				    id, &o),
			      MAX_OK);
	gdImagePtr t = thumb_of(id);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(gdImageSX(t), tw);
	CU_ASSERT_EQUAL(gdImageSY(t), th);
	CU_ASSERT(near(gdImageGetTrueColorPixel(t, tw / 2, 5), top));
	CU_ASSERT(near(gdImageGetTrueColorPixel(t, tw / 2, th - 6), bottom));
	gdImageDestroy(t);
	/* the full image is kept as uploaded */
	struct buf b;
	CU_ASSERT(read_all(blob(id, ""), &b) == 0 && b.len == n && !memcmp(b.data, jpg, n));
	buf_free(&b);
	json_object_put(o);
	free(jpg);
}

static void test_exif_orientation(void)
{
	/* 6: 90° clockwise — the left (red) half ends on top */
	check_orientation(6, 200, 400, RED, BLUE);
	/* 8: 90° counter-clockwise — the left half ends at the bottom */
	check_orientation(8, 200, 400, BLUE, RED);
	/* 3 is read too; no EXIF at all reads as 1 */
	size_t n;
	char *jpg = jpeg_with_orientation(800, 400, 3, &n);
	CU_ASSERT_EQUAL(media_jpeg_orientation(jpg, n), 3);
	free(jpg);
	jpg = encoded(two_halves(10, 10), 1, &n);
	CU_ASSERT_EQUAL(media_jpeg_orientation(jpg, n), 1);
	free(jpg);
}

static void test_type_lies(void)
{
	const char *text = "<html><script>alert(1)</script></html>";
	char id[25];
	struct max_ctx c = ctx();
	json_object *o;
	/* an image post whose bytes are text; a file post declared image/png */
	static const char *const types[] = {"image", "file"};
	for (size_t i = 0; i < 2; i++) {
		CU_ASSERT_EQUAL(store(&c, "activities", types[i], text, strlen(text), "image/png",
				      "evil.png", id, &o),
				MAX_EVALIDATION);
		CU_ASSERT_STRING_EQUAL(why(&c), "Validation error on field \"file\": not a PNG, "
						"JPEG, GIF or WebP image");
		CU_ASSERT_PTR_NULL(jx_str(o, "fullURL"));
		CU_ASSERT_FALSE(exists(blob(id, "")));
		json_object_put(o);
	}
	/* declared text/html: stored, but never served as HTML */
	static const struct {
		const char *data, *declared, *want;
	} cases[] = {
		{"<html></html>", "text/html", "application/octet-stream"},
		{"plain words", "application/pdf", "application/octet-stream"},
		{"%PDF-1.4 ...", "application/octet-stream", "application/pdf"},
		{"PK\3\4 docx",
		 "application/vnd.openxmlformats-officedocument.wordprocessingml.document; x=y",
		 "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{"a,b\n1,2\n", "TEXT/CSV", "text/csv"},
		{"\x89PNG\r\n\x1a\n....", "application/pdf", "image/png"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		CU_ASSERT_EQUAL(store(&c, "activities", "file", cases[i].data,
				      strlen(cases[i].data), cases[i].declared, "doc", id, &o),
				MAX_OK);
		CU_ASSERT_STRING_EQUAL(jx_str(o, "mimetype"), cases[i].want);
		CU_ASSERT_PTR_NULL(jx_str(o, "thumbURL"));
		CU_ASSERT(exists(blob(id, "")) && !exists(blob(id, ".thumb")));
		json_object_put(o);
	}
}

static void test_filename_rules(void)
{
	struct max_ctx c = ctx();
	char id[25];
	id_new(id);
	struct upload *u = upload("data", 4, "text/plain", "upload-name.txt");
	json_object *o = object("file");
	jx_set_str(o, "filename", "given name.txt");
	CU_ASSERT_EQUAL(media_store(&c, "messages", id, u, o), MAX_OK);
	CU_ASSERT_STRING_EQUAL(jx_str(o, "filename"), "given name.txt");
	char url[96];
	snprintf(url, sizeof url, "/messages/%s/file/download", id);
	CU_ASSERT_STRING_EQUAL(jx_str(o, "fullURL"), url);
	upload_free(u, 1);
	json_object_put(o);
	/* a control character, or no upload at all */
	id_new(id);
	u = upload("data", 4, "text/plain", NULL);
	o = object("file");
	jx_set_str(o, "filename", "bad\r\nname");
	CU_ASSERT_EQUAL(media_store(&c, "messages", id, u, o), MAX_EVALIDATION);
	CU_ASSERT_FALSE(exists(blob(id, "")));
	CU_ASSERT_EQUAL(media_store(&c, "messages", id, NULL, o), MAX_EMISSING);
	CU_ASSERT_STRING_EQUAL(c.err, "Required parameter \"file\" not found in the request");
	upload_free(u, 1);
	json_object_put(o);
}

static void test_pixel_limit_and_broken_images(void)
{
	struct max_ctx c = ctx();
	char id[25];
	id_new(id);
	size_t n;
	/* a header claiming 100000×100000 pixels: refused before decoding */
	char *png = encoded(two_halves(4, 4), 0, &n);
	unsigned char big[4] = {0x00, 0x01, 0x86, 0xa0};
	memcpy(png + 16, big, 4);
	memcpy(png + 20, big, 4);
	unsigned w, h;
	CU_ASSERT(media_image_size(png, n, &w, &h) == 0 && w == 100000 && h == 100000);
	struct upload *u = upload(png, n, "image/png", "bomb.png");
	json_object *o = object("image");
	CU_ASSERT_EQUAL(media_store(&c, "activities", id, u, o), MAX_EVALIDATION);
	CU_ASSERT(strstr(why(&c), "larger than") != NULL);
	upload_free(u, 1);
	free(png);
	/* the configured limit applies */
	config_set(&fx.cfg, "store", "max_image_pixels", "1000");
	png = encoded(two_halves(40, 30), 0, &n);
	u = upload(png, n, "image/png", "x.png");
	CU_ASSERT_EQUAL(media_store(&c, "activities", id, u, o), MAX_EVALIDATION);
	upload_free(u, 1);
	config_set(&fx.cfg, "store", "max_image_pixels", "25000000");
	/* a PNG signature followed by garbage */
	memset(png + 33, 0x5a, n - 33);
	u = upload(png, n, "image/png", "x.png");
	CU_ASSERT_EQUAL(media_store(&c, "activities", id, u, o), MAX_EVALIDATION);
	CU_ASSERT_STRING_EQUAL(why(&c),
			       "Validation error on field \"file\": the image cannot be decoded");
	upload_free(u, 1);
	free(png);
	CU_ASSERT_FALSE(exists(blob(id, "")));
	json_object_put(o);
}

static void test_failed_request_removes_files(void)
{
	size_t n;
	char *png = encoded(two_halves(50, 50), 0, &n);
	struct upload *u = upload(png, n, "image/png", "a.png");
	json_object *o = object("image");
	char id[25];
	id_new(id);
	struct max_ctx c = ctx();
	CU_ASSERT_EQUAL_FATAL(media_store(&c, "activities", id, u, o), MAX_OK);
	/* staged until the commit: nothing at the final paths yet */
	CU_ASSERT(exists(blob(id, ".new")) && exists(blob(id, ".thumb.new")));
	CU_ASSERT(!exists(blob(id, "")) && !exists(blob(id, ".thumb")));
	upload_free(u, 0); /* rolled back */
	CU_ASSERT_FALSE(exists(blob(id, "")) || exists(blob(id, ".new")));
	CU_ASSERT_FALSE(exists(blob(id, ".thumb")) || exists(blob(id, ".thumb.new")));
	json_object_put(o);
	/* committed: published, nothing staged left */
	u = upload(png, n, "image/png", "a.png");
	o = object("image");
	CU_ASSERT_EQUAL_FATAL(media_store(&c, "activities", id, u, o), MAX_OK);
	upload_free(u, 1);
	CU_ASSERT(exists(blob(id, "")) && exists(blob(id, ".thumb")));
	CU_ASSERT_FALSE(exists(blob(id, ".new")) || exists(blob(id, ".thumb.new")));
	media_delete(files_dir, id);
	CU_ASSERT_FALSE(exists(blob(id, "")) || exists(blob(id, ".thumb")));
	json_object_put(o);
	free(png);
}

static void test_sniff_and_sizes(void)
{
	static const struct {
		const char *bytes;
		size_t len;
		enum media_type t;
	} cases[] = {
		{"GIF89a\1\0\1\0", 10, MEDIA_GIF},
		{"RIFF\0\0\0\0WEBPVP8 ", 16, MEDIA_WEBP},
		{"II*\0\x08\0\0\0", 8, MEDIA_TIFF},
		{"\0\0\0\x18"
		 "ftypheic",
		 12, MEDIA_HEIC},
		{"\0\0\0\x18"
		 "ftypavif",
		 12, MEDIA_AVIF},
		{"BM\0\0\0\0\0\0\0\0\0\0\0\0\x28\0\0\0", 18, MEDIA_BMP},
		{"BMW is a car brand", 18, MEDIA_UNKNOWN},
		{"%PDF-1.7", 8, MEDIA_PDF},
		{"\xff\xd8", 2, MEDIA_UNKNOWN},
		{"", 0, MEDIA_UNKNOWN},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		CU_ASSERT_EQUAL(media_sniff(cases[i].bytes, cases[i].len), cases[i].t);
	/* GIF and WebP sizes from their headers, checked against libgd's own */
	gdImagePtr im = gdImageCreate(37, 21);
	gdImageColorAllocate(im, 1, 2, 3);
	int n = 0;
	void *gif = gdImageGifPtr(im, &n);
	unsigned w, h;
	CU_ASSERT(media_image_size(gif, (size_t)n, &w, &h) == 0 && w == 37 && h == 21);
	CU_ASSERT_EQUAL(media_image_size(gif, 12, &w, &h), -1); /* truncated */
	gdFree(gif);
	gdImageDestroy(im);
	im = gdImageCreateTrueColor(123, 45);
	void *webp = gdImageWebpPtr(im, &n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(webp);
	CU_ASSERT(media_image_size(webp, (size_t)n, &w, &h) == 0 && w == 123 && h == 45);
	gdFree(webp);
	gdImageDestroy(im);
	/* every prefix of a JPEG: no read past the end (ASan), no bogus size */
	size_t jn;
	char *jpg = encoded(two_halves(16, 8), 1, &jn);
	for (size_t k = 0; k < 200 && k < jn; k++) {
		char *cut = xmalloc(k ? k : 1);
		memcpy(cut, jpg, k);
		if (media_image_size(cut, k, &w, &h) == 0)
			CU_ASSERT(w == 16 && h == 8);
		(void)media_jpeg_orientation(cut, k);
		free(cut);
	}
	free(jpg);
}

/* Deterministic mutations of real headers (JPEG with EXIF, PNG, GIF,
 * WebP): the header readers answer sanely and, under ASan, never read
 * outside the exact-size copy. */
static void test_header_mutations(void)
{
	size_t n[4];
	char *img[4];
	img[0] = jpeg_with_orientation(20, 10, 6, &n[0]);
	img[1] = encoded(two_halves(20, 10), 0, &n[1]);
	gdImagePtr im = gdImageCreate(20, 10);
	gdImageColorAllocate(im, 0, 0, 0);
	int k = 0;
	void *p = gdImageGifPtr(im, &k);
	img[2] = xmalloc((size_t)k);
	memcpy(img[2], p, (size_t)k);
	n[2] = (size_t)k;
	gdFree(p);
	gdImageDestroy(im);
	im = gdImageCreateTrueColor(20, 10);
	p = gdImageWebpPtr(im, &k);
	img[3] = xmalloc((size_t)k);
	memcpy(img[3], p, (size_t)k);
	n[3] = (size_t)k;
	gdFree(p);
	gdImageDestroy(im);
	unsigned seed = 99, sane = 0;
	for (int i = 0; i < 20000; i++) {
		int which = i % 4;
		size_t len = n[which] < 160 ? n[which] : 160;
		char *b = xmalloc(len);
		memcpy(b, img[which], len);
		for (int m = 0; m < 1 + i % 3; m++) {
			seed = seed * 1103515245u + 12345u;
			size_t at = (seed >> 8) % len;
			if ((seed >> 4) % 4 == 0)
				len = at ? at : 1;
			else
				b[at] = (char)(seed >> 16);
		}
		unsigned w = 0, h = 0;
		int rc = media_image_size(b, len, &w, &h);
		int o = media_jpeg_orientation(b, len);
		sane += (rc == -1 || (w > 0 && h > 0)) && o >= 1 && o <= 8 &&
			media_sniff(b, len) <= MEDIA_PDF;
		free(b);
	}
	CU_ASSERT_EQUAL(sane, 20000);
	for (int i = 0; i < 4; i++)
		free(img[i]);
}

/* ---- serving ----------------------------------------------------------------- */

static void add_header(const char *name, const char *value)
{
	static struct max_kv h[4];
	h[req.nheaders].key = (char *)name;
	h[req.nheaders].val = (char *)value;
	req.headers = h;
	req.nheaders++;
}

static const char *header(const struct max_resp *r, const char *name)
{
	for (size_t i = 0; i < r->nheaders; i++)
		if (!strcmp(r->headers[i].key, name))
			return r->headers[i].val;
	return "";
}

static void test_serve(void)
{
	size_t n;
	char *png = encoded(two_halves(500, 100), 0, &n);
	json_object *o;
	char id[25], etag[64];
	struct max_ctx c = ctx();
	CU_ASSERT_EQUAL_FATAL(store(&c, "activities", "image", png, n, "image/png", "a.png", id,
				    &o),
			      MAX_OK);
	json_object_put(o);

	struct max_resp r;
	resp_init(&r);
	CU_ASSERT_EQUAL(media_serve_image(&c, &r, "activities", id, NULL, "image/png"), MAX_OK);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_STRING_EQUAL(r.content_type, "image/png");
	CU_ASSERT(r.body.len == n && !memcmp(r.body.data, png, n));
	snprintf(etag, sizeof etag, "\"%s-full\"", id);
	CU_ASSERT_STRING_EQUAL(header(&r, "ETag"), etag);
	CU_ASSERT(strstr(header(&r, "Cache-Control"), "max-age=") != NULL);
	resp_free(&r);
	/* the same ETag back: 304 without a body */
	c = ctx();
	add_header("if-none-match", etag);
	resp_init(&r);
	CU_ASSERT_EQUAL(media_serve_image(&c, &r, "activities", id, "full", "image/png"), MAX_OK);
	CU_ASSERT_EQUAL(r.status, 304);
	CU_ASSERT_EQUAL(r.body.len, 0);
	resp_free(&r);
	/* thumb; unknown stored type → the default */
	c = ctx();
	add_header("if-none-match", "\"other\"");
	resp_init(&r);
	CU_ASSERT_EQUAL(media_serve_image(&c, &r, "activities", id, "thumb", "text/html"), MAX_OK);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_STRING_EQUAL(r.content_type, "image/jpeg");
	CU_ASSERT_EQUAL(media_sniff(r.body.data, r.body.len), MEDIA_JPEG);
	resp_free(&r);
	resp_init(&r);
	CU_ASSERT_EQUAL(media_serve_image(&c, &r, "activities", id, NULL, "text/html"), MAX_OK);
	CU_ASSERT_STRING_EQUAL(r.content_type, "image/jpeg");
	resp_free(&r);
	/* the widget's base64 */
	c = ctx();
	add_header("content-type", "application/base64");
	resp_init(&r);
	CU_ASSERT_EQUAL(media_serve_image(&c, &r, "activities", id, "full", "image/png"), MAX_OK);
	CU_ASSERT_STRING_EQUAL(r.content_type, "application/base64");
	size_t dn;
	char *decoded = base64_decode(r.body.data, r.body.len, &dn);
	CU_ASSERT(decoded && dn == n && !memcmp(decoded, png, n));
	free(decoded);
	resp_free(&r);
	/* other sizes, and files that are not there: 410 */
	c = ctx();
	resp_init(&r);
	CU_ASSERT_EQUAL(media_serve_image(&c, &r, "activities", id, "large", NULL), MAX_EGONE);
	char other[25];
	id_new(other);
	CU_ASSERT_EQUAL(media_serve_image(&c, &r, "activities", other, NULL, NULL), MAX_EGONE);
	CU_ASSERT_EQUAL(media_serve_file(&c, &r, "activities", other, NULL, NULL), MAX_EGONE);
	CU_ASSERT_EQUAL(media_serve_file(&c, &r, "activities", "../../etc/passwd", NULL, NULL),
			MAX_EGONE);
	resp_free(&r);
	/* as a file: Content-Disposition, quoted and with an RFC 8187 form */
	resp_init(&r);
	CU_ASSERT_EQUAL(media_serve_file(&c, &r, "activities", id, "fitxer \"é\".png", "image/png"),
			MAX_OK);
	CU_ASSERT_STRING_EQUAL(r.content_type, "image/png");
	CU_ASSERT_STRING_EQUAL(header(&r, "Content-Disposition"),
			       "attachment; filename=\"fitxer ___.png\"; "
			       "filename*=UTF-8''fitxer%20%22%C3%A9%22.png");
	resp_free(&r);
	resp_init(&r);
	CU_ASSERT_EQUAL(media_serve_file(&c, &r, "activities", id, NULL, "text/html"), MAX_OK);
	CU_ASSERT_STRING_EQUAL(r.content_type, "application/octet-stream");
	char cd[96];
	snprintf(cd, sizeof cd, "attachment; filename=\"%s\"", id);
	CU_ASSERT_STRING_EQUAL(header(&r, "Content-Disposition"), cd);
	resp_free(&r);
	c = ctx();
	add_header("x-from-utalk", "App");
	resp_init(&r);
	CU_ASSERT_EQUAL(media_serve_file(&c, &r, "activities", id, "a.png", "image/png"), MAX_OK);
	CU_ASSERT_STRING_EQUAL(r.content_type, "application/base64");
	CU_ASSERT_EQUAL(r.body.len, (n + 2) / 3 * 4);
	resp_free(&r);
	free(png);
}

/* ---- through the request pipeline ---------------------------------------------- */

#define MULTIPART "Content-Type: multipart/form-data; boundary=XyZ"

/* A multipart body: json_data, and a text file part. */
static const char *multipart(const char *json, const char *data)
{
	static char body[1024];
	snprintf(body, sizeof body,
		 "--XyZ\r\nContent-Disposition: form-data; name=\"json_data\"\r\n\r\n%s\r\n"
		 "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
		 "Content-Type: text/plain\r\n\r\n%s\r\n--XyZ--\r\n",
		 json, data);
	return body;
}

/* POST path as user; 201 expected; the new object's id into id. */
static void post(const char *path, const char *user, const char *body, const char *header,
		 char id[25])
{
	struct fx_resp r = fx_req("POST", path, user, body, header, NULL);
	CU_ASSERT_EQUAL(r.status, 201);
	snprintf(id, 25, "%s", fx_str(&r, "id"));
	if (r.status != 201)
		fprintf(stderr, "POST %s: %d %s\n", path, r.status, r.raw.body.data);
	fx_free(&r);
}

/* GET url as user answers 200 with exactly want. */
static void downloads(const char *url, const char *user, const char *want)
{
	struct fx_resp r = fx_req("GET", url, user, NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT(r.raw.body.len == strlen(want) && !memcmp(r.raw.body.data, want, strlen(want)));
	fx_free(&r);
}

/* A file (no image) posted in a process that has never loaded libgd, as a
 * freshly started worker: stored and served (it used to crash in gdFree). */
static void test_files_need_no_libgd(void)
{
	char id[25], url[96], cid[25];
	fx_user("media.a", NULL);
	fx_user("media.b", NULL);
	media_image_unload();
	post("/people/media.a/activities", "media.a",
	     multipart("{\"object\":{\"objectType\":\"file\",\"content\":\"one\"}}", "bytes one"),
	     MULTIPART, id);
	snprintf(url, sizeof url, "/activities/%s/file/download", id);
	downloads(url, "media.b", "bytes one");
	media_image_unload();
	post("/people/media.a/activities", "media.a",
	     "{\"data\":{\"json_data\":\"{\\\"object\\\":{\\\"objectType\\\":\\\"file\\\","
	     "\\\"content\\\":\\\"two\\\"}}\",\"file\":\"aGVsbG8=\"}}",
	     "Content-Type: application/json", id);
	snprintf(url, sizeof url, "/activities/%s/file/download", id);
	downloads(url, "media.a", "hello");
	/* a conversation started with a file, then a base64 file message */
	media_image_unload();
	struct fx_resp r =
		fx_req("POST", "/conversations", "media.a",
		       multipart("{\"contexts\":[{\"objectType\":\"conversation\",\"participants\":"
				 "[\"media.a\",\"media.b\"]}],\"object\":{\"objectType\":\"file\"}"
				 "}",
				 "bytes three"),
		       MULTIPART, NULL);
	CU_ASSERT_EQUAL_FATAL(r.status, 201);
	snprintf(id, sizeof id, "%s", fx_str(&r, "id"));
	json_object *ctxs = NULL, *c0;
	json_object_object_get_ex(r.json, "contexts", &ctxs);
	c0 = json_object_array_get_idx(ctxs, 0);
	snprintf(cid, sizeof cid, "%s", jx_str(c0, "id") ? jx_str(c0, "id") : "");
	fx_free(&r);
	snprintf(url, sizeof url, "/messages/%s/file/download", id);
	downloads(url, "media.b", "bytes three");
	media_image_unload();
	snprintf(url, sizeof url, "/conversations/%s/messages", cid);
	post(url, "media.b",
	     "{\"data\":{\"json_data\":\"{\\\"object\\\":{\\\"objectType\\\":\\\"file\\\"}}\","
	     "\"file\":\"aGVsbG8=\"}}",
	     "Content-Type: application/json", id);
	snprintf(url, sizeof url, "/messages/%s/file/download", id);
	downloads(url, "media.a", "hello");
}

/* The thumbnail made before the transaction is the one stored: storing
 * needs no libgd then; a failure found beforehand is reported by
 * media_store as if found there. */
static void test_prepared_thumbnail(void)
{
	size_t n;
	char *png = encoded(two_halves(600, 300), 0, &n);
	struct max_ctx c = ctx();
	struct upload *u = upload(png, n, "image/png", "p.png");
	media_prepare_thumbnail(c.db, c.cfg, u->data, u->len, &u->prep);
	CU_ASSERT_EQUAL(u->prep.err, MAX_OK);
	media_image_unload(); /* nothing below may call into libgd */
	json_object *o = object("image");
	char id[25];
	id_new(id);
	CU_ASSERT_EQUAL(media_store(&c, "activities", id, u, o), MAX_OK);
	upload_free(u, 1);
	json_object_put(o);
	gdImagePtr th = thumb_of(id);
	CU_ASSERT(th && gdImageSX(th) == 400 && gdImageSY(th) == 200);
	if (th)
		gdImageDestroy(th);
	/* garbage after a PNG signature: the prepared failure, in order */
	memset(png + 33, 0x5a, n - 33);
	u = upload(png, n, "image/png", "p.png");
	media_prepare_thumbnail(c.db, c.cfg, u->data, u->len, &u->prep);
	model_fail(c.db, MAX_OK, "%s", ""); /* what the transaction starts with */
	o = object("image");
	id_new(id);
	CU_ASSERT_EQUAL(media_store(&c, "activities", id, u, o), MAX_EVALIDATION);
	CU_ASSERT_STRING_EQUAL(why(&c),
			       "Validation error on field \"file\": the image cannot be decoded");
	upload_free(u, 0);
	CU_ASSERT_FALSE(exists(blob(id, ".new")) || exists(blob(id, "")));
	json_object_put(o);
	free(png);
}

static void count_path(const char *path, void *arg)
{
	(void)path;
	++*(int *)arg;
}

static void set_mtime(const char *path, time_t when)
{
	struct timeval tv[2] = {{.tv_sec = when}, {.tv_sec = when}};
	utimes(path, tv);
}

/* media_orphans: files without a row, stray files and old staged ones;
 * a staged file whose row exists (a crash after the commit) is no orphan
 * and is published when served. */
static void test_orphans_and_late_publish(void)
{
	char root[160], id[25], other[25], path[256], url[96];
	snprintf(root, sizeof root, "%s/orphans", fx.dir);
	config_set(&fx.cfg, "store", "files", root);
	int found = 0;
	CU_ASSERT_EQUAL(media_orphans(root, &fx.db, count_path, &found), 0); /* no folder yet */
	fx_user("media.o", NULL);
	post("/people/media.o/activities", "media.o",
	     multipart("{\"object\":{\"objectType\":\"file\",\"content\":\"kept\"}}", "kept"),
	     MULTIPART, id);
	CU_ASSERT_EQUAL(media_orphans(root, &fx.db, count_path, &found), 0);
	/* planted: a file of no object, a stray file, staged files young and old */
	id_new(other);
	media_path(root, other, "", path, sizeof path);
	CU_ASSERT_EQUAL(media_write_file(path, "x", 1), 0);
	snprintf(path, sizeof path, "%s/junk.txt", root);
	CU_ASSERT_EQUAL(media_write_file(path, "x", 1), 0);
	id_new(other);
	media_path(root, other, ".new", path, sizeof path);
	CU_ASSERT_EQUAL(media_write_file(path, "x", 1), 0);
	CU_ASSERT_EQUAL(media_orphans(root, &fx.db, count_path, &found), 2);
	set_mtime(path, time(NULL) - 3600);
	found = 0;
	CU_ASSERT_EQUAL(media_orphans(root, &fx.db, count_path, &found), 3);
	CU_ASSERT_EQUAL(found, 3);
	/* the kept post's file left staged, as by a crash right after the commit */
	char final[256], staged[256];
	media_path(root, id, "", final, sizeof final);
	media_path(root, id, ".new", staged, sizeof staged);
	CU_ASSERT_EQUAL_FATAL(rename(final, staged), 0);
	set_mtime(staged, time(NULL) - 3600);
	CU_ASSERT_EQUAL(media_orphans(root, &fx.db, count_path, &found), 3);
	snprintf(url, sizeof url, "/activities/%s/file/download", id);
	downloads(url, "media.o", "kept");
	CU_ASSERT(exists(final) && !exists(staged));
	config_set(&fx.cfg, "store", "files", files_dir);
}

/* The download handlers' common pair: the wrong kind of object is 404 */
static void test_get_pair(void)
{
	char id[25];
	fx_user("media.g", NULL);
	post("/people/media.g/activities", "media.g",
	     multipart("{\"object\":{\"objectType\":\"file\",\"content\":\"pair\"}}", "pair"),
	     MULTIPART, id);
	struct max_ctx c = ctx();
	struct max_resp r;
	resp_init(&r);
	CU_ASSERT_EQUAL(media_get_file(&c, &r, "activities", id), MAX_OK);
	CU_ASSERT(r.body.len == 4 && !memcmp(r.body.data, "pair", 4));
	CU_ASSERT_STRING_EQUAL(header(&r, "Content-Disposition"), "attachment; filename=\"a.txt\"");
	resp_free(&r);
	resp_init(&r);
	c = ctx();
	CU_ASSERT_EQUAL(media_get_image(&c, &r, "activities", id, NULL), MAX_ENOTFOUND);
	char want[96];
	snprintf(want, sizeof want, "Activity %s has no image", id);
	CU_ASSERT_STRING_EQUAL(c.err, want);
	resp_free(&r);
}

UNIT_SUITE(media, init, fx_cleanup)
{
	UNIT_TEST(s, test_store_png);
	UNIT_TEST(s, test_store_jpeg_small_declared_otherwise);
	UNIT_TEST(s, test_exif_orientation);
	UNIT_TEST(s, test_type_lies);
	UNIT_TEST(s, test_filename_rules);
	UNIT_TEST(s, test_pixel_limit_and_broken_images);
	UNIT_TEST(s, test_failed_request_removes_files);
	UNIT_TEST(s, test_sniff_and_sizes);
	UNIT_TEST(s, test_header_mutations);
	UNIT_TEST(s, test_serve);
	UNIT_TEST(s, test_files_need_no_libgd);
	UNIT_TEST(s, test_prepared_thumbnail);
	UNIT_TEST(s, test_orphans_and_late_publish);
	UNIT_TEST(s, test_get_pair);
}
