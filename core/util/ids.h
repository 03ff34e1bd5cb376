/*
 * ids.h — identifiers, hashes, randomness and time stamps.
 *
 * Ids are MongoDB-style ObjectIds (api.md 3): 4 bytes of Unix seconds,
 * 5 bytes chosen once per process, a 3-byte counter, as 24 lower-case hex.
 * They sort in creation order, which pagination and lastComment rely on.
 */
#ifndef MAX_IDS_H
#define MAX_IDS_H

#include <stddef.h>
#include <time.h>

void id_new(char out[25]);
int id_valid(const char *s);    /* 24 hex digits */
time_t id_time(const char *id); /* seconds encoded in an id */
/* The smallest id made in second t: a bound for the ids made since t. */
void id_floor(time_t t, char out[25]);

/* n bytes as 2n lower-case hex digits and a NUL into out. */
void hex_bytes(const void *data, size_t n, char *out);
void hash_sha1_hex(const void *data, size_t len, char out[41]);
void hash_sha256_hex(const void *data, size_t len, char out[65]);
/* Fills buf from the OS CSPRNG; returns 0 or -1. */
int random_bytes(void *buf, size_t len);
/* An RFC 4122 version-4 UUID as text. */
void uuid_v4(char out[37]);

/* "YYYY-MM-DDTHH:MM:SSZ" for t (UTC). */
void time_iso(time_t t, char out[21]);
void time_now_iso(char out[21]);
/* Parses RFC 3339 "YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)"; -1 if invalid. */
int time_parse_iso(const char *s, time_t *out);

#endif
