/*
 * text.c — sanitising, hashtags, keywords, full-text helpers (api.md 3).
 *
 * The sanitiser is a small HTML tokenizer after the WHATWG rules that
 * html5lib (which bleach uses) follows: tags, end tags, comments, bogus
 * comments, quoted and unquoted attribute values, raw-text elements.
 * Whatever is not an allowed tag or attribute never reaches the output as
 * markup: text is escaped, so a construct the tokenizer does not know
 * ends up as visible text, never as HTML.
 *
 * Hashtags and keywords reproduce the original's regular expressions
 * (max/utils/formatting.py) by hand, with Python 2's character classes:
 * \w is [A-Za-z0-9_], \s is [ \t\n\r\f\v], and lengths count characters.
 */
#include "util/text.h"
#include "util/jsonx.h"
#include "util/status.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

/* ---- character classes -------------------------------------------------- */

static int py_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int py_word(unsigned char c)
{
	return isalnum(c) || c == '_';
}

/* áéíóúàèìòùïöüçñ: all are C3 xx in UTF-8 */
static int accented_at(const unsigned char *p)
{
	static const unsigned char second[] = {0xa1, 0xa9, 0xad, 0xb3, 0xba, 0xa0, 0xa8, 0xac,
					       0xb2, 0xb9, 0xaf, 0xb6, 0xbc, 0xa7, 0xb1};
	if (p[0] != 0xc3)
		return 0;
	for (size_t i = 0; i < sizeof second; i++)
		if (p[1] == second[i])
			return 1;
	return 0;
}

/* Length in bytes of the keyword/hashtag character at p ([\w.-] or an
 * accented letter), 0 when p is not one. */
static size_t class_char(const unsigned char *p)
{
	if (py_word(*p) || *p == '-' || *p == '.')
		return 1;
	return accented_at(p) ? 2 : 0;
}

/* A run of class characters at p: bytes in *bytes, characters returned. */
static size_t class_run(const unsigned char *p, size_t *bytes)
{
	size_t n = 0, b = 0, k;
	while ((k = class_char(p + b))) {
		b += k;
		n++;
	}
	*bytes = b;
	return n;
}

char *text_lower(char *s)
{
	unsigned char *p = (unsigned char *)s;
	for (; *p; p++) {
		if (*p >= 'A' && *p <= 'Z') {
			*p = (unsigned char)(*p + 32);
		} else if (*p == 0xc3 && p[1] >= 0x80 && p[1] <= 0x9e && p[1] != 0x97) {
			p[1] = (unsigned char)(p[1] + 0x20); /* À–Þ except × */
			p++;
		}
	}
	return s;
}

/* ---- sanitiser ---------------------------------------------------------- */

static const char *const allowed_tags[] = {"a",  "abbr", "acronym", "b", "blockquote", "code",
					   "em", "i",    "strong",  "u", NULL};

static int in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (!strcmp(*list, s))
			return 1;
	return 0;
}

static int attr_allowed(const char *tag, const char *attr)
{
	if (!strcmp(tag, "a"))
		return !strcmp(attr, "href") || !strcmp(attr, "title");
	if (!strcmp(tag, "abbr") || !strcmp(tag, "acronym"))
		return !strcmp(attr, "title");
	return 0;
}

static int html_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

/* Length of a well-formed character reference at p ("&amp;", "&#39;",
 * "&#x27;"), 0 when there is none. */
static size_t char_ref_len(const char *p)
{
	size_t i = 1;
	if (p[i] == '#') {
		i++;
		int hex = p[i] == 'x' || p[i] == 'X';
		if (hex)
			i++;
		size_t start = i;
		while (hex ? isxdigit((unsigned char)p[i]) : isdigit((unsigned char)p[i]))
			i++;
		if (i == start || i - start > 8)
			return 0;
	} else {
		if (!isalpha((unsigned char)p[i]))
			return 0;
		while (isalnum((unsigned char)p[i]) && i < 40)
			i++;
	}
	return p[i] == ';' ? i + 1 : 0;
}

static void add_utf8(struct buf *b, unsigned long cp)
{
	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = 0xfffd;
	char u[4];
	if (cp < 0x80) {
		buf_addc(b, (char)cp);
		return;
	}
	if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		buf_add(b, u, 2);
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		buf_add(b, u, 3);
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		buf_add(b, u, 4);
	}
}

static const struct {
	const char *name;
	unsigned long cp;
} named_refs[] = {{"amp", '&'},   {"lt", '<'},    {"gt", '>'},   {"quot", '"'},     {"apos", '\''},
		  {"nbsp", 0xa0}, {"colon", ':'}, {"Tab", '\t'}, {"NewLine", '\n'}, {"lpar", '('},
		  {"rpar", ')'},  {"sol", '/'},   {"semi", ';'}, {"period", '.'},   {NULL, 0}};

/* Decodes the character references of an attribute value (numeric ones
 * also without ';', named ones from a short list), so that the scheme
 * check sees what a browser would. */
static char *decode_refs(const char *s, size_t len)
{
	struct buf b;
	buf_init(&b);
	for (size_t i = 0; i < len;) {
		if (s[i] == '&' && i + 1 < len && s[i + 1] == '#') {
			size_t j = i + 2;
			int hex = j < len && (s[j] == 'x' || s[j] == 'X');
			if (hex)
				j++;
			unsigned long cp = 0;
			size_t start = j;
			while (j < len && (hex ? isxdigit((unsigned char)s[j])
					       : isdigit((unsigned char)s[j]))) {
				int d = isdigit((unsigned char)s[j])
						? s[j] - '0'
						: tolower((unsigned char)s[j]) - 'a' + 10;
				if (cp < 0x110000)
					cp = cp * (hex ? 16 : 10) + (unsigned long)d;
				j++;
			}
			if (j > start) {
				if (j < len && s[j] == ';')
					j++;
				add_utf8(&b, cp);
				i = j;
				continue;
			}
		} else if (s[i] == '&') {
			size_t k = 0;
			for (; named_refs[k].name; k++) {
				size_t n = strlen(named_refs[k].name);
				if (i + 1 + n < len && !strncmp(s + i + 1, named_refs[k].name, n) &&
				    s[i + 1 + n] == ';') {
					add_utf8(&b, named_refs[k].cp);
					i += n + 2;
					break;
				}
			}
			if (named_refs[k].name)
				continue;
		}
		buf_addc(&b, s[i++]);
	}
	return buf_steal(&b);
}

/* bleach's URL check: with control characters, whitespace, '`' and
 * U+007F–U+00A0 removed, a value that names a scheme must name http,
 * https or mailto. */
static int href_allowed(const char *value)
{
	char norm[64];
	size_t n = 0;
	const unsigned char *p = (const unsigned char *)value;
	for (; *p && n < sizeof norm - 1; p++) {
		if (*p <= 0x20 || *p == 0x7f || *p == '`')
			continue;
		if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0xa0) {
			p++;
			continue;
		}
		norm[n++] = (char)tolower(*p);
	}
	norm[n] = 0;
	size_t k = strcspn(norm, ":/?#");
	if (!norm[k] && *p) /* longer than norm: a ':' first is a scheme, never an allowed one */
		return p[strcspn((const char *)p, ":/?#")] != ':';
	if (norm[k] != ':')
		return 1; /* no scheme: a relative URL */
	return (k == 4 && !strncmp(norm, "http", 4)) || (k == 5 && !strncmp(norm, "https", 5)) ||
	       (k == 6 && !strncmp(norm, "mailto", 6));
}

static void add_escaped_attr(struct buf *b, const char *v)
{
	for (; *v; v++) {
		switch (*v) {
		case '&':
			buf_adds(b, "&amp;");
			break;
		case '<':
			buf_adds(b, "&lt;");
			break;
		case '>':
			buf_adds(b, "&gt;");
			break;
		case '"':
			buf_adds(b, "&quot;");
			break;
		default:
			buf_addc(b, *v);
		}
	}
}

/* Text: valid character references are kept, every other & < > escaped. */
static void add_text(struct buf *b, const char *s, size_t len, int keep_refs)
{
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];
		if (ch == '&') {
			size_t r = keep_refs ? char_ref_len(s + i) : 0;
			if (r && i + r <= len) {
				buf_add(b, s + i, r);
				i += r - 1;
			} else {
				buf_adds(b, "&amp;");
			}
		} else if (ch == '<') {
			buf_adds(b, "&lt;");
		} else if (ch == '>') {
			buf_adds(b, "&gt;");
		} else {
			buf_addc(b, ch);
		}
	}
}

#define MAX_OPEN 64
#define MAX_ATTRS 8

struct tag {
	char name[16]; /* lower-cased, truncated names are never allowed */
	int end;       /* </name> */
	size_t nattr;
	struct {
		char name[16];
		char *value;
	} attr[MAX_ATTRS];
};

static void tag_free(struct tag *t)
{
	for (size_t i = 0; i < t->nattr; i++)
		free(t->attr[i].value);
	t->nattr = 0;
}

/* Reads a name (tag or attribute) into out, lower-cased; returns its
 * length in the input. Longer names are truncated so they match nothing. */
static size_t read_name(const char *p, const char *stops, char *out, size_t outlen)
{
	size_t i = 0, o = 0;
	while (p[i] && !html_space((unsigned char)p[i]) && !strchr(stops, p[i])) {
		if (o < outlen - 1)
			out[o++] = (char)tolower((unsigned char)p[i]);
		else
			out[0] = '#'; /* too long: no allowed name is */
		i++;
	}
	out[o] = 0;
	return i;
}

/* Parses a start or end tag beginning at p (after '<' or '</'). Returns
 * the number of bytes consumed up to and including '>', or 0 when the
 * input ends inside the tag (html5lib then drops it). */
static size_t parse_tag(const char *p, struct tag *t)
{
	size_t i = read_name(p, "/>", t->name, sizeof t->name);
	for (;;) {
		while (html_space((unsigned char)p[i]) || p[i] == '/')
			i++;
		if (!p[i])
			return 0;
		if (p[i] == '>')
			return i + 1;
		char an[16];
		if (p[i] == '=') { /* "=x" starts a name that is never allowed */
			i += 1 + read_name(p + i + 1, "/>=", an, sizeof an);
			snprintf(an, sizeof an, "#");
		} else {
			i += read_name(p + i, "/>=", an, sizeof an);
		}
		while (html_space((unsigned char)p[i]))
			i++;
		const char *v = "";
		size_t vlen = 0;
		if (p[i] == '=') {
			i++;
			while (html_space((unsigned char)p[i]))
				i++;
			if (p[i] == '"' || p[i] == '\'') {
				char q = p[i++];
				const char *e = strchr(p + i, q);
				if (!e)
					return 0;
				v = p + i;
				vlen = (size_t)(e - v);
				i += vlen + 1;
			} else {
				v = p + i;
				while (p[i] && !html_space((unsigned char)p[i]) && p[i] != '>')
					i++;
				vlen = (size_t)(p + i - v);
			}
		}
		if (t->end || t->nattr >= MAX_ATTRS || !attr_allowed(t->name, an))
			continue;
		int dup = 0;
		for (size_t k = 0; k < t->nattr; k++)
			dup |= !strcmp(t->attr[k].name, an);
		if (dup)
			continue; /* the first one wins */
		snprintf(t->attr[t->nattr].name, sizeof t->attr[0].name, "%s", an);
		t->attr[t->nattr].value = decode_refs(v, vlen);
		t->nattr++;
	}
}

/* Elements whose content the tokenizer reads as text up to their end
 * tag: 1 raw text (no character references), 2 RCDATA, 3 to the end. */
static int raw_kind(const char *name)
{
	static const char *const raw[] = {"script",  "style",    "xmp", "iframe",
					  "noembed", "noframes", NULL};
	if (in_list(raw, name))
		return 1;
	if (!strcmp(name, "textarea") || !strcmp(name, "title"))
		return 2;
	if (!strcmp(name, "plaintext"))
		return 3;
	return 0;
}

/* Position of "</name" followed by a space, '/' or '>' from p, or NULL. */
static const char *find_end_tag(const char *p, const char *name)
{
	size_t n = strlen(name);
	for (const char *q = strstr(p, "</"); q; q = strstr(q + 2, "</")) {
		if (!strncasecmp(q + 2, name, n) &&
		    (html_space((unsigned char)q[2 + n]) || q[2 + n] == '/' || q[2 + n] == '>'))
			return q;
	}
	return NULL;
}

struct san {
	struct buf out;
	char open[MAX_OPEN][16];
	int nopen;
};

static void close_to(struct san *s, int depth)
{
	while (s->nopen > depth) {
		s->nopen--;
		buf_printf(&s->out, "</%s>", s->open[s->nopen]);
	}
}

static void start_tag(struct san *s, struct tag *t)
{
	if (!in_list(allowed_tags, t->name) || s->nopen >= MAX_OPEN)
		return;
	if (!strcmp(t->name, "a")) /* an <a> closes an open <a> */
		for (int k = s->nopen - 1; k >= 0; k--)
			if (!strcmp(s->open[k], "a")) {
				close_to(s, k);
				break;
			}
	buf_printf(&s->out, "<%s", t->name);
	for (size_t k = 0; k < t->nattr; k++) {
		if (!strcmp(t->attr[k].name, "href") && !href_allowed(t->attr[k].value))
			continue;
		buf_printf(&s->out, " %s=\"", t->attr[k].name);
		add_escaped_attr(&s->out, t->attr[k].value);
		buf_addc(&s->out, '"');
	}
	buf_addc(&s->out, '>');
	snprintf(s->open[s->nopen++], sizeof s->open[0], "%s", t->name);
}

static void end_tag(struct san *s, const struct tag *t)
{
	for (int k = s->nopen - 1; k >= 0; k--)
		if (!strcmp(s->open[k], t->name)) {
			close_to(s, k);
			return;
		}
}

/* Skips a comment or bogus comment starting at p ("<!…", "<?…", "</…");
 * returns the bytes consumed. */
static size_t skip_comment(const char *p)
{
	if (!strncmp(p, "<!--", 4)) {
		const char *e = strstr(p + 4, "-->");
		return e ? (size_t)(e + 3 - p) : strlen(p);
	}
	const char *e = strchr(p, '>');
	return e ? (size_t)(e + 1 - p) : strlen(p);
}

/* html5lib normalises newlines first: CR LF and lone CR become LF. */
static void normalise_newlines(const char *in, struct buf *out)
{
	for (const char *p = in; *p; p++) {
		if (*p == '\r') {
			buf_addc(out, '\n');
			if (p[1] == '\n')
				p++;
		} else {
			buf_addc(out, *p);
		}
	}
}

/* A start or end tag at p ("<a …" or "</a"); returns what follows it, or
 * NULL when the input ends inside the tag. The text inside a raw element
 * (script, style, …) is kept as text or dropped, never parsed. */
static const char *sanitize_tag(struct san *s, const char *p)
{
	struct tag t = {.end = p[1] == '/'};
	size_t used = parse_tag(p + (t.end ? 2 : 1), &t);
	if (!used) {
		tag_free(&t);
		return NULL;
	}
	p += used + (t.end ? 2 : 1);
	if (t.end) {
		end_tag(s, &t);
	} else {
		start_tag(s, &t);
		int raw = raw_kind(t.name);
		if (raw) {
			const char *e = raw == 3 ? NULL : find_end_tag(p, t.name);
			size_t len = e ? (size_t)(e - p) : strlen(p);
			add_text(&s->out, p, len, raw == 2);
			p += len;
		}
	}
	tag_free(&t);
	return p;
}

char *text_sanitize(const char *in)
{
	struct buf norm;
	buf_init(&norm);
	normalise_newlines(in, &norm);
	struct san s = {.nopen = 0};
	buf_init(&s.out);
	const char *p = norm.data ? norm.data : "";
	while (p && *p) {
		const char *lt = strchr(p, '<');
		size_t n = lt ? (size_t)(lt - p) : strlen(p);
		add_text(&s.out, p, n, 1);
		p += n;
		if (!*p)
			break;
		unsigned char next = (unsigned char)p[1];
		if (isalpha(next) || (next == '/' && isalpha((unsigned char)p[2]))) {
			p = sanitize_tag(&s, p);
		} else if (next == '!' || next == '?' || (next == '/' && p[2] && p[2] != '>')) {
			p += skip_comment(p);
		} else if (next == '/' && p[2] == '>') {
			p += 3; /* "</>" is dropped */
		} else {
			buf_adds(&s.out, "&lt;");
			p++;
		}
	}
	close_to(&s, 0);
	buf_free(&norm);
	if (!s.out.data)
		return xstrdup("");
	return buf_steal(&s.out);
}

/* ---- hashtags and keywords ---------------------------------------------- */

static json_object *str_n(const char *s, size_t n)
{
	return json_object_new_string_len(s, (int)n);
}

json_object *text_hashtags(const char *text)
{
	json_object *arr = json_object_new_array();
	const unsigned char *t = (const unsigned char *)text;
	size_t i = 0, len = strlen(text);
	while (i < len) {
		size_t j;
		if (i == 0 && t[0] == '#')
			j = 0;
		else if (py_space(t[i]) && t[i + 1] == '#')
			j = i + 1;
		else {
			i++;
			continue;
		}
		size_t bytes;
		class_run(t + j + 1, &bytes);
		if (!bytes) {
			i = j + 1;
			continue;
		}
		char *tag = xstrndup(text + j + 1, bytes);
		for (char *c = tag; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c + 32);
		json_object_array_add(arr, json_object_new_string(tag));
		free(tag);
		i = j + 1 + bytes;
	}
	return arr;
}

/* FIND_URL_KEYWORDS_REGEX at position p of a lower-cased text:
 *   ((https?://)|(www\.))(\S+)(\w{2,4})(:[0-9]+)?(/|/[…])?
 * Returns the length of the match, 0 when there is none. */
static size_t url_match(const unsigned char *p)
{
	size_t pre;
	if (!strncmp((const char *)p, "http://", 7))
		pre = 7;
	else if (!strncmp((const char *)p, "https://", 8))
		pre = 8;
	else if (!strncmp((const char *)p, "www.", 4))
		pre = 4;
	else
		return 0;
	const unsigned char *r = p + pre;
	size_t rlen = 0;
	while (r[rlen] && !py_space(r[rlen]))
		rlen++;
	/* \S+ is greedy: the longest S followed by at least two \w */
	for (size_t s = rlen >= 3 ? rlen - 2 : 0; s >= 1; s--) {
		if (!py_word(r[s]) || !py_word(r[s + 1]))
			continue;
		size_t e = s + 2;
		while (e < s + 4 && py_word(r[e]))
			e++;
		if (r[e] == ':' && isdigit(r[e + 1])) {
			e++;
			while (isdigit(r[e]))
				e++;
		}
		if (r[e] == '/')
			e++;
		return pre + e;
	}
	return 0;
}

/* The lower-cased text without its URLs (keywords never come from URLs). */
static void lower_without_urls(const char *text, struct buf *b)
{
	char *low = text_lower(xstrdup(text));
	for (const unsigned char *p = (const unsigned char *)low; *p;) {
		size_t m = url_match(p);
		if (m) {
			p += m;
		} else {
			buf_addc(b, (char)*p);
			p++;
		}
	}
	free(low);
}

json_object *text_keywords(const char *text)
{
	struct buf b;
	buf_init(&b);
	lower_without_urls(text, &b);
	json_object *arr = json_object_new_array();
	if (!b.data)
		return arr;
	const unsigned char *t = (const unsigned char *)b.data;
	size_t len = b.len, i = 0;
	/* FIND_KEYWORDS_REGEX: (\s|^)(?:#|'|"|\w')?([\w\-_.áéí…]{3,})["']? */
	while (i < len) {
		size_t j;
		if (py_space(t[i]))
			j = i + 1;
		else if (i == 0)
			j = 0;
		else {
			i++;
			continue;
		}
		size_t prefixes[2], np = 0, bytes = 0;
		if (t[j] == '#' || t[j] == '\'' || t[j] == '"')
			prefixes[np++] = 1;
		else if (py_word(t[j]) && t[j + 1] == '\'')
			prefixes[np++] = 2;
		prefixes[np++] = 0;
		size_t found = (size_t)-1;
		for (size_t k = 0; k < np; k++)
			if (class_run(t + j + prefixes[k], &bytes) >= 3) {
				found = prefixes[k];
				break;
			}
		if (found == (size_t)-1) {
			i = (j > i) ? j : i + 1;
			continue;
		}
		json_object_array_add(arr, str_n((const char *)t + j + found, bytes));
		i = j + found + bytes;
		if (t[i] == '"' || t[i] == '\'')
			i++;
	}
	buf_free(&b);
	return arr;
}

void text_object_terms(json_object *object, const char *clean)
{
	json_object *tags = text_hashtags(clean);
	if (json_object_array_length(tags))
		json_object_object_add(object, "hashtags", tags);
	else
		json_object_put(tags);
	json_object_object_add(object, "keywords", text_keywords(clean));
}

void text_set_add(json_object *arr, const char *word)
{
	if (!word || !*word)
		return;
	size_t n = json_object_array_length(arr);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(arr, i)), word))
			return;
	json_object_array_add(arr, json_object_new_string(word));
}

void text_set_add_all(json_object *arr, json_object *words)
{
	if (!words || !json_object_is_type(words, json_type_array))
		return;
	size_t n = json_object_array_length(words);
	for (size_t i = 0; i < n; i++) {
		json_object *w = json_object_array_get_idx(words, i);
		if (json_object_is_type(w, json_type_string))
			text_set_add(arr, json_object_get_string(w));
	}
}

void text_set_add_person(json_object *arr, const char *username, const char *display_name)
{
	if (!username)
		return;
	text_set_add(arr, username);
	char *u = xstrdup(username);
	for (char *tok = u, *dot; tok; tok = dot ? dot + 1 : NULL) {
		dot = strchr(tok, '.');
		if (dot)
			*dot = 0;
		text_set_add(arr, tok);
	}
	free(u);
	if (!display_name)
		return;
	char *d = text_lower(xstrdup(display_name));
	for (char *save = NULL, *w = strtok_r(d, " \t\n\r\f\v", &save); w;
	     w = strtok_r(NULL, " \t\n\r\f\v", &save))
		text_set_add(arr, w);
	free(d);
}

/* ---- full text ---------------------------------------------------------- */

char *text_plain(const char *html)
{
	struct buf b;
	buf_init(&b);
	for (const char *p = html; *p;) {
		if (*p == '<') {
			const char *e = strchr(p, '>');
			if (!e)
				break;
			buf_addc(&b, ' ');
			p = e + 1;
			continue;
		}
		if (*p == '&') {
			size_t r = char_ref_len(p);
			if (r) {
				char *d = decode_refs(p, r);
				buf_adds(&b, d);
				free(d);
				p += r;
				continue;
			}
		}
		buf_addc(&b, *p++);
	}
	return b.data ? buf_steal(&b) : xstrdup("");
}

int text_fts_query(const char *q, struct buf *out)
{
	buf_reset(out);
	if (!q)
		return 0;
	if (strlen(q) > TEXT_Q_MAX_BYTES)
		return -1;
	int terms = 0;
	const char *p = q;
	while (*p) {
		while (*p && py_space((unsigned char)*p))
			p++;
		if (!*p)
			break;
		const char *s = p;
		while (*p && !py_space((unsigned char)*p))
			p++;
		size_t n = (size_t)(p - s);
		int prefix = n > 1 && s[n - 1] == '*';
		if (prefix)
			n--;
		struct buf term;
		buf_init(&term);
		for (size_t i = 0; i < n; i++)
			if (s[i] != '"')
				buf_addc(&term, s[i]);
		if (term.len) {
			if (++terms > TEXT_Q_MAX_TERMS) {
				buf_free(&term);
				return -1;
			}
			if (out->len)
				buf_adds(out, " AND ");
			buf_printf(out, "\"%s\"%s", term.data, prefix ? " *" : "");
		}
		buf_free(&term);
	}
	return terms;
}

void text_now_us(char out[28])
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	struct tm tm;
	time_t t = tv.tv_sec;
	gmtime_r(&t, &tm);
	char base[20];
	strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 28, "%s.%06ldZ", base, (long)tv.tv_usec);
}

void text_date_seconds(const char *in, char out[21])
{
	if (!in || strlen(in) < 19) {
		snprintf(out, 21, "%s", in ? in : "");
		return;
	}
	memcpy(out, in, 19);
	out[19] = 'Z';
	out[20] = 0;
}

/* api.md 4.1/api.md 4.2 twitterUsername and twitterHashtag: surrounding whitespace and one `lead` character stripped, then
 * 1..max characters of [A-Za-z0-9_] (plus '-' when dash), lower-cased. */
int text_twitter_name(const char *in, char lead, int dash, size_t max, char *out)
{
	while (isspace((unsigned char)*in))
		in++;
	if (*in == lead)
		in++;
	size_t n = 0;
	while (in[n] && (isalnum((unsigned char)in[n]) || in[n] == '_' || (dash && in[n] == '-')))
		n++;
	const char *rest = in + n;
	while (isspace((unsigned char)*rest))
		rest++;
	if (!n || n > max || *rest)
		return -1;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)in[i]);
	out[n] = 0;
	return 0;
}

char *str_lower(char *s)
{
	for (char *p = s; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	return s;
}

int text_username_ok(const char *u)
{
	size_t n = strlen(u);
	if (!n || n > MAX_USERNAME_MAX)
		return 0;
	for (const unsigned char *p = (const unsigned char *)u; *p; p++)
		if (*p <= ' ' || *p == 0x7f || strchr("/\\?#%\"<>&+:*", *p))
			return 0;
	return 1;
}
