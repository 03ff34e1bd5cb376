/*
 * routes.c — the route table: one row per (route, method) of endpoints.md
 * plus GET / and the three /info routes.
 *
 * Route names, placeholder names, categories and titles are the original
 * MAX's (max/routes.py); permission names are those of endpoints.md (the original's
 * max/security/permissions.py). The router, the HTTP layer's access checks
 * and GET /info/api all read this table and nothing else; `make doc`
 * turns it into doc/api.md. Every row has a handler.
 */
#include "http/router.h"
#include "http/handlers.h"

/* endpoints.md permission names, as in the original's permissions module. */
#define P_ADD_PEOPLE "Add people"
#define P_LIST_PEOPLE "List visible people"
#define P_VIEW_PROFILE "View user profile"
#define P_MODIFY_USER "Modify user profile"
#define P_DELETE_USER "Delete user"
#define P_MODIFY_AVATAR "Modify a user's avatar"
#define P_ADD_CONTEXT "Add context"
#define P_LIST_CONTEXTS "List contexts"
#define P_LIST_PUBLIC_CONTEXTS "List public contexts"
#define P_VIEW_CONTEXT "View context"
#define P_MODIFY_CONTEXT "Can modify context"
#define P_DELETE_CONTEXT "Delete context"
#define P_ADD_SUBSCRIPTION "Subscribe an user to a context"
#define P_REMOVE_SUBSCRIPTION "Unsubscribe an user to a context"
#define P_SUBSCRIPTION_PERMS "Grant or revoke permissions on a subscription"
#define P_VIEW_SUBSCRIPTIONS "View all subscriptions of user to a context"
#define P_VIEW_ACTIVITY "View activity"
#define P_LIST_ACTIVITIES "View activities"
#define P_ADD_ACTIVITY "Add activity"
#define P_DELETE_ACTIVITY "Delete activity"
#define P_FLAG "Flag an activity"
#define P_UNFLAG "Unflag an activity"
#define P_FAVORITE "Favorite an activity"
#define P_UNFAVORITE "Unfavorite an activity"
#define P_LIKE "Like an activity"
#define P_UNLIKE "Unlike an activity"
#define P_LIST_COMMENTS "View activity comments"
#define P_ADD_COMMENT "Add a comment to an activity"
#define P_DELETE_COMMENT "Delete a activity comment"
#define P_VIEW_TIMELINE "View user timeline activities"
#define P_LIST_CONVERSATIONS "List conversations"
#define P_ADD_CONVERSATION "Add conversation"
#define P_VIEW_CONVERSATION "View conversation"
#define P_VIEW_CONVERSATION_SUB "View conversation subscription"
#define P_MODIFY_CONVERSATION "Modify conversation"
#define P_DELETE_CONVERSATION "Delete conversation"
#define P_PURGE_CONVERSATIONS "Delete everyone's conversations"
#define P_ADD_PARTICIPANT "Add a participant to a conversation"
#define P_DELETE_PARTICIPANT "Delete a participant from a conversation"
#define P_TRANSFER_OWNERSHIP "Transfer a conversation to another user"
#define P_ADD_MESSAGE "Add a message to a conversation"
#define P_LIST_MESSAGES "View all conversation messages"
#define P_VIEW_MESSAGE "View a conversation message and attachments"
#define P_ADD_TOKEN "Add a new device token"
#define P_DELETE_TOKEN "Delete a device token"
#define P_LIST_TOKENS "List and query tokens"
#define P_MANAGE_SECURITY "Manage security settings"
#define P_MAINTENANCE "Execute maintenance tasks"
#define P_SERVER_SETTINGS "View detailed server settings"

#define AO RT_ACTOR_OPTIONAL
#define CNT RT_COUNTS
#define FS RT_FILESYSTEM

/* name, pattern, method, handler, acl, permission, flags, category, title, description */
/* clang-format off: one row per endpoint, laid out by hand */
const struct route routes[] = {
	/* People (#1–#5) */
	{"users", "/people", "GET", people_list, ACL_AUTH, P_LIST_PEOPLE, 0, "User", "Users",
	 "Search users"},
	{"users", "/people", "POST", people_create, ACL_HANDLER, P_ADD_PEOPLE, AO, "User", "Users",
	 "Add a user"},
	{"user", "/people/{username}", "GET", people_get, ACL_AUTH, P_VIEW_PROFILE, 0, "User",
	 "User", "Get a user"},
	{"user", "/people/{username}", "PUT", people_update, ACL_OWN, P_MODIFY_USER, 0, "User",
	 "User", "Modify a user"},
	{"user", "/people/{username}", "DELETE", people_delete, ACL_MANAGER, P_DELETE_USER, 0,
	 "User", "User", "Delete a user"},

	/* Avatars (#6–#10) */
	{"avatar", "/people/{username}/avatar", "GET", avatar_person_get, ACL_PUBLIC, NULL, FS,
	 "User", "User avatar", "Get user avatar"},
	{"avatar", "/people/{username}/avatar", "POST", avatar_person_upload, ACL_OWN,
	 P_MODIFY_AVATAR, FS, "User", "User avatar", "Upload user avatar"},
	{"avatar_sizes", "/people/{username}/avatar/{size}", "GET", avatar_person_get, ACL_PUBLIC,
	 NULL, FS, "User", "User avatar sizes", "Get user avatar"},
	{"context_avatar", "/contexts/{hash}/avatar", "GET", context_avatar, ACL_PUBLIC, NULL, FS,
	 "Contexts", "Context avatar", "Get context avatar"},
	{"conversation_avatar", "/conversations/{id}/avatar", "GET", avatar_conversation_get,
	 ACL_PUBLIC, NULL, FS, "Conversations", "Conversation avatar", "Get conversation avatar"},

	/* Timeline and activities (#11–#23) */
	{"timeline", "/people/{username}/timeline", "GET", timeline_get, ACL_OWN, P_VIEW_TIMELINE,
	 0, "Activities", "User Timeline", "Get user timeline"},
	{"timeline_authors", "/people/{username}/timeline/authors", "GET", timeline_authors,
	 ACL_OWN, P_VIEW_TIMELINE, CNT, "Activities", "User Timeline authors",
	 "Get timeline authors"},
	{"user_activities", "/people/{username}/activities", "GET", activities_user_list, ACL_AUTH,
	 P_LIST_ACTIVITIES, CNT, "Activities", "User activities", "Get user activities"},
	{"user_activities", "/people/{username}/activities", "POST", activities_user_add, ACL_OWN,
	 P_ADD_ACTIVITY, 0, "Activities", "User activities", "Add a timeline activity"},
	{"context_activities", "/contexts/{hash}/activities", "GET", context_activities,
	 ACL_HANDLER, P_LIST_ACTIVITIES, CNT, "Activities", "Context activities",
	 "Get context activities"},
	{"context_activities", "/contexts/{hash}/activities", "POST", activities_context_add,
	 ACL_HANDLER, P_ADD_ACTIVITY, 0, "Activities", "Context activities",
	 "Add a context activity"},
	{"context_activities_authors", "/contexts/{hash}/activities/authors", "GET",
	 context_authors, ACL_HANDLER, P_LIST_ACTIVITIES, CNT, "Activities", "Context authors",
	 "Get context authors"},
	{"activities", "/activities", "GET", activities_global, ACL_MANAGER, P_LIST_ACTIVITIES, CNT,
	 "Activities", "Activities", "Get global activities"},
	{"activity", "/activities/{activity}", "GET", activity_get, ACL_HANDLER, P_VIEW_ACTIVITY, 0,
	 "Activities", "Activity", "Get an activity"},
	{"activity", "/activities/{activity}", "DELETE", activity_delete, ACL_HANDLER,
	 P_DELETE_ACTIVITY, 0, "Activities", "Activity", "Delete an activity"},
	{"activity_image", "/activities/{activity}/image", "GET", activity_image, ACL_HANDLER,
	 P_VIEW_ACTIVITY, 0, "Activities", "Image", "Get an activity image"},
	{"activity_image_sizes", "/activities/{activity}/image/{size}", "GET", activity_image,
	 ACL_HANDLER, P_VIEW_ACTIVITY, 0, "Activities", "Named size Image",
	 "Get an activity image"},
	{"activity_file_download", "/activities/{activity}/file/download", "GET", activity_file,
	 ACL_HANDLER, P_VIEW_ACTIVITY, 0, "Activities", "File", "Get an activity file"},

	/* Comments (#24–#29) */
	{"comments", "/activities/comments", "GET", comments_global, ACL_MANAGER, P_LIST_COMMENTS,
	 CNT, "Comments", "Comments (Global)", "Get global comments"},
	{"activity_comments", "/activities/{activity}/comments", "GET", comments_of_activity,
	 ACL_HANDLER, P_LIST_COMMENTS, 0, "Comments", "Activity comments", "Get activity comments"},
	{"activity_comments", "/activities/{activity}/comments", "POST", comments_add, ACL_HANDLER,
	 P_ADD_COMMENT, 0, "Comments", "Activity comments", "Add a comment to an activity"},
	{"activity_comment", "/activities/{activity}/comments/{comment}", "DELETE", comment_delete,
	 ACL_HANDLER, P_DELETE_COMMENT, 0, "Comments", "Activity comment",
	 "Delete an activity comment"},
	{"user_comments", "/people/{username}/comments", "GET", comments_of_user, ACL_OWN,
	 P_LIST_COMMENTS, CNT, "Comments", "User comments", "Get user comments"},
	{"context_comments", "/contexts/{hash}/comments", "GET", comments_of_context, ACL_HANDLER,
	 P_LIST_COMMENTS, CNT, "Comments", "Context comments", "Get context activities comments"},

	/* Likes, favorites, flags (#30–#35) */
	{"likes", "/activities/{activity}/likes", "POST", likes_add, ACL_HANDLER, P_LIKE, 0,
	 "Activities", "Activity likes", "Like activity"},
	{"like", "/activities/{activity}/likes/{username}", "DELETE", like_remove, ACL_HANDLER,
	 P_UNLIKE, 0, "Activities", "Activity like", "Unlike activity"},
	{"favorites", "/activities/{activity}/favorites", "POST", favorites_add, ACL_HANDLER,
	 P_FAVORITE, 0, "Activities", "Activity favorites", "Favorite activity"},
	{"favorite", "/activities/{activity}/favorites/{username}", "DELETE", favorite_remove,
	 ACL_HANDLER, P_UNFAVORITE, 0, "Activities", "Activity favorite", "Unfavorite activity"},
	{"flag", "/activities/{activity}/flag", "POST", flag_add, ACL_HANDLER, P_FLAG, 0,
	 "Activities", "Activity flag", "Flag an activity"},
	{"flag", "/activities/{activity}/flag", "DELETE", flag_remove, ACL_HANDLER, P_UNFLAG, 0,
	 "Activities", "Activity flag", "Unflag an activity"},

	/* Contexts (#36–#45) */
	{"contexts", "/contexts", "GET", contexts_list, ACL_MANAGER, P_LIST_CONTEXTS, 0, "Contexts",
	 "Contexts", "Get all contexts"},
	{"contexts", "/contexts", "POST", contexts_create, ACL_MANAGER, P_ADD_CONTEXT, 0,
	 "Contexts", "Contexts", "Adds a context"},
	{"public_contexts", "/contexts/public", "GET", contexts_public, ACL_AUTH,
	 P_LIST_PUBLIC_CONTEXTS, 0, "Contexts", "Public contexts", "Get all public contexts"},
	{"context", "/contexts/{hash}", "GET", context_get, ACL_AUTH, P_VIEW_CONTEXT, 0, "Contexts",
	 "Context", "Get a context"},
	{"context", "/contexts/{hash}", "PUT", context_update, ACL_HANDLER, P_MODIFY_CONTEXT, 0,
	 "Contexts", "Context", "Modify a context"},
	{"context", "/contexts/{hash}", "DELETE", context_delete, ACL_HANDLER, P_DELETE_CONTEXT, 0,
	 "Contexts", "Context", "Delete a context"},
	{"context_tags", "/contexts/{hash}/tags", "GET", context_tags_get, ACL_AUTH, P_VIEW_CONTEXT,
	 0, "Contexts", "Context tags", "Get context tags"},
	{"context_tags", "/contexts/{hash}/tags", "PUT", context_tags_add, ACL_HANDLER,
	 P_MODIFY_CONTEXT, 0, "Contexts", "Context tags", "Add context tags"},
	{"context_tags", "/contexts/{hash}/tags", "DELETE", context_tags_clear, ACL_HANDLER,
	 P_MODIFY_CONTEXT, 0, "Contexts", "Context tags", "Delete all context tags"},
	{"context_tag", "/contexts/{hash}/tags/{tag}", "DELETE", context_tag_delete, ACL_HANDLER,
	 P_MODIFY_CONTEXT, 0, "Contexts", "Context tag", "Delete a context tag"},

	/* Subscriptions, permissions, push opt-out (#46–#56) */
	{"subscriptions", "/people/{username}/subscriptions", "GET", subscriptions_of_person,
	 ACL_OWN, P_VIEW_SUBSCRIPTIONS, 0, "Subscriptions", "User subscriptions",
	 "Get all user subscriptions"},
	{"context_subscriptions", "/contexts/{hash}/subscriptions", "POST", subscription_add,
	 ACL_HANDLER, P_ADD_SUBSCRIPTION, 0, "Contexts", "Users subscribed to context",
	 "Subscribe user to context"},
	{"context_subscriptions", "/contexts/{hash}/subscriptions", "GET", subscriptions_of_context,
	 ACL_HANDLER, P_VIEW_SUBSCRIPTIONS, 0, "Contexts", "Users subscribed to context",
	 "Get all context subscriptions"},
	{"context_subscription", "/contexts/{hash}/subscriptions/{username}", "DELETE",
	 subscription_remove, ACL_HANDLER, P_REMOVE_SUBSCRIPTION, 0, "Contexts",
	 "User subscription", "Unsubscribe user from context"},
	{"context_user_permission", "/contexts/{hash}/permissions/{username}/{permission}", "PUT",
	 permission_grant, ACL_HANDLER, P_SUBSCRIPTION_PERMS, 0, "Contexts", "Context permission",
	 "Grant user permission on context"},
	{"context_user_permission", "/contexts/{hash}/permissions/{username}/{permission}",
	 "DELETE", permission_revoke, ACL_HANDLER, P_SUBSCRIPTION_PERMS, 0, "Contexts",
	 "Context permission", "Revoke user permission on context"},
	{"context_user_permissions_defaults", "/contexts/{hash}/permissions/{username}/defaults",
	 "POST", permission_reset, ACL_HANDLER, P_SUBSCRIPTION_PERMS, 0, "Contexts",
	 "Context permissions defaults", "Reset user permissions on context"},
	{"unsubscriptionpush", "/people/{username}/unsubscriptionpush", "GET",
	 pushoptouts_of_person, ACL_OWN, P_VIEW_SUBSCRIPTIONS, 0, "Subscriptions",
	 "User unsubscriptionsPush", "Get all user unSubscriptionsPush"},
	{"context_users_unsubscriptionpush", "/contexts/{hash}/unsubscriptionpush", "GET",
	 pushoptouts_of_context, ACL_HANDLER, P_VIEW_SUBSCRIPTIONS, 0, "Contexts",
	 "Users unsubscribed push to context", "Get all users UnSubscriptionsPush to context"},
	{"context_unsubscriptionpush", "/contexts/{hash}/unsubscriptionpush/{username}", "POST",
	 pushoptout_add, ACL_HANDLER, P_ADD_SUBSCRIPTION, 0, "Contexts", "User unsubscribed push",
	 "Unsubscribes Push the user to the context"},
	{"context_subscriptionpush", "/contexts/{hash}/subscriptionpush/{username}", "DELETE",
	 pushoptout_remove, ACL_HANDLER, P_REMOVE_SUBSCRIPTION, 0, "Contexts",
	 "User subscription push", "Subscribes Push the user from the context"},

	/* Conversations and messages (#57–#74) */
	{"conversations", "/conversations", "GET", conversations_list, ACL_AUTH,
	 P_LIST_CONVERSATIONS, 0, "Conversations", "Conversations", "Get user conversations"},
	{"conversations", "/conversations", "POST", conversations_create, ACL_AUTH,
	 P_ADD_CONVERSATION, 0, "Conversations", "Conversations", "Add a new conversation"},
	{"conversations", "/conversations", "DELETE", conversations_purge, ACL_MANAGER,
	 P_PURGE_CONVERSATIONS, 0, "Conversations", "Conversations", "Delete all conversations"},
	/* MAX differs from the original: Manager only (the original let any user list them). */
	{"conversations_active", "/conversations/active", "GET", conversations_active, ACL_MANAGER,
	 P_LIST_CONVERSATIONS, CNT, "Conversations", "Active conversations",
	 "Get active conversations inspecting messages"},
	{"conversation", "/conversations/{id}", "GET", conversation_get, ACL_HANDLER,
	 P_VIEW_CONVERSATION, 0, "Conversations", "Conversation", "Get a conversation"},
	{"conversation", "/conversations/{id}", "PUT", conversation_update, ACL_HANDLER,
	 P_MODIFY_CONVERSATION, 0, "Conversations", "Conversation", "Modify a conversation"},
	{"conversation", "/conversations/{id}", "DELETE", conversation_delete, ACL_HANDLER,
	 P_DELETE_CONVERSATION, 0, "Conversations", "Conversation", "Delete a conversation"},
	{"conversation_owner", "/conversations/{id}/owner", "PUT", conversation_transfer,
	 ACL_HANDLER, P_TRANSFER_OWNERSHIP, 0, "Conversations", "Conversation owner",
	 "Transfer conversation ownership"},
	{"user_conversation", "/people/{username}/conversations/{id}", "GET", conversation_user_get,
	 ACL_HANDLER, P_VIEW_CONVERSATION_SUB, 0, "Conversations", "User conversation",
	 "Get a user conversation subscription"},
	{"participants", "/conversations/{id}/participants", "POST", conversation_join, ACL_HANDLER,
	 P_ADD_PARTICIPANT, 0, "Conversations", "Conversation participants", "Join conversation"},
	{"participant", "/conversations/{id}/participants/{username}", "DELETE", conversation_leave,
	 ACL_HANDLER, P_DELETE_PARTICIPANT, 0, "Conversations", "Conversation participant",
	 "Leave conversation"},
	{"conversation_messages", "/conversations/{id}/messages", "GET", conversation_messages_list,
	 ACL_HANDLER, P_LIST_MESSAGES, 0, "Conversations", "Conversation messages",
	 "Get all messages from a conversation"},
	{"conversation_messages", "/conversations/{id}/messages", "POST", conversation_message_add,
	 ACL_HANDLER, P_ADD_MESSAGE, 0, "Conversations", "Conversation messages",
	 "Adds a message to a conversation"},
	{"user_conversation_messages", "/people/{username}/conversations/{id}/messages", "POST",
	 user_conversation_message_add, ACL_HANDLER, P_ADD_MESSAGE, 0, "Conversations",
	 "User conversation messages", "Adds a message to a conversation"},
	{"messages", "/messages", "GET", messages_list, ACL_MANAGER, P_LIST_MESSAGES, CNT,
	 "Messages", "All messages", "Get all messages"},
	{"message_image", "/messages/{id}/image", "GET", message_image, ACL_HANDLER, P_VIEW_MESSAGE,
	 0, "Messages", "Image", "Get a message image"},
	{"message_image_sizes", "/messages/{id}/image/{size}", "GET", message_image, ACL_HANDLER,
	 P_VIEW_MESSAGE, 0, "Messages", "Named size Image", "Get a message image"},
	{"message_file_download", "/messages/{id}/file/download", "GET", message_file, ACL_HANDLER,
	 P_VIEW_MESSAGE, 0, "Messages", "File", "Get a message file"},

	/* Device tokens (#75–#82) */
	{"tokens", "/tokens", "POST", tokens_add, ACL_SELF, P_ADD_TOKEN, 0, "Tokens",
	 "Device tokens", "Adds a user device token"},
	{"token", "/tokens/{token}", "DELETE", tokens_delete, ACL_HANDLER, P_DELETE_TOKEN, 0,
	 "Tokens", "Device token", "Delete user device token"},
	{"user_tokens", "/people/{username}/tokens", "GET", tokens_user_list, ACL_SELF,
	 P_LIST_TOKENS, 0, "Tokens", "User device tokens", "Get all user tokens"},
	{"user_tokens", "/people/{username}/tokens", "DELETE", tokens_user_delete, ACL_OWN,
	 P_DELETE_TOKEN, 0, "Tokens", "User device tokens", "Delete all user device tokens"},
	{"user_platform_tokens", "/people/{username}/tokens/platforms/{platform}", "GET",
	 tokens_user_list, ACL_SELF, P_LIST_TOKENS, 0, "Tokens", "User device tokens by platform",
	 "Get all user tokens for platform"},
	{"user_platform_tokens", "/people/{username}/tokens/platforms/{platform}", "DELETE",
	 tokens_user_delete, ACL_OWN, P_DELETE_TOKEN, 0, "Tokens", "User device tokens by platform",
	 "Delete all user device tokens for platform"},
	{"context_push_tokens", "/contexts/{hash}/tokens", "GET", tokens_context_list, ACL_MANAGER,
	 P_LIST_TOKENS, 0, "Tokens", "Context tokens", "Return context tokens"},
	{"conversation_push_tokens", "/conversations/{id}/tokens", "GET", tokens_conversation_list,
	 ACL_MANAGER, P_LIST_TOKENS, 0, "Tokens", "Conversation tokens",
	 "Return conversation tokens"},

	/* Info (#83–#85) and the banner */
	{"root", "/", "GET", info_root, ACL_PUBLIC, NULL, 0, "Management", "Root", "Server banner"},
	{"info", "/info", "GET", info_get, ACL_PUBLIC, NULL, AO, "Management", "Public settings",
	 "Returns the public server settings"},
	{"info_api", "/info/api", "GET", info_api, ACL_PUBLIC, NULL, AO, "Management",
	 "Api endpoints definition", "Returns the catalogue of endpoints"},
	{"info_settings", "/info/settings", "GET", info_settings, ACL_MANAGER, P_SERVER_SETTINGS,
	 AO, "Management", "Restricted settings", "Returns all server settings"},

	/* Admin: security (#86–#90) */
	{"admin_security", "/admin/security", "GET", security_get, ACL_MANAGER, P_MANAGE_SECURITY,
	 AO, "Management", "Security settings", "Get security settings"},
	{"admin_security_users", "/admin/security/users", "GET", security_users, ACL_MANAGER,
	 P_MANAGE_SECURITY, AO, "Management", "Users with security", "Get users roles"},
	{"admin_security_role_user", "/admin/security/roles/{role}/users/{user}", "GET",
	 security_role_get, ACL_MANAGER, P_MANAGE_SECURITY, AO, "Management", "User role",
	 "Check if user has a role"},
	{"admin_security_role_user", "/admin/security/roles/{role}/users/{user}", "POST",
	 security_role_add, ACL_MANAGER, P_MANAGE_SECURITY, AO, "Management", "User role",
	 "Grants a role to a user"},
	{"admin_security_role_user", "/admin/security/roles/{role}/users/{user}", "DELETE",
	 security_role_remove, ACL_MANAGER, P_MANAGE_SECURITY, AO, "Management", "User role",
	 "Removes a role from a user"},

	/* Admin: maintenance (#91–#99) */
	{"maintenance_keywords", "/admin/maintenance/keywords", "POST", maintenance_keywords,
	 ACL_MANAGER, P_MAINTENANCE, AO, "Management", "Keywords maintenance",
	 "Rebuild keywords of all activities"},
	{"maintenance_dates", "/admin/maintenance/dates", "POST", maintenance_dates, ACL_MANAGER,
	 P_MAINTENANCE, AO, "Management", "Dates maintenance", "Rebuild dates of activities"},
	{"maintenance_subscriptions", "/admin/maintenance/subscriptions", "POST",
	 maintenance_subscriptions, ACL_MANAGER, P_MAINTENANCE, AO, "Management",
	 "Subscriptions maintenance", "Rebuild context subscriptions"},
	{"maintenance_conversations", "/admin/maintenance/conversations", "POST",
	 maintenance_conversations, ACL_MANAGER, P_MAINTENANCE, AO, "Management",
	 "Conversations maintenance", "Rebuild conversation subscriptions"},
	{"maintenance_users", "/admin/maintenance/users", "POST", maintenance_users, ACL_MANAGER,
	 P_MAINTENANCE, AO, "Management", "Users Maintenance", "Rebuild users"},
	{"maintenance_tokens", "/admin/maintenance/tokens", "POST", maintenance_tokens, ACL_MANAGER,
	 P_MAINTENANCE, AO, "Management", "Tokens Maintenance", "Rebuild tokens"},
	{"maintenance_exceptions", "/admin/maintenance/exceptions", "GET", exceptions_list,
	 ACL_MANAGER, P_MAINTENANCE, AO, "Management", "Error Exception list",
	 "Get all exceptions"},
	{"maintenance_exception", "/admin/maintenance/exceptions/{hash}", "GET", exceptions_get,
	 ACL_MANAGER, P_MAINTENANCE, AO, "Management", "Error Exception", "Get an exception"},
	{"maintenance_exception", "/admin/maintenance/exceptions/{hash}", "DELETE",
	 exceptions_delete, ACL_MANAGER, P_MAINTENANCE, AO, "Management", "Error Exception",
	 "Delete an exception"},
};
/* clang-format on */

const size_t routes_count = sizeof routes / sizeof routes[0];
