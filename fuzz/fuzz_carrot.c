/*
 * fuzz_carrot.c — unpacking a MaxCarrot message (core/http/carrot.c), the
 * text a RabbitMQ client sends and max-bridge reads.
 */
#include "util/buf.h"
#include "util/carrot.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = xmalloc(size ? size : 1); /* exact size: ASan sees overreads */
	memcpy(copy, data, size);
	const char *err = NULL;
	json_object *o = carrot_unpack(copy, size, &err);
	if (o)
		(void)carrot_is_packed(o);
	else if (!err)
		abort(); /* a failure always says why */
	json_object_put(o);
	free(copy);
	return 0;
}
