/*
 * push.c — see push.h. The texts are the original push consumer's, in
 * its three languages; a language it did not know falls back to Catalan,
 * its default.
 */
#include "model/push.h"
#include "model/devices.h"
#include "util/buf.h"
#include "util/carrot.h"
#include "util/jsonx.h"
#include "util/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct texts {
	const char *lang, *image, *file, *activity, *comment, *chat, *got_image;
};

static const struct texts languages[] = {
	{"ca", "Imatge", "Fitxer", "He publicat una nova activitat: ", "He afegit el comentari: ",
	 "Ha iniciat un xat", "Has rebut una imatge"},
	{"es", "Imagen", "Fichero", "He publicado una nueva actividad: ",
	 "He añadido el comentario: ", "Ha iniciado un chat", "Has recibido una imagen"},
	{"en", "Image", "File", "I've published a new activity: ", "Added the comment: ",
	 "Started a chat", "You have received an image"},
};

/* Texts the portal writes itself ("I've added a document …"): they get no
 * prefix, whatever the instance's language. */
static const char *const portal_starts[] = {"I've added",    "I've modified", "He añadido",
					    "He modificado", "He afegit",     "He modificat"};

static const struct texts *texts_of(const char *lang)
{
	for (size_t i = 0; i < sizeof languages / sizeof languages[0]; i++)
		if (lang && !strcmp(lang, languages[i].lang))
			return &languages[i];
	return &languages[0];
}

/* "Add image" / "Add file" in the language, else the text itself. */
static const char *placeholder(const struct texts *t, const char *text)
{
	if (!strcmp(text, "Add image"))
		return t->image;
	if (!strcmp(text, "Add file"))
		return t->file;
	return text;
}

static void set_text(json_object *d, const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 1;
	char *s = xmalloc(n);
	snprintf(s, n, "%s%s", a, b);
	jx_set_str(d, "text", s);
	free(s);
}

/* A portal text loses its trailing " a http…" link. */
static void cut_link(json_object *d, const char *text)
{
	const char *at = NULL;
	for (const char *p = strstr(text, " a http"); p; p = strstr(p + 1, " a http"))
		at = p;
	if (!at || strpbrk(at + 3, " \t\n"))
		return;
	char *s = strndup(text, (size_t)(at - text));
	jx_set_str(d, "text", s);
	free(s);
}

static void rewrite_activity(json_object *d, const struct texts *t, const char *text)
{
	if (strcmp(placeholder(t, text), text)) {
		jx_set_str(d, "text", placeholder(t, text));
		return;
	}
	for (size_t i = 0; i < sizeof portal_starts / sizeof portal_starts[0]; i++)
		if (!strncmp(text, portal_starts[i], strlen(portal_starts[i]))) {
			cut_link(d, text);
			return;
		}
	set_text(d, t->activity, text);
}

/* add/refresh conversation: what the phone says, and whether it names
 * the sender (group conversations). */
static void rewrite_conversation(json_object *msg, json_object *d, const struct texts *t,
				 const char *text, const char *alert)
{
	const char *action = jx_str(msg, "action") ? jx_str(msg, "action") : "";
	if (json_object_object_length(d) == 0) {
		if (!strcmp(action, "add"))
			jx_set_str(d, "text", t->chat);
		else if (!strcmp(action, "refresh"))
			jx_set_str(d, "text", t->got_image);
		jx_set_str(d, "alert", "");
	} else if (json_object_object_get(d, "conversation_id")) {
		const char *creator = jx_str(d, "creator") ? jx_str(d, "creator") : "";
		struct buf head;
		buf_init(&head);
		buf_printf(&head, "%s: ", creator);
		set_text(d, head.data, placeholder(t, text));
		buf_free(&head);
		jx_set_str(d, "alert", alert);
	} else {
		jx_set_str(d, "alert", "");
	}
	jx_set_str(msg, "action", "ack");
	jx_set_str(msg, "object", "message");
}

void push_rewrite(json_object *msg, enum push_kind kind, const char *displayname, const char *lang)
{
	const struct texts *t = texts_of(lang);
	json_object *d = NULL;
	if (!jx_object(msg, "data", &d)) {
		d = json_object_new_object();
		jx_set(msg, "data", d);
	}
	char *text = xstrdup(jx_str(d, "text") ? jx_str(d, "text") : "");
	struct buf ab;
	buf_init(&ab);
	buf_printf(&ab, "%s: ", displayname);
	char *alert = buf_steal(&ab);
	switch (kind) {
	case PUSH_ACTIVITY:
		rewrite_activity(d, t, text);
		break;
	case PUSH_COMMENT:
		set_text(d, t->comment, text);
		break;
	case PUSH_MESSAGE:
		jx_set_str(d, "text", placeholder(t, text));
		break;
	case PUSH_CONVERSATION:
		rewrite_conversation(msg, d, t, text, alert);
		break;
	}
	if (kind != PUSH_CONVERSATION)
		jx_set_str(d, "alert", alert);
	free(alert);
	free(text);
}

/* u as {username, displayname}: a bare string is both; a missing
 * display name is the username. -1 without a username. */
static int normalise_user(json_object *msg, struct push_note *n)
{
	json_object *u = json_object_object_get(msg, "user");
	const char *name = NULL, *display = NULL;
	if (json_object_is_type(u, json_type_string)) {
		name = display = json_object_get_string(u);
	} else if (json_object_is_type(u, json_type_object)) {
		jx_string(u, "username", &name);
		jx_string(u, "displayname", &display);
	}
	if (!name || !*name || strlen(name) > MAX_USERNAME_MAX)
		return -1;
	snprintf(n->username, sizeof n->username, "%s", name);
	snprintf(n->displayname, sizeof n->displayname, "%s", display && *display ? display : name);
	json_object *nu = json_object_new_object();
	jx_set_str(nu, "username", n->username);
	jx_set_str(nu, "displayname", n->displayname);
	jx_set(msg, "user", nu);
	return 0;
}

/* The first run of word characters of the routing key. */
static int destination_of(const char *key, char out[PUSH_DEST_MAX + 1])
{
	size_t i = 0, n = 0;
#define WORD(c)                                                                                    \
	((c) == '_' || ((c) >= '0' && (c) <= '9') || (((c) | 32) >= 'a' && ((c) | 32) <= 'z'))
	while (key[i] && !WORD(key[i]))
		i++;
	while (WORD(key[i + n]))
		n++;
#undef WORD
	if (n == 0 || n > PUSH_DEST_MAX)
		return -1;
	memcpy(out, key + i, n);
	out[n] = 0;
	return 0;
}

static int kind_of(json_object *msg, enum push_kind *k)
{
	json_object *d = json_object_object_get(msg, "data");
	const char *o = jx_str(msg, "object") ? jx_str(msg, "object") : "";
	if (json_object_is_type(d, json_type_object) && json_object_object_get(d, "commentid"))
		*k = PUSH_COMMENT;
	else if (!strcmp(o, "activity"))
		*k = PUSH_ACTIVITY;
	else if (!strcmp(o, "message"))
		*k = PUSH_MESSAGE;
	else if (!strcmp(o, "conversation"))
		*k = PUSH_CONVERSATION;
	else
		return -1;
	return 0;
}

int push_prepare(const char *body, size_t len, const char *routing_key, const char *lang,
		 struct push_note *out, char *why, size_t whylen)
{
	memset(out, 0, sizeof *out);
	const char *err = NULL, *fail = NULL;
	json_object *msg = carrot_unpack(body, len, &err);
	if (!msg)
		fail = err;
	else if (normalise_user(msg, out) < 0)
		fail = "no username";
	else if (destination_of(routing_key ? routing_key : "", out->destination) < 0)
		fail = "no destination in the routing key";
	else if (kind_of(msg, &out->kind) < 0)
		fail = "not an activity, comment, message or conversation";
	if (fail) {
		snprintf(why, whylen, "%s", fail);
		json_object_put(msg);
		return -1;
	}
	jx_set_str(msg, "destination", out->destination);
	push_rewrite(msg, out->kind, out->displayname, lang);
	out->msg = msg;
	return 0;
}

void push_note_free(struct push_note *n)
{
	json_object_put(n->msg);
	n->msg = NULL;
}

/* ---- recipients ------------------------------------------------------------ */

struct collect {
	const struct push_note *n;
	int self; /* the sender's own devices too */
	struct push_target *t;
	int count, cap, failed;
};

static void on_token(void *arg, const char *token, const char *platform, const char *owner)
{
	struct collect *c = arg;
	if (c->failed || (!c->self && !strcmp(owner, c->n->username)))
		return;
	for (int i = 0; i < c->count; i++)
		if (!strcmp(c->t[i].token, token) && !strcmp(c->t[i].platform, platform))
			return;
	if (c->count == c->cap) {
		int cap = c->cap ? c->cap * 2 : 8;
		struct push_target *t = realloc(c->t, (size_t)cap * sizeof *t);
		if (!t) {
			c->failed = 1;
			return;
		}
		c->t = t;
		c->cap = cap;
	}
	struct push_target *p = &c->t[c->count++];
	p->token = xstrdup(token);
	snprintf(p->platform, sizeof p->platform, "%s", platform);
	snprintf(p->owner, sizeof p->owner, "%s", owner);
}

int push_recipients(struct store *st, const struct push_note *n, struct push_target **out)
{
	json_object *d = json_object_object_get(n->msg, "data");
	const char *text = jx_str(d, "text") ? jx_str(d, "text") : "";
	struct collect c = {.n = n, .self = strstr(text, "#pushdebug") != NULL};
	int rc = n->kind == PUSH_ACTIVITY || n->kind == PUSH_COMMENT
			 ? device_list_context(st, n->destination, on_token, &c)
			 : device_list_conversation(st, n->destination, on_token, &c);
	if (rc < 0 || c.failed) {
		push_targets_free(c.t, c.count);
		return -1;
	}
	*out = c.t;
	return c.count;
}

void push_targets_free(struct push_target *t, int n)
{
	for (int i = 0; i < n; i++)
		free(t[i].token);
	free(t);
}

/* ---- the FCM message --------------------------------------------------------- */

static int word_or_dash(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!(c == '_' || c == '-' || (c >= '0' && c <= '9') ||
		      ((c | 32) >= 'a' && (c | 32) <= 'z')))
			return 0;
	}
	return n > 0;
}

int push_fcm_token(const char *platform, const char *token)
{
	if (!strcmp(platform, "android"))
		return *token != 0;
	const char *colon = strchr(token, ':');
	return colon && word_or_dash(token, (size_t)(colon - token)) &&
	       !strncmp(colon + 1, "APA91", 5) && word_or_dash(colon + 6, strlen(colon + 6));
}

/* Runs of blanks (tags became blanks) as one space, none at the ends. */
static void squeeze(char *s)
{
	char *w = s;
	for (const char *r = s; *r; r++) {
		int blank = *r == ' ' || *r == '\t' || *r == '\n' || *r == '\r';
		if (!blank)
			*w++ = *r;
		else if (w > s && w[-1] != ' ')
			*w++ = ' ';
	}
	if (w > s && w[-1] == ' ')
		w--;
	*w = 0;
}

char *push_body(const char *text)
{
	char *plain = text_plain(text);
	squeeze(plain);
	size_t i = 0, chars = 0;
	while (plain[i] && chars < PUSH_BODY_CHARS) {
		i++;
		while (((unsigned char)plain[i] & 0xC0) == 0x80) /* rest of a UTF-8 sequence */
			i++;
		chars++;
	}
	if (!plain[i])
		return plain;
	char *cut = xmalloc(i + 4);
	memcpy(cut, plain, i);
	memcpy(cut + i, "...", 4);
	free(plain);
	return cut;
}

json_object *push_fcm_message(const struct push_note *n, const char *token)
{
	json_object *d = json_object_object_get(n->msg, "data"), *data = json_object_new_object(),
		    *note = json_object_new_object(), *m = json_object_new_object();
	json_object_object_foreach(d, k, v)
	{
		if (json_object_is_type(v, json_type_string))
			jx_set_str(data, k, json_object_get_string(v));
		else
			jx_set_str(data, k,
				   json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
	}
	char *body = push_body(jx_str(d, "text") ? jx_str(d, "text") : "");
	jx_set_str(note, "title", *n->displayname ? n->displayname : n->username);
	jx_set_str(note, "body", body);
	free(body);
	jx_set_str(m, "token", token);
	jx_set(m, "notification", note);
	jx_set(m, "data", data);
	json_object *top = json_object_new_object();
	jx_set(top, "message", m);
	return top;
}
