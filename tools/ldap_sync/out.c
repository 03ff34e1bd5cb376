/*
 * out.c — how max-ldap-sync makes and reports a change: the change lines
 * (stdout; the same lines for --dry-run and for a real run), one
 * transaction per change and none when there is nothing to do, the
 * progress line of long runs, the summary and --stats (stderr).
 */
#include "sync.h"
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

const char *const sync_kind_names[SK_COUNT] = {
	"created", "adopted",    "renamed", "readmitted", "tokens revoked",
	"deleted", "subscribed", "granted", "revoked",    "unsubscribed",
};

void sync_line(struct sync_lines *l, enum sync_kind k, const char *fmt, ...)
{
	va_list ap;
	char line[2048];
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	buf_adds(&l->b, line);
	buf_addc(&l->b, '\n');
	l->kinds[k]++;
}

const char *sync_quote(const char *s, char *out, size_t n)
{
	size_t w = 0;
	if (n < 3)
		return "";
	out[w++] = '"';
	for (; *s && w + 3 < n; s++) {
		if (*s == '"' || *s == '\\')
			out[w++] = '\\';
		out[w++] = *s;
	}
	out[w++] = '"';
	out[w] = 0;
	return out;
}

double sync_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void emit(struct sync *s, struct sync_lines *l)
{
	if (l->b.len) {
		fwrite(l->b.data, 1, l->b.len, stdout);
		fflush(stdout);
	}
	for (int k = 0; k < SK_COUNT; k++)
		s->st.kinds[k] += l->kinds[k];
}

static void lines_reset(struct sync_lines *l)
{
	buf_reset(&l->b);
	memset(l->kinds, 0, sizeof l->kinds);
}

static int failed(struct sync *s, const char *what)
{
	const char *why = model_why(s->db);
	log_event("-", "ldap-sync: failed: %s%s%s", what, *why ? ": " : "", why);
	s->st.failed++;
	return -1;
}

int sync_change(struct sync *s, const char *what, sync_plan_fn plan, sync_apply_fn apply, void *arg)
{
	struct sync_lines l;
	buf_init(&l.b);
	memset(l.kinds, 0, sizeof l.kinds);
	int rc = 0;
	if (plan(s, arg, &l)) {
		rc = failed(s, what);
	} else if (l.b.len && s->dry_run) {
		emit(s, &l);
	} else if (l.b.len) {
		/* the state may have moved since the plan: plan again inside */
		lines_reset(&l);
		if (store_begin(s->db) < 0)
			rc = failed(s, what);
		else if (plan(s, arg, &l) || (l.b.len && apply(s, arg)) || store_failed(s->db)) {
			store_rollback(s->db);
			rc = failed(s, what);
		} else if (store_commit(s->db) < 0) {
			rc = failed(s, what);
		} else {
			s->st.transactions++;
			emit(s, &l);
		}
	}
	buf_free(&l.b);
	return rc;
}

void sync_progress(struct sync *s, const char *phase, size_t done, size_t total)
{
	double now = sync_now();
	if (s->quiet || now - s->started < 5 || now - s->last_progress < 5)
		return;
	s->last_progress = now;
	log_event("-", "ldap-sync: %s: %zu of %zu, %ld changes so far", phase, done, total,
		  s->st.transactions);
}

static long total_changes(const struct sync *s)
{
	long n = 0;
	for (int k = 0; k < SK_COUNT; k++)
		n += s->st.kinds[k];
	return n;
}

void sync_print_summary(const struct sync *s)
{
	long n = total_changes(s);
	if (s->dry_run || (!n && !s->st.failed))
		return; /* the plan is its lines; a quiet run keeps cron silent */
	struct buf b;
	buf_init(&b);
	for (int k = 0; k < SK_COUNT; k++)
		if (s->st.kinds[k])
			buf_printf(&b, "%s%ld %s", b.len ? ", " : "", s->st.kinds[k],
				   sync_kind_names[k]);
	printf("done: %s%s%ld failed\n", b.len ? b.data : "", b.len ? "; " : "", s->st.failed);
	buf_free(&b);
}

void sync_print_stats(const struct sync *s)
{
	fprintf(stderr,
		"stats: directory: %zu people (%d skipped), %ld entries read;"
		" ldap requests: %ld (%ld bind, %ld searches in %ld pages)\n",
		s->users.n, s->users.skipped, s->st.ldap_entries,
		s->st.ldap_binds + s->st.ldap_pages, s->st.ldap_binds, s->st.ldap_searches,
		s->st.ldap_pages);
	fprintf(stderr, "stats: sqlite: %ld write transactions, %ld changes %s, %ld failed\n",
		s->st.transactions, total_changes(s), s->dry_run ? "planned" : "made",
		s->st.failed);
	fprintf(stderr, "stats: time: read %.3f s, people %.3f s, groups %.3f s, total %.3f s\n",
		s->st.t_read, s->st.t_people, s->st.t_groups, sync_now() - s->started);
}
