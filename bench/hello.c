/*
 * hello.c — the smallest useful FastCGI responder, the bench's baseline.
 *
 * bench/run serves it next to max.fcgi through the same lighttpd set-up
 * (same worker count), so the difference between the two request rates is
 * what MAX itself costs: routing, authentication, SQLite, JSON. It reads
 * no request body and answers every request with {"hello":"world"}.
 */
#include <fcgiapp.h>

int main(void)
{
	static const char reply[] = "Status: 200\r\n"
				    "Content-Type: application/json\r\n"
				    "Content-Length: 17\r\n"
				    "\r\n"
				    "{\"hello\":\"world\"}";
	FCGX_Request req;
	if (FCGX_Init() != 0 || FCGX_InitRequest(&req, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&req) >= 0) {
		FCGX_PutStr(reply, (int)sizeof reply - 1, req.out);
		FCGX_Finish_r(&req);
	}
	FCGX_Free(&req, 1);
	return 0;
}
