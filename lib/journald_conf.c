/* SPDX-License-Identifier: GPL-2.0-or-later */
/* journald.conf and its drop-ins. */
#define _DEFAULT_SOURCE
#include "journald_conf.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "sanitize.h"
#include "smallfile.h"
#include "strbuf.h"

#define CONF_MAX (1024u * 1024u)
#define DROPINS_MAX 256

void sbtc_journald_conf_init(sbtc_journald_conf *c)
{
	memset(c, 0, sizeof *c);
	c->storage = SBTC_STORAGE_AUTO;
	c->max_retention.value = 0;
	c->max_use.value = NAN;
	c->max_files.value = 100;
	c->max_file_sec.value = 2629800.0; /* 1month */
}

static const struct {
	const char *name;
	double seconds;
} span_units[] = {
	{"seconds", 1}, {"second", 1}, {"sec", 1}, {"s", 1},
	{"minutes", 60}, {"minute", 60}, {"min", 60}, {"months", 2629800}, {"month", 2629800}, {"M", 2629800},
	{"msec", 1e-3}, {"ms", 1e-3}, {"m", 60},
	{"hours", 3600}, {"hour", 3600}, {"hr", 3600}, {"h", 3600},
	{"days", 86400}, {"day", 86400}, {"d", 86400},
	{"weeks", 604800}, {"week", 604800}, {"w", 604800},
	{"years", 31557600}, {"year", 31557600}, {"y", 31557600},
	{"usec", 1e-6}, {"us", 1e-6},
};

static const char *skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* A non-negative decimal number at *p; moves *p past it. */
static bool number(const char **p, double *out)
{
	const char *s = *p;
	double v = 0, scale = 0.1;
	size_t nd = 0;
	while (*s >= '0' && *s <= '9' && nd < 30) {
		v = v * 10 + (*s++ - '0');
		nd++;
	}
	if (*s == '.') {
		s++;
		while (*s >= '0' && *s <= '9') {
			v += (*s++ - '0') * scale;
			scale /= 10;
			nd++;
		}
	}
	if (nd == 0 || (*s >= '0' && *s <= '9'))
		return false;
	*p = s;
	*out = v;
	return true;
}

int sbtc_systemd_timespan_parse(const char *text, double *out)
{
	const char *p = skip_blanks(text);
	if (strcmp(p, "infinity") == 0) {
		*out = HUGE_VAL;
		return 0;
	}
	double total = 0;
	bool any = false;
	while (*(p = skip_blanks(p)) != '\0') {
		double v;
		if (!number(&p, &v))
			return -1;
		p = skip_blanks(p);
		double mult = 0;
		size_t used = 0;
		for (size_t i = 0; i < sizeof span_units / sizeof span_units[0]; i++) {
			size_t l = strlen(span_units[i].name);
			if (strncmp(p, span_units[i].name, l) == 0 && !(p[l] >= 'a' && p[l] <= 'z') &&
			    !(p[l] >= 'A' && p[l] <= 'Z')) {
				mult = span_units[i].seconds;
				used = l;
				break;
			}
		}
		if (used == 0) {
			/* a bare number: seconds, only as the last component */
			if (*skip_blanks(p) != '\0' && !(*p >= '0' && *p <= '9'))
				return -1;
			mult = 1;
		}
		p += used;
		total += v * mult;
		any = true;
	}
	if (!any || !isfinite(total))
		return -1;
	*out = total;
	return 0;
}

int sbtc_systemd_size_parse(const char *text, double *out)
{
	static const char suffixes[] = "KMGTPE";
	const char *p = skip_blanks(text);
	double total = 0;
	bool any = false;
	while (*(p = skip_blanks(p)) != '\0') {
		double v, mult = 1;
		if (!number(&p, &v))
			return -1;
		p = skip_blanks(p);
		const char *s = *p != '\0' ? strchr(suffixes, *p) : NULL;
		if (s != NULL) {
			mult = pow(1024.0, (double)(s - suffixes + 1));
			p++;
		} else if (*p == 'B') {
			p++;
		}
		total += v * mult;
		any = true;
	}
	if (!any || !isfinite(total) || total >= 18446744073709551615.0)
		return -1;
	*out = floor(total);
	return 0;
}

static void set_where(char *dst, const char *name, size_t lineno, const char *key, const char *value)
{
	char *n = sbtc_sanitize(name, 100), *v = sbtc_sanitize(value, 30);
	snprintf(dst, SBTC_JOURNALD_WHERE_MAX, "%s=%s in %s:%zu", key, v, n, lineno);
	free(n);
	free(v);
}

static int fail(char *err, size_t errlen, const char *name, size_t lineno, const char *key, const char *value)
{
	char *n = sbtc_sanitize(name, 120), *v = sbtc_sanitize(value, 60);
	snprintf(err, errlen, "%s:%zu: invalid %s=%s", n, lineno, key, v);
	free(n);
	free(v);
	return -1;
}

int sbtc_journald_conf_parse(sbtc_journald_conf *c, const char *text, size_t len, const char *name, char *err,
			     size_t errlen)
{
	sbtc_journald_conf defaults;
	sbtc_journald_conf_init(&defaults);
	const char *p = text, *end = text + len, *line;
	size_t n, lineno = 0;
	bool in_journal = false;
	while (sbtc_next_line(&p, end, &line, &n)) {
		lineno++;
		char *l = sbtc_xstrndup(line, n);
		/* strip blanks */
		char *s = l;
		while (*s == ' ' || *s == '\t')
			s++;
		size_t sl = strlen(s);
		while (sl > 0 && (s[sl - 1] == ' ' || s[sl - 1] == '\t' || s[sl - 1] == '\r'))
			s[--sl] = '\0';
		if (*s == '\0' || *s == '#' || *s == ';') {
			free(l);
			continue;
		}
		if (*s == '[') {
			in_journal = strcmp(s, "[Journal]") == 0;
			free(l);
			continue;
		}
		char *eq = strchr(s, '=');
		if (!in_journal || eq == NULL) {
			free(l);
			continue;
		}
		char *key = s, *value = eq + 1;
		*eq = '\0';
		size_t kl = strlen(key);
		while (kl > 0 && (key[kl - 1] == ' ' || key[kl - 1] == '\t'))
			key[--kl] = '\0';
		while (*value == ' ' || *value == '\t')
			value++;
		sbtc_journald_value *target = NULL, *dflt = NULL;
		int kind = 0; /* 1 span, 2 size, 3 count */
		if (strcmp(key, "MaxRetentionSec") == 0) {
			target = &c->max_retention, dflt = &defaults.max_retention, kind = 1;
		} else if (strcmp(key, "MaxFileSec") == 0) {
			target = &c->max_file_sec, dflt = &defaults.max_file_sec, kind = 1;
		} else if (strcmp(key, "SystemMaxUse") == 0) {
			target = &c->max_use, dflt = &defaults.max_use, kind = 2;
		} else if (strcmp(key, "SystemMaxFiles") == 0) {
			target = &c->max_files, dflt = &defaults.max_files, kind = 3;
		} else if (strcmp(key, "Storage") == 0) {
			static const char *const names[] = {"auto", "persistent", "volatile", "none"};
			int found = -1;
			for (int i = 0; i < 4; i++)
				if (strcmp(value, names[i]) == 0)
					found = i;
			if (*value == '\0')
				found = SBTC_STORAGE_AUTO;
			if (found < 0) {
				int r = fail(err, errlen, name, lineno, key, value);
				free(l);
				return r;
			}
			c->storage = (sbtc_journal_storage)found;
			if (*value == '\0')
				c->storage_where[0] = '\0';
			else
				set_where(c->storage_where, name, lineno, key, value);
		}
		if (target != NULL) {
			double v = 0;
			int r = 0;
			if (*value == '\0') {
				*target = *dflt;
			} else {
				if (kind == 1)
					r = sbtc_systemd_timespan_parse(value, &v);
				else if (kind == 2)
					r = sbtc_systemd_size_parse(value, &v);
				else {
					char *e;
					errno = 0;
					unsigned long long u = strtoull(value, &e, 10);
					r = (errno != 0 || *e != '\0' || value[0] == '-' || value[0] == '+') ? -1 : 0;
					v = (double)u;
				}
				if (r != 0) {
					r = fail(err, errlen, name, lineno, key, value);
					free(l);
					return r;
				}
				target->value = v;
				set_where(target->where, name, lineno, key, value);
			}
		}
		free(l);
	}
	return 0;
}

static int apply_file(sbtc_journald_conf *c, const char *path, bool missing_ok, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	struct stat st;
	if (missing_ok && stat(path, &st) != 0 && errno == ENOENT)
		return 0;
	if (sbtc_read_small_file(path, "journald configuration", CONF_MAX, false, &text, &len, err, errlen) != 0)
		return -1;
	int r = sbtc_journald_conf_parse(c, text, len, path, err, errlen);
	free(text);
	return r;
}

static int by_base(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;
	return strcmp(strrchr(*x, '/') + 1, strrchr(*y, '/') + 1);
}

int sbtc_journald_conf_load(sbtc_journald_conf *c, const char *main, const char *const *dirs, char *err,
			    size_t errlen)
{
	if (main != NULL && apply_file(c, main, true, err, errlen) != 0)
		return -1;
	char *files[DROPINS_MAX];
	size_t n = 0;
	for (size_t d = 0; dirs != NULL && dirs[d] != NULL; d++) {
		DIR *dir = opendir(dirs[d]);
		if (dir == NULL)
			continue;
		struct dirent *de;
		while ((de = readdir(dir)) != NULL && n < DROPINS_MAX) {
			size_t l = strlen(de->d_name);
			if (l < 6 || strcmp(de->d_name + l - 5, ".conf") != 0 || de->d_name[0] == '.')
				continue;
			bool hidden = false;
			for (size_t i = 0; i < n; i++)
				hidden = hidden || strcmp(strrchr(files[i], '/') + 1, de->d_name) == 0;
			if (!hidden)
				files[n++] = sbtc_xasprintf("%s/%s", dirs[d], de->d_name);
		}
		closedir(dir);
	}
	qsort(files, n, sizeof files[0], by_base);
	int r = 0;
	for (size_t i = 0; i < n; i++) {
		if (r == 0)
			r = apply_file(c, files[i], true, err, errlen);
		free(files[i]);
	}
	return r;
}
