/*
 * test_text.c — core/text.c: the sanitiser (the widget's only XSS
 * protection, so hostile input first), hashtags, keywords with the
 * api.md 3 example, the FTS5 query builder and the date helpers.
 */
#include "util/text.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

static void check_clean(const char *in, const char *want, int line)
{
	char *got = text_sanitize(in);
	if (strcmp(got, want))
		fprintf(stderr, "\nline %d: sanitize(%s)\n  got  %s\n  want %s\n", line, in, got,
			want);
	CU_ASSERT_STRING_EQUAL(got, want);
	free(got);
}
#define CLEAN(in, want) check_clean(in, want, __LINE__)

static void test_sanitize_keeps_allowed(void)
{
	CLEAN("plain text", "plain text");
	CLEAN("<b>bold</b> <i>it</i> <em>e</em> <strong>s</strong> <u>u</u> <code>c</code>",
	      "<b>bold</b> <i>it</i> <em>e</em> <strong>s</strong> <u>u</u> <code>c</code>");
	CLEAN("<blockquote>q</blockquote>", "<blockquote>q</blockquote>");
	CLEAN("<a href=\"http://x.org/a?b=1&amp;c=2\" title=\"T\">l</a>",
	      "<a href=\"http://x.org/a?b=1&amp;c=2\" title=\"T\">l</a>");
	CLEAN("<A HREF='https://x.org'>l</A>", "<a href=\"https://x.org\">l</a>");
	CLEAN("<a href=mailto:a@b.c>m</a>", "<a href=\"mailto:a@b.c\">m</a>");
	CLEAN("<a href=\"/relative/path\">r</a>", "<a href=\"/relative/path\">r</a>");
	CLEAN("<abbr title=\"World Health\">WHO</abbr>", "<abbr title=\"World Health\">WHO</abbr>");
	CLEAN("<acronym title=x>A</acronym>", "<acronym title=\"x\">A</acronym>");
}

static void test_sanitize_strips_disallowed(void)
{
	/* the original's test content */
	CLEAN("<p>[A] Testejant la creació d'un canvi d'estatus</p>",
	      "[A] Testejant la creació d'un canvi d'estatus");
	CLEAN("<div><span style=\"x\">t</span></div>", "t");
	CLEAN("<ul><li>one</li></ul>", "one");
	CLEAN("line<br>break<br/>", "linebreak");
	/* attributes other than the allowed ones go */
	CLEAN("<b class=\"x\" onclick=\"evil()\">b</b>", "<b>b</b>");
	CLEAN("<abbr href=\"http://x\" title=t>a</abbr>", "<abbr title=\"t\">a</abbr>");
	CLEAN("<!-- a comment -->text<!---->", "text");
	CLEAN("<!DOCTYPE html>x<?php echo 1 ?>y", "xy");
}

static void test_sanitize_xss_vectors(void)
{
	CLEAN("<script>alert(1)</script>", "alert(1)");
	CLEAN("<SCRIPT SRC=http://x/x.js></SCRIPT>", "");
	/* markup inside script is text, escaped */
	CLEAN("<script><img src=x onerror=alert(1)></script>ok",
	      "&lt;img src=x onerror=alert(1)&gt;ok");
	CLEAN("<img src=x onerror=alert(1)>", "");
	CLEAN("<img src=\"x\" onerror=\"alert('x')\"/>after", "after");
	CLEAN("<svg onload=alert(1)>", "");
	CLEAN("<iframe src=\"javascript:alert(1)\"></iframe>", "");
	CLEAN("<style>body{background:url(javascript:x)}</style>",
	      "body{background:url(javascript:x)}");
	CLEAN("<a href=\"javascript:alert(1)\">x</a>", "<a>x</a>");
	CLEAN("<a href=\"JaVaScRiPt:alert(1)\">x</a>", "<a>x</a>");
	CLEAN("<a href=\" javascript:alert(1)\">x</a>", "<a>x</a>");
	CLEAN("<a href=\"java&#x09;script:alert(1)\">x</a>", "<a>x</a>");
	CLEAN("<a href=\"java\tscript:alert(1)\">x</a>", "<a>x</a>");
	CLEAN("<a href=\"javascript&colon;alert(1)\">x</a>", "<a>x</a>");
	CLEAN("<a href=\"&#106;avascript:alert(1)\">x</a>", "<a>x</a>");
	CLEAN("<a href=\"&#0000106avascript:alert(1)\">x</a>", "<a>x</a>");
	CLEAN("<a href=\"data:text/html;base64,PHNjcmlwdD4=\">x</a>", "<a>x</a>");
	CLEAN("<a href=\"vbscript:msgbox\">x</a>", "<a>x</a>");
	CLEAN("<a href=\"http://ok.org\" onmouseover=\"alert(1)\">x</a>",
	      "<a href=\"http://ok.org\">x</a>");
	/* quotes inside attribute values cannot break out */
	CLEAN("<a title='\" onclick=\"alert(1)'>x</a>",
	      "<a title=\"&quot; onclick=&quot;alert(1)\">x</a>");
	CLEAN("<a title=\"a>b<c\">x</a>", "<a title=\"a&gt;b&lt;c\">x</a>");
	CLEAN("<a href=\"http://x\"title=\"y\">x</a>", "<a href=\"http://x\" title=\"y\">x</a>");
	/* the first of duplicated attributes wins */
	CLEAN("<a href=\"http://a\" href=\"javascript:x\">x</a>", "<a href=\"http://a\">x</a>");
	/* unclosed and nested tags */
	CLEAN("<b>bold", "<b>bold</b>");
	CLEAN("<b><i>both", "<b><i>both</i></b>");
	CLEAN("<b><i>x</b>y", "<b><i>x</i></b>y");
	CLEAN("</b>stray end", "stray end");
	CLEAN("<a href=\"http://a\">one<a href=\"http://b\">two</a>",
	      "<a href=\"http://a\">one</a><a href=\"http://b\">two</a>");
	/* a tag cut by the end of the input is dropped */
	CLEAN("text <script", "text ");
	CLEAN("text <a href=\"http://x", "text ");
	CLEAN("<scr<script>ipt>alert(1)</script>", "ipt&gt;alert(1)");
	CLEAN("<<script>script>alert(1)</script>", "&lt;script&gt;alert(1)");
	CLEAN("<textarea><b>x</b></textarea>", "&lt;b&gt;x&lt;/b&gt;");
	CLEAN("<plaintext><b>rest", "&lt;b&gt;rest");
}

static void test_sanitize_escaping(void)
{
	CLEAN("a < b > c & d", "a &lt; b &gt; c &amp; d");
	/* "</" + non-letter opens a bogus comment (html5lib), dropped */
	CLEAN("<3 and </3", "&lt;3 and ");
	CLEAN("a </ b> c", "a  c");
	CLEAN("&amp; &lt; &#39; &#x27; &eacute;", "&amp; &lt; &#39; &#x27; &eacute;");
	CLEAN("AT&T &foo bar &#; &#xZZ;", "AT&amp;T &amp;foo bar &amp;#; &amp;#xZZ;");
	CLEAN("\"quotes\" and 'apostrophes'", "\"quotes\" and 'apostrophes'");
	CLEAN("a\r\nb\rc", "a\nb\nc");
	CLEAN("</>x", "x");
	CLEAN("", "");
	CLEAN("<", "&lt;");
	CLEAN("</", "&lt;/");
	CLEAN("<b title=\"&quot;\">q</b>", "<b>q</b>");
}

static const char *joined(json_object *arr)
{
	static char buf[1024];
	buf[0] = 0;
	size_t n = json_object_array_length(arr);
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(buf, " ");
		strncat(buf, json_object_get_string(json_object_array_get_idx(arr, i)),
			sizeof buf - strlen(buf) - 2);
	}
	json_object_put(arr);
	return buf;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* space-joined, sorted */
static const char *sorted(json_object *arr)
{
	static char buf[1024];
	const char *items[64];
	size_t n = json_object_array_length(arr);
	for (size_t i = 0; i < n && i < 64; i++)
		items[i] = json_object_get_string(json_object_array_get_idx(arr, i));
	qsort(items, n, sizeof items[0], cmp);
	buf[0] = 0;
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(buf, " ");
		strcat(buf, items[i]);
	}
	json_object_put(arr);
	return buf;
}

static void test_hashtags(void)
{
	CU_ASSERT_STRING_EQUAL(joined(text_hashtags("#first # Hello i'm a #text with #hashtags "
						    "but#some are not valid#  # ##double #last")),
			       "first text hashtags last");
	CU_ASSERT_STRING_EQUAL(joined(text_hashtags("Testejant la creació d'un #Canvi d'estatus")),
			       "canvi");
	CU_ASSERT_STRING_EQUAL(joined(text_hashtags("#creació #a.b-c_d #x #x")),
			       "creació a.b-c_d x x");
	CU_ASSERT_STRING_EQUAL(joined(text_hashtags("<p>#tag</p> a\t#tab\n#nl")), "tab nl");
	CU_ASSERT_STRING_EQUAL(joined(text_hashtags("")), "");
}

static void test_keywords(void)
{
	/* api.md 3's example: object keywords … */
	json_object *kw = text_keywords("Testejant la creació d'un canvi d'estatus");
	CU_ASSERT_STRING_EQUAL(joined(json_object_get(kw)), "testejant creació canvi estatus");
	/* … plus the actor's username and display name words */
	text_set_add_person(kw, "messi", "Lionel Messi");
	CU_ASSERT_STRING_EQUAL(sorted(kw), "canvi creació estatus lionel messi testejant");

	CU_ASSERT_STRING_EQUAL(joined(text_keywords("[A] Testejant la CREACIÓ d'un")),
			       "testejant creació");
	CU_ASSERT_STRING_EQUAL(joined(text_keywords("#hashtag 'quoted' \"dq\" it's ab abc")),
			       "hashtag quoted abc");
	/* URLs are removed before looking for words */
	CU_ASSERT_STRING_EQUAL(joined(text_keywords(
				       "see http://www.example.com/path and www.upc.edu too")),
			       "see and too");
	CU_ASSERT_STRING_EQUAL(joined(text_keywords("amb url http://example.com </p>")), "amb url");
	/* a token ends at the first other character; the rest is ignored */
	CU_ASSERT_STRING_EQUAL(joined(text_keywords("hello,world foo.bar x-y-z")),
			       "hello foo.bar x-y-z");
	CU_ASSERT_STRING_EQUAL(joined(text_keywords("")), "");
	json_object *set = json_object_new_array();
	text_set_add_person(set, "lionel.messi", "Leo  MESSI");
	CU_ASSERT_STRING_EQUAL(sorted(set), "leo lionel lionel.messi messi");
}

static void test_lower_and_plain(void)
{
	char s[] = "ÀÉÍÓÚÇÑ ABC ×";
	CU_ASSERT_STRING_EQUAL(text_lower(s), "àéíóúçñ abc ×");
	char *p = text_plain("<b>bold</b>&amp;<a href=\"x\">link</a> &lt;3");
	CU_ASSERT_STRING_EQUAL(p, " bold & link  <3");
	free(p);
}

static void test_fts_query(void)
{
	struct buf b;
	buf_init(&b);
	CU_ASSERT_EQUAL(text_fts_query("hello world", &b), 2);
	CU_ASSERT_STRING_EQUAL(b.data, "\"hello\" AND \"world\"");
	CU_ASSERT_EQUAL(text_fts_query("  cre* \"quoted\" OR NEAR(", &b), 4);
	CU_ASSERT_STRING_EQUAL(b.data, "\"cre\" * AND \"quoted\" AND \"OR\" AND \"NEAR(\"");
	CU_ASSERT_EQUAL(text_fts_query("   ", &b), 0);
	CU_ASSERT_EQUAL(text_fts_query(NULL, &b), 0);
	CU_ASSERT_EQUAL(text_fts_query("a b c d e f g h i j k l m n o p q", &b), -1);
	char big[TEXT_Q_MAX_BYTES + 2];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = 0;
	CU_ASSERT_EQUAL(text_fts_query(big, &b), -1);
	buf_free(&b);
}

static void test_dates(void)
{
	char us[28], s[21];
	text_now_us(us);
	CU_ASSERT_EQUAL(strlen(us), 27);
	CU_ASSERT_EQUAL(us[19], '.');
	CU_ASSERT_EQUAL(us[26], 'Z');
	text_date_seconds(us, s);
	CU_ASSERT_EQUAL(strlen(s), 20);
	CU_ASSERT_EQUAL(strncmp(s, us, 19), 0);
	CU_ASSERT_EQUAL(s[19], 'Z');
	text_date_seconds("2010-01-01T00:01:30Z", s);
	CU_ASSERT_STRING_EQUAL(s, "2010-01-01T00:01:30Z");
}

UNIT_SUITE(text, NULL, NULL)
{
	UNIT_TEST(s, test_sanitize_keeps_allowed);
	UNIT_TEST(s, test_sanitize_strips_disallowed);
	UNIT_TEST(s, test_sanitize_xss_vectors);
	UNIT_TEST(s, test_sanitize_escaping);
	UNIT_TEST(s, test_hashtags);
	UNIT_TEST(s, test_keywords);
	UNIT_TEST(s, test_lower_and_plain);
	UNIT_TEST(s, test_fts_query);
	UNIT_TEST(s, test_dates);
}
