/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "extra_opts.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sanitize.h"
#include "smallfile.h"
#include "strbuf.h"

#define OPTION_NAME "--extra-opts"

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

/* Doubles the array whenever count reaches a power of two, so that n options cost O(n)
 * copies (an ini file may hold 10^5 lines, a command line as many arguments). */
static void list_push(char ***list, size_t *count, char *item)
{
	size_t n = *count;
	if (n == 0 || (n & (n - 1)) == 0)
		*list = sbtc_xrealloc(*list, (n ? 2 * n : 1) * sizeof **list);
	(*list)[(*count)++] = item;
}

int sbtc_ini_read_section(const char *path, const char *section, char ***list, size_t *count,
			  char *err, size_t errlen)
{
	char *text;
	size_t len;
	if (sbtc_read_small_file(path, "extra-opts file", SBTC_INI_FILE_MAX, false, &text, &len, err,
				 errlen) != 0)
		return -1;
	char *name = sbtc_small_file_name(path, false);
	unsigned lineno = 0;
	bool in_section = false, found = false;
	int rc = 0;
	char *next = text;
	char *const end_of_text = text + len;
	while (next < end_of_text) {
		char *line = next;
		char *nl = memchr(line, '\n', (size_t)(end_of_text - line));
		char *line_end = nl ? nl : end_of_text;
		next = nl ? nl + 1 : end_of_text;
		lineno++;
		if (memchr(line, '\0', (size_t)(line_end - line)) != NULL) {
			snprintf(err, errlen, "%s line %u: a NUL byte: not a text file", name, lineno);
			rc = -1;
			break;
		}
		*line_end = '\0';
		char *s = line;
		/* A byte order mark, as some editors write, is not part of the first line. */
		if (lineno == 1 && strncmp(s, "\xef\xbb\xbf", 3) == 0)
			s += 3;
		s = trim(s);
		if (*s == '\0' || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *end = strchr(s, ']');
			if (end == NULL || *trim(end + 1) != '\0') {
				snprintf(err, errlen, "%s line %u: malformed section header", name, lineno);
				rc = -1;
				break;
			}
			*end = '\0';
			in_section = strcmp(trim(s + 1), section) == 0;
			found = found || in_section;
			continue;
		}
		if (!in_section)
			continue;
		char *eq = strchr(s, '=');
		char *key = s, *value = NULL;
		if (eq != NULL) {
			*eq = '\0';
			key = trim(s);
			value = trim(eq + 1);
			size_t vl = strlen(value);
			/* A value in double quotes keeps its blanks and may hold '#'. */
			if (vl >= 2 && value[0] == '"' && value[vl - 1] == '"') {
				value[vl - 1] = '\0';
				value++;
			}
		}
		if (*key == '\0' || key[0] == '-' || strpbrk(key, " \t") != NULL) {
			snprintf(err, errlen, "%s line %u: expected 'option = value' with a long option name",
				 name, lineno);
			rc = -1;
			break;
		}
		list_push(list, count,
			  value ? sbtc_xasprintf("--%s=%s", key, value) : sbtc_xasprintf("--%s", key));
	}
	if (rc == 0 && !found) {
		char *sec = sbtc_sanitize(section, 60);
		snprintf(err, errlen, "section [%s] not found in %s", sec, name);
		free(sec);
		rc = -1;
	}
	/* The file may hold secrets (a password for an option that takes one). */
	memset(text, 0, len);
	free(text);
	free(name);
	return rc;
}

static const char *default_file(void)
{
	static const char *const paths[] = {SBTC_EXTRA_OPTS_PATHS};
	const char *env = getenv("MP_CONFIG_FILE");
	if (env != NULL && *env != '\0')
		return env;
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
		if (access(paths[i], F_OK) == 0)
			return paths[i];
	return NULL;
}

/* Splits "[section][@file]" and reads it. */
static int expand_one(const char *spec, const char *default_section, char ***list, size_t *count,
		      char *err, size_t errlen)
{
	char *copy = sbtc_xstrdup(spec ? spec : "");
	char *at = strchr(copy, '@');
	const char *file = NULL;
	if (at != NULL) {
		*at = '\0';
		file = at + 1;
		if (*file == '\0') {
			snprintf(err, errlen, "--extra-opts: empty file name after '@'");
			free(copy);
			return -1;
		}
	}
	const char *section = *copy ? copy : default_section;
	if (file == NULL) {
		file = default_file();
		if (file == NULL) {
			char *sec = sbtc_sanitize(section, 60);
			snprintf(err, errlen,
				 "--extra-opts: no file given and none of the default ini files exists "
				 "(set MP_CONFIG_FILE or use --extra-opts=%s@/path/to/file.ini)", sec);
			free(sec);
			free(copy);
			return -1;
		}
	}
	int rc = sbtc_ini_read_section(file, section, list, count, err, errlen);
	free(copy);
	return rc;
}

int sbtc_extra_opts_expand(int argc, char **argv, const char *default_section, int *out_argc,
			   char ***out_argv, char *err, size_t errlen)
{
	char **opts = NULL, **rest = NULL;
	size_t nopts = 0, nrest = 0;
	int rc = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			for (; i < argc; i++)
				list_push(&rest, &nrest, sbtc_xstrdup(argv[i]));
			break;
		}
		if (strcmp(a, OPTION_NAME) == 0) {
			/* "--extra-opts VALUE": the next argument is the value unless it is an
			 * option (one or two '-' before anything else), as in the official plugins
			 * (monitoring-plugins lib/extra_opts.c, np_extra_opts and is_option2). */
			const char *next = i + 1 < argc ? argv[i + 1] : NULL;
			size_t dashes = next ? strspn(next, "-") : 0;
			if (next != NULL && dashes != 1 && dashes != 2) {
				rc = expand_one(next, default_section, &opts, &nopts, err, errlen);
				i++;
			} else {
				rc = expand_one(NULL, default_section, &opts, &nopts, err, errlen);
			}
		} else if (strncmp(a, OPTION_NAME "=", sizeof OPTION_NAME) == 0) {
			rc = expand_one(a + sizeof OPTION_NAME, default_section, &opts, &nopts, err, errlen);
		} else {
			list_push(&rest, &nrest, sbtc_xstrdup(a));
		}
		if (rc != 0)
			break;
	}
	if (rc != 0) {
		sbtc_extra_opts_free((int)nopts, opts);
		sbtc_extra_opts_free((int)nrest, rest);
		return -1;
	}
	char **v = sbtc_xcalloc(nopts + nrest + 2, sizeof *v);
	size_t k = 0;
	v[k++] = sbtc_xstrdup(argc > 0 ? argv[0] : default_section);
	for (size_t i = 0; i < nopts; i++)
		v[k++] = opts[i];
	for (size_t i = 0; i < nrest; i++)
		v[k++] = rest[i];
	v[k] = NULL;
	free(opts);
	free(rest);
	*out_argc = (int)k;
	*out_argv = v;
	return 0;
}

void sbtc_extra_opts_free(int argc, char **argv)
{
	if (argv == NULL)
		return;
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
}
