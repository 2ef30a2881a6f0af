/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Emily, the sBTC API the signers report deposits and withdrawals to: whether it answers
 * GET /health ({"version": ...}; stacks-sbtc/sbtc emily/handler/src/api/handlers/health.rs).
 * The signer's configured endpoint carries its API key as the URL's user info
 * (http://KEY@host:port), so the URL is a secret: it is read from a file, the request goes
 * to the URL without its user info, and messages name the file and the host only. */
#ifndef SBTC_EMILY_H
#define SBTC_EMILY_H

#include <stddef.h>

#include <json-c/json.h>

#include "acquire.h"
#include "http.h"

typedef struct {
	char *base;    /* scheme://host[:port][/path] without user info, query or fragment */
	char *host;    /* host[:port], for messages */
	char *secret;  /* the user info ("" when none), never shown; wiped when freed */
} sbtc_emily_endpoint;

/* Splits the URL text (the file's first line, surrounding blanks removed): 0, or -1 with
 * a message that never repeats the text. */
int sbtc_emily_url_split(const char *text, sbtc_emily_endpoint *out, char *err, size_t errlen);

/* Reads the file (a regular file of a line or two that others may not read: the key is
 * in it): 0, or -1 with a message that names the file and why. */
int sbtc_emily_endpoint_read(const char *path, sbtc_emily_endpoint *out, char *err, size_t errlen);

void sbtc_emily_endpoint_free(sbtc_emily_endpoint *e);

typedef struct {
	char version[64]; /* sanitised; "" when the answer names none */
} sbtc_emily_health;

/* The /health document: an object, "version" a string when present. 0, or -1. */
int sbtc_emily_health_parse(json_object *doc, sbtc_emily_health *out, char *err, size_t errlen);

/* GET BASE/health into an acquisition; messages name "Emily HOST". */
void sbtc_emily_health_start(sbtc_acq *a, const sbtc_emily_endpoint *e, const sbtc_http_opts *o,
			     sbtc_emily_health *out, sbtc_outcome *oc, sbtc_then then, void *ctx);

#endif
