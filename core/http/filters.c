/*
 * filters.c — date_filter and before/after parsing.
 */
#include "http/filters.h"
#include "http/http.h"
#include "util/ids.h"

#include <ctype.h>
#include <string.h>
#include <time.h>

static int number(const char **p, int maxdigits)
{
	int v = 0, n = 0;
	while (isdigit((unsigned char)**p) && n < maxdigits) {
		v = v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	return n ? v : -1;
}

static void skip_sep(const char **p)
{
	while (**p && !isdigit((unsigned char)**p))
		(*p)++;
}

int filter_date_range(const char *v, char from[21], char to[21])
{
	from[0] = to[0] = 0;
	if (!v)
		return -1;
	/* '+' arrives as ' ' when the client did not percent-encode it */
	char mode = (*v == '+' || *v == ' ') ? '+' : *v == '-' ? '-' : 0;
	const char *p = v + (mode ? 1 : 0);
	int y = number(&p, 4), m = -1, d = -1;
	if (y < 1)
		return -1;
	skip_sep(&p);
	if (*p)
		m = number(&p, 2);
	skip_sep(&p);
	if (*p && m > 0)
		d = number(&p, 2);
	if (*p || (m != -1 && (m < 1 || m > 12)) || (d != -1 && (d < 1 || d > 31)))
		return -1;
	struct tm a = {.tm_year = y - 1900, .tm_mon = m > 0 ? m - 1 : 0, .tm_mday = d > 0 ? d : 1};
	struct tm b = a;
	if (d > 0)
		b.tm_mday++;
	else if (m > 0)
		b.tm_mon++;
	else
		b.tm_year++;
	time_t start = timegm(&a), end = timegm(&b);
	if (mode != '+')
		time_iso(start, mode == '-' ? to : from);
	if (mode != '-')
		time_iso(end, mode == '+' ? from : to);
	return 0;
}

enum max_err filter_offsets(struct max_ctx *c, const char **before, const char **after)
{
	*before = qs_get(c, "before");
	*after = qs_get(c, "after");
	if (*before && *after)
		return max_fail(c, MAX_ESEARCH,
				"only one offset filter is allowed, after or before");
	if (*before && !id_valid(*before))
		return max_fail(c, MAX_ESEARCH, "before must be a valid ObjectId BSON identifier");
	if (*after && !id_valid(*after))
		return max_fail(c, MAX_ESEARCH, "after must be a valid ObjectId BSON identifier");
	return MAX_OK;
}
