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
