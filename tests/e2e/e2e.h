/*
 * e2e.h — the end-to-end harness: CUnit suites that talk HTTP (libcurl) to
 * the real lighttpd + max.fcgi + osiris.fcgi started by scripts/e2e.sh.
 *
 * Each tests/e2e/test_*.c file defines its suite with
 * E2E_SUITE(name, init, cleanup) { E2E_TEST(s, fn); … } (as tests/unit/unit.h
 * does for unit tests); main.c runs them all (or the one named on the
 * command line). The server is found through the environment that e2e.sh
 * exports: MAX_TEST_URL, MAX_TEST_INI, MAX_TEST_BUILD (for maxctl) and
 * MAX_TEST_VAR. Every suite shares one database, so each uses user names of
 * its own. Strings returned by the helpers live until the program exits.
 */
#ifndef MAX_E2E_H
#define MAX_E2E_H

#include <CUnit/CUnit.h>
#include <json-c/json.h>
#include <stddef.h>

typedef void (*e2e_suite_fn)(CU_pSuite s);
void e2e_register(const char *name, CU_InitializeFunc init, CU_CleanupFunc cleanup,
		  e2e_suite_fn add_tests);

#define E2E_SUITE(name, init, cleanup)                                                             \
	static void name##_tests(CU_pSuite s);                                                     \
	__attribute__((constructor)) static void name##_register(void)                             \
	{                                                                                          \
		e2e_register(#name, init, cleanup, name##_tests);                                  \
	}                                                                                          \
	static void name##_tests(CU_pSuite s)

#define E2E_TEST(s, fn) CU_add_test(s, #fn, fn)

/* ---- HTTP ---------------------------------------------------------------- */

struct e2e_hdr {
	char *name;
	char *value;
};

struct e2e_resp {
	long status; /* 0 when the request could not be sent */
	char *body;  /* NUL-terminated, "" when empty */
	size_t body_len;
	json_object *json; /* the body parsed as JSON, NULL when it is not */
	char *headers;     /* raw response header block */
	struct e2e_hdr *hdrs;
	size_t nhdrs;
	char what[160]; /* "METHOD path", for failure messages */
};

/* Sends METHOD path (path may carry a query string) with body (NULL: none;
 * a JSON text gets Content-Type: application/json unless an extra header
 * sets another). user != NULL adds X-Oauth-Token / X-Oauth-Username /
 * X-Oauth-Scope: widgetcli with a token from `maxctl token user` (obtained
 * once per user). The extra arguments are "Name: value" header lines, e.g.
 *   e2e_request("PUT", "/people/bob", "bob", "{}", "X-Max-Compat-ID: x")
 * HEAD is sent as a real HEAD (CURLOPT_NOBODY). Free with e2e_free(). */
#define e2e_request(method, path, user, ...)                                                       \
	e2e_request_(method, path, user, __VA_ARGS__, (const char *)NULL)
struct e2e_resp *e2e_request_(const char *method, const char *path, const char *user,
			      const char *body, ...);
/* The general form: body of body_len bytes (may be invalid UTF-8), headers
 * a NULL-terminated array (or NULL). */
struct e2e_resp *e2e_request_raw(const char *method, const char *path, const char *user,
				 const char *body, size_t body_len, const char *const *headers);
/* POST path as user: multipart/form-data with the json_data field and a
 * "file" part (filename, Content-Type, len bytes of data). */
struct e2e_resp *e2e_upload(const char *path, const char *user, const char *json,
			    const char *filename, const char *type, const void *data, size_t len);
void e2e_free(struct e2e_resp *r);
/* Sends a request whose body is of no further interest and checks its
 * status (a test failure otherwise); returns 1 when it matched:
 *   E2E_SEND(204, "DELETE", "/people/bob", manager, NULL); */
#define E2E_SEND(status, method, path, user, ...)                                                  \
	e2e_send_(status, __FILE__, __LINE__, __func__, method, path, user, __VA_ARGS__,           \
		  (const char *)NULL)
int e2e_send_(long status, const char *file, int line, const char *func, const char *method,
	      const char *path, const char *user, const char *body, ...);

/* Value of a response header (case-insensitive name; the last one wins),
 * or NULL. */
const char *e2e_header(const struct e2e_resp *r, const char *name);

/* Requests sent at once, each on a connection of its own (so that they
 * reach the server together). */
struct e2e_shot {
	const char *method, *path, *body; /* body NULL: none */
	long status;                      /* filled in; 0 when not sent */
	char *answer;                     /* the body, filled in (free it) */
	size_t len;
};
/* Sends the n shots with the headers ("Name: value", NULL-terminated, no
 * credentials added) and waits for all of them. */
void e2e_at_once(struct e2e_shot *s, int n, const char *const *headers);

/* ---- assertions that say what went wrong --------------------------------- */

/* Status, and (when not NULL) the JSON error name and exact description. */
#define E2E_EXPECT(r, status, error, description)                                                  \
	e2e_expect_(r, status, error, description, __FILE__, __LINE__, __func__)
#define E2E_STATUS(r, status) E2E_EXPECT(r, status, NULL, NULL)
int e2e_expect_(const struct e2e_resp *r, long status, const char *error, const char *description,
		const char *file, int line, const char *func);

/* String equality where either side may be NULL (NULL == NULL). */
#define E2E_STR_EQ(actual, expected)                                                               \
	e2e_str_eq_(actual, expected, #actual, __FILE__, __LINE__, __func__)
int e2e_str_eq_(const char *actual, const char *expected, const char *expr, const char *file,
		int line, const char *func);
#define E2E_INT_EQ(actual, expected)                                                               \
	e2e_int_eq_((long long)(actual), (long long)(expected), #actual, __FILE__, __LINE__,       \
		    __func__)
int e2e_int_eq_(long long actual, long long expected, const char *expr, const char *file, int line,
		const char *func);

/* ---- JSON ---------------------------------------------------------------- */

/* Member of an object (NULL when o is not an object or lacks key). */
json_object *e2e_get(json_object *o, const char *key);
/* String member, or NULL when absent or not a string. */
const char *e2e_str(json_object *o, const char *key);
/* Boolean member: 1 true, 0 false, -1 absent or not a boolean. */
int e2e_bool(json_object *o, const char *key);
/* Sorted, comma-separated member names of an object ("" for {}, NULL when
 * o is not an object): for exact field-set checks. */
const char *e2e_keys(json_object *o);
/* Length of an array, -1 when o is not an array. */
int e2e_len(json_object *o);
/* The usernames ("username" members) of an array of objects, comma-joined
 * in array order. */
const char *e2e_usernames(json_object *arr);
/* 1 when s is n lower-case hex digits. */
int e2e_is_hex(const char *s, size_t n);
/* 1 when s is "YYYY-MM-DDTHH:MM:SSZ". */
int e2e_is_date(const char *s);

/* ---- the server's environment -------------------------------------------- */

const char *e2e_url(void); /* MAX_TEST_URL */
/* printf into a string that lives until exit. */
const char *e2e_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Percent-encodes s for a query string or a path segment. */
const char *e2e_escape(const char *s);

/* Token for user (any name; MAX need not know the person), cached. */
const char *e2e_token(const char *user);
/* Forgets the cached token of user (after revoking it). */
void e2e_forget_token(const char *user);
/* Runs `$MAX_TEST_BUILD/maxctl -c $MAX_TEST_INI args…` (NULL-terminated),
 * feeding input (may be NULL) on stdin; *out (when out != NULL) gets stdout.
 * Returns the exit status (or -1). */
#define e2e_maxctl(out, input, ...) e2e_maxctl_(out, input, __VA_ARGS__, (const char *)NULL)
int e2e_maxctl_(char **out, const char *input, ...);
/* maxctl grant/revoke USER ROLE and passwd USER (password on stdin); a
 * failure is a test failure. Return 1 on success. */
int e2e_grant(const char *user, const char *role);
int e2e_revoke_role(const char *user, const char *role);
int e2e_passwd(const char *user, const char *password);

/* Name of a Manager that also exists as a person (created on first use). */
const char *e2e_manager(void);
/* Creates the person as the Manager (201, or 200 when already there);
 * display may be NULL. Returns 1 on success. */
int e2e_person(const char *username, const char *display);

/* ---- the database, for "nothing changed" checks --------------------------- */

/* First column of the first row of a query on the test database opened
 * read-only; -1 (and a test failure) on error, 0 when there is no row. */
long long e2e_db_scalar(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Same, as text (NULL for SQL NULL or no row). */
const char *e2e_db_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Runs SQL read-write (fixtures the API cannot create, e.g. an exception
 * report). Returns 0 on success. */
int e2e_db_exec(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Frees everything the harness holds (main.c calls it at exit). */
void e2e_harness_cleanup(void);

#endif
