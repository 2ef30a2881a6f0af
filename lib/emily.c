/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "emily.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "json_field.h"
#include "json_get.h"
#include "sanitize.h"
#include "smallfile.h"
#include "strbuf.h"

int sbtc_emily_url_split(const char *text, sbtc_emily_endpoint *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	size_t skip;
	if (strncmp(text, "http://", 7) == 0)
		skip = 7;
	else if (strncmp(text, "https://", 8) == 0)
		skip = 8;
	else {
		snprintf(err, errlen, "not an http:// or https:// URL");
		return -1;
	}
	for (const char *p = text; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
			snprintf(err, errlen, "the URL holds a blank or a control character");
			return -1;
		}
	const char *auth = text + skip;
	size_t alen = strcspn(auth, "/?#");
	const char *at = NULL;
	for (const char *p = auth; p < auth + alen; p++)
		if (*p == '@')
			at = p;
	const char *host = at != NULL ? at + 1 : auth;
	size_t hlen = (size_t)(auth + alen - host);
	if (hlen == 0 || host[0] == ':') {
		snprintf(err, errlen, "the URL names no host");
		return -1;
	}
	const char *path = auth + alen;
	size_t plen = strcspn(path, "?#");
	if (memchr(path, '@', plen) != NULL) {
		/* Kept in every request and its -vv log: nothing that looks like user info. */
		snprintf(err, errlen, "the URL's path holds an at sign");
		return -1;
	}
	while (plen > 0 && path[plen - 1] == '/')
		plen--;
	out->host = sbtc_xstrndup(host, hlen);
	out->secret = at != NULL ? sbtc_xstrndup(auth, (size_t)(at - auth)) : sbtc_xstrdup("");
	out->base = sbtc_xasprintf("%.*s%.*s%.*s", (int)skip, text, (int)hlen, host, (int)plen, path);
	return 0;
}

int sbtc_emily_endpoint_read(const char *path, sbtc_emily_endpoint *out, char *err, size_t errlen)
{
	char inner[400];
	char *buf = NULL;
	size_t len = 0;
	memset(out, 0, sizeof *out);
	char *name = sbtc_small_file_name(path, true);
	struct stat st;
	int rc = -1;
	if (sbtc_read_small_file(path, "Emily URL file", SBTC_SECRET_FILE_MAX, true, &buf, &len, err, errlen) != 0)
		goto out;
	if (stat(path, &st) != 0 || (st.st_mode & (S_IROTH | S_IWOTH | S_IWGRP)) != 0) {
		snprintf(err, errlen, "Emily URL file %s is not used: others may read or change it (chmod 0640)", name);
		goto out;
	}
	/* The first line, without surrounding blanks. */
	char *line = buf + strspn(buf, " \t\r\n");
	line[strcspn(line, "\r\n")] = '\0';
	size_t n = strlen(line);
	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		line[--n] = '\0';
	if (sbtc_emily_url_split(line, out, inner, sizeof inner) != 0) {
		snprintf(err, errlen, "Emily URL file %s: %s", name, inner);
		goto out;
	}
	rc = 0;
out:
	if (buf != NULL) {
		memset(buf, 0, len);
		free(buf);
	}
	free(name);
	return rc;
}

void sbtc_emily_endpoint_free(sbtc_emily_endpoint *e)
{
	if (e->secret != NULL) {
		memset(e->secret, 0, strlen(e->secret));
		free(e->secret);
	}
	free(e->base);
	free(e->host);
	memset(e, 0, sizeof *e);
}

int sbtc_emily_health_parse(json_object *doc, sbtc_emily_health *out, char *err, size_t errlen)
{
	const char *v = NULL;
	memset(out, 0, sizeof *out);
	if (doc == NULL || !json_object_is_type(doc, json_type_object)) {
		snprintf(err, errlen, "not a JSON object");
		return -1;
	}
	if (sbtc_json_get_string_opt(doc, "version", SBTC_JSON_ABSENT_OK, &v, err, errlen) < 0)
		return -1;
	if (v != NULL) {
		char *clean = sbtc_sanitize(v, sizeof out->version - 1);
		sbtc_strlcpy(out->version, clean, sizeof out->version);
		free(clean);
	}
	return 0;
}

typedef struct {
	char *secret;
	char *header;              /* "x-api-key: KEY", as the signer sends it */
	const char *headers[2];
	sbtc_http_opts o;
	sbtc_emily_health *out;
	sbtc_outcome *oc;
	sbtc_then then;
	void *ctx;
} health_job;

/* Whatever the answer reflected, the key is not repeated. */
static void scrub(char *text, const char *secret)
{
	size_t n = strlen(secret);
	char *p;
	if (n == 0)
		return;
	while ((p = strstr(text, secret)) != NULL) {
		memmove(p + 3, p + n, strlen(p + n) + 1);
		memcpy(p, "***", 3);
	}
}

static void health_done(sbtc_acq *a, void *ctx)
{
	health_job *j = ctx;
	if (strlen(j->secret) >= 3) {
		scrub(j->oc->msg, j->secret);
		scrub(j->out->version, j->secret);
	}
	memset(j->secret, 0, strlen(j->secret));
	free(j->secret);
	if (j->header != NULL) {
		memset(j->header, 0, strlen(j->header));
		free(j->header);
	}
	sbtc_acq_done(a, j, j->then, j->ctx);
}

static int health_parser(const sbtc_json_answer *ans, void *out, char *err, size_t errlen)
{
	return sbtc_emily_health_parse(ans->doc, out, err, errlen);
}

void sbtc_emily_health_start(sbtc_acq *a, const sbtc_emily_endpoint *e, const sbtc_http_opts *o,
			     sbtc_emily_health *out, sbtc_outcome *oc, sbtc_then then, void *ctx)
{
	memset(out, 0, sizeof *out);
	health_job *j = sbtc_xcalloc(1, sizeof *j);
	j->secret = sbtc_xstrdup(e->secret);
	j->out = out;
	j->oc = oc;
	j->then = then;
	j->ctx = ctx;
	j->o = *o;
	if (e->secret[0] != '\0') {
		/* Sent as the signer sends its API key (the x-api-key header of Emily's API): a header the answer's
		 * excerpts and -vvv's dumps mask wherever it is reflected. */
		j->header = sbtc_xasprintf("x-api-key: %s", e->secret);
		j->headers[0] = j->header;
		j->o.headers = j->headers;
	}
	char *peer = sbtc_xasprintf("Emily %s", e->host);
	char *asked = sbtc_xasprintf("Emily %s/health", e->host);
	char *full = sbtc_url_join(e->base, "health");
	sbtc_json_get_req req = {.url = full, .peer = peer, .asked = asked, .what = "/health", .o = &j->o,
				 .parse = health_parser, .out = out};
	sbtc_json_get_parsed(a, &req, oc, health_done, j);
	free(full);
	free(asked);
	free(peer);
}
