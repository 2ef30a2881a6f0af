/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where a signer's secrets are written down: the private key and the database password in
 * the signer's TOML config, an environment file, a compose file or a systemd unit. Each
 * reader understands exactly what the signer's deployments use of its format, and reports
 * the first line it cannot read rather than pass over it. A finding is a key name and a
 * line number: the values are looked at (is it empty? a ${VAR} reference? a URL with a
 * password?) and never kept. */
#ifndef SBTC_SECRET_SCAN_H
#define SBTC_SECRET_SCAN_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
	SBTC_CONF_TOML = 0, /* the signer's config (signer/src/config/default.toml) */
	SBTC_CONF_ENV,      /* KEY=VALUE lines: compose's .env, systemd's EnvironmentFile= */
	SBTC_CONF_COMPOSE,  /* docker-compose.yml: services' environment: and env_file: */
	SBTC_CONF_UNIT      /* a systemd unit: Environment= and EnvironmentFile= */
} sbtc_conf_kind;

/* "TOML config", "environment file", "compose file", "systemd unit". */
const char *sbtc_conf_kind_name(sbtc_conf_kind kind);
/* "toml", "env", "compose", "unit" (n bytes of text): the kind, or -1. */
int sbtc_conf_kind_parse(const char *text, size_t n);
/* The kind a file's name suggests: *.toml, *.service, docker-compose*.y(a)ml and
 * compose*.y(a)ml; anything else (.env, signer.env, /etc/default/...) is an environment
 * file. */
sbtc_conf_kind sbtc_conf_kind_guess(const char *path);

typedef enum {
	SBTC_SECRET_PRIVATE_KEY = 0, /* private_key, SIGNER_SIGNER__PRIVATE_KEY */
	SBTC_SECRET_DB_PASSWORD      /* db_endpoint / SIGNER_SIGNER__DB_ENDPOINT with a password,
				      * POSTGRES_PASSWORD of the reference compose deployment */
} sbtc_secret_kind;

typedef struct {
	sbtc_secret_kind kind;
	unsigned long line;  /* where the value starts, from 1 */
	const char *name;    /* the key as the format names it (a constant, never file text) */
	bool inline_env;     /* in a compose environment: or a unit's Environment=: shown by
			      * docker inspect or systemctl show */
} sbtc_secret_hit;

typedef struct {
	sbtc_secret_hit *hits;
	size_t n, cap;
	unsigned long bad_line; /* the first line that could not be read; 0: none */
	char bad_why[160];      /* what was wrong there (no file text) */
	size_t bad_lines;       /* how many could not be read */
	/* Files the text points to: a unit's EnvironmentFile= (absolute paths; a leading '-'
	 * removed and optional set), a compose service's env_file: (as written: relative to
	 * the compose file's folder). */
	char **env_files;
	bool *env_files_optional;
	size_t nenv_files;
} sbtc_secret_scan;

/* Reads len bytes of text as kind into *out (zeroed first). Never fails: what it cannot
 * read is in bad_line. */
void sbtc_secret_scan_text(sbtc_conf_kind kind, const char *text, size_t len, sbtc_secret_scan *out);
void sbtc_secret_scan_free(sbtc_secret_scan *s);

/* Whether a database URL or libpq conninfo (len bytes) carries a password that is not a
 * $VAR or ${VAR} reference: postgresql://user:PASSWORD@host/db, password=PASSWORD. */
bool sbtc_conninfo_has_password(const char *value, size_t len);

#endif
