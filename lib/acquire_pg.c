/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PostgreSQL in the acquisition loop (acquire.h): libpq's non-blocking API
 * (PQconnectStartParams/PQconnectPoll, PQsendQueryParams, PQconsumeInput), each session's
 * socket waited on beside libcurl's; and the synchronous sbtc_pg_connect/sbtc_pg_query of
 * pg.h as acquisitions of one exchange. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acquire_loop.h"
#include "deadline.h"
#include "pg.h"
#include "strbuf.h"

typedef struct pg_q {
	struct pg_q *next;
	char *sql;
	int nparams;
	char **params;
	PGresult **res;
	sbtc_outcome *oc;
	sbtc_then then;
	void *ctx;
} pg_q;

typedef enum { PG_CONNECTING, PG_SETUP, PG_READY, PG_FAILED } pg_phase;

struct sbtc_pg_session {
	sbtc_pg_session *next;
	sbtc_acq *a;
	PGconn *conn;
	bool borrowed;   /* a connection of the caller's (sbtc_acq_pg_adopt): not finished here */
	bool reblock;    /* ... made non-blocking here, and blocking again when freed */
	char *conninfo;
	pg_phase phase;
	PostgresPollingStatusType poll;
	bool busy;       /* a statement is out; its results are being read */
	bool flushing;   /* libpq still holds some of it to send */
	sbtc_pg_results acc;
	pg_q *cur;       /* the statement out (NULL: the set-up) */
	pg_q *queue, **tail;
	int fdi;         /* its place in the wait's descriptors, -1: none */
	sbtc_outcome *connect_oc;
	sbtc_then then;
	void *ctx;
	sbtc_outcome failure; /* how a failed session ended: every later statement ends so */
};

static void pg_q_free(pg_q *q)
{
	free(q->sql);
	for (int i = 0; i < q->nparams; i++)
		free(q->params[i]);
	free(q->params);
	free(q);
}

static void pg_q_end(sbtc_acq *a, pg_q *q, PGresult *res, sbtc_fetch_status st, const char *msg)
{
	*q->res = res;
	sbtc_outcome_set(q->oc, st, "%s", msg);
	sbtc_acq_queue_then(a, q->then, q->ctx);
	pg_q_free(q);
}

/* Ends the session: the connect (unless ended) and every statement with this outcome. */
static void pg_fail(sbtc_acq *a, sbtc_pg_session *s, sbtc_fetch_status st, const char *msg)
{
	if (s->phase == PG_FAILED)
		return;
	bool connected = s->phase == PG_READY;
	s->phase = PG_FAILED;
	s->busy = s->flushing = false;
	sbtc_outcome_set(&s->failure, st, "%s", msg);
	PQclear(s->acc.last);
	s->acc.last = NULL;
	if (!connected && s->connect_oc != NULL) {
		sbtc_outcome_set(s->connect_oc, st, "%s", msg);
		sbtc_acq_queue_then(a, s->then, s->ctx);
	}
	if (s->cur != NULL) {
		pg_q_end(a, s->cur, NULL, st, msg);
		s->cur = NULL;
	}
	while (s->queue != NULL) {
		pg_q *q = s->queue;
		s->queue = q->next;
		pg_q_end(a, q, NULL, st, msg);
	}
	s->tail = &s->queue;
}

static void pg_kick(sbtc_acq *a);
static const char *pg_first_open(sbtc_acq *a);
static unsigned pg_wait_fds(sbtc_acq *a, struct curl_waitfd *fds, unsigned max);
static void pg_step(sbtc_acq *a, const struct curl_waitfd *fds, unsigned nfds);
static void pg_expire_all(sbtc_acq *a);
static void pg_free_all(sbtc_acq *a);

static const sbtc_acq_pg_ops pg_ops = {
	.kick = pg_kick,
	.first_open = pg_first_open,
	.wait_fds = pg_wait_fds,
	.step = pg_step,
	.expire_all = pg_expire_all,
	.free_all = pg_free_all,
};

static sbtc_pg_session *pg_session_new(sbtc_acq *a, sbtc_outcome *oc, sbtc_then then, void *ctx)
{
	sbtc_pg_session *s = sbtc_xcalloc(1, sizeof *s);
	s->a = a;
	s->tail = &s->queue;
	s->fdi = -1;
	s->connect_oc = oc;
	s->then = then;
	s->ctx = ctx;
	s->next = a->pg;
	a->pg = s;
	a->pg_ops = &pg_ops;
	if (oc != NULL)
		sbtc_acq_outcome_clear(oc);
	return s;
}

sbtc_pg_session *sbtc_acq_pg_connect(sbtc_acq *a, const char *conninfo, const char *application_name,
				     sbtc_outcome *oc, sbtc_then then, void *ctx)
{
	const char *keys[] = {"dbname", "fallback_application_name", NULL};
	const char *vals[] = {conninfo && *conninfo ? conninfo : NULL, application_name, NULL};
	char err[SBTC_FETCH_MSG_MAX];
	sbtc_pg_session *s = pg_session_new(a, oc, then, ctx);
	s->conninfo = conninfo ? sbtc_xstrdup(conninfo) : NULL;

	/* A malformed conninfo is the user's mistake, not the database's. */
	if (sbtc_pg_conninfo_check(conninfo, err, sizeof err) != 0) {
		pg_fail(a, s, SBTC_FETCH_USAGE, err);
	} else if (sbtc_deadline_expired()) {
		pg_fail(a, s, SBTC_FETCH_TIMEOUT, "database not queried: no time left before the deadline");
	} else if ((s->conn = PQconnectStartParams(keys, vals, 1)) == NULL) {
		pg_fail(a, s, SBTC_FETCH_USAGE, "cannot allocate a database connection");
	} else if (PQstatus(s->conn) == CONNECTION_BAD) {
		sbtc_pg_error(s->conn, s->conninfo, "cannot connect to the database", err, sizeof err);
		pg_fail(a, s, SBTC_FETCH_UNREACHABLE, err);
	} else {
		s->phase = PG_CONNECTING;
		s->poll = PGRES_POLLING_WRITING;
	}
	return s;
}

sbtc_pg_session *sbtc_acq_pg_adopt(sbtc_acq *a, PGconn *conn)
{
	sbtc_pg_session *s = pg_session_new(a, NULL, NULL, NULL);
	s->conn = conn;
	s->borrowed = true;
	s->phase = PG_READY;
	/* Blocking, the loop would still work, only wait on a send the deadline cannot stop. */
	s->reblock = !PQisnonblocking(conn) && PQsetnonblocking(conn, 1) == 0;
	return s;
}

PGconn *sbtc_pg_session_conn(const sbtc_pg_session *s)
{
	return s != NULL && (s->phase == PG_READY || s->phase == PG_SETUP) ? s->conn : NULL;
}

void sbtc_acq_pg_query(sbtc_pg_session *s, const char *sql, int nparams, const char *const *params,
		       PGresult **res, sbtc_outcome *oc, sbtc_then then, void *ctx)
{
	pg_q *q = sbtc_xcalloc(1, sizeof *q);
	q->sql = sbtc_xstrdup(sql);
	q->nparams = nparams > 0 ? nparams : 0;
	q->params = sbtc_xcalloc((size_t)q->nparams + 1, sizeof *q->params);
	for (int i = 0; i < q->nparams; i++)
		q->params[i] = params[i] ? sbtc_xstrdup(params[i]) : NULL;
	q->res = res;
	q->oc = oc;
	q->then = then;
	q->ctx = ctx;
	*res = NULL;
	sbtc_acq_outcome_clear(oc);
	if (s->phase == PG_FAILED) {
		/* queued for the loop all the same: then is never called from here */
		pg_q_end(s->a, q, NULL, s->failure.status, s->failure.msg);
		return;
	}
	*s->tail = q;
	s->tail = &q->next;
}

/* Whatever libpq could not send at once goes out as the socket takes it. */
static bool pg_flush(sbtc_acq *a, sbtc_pg_session *s)
{
	int r = PQflush(s->conn);
	if (r < 0) {
		char err[SBTC_FETCH_MSG_MAX];
		sbtc_pg_error(s->conn, NULL, "lost the database connection", err, sizeof err);
		pg_fail(a, s, SBTC_FETCH_UNREACHABLE, err);
		return false;
	}
	s->flushing = r == 1;
	return true;
}

/* Sends a statement (text parameters; none: the simple protocol, which takes several). */
static bool pg_send(sbtc_acq *a, sbtc_pg_session *s, const char *sql, int nparams, const char *const *params)
{
	int sent = nparams > 0 ? PQsendQueryParams(s->conn, sql, nparams, NULL, params, NULL, NULL, 0)
			       : PQsendQuery(s->conn, sql);
	if (!sent) {
		char err[SBTC_FETCH_MSG_MAX];
		sbtc_pg_error(s->conn, NULL, "cannot send a query to the database", err, sizeof err);
		if (s->cur != NULL && s->phase == PG_READY) {
			/* this statement fails; the session may take the next */
			pg_q_end(a, s->cur, NULL, SBTC_FETCH_UNREACHABLE, err);
			s->cur = NULL;
		} else {
			pg_fail(a, s, SBTC_FETCH_UNREACHABLE, err);
		}
		return false;
	}
	memset(&s->acc, 0, sizeof s->acc);
	s->busy = true;
	return pg_flush(a, s);
}

/* Sends the next statement of each idle session. */
static void pg_kick(sbtc_acq *a)
{
	for (sbtc_pg_session *s = a->pg; s != NULL; s = s->next) {
		while (s->phase == PG_READY && !s->busy && s->queue != NULL) {
			if (sbtc_deadline_expired()) {
				pg_fail(a, s, SBTC_FETCH_TIMEOUT, "database not queried: no time left before the deadline");
				break;
			}
			s->cur = s->queue;
			s->queue = s->cur->next;
			if (s->queue == NULL)
				s->tail = &s->queue;
			if (pg_send(a, s, s->cur->sql, s->cur->nparams, (const char *const *)s->cur->params))
				break;
		}
	}
}

static bool pg_open(const sbtc_pg_session *s)
{
	return s->phase == PG_CONNECTING || s->phase == PG_SETUP || s->busy ||
	       (s->phase == PG_READY && s->queue != NULL);
}

static const char *pg_first_open(sbtc_acq *a)
{
	for (sbtc_pg_session *s = a->pg; s != NULL; s = s->next)
		if (pg_open(s))
			return "the database";
	return NULL;
}

static unsigned pg_wait_fds(sbtc_acq *a, struct curl_waitfd *fds, unsigned max)
{
	unsigned n = 0;
	for (sbtc_pg_session *s = a->pg; s != NULL; s = s->next) {
		s->fdi = -1;
		if (n == max || !(s->phase == PG_CONNECTING || s->busy) || PQsocket(s->conn) < 0)
			continue;
		short ev;
		if (s->phase == PG_CONNECTING)
			ev = s->poll == PGRES_POLLING_READING ? CURL_WAIT_POLLIN : CURL_WAIT_POLLOUT;
		else
			ev = (short)(CURL_WAIT_POLLIN | (s->flushing ? CURL_WAIT_POLLOUT : 0));
		fds[n] = (struct curl_waitfd){.fd = PQsocket(s->conn), .events = ev, .revents = 0};
		s->fdi = (int)n++;
	}
	return n;
}

/* The statement's results are all in: the set-up opens the session, a query ends. */
static void pg_statement_done(sbtc_acq *a, sbtc_pg_session *s)
{
	char err[SBTC_FETCH_MSG_MAX];
	sbtc_fetch_status st;
	PGresult *r = sbtc_pg_results_end(&s->acc, &st, err, sizeof err);
	s->busy = false;
	if (s->phase == PG_SETUP) {
		/* a failed set-up fails the session, the statement sent with it included */
		if (r == NULL) {
			pg_fail(a, s, st, err);
			return;
		}
		s->phase = PG_READY;
		if (s->connect_oc != NULL) {
			char where[200];
			sbtc_pg_describe(s->conn, where, sizeof where);
			sbtc_outcome_set(s->connect_oc, SBTC_FETCH_OK, "%s", where);
		}
		sbtc_acq_queue_then(a, s->then, s->ctx);
		if (s->cur == NULL) {
			PQclear(r);
			return;
		}
	}
	pg_q_end(a, s->cur, r, st, r != NULL ? "" : err);
	s->cur = NULL;
}

static void pg_connect_step(sbtc_acq *a, sbtc_pg_session *s)
{
	s->poll = PQconnectPoll(s->conn);
	if (s->poll == PGRES_POLLING_FAILED || PQstatus(s->conn) == CONNECTION_BAD) {
		char err[SBTC_FETCH_MSG_MAX];
		sbtc_pg_error(s->conn, s->conninfo, "cannot connect to the database", err, sizeof err);
		pg_fail(a, s, SBTC_FETCH_UNREACHABLE, err);
		return;
	}
	if (s->poll != PGRES_POLLING_OK)
		return;
	char setup[200];
	s->phase = PG_SETUP;
	if (PQsetnonblocking(s->conn, 1) != 0) {
		char err[SBTC_FETCH_MSG_MAX];
		sbtc_pg_error(s->conn, NULL, "cannot use the database connection", err, sizeof err);
		pg_fail(a, s, SBTC_FETCH_UNREACHABLE, err);
		return;
	}
	sbtc_pg_setup_sql(sbtc_deadline_remaining_ms(), setup, sizeof setup);
	pg_q *first = s->queue;
	if (first == NULL || first->nparams > 0) {
		pg_send(a, s, setup, 0, NULL);
		return;
	}
	/* The set-up and a first statement without parameters go out as one string: one
	 * round trip less, which on a busy host is a scheduling delay less. */
	s->queue = first->next;
	if (s->queue == NULL)
		s->tail = &s->queue;
	s->cur = first;
	char *both = sbtc_xasprintf("%s; %s", setup, first->sql);
	pg_send(a, s, both, 0, NULL);
	free(both);
}

static void pg_step(sbtc_acq *a, const struct curl_waitfd *fds, unsigned nfds)
{
	for (sbtc_pg_session *s = a->pg; s != NULL; s = s->next) {
		if (s->fdi < 0 || (unsigned)s->fdi >= nfds || fds[s->fdi].revents == 0)
			continue;
		short rev = fds[s->fdi].revents;
		s->fdi = -1;
		if (s->phase == PG_CONNECTING) {
			pg_connect_step(a, s);
			continue;
		}
		if (!s->busy)
			continue;
		if ((rev & CURL_WAIT_POLLIN) && !PQconsumeInput(s->conn)) {
			char err[SBTC_FETCH_MSG_MAX];
			sbtc_pg_error(s->conn, NULL, "lost the database connection", err, sizeof err);
			pg_fail(a, s, SBTC_FETCH_UNREACHABLE, err);
			continue;
		}
		if (s->flushing && !pg_flush(a, s))
			continue;
		if (sbtc_pg_results_take(s->conn, &s->acc))
			pg_statement_done(a, s);
	}
}

static void pg_expire_all(sbtc_acq *a)
{
	for (sbtc_pg_session *s = a->pg; s != NULL; s = s->next) {
		if (!pg_open(s))
			continue;
		if (s->phase == PG_CONNECTING) {
			char where[200], msg[300];
			sbtc_pg_describe(s->conn, where, sizeof where);
			snprintf(msg, sizeof msg, "database %s did not answer within the deadline", where);
			pg_fail(a, s, SBTC_FETCH_TIMEOUT, msg);
		} else if (s->busy) {
			sbtc_pg_cancel(s->conn);
			pg_fail(a, s, SBTC_FETCH_TIMEOUT, "database query did not finish within the deadline");
		} else {
			pg_fail(a, s, SBTC_FETCH_TIMEOUT, "database not queried: no time left before the deadline");
		}
	}
}

static void pg_free_all(sbtc_acq *a)
{
	while (a->pg != NULL) {
		sbtc_pg_session *s = a->pg;
		a->pg = s->next;
		PQclear(s->acc.last);
		if (s->cur != NULL)
			pg_q_free(s->cur);
		while (s->queue != NULL) {
			pg_q *q = s->queue;
			s->queue = q->next;
			pg_q_free(q);
		}
		if (s->conn != NULL && !s->borrowed)
			PQfinish(s->conn);
		if (s->reblock && PQsetnonblocking(s->conn, 0) != 0) {
			/* the caller's next call finds the connection as it is */
		}
		free(s->conninfo);
		free(s);
	}
}

/* ---- one exchange at a time, for the synchronous callers ------------------------------ */

PGconn *sbtc_pg_connect(const char *conninfo, const char *application_name,
			sbtc_fetch_status *status, char *err, size_t errlen)
{
	sbtc_acq *a = sbtc_acq_new();
	sbtc_outcome oc;
	sbtc_pg_session *s = sbtc_acq_pg_connect(a, conninfo, application_name, &oc, NULL, NULL);
	sbtc_acq_run(a);
	PGconn *conn = NULL;
	if (oc.status == SBTC_FETCH_OK) {
		conn = s->conn;
		s->conn = NULL;
		/* the caller's own libpq calls (COPY, for one) expect a blocking connection */
		if (PQsetnonblocking(conn, 0) != 0) {
			sbtc_pg_error(conn, NULL, "cannot use the database connection", oc.msg, sizeof oc.msg);
			oc.status = SBTC_FETCH_UNREACHABLE;
			PQfinish(conn);
			conn = NULL;
		}
	}
	sbtc_acq_free(a);
	*status = oc.status;
	snprintf(err, errlen, "%s", oc.msg);
	return conn;
}

PGresult *sbtc_pg_query(PGconn *conn, const char *sql, int nparams, const char *const *params,
			sbtc_fetch_status *status, char *err, size_t errlen)
{
	sbtc_acq *a = sbtc_acq_new();
	sbtc_outcome oc;
	PGresult *res = NULL;
	sbtc_pg_session *s = sbtc_acq_pg_adopt(a, conn);
	sbtc_acq_pg_query(s, sql, nparams, params, &res, &oc, NULL, NULL);
	sbtc_acq_run(a);
	sbtc_acq_free(a);
	*status = oc.status;
	snprintf(err, errlen, "%s", oc.msg);
	return res;
}
