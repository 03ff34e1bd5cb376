/*
 * commit_baseline.c — the raw commit rate of this machine: one row per
 * transaction into a table of 11 columns and 2 indexes, WAL,
 * synchronous=NORMAL (commit_baseline.h). What a post costs is read as a
 * ratio against it (post_inproc --baseline prints both from one run).
 *
 *   commit_baseline [--commits N]   (default 5000)
 */
#include "commit_baseline.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = 5000;
	if (argc == 3 && !strcmp(argv[1], "--commits"))
		n = atoi(argv[2]);
	else if (argc != 1) {
		fprintf(stderr, "usage: commit_baseline [--commits N]\n");
		return 2;
	}
	char dir[] = "/tmp/max-commit-baseline-XXXXXX", path[64];
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/t.db", dir);
	double cpu_rate = 0, rate = baseline_run(path, n > 0 ? n : 1, 0, &cpu_rate);
	char cmd[96];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	int rc = system(cmd);
	if (rate < 0)
		return 1;
	printf("raw commits            n=%-5d %.0f commits/s  %.1f µs/commit  %.1f CPU µs/commit\n",
	       n, rate, 1e6 / rate, 1e6 / cpu_rate);
	return rc != 0;
}
