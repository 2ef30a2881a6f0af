/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "pg.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

int sbtc_pg_conninfo_check(const char *conninfo, char *err, size_t errlen)
{
	if (conninfo == NULL || *conninfo == '\0')
		return 0;
	char *perr = NULL;
	PQconninfoOption *opts = PQconninfoParse(conninfo, &perr);
	if (opts != NULL) {
		PQconninfoFree(opts);
		return 0;
	}
	char line[400];
	char *safe = hide_unsure_quotes(perr ? perr : "out of memory", conninfo);
	first_line(safe, conninfo, NULL, line, sizeof line);
	free(safe);
	snprintf(err, errlen, "invalid --dbconn: %s", line);
	PQfreemem(perr);
	return -1;
}

void sbtc_pg_error(PGconn *conn, const char *conninfo, const char *what, char *err, size_t errlen)
{
	char line[400];
	first_line(PQerrorMessage(conn), conninfo, PQpass(conn), line, sizeof line);
	snprintf(err, errlen, "%s: %s", what, line);
}

void sbtc_pg_setup_sql(long ms, char *dst, size_t dstlen)
{
	/* Read only, and no statement may outlive the deadline. */
	snprintf(dst, dstlen,
		 "SET statement_timeout = %ld; SET lock_timeout = %ld; "
		 "BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY",
		 ms > 0 ? ms : 1, ms > 0 ? ms : 1);
}

bool sbtc_pg_results_take(PGconn *conn, sbtc_pg_results *acc)
{
	/* Keep the last result; an error in any statement fails the whole query. */
	while (!PQisBusy(conn)) {
		PGresult *r = PQgetResult(conn);
		if (r == NULL)
			return true;
		ExecStatusType es = PQresultStatus(r);
		if (!acc->failed && es != PGRES_TUPLES_OK && es != PGRES_COMMAND_OK) {
			char line[400];
			acc->failed = true;
			const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
			first_line(PQresultErrorMessage(r), NULL, PQpass(conn), line, sizeof line);
			snprintf(acc->err, sizeof acc->err, "database query failed: %s%s%s%s", line,
				 state ? " (SQLSTATE " : "", state ? state : "", state ? ")" : "");
			/* 57014 is our own statement_timeout firing. */
			acc->status = state && strcmp(state, "57014") == 0 ? SBTC_FETCH_TIMEOUT : SBTC_FETCH_ERROR;
		}
		PQclear(acc->last);
		acc->last = r;
	}
	return false;
}

PGresult *sbtc_pg_results_end(sbtc_pg_results *acc, sbtc_fetch_status *status, char *err, size_t errlen)
{
	PGresult *last = acc->last;
	acc->last = NULL;
	if (acc->failed) {
		PQclear(last);
		*status = acc->status;
		snprintf(err, errlen, "%s", acc->err);
		return NULL;
	}
	if (last == NULL) {
		*status = SBTC_FETCH_ERROR;
		snprintf(err, errlen, "database query returned nothing");
		return NULL;
	}
	*status = SBTC_FETCH_OK;
	return last;
}

void sbtc_pg_cancel(PGconn *conn)
{
	char cerr[256];
	PGcancel *c = PQgetCancel(conn);
	if (c == NULL)
		return;
	if (!PQcancel(c, cerr, sizeof cerr)) {
		/* The deadline's message says what matters. */
	}
	PQfreeCancel(c);
}
