/*
 * consumers.h — max-bridge's consumers: the queues realtime clients and
 * producers fill (`messages`, `syncacl`, `push`), taken with manual acks.
 *
 * Each consumer is a thread with its own AMQP connection and its own
 * database connection, apart from the outbox drain in main.c: storing a
 * chat line never waits for a publish confirm, and a slow push service
 * never delays a chat line. A delivery is acked only after its
 * transaction committed; a poison one is acked (dropped) and logged once;
 * only a busy or failing database puts it back, after a pause.
 */
#ifndef MAX_BRIDGE_CONSUMERS_H
#define MAX_BRIDGE_CONSUMERS_H

#include <signal.h>

struct max_config;

/* Starts the consumer threads; they run until *stopping is set. 0 or -1. */
int consumers_start(const struct max_config *cfg, volatile sig_atomic_t *stopping);
/* Waits for them to finish (after *stopping was set). */
void consumers_join(void);

#endif
