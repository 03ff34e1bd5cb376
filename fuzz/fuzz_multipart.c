/*
 * fuzz_multipart.c — the multipart/form-data parser (core/http/multipart.c).
 * Input: the Content-Type value, a newline, then the body; parsed with
 * small limits so that the "too large" paths are reached too.
 */
#include "http/multipart.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	const char *nl = memchr(s, '\n', size);
	if (!nl)
		return 0;
	char *ctype = xstrndup(s, (size_t)(nl - s));
	/* the body in a buffer of its own size, so that ASan sees overreads */
	size_t len = size - (size_t)(nl + 1 - s);
	char *body = xmalloc(len ? len : 1);
	memcpy(body, nl + 1, len);
	const struct mp_limits lim = {4, 512, 1024, 2048};
	struct mp_form f = {0};
	char err[256];
	if (mp_parse(ctype, body, len, &lim, &f, err, sizeof err) == MAX_OK) {
		for (size_t i = 0; i < f.nparts; i++)
			if (f.parts[i].len && (f.parts[i].data < body ||
					       f.parts[i].data + f.parts[i].len > body + len))
				abort(); /* a part must lie inside the body */
		(void)mp_find(&f, "json_data");
	}
	mp_free(&f);
	char b[71];
	(void)mp_boundary(ctype, b);
	free(body);
	free(ctype);
	return 0;
}
