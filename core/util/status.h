/*
 * status.h — the status codes and sizes shared by every layer.
 *
 * Model functions return an enum max_err; the HTTP layer alone turns one
 * into a status line and MAX's JSON error body (http/response.c). The
 * sizes bound what any layer accepts, so a name that fits one fits all.
 */
#ifndef MAX_STATUS_H
#define MAX_STATUS_H

#define MAX_VERSION "5.3.27.dev0"
#define MAX_USERNAME_MAX 128 /* bytes, after lower-casing */
#define MAX_ID_LEN 24        /* ObjectId as hex */
#define MAX_HASH_LEN 40      /* sha1 hex of a context URL */
#define MAX_PARAMS 4         /* placeholders in one route pattern */

/* Every failure a handler can report; http_status_of() maps each to HTTP. */
enum max_err {
	MAX_OK = 0,
	MAX_EUNAUTHORIZED, /* 401 Unauthorized */
	MAX_EFORBIDDEN,    /* 403 Forbidden */
	MAX_EUNKNOWNUSER,  /* 400 UnknownUserError */
	MAX_EINVALIDID,    /* 400 InvalidId */
	MAX_ENOTFOUND,     /* 404 ObjectNotFound */
	MAX_EMISSING,      /* 400 MissingField */
	MAX_EVALIDATION,   /* 400 ValidationError */
	MAX_ENOTSUPPORTED, /* 400 ObjectNotSupported */
	MAX_ESEARCH,       /* 400 InvalidSearchParams */
	MAX_EPERMISSION,   /* 400 InvalidPermission */
	MAX_EDUPLICATE,    /* 400 DuplicatedItemError */
	MAX_ECOMPAT,       /* 412 CompatibilityIDMismatch */
	MAX_ETOOLARGE,     /* 413 RequestTooLarge */
	MAX_ETOOMANY,      /* 429 TooManyRequests */
	MAX_EMETHOD,       /* 405 MethodNotAllowed */
	MAX_EGONE,         /* 410 Gone */
	MAX_EUNAVAILABLE,  /* 503 ServiceUnavailable */
	MAX_ESERVER,       /* 500 ServerError (logged in the exceptions table) */
	MAX_ERR_COUNT
};

/* Global roles (api.md 1.5), a bit mask. */
enum { ROLE_MANAGER = 1, ROLE_NONVISIBLE = 2 };

#endif
