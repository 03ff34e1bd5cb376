/*
 * config.c — the INI reader and the table of every known key.
 *
 * Format: "[section]" lines, "key = value" lines, '#' or ';' comments,
 * surrounding whitespace trimmed. The same key twice: the last one wins.
 * Add a key here before any program reads it.
 */
#include "util/config.h"
#include "util/buf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct config_key {
	const char *section;
	const char *key;
	const char *def;
	int secret; /* never shown by /info/settings or logs */
};

/* clang-format off: one key per line, comments aligned by hand */
static const struct config_key keys[] = {
	/* [max]: the API server */
	{"max", "server_id", "", 0},
	{"max", "compat_id", "", 0},
	{"max", "oauth_server", "", 0}, /* shown by GET /info */
	{"max", "stomp_server", "", 0}, /* shown by GET /info */
	{"max", "restricted_user_visibility_mode", "false", 0},
	{"max", "include_traceback_in_500_errors", "false", 0},
	{"max", "max_body_bytes", "10485760", 0},
	{"max", "cors", "true", 0},
	{"max", "var", "var", 0},              /* default folder for data */
	{"max", "max_query_params", "100", 0}, /* more: 400 */
	{"max", "max_json_depth", "32", 0},    /* nesting of a JSON body */
	{"max", "writes_per_minute", "0", 0},  /* per user, shared by the workers; 0: no limit */
	/* [store]: SQLite */
	{"store", "path", "var/max.db", 0},
	{"store", "busy_timeout_ms", "5000", 0},
	{"store", "files", "var/files", 0},           /* file_repository */
	{"store", "avatars", "var/files/avatars", 0}, /* avatar_folder */
	{"store", "max_upload_bytes", "10485760", 0}, /* one uploaded file */
	{"store", "max_image_pixels", "25000000", 0}, /* width × height decoded */
	{"store", "checkpoint_interval_ms", "20", 0}, /* background checkpointer's pace */
	{"store", "wal_reset_pages", "4096", 0},      /* WAL pages that call for a reset */
	{"store", "checkpoint_wait_ms", "5", 0},      /* a reset's longest wait for readers */
	{"store", "group_commit", "4", 0},            /* posts a worker commits together */
	{"store", "group_commit_busy", "75", 0},      /* percent busy before it does */
	/* [oauth]: the token server and the token check */
	{"oauth", "cache_ttl", "30", 0},      /* seconds, positive answers only */
	{"oauth", "token_expiry", "0", 0},    /* seconds, 0 = never */
	{"oauth", "check_url", "", 0},        /* external Osiris /checktoken */
	{"oauth", "stores", "local,ldap", 0}, /* order of credential stores */
	{"oauth", "failure_delay_ms", "400",
	 0}, /* unused since the login throttle; old files load */
	/* failed logins allowed per user name and per client address within
	 * login_window_seconds (0 = no limit); beyond them POST /token answers
	 * 429 with Retry-After until the window is over */
	{"oauth", "login_failures_per_name", "10", 0},
	{"oauth", "login_failures_per_addr", "100", 0},
	{"oauth", "login_window_seconds", "300", 0},
	{"oauth", "bypass_enabled", "false", 0},
	{"oauth", "bypass_allow", "127.0.0.1,::1", 0},
	/* [rabbitmq]: off until url is set */
	{"rabbitmq", "url", "", 1},
	{"rabbitmq", "exchange_prefix", "", 0},
	{"rabbitmq", "retry_max_s", "30", 0},
	{"rabbitmq", "poll_ms", "1", 0}, /* max-bridge: look for new rows */
	/* [push]: max-bridge's push sender, off until enabled */
	{"push", "enabled", "false", 0},
	{"push", "language", "ca", 0},      /* ca | es | en: the texts phones show */
	{"push", "service_account", "", 0}, /* Google service-account JSON file */
	{"push", "fcm_url", "https://fcm.googleapis.com", 0},
	{"push", "timeout_s", "10", 0},   /* each HTTP call to Google */
	{"push", "ios_bundle_id", "", 0}, /* empty: APNs hex tokens skipped */
	{"push", "apns_sandbox", "false", 0},
	{"push", "iid_url", "https://iid.googleapis.com/iid/v1:batchImport", 0},
	/* [relay]: max-relay, the /stomp (SockJS) and /ws endpoint */
	{"relay", "listen", "",
	 0}, /* socket path (default <var>/run/realtime.sock) or [HOST:]PORT */
	{"relay", "upstream", "ws://127.0.0.1:15674/ws", 0}, /* RabbitMQ's web-STOMP */
	{"relay", "heartbeat_s", "25", 0},                   /* SockJS "h" frames */
	{"relay", "ping_s", "30", 0},                        /* WebSocket PINGs to web-STOMP */
	{"relay", "client_ping_s", "300", 0},                /* … and to a silent browser */
	/* [ldap]: off until url is set (names as in the LDAP sync design) */
	{"ldap", "url", "", 0},                    /* ldap://host[:port] or ldaps:// */
	{"ldap", "starttls", "false", 0},          /* StartTLS on an ldap:// URL */
	{"ldap", "ca_file", "", 0},                /* PEM CA bundle for TLS */
	{"ldap", "tls_require_cert", "demand", 0}, /* never|allow|try|demand */
	{"ldap", "connect_timeout_s", "3", 0},
	{"ldap", "timeout_s", "5", 0}, /* each bind or search */
	{"ldap", "bind_dn", "", 0},    /* service account; empty = anonymous */
	{"ldap", "bind_password", "", 1},
	{"ldap", "bind_password_file", "", 0}, /* first line; wins over bind_password */
	{"ldap", "user_base", "", 0},
	{"ldap", "user_scope", "sub", 0}, /* sub | one */
	{"ldap", "user_filter", "(objectClass=inetOrgPerson)", 0},
	{"ldap", "uid_attr", "cn", 0},               /* the MAX username */
	{"ldap", "name_attrs", "displayName sn", 0}, /* first non-empty = displayName */
	{"ldap", "mail_attr", "mail", 0},            /* e-mail logins at POST /token */
	{"ldap", "disabled_filter", "", 0},          /* entries matching it count as missing */
	{"ldap", "group_base", "", 0},
	{"ldap", "group_scope", "sub", 0},
	{"ldap", "member_attr", "member", 0}, /* or uniqueMember */
	{"ldap", "group_map_file", "", 0},    /* lines: group context [role] */
	{"ldap", "on_missing", "keep", 0},    /* keep | delete */
	{"ldap", "max_removal_ratio", "0.2", 0},
	{"ldap", "page_size", "500", 0},
	{"ldap", "lock_file", "", 0}, /* default: <[max] var>/ldap-sync.lock */
};
/* clang-format on */
#define NKEYS (sizeof keys / sizeof keys[0])

_Static_assert(NKEYS <= CONFIG_MAX_KEYS, "raise CONFIG_MAX_KEYS");

static int key_index(const char *section, const char *key)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (!strcmp(keys[i].section, section) && !strcmp(keys[i].key, key))
			return (int)i;
	return -1;
}

int parse_bool(const char *s)
{
	return s && (!strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcasecmp(s, "on") ||
		     !strcmp(s, "1"));
}

static void refresh_hot(struct max_config *cfg)
{
	cfg->max_body = config_int(cfg, "max", "max_body_bytes");
	cfg->token_cache_ttl = (int)config_int(cfg, "oauth", "cache_ttl");
	if (cfg->token_cache_ttl > 60)
		cfg->token_cache_ttl = 60; /* a revoked token must not live longer */
	cfg->cors = config_bool(cfg, "max", "cors");
	cfg->restricted_visibility = config_bool(cfg, "max", "restricted_user_visibility_mode");
}

void config_defaults(struct max_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	refresh_hot(cfg);
}

void config_free(struct max_config *cfg)
{
	for (size_t i = 0; i < NKEYS; i++)
		free(cfg->values[i]);
	free(cfg->path);
	memset(cfg, 0, sizeof *cfg);
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

int config_set(struct max_config *cfg, const char *section, const char *key, const char *value)
{
	int i = key_index(section, key);
	if (i < 0)
		return -1;
	free(cfg->values[i]);
	cfg->values[i] = xstrdup(value);
	refresh_hot(cfg);
	return 0;
}

int config_parse(struct max_config *cfg, const char *text, char *err, size_t errlen)
{
	char *copy = xstrdup(text), *save = NULL, section[64] = "";
	int lineno = 0, rc = 0;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		char *s = trim(line);
		if (!*s || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *e = strchr(s, ']');
			if (!e || e[1] || (size_t)(e - s - 1) >= sizeof section) {
				snprintf(err, errlen, "line %d: bad section header", lineno);
				rc = -1;
				break;
			}
			*e = 0;
			snprintf(section, sizeof section, "%s", trim(s + 1));
			continue;
		}
		char *eq = strchr(s, '=');
		if (!eq) {
			snprintf(err, errlen, "line %d: expected key = value", lineno);
			rc = -1;
			break;
		}
		*eq = 0;
		char *k = trim(s), *v = trim(eq + 1);
		if (config_set(cfg, section, k, v) < 0) {
			snprintf(err, errlen, "line %d: unknown key [%s] %s", lineno, section, k);
			rc = -1;
			break;
		}
	}
	free(copy);
	return rc;
}

int config_load(struct max_config *cfg, const char *path, char *err, size_t errlen)
{
	config_defaults(cfg);
	int explicit = 1;
	if (!path || !*path)
		path = getenv("MAX_CONFIG");
	if (!path || !*path) {
		path = "max.ini";
		explicit = 0;
	}
	FILE *f = fopen(path, "rb");
	if (!f) {
		if (!explicit)
			return 0;
		snprintf(err, errlen, "%s: cannot open", path);
		return -1;
	}
	struct buf b;
	buf_init(&b);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	char msg[256] = "";
	int rc = config_parse(cfg, b.data ? b.data : "", msg, sizeof msg);
	buf_free(&b);
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", path, msg);
		return -1;
	}
	cfg->path = xstrdup(path);
	return 0;
}

const char *config_get(const struct max_config *cfg, const char *section, const char *key)
{
	int i = key_index(section, key);
	if (i < 0) {
		fprintf(stderr, "max: bug: unknown config key [%s] %s\n", section, key);
		abort();
	}
	return cfg->values[i] ? cfg->values[i] : keys[i].def;
}

int config_isset(const struct max_config *cfg, const char *section, const char *key)
{
	int i = key_index(section, key);
	return i >= 0 && cfg->values[i] != NULL;
}

long long config_int(const struct max_config *cfg, const char *section, const char *key)
{
	return strtoll(config_get(cfg, section, key), NULL, 10);
}

int config_bool(const struct max_config *cfg, const char *section, const char *key)
{
	return parse_bool(config_get(cfg, section, key));
}

void config_each(const struct max_config *cfg,
		 void (*fn)(const char *, const char *, const char *, int, void *), void *arg)
{
	for (size_t i = 0; i < NKEYS; i++)
		fn(keys[i].section, keys[i].key, config_get(cfg, keys[i].section, keys[i].key),
		   keys[i].secret, arg);
}
