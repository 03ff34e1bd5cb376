/*
 * fcm.c — see fcm.h. libcurl does the HTTP (HTTP/2 over TLS when the
 * server offers it), libcrypto the RS256 signature. Nothing secret is
 * logged: not the key, not the access token, not a device token.
 */
#include "fcm.h"
#include "util/buf.h"
#include "util/jsonx.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FCM_SCOPE "https://www.googleapis.com/auth/firebase.messaging"
#define FCM_TOKEN_LIFE 3600
#define FCM_ANSWER_MAX (64 * 1024)

struct fcm {
	EVP_PKEY *key;
	char *email, *key_id, *token_uri, *send_url;
	char access[2048]; /* the current access token, "" when none */
	long access_until; /* renew after this time */
	long timeout_s;
};

/* ---- base64url and the JWT --------------------------------------------------- */

static char *b64url(const unsigned char *in, size_t n)
{
	char *out = xmalloc(4 * ((n + 2) / 3) + 1);
	int len = EVP_EncodeBlock((unsigned char *)out, in, (int)n);
	while (len > 0 && out[len - 1] == '=')
		len--;
	out[len] = 0;
	for (char *p = out; *p; p++)
		*p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
	return out;
}

static char *b64url_json(json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	return b64url((const unsigned char *)s, strlen(s));
}

static char *sign(EVP_PKEY *key, const char *data)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char sig[1024];
	size_t n = sizeof sig;
	int ok = md && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
		 EVP_DigestSign(md, sig, &n, (const unsigned char *)data, strlen(data)) == 1;
	EVP_MD_CTX_free(md);
	return ok ? b64url(sig, n) : NULL;
}

char *fcm_assertion(struct fcm *f, long now)
{
	json_object *h = json_object_new_object(), *c = json_object_new_object();
	jx_set_str(h, "alg", "RS256");
	jx_set_str(h, "typ", "JWT");
	if (*f->key_id)
		jx_set_str(h, "kid", f->key_id);
	jx_set_str(c, "iss", f->email);
	jx_set_str(c, "scope", FCM_SCOPE);
	jx_set_str(c, "aud", f->token_uri);
	jx_set_int(c, "iat", now);
	jx_set_int(c, "exp", now + FCM_TOKEN_LIFE);
	char *hh = b64url_json(h), *cc = b64url_json(c);
	json_object_put(h);
	json_object_put(c);
	size_t n = strlen(hh) + strlen(cc) + 2;
	char *signing = xmalloc(n);
	snprintf(signing, n, "%s.%s", hh, cc);
	free(hh);
	free(cc);
	char *sig = sign(f->key, signing);
	char *jwt = NULL;
	if (sig) {
		n = strlen(signing) + strlen(sig) + 2;
		jwt = xmalloc(n);
		snprintf(jwt, n, "%s.%s", signing, sig);
	}
	free(signing);
	free(sig);
	return jwt;
}

/* ---- HTTP ------------------------------------------------------------------ */

static size_t collect(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;
	if (b->len + size * n > FCM_ANSWER_MAX)
		return 0;
	buf_add(b, p, size * n);
	return size * n;
}

/* POSTs body; the status (0 when no answer), the answer in out. */
static long post(struct fcm *f, const char *url, struct curl_slist *headers, const char *body,
		 struct buf *out, char *why, size_t whylen)
{
	CURL *h = curl_easy_init();
	if (!h) {
		snprintf(why, whylen, "libcurl unavailable");
		return 0;
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, f->timeout_s);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
	long status = 0;
	CURLcode rc = curl_easy_perform(h);
	if (rc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	else
		snprintf(why, whylen, "%s", curl_easy_strerror(rc));
	curl_easy_cleanup(h);
	return status;
}

/* A fresh access token unless the current one is still good. */
static int authorise(struct fcm *f, char *why, size_t whylen)
{
	long now = (long)time(NULL);
	if (*f->access && now < f->access_until)
		return 0;
	char *jwt = fcm_assertion(f, now);
	if (!jwt) {
		snprintf(why, whylen, "cannot sign the token request");
		return -1;
	}
	struct buf bb;
	buf_init(&bb);
	buf_printf(&bb,
		   "grant_type=urn%%3Aietf%%3Aparams%%3Aoauth%%3Agrant-type%%3Ajwt-bearer"
		   "&assertion=%s",
		   jwt); /* base64url needs no escaping */
	char *body = buf_steal(&bb);
	free(jwt);
	struct curl_slist *hd =
		curl_slist_append(NULL, "Content-Type: application/x-www-form-urlencoded");
	struct buf out;
	buf_init(&out);
	long st = post(f, f->token_uri, hd, body, &out, why, whylen);
	curl_slist_free_all(hd);
	free(body);
	json_object *o = st == 200 && out.data ? jx_parse(out.data, out.len) : NULL;
	const char *tok = jx_str(o, "access_token");
	json_object *exp = json_object_object_get(o, "expires_in");
	int rc = -1;
	if (tok && *tok && strlen(tok) < sizeof f->access) {
		snprintf(f->access, sizeof f->access, "%s", tok);
		long life = exp ? (long)json_object_get_int64(exp) : FCM_TOKEN_LIFE;
		f->access_until = now + (life > 120 ? life - 60 : life / 2);
		rc = 0;
	} else if (st) {
		snprintf(why, whylen, "the token endpoint answered %ld", st);
	}
	json_object_put(o);
	buf_free(&out);
	return rc;
}

/* POSTs a JSON body to url with the access token (and extra, a header or
 * NULL); the status (0 when no answer), the answer in out. */
static long authed_post(struct fcm *f, const char *url, const char *body, const char *extra,
			struct buf *out, char *why, size_t whylen)
{
	if (authorise(f, why, whylen) < 0)
		return 0;
	char auth[2100];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", f->access);
	struct curl_slist *hd = curl_slist_append(NULL, "Content-Type: application/json");
	hd = curl_slist_append(hd, auth);
	if (extra)
		hd = curl_slist_append(hd, extra);
	long st = post(f, url, hd, body, out, why, whylen);
	curl_slist_free_all(hd);
	if (st == 401)
		f->access[0] = 0; /* revoked or expired early: a new one next time */
	return st;
}

/* why = "<who> answered <status>[: <message>]"; Google's errors are
 * {"error":{"message"}} (FCM) or {"error":"<name>"} (Instance ID). */
static void answer_error(const char *who, long st, struct buf *out, char *why, size_t whylen)
{
	json_object *o = out->data ? jx_parse(out->data, out->len) : NULL;
	json_object *e = json_object_object_get(o, "error");
	const char *msg = json_object_is_type(e, json_type_object)   ? jx_str(e, "message")
			  : json_object_is_type(e, json_type_string) ? json_object_get_string(e)
								     : NULL;
	snprintf(why, whylen, "%s answered %ld%s%.200s", who, st, msg ? ": " : "", msg ? msg : "");
	json_object_put(o);
}

int fcm_send(struct fcm *f, json_object *message, char *why, size_t whylen)
{
	struct buf out;
	buf_init(&out);
	long st = authed_post(f, f->send_url, jx_text(message), NULL, &out, why, whylen);
	if (st && st != 200)
		answer_error("FCM", st, &out, why, whylen);
	buf_free(&out);
	return st == 200 ? 0 : -1;
}

json_object *fcm_iid_post(struct fcm *f, const char *url, json_object *body, char *why,
			  size_t whylen)
{
	struct buf out;
	buf_init(&out);
	/* Instance ID takes the OAuth2 token only when told so */
	long st = authed_post(f, url, jx_text(body), "access_token_auth: true", &out, why, whylen);
	json_object *o = st == 200 && out.data ? jx_parse(out.data, out.len) : NULL;
	if (st && st != 200)
		answer_error("IID", st, &out, why, whylen);
	else if (st == 200 && !o)
		snprintf(why, whylen, "IID answered 200 without JSON");
	buf_free(&out);
	return o;
}

/* ---- the service account ----------------------------------------------------- */

static char *dup_field(json_object *o, const char *key)
{
	const char *s = jx_str(o, key);
	return xstrdup(s ? s : "");
}

static EVP_PKEY *read_key(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	return k;
}

struct fcm *fcm_open(const char *service_account, const char *fcm_url, long timeout_s, char *err,
		     size_t errlen)
{
	json_object *sa = json_object_from_file(service_account);
	const char *project = jx_str(sa, "project_id"), *pem = jx_str(sa, "private_key");
	if (!project || !pem || !jx_str(sa, "client_email") || !jx_str(sa, "token_uri")) {
		snprintf(err, errlen,
			 "%s: not a service-account file (project_id, client_email, "
			 "private_key, token_uri)",
			 service_account);
		json_object_put(sa);
		return NULL;
	}
	struct fcm *f = calloc(1, sizeof *f);
	f->key = read_key(pem);
	f->email = dup_field(sa, "client_email");
	f->key_id = dup_field(sa, "private_key_id");
	f->token_uri = dup_field(sa, "token_uri");
	size_t n = strlen(fcm_url) + strlen(project) + 40;
	f->send_url = xmalloc(n);
	snprintf(f->send_url, n, "%s/v1/projects/%s/messages:send", fcm_url, project);
	f->timeout_s = timeout_s > 0 ? timeout_s : 10;
	json_object_put(sa);
	if (!f->key) {
		snprintf(err, errlen, "%s: private_key is not a PEM private key", service_account);
		fcm_close(f);
		return NULL;
	}
	return f;
}

void fcm_close(struct fcm *f)
{
	if (!f)
		return;
	EVP_PKEY_free(f->key);
	free(f->email);
	free(f->key_id);
	free(f->token_uri);
	free(f->send_url);
	free(f);
}
