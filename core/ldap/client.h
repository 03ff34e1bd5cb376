/*
 * client.h — the LDAP client every MAX program uses (osiris.fcgi's LDAP
 * credential store, max-ldap-sync). The only code that includes <ldap.h>.
 *
 * A connection is opened from [ldap] in max.ini: url (ldap:// or ldaps://),
 * starttls, ca_file, tls_require_cert, connect_timeout_s, timeout_s, and
 * bound with bind_dn / bind_password (or bind_password_file). Every call is
 * bounded by those timeouts: an unreachable or silent server is a failure,
 * never a hang. Results are passed entry by entry to a callback; the entry
 * is valid only during the call.
 */
#ifndef MAX_LDAP_CLIENT_H
#define MAX_LDAP_CLIENT_H

#include <stddef.h>

struct max_config;
struct ldapc;
struct ldapc_entry;

enum ldapc_rc {
	LDAPC_OK = 0,
	LDAPC_DENIED,      /* invalid credentials (a bind refused) */
	LDAPC_UNAVAILABLE, /* cannot connect, timed out, server down or busy */
	LDAPC_ERROR,       /* configuration, protocol, or an incomplete result */
};

enum ldapc_scope { LDAPC_SUB, LDAPC_ONE, LDAPC_BASE };

/* "sub"/"subtree" → SUB, "one"/"onelevel" → ONE, "base" → BASE; -1 otherwise. */
int ldapc_scope_parse(const char *s);

/* Checks the [ldap] settings the client reads (url scheme, scope names,
 * attribute names, password file readable). 0, or -1 with a message. */
int ldapc_config_check(const struct max_config *cfg, char *err, size_t errlen);

/* Connects and binds with the service account (anonymous when bind_dn is
 * empty). OK with *out set, else UNAVAILABLE / DENIED / ERROR, logged. */
enum ldapc_rc ldapc_open(const struct max_config *cfg, struct ldapc **out);
void ldapc_close(struct ldapc *c);

/* Re-binds the connection as dn with password (simple bind). An empty
 * password is DENIED without asking the server (it would be an anonymous
 * bind, which "succeeds"). */
enum ldapc_rc ldapc_bind(struct ldapc *c, const char *dn, const char *password);

/* Calls fn for each entry of a search (attrs NULL-terminated, NULL = all).
 * page_size > 0 asks for RFC 2696 pages of that size. fn returns 0 to go
 * on, non-zero to stop (the search then returns OK). A size limit, time
 * limit or referral — anything but a complete result — is an error. */
typedef int (*ldapc_entry_fn)(const struct ldapc_entry *e, void *arg);
enum ldapc_rc ldapc_search(struct ldapc *c, const char *base, int scope, const char *filter,
			   const char *const *attrs, int page_size, ldapc_entry_fn fn, void *arg);

/* The entry's DN. */
const char *ldapc_entry_dn(const struct ldapc_entry *e);
/* The first value of attr, copied NUL-terminated to out: 0, or -1 when
 * absent, empty, holding a NUL byte or too long. */
int ldapc_entry_value(const struct ldapc_entry *e, const char *attr, char *out, size_t n);
/* Calls fn(value, arg) for each value of attr that is a string without NUL
 * bytes; stops when fn returns non-zero. Returns the number of values seen. */
int ldapc_entry_each(const struct ldapc_entry *e, const char *attr,
		     int (*fn)(const char *value, void *arg), void *arg);

/* The value of the first RDN of dn when its attribute is attr (case-
 * insensitive), copied to out: 0, or -1 (not that attribute, unparsable,
 * too long). "cn=Alice,ou=users,..." with attr "cn" → "Alice". */
int ldapc_dn_first_value(const char *dn, const char *attr, char *out, size_t n);

#endif
