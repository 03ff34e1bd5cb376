/*
 * handlers.h — every handler the route table (routes.c) points at, one
 * block per resource family; each family lives in its own core/ file.
 */
#ifndef MAX_HANDLERS_H
#define MAX_HANDLERS_H

#include "max.h"

/* core/people.c */
enum max_err people_list(struct max_ctx *c, struct max_resp *r);
enum max_err people_create(struct max_ctx *c, struct max_resp *r);
enum max_err people_get(struct max_ctx *c, struct max_resp *r);
enum max_err people_update(struct max_ctx *c, struct max_resp *r);
enum max_err people_delete(struct max_ctx *c, struct max_resp *r);

/* core/contexts.c (#9, #36–#45) */
enum max_err context_avatar(struct max_ctx *c, struct max_resp *r);
enum max_err contexts_list(struct max_ctx *c, struct max_resp *r);
enum max_err contexts_create(struct max_ctx *c, struct max_resp *r);
enum max_err contexts_public(struct max_ctx *c, struct max_resp *r);
enum max_err context_get(struct max_ctx *c, struct max_resp *r);
enum max_err context_update(struct max_ctx *c, struct max_resp *r);
enum max_err context_delete(struct max_ctx *c, struct max_resp *r);
enum max_err context_tags_get(struct max_ctx *c, struct max_resp *r);
enum max_err context_tags_add(struct max_ctx *c, struct max_resp *r);
enum max_err context_tags_clear(struct max_ctx *c, struct max_resp *r);
enum max_err context_tag_delete(struct max_ctx *c, struct max_resp *r);

/* core/subscriptions.c (#46–#49, #53–#56) */
enum max_err subscriptions_of_person(struct max_ctx *c, struct max_resp *r);
enum max_err subscription_add(struct max_ctx *c, struct max_resp *r);
enum max_err subscriptions_of_context(struct max_ctx *c, struct max_resp *r);
enum max_err subscription_remove(struct max_ctx *c, struct max_resp *r);
enum max_err pushoptouts_of_person(struct max_ctx *c, struct max_resp *r);
enum max_err pushoptouts_of_context(struct max_ctx *c, struct max_resp *r);
enum max_err pushoptout_add(struct max_ctx *c, struct max_resp *r);
enum max_err pushoptout_remove(struct max_ctx *c, struct max_resp *r);

/* core/permissions.c (#50–#52) */
enum max_err permission_grant(struct max_ctx *c, struct max_resp *r);
enum max_err permission_revoke(struct max_ctx *c, struct max_resp *r);
enum max_err permission_reset(struct max_ctx *c, struct max_resp *r);

/* core/security.c */
enum max_err security_get(struct max_ctx *c, struct max_resp *r);
enum max_err security_users(struct max_ctx *c, struct max_resp *r);
enum max_err security_role_get(struct max_ctx *c, struct max_resp *r);
enum max_err security_role_add(struct max_ctx *c, struct max_resp *r);
enum max_err security_role_remove(struct max_ctx *c, struct max_resp *r);

/* core/exceptions.c */
enum max_err exceptions_list(struct max_ctx *c, struct max_resp *r);
enum max_err exceptions_get(struct max_ctx *c, struct max_resp *r);
enum max_err exceptions_delete(struct max_ctx *c, struct max_resp *r);

/* core/info.c */
enum max_err info_root(struct max_ctx *c, struct max_resp *r);      /* GET / */
enum max_err info_get(struct max_ctx *c, struct max_resp *r);       /* GET /info */
enum max_err info_api(struct max_ctx *c, struct max_resp *r);       /* GET /info/api */
enum max_err info_settings(struct max_ctx *c, struct max_resp *r);  /* GET /info/settings */

#endif
