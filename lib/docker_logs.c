/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Docker's json-file logs and their rotation options. */
#include "docker_logs.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json_field.h"
#include "logtime.h"
#include "sanitize.h"
#include "strbuf.h"

int sbtc_docker_container_name(const char *json, size_t len, char *name, size_t cap, char *err, size_t errlen)
{
	json_object *root;
	const char *n;
	if (sbtc_json_parse(json, len, &root, err, errlen) != 0)
		return -1;
	int r = sbtc_json_get_string(root, "Name", &n, err, errlen);
	if (r == 0) {
		if (n[0] == '/')
			n++;
		sbtc_strlcpy(name, n, cap);
	}
	json_object_put(root);
	return r;
}

void sbtc_docker_logcfg_init(sbtc_docker_logcfg *c)
{
	memset(c, 0, sizeof *c);
	c->max_size = NAN;
}

int sbtc_docker_size_parse(const char *text, double *out)
{
	static const char units[] = "kmgtp";
	const char *p = text;
	char *e;
	if (strcmp(text, "-1") == 0) {
		*out = HUGE_VAL;
		return 0;
	}
	if (!((*p >= '0' && *p <= '9') || *p == '.'))
		return -1;
	errno = 0;
	double v = strtod(p, &e);
	if (errno != 0 || e == p || !isfinite(v) || v < 0)
		return -1;
	p = e;
	double mult = 1;
	if (*p != '\0') {
		const char *u = strchr(units, (char)(*p | 0x20));
		if (u == NULL || *u == '\0')
			return -1;
		mult = pow(1024.0, (double)(u - units + 1));
		p++;
		if (strcasecmp(p, "b") == 0 || strcasecmp(p, "ib") == 0)
			p += strlen(p);
		if (*p != '\0')
			return -1;
	}
	*out = floor(v * mult);
	return isfinite(*out) ? 0 : -1;
}

int sbtc_docker_logcfg_parse(const char *json, size_t len, bool hostconfig, sbtc_docker_logcfg *out, char *err,
			     size_t errlen)
{
	json_object *root, *opts = NULL;
	const char *s;
	char e[200];
	if (sbtc_json_parse(json, len, &root, err, errlen) != 0)
		return -1;
	int rc = 0;
	const char *driver_path = hostconfig ? "LogConfig.Type" : "log-driver";
	const char *opts_path = hostconfig ? "LogConfig.Config" : "log-opts";
	int r = sbtc_json_get_string_opt(root, driver_path, SBTC_JSON_ABSENT_OK, &s, err, errlen);
	if (r < 0)
		rc = -1;
	else if (r == 0 && s[0] != '\0')
		sbtc_strlcpy(out->driver, s, sizeof out->driver);
	if (rc == 0 && (r = sbtc_json_get_object_opt(root, opts_path, SBTC_JSON_ABSENT_OK, &opts, err, errlen)) < 0)
		rc = -1;
	if (rc == 0 && r == 0) {
		r = sbtc_json_get_string_opt(opts, "max-size", SBTC_JSON_ABSENT_OK, &s, e, sizeof e);
		if (r < 0) {
			snprintf(err, errlen, "%s.max-size: %s", opts_path, e);
			rc = -1;
		} else if (r == 0) {
			double v;
			if (sbtc_docker_size_parse(s, &v) != 0) {
				char *t = sbtc_sanitize(s, 40);
				snprintf(err, errlen, "%s.max-size '%s' is not a size (such as 10m)", opts_path, t);
				free(t);
				rc = -1;
			} else {
				out->max_size = v;
			}
		}
		r = rc == 0 ? sbtc_json_get_string_opt(opts, "max-file", SBTC_JSON_ABSENT_OK, &s, e, sizeof e) : 1;
		if (r < 0) {
			snprintf(err, errlen, "%s.max-file: %s", opts_path, e);
			rc = -1;
		} else if (r == 0) {
			char *end;
			errno = 0;
			long v = strtol(s, &end, 10);
			if (errno != 0 || end == s || *end != '\0' || v < 1 || v > 1000000) {
				char *t = sbtc_sanitize(s, 40);
				snprintf(err, errlen, "%s.max-file '%s' is not a count of files from 1", opts_path, t);
				free(t);
				rc = -1;
			} else {
				out->max_file = v;
			}
		}
	}
	json_object_put(root);
	return rc;
}

int sbtc_docker_line_time(const char *line, size_t len, double *out)
{
	json_object *root;
	const char *t;
	char err[200];
	if (sbtc_json_parse(line, len, &root, err, sizeof err) != 0)
		return -1;
	int r = sbtc_json_get_string(root, "time", &t, err, sizeof err);
	if (r == 0)
		r = sbtc_logtime_rfc3339(t, out);
	json_object_put(root);
	return r;
}
