#include "extra_opts.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static void list_push(char ***list, size_t *count, char *item)
{
	*list = sbtc_xrealloc(*list, (*count + 1) * sizeof **list);
	(*list)[(*count)++] = item;
}

int sbtc_ini_read_section(const char *path, const char *section, char ***list, size_t *count,
			  char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "cannot open extra-opts file %s: %s", path, strerror(errno));
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned lineno = 0;
	bool in_section = false, found = false;
	int rc = 0;
	while ((n = getline(&line, &cap, f)) != -1) {
		lineno++;
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
				snprintf(err, errlen, "%s line %u: malformed section header", path, lineno);
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
				 path, lineno);
			rc = -1;
			break;
		}
		list_push(list, count,
			  value ? sbtc_xasprintf("--%s=%s", key, value) : sbtc_xasprintf("--%s", key));
	}
	if (rc == 0 && ferror(f)) {
		snprintf(err, errlen, "cannot read extra-opts file %s", path);
		rc = -1;
	}
	if (rc == 0 && !found) {
		snprintf(err, errlen, "section [%s] not found in %s", section, path);
		rc = -1;
	}
	free(line);
	fclose(f);
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
			snprintf(err, errlen,
				 "--extra-opts: no file given and none of the default ini files exists "
				 "(set MP_CONFIG_FILE or use --extra-opts=%s@/path/to/file.ini)", section);
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
			rc = expand_one(NULL, default_section, &opts, &nopts, err, errlen);
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
