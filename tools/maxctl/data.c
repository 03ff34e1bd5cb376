/*
 * data.c — maxctl export, forget and stats: a person's data for a
 * data-subject request, its erasure, and the numbers an operator checks.
 * The work is the model's (model/export, model/erase, model/stats); this
 * file runs it in a transaction and prints it.
 */
#include "maxctl.h"
#include "model/erase.h"
#include "model/export.h"
#include "model/stats.h"
#include "store/store.h"
#include "util/config.h"
#include "util/jsonx.h"

#include <stdio.h>
#include <string.h>

int cmd_export(struct run *r)
{
	json_object *doc = NULL;
	enum max_err e = MAX_ESERVER;
	if (store_begin_read(r->db) == 0) {
		e = export_person(r->db, r->cfg, r->user, &doc);
		store_rollback(r->db);
	}
	if (e) {
		fprintf(stderr, "maxctl: %s\n",
			*model_why(r->db) ? model_why(r->db) : "export failed");
		return 1;
	}
	json_object *profile = NULL;
	if (!json_object_object_get_ex(doc, "profile", &profile) || !profile)
		fprintf(stderr, "maxctl: %s is not a person (any data left is exported)\n",
			r->user);
	fputs(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
							  JSON_C_TO_STRING_NOSLASHESCAPE),
	      stdout);
	fputc('\n', stdout);
	json_object_put(doc);
	return fflush(stdout) == 0 ? 0 : 1;
}

static void print_counts(const char *what, const char *user, const struct erase_counts *n,
			 int files)
{
	fprintf(stderr,
		"%s %s: %lld activities deleted, %lld likes and %lld favourites withdrawn, "
		"%lld messages emptied, %lld devices and %lld roles removed, %d files\n",
		what, user, n->activities, n->likes, n->favorites, n->messages, n->devices,
		n->roles, files);
}

/* Without --yes the erasure runs and is rolled back: it prints exactly
 * what would go. */
int cmd_forget(struct run *r)
{
	struct erase_counts n;
	json_object *files = NULL;
	if (store_begin(r->db) < 0) {
		fprintf(stderr, "maxctl: cannot start a transaction\n");
		return 1;
	}
	enum max_err e = erase_person(r->db, r->cfg, r->user, &n, &files);
	int ok = 1;
	if (e || !r->yes)
		store_rollback(r->db);
	else if (store_commit(r->db) < 0)
		ok = 0;
	ok = ok && !e;
	if (!ok) {
		fprintf(stderr, "maxctl: %s not erased: %s\n", r->user,
			*model_why(r->db) ? model_why(r->db) : "storage error");
		json_object_put(files);
		return 1;
	}
	int nfiles = (int)json_object_array_length(files);
	if (r->yes) {
		int removed = erase_files(files);
		print_counts("erased", r->user, &n, removed);
	} else {
		print_counts("would erase", r->user, &n, nfiles);
		fprintf(stderr, "nothing changed; run again with --yes to erase\n");
	}
	json_object_put(files);
	return 0;
}

static void stats_text(const struct stats *s)
{
	printf("people            %lld\n"
	       "contexts          %lld\n"
	       "subscriptions     %lld\n"
	       "posts             %lld\n"
	       "comments          %lld\n"
	       "conversations     %lld\n"
	       "messages          %lld\n"
	       "tokens            %lld\n"
	       "devices           %lld\n"
	       "outbox            %lld%s%s%s\n"
	       "schema            %d\n"
	       "database bytes    %lld\n"
	       "wal bytes         %lld\n",
	       s->people, s->contexts, s->subscriptions, s->posts, s->comments, s->conversations,
	       s->messages, s->tokens, s->devices, s->outbox, *s->outbox_oldest ? " (oldest " : "",
	       s->outbox_oldest, *s->outbox_oldest ? ")" : "", s->schema_version, s->db_bytes,
	       s->wal_bytes);
}

static void stats_json(const struct stats *s)
{
	json_object *o = json_object_new_object();
	jx_set_int(o, "people", s->people);
	jx_set_int(o, "contexts", s->contexts);
	jx_set_int(o, "subscriptions", s->subscriptions);
	jx_set_int(o, "posts", s->posts);
	jx_set_int(o, "comments", s->comments);
	jx_set_int(o, "conversations", s->conversations);
	jx_set_int(o, "messages", s->messages);
	jx_set_int(o, "tokens", s->tokens);
	jx_set_int(o, "devices", s->devices);
	jx_set_int(o, "outbox", s->outbox);
	jx_set_str(o, "outbox_oldest", *s->outbox_oldest ? s->outbox_oldest : NULL);
	jx_set_int(o, "schema_version", s->schema_version);
	jx_set_int(o, "database_bytes", s->db_bytes);
	jx_set_int(o, "wal_bytes", s->wal_bytes);
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
	json_object_put(o);
}

int cmd_stats(struct run *r)
{
	struct stats s;
	enum max_err e = MAX_ESERVER;
	if (store_begin_read(r->db) == 0) {
		e = stats_collect(r->db, &s);
		store_rollback(r->db);
	}
	if (e) {
		fprintf(stderr, "maxctl: %s\n", model_why(r->db));
		return 1;
	}
	if (r->json)
		stats_json(&s);
	else
		stats_text(&s);
	return fflush(stdout) == 0 ? 0 : 1;
}
