/*
 * text.h — the text MAX derives from what users write (api.md 3): the
 * HTML sanitiser that is the widget's only XSS protection, hashtags,
 * keywords, the plain text fed to the full-text index and the safe FTS5
 * query built from a user's search string.
 *
 * Every function is pure (no database, no request) so the unit tests can
 * pin the exact output for hostile input.
 */
#ifndef MAX_TEXT_H
#define MAX_TEXT_H

#include "util/buf.h"

#include <json-c/json.h>

/* bleach.clean(strip=True) with MAX's allowed tags: every tag but
 * a abbr acronym b blockquote code em i strong u is removed (its text
 * kept; the content of script/style/… is kept as escaped text), comments
 * are dropped, only a[href,title], abbr[title], acronym[title] survive
 * (href only with http, https, mailto or no scheme), stray & < > are
 * escaped, open tags are closed. Returns a malloc'd string. */
char *text_sanitize(const char *in);

/* Hashtags (api.md 3): '#' + a run of [A-Za-z0-9_.-] or áéíóúàèìòùïöüçñ at the
 * start or after whitespace; lower-cased, in order, duplicates kept. */
json_object *text_hashtags(const char *text);

/* Keywords (api.md 3) of a text, as the original's findKeywords: lower-cased,
 * URLs removed, tokens of ≥3 keyword characters; in order, duplicates
 * kept. */
json_object *text_keywords(const char *text);

/* The private keys of a post's or comment's object from its sanitised
 * content: "hashtags" (only when there are any) and "keywords". */
void text_object_terms(json_object *object, const char *clean);

/* Appends to arr (a JSON array used as a set) each string of words that
 * it lacks. */
void text_set_add_all(json_object *arr, json_object *words);
void text_set_add(json_object *arr, const char *word);
/* A person's share of an activity's keywords: the username, its
 * '.'-separated parts and the lower-cased words of the display name. */
void text_set_add_person(json_object *arr, const char *username, const char *display_name);

/* ASCII and Latin-1 upper case to lower case, in place (UTF-8). */
char *text_lower(char *s);

/* The text of sanitised HTML without tags and with the basic entities
 * decoded, for the full-text index. Malloc'd. */
char *text_plain(const char *html);

/* A user's search string as an FTS5 query: each whitespace-separated
 * term becomes a quoted string ("term", or "term" * for a trailing *),
 * all required. Returns the number of terms (0: nothing to search), or
 * -1 when the string is too long or has too many terms. */
#define TEXT_Q_MAX_BYTES 256
#define TEXT_Q_MAX_TERMS 16
int text_fts_query(const char *q, struct buf *out);

/* "YYYY-MM-DDTHH:MM:SS.ffffffZ": UTC now with microseconds. Stored for
 * the like and flag dates so that sorting by them is exact; rendered
 * without the fraction. */
void text_now_us(char out[28]);
/* The rendered form of such a date: the first 19 characters + "Z". */
void text_date_seconds(const char *in, char out[21]);

/* Twitter names (api.md 4.1, api.md 4.2): whitespace and one leading `lead` ('@' or
 * '#') stripped, then 1..max of [A-Za-z0-9_] (and '-' when dash); writes
 * the lower-cased name to out (max + 1 bytes). 0, or -1 when invalid. */
int text_twitter_name(const char *in, char lead, int dash, size_t max, char *out);

/* Lower-cases s in place (ASCII only: user names, platforms), returns s. */
char *str_lower(char *s);

/* Can a person be called this (an already normalised name)? Names appear
 * in URL segments, exchange names and STOMP logins: 1 to MAX_USERNAME_MAX
 * bytes, printable, none of / \ ? # % " < > & + : * and no blanks. */
int text_username_ok(const char *username);

#endif
