/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for the parsers behind check_sbtc_logs: the first byte picks one of
 * lib/logtime.c (a log line), lib/journald_conf.c (a journald.conf, a time span, a size),
 * lib/logrotate_conf.c (a logrotate configuration, then a lookup) and lib/docker_logs.c
 * (daemon.json, hostconfig.json, config.v2.json, a json-file line, a size). Besides memory
 * errors it stops on broken promises: a message that is missing, unterminated, or holds a
 * newline or '|'; a negative or non-finite value accepted. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "docker_logs.h"
#include "fuzz_common.h"
#include "journald_conf.h"
#include "logrotate_conf.h"
#include "logtime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_value(double v, bool inf_ok)
{
	if (isnan(v) || v < 0 || (!inf_ok && isinf(v)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	unsigned which = data[0] % 6;
	const char *text = (const char *)data + 1;
	size_t len = size - 1;
	char *z = malloc(len + 1);
	if (z == NULL)
		return 0;
	memcpy(z, text, len);
	z[len] = '\0';
	char err[256];
	double v;
	switch (which) {
	case 0: {
		if (sbtc_logtime_parse(text, len, 1796169600.0, &v) != SBTC_LOGTIME_NONE && !isfinite(v))
			abort();
		if (sbtc_logtime_rfc3339(z, &v) == 0 && !isfinite(v))
			abort();
		break;
	}
	case 1: {
		sbtc_journald_conf c;
		sbtc_journald_conf_init(&c);
		if (sbtc_journald_conf_parse(&c, text, len, "fuzz.conf", err, sizeof err) != 0)
			fuzz_check_err(err, sizeof err);
		fuzz_check_clean(c.max_retention.where, sizeof c.max_retention.where);
		fuzz_check_clean(c.max_use.where, sizeof c.max_use.where);
		check_value(c.max_retention.value, true);
		check_value(c.max_file_sec.value, true);
		break;
	}
	case 2:
		if (sbtc_systemd_timespan_parse(z, &v) == 0)
			check_value(v, true);
		if (sbtc_systemd_size_parse(z, &v) == 0)
			check_value(v, false);
		break;
	case 3: {
		sbtc_logrotate lr;
		sbtc_logrotate_init(&lr);
		if (sbtc_logrotate_parse(&lr, text, len, "fuzz.conf", NULL, NULL, err, sizeof err) != 0)
			fuzz_check_err(err, sizeof err);
		for (size_t i = 0; i < lr.n; i++) {
			fuzz_check_clean(lr.v[i].where, sizeof lr.v[i].where);
			double r = sbtc_logrotate_retention(&lr.v[i].s);
			if (!isnan(r))
				check_value(r, true);
		}
		(void)sbtc_logrotate_find(&lr, "/var/log/sbtc/signer.log");
		sbtc_logrotate_free(&lr);
		break;
	}
	case 4: {
		sbtc_docker_logcfg c;
		char name[64];
		for (int host = 0; host < 2; host++) {
			sbtc_docker_logcfg_init(&c);
			if (sbtc_docker_logcfg_parse(text, len, host == 1, &c, err, sizeof err) != 0)
				fuzz_check_err(err, sizeof err);
			else if (!isnan(c.max_size))
				check_value(c.max_size, true);
		}
		if (sbtc_docker_container_name(text, len, name, sizeof name, err, sizeof err) != 0)
			fuzz_check_err(err, sizeof err);
		else if (memchr(name, '\0', sizeof name) == NULL)
			abort();
		break;
	}
	default:
		if (sbtc_docker_line_time(text, len, &v) == 0 && !isfinite(v))
			abort();
		if (sbtc_docker_size_parse(z, &v) == 0)
			check_value(v, true);
		break;
	}
	free(z);
	return 0;
}
