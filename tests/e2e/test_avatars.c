/*
 * test_avatars.c — #6 #7 #8 #10 (api.md 9.1) through lighttpd: the default
 * avatar, multipart upload of real PNG and JPEG images (made here with
 * libgd) cropped top-left to 48×48 and 250×250, both sizes downloaded,
 * ETag/304, and the refusals: not multipart, not exactly one file part, a
 * file that lies about being an image, another user, an unknown user.
 */
#include "e2e.h"

#include <gd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BOUNDARY "e2eAvatarBoundary"
#define RED 0xff0000
#define BLUE 0x0000ff

static int init(void)
{
	int ok = e2e_person("av.messi", NULL) & e2e_person("av.xavi", NULL) &
		 e2e_person("av.jpeg", NULL) & e2e_person("av.nobody", NULL);
	return !ok;
}

/* 300×200: columns 0–149 red, 150–299 blue, as PNG or JPEG. */
static char *halves(int jpeg, size_t *len)
{
	gdImagePtr im = gdImageCreateTrueColor(300, 200);
	gdImageFilledRectangle(im, 0, 0, 149, 199, RED);
	gdImageFilledRectangle(im, 150, 0, 299, 199, BLUE);
	int n = 0;
	void *p = jpeg ? gdImageJpegPtr(im, &n, 90) : gdImagePngPtr(im, &n);
	gdImageDestroy(im);
	char *out = malloc((size_t)n);
	memcpy(out, p, (size_t)n);
	gdFree(p);
	*len = (size_t)n;
	return out;
}

struct part {
	const char *name, *filename, *type;
	const char *data;
	size_t len;
};

static char *form(const struct part *parts, size_t n, size_t *len)
{
	size_t cap = 1024;
	for (size_t i = 0; i < n; i++)
		cap += parts[i].len + 256;
	char *b = malloc(cap);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		k += (size_t)snprintf(b + k, cap - k,
				      "--" BOUNDARY
				      "\r\nContent-Disposition: form-data; name=\"%s\"",
				      parts[i].name);
		if (parts[i].filename)
			k += (size_t)snprintf(b + k, cap - k, "; filename=\"%s\"",
					      parts[i].filename);
		if (parts[i].type)
			k += (size_t)snprintf(b + k, cap - k, "\r\nContent-Type: %s",
					      parts[i].type);
		k += (size_t)snprintf(b + k, cap - k, "\r\n\r\n");
		memcpy(b + k, parts[i].data, parts[i].len);
		k += parts[i].len;
		k += (size_t)snprintf(b + k, cap - k, "\r\n");
	}
	k += (size_t)snprintf(b + k, cap - k, "--" BOUNDARY "--\r\n");
	*len = k;
	return b;
}

static struct e2e_resp *upload(const char *user, const char *target, const struct part *parts,
			       size_t n)
{
	static const char *const headers[] =
		{"Content-Type: multipart/form-data; boundary=" BOUNDARY, NULL};
	size_t len;
	char *body = form(parts, n, &len);
	struct e2e_resp *r = e2e_request_raw("POST", e2e_fmt("/people/%s/avatar", target), user,
					     body, len, headers);
	free(body);
	return r;
}

/* The PNG of an avatar answer, decoded (NULL and a failure otherwise). */
static gdImagePtr png_of(const struct e2e_resp *r, int size)
{
	if (!E2E_STATUS(r, 200) || !E2E_STR_EQ(e2e_header(r, "Content-Type"), "image/png"))
		return NULL;
	gdImagePtr im = gdImageCreateFromPngPtr((int)r->body_len, r->body);
	CU_ASSERT_PTR_NOT_NULL(im);
	if (im && (!E2E_INT_EQ(gdImageSX(im), size) || !E2E_INT_EQ(gdImageSY(im), size))) {
		gdImageDestroy(im);
		return NULL;
	}
	return im;
}

static int near(gdImagePtr im, int x, int y, int want)
{
	int c = gdImageGetTrueColorPixel(im, x, y);
	int dr = gdTrueColorGetRed(c) - gdTrueColorGetRed(want);
	int db = gdTrueColorGetBlue(c) - gdTrueColorGetBlue(want);
	return dr * dr + db * db < 60 * 60;
}

static const char *avatar_file(const char *rel)
{
	return e2e_fmt("%s/files/avatars/%s", getenv("MAX_TEST_VAR"), rel);
}

/* ---- tests ------------------------------------------------------------------- */

static void test_default_avatar(void)
{
	struct e2e_resp *r = e2e_request("GET", "/people/av.nobody/avatar", NULL, NULL);
	gdImagePtr im = png_of(r, 48);
	if (im)
		gdImageDestroy(im);
	const char *etag = e2e_header(r, "ETag");
	CU_ASSERT_PTR_NOT_NULL_FATAL(etag);
	CU_ASSERT_PTR_NOT_NULL(e2e_header(r, "Cache-Control"));
	etag = e2e_fmt("%s", etag);
	e2e_free(r);
	/* the large size falls back to the same default */
	r = e2e_request("GET", "/people/av.nobody/avatar/large", NULL, NULL);
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_header(r, "ETag"), etag);
	e2e_free(r);
	r = e2e_request("GET", "/people/av.nobody/avatar", NULL, NULL,
			e2e_fmt("If-None-Match: %s", etag));
	E2E_STATUS(r, 304);
	E2E_INT_EQ(r->body_len, 0);
	e2e_free(r);
	r = e2e_request("HEAD", "/people/av.nobody/avatar", NULL, NULL);
	E2E_STATUS(r, 200);
	E2E_STR_EQ(e2e_header(r, "Content-Type"), "image/png");
	E2E_INT_EQ(r->body_len, 0);
	e2e_free(r);
}

static void test_upload_png_and_download_both_sizes(void)
{
	size_t n;
	char *png = halves(0, &n);
	struct part p = {"image", "me.png", "image/png", png, n};
	struct e2e_resp *r = upload("av.messi", "av.messi", &p, 1);
	E2E_STATUS(r, 201);
	E2E_STR_EQ(e2e_str(r->json, "Image"), "updated");
	e2e_free(r);
	free(png);
	CU_ASSERT_EQUAL(access(avatar_file("people/av/av.messi"), F_OK), 0);
	CU_ASSERT_EQUAL(access(avatar_file("people/large/av/av.messi"), F_OK), 0);

	r = e2e_request("GET", "/people/av.messi/avatar", NULL, NULL);
	gdImagePtr im = png_of(r, 48);
	if (im) {
		/* the top-left 200×200 square scaled: column 30 ↔ source 125 (red);
		 * a centred crop would have put blue there */
		CU_ASSERT(near(im, 5, 24, RED));
		CU_ASSERT(near(im, 30, 24, RED));
		CU_ASSERT(near(im, 46, 24, BLUE));
		gdImageDestroy(im);
	}
	e2e_free(r);
	r = e2e_request("GET", "/people/av.messi/avatar/large", NULL, NULL);
	im = png_of(r, 250);
	if (im) {
		CU_ASSERT(near(im, 150, 125, RED));
		CU_ASSERT(near(im, 245, 125, BLUE));
		gdImageDestroy(im);
	}
	e2e_free(r);
	/* any other size: the 48×48 */
	r = e2e_request("GET", "/people/av.messi/avatar/small", NULL, NULL);
	im = png_of(r, 48);
	if (im)
		gdImageDestroy(im);
	e2e_free(r);
}

static void test_upload_jpeg_by_a_manager(void)
{
	size_t n;
	char *jpg = halves(1, &n);
	struct part p = {"file", "foto.jpg", "image/jpeg", jpg, n};
	struct e2e_resp *r = upload(e2e_manager(), "av.jpeg", &p, 1);
	E2E_STATUS(r, 201);
	e2e_free(r);
	free(jpg);
	r = e2e_request("GET", "/people/av.jpeg/avatar/large", NULL, NULL);
	gdImagePtr im = png_of(r, 250);
	if (im)
		gdImageDestroy(im);
	e2e_free(r);
}

static void test_refusals(void)
{
	const char *file = avatar_file("people/av/av.xavi");
	size_t n;
	char *png = halves(0, &n);
	/* not multipart */
	struct e2e_resp *r = e2e_request("POST", "/people/av.xavi/avatar", "av.xavi", "{}");
	E2E_EXPECT(r, 400, "ValidationError", "Not supported upload method.");
	e2e_free(r);
	/* no file part, two file parts */
	struct part none = {"json_data", NULL, NULL, "{}", 2};
	r = upload("av.xavi", "av.xavi", &none, 1);
	E2E_EXPECT(r, 400, "ValidationError", "Not supported upload method.");
	e2e_free(r);
	struct part two[2] = {{"a", "a.png", "image/png", png, n},
			      {"b", "b.png", "image/png", png, n}};
	r = upload("av.xavi", "av.xavi", two, 2);
	E2E_EXPECT(r, 400, "ValidationError", "Not supported upload method.");
	e2e_free(r);
	/* text that claims to be a PNG */
	const char *text = "I am not a picture, whatever my name says";
	struct part liar = {"image", "liar.png", "image/png", text, strlen(text)};
	r = upload("av.xavi", "av.xavi", &liar, 1);
	E2E_EXPECT(r, 400, "ValidationError",
		   "Validation error on field \"file\": not a PNG, JPEG, GIF or WebP image");
	e2e_free(r);
	/* another user's avatar */
	struct part ok = {"image", "x.png", "image/png", png, n};
	r = upload("av.messi", "av.xavi", &ok, 1);
	E2E_EXPECT(r, 403, "Forbidden",
		   "User \"av.messi\" has no permission \"Modify a user's avatar\" here ");
	e2e_free(r);
	CU_ASSERT_NOT_EQUAL(access(file, F_OK), 0); /* nothing was stored */
	/* an unknown user, on the public GET too */
	r = upload("av.ghost", "av.ghost", &ok, 1);
	E2E_EXPECT(r, 400, "UnknownUserError", "Unknown actor identified by: av.ghost");
	e2e_free(r);
	r = e2e_request("GET", "/people/av.ghost/avatar", NULL, NULL);
	E2E_EXPECT(r, 400, "UnknownUserError", "Unknown actor identified by: av.ghost");
	e2e_free(r);
	r = e2e_request("GET", "/people/av.ghost/avatar/large", NULL, NULL);
	E2E_EXPECT(r, 400, "UnknownUserError", "Unknown actor identified by: av.ghost");
	e2e_free(r);
	free(png);
}

static void test_conversation_avatar(void)
{
	struct e2e_resp *r =
		e2e_request("GET", "/conversations/000000000000000000000000/avatar", NULL, NULL);
	E2E_STATUS(r, 404);
	e2e_free(r);
	r = e2e_request("GET", "/conversations/nothex/avatar", NULL, NULL);
	E2E_STATUS(r, 400);
	e2e_free(r);
	r = e2e_request("POST", "/conversations", "av.messi",
			"{\"contexts\":[{\"objectType\":\"conversation\","
			"\"participants\":[\"av.messi\",\"av.xavi\"]}],"
			"\"object\":{\"objectType\":\"note\",\"content\":\"hola\"}}");
	const char *cid = NULL;
	json_object *ctxs = e2e_get(r->json, "contexts");
	if (E2E_STATUS(r, 201) && e2e_len(ctxs) == 1)
		cid = e2e_fmt("%s", e2e_str(json_object_array_get_idx(ctxs, 0), "id"));
	e2e_free(r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cid);
	r = e2e_request("GET", e2e_fmt("/conversations/%s/avatar", cid), NULL, NULL);
	gdImagePtr im = png_of(r, 48);
	if (im)
		gdImageDestroy(im);
	e2e_free(r);
}

E2E_SUITE(avatars, init, NULL)
{
	E2E_TEST(s, test_default_avatar);
	E2E_TEST(s, test_upload_png_and_download_both_sizes);
	E2E_TEST(s, test_upload_jpeg_by_a_manager);
	E2E_TEST(s, test_refusals);
	E2E_TEST(s, test_conversation_avatar);
}
