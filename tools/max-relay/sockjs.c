/*
 * sockjs.c — SockJS frames: quoting, the frames the relay writes, the
 * client frames it reads, GET /info. See sockjs.h.
 */
#include "sockjs.h"

#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* One code point from s (n > 0 bytes left); *used = bytes consumed.
 * Invalid or overlong sequences and surrogates give U+FFFD, one byte. */
static uint32_t utf8_next(const unsigned char *s, size_t n, size_t *used)
{
	*used = 1;
	if (s[0] < 0x80)
		return s[0];
	int len = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
	if (!len || (size_t)len > n || s[0] > 0xf4)
		return 0xfffd;
	uint32_t c = s[0] & (0x7f >> len);
	for (int i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0xfffd;
		c = c << 6 | (s[i] & 0x3f);
	}
	static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
	if (c < min[len] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0xfffd;
	*used = (size_t)len;
	return c;
}

/* Code points SockJS escapes: browsers drop or mangle them otherwise. */
static int must_escape(uint32_t c)
{
	return c < 0x20 || (c >= 0x200c && c <= 0x200f) || (c >= 0x2028 && c <= 0x202f) ||
	       (c >= 0x2060 && c <= 0x206f) || (c >= 0xfff0 && c <= 0xffff) || c > 0xffff;
}

void sockjs_quote(struct buf *out, const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	buf_addc(out, '"');
	for (size_t i = 0; i < len;) {
		size_t used;
		uint32_t c = utf8_next(s + i, len - i, &used);
		if (c == '"' || c == '\\') {
			buf_addc(out, '\\');
			buf_addc(out, (char)c);
		} else if (c == 0xfffd && used == 1) {
			buf_adds(out, "\\ufffd");
		} else if (c > 0xffff) {
			c -= 0x10000;
			buf_printf(out, "\\u%04x\\u%04x", 0xd800 + (c >> 10), 0xdc00 + (c & 0x3ff));
		} else if (must_escape(c)) {
			buf_printf(out, "\\u%04x", c);
		} else {
			buf_add(out, s + i, used);
		}
		i += used;
	}
	buf_addc(out, '"');
}

void sockjs_message_frame(struct buf *out, const char *text, size_t len)
{
	buf_adds(out, "a[");
	sockjs_quote(out, text, len);
	buf_addc(out, ']');
}

void sockjs_close_frame(struct buf *out, int code, const char *reason)
{
	buf_printf(out, "c[%d,", code);
	sockjs_quote(out, reason, strlen(reason));
	buf_addc(out, ']');
}

int sockjs_parse(const char *frame, size_t len, int (*fn)(const char *msg, size_t len, void *arg),
		 void *arg)
{
	if (len > INT32_MAX)
		return -1;
	struct json_tokener *tok = json_tokener_new();
	json_object *o = json_tokener_parse_ex(tok, frame, (int)len);
	int complete = json_tokener_get_error(tok) == json_tokener_success &&
		       json_tokener_get_parse_end(tok) == len;
	json_tokener_free(tok);
	int rc = -1;
	if (!o || !complete) {
		rc = -1;
	} else if (json_object_is_type(o, json_type_string)) {
		rc = fn(json_object_get_string(o), (size_t)json_object_get_string_len(o), arg);
	} else if (json_object_is_type(o, json_type_array)) {
		size_t n = json_object_array_length(o);
		rc = 0;
		for (size_t i = 0; i < n; i++)
			if (!json_object_is_type(json_object_array_get_idx(o, i), json_type_string))
				rc = -1;
		for (size_t i = 0; i < n && rc == 0; i++) {
			json_object *s = json_object_array_get_idx(o, i);
			rc = fn(json_object_get_string(s), (size_t)json_object_get_string_len(s),
				arg);
		}
	}
	json_object_put(o);
	return rc;
}

void sockjs_info(struct buf *out, unsigned entropy)
{
	buf_printf(out,
		   "{\"websocket\":true,\"origins\":[\"*:*\"],\"cookie_needed\":false,"
		   "\"entropy\":%u}",
		   entropy);
}

/* A path segment of SockJS's server or session id: non-empty, no dot. */
static const char *segment(const char *p)
{
	const char *s = p;
	while (*p && *p != '/' && *p != '.')
		p++;
	return p > s && *p == '/' ? p + 1 : NULL;
}

int sockjs_is_websocket_path(const char *rest)
{
	if (*rest++ != '/')
		return 0;
	const char *p = segment(rest);
	p = p ? segment(p) : NULL;
	return p && !strcmp(p, "websocket");
}

int sockjs_origin_ok(const char *origin)
{
	size_t n = strlen(origin);
	if (!n || n > 512)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (origin[i] <= 0x20 || origin[i] >= 0x7f)
			return 0;
	return 1;
}
