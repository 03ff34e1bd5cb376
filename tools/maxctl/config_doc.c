/*
 * config_doc.c — what each max.ini key does, for `maxctl config-template`
 * (a commented max.ini with every key and its default) and for the key
 * list of the max.ini(5) man page (generated from the same text at build
 * time). The keys and defaults come from the configuration's own table
 * (config_each); only the explanations live here, and a key without one
 * fails the unit tests and `maxctl config-template`, so the two cannot
 * drift apart.
 */
#include "maxctl.h"
#include "util/config.h"

#include <stdio.h>
#include <string.h>

struct key_doc {
	const char *section, *key, *doc;
};

static const struct key_doc sections[] = {
	{"max", NULL, "The API server (max.fcgi)."},
	{"store", NULL, "The SQLite database and the uploaded files."},
	{"oauth", NULL, "The token server (osiris.fcgi) and the token check of max.fcgi."},
	{"rabbitmq", NULL, "Realtime messaging through max-bridge; off while url is empty."},
	{"push", NULL, "Phone notifications sent by max-bridge through Google's FCM."},
	{"relay", NULL, "max-relay: the /stomp (SockJS) and /ws endpoints of browsers."},
	{"ldap", NULL,
	 "The LDAP directory: logins (osiris) and max-ldap-sync; off while url is "
	 "empty."},
};

static const struct key_doc docs[] = {
	{"max", "server_id",
	 "Name of this MAX server, shown by GET /info and used as the domain "
	 "of realtime notifications."},
	{"max", "compat_id",
	 "Expected value of a client's X-Max-Compat-ID header; a client that "
	 "sends another value gets 412. Empty: every client that sends the "
	 "header is refused."},
	{"max", "oauth_server", "URL of the OAuth server, shown to clients by GET /info."},
	{"max", "stomp_server", "URL of the STOMP (web-socket) server, shown by GET /info."},
	{"max", "restricted_user_visibility_mode",
	 "When true, users see each other only when they share a context."},
	{"max", "include_traceback_in_500_errors",
	 "When true, a 500 answer carries the internal error text (development only)."},
	{"max", "max_body_bytes",
	 "Largest request body accepted, in bytes; larger ones get 413 "
	 "without being read."},
	{"max", "max_query_params",
	 "Most query-string parameters a request may carry; more get 400."},
	{"max", "max_json_depth",
	 "Deepest nesting of objects and arrays a JSON body may have; deeper gets 400."},
	{"max", "writes_per_minute",
	 "Most POST, PUT and DELETE requests one user may make in a minute, counted "
	 "across every worker of the database (the file <path>-rate beside it); "
	 "beyond it 429 with Retry-After. 0: no limit."},
	{"max", "cors", "Send CORS headers (browsers on other origins may call the API)."},
	{"max", "var",
	 "The data folder: the default folder of the LDAP sync's lock file. The "
	 "[store] paths do not follow it: set them as well."},
	{"store", "path",
	 "The SQLite database file. Keep it on a local disk, readable by the "
	 "max user only."},
	{"store", "busy_timeout_ms",
	 "How long a statement waits for another process's write "
	 "lock before failing, in milliseconds."},
	{"store", "files", "Folder of uploaded images and files (of activities and messages)."},
	{"store", "avatars", "Folder of the people's and contexts' avatars."},
	{"store", "max_upload_bytes", "Largest uploaded file, in bytes."},
	{"store", "max_image_pixels", "Largest image accepted (width times height, decoded)."},
	{"store", "checkpoint_interval_ms",
	 "Pace of the background WAL checkpointer, in milliseconds."},
	{"store", "wal_reset_pages",
	 "WAL size (in pages) at which the checkpointer tries to "
	 "start the WAL file over."},
	{"store", "checkpoint_wait_ms",
	 "Longest wait of such a reset for readers to finish, in "
	 "milliseconds."},
	{"store", "group_commit",
	 "Most write requests a worker takes from its queue and commits "
	 "in one transaction (1: each alone)."},
	{"store", "group_commit_busy",
	 "Percent of the last tenth of a second or so a worker must have "
	 "been busy before it takes requests together (0: always)."},
	{"oauth", "cache_ttl",
	 "Seconds a checked token is trusted without asking the database "
	 "again (positive answers only; at most 60; 0 disables the cache)."},
	{"oauth", "token_expiry", "Lifetime of issued tokens in seconds; 0: they never expire."},
	{"oauth", "check_url",
	 "URL of an external token server's /checktoken; empty: tokens "
	 "are checked in the database."},
	{"oauth", "stores", "Credential stores POST /token asks, in order (local, ldap)."},
	{"oauth", "failure_delay_ms",
	 "Unused since the login throttle; accepted so that old "
	 "files still load."},
	{"oauth", "login_failures_per_name",
	 "Failed logins allowed per user name within "
	 "login_window_seconds (0: no limit); beyond it "
	 "POST /token answers 429."},
	{"oauth", "login_failures_per_addr",
	 "Failed logins allowed per client address within "
	 "login_window_seconds (0: no limit)."},
	{"oauth", "login_window_seconds", "Length of the login-failure window, in seconds."},
	{"oauth", "bypass_enabled",
	 "Enable POST /token-bypass: tokens without a password for "
	 "the addresses of bypass_allow."},
	{"oauth", "bypass_allow", "Client addresses allowed to use the bypass, comma-separated."},
	{"rabbitmq", "url",
	 "AMQP URL max-bridge connects to "
	 "(amqp://USER:PASSWORD@HOST:PORT/VHOST); empty: no realtime. "
	 "Secret: never shown."},
	{"rabbitmq", "exchange_prefix", "Prefix of the names of MAX's exchanges."},
	{"rabbitmq", "retry_max_s",
	 "Longest pause between max-bridge's reconnection attempts, "
	 "in seconds."},
	{"rabbitmq", "poll_ms",
	 "How often max-bridge looks for new outbox rows while busy, in "
	 "milliseconds."},
	{"push", "enabled",
	 "Send phone notifications through FCM; when false max-bridge still drains "
	 "the push queue (and logs what it would send)."},
	{"push", "language", "Language of the notification texts phones show: ca, es or en."},
	{"push", "service_account",
	 "Google service-account JSON file whose key signs the FCM requests. Secret."},
	{"push", "fcm_url", "Base URL of Google's FCM HTTP v1 API."},
	{"push", "timeout_s", "Timeout of each HTTP call to Google, in seconds."},
	{"push", "ios_bundle_id",
	 "Bundle id of the iOS app: devices registered with a raw APNs token are "
	 "converted to FCM tokens for it through Google's Instance ID batchImport. "
	 "Empty: such devices are skipped."},
	{"push", "apns_sandbox",
	 "The APNs tokens come from development builds of the iOS app (APNs sandbox)."},
	{"push", "iid_url", "URL of Google's Instance ID batchImport endpoint."},
	{"relay", "listen",
	 "Where max-relay listens: a socket path (default <var>/run/realtime.sock, "
	 "which the web server proxies /stomp and /ws to) or [HOST:]PORT."},
	{"relay", "upstream", "RabbitMQ's web-STOMP endpoint the relay forwards STOMP to."},
	{"relay", "heartbeat_s", "Seconds between the SockJS heartbeat frames sent to browsers."},
	{"relay", "ping_s",
	 "Seconds between the WebSocket PINGs the relay sends to web-STOMP, which closes a "
	 "connection silent for 60 s; no answer in three of them closes the session."},
	{"relay", "client_ping_s",
	 "Seconds a browser may go without a PONG before the relay PINGs it; no PONG within "
	 "10 s more (or client_ping_s, if smaller) closes the session."},
	{"ldap", "url", "ldap://host[:port] or ldaps://host[:port]; empty: no LDAP."},
	{"ldap", "starttls", "Use StartTLS on an ldap:// URL."},
	{"ldap", "ca_file", "PEM bundle of the CAs that sign the server's certificate."},
	{"ldap", "tls_require_cert", "Certificate check: never, allow, try or demand."},
	{"ldap", "connect_timeout_s", "Connection timeout, in seconds."},
	{"ldap", "timeout_s", "Timeout of each bind or search, in seconds."},
	{"ldap", "bind_dn", "Service account to bind as; empty: anonymous."},
	{"ldap", "bind_password", "Its password. Secret: never shown."},
	{"ldap", "bind_password_file",
	 "File whose first line is the password; wins over "
	 "bind_password."},
	{"ldap", "user_base", "Base DN of the people."},
	{"ldap", "user_scope", "Search scope under user_base: sub or one."},
	{"ldap", "user_filter", "Filter selecting the people."},
	{"ldap", "uid_attr", "Attribute holding the MAX user name (cn, uid, sAMAccountName)."},
	{"ldap", "name_attrs", "Attributes tried in order for the display name."},
	{"ldap", "mail_attr", "Attribute holding the e-mail address (logins by e-mail)."},
	{"ldap", "disabled_filter",
	 "Entries matching this filter count as missing (disabled "
	 "accounts)."},
	{"ldap", "group_base", "Base DN of the groups mapped to contexts."},
	{"ldap", "group_scope", "Search scope under group_base: sub or one."},
	{"ldap", "member_attr", "Attribute listing a group's members (member or uniqueMember)."},
	{"ldap", "group_map_file",
	 "File of group-to-context mappings, one per line: group "
	 "context [role]."},
	{"ldap", "on_missing",
	 "What max-ldap-sync does to people gone from LDAP: keep (their "
	 "tokens are revoked) or delete."},
	{"ldap", "max_removal_ratio",
	 "Largest share of the LDAP-managed people one run may "
	 "remove before it stops without changes."},
	{"ldap", "page_size", "Entries per page of the paged searches."},
	{"ldap", "lock_file",
	 "Lock file that keeps two syncs from running at once; default "
	 "<var>/ldap-sync.lock."},
};

#define NDOCS (sizeof docs / sizeof docs[0])

const char *config_doc(const char *section, const char *key)
{
	for (size_t i = 0; i < NDOCS; i++)
		if (!strcmp(docs[i].section, section) && !strcmp(docs[i].key, key))
			return docs[i].doc;
	return NULL;
}

static const char *section_doc(const char *section)
{
	for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
		if (!strcmp(sections[i].section, section))
			return sections[i].doc;
	return NULL;
}

struct missing {
	int n;
	void (*fn)(const char *section, const char *key);
};

static void check_key(const char *section, const char *key, const char *value, int secret,
		      void *arg)
{
	struct missing *m = arg;
	if (!config_doc(section, key) || !section_doc(section)) {
		m->n++;
		if (m->fn)
			m->fn(section, key);
	}
}

int config_doc_missing(void (*fn)(const char *section, const char *key))
{
	struct max_config cfg;
	config_defaults(&cfg);
	struct missing m = {0, fn};
	config_each(&cfg, check_key, &m);
	for (size_t i = 0; i < NDOCS; i++) {
		if (config_set(&cfg, docs[i].section, docs[i].key, "") < 0) {
			m.n++; /* documented but no longer a key */
			if (fn)
				fn(docs[i].section, docs[i].key);
		}
	}
	config_free(&cfg);
	return m.n;
}

/* ---- output ---------------------------------------------------------------- */

struct out {
	FILE *f;
	int roff;
	const char *var; /* --var: the data paths set under it */
	const char *section;
};

/* Words of text wrapped at 72 columns, each line starting with lead. */
static void wrapped(FILE *f, const char *lead, const char *text)
{
	size_t col = 0;
	while (*text) {
		size_t w = strcspn(text, " ");
		if (col && col + 1 + w > 72) {
			fputc('\n', f);
			col = 0;
		}
		col += col ? (fputc(' ', f), 1) : (size_t)fprintf(f, "%s", lead);
		fprintf(f, "%.*s", (int)w, text);
		col += w;
		text += w;
		text += strspn(text, " ");
	}
	if (col)
		fputc('\n', f);
}

/* The value --var gives a data path, or NULL. */
static const char *var_value(const struct out *o, const char *section, const char *key, char *buf,
			     size_t len)
{
	static const char *const paths[][3] = {{"max", "var", ""},
					       {"store", "path", "/max.db"},
					       {"store", "files", "/files"},
					       {"store", "avatars", "/files/avatars"}};
	for (size_t i = 0; o->var && i < sizeof paths / sizeof paths[0]; i++)
		if (!strcmp(paths[i][0], section) && !strcmp(paths[i][1], key)) {
			snprintf(buf, len, "%s%s", o->var, paths[i][2]);
			return buf;
		}
	return NULL;
}

/* roff: a backslash escaped, a leading dot or quote protected. */
static void roff_text(FILE *f, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", f);
	for (; *s; s++)
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '-')
			fputs("\\-", f);
		else
			fputc(*s, f);
}

static void emit_key(const char *section, const char *key, const char *value, int secret, void *arg)
{
	struct out *o = arg;
	const char *doc = config_doc(section, key);
	if (!o->section || strcmp(o->section, section)) {
		o->section = section;
		if (o->roff) {
			fprintf(o->f, ".SS [%s]\n", section);
			roff_text(o->f, section_doc(section) ? section_doc(section) : "");
			fputc('\n', o->f);
		} else {
			fprintf(o->f, "\n[%s]\n", section);
			wrapped(o->f, "# ", section_doc(section) ? section_doc(section) : "");
		}
	}
	if (o->roff) {
		fprintf(o->f, ".TP\n.B %s\n", key);
		roff_text(o->f, doc ? doc : "(undocumented)");
		fputs(" Default: ", o->f);
		if (*value) {
			fputs("\\fB", o->f);
			roff_text(o->f, value);
			fputs("\\fR.\n", o->f);
		} else {
			fputs("empty.\n", o->f);
		}
		return;
	}
	char buf[4096];
	const char *set = var_value(o, section, key, buf, sizeof buf);
	fputc('\n', o->f);
	wrapped(o->f, "# ", doc ? doc : "(undocumented)");
	if (set)
		fprintf(o->f, "%s = %s\n", key, set);
	else
		fprintf(o->f, "#%s =%s%s\n", key, *value ? " " : "", value);
}

void config_template(FILE *f, int roff, const char *var)
{
	struct max_config cfg;
	config_defaults(&cfg);
	struct out o = {f, roff, var, NULL};
	if (!roff)
		fputs("# max.ini: the configuration of every MAX program (see max.ini(5)).\n"
		      "# Every key is listed with its default; a line starting with '#' is a\n"
		      "# comment, so remove the '#' of a key to set it. Unknown keys are an\n"
		      "# error at start-up.\n",
		      f);
	config_each(&cfg, emit_key, &o);
	config_free(&cfg);
}
