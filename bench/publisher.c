/*
 * publisher.c — the yardstick for max-bridge's publish rate: a plain
 * librabbitmq program that publishes N persistent messages to one exchange
 * on a confirm-mode channel, keeping up to WINDOW of them unconfirmed (as
 * the bridge does), and prints how long from the first publish to the last
 * confirm. bench/bridge_rate runs it next to the bridge, same broker, same
 * exchange, same body.
 *
 *   publisher URL EXCHANGE KEY N [WINDOW] [BODY_BYTES] [QUEUE]
 *
 * Declares EXCHANGE (topic, durable) first; with QUEUE, also a durable
 * queue bound to it with "#" and emptied, so that the persistent messages
 * reach the disk (without, they are confirmed as unroutable). Prints:
 *   publisher: N messages in S s = R msg/s (window W, body B bytes; cpu C us/msg)
 * where C is the CPU time (user + system) this process spent per message.
 */
#include <amqp.h>
#include <amqp_tcp_socket.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define CH 1

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds this process used so far (user + system). */
static double cpu_s(void)
{
	struct rusage u;
	getrusage(RUSAGE_SELF, &u);
	return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
	       (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

static void die(const char *what, amqp_rpc_reply_t r)
{
	if (r.reply_type == AMQP_RESPONSE_NORMAL)
		return;
	fprintf(stderr, "publisher: %s failed (reply type %d)\n", what, (int)r.reply_type);
	exit(1);
}

static amqp_connection_state_t connect_to(const char *url)
{
	char *copy = strdup(url);
	struct amqp_connection_info ci;
	if (!copy || amqp_parse_url(copy, &ci) != AMQP_STATUS_OK) {
		fprintf(stderr, "publisher: bad URL\n");
		exit(2);
	}
	amqp_connection_state_t c = amqp_new_connection();
	amqp_socket_t *s = amqp_tcp_socket_new(c);
	if (!s || amqp_socket_open(s, ci.host, ci.port) != AMQP_STATUS_OK) {
		fprintf(stderr, "publisher: cannot connect\n");
		exit(1);
	}
	die("login", amqp_login(c, ci.vhost, 0, AMQP_DEFAULT_FRAME_SIZE, 30, AMQP_SASL_METHOD_PLAIN,
				ci.user, ci.password));
	free(copy);
	amqp_channel_open(c, CH);
	die("channel.open", amqp_get_rpc_reply(c));
	amqp_confirm_select(c, CH);
	die("confirm.select", amqp_get_rpc_reply(c));
	return c;
}

/* Reads the frames that arrived (waiting up to tv for the first) and
 * marks the confirmed tags; returns how many became confirmed. */
static long read_confirms(amqp_connection_state_t c, unsigned char *done, uint64_t sent,
			  uint64_t *low, struct timeval *tv)
{
	long n = 0;
	for (int first = 1;; first = 0) {
		struct timeval zero = {0, 0};
		amqp_frame_t f;
		int rc = amqp_simple_wait_frame_noblock(c, &f, first ? tv : &zero);
		if (rc == AMQP_STATUS_TIMEOUT)
			break;
		if (rc != AMQP_STATUS_OK) {
			fprintf(stderr, "publisher: connection lost: %s\n", amqp_error_string2(rc));
			exit(1);
		}
		if (f.frame_type != AMQP_FRAME_METHOD)
			continue;
		if (f.payload.method.id == AMQP_BASIC_NACK_METHOD) {
			fprintf(stderr, "publisher: nack\n");
			exit(1);
		}
		if (f.payload.method.id != AMQP_BASIC_ACK_METHOD)
			continue;
		const amqp_basic_ack_t *a = f.payload.method.decoded;
		uint64_t from = a->multiple ? *low : a->delivery_tag;
		for (uint64_t t = from; t <= a->delivery_tag && t <= sent; t++)
			if (!done[t]) {
				done[t] = 1;
				n++;
			}
		while (*low <= sent && done[*low])
			(*low)++;
		amqp_maybe_release_buffers(c);
	}
	return n;
}

static void declare_queue(amqp_connection_state_t c, const char *queue, const char *exchange)
{
	amqp_queue_declare(c, CH, amqp_cstring_bytes(queue), 0, 1, 0, 0, amqp_empty_table);
	die("queue.declare", amqp_get_rpc_reply(c));
	amqp_queue_bind(c, CH, amqp_cstring_bytes(queue), amqp_cstring_bytes(exchange),
			amqp_cstring_bytes("#"), amqp_empty_table);
	die("queue.bind", amqp_get_rpc_reply(c));
	amqp_queue_purge(c, CH, amqp_cstring_bytes(queue));
	die("queue.purge", amqp_get_rpc_reply(c));
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fputs("usage: publisher URL EXCHANGE KEY N [WINDOW] [BODY_BYTES] [QUEUE]\n",
		      stderr);
		return 2;
	}
	long n = atol(argv[4]);
	long window = argc > 5 ? atol(argv[5]) : 1024;
	long bytes = argc > 6 ? atol(argv[6]) : 300;
	if (n < 1 || window < 1 || bytes < 2 || bytes > 1 << 20)
		return 2;
	char *body = malloc((size_t)bytes + 1);
	unsigned char *done = calloc((size_t)n + 2, 1);
	if (!body || !done)
		return 1;
	memset(body, 'x', (size_t)bytes);
	body[0] = '{';
	body[bytes - 1] = '}';
	body[bytes] = 0;

	amqp_connection_state_t c = connect_to(argv[1]);
	amqp_exchange_declare(c, CH, amqp_cstring_bytes(argv[2]), amqp_cstring_bytes("topic"), 0, 1,
			      0, 0, amqp_empty_table);
	die("exchange.declare", amqp_get_rpc_reply(c));
	if (argc > 7)
		declare_queue(c, argv[7], argv[2]);

	amqp_basic_properties_t p = {0};
	p._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG;
	p.content_type = amqp_cstring_bytes("application/json");
	p.delivery_mode = 2; /* persistent, as the bridge's */
	uint64_t sent = 0, low = 1;
	long confirmed = 0;
	double t0 = now_s(), c0 = cpu_s();
	while (confirmed < n) {
		while ((long)sent < n && (long)sent - confirmed < window) {
			if (amqp_basic_publish(c, CH, amqp_cstring_bytes(argv[2]),
					       amqp_cstring_bytes(argv[3]), 0, 0, &p,
					       amqp_cstring_bytes(body)) != AMQP_STATUS_OK) {
				fprintf(stderr, "publisher: publish failed\n");
				return 1;
			}
			sent++;
		}
		struct timeval tv = {0, 50000};
		confirmed += read_confirms(c, done, sent, &low, &tv);
	}
	double secs = now_s() - t0, cpu = cpu_s() - c0;
	printf("publisher: %ld messages in %.3f s = %.0f msg/s (window %ld, body %ld bytes;"
	       " cpu %.2f us/msg)\n",
	       n, secs, (double)n / secs, window, bytes, cpu * 1e6 / (double)n);
	amqp_channel_close(c, CH, AMQP_REPLY_SUCCESS);
	amqp_connection_close(c, AMQP_REPLY_SUCCESS);
	amqp_destroy_connection(c);
	free(done);
	free(body);
	return 0;
}
