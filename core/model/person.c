/*
 * person.c — see person.h.
 */
#include "model/person.h"
#include "model/conversations.h"
#include "model/people.h"
#include "model/roles.h"
#include "model/subscriptions.h"
#include "model/tokens.h"

int person_may_see(struct store *st, int restricted, const char *viewer, const char *target)
{
	unsigned vr = roles_of(st, viewer), tr = roles_of(st, target);
	if (!(vr & ROLE_NONVISIBLE) && (tr & ROLE_NONVISIBLE))
		return 0;
	if (!restricted)
		return 1;
	return sub_share_context(st, viewer, target) == 1;
}

enum max_err person_added(struct store *st, const char *username)
{
	return conv_person_recreated(st, username);
}

enum max_err person_rename(struct store *st, const char *username, const char *display_name)
{
	enum max_err e = people_set_display_name(st, username, display_name);
	return e ? e : conv_person_renamed(st, username, display_name);
}

/* Conversations first: leaving them needs the person's subscriptions. */
enum max_err person_forget(struct store *st, const char *username)
{
	enum max_err e = conv_forget_user(st, username);
	if (!e)
		e = sub_forget_user(st, username);
	if (!e)
		e = people_remove(st, username);
	if (!e && token_delete_user(st, username) < 0)
		e = model_fail(st, MAX_ESERVER, "token delete failed");
	return e;
}
