/* SPDX-License-Identifier: GPL-2.0-or-later */
/* HTTP as the checks speak it: the request options (TLS verified unless --insecure, a
 * cap on the body, credentials), the answer, credentials masked out of it, and URLs
 * shown with credentials masked. The transfers themselves run in lib/acquire_loop.c. */
#ifndef SBTC_HTTP_H
#define SBTC_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "fetch.h"
#include "state.h"

#define SBTC_HTTP_DEFAULT_MAX_BODY (1u << 20) /* 1 MiB: every answer we read is far smaller */

typedef struct {
	bool insecure;          /* --insecure: do not verify the peer's certificate */
	const char *cacert;     /* --cacert FILE */
	size_t max_body;        /* 0: SBTC_HTTP_DEFAULT_MAX_BODY */
	const char *userpwd;    /* "user:password" for Basic auth; never shown */
	const char *bearer;     /* token for "Authorization: Bearer"; never shown */
	const char *const *headers; /* extra "Name: value" lines, NULL-terminated, or NULL */
	int verbose;            /* >= 2: request and answer summaries on stderr; >= 3: bodies */
	const char *peer;       /* how messages name the peer ("Stacks node http://...");
	                           NULL: the URL's origin */
} sbtc_http_opts;

/* The shared TLS options --insecure and --cacert; their settings: an sbtc_http_opts. */
extern const sbtc_option_group sbtc_http_tls_group;

typedef struct {
	long status;      /* HTTP status code */
	char *body;       /* NUL-terminated, malloc'd */
	size_t len;
	char *headers;    /* raw response header lines of the final response */
	double seconds;   /* total time */
} sbtc_http_response;

/* Performs one request: an acquisition of that one exchange (lib/acquire_loop.c implements
 * it). body may be NULL (GET) and content_type NULL. Returns
 * SBTC_FETCH_OK with any HTTP status (the caller judges it), or another status with a
 * message that names the masked URL and what happened. */
sbtc_fetch_status sbtc_http_request(const char *method, const char *url, const char *content_type,
				    const char *body, const sbtc_http_opts *o,
				    sbtc_http_response *resp, char *err, size_t errlen);

void sbtc_http_response_free(sbtc_http_response *r);

/* text (len bytes) with the request's credentials masked as "***": the values of
 * Authorization, Proxy-Authorization, Cookie and X-Api-Key wherever they appear, and the password,
 * user:password, its Base64 and the token of o and of url. sbtc_http_request applies it
 * to every answer's body and headers, so that no excerpt can show what a peer reflects.
 * Returns a malloc'd, NUL-terminated string and its length in *out_len. */
char *sbtc_http_redact(const char *text, size_t len, const char *url, const sbtc_http_opts *o,
		       size_t *out_len);

/* The value of a response header (case-insensitive name), copied into dst; false if absent. */
bool sbtc_http_header(const sbtc_http_response *r, const char *name, char *dst, size_t dstlen);

/* The URL with any password (and a token in a query string) replaced by "***"; malloc'd. */
char *sbtc_url_mask(const char *url);

/* Scheme, host and port of a URL, credentials masked ("http://127.0.0.1:20443"); malloc'd. */
char *sbtc_url_origin(const char *url);

/* Joins a base URL and a path without doubling or dropping the '/'; malloc'd. */
char *sbtc_url_join(const char *base, const char *path);

/* Checks that text is an http:// or https:// URL with a host; 0 or -1 with a message. */
int sbtc_url_check(const char *text, const char *what, char *err, size_t errlen);

#endif
