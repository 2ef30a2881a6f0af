/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Docker's json-file logs: which container directory holds a container (its
 * config.v2.json "Name"), the rotation its log options ask for (daemon.json "log-driver"
 * and "log-opts", a container's hostconfig.json "LogConfig"), and the time of a line
 * (moby's daemon/logger/jsonfilelog: one JSON object per line, "time" in RFC 3339). */
#ifndef SBTC_DOCKER_LOGS_H
#define SBTC_DOCKER_LOGS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
	char driver[32];   /* "" when not said */
	double max_size;   /* bytes; NAN: not said; HUGE_VAL: "-1", no limit */
	long max_file;     /* 0: not said */
} sbtc_docker_logcfg;

/* The container's name (without its leading '/') from config.v2.json, into name (cap
 * bytes). 0, or -1 with a message. */
int sbtc_docker_container_name(const char *json, size_t len, char *name, size_t cap, char *err, size_t errlen);

/* The log options of daemon.json (hostconfig false: "log-driver", "log-opts") or of a
 * container's hostconfig.json (true: "LogConfig": {"Type", "Config"}). Only what the text
 * says is set in *out (initialise it with sbtc_docker_logcfg_init). 0, or -1 with a
 * message. */
void sbtc_docker_logcfg_init(sbtc_docker_logcfg *c);
int sbtc_docker_logcfg_parse(const char *json, size_t len, bool hostconfig, sbtc_docker_logcfg *out, char *err,
			     size_t errlen);

/* Docker's sizes ("10m", "1g", "512k", "100"; k, m, g, t, p with an optional "b" or "ib",
 * any case, powers of 1024, as go-units RAMInBytes). 0, or -1. */
int sbtc_docker_size_parse(const char *text, double *out);

/* The "time" of one json-file line. 0, or -1. */
int sbtc_docker_line_time(const char *line, size_t len, double *out);

#endif
