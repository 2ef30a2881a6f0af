/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "pg.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "deadline.h"
#include "hex.h"
#include "sanitize.h"
#include "strbuf.h"

/* ---- passwords out of libpq's messages ------------------------------------------------
 * libpq quotes a conninfo, a URI or a piece of one in its messages ('invalid URI ...:
 * "postgresql://mon:S3cret@[::1"', 'invalid percent-encoded token: "..."', 'invalid port
 * number: "..."' when a raw '/' in a password made libpq read it as a port). Every message
 * made from a conninfo is masked here before it is used. */

typedef struct {
	char **items;
	size_t n;
} secrets;

static void secrets_add(secrets *s, const char *p, size_t len)
{
	if (len == 0)
		return;
	s->items = sbtc_xrealloc(s->items, (s->n + 1) * sizeof *s->items);
	s->items[s->n++] = sbtc_xstrndup(p, len);
}

/* The raw text and its percent-decoding (as libpq decodes URI parts). */
static void secrets_add_uri(secrets *s, const char *p, size_t len)
{
	secrets_add(s, p, len);
	char *d = sbtc_xmalloc(len + 1);
	size_t k = sbtc_percent_decode(p, len, d);
	if (k != len || memcmp(d, p, len) != 0)
		secrets_add(s, d, k);
	free(d);
}

static void secrets_free(secrets *s)
{
	for (size_t i = 0; i < s->n; i++) {
		memset(s->items[i], 0, strlen(s->items[i]));
		free(s->items[i]);
	}
	free(s->items);
	s->items = NULL;
	s->n = 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Every password a conninfo may hold, read as libpq reads it and also as a mistyped one
 * may be misread: "password = 'x y'" (with its quotes and escapes), a URI's user info up
 * to the first '@' before a '/' (libpq's reading) and up to the last '@' (a raw '/' or
 * '@' in the password), and a URI's "password=" query parameter. */
static void collect_secrets(const char *conninfo, secrets *out)
{
	if (conninfo == NULL)
		return;
	const char *uri = NULL;
	if (strncmp(conninfo, "postgresql://", 13) == 0)
		uri = conninfo + 13;
	else if (strncmp(conninfo, "postgres://", 11) == 0)
		uri = conninfo + 11;
	if (uri != NULL) {
		size_t first = strcspn(uri, "@/");
		const char *last = strrchr(uri, '@');
		const char *ends[2] = {uri[first] == '@' ? uri + first : NULL, last};
		for (int k = 0; k < 2; k++) {
			if (ends[k] == NULL)
				continue;
			const char *colon = memchr(uri, ':', (size_t)(ends[k] - uri));
			if (colon != NULL)
				secrets_add_uri(out, colon + 1, (size_t)(ends[k] - colon - 1));
		}
		const char *q = strchr(uri, '?');
		while (q != NULL) {
			q++;
			size_t n = strcspn(q, "&");
			if (strncmp(q, "password=", 9) == 0 && n > 9)
				secrets_add_uri(out, q + 9, n - 9);
			q = q[n] == '&' ? q + n : NULL;
		}
	} else {
		/* keyword = value pairs, as libpq's conninfo_parse reads them */
		const char *p = conninfo;
		for (;;) {
			while (is_blank(*p))
				p++;
			if (*p == '\0')
				break;
			const char *key = p;
			while (*p && *p != '=' && !is_blank(*p))
				p++;
			size_t klen = (size_t)(p - key);
			while (is_blank(*p))
				p++;
			if (*p != '=')
				continue; /* libpq refuses it; the text stays in the message's reach */
			p++;
			while (is_blank(*p))
				p++;
			sbtc_strbuf v = SBTC_STRBUF_INIT;
			const char *raw = p;
			if (*p == '\'') {
				p++;
				while (*p && *p != '\'') {
					if (*p == '\\' && p[1])
						p++;
					sbtc_strbuf_putc(&v, *p++);
				}
				if (*p == '\'')
					p++;
			} else {
				while (*p && !is_blank(*p)) {
					if (*p == '\\' && p[1])
						p++;
					sbtc_strbuf_putc(&v, *p++);
				}
			}
			if (klen == 8 && strncmp(key, "password", 8) == 0) {
				secrets_add(out, sbtc_strbuf_str(&v), v.len);
				secrets_add(out, raw, (size_t)(p - raw));
			}
			if (v.data != NULL)
				memset(v.data, 0, v.cap);
			sbtc_strbuf_free(&v);
		}
	}
	/* libpq's own reading, should it differ from the above */
	PQconninfoOption *opts = PQconninfoParse(conninfo, NULL);
	for (PQconninfoOption *o = opts; o != NULL && o->keyword != NULL; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val != NULL)
			secrets_add(out, o->val, strlen(o->val));
	PQconninfoFree(opts);
}

/* Appends text with "password=VALUE" (any case, blanks around '=', VALUE quoted or not)
 * and a URI's "user:PASSWORD@" masked. */
static void mask_patterns(sbtc_strbuf *b, const char *text)
{
	const char *p = text;
	while (*p) {
		if (strncasecmp(p, "password", 8) == 0) {
			const char *q = p + 8;
			while (*q == ' ' || *q == '\t')
				q++;
			if (*q == '=') {
				q++;
				while (*q == ' ' || *q == '\t')
					q++;
				sbtc_strbuf_append(b, p, (size_t)(q - p));
				sbtc_strbuf_puts(b, "***");
				if (*q == '\'') {
					q++;
					while (*q && *q != '\'') {
						if (*q == '\\' && q[1])
							q++;
						q++;
					}
					if (*q == '\'')
						q++;
				} else {
					q += strcspn(q, " \t\r\n&\"");
				}
				p = q;
				continue;
			}
		}
		if (strncmp(p, "://", 3) == 0) {
			const char *auth = p + 3;
			size_t tok = strcspn(auth, " \t\r\n\"'");
			const char *at = NULL;
			for (const char *x = auth; x < auth + tok; x++)
				if (*x == '@')
					at = x;
			const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
			if (colon != NULL) {
				sbtc_strbuf_append(b, p, (size_t)(colon + 1 - p));
				sbtc_strbuf_puts(b, "***");
				p = at;
				continue;
			}
		}
		sbtc_strbuf_putc(b, *p++);
	}
}

char *sbtc_pg_mask(const char *msg, const char *conninfo, const char *password)
{
	secrets sec = {NULL, 0};
	collect_secrets(conninfo, &sec);
	if (password != NULL)
		secrets_add(&sec, password, strlen(password));

	sbtc_strbuf b = SBTC_STRBUF_INIT;
	mask_patterns(&b, msg ? msg : "");
	/* Every copy of a password of 3 bytes or more; shorter ones only where libpq quoted
	 * them alone (below), lest every 'a' of the message go. */
	char *text = sbtc_strbuf_steal(&b);
	for (size_t i = 0; i < sec.n; i++) {
		size_t sl = strlen(sec.items[i]);
		if (sl < 3)
			continue;
		const char *p = text, *hit;
		while ((hit = strstr(p, sec.items[i])) != NULL) {
			sbtc_strbuf_append(&b, p, (size_t)(hit - p));
			sbtc_strbuf_puts(&b, "***");
			p = hit + sl;
		}
		sbtc_strbuf_puts(&b, p);
		free(text);
		text = sbtc_strbuf_steal(&b);
	}
	/* A quoted piece that is part of a password ("invalid port number: "S3c"" when a raw
	 * '/' split the password) is masked whole. */
	const char *p = text;
	while (*p) {
		const char *close = *p == '"' ? strchr(p + 1, '"') : NULL;
		if (close != NULL && close > p + 1) {
			char *piece = sbtc_xstrndup(p + 1, (size_t)(close - p - 1));
			bool secret = false;
			for (size_t i = 0; i < sec.n && !secret; i++)
				secret = strstr(sec.items[i], piece) != NULL;
			free(piece);
			if (secret) {
				sbtc_strbuf_puts(&b, "\"***\"");
				p = close + 1;
				continue;
			}
		}
		sbtc_strbuf_putc(&b, *p++);
	}
	free(text);
	secrets_free(&sec);
	return sbtc_strbuf_steal(&b);
}

/* A conninfo libpq cannot parse may hold a password where libpq expected something else
 * ("host=db S3cret" gives 'missing "=" after "S3cret"'): of its parse message, a quoted
 * piece is kept only when it is a separator ("=", "]") or a key as written ("hots=..."). */
static char *hide_unsure_quotes(const char *msg, const char *conninfo)
{
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	const char *p = msg;
	while (*p) {
		const char *close = *p == '"' ? strchr(p + 1, '"') : NULL;
		if (close == NULL) {
			sbtc_strbuf_putc(&b, *p++);
			continue;
		}
		size_t n = (size_t)(close - p - 1);
		bool keep = n <= 1;
		if (!keep && n > 0 && n < 64) {
			char *key = sbtc_xstrndup(p + 1, n);
			for (const char *hit = conninfo; (hit = strstr(hit, key)) != NULL; hit++) {
				const char *after = hit + n;
				while (*after == ' ' || *after == '\t')
					after++;
				bool starts = hit == conninfo || is_blank(hit[-1]) || hit[-1] == '?' || hit[-1] == '&';
				if (starts && *after == '=') {
					keep = true;
					break;
				}
			}
			free(key);
		}
		if (keep)
			sbtc_strbuf_append(&b, p, n + 2);
		else
			sbtc_strbuf_puts(&b, "(not shown)");
		p = close + 1;
	}
	return sbtc_strbuf_steal(&b);
}

/* libpq messages can span lines ("DETAIL:", "HINT:"); keep the first, made safe, with
 * every password of conninfo (and of the connection) masked. */
static void first_line(const char *msg, const char *conninfo, const char *password, char *dst,
		       size_t dstlen)
{
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	char *masked = sbtc_pg_mask(msg ? msg : "", conninfo, password);
	const char *m = masked;
	/* libpq prefixes connection failures with where it tried; that part is useful. */
	size_t n = strcspn(m, "\n");
	if (n == 0 && m[0] == '\n')
		n = strcspn(m + 1, "\n") + 1;
	sbtc_sanitize_append(&b, m, n, SBTC_REMOTE_TEXT_MAX + 100);
	sbtc_strlcpy(dst, b.len ? b.data : "no message from libpq", dstlen);
	sbtc_strbuf_free(&b);
	free(masked);
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
			char *safe = hide_unsure_quotes(perr ? perr : "out of memory", conninfo);
			first_line(safe, conninfo, NULL, line, sizeof line);
			free(safe);
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
		first_line(PQerrorMessage(conn), conninfo, PQpass(conn), line, sizeof line);
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
		first_line(PQerrorMessage(conn), NULL, PQpass(conn), line, sizeof line);
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
			first_line(PQerrorMessage(conn), NULL, PQpass(conn), line, sizeof line);
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
			first_line(PQresultErrorMessage(r), NULL, PQpass(conn), line, sizeof line);
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
