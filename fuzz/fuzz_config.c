/*
 * fuzz_config.c — the INI reader (core/util/config.c): parse, then read
 * every key back the way the programs do.
 */
#include "util/config.h"
#include "util/buf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void touch(const char *section, const char *key, const char *value, int secret, void *arg)
{
	const struct max_config *cfg = arg;
	(void)config_int(cfg, section, key);
	(void)config_bool(cfg, section, key);
	(void)config_isset(cfg, section, key);
	(void)strlen(value);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size);
	struct max_config cfg;
	char err[256];
	config_defaults(&cfg);
	if (config_parse(&cfg, text, err, sizeof err) == 0)
		config_each(&cfg, touch, &cfg);
	config_free(&cfg);
	free(text);
	return 0;
}
