/*
 * filter.h — LDAP search filters built from untrusted input (RFC 4515).
 *
 * Every value that comes from a request or from another entry goes through
 * here before it reaches a filter: once escaped, '*', '(', ')', '\' and NUL
 * are plain bytes of an equality match, so a login such as "admin*" or
 * "x)(cn=*" matches only an entry named exactly that. Pure string code (no
 * libldap), so the unit tests need no LDAP library.
 */
#ifndef MAX_LDAP_FILTER_H
#define MAX_LDAP_FILTER_H

#include <stddef.h>

/* Writes in with RFC 4515 escapes (and control bytes escaped too) to out;
 * -1 when the result does not fit in n bytes (out is then ""). */
int ldapc_escape_filter(const char *in, char *out, size_t n);

/* Writes (&<base>(<attr>=<escaped value>)) to out; base is an
 * administrator's filter (wrapped in parentheses when it has none; empty
 * means none). attr must be an attribute description (letters, digits,
 * '-', ';', '.'). -1 when attr is not one, or out is too small. */
int ldapc_match_filter(const char *base, const char *attr, const char *value, char *out, size_t n);

/* 1 when s is a plausible attribute description, else 0. */
int ldapc_attr_ok(const char *s);

#endif
