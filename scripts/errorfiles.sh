#!/bin/bash
# errorfiles.sh DIR — the bodies lighttpd sends for the errors it answers
# itself (a malformed request line, headers or body too large, no worker
# left…), as MAX's JSON error object instead of lighttpd's HTML page.
#
# lighttpd's server.errorfile-prefix serves DIR/<status>.html for a status it
# produced without a body; lighttpd/max.conf.in maps .html to JSON. Called by
# scripts/run.sh, scripts/e2e.sh and bench/run before lighttpd starts.
set -euo pipefail

DIR=${1:?usage: errorfiles.sh DIR}
mkdir -p "$DIR"

# status, MAX error name (core/http/response.c), description
while IFS='|' read -r status name text; do
	[ -n "$status" ] || continue
	printf '{"objectType":"error","error":"%s","error_description":"%s"}' \
		"$name" "$text" > "$DIR/$status.html"
done <<'TABLE'
400|ValidationError|Malformed HTTP request
403|Forbidden|Forbidden
404|ObjectNotFound|Not found
405|MethodNotAllowed|Method not allowed
408|ValidationError|Request not received in time
411|ValidationError|Content-Length required
413|RequestTooLarge|Request body too large
414|RequestTooLarge|Request URI too long
417|ValidationError|Expectation not supported
431|RequestTooLarge|Request header fields too large
500|ServerError|Internal server error
501|NotImplemented|Method not implemented
502|ServiceUnavailable|The API server is not answering, try again
503|ServiceUnavailable|The API server is busy, try again
504|ServiceUnavailable|The API server did not answer in time, try again
505|ValidationError|HTTP version not supported
TABLE
