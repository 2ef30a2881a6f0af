/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inside the acquisition of acquire.h: what acquire_loop.c (the loop and HTTP) and
 * acquire_pg.c (the database sessions) share. The loop reaches the sessions only through the hook that the
 * first session sets, so that a check which asks no database links no libpq. */
#ifndef SBTC_ACQUIRE_LOOP_H
#define SBTC_ACQUIRE_LOOP_H

#include <curl/curl.h>

#include "acquire.h"

/* Database sessions waited on at once (a check opens one or two). */
#define SBTC_ACQ_MAX_PG 16

typedef struct {
	void (*kick)(sbtc_acq *a);                /* sends the next statement of idle sessions */
	const char *(*first_open)(sbtc_acq *a);   /* names an open session, NULL: none */
	unsigned (*wait_fds)(sbtc_acq *a, struct curl_waitfd *fds, unsigned max);
	void (*step)(sbtc_acq *a, const struct curl_waitfd *fds, unsigned nfds);
	void (*expire_all)(sbtc_acq *a);          /* the deadline passed */
	void (*free_all)(sbtc_acq *a);
} sbtc_acq_pg_ops;

typedef struct done_item {
	struct done_item *next;
	sbtc_then then;
	void *ctx;
} done_item;

typedef struct http_x http_x;

struct sbtc_acq {
	CURLM *multi;      /* made at the first HTTP exchange */
	http_x *http;      /* transfers in the multi handle */
	sbtc_pg_session *pg; /* every session started, open or not */
	const sbtc_acq_pg_ops *pg_ops; /* set by the first session */
	done_item *done, **done_tail; /* ended exchanges whose then is still to be called */
};

/* Queues then(a, ctx) for the loop to call (never from inside a start function, so that a
 * caller may finish its own set-up after starting an exchange). */
void sbtc_acq_queue_then(sbtc_acq *a, sbtc_then then, void *ctx);

/* An exchange just started: not done, PENDING, no message. */
void sbtc_acq_outcome_clear(sbtc_outcome *oc);

#endif
