/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "secret_scan.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

/* ------------------------------------------------------------------ kinds */

const char *sbtc_conf_kind_name(sbtc_conf_kind kind)
{
	switch (kind) {
	case SBTC_CONF_TOML: return "TOML config";
	case SBTC_CONF_ENV: return "environment file";
	case SBTC_CONF_COMPOSE: return "compose file";
	case SBTC_CONF_UNIT: return "systemd unit";
	}
	return "file";
}

int sbtc_conf_kind_parse(const char *text, size_t n)
{
	static const char *const names[] = {"toml", "env", "compose", "unit"};
	for (int i = 0; i < 4; i++)
		if (strlen(names[i]) == n && memcmp(names[i], text, n) == 0)
			return i;
	return -1;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

sbtc_conf_kind sbtc_conf_kind_guess(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base != NULL ? base + 1 : path;
	if (ends_with(base, ".toml"))
		return SBTC_CONF_TOML;
	if (ends_with(base, ".service"))
		return SBTC_CONF_UNIT;
	if ((ends_with(base, ".yml") || ends_with(base, ".yaml")) &&
	    (strncmp(base, "docker-compose", 14) == 0 || strncmp(base, "compose", 7) == 0))
		return SBTC_CONF_COMPOSE;
	return SBTC_CONF_ENV;
}

/* ------------------------------------------------------------------ values */

static bool is_name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* The whole value is $NAME or ${...}: the secret lives elsewhere (compose's .env, the
 * shell, envsubst). */
static bool is_reference(const char *v, size_t n)
{
	if (n < 2 || v[0] != '$')
		return false;
	if (v[1] == '{')
		return v[n - 1] == '}' && memchr(v + 2, '}', n - 3) == NULL;
	for (size_t i = 1; i < n; i++)
		if (!is_name_char(v[i]))
			return false;
	return true;
}

bool sbtc_conninfo_has_password(const char *v, size_t n)
{
	for (size_t i = 0; i + 3 <= n; i++) {
		if (memcmp(v + i, "://", 3) != 0)
			continue;
		const char *auth = v + i + 3;
		size_t alen = 0;
		while (auth + alen < v + n && auth[alen] != '/' && auth[alen] != '?' && auth[alen] != '#')
			alen++;
		const char *at = NULL;
		for (size_t k = 0; k < alen; k++)
			if (auth[k] == '@')
				at = auth + k;
		if (at == NULL)
			return false;
		/* user:password, a ':' inside a ${VAR:-default} reference not counted */
		const char *colon = NULL;
		int braces = 0;
		for (const char *q = auth; q < at && colon == NULL; q++) {
			if (*q == '{' && q > auth && q[-1] == '$')
				braces++;
			else if (*q == '}' && braces > 0)
				braces--;
			else if (*q == ':' && braces == 0)
				colon = q;
		}
		if (colon == NULL)
			return false;
		size_t plen = (size_t)(at - colon - 1);
		return plen > 0 && !is_reference(colon + 1, plen);
	}
	/* libpq's keyword form: password=VALUE or password = 'VALUE' */
	for (size_t i = 0; i + 8 <= n; i++) {
		if (memcmp(v + i, "password", 8) != 0 || (i > 0 && v[i - 1] != ' ' && v[i - 1] != '\t'))
			continue;
		size_t j = i + 8;
		while (j < n && (v[j] == ' ' || v[j] == '\t'))
			j++;
		if (j >= n || v[j] != '=')
			continue;
		j++;
		while (j < n && (v[j] == ' ' || v[j] == '\t'))
			j++;
		if (j < n && v[j] == '\'')
			return j + 1 < n && v[j + 1] != '\'';
		size_t s = j;
		while (j < n && v[j] != ' ' && v[j] != '\t')
			j++;
		return j > s && !is_reference(v + s, j - s);
	}
	return false;
}

/* ------------------------------------------------------------------ findings */

static void add_hit(sbtc_secret_scan *s, sbtc_secret_kind kind, const char *name, unsigned long line, bool inl)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		s->hits = sbtc_xrealloc(s->hits, s->cap * sizeof *s->hits);
	}
	s->hits[s->n++] = (sbtc_secret_hit){.kind = kind, .line = line, .name = name, .inline_env = inl};
}

static void bad(sbtc_secret_scan *s, unsigned long line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void bad(sbtc_secret_scan *s, unsigned long line, const char *fmt, ...)
{
	s->bad_lines++;
	if (s->bad_line != 0)
		return;
	s->bad_line = line;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->bad_why, sizeof s->bad_why, fmt, ap);
	va_end(ap);
}

static void add_env_file(sbtc_secret_scan *s, const char *path, size_t n, bool optional)
{
	s->env_files = sbtc_xrealloc(s->env_files, (s->nenv_files + 1) * sizeof *s->env_files);
	s->env_files_optional = sbtc_xrealloc(s->env_files_optional, (s->nenv_files + 1) * sizeof(bool));
	s->env_files[s->nenv_files] = sbtc_xstrndup(path, n);
	s->env_files_optional[s->nenv_files] = optional;
	s->nenv_files++;
}

/* An environment variable (NAME=VALUE, from any of the formats but TOML): a hit when NAME
 * is one of the signer's secrets and VALUE holds it here. */
static void env_var(sbtc_secret_scan *s, const char *name, size_t nlen, const char *v, size_t vlen,
		    unsigned long line, bool inl)
{
	static const struct {
		const char *name;
		sbtc_secret_kind kind;
		bool url;
	} vars[] = {
		{"SIGNER_SIGNER__PRIVATE_KEY", SBTC_SECRET_PRIVATE_KEY, false},
		{"SIGNER_SIGNER__DB_ENDPOINT", SBTC_SECRET_DB_PASSWORD, true},
		{"POSTGRES_PASSWORD", SBTC_SECRET_DB_PASSWORD, false},
	};
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		if (strlen(vars[i].name) != nlen || memcmp(vars[i].name, name, nlen) != 0)
			continue;
		bool secret = vars[i].url ? sbtc_conninfo_has_password(v, vlen) : vlen > 0 && !is_reference(v, vlen);
		if (secret)
			add_hit(s, vars[i].kind, vars[i].name, line, inl);
	}
}

/* Wipes a buffer that held a value (the compiler may not drop it). */
static void wipe(sbtc_strbuf *b)
{
	if (b->data != NULL) {
		volatile char *p = b->data;
		for (size_t i = 0; i < b->cap; i++)
			p[i] = 0;
	}
	sbtc_strbuf_free(b);
}

/* ------------------------------------------------------------------ a text and its lines */

typedef struct {
	const char *p, *end;
	unsigned long line;
} cursor;

static bool at_eol(const cursor *c)
{
	return c->p >= c->end || *c->p == '\n' || (*c->p == '\r' && (c->p + 1 >= c->end || c->p[1] == '\n'));
}

static void skip_blanks(cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
}

/* Past the end of the current line (and its newline). */
static void next_line(cursor *c)
{
	const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
	c->p = nl != NULL ? nl + 1 : c->end;
	c->line++;
}

/* ------------------------------------------------------------------ TOML */

/* A basic string's escape at c->p (after the backslash): appended decoded to b (NULL:
 * only checked). False when it is not one TOML knows. */
static bool toml_escape(cursor *c, sbtc_strbuf *b)
{
	if (c->p >= c->end)
		return false;
	char e = *c->p++;
	const char *simple = "btnfr\"\\e", *to = "\b\t\n\f\r\"\\\x1b";
	const char *hit = memchr(simple, e, 8);
	if (hit != NULL) {
		if (b != NULL)
			sbtc_strbuf_putc(b, to[hit - simple]);
		return true;
	}
	int digits = e == 'u' ? 4 : e == 'U' ? 8 : e == 'x' ? 2 : 0;
	if (digits == 0 || c->end - c->p < digits)
		return false;
	for (int i = 0; i < digits; i++) {
		char h = c->p[i];
		if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F')))
			return false;
	}
	c->p += digits;
	if (b != NULL)
		sbtc_strbuf_putc(b, '?'); /* a character outside ASCII: only its presence matters */
	return true;
}

/* A string at c->p (on its opening quote). Decoded into b when b is not NULL. Multi-line
 * strings may span lines (c->line follows). False with *why when it does not end. */
static bool toml_string(cursor *c, sbtc_strbuf *b, const char **why)
{
	char q = *c->p;
	bool multi = c->end - c->p >= 3 && c->p[1] == q && c->p[2] == q;
	c->p += multi ? 3 : 1;
	if (multi && c->p < c->end && *c->p == '\n') {
		c->p++;
		c->line++;
	} else if (multi && c->end - c->p >= 2 && c->p[0] == '\r' && c->p[1] == '\n') {
		c->p += 2;
		c->line++;
	}
	while (c->p < c->end) {
		char ch = *c->p;
		if (ch == q) {
			if (!multi) {
				c->p++;
				return true;
			}
			if (c->end - c->p >= 3 && c->p[1] == q && c->p[2] == q) {
				c->p += 3;
				/* up to two more quotes belong to the string */
				for (int k = 0; k < 2 && c->p < c->end && *c->p == q; k++) {
					if (b != NULL)
						sbtc_strbuf_putc(b, q);
					c->p++;
				}
				return true;
			}
		}
		if (ch == '\n') {
			if (!multi) {
				*why = "a string is not closed on its line";
				return false;
			}
			c->line++;
		}
		if (ch == '\\' && q == '"') {
			c->p++;
			if (multi && c->p < c->end && (*c->p == '\n' || *c->p == ' ' || *c->p == '\t' || *c->p == '\r')) {
				/* a line-ending backslash: the break and the blanks after it go */
				while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || *c->p == '\n')) {
					if (*c->p == '\n')
						c->line++;
					c->p++;
				}
				continue;
			}
			if (!toml_escape(c, b)) {
				*why = "a string holds an escape TOML does not know";
				return false;
			}
			continue;
		}
		if (b != NULL)
			sbtc_strbuf_putc(b, ch);
		c->p++;
	}
	*why = "a string is not closed before the end of the file";
	return false;
}

static bool toml_bare_key_char(char ch)
{
	return is_name_char(ch) || ch == '-';
}

/* A dotted key at c->p; *last is its last part, decoded when quoted (malloc'd). */
static bool toml_key(cursor *c, char **last, const char **why)
{
	for (;;) {
		skip_blanks(c);
		sbtc_strbuf part = SBTC_STRBUF_INIT;
		if (c->p < c->end && (*c->p == '"' || *c->p == '\'')) {
			unsigned long l0 = c->line;
			if (!toml_string(c, &part, why) || c->line != l0) {
				sbtc_strbuf_free(&part);
				if (c->line != l0)
					*why = "a key spans lines";
				return false;
			}
		} else {
			const char *s = c->p;
			while (c->p < c->end && toml_bare_key_char(*c->p))
				c->p++;
			if (c->p == s) {
				*why = "a key was expected";
				return false;
			}
			sbtc_strbuf_append(&part, s, (size_t)(c->p - s));
		}
		free(*last);
		*last = sbtc_strbuf_steal(&part);
		skip_blanks(c);
		if (c->p < c->end && *c->p == '.') {
			c->p++;
			continue;
		}
		return true;
	}
}

/* An array or inline table from its opening bracket to the matching one, across lines,
 * strings and comments. *mentions: it names private_key or db_endpoint somewhere. */
static bool toml_skip_nested(cursor *c, bool *mentions, const char **why)
{
	int depth = 0;
	while (c->p < c->end) {
		char ch = *c->p;
		if (ch == '[' || ch == '{') {
			depth++;
			c->p++;
		} else if (ch == ']' || ch == '}') {
			depth--;
			c->p++;
			if (depth == 0)
				return true;
			if (depth < 0)
				break;
		} else if (ch == '"' || ch == '\'') {
			if (!toml_string(c, NULL, why))
				return false;
		} else if (ch == '#') {
			while (c->p < c->end && *c->p != '\n')
				c->p++;
		} else {
			if (ch == '\n')
				c->line++;
			if ((c->end - c->p >= 11 && memcmp(c->p, "private_key", 11) == 0) ||
			    (c->end - c->p >= 11 && memcmp(c->p, "db_endpoint", 11) == 0))
				*mentions = true;
			c->p++;
		}
	}
	*why = "an array or inline table is not closed before the end of the file";
	return false;
}

/* The rest of the line after a value: blanks and a comment only. */
static bool toml_line_end(cursor *c, const char **why)
{
	skip_blanks(c);
	if (c->p < c->end && *c->p == '#')
		while (c->p < c->end && *c->p != '\n')
			c->p++;
	if (!at_eol(c)) {
		*why = "text follows a value on its line";
		return false;
	}
	return true;
}

/* One key = value; the cursor at the key. */
static bool toml_pair(cursor *c, sbtc_secret_scan *s, const char **why)
{
	char *key = NULL;
	if (!toml_key(c, &key, why)) {
		free(key);
		return false;
	}
	bool is_key = strcmp(key, "private_key") == 0, is_db = strcmp(key, "db_endpoint") == 0;
	free(key);
	if (c->p >= c->end || *c->p != '=') {
		*why = "a key is not followed by '='";
		return false;
	}
	c->p++;
	skip_blanks(c);
	unsigned long line = c->line;
	if (at_eol(c)) {
		*why = "a key has no value";
		return false;
	}
	char ch = *c->p;
	sbtc_strbuf v = SBTC_STRBUF_INIT;
	bool ok = true, secret = false;
	if (ch == '"' || ch == '\'') {
		ok = toml_string(c, (is_key || is_db) ? &v : NULL, why);
		if (ok && is_key)
			secret = v.len > 0 && !is_reference(v.data, v.len);
		if (ok && is_db)
			secret = sbtc_conninfo_has_password(sbtc_strbuf_str(&v), v.len);
	} else if (ch == '[' || ch == '{') {
		bool mentions = false;
		ok = toml_skip_nested(c, &mentions, why);
		secret = is_key || is_db || mentions; /* not what the signer reads: taken as a secret */
		if (mentions && !is_key && !is_db)
			is_key = true;
	} else {
		const char *st = c->p;
		while (c->p < c->end && *c->p != '#' && *c->p != '\n')
			c->p++;
		const char *e = c->p;
		while (e > st && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		for (const char *q = st; q < e; q++)
			if (!(is_name_char(*q) || *q == '-' || *q == '+' || *q == '.' || *q == ':' || *q == ' ')) {
				*why = "a value is neither a string, a number, a date, a boolean, an array nor a table";
				ok = false;
				break;
			}
		secret = ok && (is_key || is_db);
	}
	wipe(&v);
	if (!ok)
		return false;
	if (secret)
		add_hit(s, is_key ? SBTC_SECRET_PRIVATE_KEY : SBTC_SECRET_DB_PASSWORD, is_key ? "private_key" : "db_endpoint",
			line, false);
	return toml_line_end(c, why);
}

/* [table] or [[array of tables]]. */
static bool toml_header(cursor *c, const char **why)
{
	bool twice = c->end - c->p >= 2 && c->p[1] == '[';
	c->p += twice ? 2 : 1;
	char *last = NULL;
	bool ok = toml_key(c, &last, why);
	free(last);
	if (!ok)
		return false;
	for (int k = 0; k < (twice ? 2 : 1); k++) {
		if (c->p >= c->end || *c->p != ']') {
			*why = "a table header is not closed";
			return false;
		}
		c->p++;
	}
	return toml_line_end(c, why);
}

static void scan_toml(cursor *c, sbtc_secret_scan *s)
{
	while (c->p < c->end) {
		skip_blanks(c);
		if (at_eol(c) || *c->p == '#') {
			next_line(c);
			continue;
		}
		unsigned long line = c->line;
		const char *why = NULL;
		bool ok = *c->p == '[' ? toml_header(c, &why) : toml_pair(c, s, &why);
		if (!ok)
			bad(s, line, "%s", why != NULL ? why : "not TOML");
		next_line(c);
	}
}

/* ------------------------------------------------------------------ environment files */

/* A quoted value at c->p (on the quote), possibly over several lines; decoded into b. */
static bool quoted_value(cursor *c, sbtc_strbuf *b)
{
	char q = *c->p++;
	while (c->p < c->end) {
		char ch = *c->p++;
		if (ch == q)
			return true;
		if (ch == '\n')
			c->line++;
		if (ch == '\\' && q == '"' && c->p < c->end) {
			ch = *c->p++;
			if (ch == '\n')
				c->line++;
		}
		sbtc_strbuf_putc(b, ch);
	}
	return false;
}

static void scan_env(cursor *c, sbtc_secret_scan *s)
{
	while (c->p < c->end) {
		skip_blanks(c);
		if (at_eol(c) || *c->p == '#') {
			next_line(c);
			continue;
		}
		unsigned long line = c->line;
		if (c->end - c->p > 7 && memcmp(c->p, "export", 6) == 0 && (c->p[6] == ' ' || c->p[6] == '\t')) {
			c->p += 6;
			skip_blanks(c);
		}
		const char *name = c->p;
		while (c->p < c->end && (is_name_char(*c->p) || *c->p == '.' || *c->p == '-'))
			c->p++;
		size_t nlen = (size_t)(c->p - name);
		skip_blanks(c);
		if (nlen == 0 || c->p >= c->end || *c->p != '=') {
			bad(s, line, "not a NAME=VALUE line");
			next_line(c);
			continue;
		}
		c->p++;
		skip_blanks(c);
		sbtc_strbuf v = SBTC_STRBUF_INIT;
		bool ok = true;
		if (c->p < c->end && (*c->p == '"' || *c->p == '\'')) {
			ok = quoted_value(c, &v);
			if (!ok)
				bad(s, line, "a quoted value is not closed before the end of the file");
		} else {
			/* unquoted: to the end of the line or a " #" comment; a trailing backslash
			 * continues it (systemd) */
			for (;;) {
				const char *st = c->p;
				while (c->p < c->end && *c->p != '\n' && !(*c->p == '#' && c->p > st &&
									   (c->p[-1] == ' ' || c->p[-1] == '\t')))
					c->p++;
				const char *e = c->p;
				while (e > st && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
					e--;
				if (e > st && e[-1] == '\\' && c->p < c->end && *c->p == '\n') {
					sbtc_strbuf_append(&v, st, (size_t)(e - 1 - st));
					c->p++;
					c->line++;
					continue;
				}
				sbtc_strbuf_append(&v, st, (size_t)(e - st));
				break;
			}
		}
		if (ok)
			env_var(s, name, nlen, sbtc_strbuf_str(&v), v.len, line, false);
		wipe(&v);
		if (ok)
			next_line(c);
		else
			c->p = c->end;
	}
}

/* ------------------------------------------------------------------ systemd units */

/* One unit line's value, continuation lines joined (systemd: a trailing backslash). */
static void unit_value(cursor *c, sbtc_strbuf *b)
{
	for (;;) {
		const char *st = c->p;
		const char *nl = memchr(st, '\n', (size_t)(c->end - st));
		const char *e = nl != NULL ? nl : c->end;
		c->p = e;
		while (e > st && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		if (e > st && e[-1] == '\\' && nl != NULL) {
			sbtc_strbuf_append(b, st, (size_t)(e - 1 - st));
			sbtc_strbuf_putc(b, ' ');
			c->p = nl + 1;
			c->line++;
			/* comment lines inside a continuation are skipped */
			while (c->p < c->end && (*c->p == '#' || *c->p == ';')) {
				const char *n2 = memchr(c->p, '\n', (size_t)(c->end - c->p));
				c->p = n2 != NULL ? n2 + 1 : c->end;
				c->line++;
			}
			continue;
		}
		sbtc_strbuf_append(b, st, (size_t)(e - st));
		return;
	}
}

/* Environment= words: NAME=VALUE each, blank-separated, in "" or '' quotes with C escapes
 * (systemd's extract_first_word with EXTRACT_UNQUOTE|EXTRACT_CUNESCAPE). */
static void unit_environment(sbtc_secret_scan *s, const char *v, size_t n, unsigned long line)
{
	size_t i = 0;
	while (i < n) {
		while (i < n && (v[i] == ' ' || v[i] == '\t'))
			i++;
		if (i >= n)
			break;
		sbtc_strbuf w = SBTC_STRBUF_INIT;
		char q = 0;
		while (i < n) {
			char ch = v[i];
			if (q == 0 && (ch == ' ' || ch == '\t'))
				break;
			if (q == 0 && (ch == '"' || ch == '\'')) {
				q = ch;
				i++;
				continue;
			}
			if (q != 0 && ch == q) {
				q = 0;
				i++;
				continue;
			}
			if (ch == '\\' && i + 1 < n) {
				sbtc_strbuf_putc(&w, v[i + 1]);
				i += 2;
				continue;
			}
			sbtc_strbuf_putc(&w, ch);
			i++;
		}
		if (q != 0)
			bad(s, line, "a quote in Environment= is not closed");
		const char *word = sbtc_strbuf_str(&w);
		const char *eq = memchr(word, '=', w.len);
		if (eq == NULL)
			bad(s, line, "an Environment= assignment without '='");
		else
			env_var(s, word, (size_t)(eq - word), eq + 1, w.len - (size_t)(eq + 1 - word), line, true);
		wipe(&w);
	}
}

static void scan_unit(cursor *c, sbtc_secret_scan *s)
{
	while (c->p < c->end) {
		skip_blanks(c);
		if (at_eol(c) || *c->p == '#' || *c->p == ';') {
			next_line(c);
			continue;
		}
		unsigned long line = c->line;
		if (*c->p == '[') {
			const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
			const char *e = nl != NULL ? nl : c->end;
			while (e > c->p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
				e--;
			if (e[-1] != ']')
				bad(s, line, "a section header is not closed");
			next_line(c);
			continue;
		}
		const char *key = c->p;
		while (c->p < c->end && *c->p != '=' && *c->p != '\n')
			c->p++;
		if (c->p >= c->end || *c->p != '=') {
			bad(s, line, "not a Key=Value line");
			next_line(c);
			continue;
		}
		const char *ke = c->p;
		while (ke > key && (ke[-1] == ' ' || ke[-1] == '\t'))
			ke--;
		size_t klen = (size_t)(ke - key);
		c->p++;
		skip_blanks(c);
		sbtc_strbuf v = SBTC_STRBUF_INIT;
		unit_value(c, &v);
		if (klen == 11 && memcmp(key, "Environment", 11) == 0) {
			unit_environment(s, sbtc_strbuf_str(&v), v.len, line);
		} else if (klen == 15 && memcmp(key, "EnvironmentFile", 15) == 0 && v.len > 0) {
			const char *p = sbtc_strbuf_str(&v);
			bool optional = p[0] == '-';
			if (optional)
				p++;
			if (p[0] == '/')
				add_env_file(s, p, strlen(p), optional);
			else
				bad(s, line, "EnvironmentFile= is not an absolute path");
		}
		wipe(&v);
		next_line(c);
	}
}

/* ------------------------------------------------------------------ compose files (YAML) */

/* What docker compose's files use of YAML, for a service's environment: block mappings and
 * sequences by indentation, plain and quoted one-line scalars, comments, block scalars
 * (| and >) as values, anchors on scalars (&NAME value) and their aliases (*NAME). */

typedef struct {
	char name[64];
	sbtc_strbuf value; /* kept only while the file is read, wiped after */
} yaml_anchor;

typedef struct {
	yaml_anchor *v;
	size_t n;
} anchor_list;

typedef struct {
	int indent;
	char key[32]; /* "services", a service ("*"), "environment", "env_file", or "" (other) */
	bool seq;     /* a sequence item at this indent */
} yaml_level;

/* A scalar (after "key: " or "- "), to the end of the line: plain (a " #" comment ends it),
 * '...' or "..." on one line. *block: it is | or > (the value is on the lines below).
 * *alias / *anchor: "*NAME" / "&NAME" before it. False when it cannot be read. */
static bool yaml_scalar(const char *p, const char *e, sbtc_strbuf *out, bool *block, char *alias, size_t alen,
			char *anchor, size_t anlen)
{
	*block = false;
	alias[0] = anchor[0] = '\0';
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	if (p < e && (*p == '&' || *p == '*')) {
		char kind = *p++;
		const char *n = p;
		while (p < e && *p != ' ' && *p != '\t')
			p++;
		size_t nl = (size_t)(p - n);
		if (nl == 0 || nl >= (kind == '&' ? anlen : alen))
			return false;
		memcpy(kind == '&' ? anchor : alias, n, nl);
		(kind == '&' ? anchor : alias)[nl] = '\0';
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		if (kind == '*')
			return p >= e || *p == '#';
	}
	if (p >= e || *p == '#')
		return true;
	if (*p == '|' || *p == '>') {
		p++;
		while (p < e && (*p == '-' || *p == '+' || (*p >= '1' && *p <= '9')))
			p++;
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		*block = true;
		return p >= e || *p == '#';
	}
	if (*p == '[' || *p == '{')
		return false;
	if (*p == '"' || *p == '\'') {
		char q = *p++;
		for (;;) {
			if (p >= e)
				return false;
			char ch = *p++;
			if (ch == q) {
				if (q == '\'' && p < e && *p == '\'') {
					sbtc_strbuf_putc(out, '\'');
					p++;
					continue;
				}
				break;
			}
			if (ch == '\\' && q == '"') {
				if (p >= e)
					return false;
				ch = *p++;
			}
			sbtc_strbuf_putc(out, ch);
		}
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		return p >= e || *p == '#';
	}
	const char *st = p;
	while (p < e && !(*p == '#' && (p[-1] == ' ' || p[-1] == '\t')))
		p++;
	while (p > st && (p[-1] == ' ' || p[-1] == '\t'))
		p--;
	sbtc_strbuf_append(out, st, (size_t)(p - st));
	return true;
}

/* "key:" at p (plain or quoted key): its length and where the value starts; false when the
 * line holds no mapping key. */
static bool yaml_key(const char *p, const char *e, const char **k, size_t *klen, const char **val)
{
	if (p < e && (*p == '"' || *p == '\'')) {
		char q = *p;
		const char *c2 = memchr(p + 1, q, (size_t)(e - p - 1));
		if (c2 == NULL || c2 + 1 >= e || c2[1] != ':')
			return false;
		*k = p + 1;
		*klen = (size_t)(c2 - p - 1);
		*val = c2 + 2;
		return *val >= e || **val == ' ' || **val == '\t';
	}
	for (const char *q = p; q < e; q++) {
		if (*q == '#' && q > p && (q[-1] == ' ' || q[-1] == '\t'))
			return false;
		if (*q == ':' && (q + 1 >= e || q[1] == ' ' || q[1] == '\t')) {
			*k = p;
			*klen = (size_t)(q - p);
			*val = q + 1;
			return *klen > 0;
		}
	}
	return false;
}

static yaml_anchor *anchor_find(anchor_list *a, const char *name)
{
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i].name, name) == 0)
			return &a->v[i];
	return NULL;
}

/* An environment entry with its value (an alias resolved through the anchors). */
static void compose_env(sbtc_secret_scan *s, anchor_list *a, const char *name, size_t nlen, sbtc_strbuf *v,
			const char *alias, bool has_value, unsigned long line)
{
	if (!has_value)
		return; /* NAME alone: taken from compose's own environment, not written here */
	if (alias[0] != '\0') {
		yaml_anchor *an = anchor_find(a, alias);
		if (an == NULL) {
			bad(s, line, "an alias to an anchor not defined above it");
			return;
		}
		env_var(s, name, nlen, sbtc_strbuf_str(&an->value), an->value.len, line, true);
		return;
	}
	env_var(s, name, nlen, sbtc_strbuf_str(v), v->len, line, true);
}

static void scan_compose(cursor *c, sbtc_secret_scan *s)
{
	anchor_list anchors = {0};
	yaml_level stack[64];
	int depth = 0;
	int block_indent = -1;     /* inside a block scalar below a line of this indent */
	bool block_env = false;    /* ...which is an environment value */
	char block_name[64] = "";
	unsigned long block_line = 0;
	sbtc_strbuf block_value = SBTC_STRBUF_INIT;

	while (c->p < c->end) {
		const char *ls = c->p;
		const char *nl = memchr(ls, '\n', (size_t)(c->end - ls));
		const char *le = nl != NULL ? nl : c->end;
		if (le > ls && le[-1] == '\r')
			le--;
		unsigned long line = c->line;
		next_line(c);
		const char *p = ls;
		while (p < le && *p == ' ')
			p++;
		int indent = (int)(p - ls);
		bool blank = p >= le || *p == '#';
		if (block_indent >= 0) {
			if (blank || indent > block_indent) {
				if (block_env && !blank)
					sbtc_strbuf_append(&block_value, p, (size_t)(le - p));
				continue;
			}
			if (block_env)
				env_var(s, block_name, strlen(block_name), sbtc_strbuf_str(&block_value), block_value.len,
					block_line, true);
			wipe(&block_value);
			block_indent = -1;
			block_env = false;
		}
		if (blank)
			continue;
		if (*p == '\t') {
			bad(s, line, "a tab in the indentation");
			continue;
		}
		if (indent == 0 && le - p >= 3 && (memcmp(p, "---", 3) == 0 || memcmp(p, "...", 3) == 0)) {
			depth = 0;
			continue;
		}
		bool item = p < le && *p == '-' && (p + 1 >= le || p[1] == ' ');
		const char *body = item ? p + 1 : p;
		while (body < le && *body == ' ')
			body++;
		/* the parent: the deepest level less indented (a sequence may sit at its key's
		 * indent) */
		while (depth > 0 && (stack[depth - 1].indent > indent ||
				     (stack[depth - 1].indent == indent && !(item && !stack[depth - 1].seq))))
			depth--;
		const char *parent = depth > 0 ? stack[depth - 1].key : "";
		bool in_services = depth == 1 && strcmp(stack[0].key, "services") == 0 && !item;
		bool in_env = depth == 3 && strcmp(stack[0].key, "services") == 0 && strcmp(parent, "environment") == 0;
		bool in_env_file = depth == 3 && strcmp(stack[0].key, "services") == 0 && strcmp(parent, "env_file") == 0;

		const char *k = NULL, *val = NULL;
		size_t klen = 0;
		bool is_key = yaml_key(body, le, &k, &klen, &val);
		sbtc_strbuf v = SBTC_STRBUF_INIT;
		bool block = false;
		char alias[64], anchor[64];
		bool ok;
		if (is_key) {
			ok = yaml_scalar(val, le, &v, &block, alias, sizeof alias, anchor, sizeof anchor);
		} else if (item) {
			ok = yaml_scalar(body, le, &v, &block, alias, sizeof alias, anchor, sizeof anchor);
		} else {
			ok = false;
		}
		bool env_key = is_key && depth == 2 && strcmp(stack[0].key, "services") == 0 &&
			       ((klen == 11 && memcmp(k, "environment", 11) == 0) || (klen == 8 && memcmp(k, "env_file", 8) == 0));
		if (!ok) {
			/* flow collections, multi-line quoted scalars and the like: reported only
			 * where a secret may be, passed over elsewhere (ports: ["4122:4122"]) */
			if (in_env || in_env_file || env_key)
				bad(s, line, "an environment entry in a form this reader does not follow (flow style, "
					     "or a quoted value over several lines)");
			wipe(&v);
			continue;
		}
		bool empty_value = v.len == 0 && alias[0] == '\0' && !block;
		if (anchor[0] != '\0' && !block) {
			anchors.v = sbtc_xrealloc(anchors.v, (anchors.n + 1) * sizeof *anchors.v);
			yaml_anchor *an = &anchors.v[anchors.n++];
			memset(an, 0, sizeof *an);
			sbtc_strlcpy(an->name, anchor, sizeof an->name);
			sbtc_strbuf_append(&an->value, sbtc_strbuf_str(&v), v.len);
		}
		if (in_env && item) {
			/* - NAME=VALUE, - NAME */
			const char *w = sbtc_strbuf_str(&v);
			const char *eq = memchr(w, '=', v.len);
			if (alias[0] != '\0' || block)
				bad(s, line, "an environment list item that is not NAME=VALUE");
			else if (eq != NULL) {
				sbtc_strbuf val2 = SBTC_STRBUF_INIT;
				sbtc_strbuf_append(&val2, eq + 1, v.len - (size_t)(eq + 1 - w));
				compose_env(s, &anchors, w, (size_t)(eq - w), &val2, "", true, line);
				wipe(&val2);
			}
		} else if (in_env && is_key) {
			if (klen == 2 && memcmp(k, "<<", 2) == 0) {
				bad(s, line, "a merge (<<) into environment, which this reader does not follow");
			} else if (block) {
				if (klen < sizeof block_name) {
					memcpy(block_name, k, klen);
					block_name[klen] = '\0';
					block_env = true;
					block_line = line;
				}
			} else {
				compose_env(s, &anchors, k, klen, &v, alias, !empty_value, line);
			}
		} else if (in_env_file && item) {
			/* a name with a NUL byte is no file name: unread, said as such */
			if (v.len > 0 && memchr(sbtc_strbuf_str(&v), '\0', v.len) == NULL)
				add_env_file(s, sbtc_strbuf_str(&v), v.len, false);
			else
				bad(s, line, "an env_file entry this reader does not follow");
		} else if (is_key && depth == 2 && strcmp(stack[0].key, "services") == 0 && klen == 8 &&
			   memcmp(k, "env_file", 8) == 0 && v.len > 0) {
			if (memchr(sbtc_strbuf_str(&v), '\0', v.len) == NULL)
				add_env_file(s, sbtc_strbuf_str(&v), v.len, false);
			else
				bad(s, line, "an env_file entry this reader does not follow");
		} else if (is_key && depth == 2 && strcmp(stack[0].key, "services") == 0 && klen == 11 &&
			   memcmp(k, "environment", 11) == 0 && !empty_value) {
			bad(s, line, "environment: given as %s, which this reader does not follow",
			    alias[0] != '\0' ? "an alias" : "a scalar");
		}
		if (block) {
			block_indent = indent;
			if (!block_env)
				block_name[0] = '\0';
		}
		wipe(&v);
		/* push this level */
		if (depth < (int)(sizeof stack / sizeof stack[0])) {
			yaml_level *lv = &stack[depth];
			lv->indent = indent;
			lv->seq = item;
			lv->key[0] = '\0';
			if (is_key && !item) {
				if (depth == 0 && klen == 8 && memcmp(k, "services", 8) == 0)
					sbtc_strlcpy(lv->key, "services", sizeof lv->key);
				else if (in_services)
					sbtc_strlcpy(lv->key, "*", sizeof lv->key);
				else if (depth == 2 && strcmp(stack[0].key, "services") == 0 && klen < sizeof lv->key) {
					memcpy(lv->key, k, klen);
					lv->key[klen] = '\0';
				}
				depth++;
			} else if (item && is_key) {
				/* "- key: value": a mapping inside a sequence item, at the key's column */
				lv->indent = (int)(body - ls);
				lv->seq = false;
				depth++;
			}
		}
	}
	if (block_env)
		env_var(s, block_name, strlen(block_name), sbtc_strbuf_str(&block_value), block_value.len, block_line,
			true);
	wipe(&block_value);
	for (size_t i = 0; i < anchors.n; i++)
		wipe(&anchors.v[i].value);
	free(anchors.v);
}

/* ------------------------------------------------------------------ entry */

void sbtc_secret_scan_text(sbtc_conf_kind kind, const char *text, size_t len, sbtc_secret_scan *out)
{
	memset(out, 0, sizeof *out);
	cursor c = {.p = text, .end = text + len, .line = 1};
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		c.p += 3;
	switch (kind) {
	case SBTC_CONF_TOML: scan_toml(&c, out); break;
	case SBTC_CONF_ENV: scan_env(&c, out); break;
	case SBTC_CONF_UNIT: scan_unit(&c, out); break;
	case SBTC_CONF_COMPOSE: scan_compose(&c, out); break;
	}
}

void sbtc_secret_scan_free(sbtc_secret_scan *s)
{
	free(s->hits);
	for (size_t i = 0; i < s->nenv_files; i++)
		free(s->env_files[i]);
	free(s->env_files);
	free(s->env_files_optional);
	memset(s, 0, sizeof *s);
}
