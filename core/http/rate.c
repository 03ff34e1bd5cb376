/*
 * rate.c — see rate.h. A small open-addressing table keyed by user name;
 * when a user's probe sequence is full the stalest window is reused, so
 * memory stays fixed whatever the number of users. The table lives in a
 * shared file mapping so that every worker counts into the same slots; a
 * worker killed while holding the flock releases it with its descriptor.
 */
#include "http/rate.h"

#include "util/log.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define RATE_SLOTS 1024
#define RATE_WINDOW 60         /* seconds */
#define RATE_MAGIC 0x4d415231u /* "MAR1": the layout below */

struct rate_slot {
	char user[MAX_USERNAME_MAX + 1];
	int64_t window; /* start of the counted minute */
	int64_t count;
};

struct rate_table {
	uint32_t magic;
	uint32_t slots;
	struct rate_slot slot[RATE_SLOTS];
};

static struct rate_table own; /* when there is no shared file */
static struct rate_table *table;
static int table_fd = -1;

static void table_init(struct rate_table *t)
{
	if (t->magic == RATE_MAGIC && t->slots == RATE_SLOTS)
		return;
	memset(t, 0, sizeof *t);
	t->magic = RATE_MAGIC;
	t->slots = RATE_SLOTS;
}

/* Maps <db_path>-rate, growing it to the table's size (never shrinking:
 * another worker may have it mapped). -1 when there is no usable file. */
static int table_map(const char *db_path)
{
	char path[4096];
	if (!db_path || !*db_path || !strcmp(db_path, ":memory:") ||
	    snprintf(path, sizeof path, "%s-rate", db_path) >= (int)sizeof path)
		return -1;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	struct stat sb;
	if (fd < 0 || flock(fd, LOCK_EX) < 0 || fstat(fd, &sb) < 0 ||
	    ((size_t)sb.st_size < sizeof *table && ftruncate(fd, sizeof *table) < 0)) {
		log_event(NULL, "rate: cannot use %s (%m); counting per worker", path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	void *m = mmap(NULL, sizeof *table, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		log_event(NULL, "rate: cannot map %s (%m); counting per worker", path);
		close(fd);
		return -1;
	}
	table = m;
	table_init(table);
	flock(fd, LOCK_UN);
	table_fd = fd;
	return 0;
}

static void table_lock(int op)
{
	if (table_fd >= 0)
		flock(table_fd, op);
}

static unsigned long hash_of(const char *s)
{
	unsigned long h = 5381;
	for (; *s; s++)
		h = h * 33 + (unsigned char)*s;
	return h;
}

/* The user's slot, or the stalest slot of the probe sequence for him. */
static struct rate_slot *slot_of(const char *user)
{
	struct rate_slot *oldest = NULL;
	unsigned long h = hash_of(user);
	for (int i = 0; i < 8; i++) {
		struct rate_slot *s = &table->slot[(h + (unsigned long)i) % RATE_SLOTS];
		if (!strncmp(s->user, user, sizeof s->user))
			return s;
		if (!oldest || s->window < oldest->window)
			oldest = s;
	}
	snprintf(oldest->user, sizeof oldest->user, "%s", user);
	oldest->window = 0;
	oldest->count = 0;
	return oldest;
}

static enum max_err count_write(const char *user, long limit, time_t now, long *retry_after)
{
	struct rate_slot *s = slot_of(user);
	int64_t window = (int64_t)(now - now % RATE_WINDOW);
	if (s->window != window) {
		s->window = window;
		s->count = 0;
	}
	if (s->count >= limit) {
		*retry_after = (long)(window + RATE_WINDOW - now);
		return MAX_ETOOMANY;
	}
	s->count++;
	return MAX_OK;
}

enum max_err rate_write(const char *db_path, const char *user, long limit, time_t now,
			long *retry_after)
{
	if (limit <= 0 || !user || !*user)
		return MAX_OK;
	if (!table && table_map(db_path) < 0) {
		table = &own;
		table_init(table);
	}
	table_lock(LOCK_EX);
	enum max_err e = count_write(user, limit, now, retry_after);
	table_lock(LOCK_UN);
	return e;
}

void rate_reset(void)
{
	if (!table)
		return;
	table_lock(LOCK_EX);
	memset(table->slot, 0, sizeof table->slot);
	table_lock(LOCK_UN);
}
