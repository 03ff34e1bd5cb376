/*
 * test_uploads.c — uploads against workers in a known state: a file (not
 * an image) posted to a freshly started worker, one that has never loaded
 * libgd, as a post and as a message, multipart and base64 JSON, is stored
 * and reads back byte for byte (a worker used to crash on it unless it had
 * processed an image before); none of those files is an orphan for
 * media_orphans (what `maxctl check` reports). Users are "up.*".
 */
#include "e2e.h"
#include "model/media.h"
#include "workers.h"

#include <stdio.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ALICE "up.alice"
#define BOB "up.bob"

static int init(void)
{
	return e2e_person(ALICE, "Alice") && e2e_person(BOB, "Bob") ? 0 : -1;
}

/* the objects this suite stored files for */
static const char *stored[8];
static int nstored;

static const char *id_of(const struct e2e_resp *r)
{
	const char *id = e2e_str(r->json, "id");
	id = e2e_fmt("%s", id ? id : "");
	if (nstored < 8)
		stored[nstored++] = id;
	return id;
}

/* GET url as user gives back exactly data. */
static void downloads(const char *url, const char *user, const void *data, size_t len)
{
	struct e2e_resp *r = e2e_request("GET", url, user, NULL);
	E2E_STATUS(r, 200);
	E2E_INT_EQ(r->body_len, len);
	CU_ASSERT(r->body_len == len && !memcmp(r->body, data, len));
	e2e_free(r);
}

static const char *new_conversation(void)
{
	struct e2e_resp *r =
		e2e_request("POST", "/conversations", ALICE,
			    "{\"contexts\":[{\"objectType\":\"conversation\",\"participants\":["
			    "\"" ALICE "\",\"" BOB
			    "\"]}],\"object\":{\"objectType\":\"note\",\"content\":\"hi\"}}");
	E2E_STATUS(r, 201);
	const char *cid = e2e_str(json_object_array_get_idx(e2e_get(r->json, "contexts"), 0), "id");
	cid = e2e_fmt("%s", cid ? cid : "");
	e2e_free(r);
	return cid;
}

/* The base64 JSON variant's body for a file object (distinct contents:
 * a repeated post would be answered as a duplicate). */
static const char *b64_file(const char *content, const char *base64)
{
	return e2e_fmt("{\"data\":{\"json_data\":\"{\\\"object\\\":{\\\"objectType\\\":"
		       "\\\"file\\\","
		       "\\\"filename\\\":\\\"hello.txt\\\",\\\"content\\\":\\\"%s\\\"}}\","
		       "\"file\":\"%s\"}}",
		       content, base64);
}

static void test_file_on_cold_workers(void)
{
	int seq = 0;
	const char *cid = new_conversation();
	if (!e2e_fresh_workers()) {
		CU_ASSERT(getenv("MAX_TEST_LIGHTTPD_PID") == NULL); /* only skipped without it */
		return;
	}
	static const char data[] = "plain bytes, no image\n";
	const size_t n = sizeof data - 1;
	/* a post, multipart */
	struct e2e_resp *r = e2e_upload("/people/" ALICE "/activities", ALICE,
					"{\"object\":{\"objectType\":\"file\"}}", "notes.txt",
					"text/plain", data, n);
	E2E_STATUS(r, 201);
	downloads(e2e_fmt("/activities/%s/file/download", id_of(r)), BOB, data, n);
	e2e_free(r);
	/* a post, base64 JSON ("hello, world!") */
	r = e2e_request("POST", "/people/" ALICE "/activities", ALICE,
			b64_file(e2e_fmt("b64 %d", ++seq), "aGVsbG8sIHdvcmxkIQ=="));
	E2E_STATUS(r, 201);
	downloads(e2e_fmt("/activities/%s/file/download", id_of(r)), ALICE, "hello, world!", 13);
	e2e_free(r);
	/* a message, multipart */
	r = e2e_upload(e2e_fmt("/conversations/%s/messages", cid), BOB,
		       e2e_fmt("{\"object\":{\"objectType\":\"file\",\"content\":\"mp %d\"}}",
			       ++seq),
		       "notes.txt", "text/plain", data, n);
	E2E_STATUS(r, 201);
	downloads(e2e_fmt("/messages/%s/file/download", id_of(r)), ALICE, data, n);
	e2e_free(r);
	/* a message, base64 JSON */
	r = e2e_request("POST", e2e_fmt("/conversations/%s/messages", cid), ALICE,
			b64_file(e2e_fmt("b64 %d", ++seq), "aGVsbG8sIHdvcmxkIQ=="));
	E2E_STATUS(r, 201);
	downloads(e2e_fmt("/messages/%s/file/download", id_of(r)), BOB, "hello, world!", 13);
	e2e_free(r);
	/* a new conversation that starts with a file, on a cold worker too */
	CU_ASSERT_FATAL(e2e_fresh_workers());
	r = e2e_upload("/conversations", ALICE,
		       "{\"contexts\":[{\"objectType\":\"conversation\",\"participants\":[\"" ALICE
		       "\",\"" BOB "\"]}],\"object\":{\"objectType\":\"file\"}}",
		       "notes.txt", "text/plain", data, n);
	E2E_STATUS(r, 201);
	downloads(e2e_fmt("/messages/%s/file/download", id_of(r)), BOB, data, n);
	e2e_free(r);
}

/* Counts orphans of this suite's objects; shows the others (files other
 * families leave behind when they delete rows). */
static void orphan(const char *path, void *arg)
{
	char id[32] = "";
	const char *p = path + strlen(path);
	for (int slashes = 0; p > path && slashes < 7; p--)
		slashes += p[-1] == '/';
	/* …/aa/bb/cc/dd/ee/ff/rest → the 24-hex id */
	for (size_t k = 0; *p && k < 24; p++)
		if (*p != '/')
			id[k++] = *p;
	for (int i = 0; i < nstored; i++)
		if (!strcmp(stored[i], id))
			++*(int *)arg;
	fprintf(stderr, "note: orphan file %s\n", path);
}

static void test_no_orphan_files(void)
{
	const char *var = getenv("MAX_TEST_VAR");
	if (!var)
		return;
	static struct store st;
	char err[256];
	CU_ASSERT_EQUAL_FATAL(store_open(&st, e2e_fmt("%s/max.db", var), 2000, err, sizeof err), 0);
	int mine = 0;
	/* the uploads above ran unless the server cannot give fresh workers */
	CU_ASSERT(nstored > 0 || getenv("MAX_TEST_LIGHTTPD_PID") == NULL);
	CU_ASSERT(media_orphans(e2e_fmt("%s/files", var), &st, orphan, &mine) >= 0);
	E2E_INT_EQ(mine, 0);
	store_close(&st);
}

/* Does the stored file of object id exist? */
static int file_exists(const char *id)
{
	char path[4096];
	const char *var = getenv("MAX_TEST_VAR");
	CU_ASSERT_PTR_NOT_NULL_FATAL(var);
	CU_ASSERT_FATAL(media_path(e2e_fmt("%s/files", var), id, "", path, sizeof path) == 0);
	return access(path, F_OK) == 0;
}

/* Deleting a post or a conversation takes the files of the post or of
 * the conversation's messages with it (they would stay on disk, unseen
 * and never removed, otherwise). */
static void test_deleted_objects_take_files(void)
{
	static const char data[] = "to be deleted\n";
	struct e2e_resp *r =
		e2e_upload("/people/" ALICE "/activities", ALICE,
			   "{\"object\":{\"objectType\":\"file\",\"content\":\"doomed\"}}",
			   "gone.txt", "text/plain", data, sizeof data - 1);
	E2E_STATUS(r, 201);
	const char *aid = e2e_fmt("%s", e2e_str(r->json, "id"));
	e2e_free(r);
	CU_ASSERT(file_exists(aid));
	E2E_SEND(204, "DELETE", e2e_fmt("/activities/%s", aid), ALICE, NULL);
	CU_ASSERT(!file_exists(aid));

	const char *cid = new_conversation();
	r = e2e_upload(e2e_fmt("/conversations/%s/messages", cid), BOB,
		       "{\"object\":{\"objectType\":\"file\",\"content\":\"doomed\"}}", "gone.txt",
		       "text/plain", data, sizeof data - 1);
	E2E_STATUS(r, 201);
	const char *mid = e2e_fmt("%s", e2e_str(r->json, "id"));
	e2e_free(r);
	CU_ASSERT(file_exists(mid));
	E2E_SEND(204, "DELETE", e2e_fmt("/conversations/%s", cid), ALICE, NULL);
	CU_ASSERT(!file_exists(mid));
	r = e2e_request("GET", e2e_fmt("/messages/%s/file/download", mid), ALICE, NULL);
	CU_ASSERT(r->status == 404 || r->status == 403);
	e2e_free(r);
}

E2E_SUITE(uploads, init, NULL)
{
	E2E_TEST(s, test_file_on_cold_workers);
	E2E_TEST(s, test_no_orphan_files);
	E2E_TEST(s, test_deleted_objects_take_files);
}
