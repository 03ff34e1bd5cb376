/*
 * handlers.h — every handler the route table (routes.c) points at, one
 * block per resource family; each family lives in its own core/ file.
 */
#ifndef MAX_HANDLERS_H
#define MAX_HANDLERS_H

#include "http/max.h"

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

/* core/conversations.c (#57–#67), core/messages.c (#60, #68–#71),
 * core/device_tokens.c (#75–#82), core/maintenance.c (#94–#96) */
enum max_err conversations_list(struct max_ctx *c, struct max_resp *r);
enum max_err conversations_create(struct max_ctx *c, struct max_resp *r);
enum max_err conversations_purge(struct max_ctx *c, struct max_resp *r);
enum max_err conversations_active(struct max_ctx *c, struct max_resp *r);
enum max_err conversation_get(struct max_ctx *c, struct max_resp *r);
enum max_err conversation_update(struct max_ctx *c, struct max_resp *r);
enum max_err conversation_delete(struct max_ctx *c, struct max_resp *r);
enum max_err conversation_transfer(struct max_ctx *c, struct max_resp *r);
enum max_err conversation_user_get(struct max_ctx *c, struct max_resp *r);
enum max_err conversation_join(struct max_ctx *c, struct max_resp *r);
enum max_err conversation_leave(struct max_ctx *c, struct max_resp *r);
enum max_err conversation_messages_list(struct max_ctx *c, struct max_resp *r);
enum max_err conversation_message_add(struct max_ctx *c, struct max_resp *r);
enum max_err user_conversation_message_add(struct max_ctx *c, struct max_resp *r);
enum max_err messages_list(struct max_ctx *c, struct max_resp *r);
enum max_err message_image(struct max_ctx *c, struct max_resp *r);
enum max_err message_file(struct max_ctx *c, struct max_resp *r);
enum max_err tokens_add(struct max_ctx *c, struct max_resp *r);
enum max_err tokens_delete(struct max_ctx *c, struct max_resp *r);
enum max_err tokens_user_list(struct max_ctx *c, struct max_resp *r);
enum max_err tokens_user_delete(struct max_ctx *c, struct max_resp *r);
enum max_err tokens_context_list(struct max_ctx *c, struct max_resp *r);
enum max_err tokens_conversation_list(struct max_ctx *c, struct max_resp *r);
enum max_err maintenance_conversations(struct max_ctx *c, struct max_resp *r);
enum max_err maintenance_users(struct max_ctx *c, struct max_resp *r);
enum max_err maintenance_tokens(struct max_ctx *c, struct max_resp *r);

/* the activity stream: core/timeline.c (#11 #12 #15 #17 #18), core/activities.c
 * (#13 #14 #16 #19–#23), core/comments.c (#24–#29), core/reactions.c (#30–#35),
 * core/maintenance_stream.c (#91–#93) */
enum max_err timeline_get(struct max_ctx *c, struct max_resp *r);
enum max_err timeline_authors(struct max_ctx *c, struct max_resp *r);
enum max_err activities_user_list(struct max_ctx *c, struct max_resp *r);
enum max_err activities_user_add(struct max_ctx *c, struct max_resp *r);
enum max_err context_activities(struct max_ctx *c, struct max_resp *r);
enum max_err activities_context_add(struct max_ctx *c, struct max_resp *r);
enum max_err context_authors(struct max_ctx *c, struct max_resp *r);
enum max_err activities_global(struct max_ctx *c, struct max_resp *r);
enum max_err activity_get(struct max_ctx *c, struct max_resp *r);
enum max_err activity_delete(struct max_ctx *c, struct max_resp *r);
enum max_err activity_image(struct max_ctx *c, struct max_resp *r);
enum max_err activity_file(struct max_ctx *c, struct max_resp *r);
enum max_err comments_global(struct max_ctx *c, struct max_resp *r);
enum max_err comments_of_activity(struct max_ctx *c, struct max_resp *r);
enum max_err comments_add(struct max_ctx *c, struct max_resp *r);
enum max_err comment_delete(struct max_ctx *c, struct max_resp *r);
enum max_err comments_of_user(struct max_ctx *c, struct max_resp *r);
enum max_err comments_of_context(struct max_ctx *c, struct max_resp *r);
enum max_err likes_add(struct max_ctx *c, struct max_resp *r);
enum max_err like_remove(struct max_ctx *c, struct max_resp *r);
enum max_err favorites_add(struct max_ctx *c, struct max_resp *r);
enum max_err favorite_remove(struct max_ctx *c, struct max_resp *r);
enum max_err flag_add(struct max_ctx *c, struct max_resp *r);
enum max_err flag_remove(struct max_ctx *c, struct max_resp *r);
enum max_err maintenance_keywords(struct max_ctx *c, struct max_resp *r);
enum max_err maintenance_dates(struct max_ctx *c, struct max_resp *r);
enum max_err maintenance_subscriptions(struct max_ctx *c, struct max_resp *r);

/* core/avatars.c */
enum max_err avatar_person_get(struct max_ctx *c, struct max_resp *r);       /* #6, #8 */
enum max_err avatar_person_upload(struct max_ctx *c, struct max_resp *r);    /* #7 */
enum max_err avatar_conversation_get(struct max_ctx *c, struct max_resp *r); /* #10 */

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
enum max_err info_root(struct max_ctx *c, struct max_resp *r);     /* GET / */
enum max_err info_get(struct max_ctx *c, struct max_resp *r);      /* GET /info */
enum max_err info_api(struct max_ctx *c, struct max_resp *r);      /* GET /info/api */
enum max_err info_settings(struct max_ctx *c, struct max_resp *r); /* GET /info/settings */

#endif
