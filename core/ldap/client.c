/*
 * client.c — the LDAP client over libldap (OpenLDAP); see client.h.
 *
 * One short-lived connection per task (a login, a sync run): no pool, no
 * reconnect logic, and nothing shared between FastCGI requests. TLS options
 * are set on the handle, not globally, so two connections with different
 * settings never influence each other. Referrals are never chased: a
 * referral is an incomplete result and therefore an error.
 */
#include "ldap/client.h"
#include "ldap/filter.h"
#include "util/config.h"
#include "util/log.h"

#include <ldap.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LDAPC_PASSWORD_MAX 1024

struct ldapc {
	LDAP *ld;
	int timeout_s; /* each operation */
};

struct ldapc_entry {
	LDAP *ld;
	LDAPMessage *msg;
	const char *dn;
};

int ldapc_scope_parse(const char *s)
{
	if (!strcasecmp(s, "sub") || !strcasecmp(s, "subtree"))
		return LDAPC_SUB;
	if (!strcasecmp(s, "one") || !strcasecmp(s, "onelevel"))
		return LDAPC_ONE;
	if (!strcasecmp(s, "base"))
		return LDAPC_BASE;
	return -1;
}

static int lscope(int scope)
{
	return scope == LDAPC_ONE    ? LDAP_SCOPE_ONELEVEL
	       : scope == LDAPC_BASE ? LDAP_SCOPE_BASE
				     : LDAP_SCOPE_SUBTREE;
}

static enum ldapc_rc map_rc(int rc)
{
	switch (rc) {
	case LDAP_SUCCESS:
		return LDAPC_OK;
	case LDAP_INVALID_CREDENTIALS:
		return LDAPC_DENIED;
	case LDAP_SERVER_DOWN:
	case LDAP_TIMEOUT:
	case LDAP_CONNECT_ERROR:
	case LDAP_UNAVAILABLE:
	case LDAP_BUSY:
	case LDAP_TIMELIMIT_EXCEEDED:
		return LDAPC_UNAVAILABLE;
	default:
		return LDAPC_ERROR;
	}
}

static int timeout_of(const struct max_config *cfg, const char *key)
{
	long long s = config_int(cfg, "ldap", key);
	return s < 1 ? 1 : s > 300 ? 300 : (int)s;
}

/* The service password: bind_password, else the first line of
 * bind_password_file. -1 when the file cannot be read. */
static int service_password(const struct max_config *cfg, char *out, size_t n)
{
	const char *path = config_get(cfg, "ldap", "bind_password_file");
	if (!*path) {
		snprintf(out, n, "%s", config_get(cfg, "ldap", "bind_password"));
		return 0;
	}
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	int ok = fgets(out, (int)n, f) != NULL;
	fclose(f);
	if (!ok)
		return -1;
	out[strcspn(out, "\r\n")] = 0;
	return 0;
}

static int tls_demand(const char *s)
{
	return !strcasecmp(s, "never")                              ? LDAP_OPT_X_TLS_NEVER
	       : !strcasecmp(s, "allow")                            ? LDAP_OPT_X_TLS_ALLOW
	       : !strcasecmp(s, "try")                              ? LDAP_OPT_X_TLS_TRY
	       : !strcasecmp(s, "demand") || !strcasecmp(s, "hard") ? LDAP_OPT_X_TLS_DEMAND
								    : -1;
}

int ldapc_config_check(const struct max_config *cfg, char *err, size_t errlen)
{
	const char *url = config_get(cfg, "ldap", "url");
	char pw[LDAPC_PASSWORD_MAX];
	if (strncasecmp(url, "ldap://", 7) && strncasecmp(url, "ldaps://", 8))
		snprintf(err, errlen, "[ldap] url must start with ldap:// or ldaps://");
	else if (!ldap_is_ldap_url(url) && !ldap_is_ldaps_url(url))
		snprintf(err, errlen, "[ldap] url is not an LDAP URL");
	else if (tls_demand(config_get(cfg, "ldap", "tls_require_cert")) < 0)
		snprintf(err, errlen, "[ldap] tls_require_cert: never, allow, try or demand");
	else if (ldapc_scope_parse(config_get(cfg, "ldap", "user_scope")) < 0 ||
		 ldapc_scope_parse(config_get(cfg, "ldap", "group_scope")) < 0)
		snprintf(err, errlen, "[ldap] user_scope / group_scope: sub or one");
	else if (!ldapc_attr_ok(config_get(cfg, "ldap", "uid_attr")) ||
		 !ldapc_attr_ok(config_get(cfg, "ldap", "mail_attr")) ||
		 !ldapc_attr_ok(config_get(cfg, "ldap", "member_attr")))
		snprintf(err, errlen, "[ldap] uid_attr, mail_attr, member_attr: attribute names");
	else if (service_password(cfg, pw, sizeof pw) < 0)
		snprintf(err, errlen, "[ldap] bind_password_file cannot be read");
	else
		return 0;
	return -1;
}

/* Handle options: protocol 3, no referrals, timeouts, and TLS settings of
 * this handle only (applied by creating its own TLS context). */
static int set_options(LDAP *ld, const struct max_config *cfg)
{
	int v3 = LDAP_VERSION3, req = tls_demand(config_get(cfg, "ldap", "tls_require_cert"));
	struct timeval net = {timeout_of(cfg, "connect_timeout_s"), 0};
	struct timeval op = {timeout_of(cfg, "timeout_s"), 0};
	const char *ca = config_get(cfg, "ldap", "ca_file");
	int zero = 0;
	if (ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3) ||
	    ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) ||
	    ldap_set_option(ld, LDAP_OPT_RESTART, LDAP_OPT_ON) ||
	    ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &net) ||
	    ldap_set_option(ld, LDAP_OPT_TIMEOUT, &op))
		return -1;
	if (req >= 0 && ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &req))
		return -1;
	if (*ca && ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, ca))
		return -1;
	return ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero) ? -1 : 0;
}

static enum ldapc_rc fail(struct ldapc *c, const char *what, int rc)
{
	char *diag = NULL;
	if (c && c->ld)
		ldap_get_option(c->ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
	log_event("-", "ldap: %s: %s%s%s", what, ldap_err2string(rc), diag && *diag ? ": " : "",
		  diag ? diag : "");
	ldap_memfree(diag);
	return map_rc(rc);
}

static enum ldapc_rc simple_bind(struct ldapc *c, const char *dn, const char *password)
{
	struct berval cred = {strlen(password), (char *)password};
	return ldap_sasl_bind_s(c->ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
}

enum ldapc_rc ldapc_open(const struct max_config *cfg, struct ldapc **out)
{
	*out = NULL;
	char err[200], pw[LDAPC_PASSWORD_MAX];
	if (ldapc_config_check(cfg, err, sizeof err) < 0) {
		log_event("-", "ldap: %s", err);
		return LDAPC_ERROR;
	}
	struct ldapc *c = calloc(1, sizeof *c);
	if (!c)
		return LDAPC_ERROR;
	c->timeout_s = timeout_of(cfg, "timeout_s");
	int rc = ldap_initialize(&c->ld, config_get(cfg, "ldap", "url"));
	if (rc != LDAP_SUCCESS || set_options(c->ld, cfg) < 0) {
		enum ldapc_rc r =
			fail(c, "cannot set up the connection", rc ? rc : LDAP_PARAM_ERROR);
		ldapc_close(c);
		return r == LDAPC_OK ? LDAPC_ERROR : r;
	}
	if (config_bool(cfg, "ldap", "starttls") &&
	    (rc = ldap_start_tls_s(c->ld, NULL, NULL)) != LDAP_SUCCESS) {
		enum ldapc_rc r = fail(c, "StartTLS failed", rc);
		ldapc_close(c);
		return r;
	}
	service_password(cfg, pw, sizeof pw);
	const char *dn = config_get(cfg, "ldap", "bind_dn");
	rc = *dn ? simple_bind(c, dn, pw) : simple_bind(c, "", "");
	memset(pw, 0, sizeof pw);
	if (rc != LDAP_SUCCESS) {
		enum ldapc_rc r = fail(c, "service bind failed", rc);
		ldapc_close(c);
		/* a refused service account is a configuration error, not a
		 * wrong user password */
		return r == LDAPC_DENIED ? LDAPC_ERROR : r;
	}
	*out = c;
	return LDAPC_OK;
}

void ldapc_close(struct ldapc *c)
{
	if (!c)
		return;
	if (c->ld)
		ldap_unbind_ext_s(c->ld, NULL, NULL);
	free(c);
}

enum ldapc_rc ldapc_bind(struct ldapc *c, const char *dn, const char *password)
{
	if (!password || !*password || !dn || !*dn)
		return LDAPC_DENIED;
	int rc = simple_bind(c, dn, password);
	if (rc == LDAP_SUCCESS)
		return LDAPC_OK;
	if (rc == LDAP_INVALID_CREDENTIALS)
		return LDAPC_DENIED;
	return fail(c, "bind failed", rc);
}

/* Calls fn on each entry of one result chain; 1 when fn asked to stop, -1
 * on a search reference (a referral: the result is incomplete). */
static int each_entry(struct ldapc *c, LDAPMessage *res, ldapc_entry_fn fn, void *arg)
{
	for (LDAPMessage *m = ldap_first_message(c->ld, res); m; m = ldap_next_message(c->ld, m)) {
		int type = ldap_msgtype(m);
		if (type == LDAP_RES_SEARCH_REFERENCE)
			return -1;
		if (type != LDAP_RES_SEARCH_ENTRY)
			continue;
		char *dn = ldap_get_dn(c->ld, m);
		if (!dn)
			continue;
		struct ldapc_entry e = {c->ld, m, dn};
		int stop = fn(&e, arg);
		ldap_memfree(dn);
		if (stop)
			return 1;
	}
	return 0;
}

/* Reads the paged-results cookie of res into cookie (emptied when the
 * server sent none: the last page). 0, or -1 when the result failed. */
static int result_of(struct ldapc *c, LDAPMessage *res, struct berval *cookie, int *code)
{
	LDAPControl **ctrls = NULL;
	int rc = ldap_parse_result(c->ld, res, code, NULL, NULL, NULL, &ctrls, 0);
	ber_memfree(cookie->bv_val);
	cookie->bv_val = NULL;
	cookie->bv_len = 0;
	if (rc != LDAP_SUCCESS) {
		*code = rc;
		return -1;
	}
	LDAPControl *pc = ctrls ? ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, ctrls, NULL) : NULL;
	if (pc) {
		ber_int_t estimate;
		if (ldap_parse_pageresponse_control(c->ld, pc, &estimate, cookie) != LDAP_SUCCESS)
			*code = LDAP_PROTOCOL_ERROR;
	}
	ldap_controls_free(ctrls);
	return *code == LDAP_SUCCESS ? 0 : -1;
}

/* One page (or the whole result when page_size is 0). */
static int search_page(struct ldapc *c, const char *base, int scope, const char *filter,
		       const char *const *attrs, int page_size, struct berval *cookie,
		       LDAPMessage **res)
{
	LDAPControl *pctrl = NULL, *ctrls[2] = {NULL, NULL};
	if (page_size > 0) {
		int rc = ldap_create_page_control(c->ld, page_size, cookie, 1, &pctrl);
		if (rc != LDAP_SUCCESS)
			return rc;
		ctrls[0] = pctrl;
	}
	struct timeval tv = {c->timeout_s, 0};
	int rc = ldap_search_ext_s(c->ld, base, lscope(scope), filter, (char **)attrs, 0,
				   pctrl ? ctrls : NULL, NULL, &tv, 0, res);
	ldap_control_free(pctrl);
	return rc;
}

enum ldapc_rc ldapc_search(struct ldapc *c, const char *base, int scope, const char *filter,
			   const char *const *attrs, int page_size, ldapc_entry_fn fn, void *arg)
{
	struct berval cookie = {0, NULL};
	enum ldapc_rc out = LDAPC_OK;
	for (;;) {
		LDAPMessage *res = NULL;
		int code, rc = search_page(c, base, scope, filter, attrs, page_size, &cookie, &res);
		if (rc != LDAP_SUCCESS) {
			out = fail(c, "search failed", rc);
			ldap_msgfree(res);
			break;
		}
		int stop = each_entry(c, res, fn, arg);
		if (stop < 0) {
			log_event("-", "ldap: search under %s returned a referral; not followed",
				  base);
			out = LDAPC_ERROR;
		} else if (result_of(c, res, &cookie, &code) < 0) {
			out = fail(c, "search failed", code);
		}
		ldap_msgfree(res);
		if (out != LDAPC_OK || stop || !cookie.bv_len)
			break;
	}
	ber_memfree(cookie.bv_val);
	return out == LDAPC_OK ? LDAPC_OK : out == LDAPC_DENIED ? LDAPC_ERROR : out;
}

const char *ldapc_entry_dn(const struct ldapc_entry *e)
{
	return e->dn;
}

static int bv_string(const struct berval *bv, char *out, size_t n)
{
	if (!bv->bv_len || bv->bv_len >= n || memchr(bv->bv_val, 0, bv->bv_len))
		return -1;
	memcpy(out, bv->bv_val, bv->bv_len);
	out[bv->bv_len] = 0;
	return 0;
}

int ldapc_entry_value(const struct ldapc_entry *e, const char *attr, char *out, size_t n)
{
	struct berval **vals = ldap_get_values_len(e->ld, e->msg, attr);
	int rc = vals && vals[0] ? bv_string(vals[0], out, n) : -1;
	ldap_value_free_len(vals);
	if (rc < 0 && n)
		out[0] = 0;
	return rc;
}

int ldapc_entry_each(const struct ldapc_entry *e, const char *attr,
		     int (*fn)(const char *value, void *arg), void *arg)
{
	struct berval **vals = ldap_get_values_len(e->ld, e->msg, attr);
	int seen = 0;
	for (size_t i = 0; vals && vals[i]; i++) {
		char *v = calloc(1, vals[i]->bv_len + 1);
		if (!v)
			break;
		int ok = bv_string(vals[i], v, vals[i]->bv_len + 1) == 0;
		int stop = ok ? (seen++, fn(v, arg)) : 0;
		free(v);
		if (stop)
			break;
	}
	ldap_value_free_len(vals);
	return seen;
}

int ldapc_dn_first_value(const char *dn, const char *attr, char *out, size_t n)
{
	LDAPDN ldn = NULL;
	if (n)
		out[0] = 0;
	if (ldap_str2dn(dn, &ldn, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS || !ldn || !ldn[0])
		return -1;
	LDAPAVA *ava = ldn[0][0];
	int rc = -1;
	if (ava && !(ava->la_flags & LDAP_AVA_BINARY) && ava->la_attr.bv_len == strlen(attr) &&
	    !strncasecmp(ava->la_attr.bv_val, attr, ava->la_attr.bv_len))
		rc = bv_string(&ava->la_value, out, n);
	ldap_dnfree(ldn);
	return rc;
}
