#include "pg.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "deadline.h"
#include "sanitize.h"
#include "strbuf.h"

/* libpq messages can span lines ("DETAIL:", "HINT:"); keep the first, made safe. */
static void first_line(const char *msg, char *dst, size_t dstlen)
{
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	const char *m = msg ? msg : "";
	/* libpq prefixes connection failures with where it tried; that part is useful. */
	size_t n = strcspn(m, "\n");
	if (n == 0 && m[0] == '\n')
		n = strcspn(m + 1, "\n") + 1;
	sbtc_sanitize_append(&b, m, n, SBTC_REMOTE_TEXT_MAX + 100);
	sbtc_strlcpy(dst, b.len ? b.data : "no message from libpq", dstlen);
	sbtc_strbuf_free(&b);
}

/* Waits until sock is ready for what libpq asked, or the deadline passes. */
static int wait_socket(int sock, bool for_write)
{
	long ms = sbtc_deadline_remaining_ms();
	if (ms <= 0)
		return 0;
	struct pollfd p = {.fd = sock, .events = for_write ? POLLOUT : POLLIN};
	for (;;) {
		int r = poll(&p, 1, (int)(ms > 2147483647L ? 2147483647L : ms));
		if (r >= 0 || errno != EINTR)
			return r;
		ms = sbtc_deadline_remaining_ms();
		if (ms <= 0)
			return 0;
	}
}

void sbtc_pg_describe(PGconn *conn, char *dst, size_t dstlen)
{
	const char *host = PQhost(conn);
	const char *port = PQport(conn);
	const char *db = PQdb(conn);
	if (host != NULL && host[0] == '/')
		snprintf(dst, dstlen, "%s on socket %s/.s.PGSQL.%s", db ? db : "?", host, port ? port : "?");
	else
		snprintf(dst, dstlen, "%s at %s:%s", db ? db : "?", host ? host : "?", port ? port : "?");
}

PGconn *sbtc_pg_connect(const char *conninfo, const char *application_name,
			sbtc_fetch_status *status, char *err, size_t errlen)
{
	const char *keys[] = {"dbname", "fallback_application_name", NULL};
	const char *vals[] = {conninfo && *conninfo ? conninfo : NULL, application_name, NULL};
	char line[400];

	/* A malformed conninfo is the user's mistake, not the database's. */
	if (conninfo != NULL && *conninfo != '\0') {
		char *perr = NULL;
		PQconninfoOption *opts = PQconninfoParse(conninfo, &perr);
		if (opts == NULL) {
			first_line(perr ? perr : "out of memory", line, sizeof line);
			snprintf(err, errlen, "invalid --dbconn: %s", line);
			PQfreemem(perr);
			*status = SBTC_FETCH_USAGE;
			return NULL;
		}
		PQconninfoFree(opts);
	}

	if (sbtc_deadline_expired()) {
		snprintf(err, errlen, "database not queried: no time left before the deadline");
		*status = SBTC_FETCH_TIMEOUT;
		return NULL;
	}
	sbtc_deadline_activity("connecting to the database");
	PGconn *conn = PQconnectStartParams(keys, vals, 1);
	if (conn == NULL) {
		snprintf(err, errlen, "cannot allocate a database connection");
		*status = SBTC_FETCH_USAGE;
		return NULL;
	}
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;
	while (PQstatus(conn) != CONNECTION_BAD && st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
		/* The socket can change while libpq tries the hosts of a list in turn. */
		int r = wait_socket(PQsocket(conn), st == PGRES_POLLING_WRITING);
		if (r == 0) {
			char where[200];
			sbtc_pg_describe(conn, where, sizeof where);
			snprintf(err, errlen, "database %s did not answer within the deadline", where);
			PQfinish(conn);
			*status = SBTC_FETCH_TIMEOUT;
			return NULL;
		}
		if (r < 0)
			break;
		st = PQconnectPoll(conn);
	}
	sbtc_deadline_activity(NULL);
	if (PQstatus(conn) != CONNECTION_OK) {
		first_line(PQerrorMessage(conn), line, sizeof line);
		snprintf(err, errlen, "cannot connect to the database: %s", line);
		PQfinish(conn);
		*status = SBTC_FETCH_UNREACHABLE;
		return NULL;
	}

	/* Read only, and no statement may outlive the deadline. */
	char setup[200];
	long ms = sbtc_deadline_remaining_ms();
	snprintf(setup, sizeof setup,
		 "SET statement_timeout = %ld; SET lock_timeout = %ld; "
		 "BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY",
		 ms > 0 ? ms : 1, ms > 0 ? ms : 1);
	PGresult *res = sbtc_pg_query(conn, setup, 0, NULL, status, err, errlen);
	if (res == NULL) {
		PQfinish(conn);
		return NULL;
	}
	PQclear(res);
	*status = SBTC_FETCH_OK;
	return conn;
}

PGresult *sbtc_pg_query(PGconn *conn, const char *sql, int nparams, const char *const *params,
			sbtc_fetch_status *status, char *err, size_t errlen)
{
	char line[400];
	int sent = nparams > 0 ? PQsendQueryParams(conn, sql, nparams, NULL, params, NULL, NULL, 0)
			       : PQsendQuery(conn, sql);
	if (!sent) {
		first_line(PQerrorMessage(conn), line, sizeof line);
		snprintf(err, errlen, "cannot send a query to the database: %s", line);
		*status = SBTC_FETCH_UNREACHABLE;
		return NULL;
	}
	sbtc_deadline_activity("waiting for a database query");
	while (PQisBusy(conn)) {
		int r = wait_socket(PQsocket(conn), false);
		if (r == 0) {
			char cerr[256];
			PGcancel *c = PQgetCancel(conn);
			if (c != NULL) {
				if (!PQcancel(c, cerr, sizeof cerr)) {
					/* The deadline message below says what matters. */
				}
				PQfreeCancel(c);
			}
			snprintf(err, errlen, "database query did not finish within the deadline");
			*status = SBTC_FETCH_TIMEOUT;
			sbtc_deadline_activity(NULL);
			return NULL;
		}
		if (r < 0 || !PQconsumeInput(conn)) {
			first_line(PQerrorMessage(conn), line, sizeof line);
			snprintf(err, errlen, "lost the database connection: %s", line);
			*status = SBTC_FETCH_UNREACHABLE;
			sbtc_deadline_activity(NULL);
			return NULL;
		}
	}
	sbtc_deadline_activity(NULL);

	/* Keep the last result; an error in any statement fails the whole query. */
	PGresult *last = NULL, *r;
	bool failed = false;
	while ((r = PQgetResult(conn)) != NULL) {
		ExecStatusType es = PQresultStatus(r);
		if (!failed && es != PGRES_TUPLES_OK && es != PGRES_COMMAND_OK) {
			failed = true;
			const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
			first_line(PQresultErrorMessage(r), line, sizeof line);
			snprintf(err, errlen, "database query failed: %s%s%s%s", line, state ? " (SQLSTATE " : "",
				 state ? state : "", state ? ")" : "");
			/* 57014 is our own statement_timeout firing. */
			*status = state && strcmp(state, "57014") == 0 ? SBTC_FETCH_TIMEOUT : SBTC_FETCH_ERROR;
		}
		PQclear(last);
		last = r;
	}
	if (failed) {
		PQclear(last);
		return NULL;
	}
	if (last == NULL) {
		snprintf(err, errlen, "database query returned nothing");
		*status = SBTC_FETCH_ERROR;
	}
	return last;
}
