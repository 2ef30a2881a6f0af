/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PostgreSQL through libpq: connect within the deadline, then work inside one read-only
 * transaction with statement_timeout set, so a check can never write to the signer's
 * database nor hold a query open past its deadline. Credentials come from libpq's own
 * means only (conninfo, service file, PGPASSFILE, PGPASSWORD). */
#ifndef SBTC_PG_H
#define SBTC_PG_H

#include <libpq-fe.h>
#include <stddef.h>

#include <stdbool.h>

#include "fetch.h"

/* The synchronous forms (used by check_sbtc_backup) are one-exchange acquisitions on
 * a database session of lib/acquire_pg.c, which implements them.
 *
 * Connects with conninfo (keyword/value string or URI; NULL or "" uses libpq's
 * environment and defaults), names the connection application_name (unless the
 * conninfo does), and opens a read-only transaction. Returns the connection, or NULL
 * with *status (UNREACHABLE for refused/auth failures, TIMEOUT) and a one-line message. */
PGconn *sbtc_pg_connect(const char *conninfo, const char *application_name,
			sbtc_fetch_status *status, char *err, size_t errlen);

/* Runs one statement with text parameters, bounded by the deadline (cancelled when it
 * passes). Returns the result (PQclear it) when it produced rows or a command status,
 * or NULL with *status and a message. */
PGresult *sbtc_pg_query(PGconn *conn, const char *sql, int nparams, const char *const *params,
			sbtc_fetch_status *status, char *err, size_t errlen);

/* msg with every password that conninfo (NULL: none) or password (NULL: none) holds
 * masked as "***", and any "password=..." or URI "user:...@" in it; malloc'd. Every libpq
 * message is passed through it before it reaches a message of ours. */
char *sbtc_pg_mask(const char *msg, const char *conninfo, const char *password);

/* "dbname at host:port" (or on its socket) of a connection, for messages. */
void sbtc_pg_describe(PGconn *conn, char *dst, size_t dstlen);

/* ---- the pieces of a database session (lib/acquire_pg.c) ---- */

/* A conninfo libpq cannot parse: -1 with "invalid --dbconn: ..." (passwords masked). */
int sbtc_pg_conninfo_check(const char *conninfo, char *err, size_t errlen);

/* "WHAT: <first line of libpq's message>", passwords of conninfo and the connection masked. */
void sbtc_pg_error(PGconn *conn, const char *conninfo, const char *what, char *err, size_t errlen);

/* The statements that open the read-only transaction, with statement_timeout and
 * lock_timeout set to ms (what is left of the deadline). */
void sbtc_pg_setup_sql(long ms, char *dst, size_t dstlen);

/* The results of one statement, read as they arrive. */
typedef struct {
	PGresult *last;
	bool failed;
	sbtc_fetch_status status;
	char err[SBTC_FETCH_MSG_MAX];
} sbtc_pg_results;

/* Takes the results libpq holds without waiting; true once all are in. */
bool sbtc_pg_results_take(PGconn *conn, sbtc_pg_results *acc);
/* The statement's result (PQclear it), or NULL with status and message: the first
 * failing statement's ("database query failed: ... (SQLSTATE 42P01)"; 57014, our own
 * statement_timeout, is TIMEOUT). */
PGresult *sbtc_pg_results_end(sbtc_pg_results *acc, sbtc_fetch_status *status, char *err, size_t errlen);

/* Asks the server to cancel what the connection runs (on the deadline). */
void sbtc_pg_cancel(PGconn *conn);

#endif
