/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One acquisition per run: every source a check asks is started into one loop and asked
 * at once. HTTP goes through one libcurl multi handle, PostgreSQL through libpq's
 * non-blocking API (PQconnectStartParams/PQconnectPoll, PQsendQueryParams), polled
 * together, all under the run's one deadline. A stalled source costs only itself: the
 * others finish and are judged, and the stalled one ends with its own timeout message.
 *
 * Every exchange is started with an outcome record (fetch.h) and an optional `then`
 * callback. When the exchange ends, its output and outcome are set and then is called;
 * then may start further exchanges (the next link of a chain: the compare API after the
 * release list, a tenure's tip after /v2/info), which run in the same loop.
 *
 * A protocol module (bitcoin, stacks, esplora, signer_api, github, ...) offers, for each
 * thing it reads, a start function of the same shape,
 *     void sbtc_THING_start(sbtc_acq *a, <what to ask>, THING *out, sbtc_outcome *oc,
 *                           sbtc_then then, void *ctx);
 * built on sbtc_http_get_json / sbtc_http_post_json below, and exports the parser that
 * turns an answer into THING, so that unit tests and fuzzers reach it. */
#ifndef SBTC_ACQUIRE_H
#define SBTC_ACQUIRE_H

#include <json-c/json.h>
#include <libpq-fe.h>
#include <stddef.h>

#include "fetch.h"
#include "http.h"

typedef struct sbtc_acq sbtc_acq;

/* Called once an exchange has ended (its output and outcome are set). */
typedef void (*sbtc_then)(sbtc_acq *a, void *ctx);

sbtc_acq *sbtc_acq_new(void);

/* The end of a start function's own step: frees job (its state, malloc'd) and calls the
 * caller's then (NULL: none). */
void sbtc_acq_done(sbtc_acq *a, void *job, sbtc_then then, void *ctx);

/* Runs until every started exchange, those started by then callbacks included, has
 * ended, or until the deadline. At the deadline each exchange still open ends with
 * TIMEOUT ("no answer from PEER within the deadline of N s") and its then is called, so
 * that chains end too; an exchange started once no time is left ends at once with
 * TIMEOUT ("PEER not asked: no time left before the deadline"). May be called again
 * after more exchanges were started. */
void sbtc_acq_run(sbtc_acq *a);

/* Closes database sessions and frees everything the acquisition owns. NULL is fine. */
void sbtc_acq_free(sbtc_acq *a);

/* ---- HTTP ---- */

typedef struct {
	const char *method;         /* "GET", "POST" */
	const char *url;
	const char *content_type;   /* NULL: none */
	const char *body;           /* NULL: none */
	const sbtc_http_opts *opts; /* TLS, credentials, peer name, verbosity, body cap */
} sbtc_http_req;

/* Starts one request (the request's strings are copied; opts must stay valid until
 * sbtc_acq_run returns). OK: *resp holds the answer, whatever its HTTP status, with
 * credentials masked (sbtc_http_redact). Any other status: *resp is empty and oc->msg
 * names the peer and what happened, worded as sbtc_http_request words it. */
void sbtc_acq_http(sbtc_acq *a, const sbtc_http_req *req, sbtc_http_response *resp, sbtc_outcome *oc,
		   sbtc_then then, void *ctx);

/* An answer that should be JSON. */
typedef struct {
	sbtc_http_response resp; /* the whole answer, masked */
	json_object *doc;        /* the parsed document; NULL when there is none */
} sbtc_json_answer;

void sbtc_json_answer_free(sbtc_json_answer *ans);

/* Flags for the JSON requests. */
enum {
	/* Any HTTP status is OK: doc is parsed when the body is JSON, and the caller judges
	 * resp.status (Bitcoin Core's 500 with an error object, GitHub's 403/404). Only a
	 * 200 answer must still be JSON (empty or not JSON: BAD_ANSWER as below); another
	 * status's body that is not JSON leaves doc NULL. */
	SBTC_JSON_ANY_STATUS = 1
};

/* GET (POST with body as application/json) expecting a 200 answer that is a JSON
 * document (parsed by sbtc_json_parse: strict, depth-limited; a body of `null` is OK with
 * doc NULL). On failure resp keeps what came (its status, for one) and doc is NULL.
 * Each failure has one wording, PEER being opts->peer or the URL's origin:
 *   HTTP status not 200   ERROR       "PEER answered HTTP 503: <start of the body>"
 *   empty body            BAD_ANSWER  "PEER sent an empty answer"
 *   not JSON              BAD_ANSWER  "PEER sent an answer that is not JSON: <start>"
 * plus the transport's own (unreachable, timeout, too large). The body's start is
 * sanitised and cut (SBTC_REMOTE_TEXT_MAX). */
/* Ends *oc with ERROR in the wording above for an answer whose HTTP status is not the one
 * expected: "PEER answered HTTP 503: <start of the body>". Returns ERROR. */
sbtc_fetch_status sbtc_http_status_error(sbtc_outcome *oc, const char *peer, const sbtc_http_response *r);

void sbtc_http_get_json(sbtc_acq *a, const char *url, const sbtc_http_opts *o, int flags,
			sbtc_json_answer *ans, sbtc_outcome *oc, sbtc_then then, void *ctx);
void sbtc_http_post_json(sbtc_acq *a, const char *url, const char *body, const sbtc_http_opts *o, int flags,
			 sbtc_json_answer *ans, sbtc_outcome *oc, sbtc_then then, void *ctx);

/* ---- PostgreSQL ---- */

typedef struct sbtc_pg_session sbtc_pg_session;

/* Connects without blocking, names the connection application_name (unless conninfo
 * does), and opens the read-only transaction with statement_timeout, as sbtc_pg_connect
 * does, with its messages and states. Connected, oc->msg names the database as messages
 * name it ("signer at 127.0.0.1:5432", sbtc_pg_describe). then is called once connected or
 * failed. The session belongs to the acquisition (closed by sbtc_acq_free). */
sbtc_pg_session *sbtc_acq_pg_connect(sbtc_acq *a, const char *conninfo, const char *application_name,
				     sbtc_outcome *oc, sbtc_then then, void *ctx);

/* A session on a connection the caller made (sbtc_pg_connect) and keeps: statements run
 * in the loop, and sbtc_acq_free leaves the connection open. */
sbtc_pg_session *sbtc_acq_pg_adopt(sbtc_acq *a, PGconn *conn);

/* The connection once connected (for sbtc_pg_describe); NULL before, or after failure. */
PGconn *sbtc_pg_session_conn(const sbtc_pg_session *s);

/* Sends one statement with text parameters (copied) once the session is connected;
 * statements wait their turn in the order given. OK: *res holds the result (PQclear
 * it). A failed connect fails every statement with the connect's outcome. */
void sbtc_acq_pg_query(sbtc_pg_session *s, const char *sql, int nparams, const char *const *params,
		       PGresult **res, sbtc_outcome *oc, sbtc_then then, void *ctx);

#endif
