/*
 * busy.c — see busy.h. Each interval enters with the weight it has in a
 * continuous exponential average (τ(1 − e^(−t/τ))), so that the result does
 * not depend on how finely the time was cut.
 */
#include "util/busy.h"

#include <math.h>

void busy_add(struct busy *b, double seconds, int working)
{
	if (seconds <= 0)
		return;
	double keep = exp(-seconds / BUSY_WINDOW_S);
	double weight = BUSY_WINDOW_S * (1 - keep);
	b->work = b->work * keep + (working ? weight : 0);
	b->all = b->all * keep + weight;
}

int busy_percent(const struct busy *b)
{
	return b->all > 0 ? (int)(100 * b->work / b->all + 0.5) : 0;
}
