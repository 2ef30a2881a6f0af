/* SPDX-License-Identifier: GPL-2.0-or-later */
/* logrotate's configuration, for the retention it gives. */
#define _DEFAULT_SOURCE
#include "logrotate_conf.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sanitize.h"
#include "smallfile.h"
#include "strbuf.h"

#define CONF_MAX (1024u * 1024u)
#define INCLUDE_DEPTH_MAX 8
#define DIR_FILES_MAX 512

void sbtc_logrotate_init(sbtc_logrotate *lr)
{
	memset(lr, 0, sizeof *lr);
	lr->global.period = SBTC_ROTATE_SIZE;
	lr->global.rotate = 0;
	lr->global.maxage = -1;
}

void sbtc_logrotate_free(sbtc_logrotate *lr)
{
	for (size_t i = 0; i < lr->n; i++) {
		for (size_t j = 0; j < lr->v[i].npatterns; j++)
			free(lr->v[i].patterns[j]);
		free(lr->v[i].patterns);
	}
	free(lr->v);
	lr->v = NULL;
	lr->n = lr->cap = 0;
}

const char *sbtc_rotate_period_name(sbtc_rotate_period p)
{
	switch (p) {
	case SBTC_ROTATE_HOURLY: return "hourly";
	case SBTC_ROTATE_DAILY: return "daily";
	case SBTC_ROTATE_WEEKLY: return "weekly";
	case SBTC_ROTATE_MONTHLY: return "monthly";
	case SBTC_ROTATE_YEARLY: return "yearly";
	case SBTC_ROTATE_SIZE: break;
	}
	return "by size";
}

double sbtc_logrotate_retention(const sbtc_logrotate_settings *s)
{
	static const double period[] = {NAN, 3600.0, 86400.0, 7 * 86400.0, 28 * 86400.0, 365 * 86400.0};
	double r;
	if (s->rotate < 0)
		r = HUGE_VAL;
	else if (s->period == SBTC_ROTATE_SIZE)
		r = s->rotate == 0 ? 0 : NAN;
	else
		r = (double)s->rotate * period[s->period];
	if (s->maxage >= 0 && !(r <= (double)s->maxage * 86400.0))
		r = (double)s->maxage * 86400.0;
	return r;
}

/* The next word of the line at *p (blanks skip; "double" or 'single' quotes group);
 * NULL at the end of the line. malloc'd. */
static char *next_word(const char **p, const char *end)
{
	const char *s = *p;
	while (s < end && (*s == ' ' || *s == '\t' || *s == '\r'))
		s++;
	if (s >= end || *s == '#') {
		*p = end;
		return NULL;
	}
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	if (*s == '{' || *s == '}') {
		sbtc_strbuf_putc(&b, *s);
		*p = s + 1;
		return sbtc_strbuf_steal(&b);
	}
	while (s < end && *s != ' ' && *s != '\t' && *s != '\r' && *s != '{' && *s != '}') {
		if (*s == '"' || *s == '\'') {
			char q = *s++;
			while (s < end && *s != q)
				sbtc_strbuf_putc(&b, *s++);
			if (s < end)
				s++;
		} else {
			sbtc_strbuf_putc(&b, *s++);
		}
	}
	*p = s;
	return sbtc_strbuf_steal(&b);
}

static int bad(char *err, size_t errlen, const char *name, size_t lineno, const char *what, const char *word)
{
	char *n = sbtc_sanitize(name, 120), *w = sbtc_sanitize(word, 40);
	snprintf(err, errlen, "%s:%zu: %s '%s'", n, lineno, what, w);
	free(n);
	free(w);
	return -1;
}

static bool whole_number(const char *w, long *out)
{
	char *e;
	errno = 0;
	long v = strtol(w, &e, 10);
	if (errno != 0 || e == w || *e != '\0' || v < -1 || v > 1000000000L)
		return false;
	*out = v;
	return true;
}

/* One directive (words[0] and its arguments) onto s. 0, or -1 with a message. */
static int directive(sbtc_logrotate_settings *s, char **words, size_t nw, const char *name, size_t lineno, char *err,
		     size_t errlen)
{
	static const char *const periods[] = {NULL, "hourly", "daily", "weekly", "monthly", "yearly"};
	const char *d = words[0];
	for (int i = 1; i <= 5; i++)
		if (strcmp(d, periods[i]) == 0) {
			s->period = (sbtc_rotate_period)i;
			return 0;
		}
	if (strcmp(d, "rotate") == 0 || strcmp(d, "maxage") == 0) {
		long v;
		if (nw < 2 || !whole_number(words[1], &v) || (strcmp(d, "maxage") == 0 && v < 0))
			return bad(err, errlen, name, lineno, strcmp(d, "rotate") == 0 ? "rotate needs a count, not" : "maxage needs days, not", nw < 2 ? "" : words[1]);
		if (strcmp(d, "rotate") == 0)
			s->rotate = v;
		else
			s->maxage = v;
		return 0;
	}
	if (strcmp(d, "size") == 0 || strcmp(d, "maxsize") == 0 || strcmp(d, "minsize") == 0) {
		if (strcmp(d, "size") == 0)
			s->period = SBTC_ROTATE_SIZE;
		s->size_given = true;
	}
	return 0;
}

static bool is_script_start(const char *w)
{
	static const char *const scripts[] = {"prerotate", "postrotate", "firstaction", "lastaction", "preremove"};
	for (size_t i = 0; i < sizeof scripts / sizeof scripts[0]; i++)
		if (strcmp(w, scripts[i]) == 0)
			return true;
	return false;
}

static void free_words(char **w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(w[i]);
}

int sbtc_logrotate_parse(sbtc_logrotate *lr, const char *text, size_t len, const char *name,
			 sbtc_logrotate_include_fn include, void *ctx, char *err, size_t errlen)
{
	const char *p = text, *end = text + len, *line;
	size_t n, lineno = 0;
	sbtc_logrotate_stanza *cur = NULL; /* inside braces */
	bool in_script = false;
	char **pending = NULL; /* patterns before the '{' */
	size_t npending = 0;
	size_t open_line = 0;
	int rc = 0;
	while (rc == 0 && sbtc_next_line(&p, end, &line, &n)) {
		lineno++;
		const char *q = line, *qe = line + n;
		char *words[16];
		size_t nw = 0;
		char *w;
		if (in_script) {
			w = next_word(&q, qe);
			if (w != NULL && strcmp(w, "endscript") == 0)
				in_script = false;
			free(w);
			continue;
		}
		while (rc == 0 && (w = next_word(&q, qe)) != NULL) {
			if (strcmp(w, "{") == 0) {
				free(w);
				if (cur != NULL || npending == 0) {
					rc = bad(err, errlen, name, lineno, "unexpected", "{");
					break;
				}
				if (lr->n == lr->cap) {
					lr->cap = lr->cap ? lr->cap * 2 : 16;
					lr->v = sbtc_xrealloc(lr->v, lr->cap * sizeof *lr->v);
				}
				cur = &lr->v[lr->n++];
				cur->patterns = pending;
				cur->npatterns = npending;
				cur->s = lr->global;
				char *nm = sbtc_sanitize(name, 150);
				snprintf(cur->where, sizeof cur->where, "%s:%zu", nm, open_line ? open_line : lineno);
				free(nm);
				pending = NULL;
				npending = 0;
				open_line = 0;
				continue;
			}
			if (strcmp(w, "}") == 0) {
				free(w);
				if (nw > 0 && cur != NULL)
					rc = directive(&cur->s, words, nw, name, lineno, err, errlen);
				free_words(words, nw);
				nw = 0;
				if (rc == 0 && cur == NULL)
					rc = bad(err, errlen, name, lineno, "unexpected", "}");
				cur = NULL;
				continue;
			}
			if (cur == NULL && nw == 0 && (w[0] == '/' || w[0] == '~' || npending > 0)) {
				/* a path of a stanza to come */
				pending = sbtc_xrealloc(pending, (npending + 1) * sizeof *pending);
				pending[npending++] = w;
				if (open_line == 0)
					open_line = lineno;
				continue;
			}
			if (nw < sizeof words / sizeof words[0])
				words[nw++] = w;
			else
				free(w);
		}
		if (rc != 0 || nw == 0) {
			free_words(words, nw);
			continue;
		}
		if (is_script_start(words[0])) {
			in_script = true;
		} else if (cur != NULL) {
			rc = directive(&cur->s, words, nw, name, lineno, err, errlen);
		} else if (strcmp(words[0], "include") == 0) {
			if (nw < 2)
				rc = bad(err, errlen, name, lineno, "include needs a path, not", "");
			else if (include != NULL)
				rc = include(lr, words[1], ctx, err, errlen);
		} else {
			rc = directive(&lr->global, words, nw, name, lineno, err, errlen);
		}
		free_words(words, nw);
	}
	if (rc == 0 && (cur != NULL || npending > 0))
		rc = bad(err, errlen, name, lineno, "missing '}' at the end of the file; stanza opened at", cur ? cur->where : "");
	for (size_t i = 0; i < npending; i++)
		free(pending[i]);
	free(pending);
	return rc;
}

static int load_file(sbtc_logrotate *lr, const char *path, char *err, size_t errlen);

static bool skipped_name(const char *n)
{
	static const char *const taboo[] = {".rpmsave", ".rpmorig", ".rpmnew", ".dpkg-old", ".dpkg-dist",
					    ".dpkg-new", ".dpkg-bak", ".dpkg-del", ".disabled", ".swp", ".bak",
					    ".old", ".orig", ".cfsaved", ".ucf-old", ".ucf-dist", ".ucf-new", "~",
					    ",v"};
	size_t l = strlen(n);
	if (n[0] == '.')
		return true;
	for (size_t i = 0; i < sizeof taboo / sizeof taboo[0]; i++) {
		size_t t = strlen(taboo[i]);
		if (l >= t && strcmp(n + l - t, taboo[i]) == 0)
			return true;
	}
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int include_path(sbtc_logrotate *lr, const char *path, void *ctx, char *err, size_t errlen)
{
	(void)ctx;
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return load_file(lr, path, err, errlen);
	DIR *d = opendir(path);
	if (d == NULL) {
		char *n = sbtc_sanitize(path, 150);
		snprintf(err, errlen, "cannot read the logrotate directory %s: %s", n, strerror(errno));
		free(n);
		return -1;
	}
	char *names[DIR_FILES_MAX];
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL && n < DIR_FILES_MAX)
		if (!skipped_name(de->d_name))
			names[n++] = sbtc_xasprintf("%s/%s", path, de->d_name);
	closedir(d);
	qsort(names, n, sizeof names[0], cmp_str);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		if (rc == 0 && stat(names[i], &st) == 0 && S_ISREG(st.st_mode))
			rc = load_file(lr, names[i], err, errlen);
		free(names[i]);
	}
	return rc;
}

static int load_file(sbtc_logrotate *lr, const char *path, char *err, size_t errlen)
{
	if (lr->depth >= INCLUDE_DEPTH_MAX) {
		char *n = sbtc_sanitize(path, 150);
		snprintf(err, errlen, "logrotate includes nested more than %d deep at %s", INCLUDE_DEPTH_MAX, n);
		free(n);
		return -1;
	}
	char *text = NULL;
	size_t len = 0;
	if (sbtc_read_small_file(path, "logrotate configuration", CONF_MAX, false, &text, &len, err, errlen) != 0)
		return -1;
	lr->depth++;
	int rc = sbtc_logrotate_parse(lr, text, len, path, include_path, NULL, err, errlen);
	lr->depth--;
	free(text);
	return rc;
}

int sbtc_logrotate_load(sbtc_logrotate *lr, const char *path, char *err, size_t errlen)
{
	return load_file(lr, path, err, errlen);
}

const sbtc_logrotate_stanza *sbtc_logrotate_find(const sbtc_logrotate *lr, const char *file)
{
	for (size_t i = 0; i < lr->n; i++)
		for (size_t j = 0; j < lr->v[i].npatterns; j++)
			if (fnmatch(lr->v[i].patterns[j], file, FNM_PATHNAME) == 0)
				return &lr->v[i];
	return NULL;
}
