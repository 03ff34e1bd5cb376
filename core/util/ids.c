/*
 * ids.c — ObjectIds, SHA-1/SHA-256 (OpenSSL libcrypto), getrandom(),
 * UUIDs and the one date format MAX writes.
 */
#include "util/ids.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

/* An id is 12 bytes: the Unix seconds (4, as a MongoDB ObjectId, so
 * clients that read the date from an id still can), the microseconds (3),
 * two bytes of this process, and a counter (3). Clients and listings rely
 * on ids sorting in creation order; with the microseconds right after the
 * seconds, ids made by different workers sort by when they were made, not
 * by which worker made them. Within a process, ids strictly increase even
 * if the clock steps back. */
static unsigned char id_process[2];
static uint32_t id_counter;
static int id_seeded;
static uint64_t id_last; /* seconds << 20 | microseconds of the last id */
/* max-bridge's consumers make ids from several threads */
static pthread_mutex_t id_lock = PTHREAD_MUTEX_INITIALIZER;

/* UUIDs name queue messages, one per post: they are not secrets, so
 * they come from a per-thread pool of random bytes, refilled 16 UUIDs at
 * a time, instead of a getrandom() call each. */
static _Thread_local unsigned char uuid_pool[256];
static _Thread_local size_t uuid_used = sizeof uuid_pool;

/* A forked child must never hand out its parent's ids or UUIDs: the fork
 * handler forgets the id seed and empties the UUID pool (asking getpid()
 * on every id cost a system call per post). Only the forking thread lives
 * on in the child, so only its pool needs emptying. */
static void ids_forked(void)
{
	pthread_mutex_init(&id_lock, NULL);
	id_seeded = 0;
	uuid_used = sizeof uuid_pool;
}

static void ids_register_fork(void)
{
	pthread_atfork(NULL, NULL, ids_forked);
}

/* Registers ids_forked once, before the first seed or pool is drawn. */
static void ids_watch_forks(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, ids_register_fork);
}

static void id_seed(void)
{
	ids_watch_forks();
	random_bytes(id_process, sizeof id_process);
	random_bytes(&id_counter, sizeof id_counter);
	id_last = 0;
	id_seeded = 1;
}

void id_new(char out[25])
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t now = (uint64_t)ts.tv_sec << 20 | (uint64_t)(ts.tv_nsec / 1000);
	pthread_mutex_lock(&id_lock);
	if (!id_seeded)
		id_seed();
	if (now < id_last)
		now = id_last;
	id_last = now;
	uint32_t c = ++id_counter & 0xffffff;
	unsigned char p0 = id_process[0], p1 = id_process[1];
	pthread_mutex_unlock(&id_lock);
	uint32_t t = (uint32_t)(now >> 20), us = (uint32_t)(now & 0xfffff);
	unsigned char b[12] = {t >> 24, t >> 16, t >> 8, t,       us >> 16, us >> 8,
			       us,      p0,      p1,     c >> 16, c >> 8,   c};
	hex_bytes(b, sizeof b, out);
}

int id_valid(const char *s)
{
	if (!s || strlen(s) != 24)
		return 0;
	for (int i = 0; i < 24; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

time_t id_time(const char *id)
{
	char h[9];
	memcpy(h, id, 8);
	h[8] = 0;
	return (time_t)strtoul(h, NULL, 16);
}

void id_floor(time_t t, char out[25])
{
	snprintf(out, 25, "%08lx%016d", (unsigned long)(uint32_t)t, 0);
}

/* EVP_sha1()/EVP_sha256() make OpenSSL 3 look the algorithm up again on
 * every digest (a fetch through its provider tables); the token check
 * hashes on every request, so each is fetched once per process. */
static EVP_MD *md_sha1, *md_sha256;
static pthread_once_t md_once = PTHREAD_ONCE_INIT;

static void md_fetch(void)
{
	md_sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
	md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

void hex_bytes(const void *data, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *b = data;
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[2 * n] = 0;
}

static void digest_hex(const EVP_MD *md, const void *data, size_t len, char *out)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (EVP_Digest(data, len, d, &n, md, NULL) != 1)
		n = 0;
	hex_bytes(d, n, out);
}

/* The legacy EVP_sha1()/EVP_sha256() only where the fetch failed. */
void hash_sha1_hex(const void *data, size_t len, char out[41])
{
	pthread_once(&md_once, md_fetch);
	digest_hex(md_sha1 ? md_sha1 : EVP_sha1(), data, len, out);
}

void hash_sha256_hex(const void *data, size_t len, char out[65])
{
	pthread_once(&md_once, md_fetch);
	digest_hex(md_sha256 ? md_sha256 : EVP_sha256(), data, len, out);
}

int random_bytes(void *buf, size_t len)
{
	unsigned char *p = buf;
	while (len) {
		ssize_t n = getrandom(p, len, 0);
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void uuid_bytes(unsigned char b[16])
{
	if (uuid_used == sizeof uuid_pool) {
		ids_watch_forks();
		if (random_bytes(uuid_pool, sizeof uuid_pool) < 0) {
			random_bytes(b, 16); /* fails too: as before */
			return;
		}
		uuid_used = 0;
	}
	memcpy(b, uuid_pool + uuid_used, 16);
	uuid_used += 16;
}

void uuid_v4(char out[37])
{
	unsigned char b[16];
	uuid_bytes(b);
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	/* 8-4-4-4-12 hex digits */
	hex_bytes(b, 4, out);
	out[8] = '-';
	hex_bytes(b + 4, 2, out + 9);
	out[13] = '-';
	hex_bytes(b + 6, 2, out + 14);
	out[18] = '-';
	hex_bytes(b + 8, 2, out + 19);
	out[23] = '-';
	hex_bytes(b + 10, 6, out + 24);
}

void time_iso(time_t t, char out[21])
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void time_now_iso(char out[21])
{
	time_iso(time(NULL), out);
}

static int digits(const char **p, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++, (*p)++) {
		if (!isdigit((unsigned char)**p))
			return -1;
		*v = *v * 10 + (**p - '0');
	}
	return 0;
}

int time_parse_iso(const char *s, time_t *out)
{
	struct tm tm = {0};
	int y, mo, d, h, mi, se;
	const char *p = s;
	if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
	    digits(&p, 2, &d) || (*p != 'T' && *p != 't') || !*p++ || digits(&p, 2, &h) ||
	    *p++ != ':' || digits(&p, 2, &mi) || *p++ != ':' || digits(&p, 2, &se))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return -1;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p))
			p++;
	}
	long off = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1, oh, om;
		if (digits(&p, 2, &oh) || *p++ != ':' || digits(&p, 2, &om) || oh > 23 || om > 59)
			return -1;
		off = sign * (oh * 3600L + om * 60L);
	} else {
		return -1;
	}
	if (*p)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	time_t t = timegm(&tm);
	struct tm check;
	gmtime_r(&t, &check);
	if (check.tm_mday != d) /* 2026-02-31 */
		return -1;
	*out = t - off;
	return 0;
}
