/*
 * filters.h — collection query parameters shared by the listing endpoints
 * (api.md 1.11).
 */
#ifndef MAX_FILTERS_H
#define MAX_FILTERS_H

#include "http/max.h"

/* date_filter: "YYYY[-MM[-DD]]" = that period, "+DATE" after its end,
 * "-DATE" before its start. Fills a half-open range [from, to) of ISO
 * timestamps; an open end is "". Returns 0, or -1 when unparsable (the
 * original then applies no filter). */
int filter_date_range(const char *v, char from[21], char to[21]);

/* before/after: at most one, each a valid id. Fills *before / *after
 * (NULL when absent) or fails with the original's 400s. */
enum max_err filter_offsets(struct max_ctx *c, const char **before, const char **after);

#endif
