/*
 * fuzz_sanitize.c — the HTML sanitiser (core/util/text.c text_sanitize),
 * the only XSS protection the widget has, and what runs on its output:
 * text_plain (for the search index), hashtags and keywords. Checks that
 * valid UTF-8 stays valid UTF-8, and that every tag left is an allowed one
 * with only allowed attributes (no event handler, no javascript: link).
 */
#include "util/buf.h"
#include "util/jsonx.h"
#include "util/text.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const allowed[] = {"a",    "abbr", "acronym", "b",      "blockquote",
				      "code", "em",   "i",       "strong", "u"};

/* One character reference at s (numeric, or the few names that matter for
 * a scheme) decoded the way a browser would: *out gets the character (an
 * 'x' for anything beyond ASCII); returns the bytes used, 0 if none. */
static size_t char_ref(const char *s, size_t len, char *out)
{
	static const struct {
		const char *name;
		char c;
	} names[] = {{"&colon;", ':'}, {"&tab;", '\t'}, {"&newline;", '\n'}, {"&amp;", '&'},
		     {"&lt;", '<'},    {"&gt;", '>'},   {"&quot;", '"'},     {"&apos;", '\''}};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		size_t n = strlen(names[i].name);
		if (len >= n && !strncasecmp(s, names[i].name, n)) {
			*out = names[i].c;
			return n;
		}
	}
	if (len < 3 || s[0] != '&' || s[1] != '#')
		return 0;
	int hex = s[2] == 'x' || s[2] == 'X';
	size_t k = 2 + (size_t)hex, digits = 0;
	unsigned long v = 0;
	while (k < len && (hex ? isxdigit((unsigned char)s[k]) : isdigit((unsigned char)s[k]))) {
		if (v < 0x110000)
			v = v * (hex ? 16 : 10) + (unsigned long)(isdigit((unsigned char)s[k])
									  ? s[k] - '0'
									  : (s[k] | 32) - 'a' + 10);
		k++, digits++;
	}
	if (!digits)
		return 0;
	if (k < len && s[k] == ';')
		k++;
	*out = v && v < 128 ? (char)v : 'x';
	return k;
}

/* An href keeps no scheme, or http, https or mailto, read the way a
 * browser does: character references decoded, leading controls and spaces
 * skipped, tabs and newlines ignored, and a scheme is a letter followed by
 * letters, digits, '+', '-' or '.' up to a ':' (anything else before the
 * first ':' makes the link relative). */
static int scheme_ok(const char *raw, size_t rawlen)
{
	char v[4096];
	size_t len = 0;
	for (size_t k = 0; k < rawlen && len < sizeof v;) {
		char c = raw[k];
		size_t used = char_ref(raw + k, rawlen - k, &c);
		k += used ? used : 1;
		if (c == '\t' || c == '\n' || c == '\r' || (!len && (unsigned char)c <= 0x20))
			continue;
		v[len++] = c;
	}
	size_t i = 0;
	while (i < len && (isalnum((unsigned char)v[i]) || strchr("+-.", v[i])))
		i++;
	if (!i || i == len || v[i] != ':' || !isalpha((unsigned char)v[0]))
		return 1;
	return (i == 4 && !strncasecmp(v, "http", 4)) || (i == 5 && !strncasecmp(v, "https", 5)) ||
	       (i == 6 && !strncasecmp(v, "mailto", 6));
}

/* After the tag name: only ` href="…"` and ` title="…"`, then '>'. */
static int attrs_ok(const char *p)
{
	for (;;) {
		if (*p == '>')
			return 1;
		if (*p != ' ')
			return 0;
		p++;
		size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyz");
		int href = n == 4 && !strncmp(p, "href", 4);
		if (!(href || (n == 5 && !strncmp(p, "title", 5))) || strncmp(p + n, "=\"", 2))
			return 0;
		const char *v = p + n + 2, *q = strchr(v, '"');
		if (!q || memchr(v, '<', (size_t)(q - v)) || memchr(v, '>', (size_t)(q - v)))
			return 0;
		if (href && !scheme_ok(v, (size_t)(q - v)))
			return 0;
		p = q + 1;
	}
}

/* Every tag in the output is an allowed one, in the sanitiser's own form. */
static int tags_allowed(const char *s)
{
	for (const char *p = strchr(s, '<'); p; p = strchr(p + 1, '<')) {
		int close = p[1] == '/';
		const char *n = p + 1 + close;
		size_t len = strspn(n, "abcdefghijklmnopqrstuvwxyz");
		int ok = 0;
		for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
			if (strlen(allowed[i]) == len && !strncmp(n, allowed[i], len))
				ok = 1;
		if (!ok || (close ? n[len] != '>' : !attrs_ok(n + len)))
			return 0;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = xstrndup((const char *)data, size);
	char *clean = text_sanitize(in);
	if (!clean)
		abort();
	if (utf8_valid(in, strlen(in)) && !utf8_valid(clean, strlen(clean)))
		abort(); /* the sanitiser broke a character */
	if (!tags_allowed(clean))
		abort(); /* a tag outside the allowed set survived */
	char *plain = text_plain(clean);
	free(plain);
	json_object_put(text_hashtags(clean));
	json_object_put(text_keywords(clean));
	free(clean);
	free(in);
	return 0;
}
