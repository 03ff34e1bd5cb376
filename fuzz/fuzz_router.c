/*
 * fuzz_router.c — route matching (core/http/router.c): input is
 * "METHOD path" (the path already decoded, as http_handle passes it).
 */
#include "http/router.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = xstrndup((const char *)data, size); /* stops at a NUL */
	char *sp = strchr(s, ' ');
	if (sp) {
		*sp = 0;
		const struct route *rt = NULL;
		char *params[MAX_PARAMS] = {0};
		if (router_match(routes, routes_count, s, sp + 1, &rt, params) == ROUTER_FOUND) {
			char name[32];
			for (int i = 0; i < MAX_PARAMS && params[i]; i++)
				(void)router_param_name(rt, i, name, sizeof name);
		}
		for (int i = 0; i < MAX_PARAMS; i++)
			free(params[i]);
	}
	free(s);
	return 0;
}
