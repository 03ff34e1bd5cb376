/*
 * config.h — max.ini, one file for every program.
 *
 * The set of sections and keys is fixed by the table in config.c; a key not
 * in it is an error at start-up (a typo must not silently fall back to a
 * default). Programs look values up by section and key; the few values read
 * on every request are also copied into typed fields at load time.
 */
#ifndef MAX_CONFIG_H
#define MAX_CONFIG_H

#include <stddef.h>

#define CONFIG_MAX_KEYS 96

struct max_config {
	char *path;                    /* file it was read from, or NULL */
	char *values[CONFIG_MAX_KEYS]; /* parallel to the key table */
	/* hot values, copied at load */
	long long max_body;        /* bytes; larger bodies get 413 */
	int token_cache_ttl;       /* seconds; 0 disables the cache */
	int cors;                  /* send CORS headers */
	int restricted_visibility; /* api.md 1.6 restricted mode */
};

/* Loads path (NULL: $MAX_CONFIG, else ./max.ini; a missing default file
 * means all defaults). On error returns -1 and writes a message to err. */
int config_load(struct max_config *cfg, const char *path, char *err, size_t errlen);
/* Defaults only; never fails. */
void config_defaults(struct max_config *cfg);
/* Parses INI text (used by config_load and the unit tests). */
int config_parse(struct max_config *cfg, const char *text, char *err, size_t errlen);
void config_free(struct max_config *cfg);

/* Value of section.key ("" when unset and without default). The pair must
 * exist in the key table; asking for an unknown one aborts (a bug). */
const char *config_get(const struct max_config *cfg, const char *section, const char *key);
long long config_int(const struct max_config *cfg, const char *section, const char *key);
int config_bool(const struct max_config *cfg, const char *section, const char *key);
/* Was the key given in the file (or set by config_set)? */
int config_isset(const struct max_config *cfg, const char *section, const char *key);
/* Overrides a value (tests, maxctl); returns -1 for an unknown key. */
int config_set(struct max_config *cfg, const char *section, const char *key, const char *value);

/* Walks the key table: fn(section, key, value, secret, arg) for each key. */
void config_each(const struct max_config *cfg,
		 void (*fn)(const char *section, const char *key, const char *value, int secret,
			    void *arg),
		 void *arg);

/* true/yes/on/1 (case-insensitive). */
int parse_bool(const char *s);

#endif
