/*
 * filter.c — RFC 4515 escaping of filter values; see filter.h. Kept apart
 * from the client so that the escaping is tested without a directory.
 */
#include "ldap/filter.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

int ldapc_escape_filter(const char *in, char *out, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	if (!n)
		return -1;
	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		int esc = *p == '*' || *p == '(' || *p == ')' || *p == '\\' || *p < 0x20 ||
			  *p == 0x7f;
		size_t need = esc ? 3 : 1;
		if (o + need >= n) {
			out[0] = 0;
			return -1;
		}
		if (esc) {
			out[o++] = '\\';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		} else {
			out[o++] = (char)*p;
		}
	}
	out[o] = 0;
	return 0;
}

int ldapc_attr_ok(const char *s)
{
	if (!s || !*s || strlen(s) > 64 || !isalnum((unsigned char)*s))
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != ';' && *s != '.')
			return 0;
	return 1;
}

int ldapc_match_filter(const char *base, const char *attr, const char *value, char *out, size_t n)
{
	char esc[1024];
	if (!ldapc_attr_ok(attr) || ldapc_escape_filter(value, esc, sizeof esc) < 0)
		return -1;
	int wrap = base && *base && *base != '(';
	int len;
	if (!base || !*base)
		len = snprintf(out, n, "(%s=%s)", attr, esc);
	else
		len = snprintf(out, n, "(&%s%s%s(%s=%s))", wrap ? "(" : "", base, wrap ? ")" : "",
			       attr, esc);
	if (len < 0 || (size_t)len >= n) {
		if (n)
			out[0] = 0;
		return -1;
	}
	return 0;
}
