/*
 * fake_fcm.c — a stand-in for Google's OAuth2 token endpoint and FCM's
 * HTTP v1 send endpoint, for max-bridge's end-to-end test (the test
 * machine has no outbound network, and must not talk to Google anyway).
 *
 *   fake_fcm PUBLIC_KEY.pem LOG PORT_FILE
 *
 * Listens on a free loopback port (written to PORT_FILE) and serves, one
 * connection at a time, until killed:
 *   POST /token  a jwt-bearer grant whose assertion must be an RS256 JWT
 *                signed by the key pair of PUBLIC_KEY.pem, with the FCM
 *                scope, this endpoint as audience and a valid lifetime;
 *                answers a fresh access token;
 *   POST /v1/projects/<p>/messages:send  with a token it issued and a
 *                body {"message":{"token","notification":{title,body},
 *                "data":{string values}}}.
 *   POST /iid/v1:batchImport  Instance ID's APNs token import, with a
 *                token it issued, the header "access_token_auth: true"
 *                and a body {"application","sandbox","apns_tokens":[1..100
 *                hex strings]}; each token becomes "<first 8>:APA91b<token>"
 *                (FCM form), except tokens starting "bad", which fail.
 * Every request is appended to LOG as one JSON line {"path","ok","why"
 * or "body"} for the test to read.
 */
#include <json-c/json.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SCOPE "https://www.googleapis.com/auth/firebase.messaging"
#define REQ_MAX (1 << 20)
#define ANSWER_MAX (64 * 1024)

static EVP_PKEY *pub;
static FILE *log_file;
static int port, issued;
static char access_token[64];

struct req {
	char method[8], path[256], auth[256];
	int token_auth; /* "access_token_auth: true" was sent */
	char *body;
	size_t len;
};

static void record(const char *path, int ok, const char *why, json_object *body)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "path", json_object_new_string(path));
	json_object_object_add(o, "ok", json_object_new_boolean(ok));
	if (why)
		json_object_object_add(o, "why", json_object_new_string(why));
	if (body)
		json_object_object_add(o, "body", json_object_get(body));
	fprintf(log_file, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	fflush(log_file);
	json_object_put(o);
}

/* ---- the JWT ----------------------------------------------------------------- */

static unsigned char *unb64url(const char *s, size_t n, size_t *out_len)
{
	char *t = malloc(n + 4);
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		t[m++] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
	while (m % 4)
		t[m++] = '=';
	unsigned char *out = malloc(m);
	int len = EVP_DecodeBlock(out, (unsigned char *)t, (int)m);
	free(t);
	if (len < 0) {
		free(out);
		return NULL;
	}
	len -= (int)(m - n); /* the padding decodes as zero bytes */
	*out_len = (size_t)len;
	return out;
}

static json_object *part_json(const char *s, size_t n)
{
	size_t len;
	unsigned char *d = unb64url(s, n, &len);
	char *text = d ? strndup((char *)d, len) : NULL;
	json_object *o = text ? json_tokener_parse(text) : NULL;
	free(text);
	free(d);
	return o;
}

static const char *str(json_object *o, const char *k)
{
	json_object *v;
	return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : NULL;
}

static long num(json_object *o, const char *k)
{
	json_object *v;
	return json_object_object_get_ex(o, k, &v) ? (long)json_object_get_int64(v) : 0;
}

static const char *check_jwt(const char *jwt)
{
	const char *d1 = strchr(jwt, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
	if (!d2)
		return "not a JWT";
	json_object *h = part_json(jwt, (size_t)(d1 - jwt)),
		    *c = part_json(d1 + 1, (size_t)(d2 - d1 - 1));
	size_t slen;
	unsigned char *sig = unb64url(d2 + 1, strlen(d2 + 1), &slen);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int good = sig && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pub) == 1 &&
		   EVP_DigestVerify(md, sig, slen, (const unsigned char *)jwt,
				    (size_t)(d2 - jwt)) == 1;
	EVP_MD_CTX_free(md);
	free(sig);
	char aud[64];
	snprintf(aud, sizeof aud, "http://127.0.0.1:%d/token", port);
	long now = (long)time(NULL);
	const char *why = NULL;
	if (!h || !c || !str(h, "alg") || strcmp(str(h, "alg"), "RS256"))
		why = "header alg is not RS256";
	else if (!good)
		why = "bad signature";
	else if (!str(c, "iss") || !*str(c, "iss"))
		why = "no iss";
	else if (!str(c, "scope") || strcmp(str(c, "scope"), SCOPE))
		why = "wrong scope";
	else if (!str(c, "aud") || strcmp(str(c, "aud"), aud))
		why = "wrong aud";
	else if (num(c, "iat") > now + 60 || num(c, "exp") <= now ||
		 num(c, "exp") - num(c, "iat") > 3600)
		why = "bad lifetime";
	json_object_put(h);
	json_object_put(c);
	return why;
}

/* ---- the endpoints -------------------------------------------------------- */

static char *form_value(const char *body, const char *key)
{
	size_t k = strlen(key);
	for (const char *p = body; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL)
		if (!strncmp(p, key, k) && p[k] == '=')
			return strndup(p + k + 1, strcspn(p + k + 1, "&"));
	return NULL;
}

static int token(struct req *r, char *answer, size_t n)
{
	char *grant = form_value(r->body, "grant_type"), *jwt = form_value(r->body, "assertion");
	const char *why =
		!grant || strcmp(grant, "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer")
			? "wrong grant_type"
		: !jwt ? "no assertion"
		       : check_jwt(jwt);
	free(grant);
	free(jwt);
	record(r->path, !why, why, NULL);
	if (why) {
		snprintf(answer, n, "{\"error\":\"invalid_grant\"}");
		return 400;
	}
	snprintf(access_token, sizeof access_token, "fake-access-%d", ++issued);
	snprintf(answer, n,
		 "{\"access_token\":\"%s\",\"expires_in\":3600,\"token_type\":\"Bearer\"}",
		 access_token);
	return 200;
}

static const char *check_message(json_object *b)
{
	json_object *m, *note, *data;
	if (!json_object_object_get_ex(b, "message", &m) || !str(m, "token"))
		return "no message.token";
	if (!json_object_object_get_ex(m, "notification", &note) || !str(note, "title") ||
	    !str(note, "body"))
		return "no notification title and body";
	if (!json_object_object_get_ex(m, "data", &data) ||
	    !json_object_is_type(data, json_type_object))
		return "no data";
	json_object_object_foreach(data, k, v)
	{
		(void)k;
		if (!json_object_is_type(v, json_type_string))
			return "a data value is not a string";
	}
	return NULL;
}

static int send_msg(struct req *r, char *answer, size_t n)
{
	char want[128];
	snprintf(want, sizeof want, "Bearer %s", access_token);
	json_object *b = json_tokener_parse(r->body);
	const char *why = !*access_token || strcmp(r->auth, want) ? "not authorised"
			  : !b                                    ? "body is not JSON"
								  : check_message(b);
	record(r->path, !why, why, b);
	json_object_put(b);
	if (why)
		snprintf(answer, n, "{\"error\":{\"code\":400,\"message\":\"%s\"}}", why);
	else
		snprintf(answer, n, "{\"name\":\"projects/p/messages/%d\"}", issued);
	return why ? (strcmp(why, "not authorised") ? 400 : 401) : 200;
}

static const char *check_import(json_object *b)
{
	json_object *app, *sandbox, *tokens;
	if (!json_object_object_get_ex(b, "application", &app) ||
	    !json_object_is_type(app, json_type_string) || !*json_object_get_string(app))
		return "no application";
	if (!json_object_object_get_ex(b, "sandbox", &sandbox) ||
	    !json_object_is_type(sandbox, json_type_boolean))
		return "sandbox is not a boolean";
	if (!json_object_object_get_ex(b, "apns_tokens", &tokens) ||
	    !json_object_is_type(tokens, json_type_array) || json_object_array_length(tokens) < 1 ||
	    json_object_array_length(tokens) > 100)
		return "apns_tokens is not an array of 1 to 100 tokens";
	for (size_t i = 0; i < json_object_array_length(tokens); i++) {
		json_object *t = json_object_array_get_idx(tokens, i);
		const char *s = json_object_get_string(t);
		if (!json_object_is_type(t, json_type_string) || !*s ||
		    s[strspn(s, "0123456789abcdefABCDEF")])
			return "an APNs token is not hex";
	}
	return NULL;
}

/* {"results":[…]} for the valid request b: one result per token. */
static void import_results(json_object *b, char *answer, size_t n)
{
	json_object *tokens = json_object_object_get(b, "apns_tokens");
	json_object *res = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(tokens); i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(tokens, i));
		json_object *r = json_object_new_object();
		json_object_object_add(r, "apns_token", json_object_new_string(s));
		int bad = !strncmp(s, "bad", 3);
		json_object_object_add(r, "status",
				       json_object_new_string(bad ? "Internal Server Error"
								  : "OK"));
		if (!bad) {
			char reg[300];
			snprintf(reg, sizeof reg, "%.8s:APA91b%.200s", s, s);
			json_object_object_add(r, "registration_token",
					       json_object_new_string(reg));
		}
		json_object_array_add(res, r);
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "results", res);
	snprintf(answer, n, "%s", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}

static int batch_import(struct req *r, char *answer, size_t n)
{
	char want[128];
	snprintf(want, sizeof want, "Bearer %s", access_token);
	json_object *b = json_tokener_parse(r->body);
	int unauth = !*access_token || strcmp(r->auth, want) || !r->token_auth;
	const char *why = !*access_token || strcmp(r->auth, want) ? "not authorised"
			  : !r->token_auth ? "no access_token_auth: true header"
			  : !b             ? "body is not JSON"
					   : check_import(b);
	record(r->path, !why, why, b);
	if (why)
		snprintf(answer, n, "{\"error\":\"%s\"}", why);
	else
		import_results(b, answer, n);
	json_object_put(b);
	return !why ? 200 : unauth ? 401 : 400;
}

/* ---- HTTP/1.1 ------------------------------------------------------------------- */

static int read_req(int fd, struct req *r, char *buf)
{
	size_t have = 0;
	char *end = NULL;
	while (!(end = strstr(buf, "\r\n\r\n"))) {
		ssize_t k = read(fd, buf + have, REQ_MAX - 1 - have);
		if (k <= 0)
			return -1;
		have += (size_t)k;
		buf[have] = 0;
	}
	*end = 0;
	sscanf(buf, "%7s %255s", r->method, r->path);
	size_t len = 0;
	for (char *l = strstr(buf, "\r\n"); l; l = strstr(l + 2, "\r\n")) {
		if (!strncasecmp(l + 2, "Content-Length:", 15))
			len = strtoul(l + 17, NULL, 10);
		if (!strncasecmp(l + 2, "access_token_auth: true\r", 24))
			r->token_auth = 1;
		if (!strncasecmp(l + 2, "Authorization: ", 15))
			snprintf(r->auth, sizeof r->auth, "%.*s", (int)strcspn(l + 17, "\r"),
				 l + 17);
	}
	r->body = end + 4;
	if ((size_t)(r->body - buf) + len >= REQ_MAX - 1)
		return -1;
	size_t got = have - (size_t)(r->body - buf);
	while (got < len) {
		ssize_t k = read(fd, r->body + got, len - got);
		if (k <= 0)
			return -1;
		got += (size_t)k;
	}
	r->body[len] = 0;
	r->len = len;
	return 0;
}

static void serve(int fd, char *buf)
{
	struct req r;
	memset(&r, 0, sizeof r);
	memset(buf, 0, 16);
	if (read_req(fd, &r, buf) < 0)
		return;
	static char answer[ANSWER_MAX];
	int status = 404;
	snprintf(answer, sizeof answer, "{}");
	if (!strcmp(r.method, "POST") && !strcmp(r.path, "/token"))
		status = token(&r, answer, sizeof answer);
	else if (!strcmp(r.method, "POST") && !strncmp(r.path, "/v1/projects/", 13) &&
		 strstr(r.path, "/messages:send"))
		status = send_msg(&r, answer, sizeof answer);
	else if (!strcmp(r.method, "POST") && !strcmp(r.path, "/iid/v1:batchImport"))
		status = batch_import(&r, answer, sizeof answer);
	char head[256];
	int n = snprintf(head, sizeof head,
			 "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: "
			 "%zu\r\n"
			 "Connection: close\r\n\r\n",
			 status, strlen(answer));
	if (write(fd, head, (size_t)n) < 0 || write(fd, answer, strlen(answer)) < 0)
		return;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: fake_fcm PUBLIC_KEY.pem LOG PORT_FILE\n");
		return 2;
	}
	FILE *k = fopen(argv[1], "r");
	pub = k ? PEM_read_PUBKEY(k, NULL, NULL, NULL) : NULL;
	log_file = fopen(argv[2], "a");
	if (!pub || !log_file) {
		fprintf(stderr, "fake_fcm: cannot read %s or open %s\n", argv[1], argv[2]);
		return 1;
	}
	fclose(k);
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof a;
	if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 16) < 0 ||
	    getsockname(s, (struct sockaddr *)&a, &al) < 0)
		return 1;
	port = ntohs(a.sin_port);
	FILE *pf = fopen(argv[3], "w");
	if (!pf)
		return 1;
	fprintf(pf, "%d\n", port);
	fclose(pf);
	char *buf = malloc(REQ_MAX);
	for (;;) {
		int fd = accept(s, NULL, NULL);
		if (fd < 0)
			continue;
		serve(fd, buf);
		close(fd);
	}
}
