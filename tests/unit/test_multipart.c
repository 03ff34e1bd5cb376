/*
 * test_multipart.c — the multipart/form-data parser (core/multipart.c) on
 * exact-size heap copies (so ASan sees any read past the body), base64,
 * and the HTTP layer's use of it: json_data as the body, the api.md 1.1 base64
 * JSON variant, and malformed or oversized uploads rejected before any
 * handler runs.
 */
#include "fixture.h"
#include "util/jsonx.h"
#include "http/multipart.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#define CT "multipart/form-data; boundary=XyZ"

static const struct mp_limits lim = {8, 1024, 4096, 8192};

/* Parses the first len bytes of text from an exact-size copy. */
static enum max_err parse_n(const char *ctype, const char *text, size_t len,
			    const struct mp_limits *l, struct mp_form *f, char **copy)
{
	*copy = xmalloc(len ? len : 1);
	memcpy(*copy, text, len);
	char err[256];
	return mp_parse(ctype, *copy, len, l, f, err, sizeof err);
}

static enum max_err parse(const char *text, struct mp_form *f, char **copy)
{
	return parse_n(CT, text, strlen(text), &lim, f, copy);
}

static void test_well_formed(void)
{
	const char *body = "preamble to ignore\r\n"
			   "--XyZ\r\n"
			   "Content-Disposition: form-data; name=\"json_data\"\r\n"
			   "\r\n"
			   "{\"a\":1}\r\n"
			   "--XyZ  \r\n"
			   "content-disposition: form-data; name=file; "
			   "filename=\"C:\\fakepath\\pic \\\"1\\\".png\"\r\n"
			   "Content-Type:  image/png \r\n"
			   "X-Other: ignored\r\n"
			   "\r\n"
			   "PNGDATA\r\n"
			   "--XyZ\r\n"
			   "Content-Disposition: form-data; name=\"empty\"\r\n"
			   "\r\n"
			   "\r\n"
			   "--XyZ--\r\n"
			   "epilogue --XyZ garbage";
	struct mp_form f;
	char *copy;
	CU_ASSERT_EQUAL_FATAL(parse(body, &f, &copy), MAX_OK);
	CU_ASSERT_EQUAL_FATAL(f.nparts, 3);
	CU_ASSERT_STRING_EQUAL(f.parts[0].name, "json_data");
	CU_ASSERT_PTR_NULL(f.parts[0].filename);
	CU_ASSERT_PTR_NULL(f.parts[0].content_type);
	CU_ASSERT_EQUAL(f.parts[0].len, 7);
	CU_ASSERT(!memcmp(f.parts[0].data, "{\"a\":1}", 7));
	const struct mp_part *file = mp_find(&f, "file");
	CU_ASSERT_PTR_NOT_NULL_FATAL(file);
	/* path stripped (old browsers send it), \" unescaped */
	CU_ASSERT_STRING_EQUAL(file->filename, "pic \"1\".png");
	CU_ASSERT_STRING_EQUAL(file->content_type, "image/png");
	CU_ASSERT_EQUAL(file->len, 7);
	CU_ASSERT(!memcmp(file->data, "PNGDATA", 7));
	CU_ASSERT_EQUAL(f.parts[2].len, 0);
	CU_ASSERT_PTR_NULL(mp_find(&f, "nope"));
	mp_free(&f);
	free(copy);
	/* a body that starts with the delimiter, no preamble; quoted boundary */
	const char *b2 = "--a'b c\r\nContent-Disposition: form-data; name=x\r\n\r\nv\r\n--a'b c--";
	CU_ASSERT_EQUAL(parse_n("Multipart/Form-Data; charset=utf-8; boundary=\"a'b c\"", b2,
				strlen(b2), &lim, &f, &copy),
			MAX_OK);
	CU_ASSERT_EQUAL(f.nparts, 1);
	mp_free(&f);
	free(copy);
}

static void test_boundary_required(void)
{
	char b[71];
	CU_ASSERT_EQUAL(mp_boundary("multipart/form-data", b), -1);
	CU_ASSERT_EQUAL(mp_boundary("multipart/form-data; boundary=", b), -1);
	CU_ASSERT_EQUAL(mp_boundary("multipart/form-data; boundary=\"unterminated", b), -1);
	CU_ASSERT_EQUAL(mp_boundary("multipart/form-data; boundary=a; boundary=b", b), -1);
	CU_ASSERT_EQUAL(mp_boundary("multipart/form-data; boundary=\"bad\x01\"", b), -1);
	CU_ASSERT_EQUAL(mp_boundary("multipart/mixed; boundary=x", b), -1);
	char longb[128] = "multipart/form-data; boundary=";
	memset(longb + strlen(longb), 'a', 71);
	CU_ASSERT_EQUAL(mp_boundary(longb, b), -1); /* RFC 2046: at most 70 */
	CU_ASSERT_EQUAL(mp_boundary("multipart/form-data;boundary=----WebKitForm123", b), 0);
	CU_ASSERT_STRING_EQUAL(b, "----WebKitForm123");
	struct mp_form f;
	char *copy;
	const char *body = "--XyZ\r\nContent-Disposition: form-data; name=x\r\n\r\nv\r\n--XyZ--";
	CU_ASSERT_EQUAL(parse_n("multipart/form-data", body, strlen(body), &lim, &f, &copy),
			MAX_EVALIDATION);
	CU_ASSERT_EQUAL(f.nparts, 0);
	free(copy);
	/* a body without any delimiter */
	CU_ASSERT_EQUAL(parse("no parts at all", &f, &copy), MAX_EVALIDATION);
	free(copy);
}

static void test_truncated(void)
{
	const char *full = "--XyZ\r\n"
			   "Content-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n"
			   "\r\n"
			   "0123456789\r\n"
			   "--XyZ--";
	struct mp_form f;
	char *copy;
	size_t n = strlen(full);
	CU_ASSERT_EQUAL(parse_n(CT, full, n, &lim, &f, &copy), MAX_OK);
	mp_free(&f);
	free(copy);
	/* every shorter prefix is rejected, without reading past its end */
	int rejected = 0;
	for (size_t k = 0; k < n; k++) {
		rejected += parse_n(CT, full, k, &lim, &f, &copy) == MAX_EVALIDATION;
		CU_ASSERT_EQUAL(f.nparts, 0);
		free(copy);
	}
	CU_ASSERT_EQUAL(rejected, (int)n);
}

static void test_oversized_part(void)
{
	struct mp_limits small = {8, 1024, 8, 16};
	struct mp_form f;
	char *copy;
	const char *field =
		"--XyZ\r\nContent-Disposition: form-data; name=x\r\n\r\n123456789\r\n--XyZ--";
	CU_ASSERT_EQUAL(parse_n(CT, field, strlen(field), &small, &f, &copy), MAX_ETOOLARGE);
	free(copy);
	const char *file = "--XyZ\r\nContent-Disposition: form-data; name=f; filename=a\r\n\r\n"
			   "0123456789abcdefg\r\n--XyZ--";
	CU_ASSERT_EQUAL(parse_n(CT, file, strlen(file), &small, &f, &copy), MAX_ETOOLARGE);
	free(copy);
	/* exactly at the limit passes */
	const char *ok = "--XyZ\r\nContent-Disposition: form-data; name=f; filename=a\r\n\r\n"
			 "0123456789abcdef\r\n--XyZ--";
	CU_ASSERT_EQUAL(parse_n(CT, ok, strlen(ok), &small, &f, &copy), MAX_OK);
	mp_free(&f);
	free(copy);
	/* a header block over the limit */
	struct mp_limits tiny_header = {8, 40, 64, 64};
	const char *hdr =
		"--XyZ\r\nContent-Disposition: form-data; name=\"a-rather-long-name\"\r\n\r\n"
		"v\r\n--XyZ--";
	CU_ASSERT_EQUAL(parse_n(CT, hdr, strlen(hdr), &tiny_header, &f, &copy), MAX_EVALIDATION);
	free(copy);
	/* a filename over MP_NAME_MAX */
	char big[600];
	snprintf(big, sizeof big,
		 "--XyZ\r\nContent-Disposition: form-data; name=f; filename=\"%0300d\"\r\n\r\nv\r\n"
		 "--XyZ--",
		 0);
	CU_ASSERT_EQUAL(parse_n(CT, big, strlen(big), &lim, &f, &copy), MAX_EVALIDATION);
	free(copy);
}

static void test_too_many_parts(void)
{
	struct mp_limits two = {2, 1024, 64, 64};
	const char *part = "--XyZ\r\nContent-Disposition: form-data; name=p\r\n\r\nv\r\n";
	char body[512] = "";
	for (int i = 0; i < 3; i++)
		strcat(body, part);
	strcat(body, "--XyZ--");
	struct mp_form f;
	char *copy;
	CU_ASSERT_EQUAL(parse_n(CT, body, strlen(body), &two, &f, &copy), MAX_EVALIDATION);
	CU_ASSERT_EQUAL(f.nparts, 0);
	free(copy);
	two.max_parts = 3;
	CU_ASSERT_EQUAL(parse_n(CT, body, strlen(body), &two, &f, &copy), MAX_OK);
	CU_ASSERT_EQUAL(f.nparts, 3);
	mp_free(&f);
	free(copy);
}

static void test_malformed_headers(void)
{
	static const char *const bad[] = {
		/* header lines ended by LF only */
		"--XyZ\nContent-Disposition: form-data; name=x\n\nv\r\n--XyZ--",
		"--XyZ\r\nContent-Disposition: form-data; name=x\n\r\nv\r\n--XyZ--",
		/* a bare CR inside a header */
		"--XyZ\r\nContent-Disposition: form-data;\r name=x\r\n\r\nv\r\n--XyZ--",
		/* folded header */
		"--XyZ\r\nContent-Disposition: form-data;\r\n name=x\r\n\r\nv\r\n--XyZ--",
		/* no Content-Disposition, no name, not form-data, twice */
		"--XyZ\r\nContent-Type: text/plain\r\n\r\nv\r\n--XyZ--",
		"--XyZ\r\nContent-Disposition: form-data\r\n\r\nv\r\n--XyZ--",
		"--XyZ\r\nContent-Disposition: attachment; name=x\r\n\r\nv\r\n--XyZ--",
		("--XyZ\r\nContent-Disposition: form-data; name=x\r\n"
		 "Content-Disposition: form-data; name=y\r\n\r\nv\r\n--XyZ--"),
		"--XyZ\r\nContent-Disposition: form-data; name=x; name=y\r\n\r\nv\r\n--XyZ--",
		/* header without a colon, unterminated quote, invalid UTF-8 name */
		"--XyZ\r\nContent-Disposition form-data; name=x\r\n\r\nv\r\n--XyZ--",
		"--XyZ\r\nContent-Disposition: form-data; name=\"x\r\n\r\nv\r\n--XyZ--",
		"--XyZ\r\nContent-Disposition: form-data; name=\"\xff\"\r\n\r\nv\r\n--XyZ--",
		/* a delimiter followed by something else than CRLF or -- */
		"--XyZ junk\r\nContent-Disposition: form-data; name=x\r\n\r\nv\r\n--XyZ--",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct mp_form f;
		char *copy;
		enum max_err e = parse(bad[i], &f, &copy);
		CU_ASSERT_EQUAL(e, MAX_EVALIDATION);
		if (e != MAX_EVALIDATION)
			fprintf(stderr, "accepted malformed body #%zu\n", i);
		free(copy);
	}
	/* a NUL byte inside the header block */
	const char nul[] = "--XyZ\r\nContent-Disposition: form-data;\0name=x\r\n\r\nv\r\n--XyZ--";
	struct mp_form f;
	char *copy;
	CU_ASSERT_EQUAL(parse_n(CT, nul, sizeof nul - 1, &lim, &f, &copy), MAX_EVALIDATION);
	free(copy);
}

static void test_binary_with_boundary_prefix(void)
{
	/* data holding NULs, "\r\n--XyZ" followed by other bytes, "\r\n--Xy"
	 * and the boundary without its CRLF: all of it is data */
	static const char data[] = "\x89PNG\0\0\r\n--Xy\r\n--XyZa\r\n--XyZ-x--XyZ\r\n\0\xff";
	size_t dlen = sizeof data - 1;
	const char *head = "--XyZ\r\nContent-Disposition: form-data; name=file; filename=x.bin\r\n"
			   "Content-Type: application/octet-stream\r\n\r\n";
	const char *tail = "\r\n--XyZ--\r\n";
	struct buf b;
	buf_init(&b);
	buf_adds(&b, head);
	buf_add(&b, data, dlen);
	buf_adds(&b, tail);
	struct mp_form f;
	char *copy;
	CU_ASSERT_EQUAL_FATAL(parse_n(CT, b.data, b.len, &lim, &f, &copy), MAX_OK);
	CU_ASSERT_EQUAL_FATAL(f.nparts, 1);
	CU_ASSERT_EQUAL(f.parts[0].len, dlen);
	CU_ASSERT(!memcmp(f.parts[0].data, data, dlen));
	mp_free(&f);
	free(copy);
	buf_free(&b);
}

static void test_base64(void)
{
	static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *const enc[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
					  "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	for (size_t i = 0; i < 7; i++) {
		struct buf b;
		buf_init(&b);
		base64_encode(plain[i], strlen(plain[i]), &b);
		CU_ASSERT_STRING_EQUAL(b.data ? b.data : "", enc[i]);
		size_t n = 99;
		char *d = base64_decode(enc[i], strlen(enc[i]), &n);
		CU_ASSERT_PTR_NOT_NULL_FATAL(d);
		CU_ASSERT_EQUAL(n, strlen(plain[i]));
		CU_ASSERT(!memcmp(d, plain[i], n));
		free(d);
		buf_free(&b);
	}
	size_t n;
	char *d = base64_decode("Zm9v\r\nYmE", 9, &n); /* line breaks, no padding */
	CU_ASSERT(d && n == 5 && !memcmp(d, "fooba", 5));
	free(d);
	d = base64_decode("_-8", 3, &n); /* URL-safe alphabet */
	CU_ASSERT(d && n == 2 && (unsigned char)d[0] == 0xff && (unsigned char)d[1] == 0xef);
	free(d);
	CU_ASSERT_PTR_NULL(base64_decode("Zm9v!", 5, &n));
	CU_ASSERT_PTR_NULL(base64_decode("Z", 1, &n));
	CU_ASSERT_PTR_NULL(base64_decode("Zg=a", 4, &n));
	CU_ASSERT_PTR_NULL(base64_decode("Zm9v=", 5, &n));
	CU_ASSERT_PTR_NULL(base64_decode("Zg=", 3, &n));
}

/* Deterministic mutations of a valid body (bytes flipped, cut, CR/LF and
 * dashes injected): every parse either fails cleanly or yields parts that
 * lie inside the body (ASan builds also catch any read outside it). */
static void test_mutations_stay_in_bounds(void)
{
	static const char base[] =
		"--XyZ\r\nContent-Disposition: form-data; name=\"json_data\"\r\n\r\n"
		"{\"a\":1}\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; "
		"filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG\0\r\n--X"
		"\r\n--XyZ--\r\n";
	size_t n = sizeof base - 1; /* the NUL inside the data is part of it */
	static const char inject[] = "\r\n-\"; \0";
	unsigned seed = 12345, ok = 0, bad = 0;
	for (int i = 0; i < 20000; i++) {
		char body[256];
		memcpy(body, base, n);
		size_t len = n;
		for (int k = 0; k < 1 + i % 4 && len; k++) {
			seed = seed * 1103515245u + 12345u;
			size_t at = (seed >> 8) % len;
			switch ((seed >> 4) % 3) {
			case 0:
				body[at] = inject[(seed >> 16) % (sizeof inject - 1)];
				break;
			case 1:
				body[at] ^= (char)(1 << ((seed >> 16) % 8));
				break;
			default:
				len = at;
			}
		}
		struct mp_form f;
		char *copy;
		enum max_err e = parse_n(CT, body, len, &lim, &f, &copy);
		if (e == MAX_OK) {
			ok++;
			for (size_t p = 0; p < f.nparts; p++)
				CU_ASSERT(f.parts[p].data >= copy &&
					  f.parts[p].data + f.parts[p].len <= copy + len);
			mp_free(&f);
		} else {
			bad++;
			CU_ASSERT(e == MAX_EVALIDATION && f.nparts == 0);
		}
		free(copy);
	}
	CU_ASSERT(ok > 100 && bad > 100); /* both paths were exercised */
}

/* ---- through http_handle --------------------------------------------- */

static const char *form(const char *json_data)
{
	static char body[1024];
	snprintf(body, sizeof body,
		 "--XyZ\r\nContent-Disposition: form-data; name=\"json_data\"\r\n\r\n%s\r\n"
		 "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"n.txt\"\r\n"
		 "Content-Type: text/plain\r\n\r\nhello\r\n--XyZ--\r\n",
		 json_data);
	return body;
}

static void test_http_json_data_is_the_body(void)
{
	struct fx_resp r = fx_req("POST", "/people", "fxadmin", form("{\"username\":\"mp.one\"}"),
				  "Content-Type: " CT, NULL);
	CU_ASSERT_EQUAL(r.status, 201);
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "username"), "mp.one");
	fx_free(&r);
	long long n = fx_scalar("SELECT count(*) FROM people");
	r = fx_req("POST", "/people", "fxadmin", form("{\"username\":"), "Content-Type: " CT, NULL);
	CU_ASSERT_EQUAL(r.status, 400);
	CU_ASSERT_STRING_EQUAL(fx_error(&r), "ValidationError");
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "error_description"),
			       "The json_data field is not valid JSON");
	fx_free(&r);
	/* malformed multipart: 400 before any handler, nothing stored */
	r = fx_req("POST", "/people", "fxadmin",
		   "--XyZ\nContent-Disposition: form-data; name=\"json_data\"\n\n"
		   "{\"username\":\"mp.two\"}\n--XyZ--",
		   "Content-Type: " CT, NULL);
	CU_ASSERT_EQUAL(r.status, 400);
	CU_ASSERT_STRING_EQUAL(fx_error(&r), "ValidationError");
	fx_free(&r);
	r = fx_req("POST", "/people", "fxadmin", form("{\"username\":\"mp.two\"}"),
		   "Content-Type: multipart/form-data", NULL);
	CU_ASSERT_EQUAL(r.status, 400);
	fx_free(&r);
	CU_ASSERT_EQUAL(fx_scalar("SELECT count(*) FROM people"), n);
}

static void test_http_upload_limit(void)
{
	config_set(&fx.cfg, "store", "max_upload_bytes", "4");
	long long n = fx_scalar("SELECT count(*) FROM people");
	struct fx_resp r = fx_req("POST", "/people", "fxadmin", form("{\"username\":\"mp.big\"}"),
				  "Content-Type: " CT, NULL);
	CU_ASSERT_EQUAL(r.status, 413);
	CU_ASSERT_STRING_EQUAL(fx_error(&r), "RequestTooLarge");
	fx_free(&r);
	r = fx_req("POST", "/people", "fxadmin",
		   "{\"data\":{\"json_data\":\"{\\\"username\\\":\\\"mp.big\\\"}\","
		   "\"file\":\"aGVsbG8=\"}}",
		   "Content-Type: application/json", NULL);
	CU_ASSERT_EQUAL(r.status, 413);
	fx_free(&r);
	CU_ASSERT_EQUAL(fx_scalar("SELECT count(*) FROM people"), n);
	config_set(&fx.cfg, "store", "max_upload_bytes", "10485760");
}

static void test_http_base64_variant(void)
{
	const char *body = "{\"data\":{\"json_data\":\"{\\\"username\\\":\\\"mp.b64\\\"}\","
			   "\"file\":\"aGVsbG8=\"}}";
	struct fx_resp r = fx_req("POST", "/people", "fxadmin", body,
				  "Content-Type: application/json; charset=utf-8", NULL);
	CU_ASSERT_EQUAL(r.status, 201);
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "username"), "mp.b64");
	fx_free(&r);
	/* bad base64 or bad json_data: 400, nothing stored */
	long long n = fx_scalar("SELECT count(*) FROM people");
	r = fx_req("POST", "/people", "fxadmin",
		   "{\"data\":{\"json_data\":\"{\\\"username\\\":\\\"mp.b2\\\"}\",\"file\":\"%%\"}"
		   "}",
		   "Content-Type: application/json", NULL);
	CU_ASSERT_EQUAL(r.status, 400);
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "error_description"),
			       "The file field is not valid base64");
	fx_free(&r);
	r = fx_req("POST", "/people", "fxadmin",
		   "{\"data\":{\"json_data\":\"{username}\",\"file\":\"aGVsbG8=\"}}",
		   "Content-Type: application/json", NULL);
	CU_ASSERT_EQUAL(r.status, 400);
	fx_free(&r);
	CU_ASSERT_EQUAL(fx_scalar("SELECT count(*) FROM people"), n);
	/* without application/json it is an ordinary body (no username → 400) */
	r = fx_req("POST", "/people", "fxadmin", body, "Content-Type: text/plain", NULL);
	CU_ASSERT_EQUAL(r.status, 400);
	CU_ASSERT_STRING_EQUAL(fx_str(&r, "error_description"), "Missing username in request");
	fx_free(&r);
}

static void test_base64_variant_upload(void)
{
	const char *body = "{\"data\":{\"json_data\":\"{\\\"object\\\":{\\\"objectType\\\":"
			   "\\\"image\\\",\\\"mimetype\\\":\\\"image/png\\\"}}\","
			   "\"file\":\"aGVs\\nbG8=\"}}";
	struct max_kv h = {"content-type", "application/json"};
	struct max_req rq = {.method = "POST", .headers = &h, .nheaders = 1};
	struct max_ctx c = {.cfg = &fx.cfg, .req = &rq};
	c.body = jx_parse(body, strlen(body));
	CU_ASSERT_PTR_NOT_NULL_FATAL(c.body);
	CU_ASSERT_EQUAL_FATAL(upload_from_json(&c), MAX_OK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c.upload);
	CU_ASSERT(c.upload->present && !c.upload->multipart && c.upload->nfiles == 1);
	CU_ASSERT(c.upload->len == 5 && !memcmp(c.upload->data, "hello", 5));
	CU_ASSERT_STRING_EQUAL(c.upload->content_type, "image/png");
	CU_ASSERT_PTR_NULL(c.upload->filename);
	json_object *o = NULL;
	CU_ASSERT(jx_object(c.body, "object", &o) == 1 &&
		  !strcmp(jx_str(o, "objectType"), "image"));
	upload_free(c.upload, 1);
	json_object_put(c.body);
}

UNIT_SUITE(multipart, fx_init, fx_cleanup)
{
	UNIT_TEST(s, test_well_formed);
	UNIT_TEST(s, test_boundary_required);
	UNIT_TEST(s, test_truncated);
	UNIT_TEST(s, test_oversized_part);
	UNIT_TEST(s, test_too_many_parts);
	UNIT_TEST(s, test_malformed_headers);
	UNIT_TEST(s, test_binary_with_boundary_prefix);
	UNIT_TEST(s, test_mutations_stay_in_bounds);
	UNIT_TEST(s, test_base64);
	UNIT_TEST(s, test_http_json_data_is_the_body);
	UNIT_TEST(s, test_http_upload_limit);
	UNIT_TEST(s, test_http_base64_variant);
	UNIT_TEST(s, test_base64_variant_upload);
}
