/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "prometheus_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sanitize.h"
#include "strbuf.h"

bool sbtc_prom_label(const char *labels, const char *end, const char *label, char *dst, size_t dstlen)
{
	size_t ll = strlen(label);
	const char *p = labels;
	while (p < end) {
		while (p < end && (*p == ' ' || *p == ','))
			p++;
		const char *name = p;
		while (p < end && *p != '=' && *p != '}')
			p++;
		if (p >= end || *p != '=' || p + 1 >= end || p[1] != '"')
			return false;
		size_t nl = (size_t)(p - name);
		while (nl > 0 && name[nl - 1] == ' ')
			nl--;
		p += 2;
		size_t n = 0;
		bool match = nl == ll && memcmp(name, label, ll) == 0;
		while (p < end && *p != '"') {
			char c = *p++;
			if (c == '\\' && p < end) {
				c = *p++;
				if (c == 'n')
					c = '\n';
			}
			if (match && n + 1 < dstlen)
				dst[n++] = c;
		}
		if (p >= end)
			return false;
		p++; /* closing quote */
		if (match) {
			dst[n] = '\0';
			return true;
		}
	}
	return false;
}

bool sbtc_prom_build_info_revision(const char *body, char *dst, size_t dstlen)
{
	bool found = false;
	for (const char *line = body; line != NULL && *line; ) {
		const char *eol = strchr(line, '\n');
		const char *end = eol ? eol : line + strlen(line);
		const char *brace = memchr(line, '{', (size_t)(end - line));
		if (line[0] != '#' && brace != NULL) {
			size_t nl = (size_t)(brace - line);
			bool is_build_info = (nl == 10 && memcmp(line, "build_info", 10) == 0) ||
					     (nl > 11 && memcmp(brace - 11, "_build_info", 11) == 0);
			const char *close = brace;
			/* the closing brace is the last one before the value */
			for (const char *q = brace; q < end; q++)
				if (*q == '}')
					close = q;
			char rev[128], app[64];
			if (is_build_info && close > brace &&
			    sbtc_prom_label(brace + 1, close, "revision", rev, sizeof rev)) {
				bool signer = sbtc_prom_label(brace + 1, close, "app", app, sizeof app) &&
					      strcmp(app, "signer") == 0;
				if (!found || signer) {
					snprintf(dst, dstlen, "%s", rev);
					found = true;
				}
				if (signer)
					return true;
			}
		}
		line = eol ? eol + 1 : NULL;
	}
	return found;
}

char *sbtc_prom_scrape_url(const char *url)
{
	/* The signer's exporter (metrics-exporter-prometheus behind stacks-sbtc/sbtc
	 * signer/src/metrics.rs, setup_metrics()) answers on any path; a proxy in front of
	 * it or another exporter may route only /metrics. */
	const char *rest = strstr(url, "://");
	rest = rest ? rest + 3 : url;
	size_t alen = strcspn(rest, "/?#");
	if (rest[alen] == '/')
		return sbtc_xstrdup(url);
	size_t head = (size_t)(rest + alen - url);
	return sbtc_xasprintf("%.*s/metrics%s", (int)head, url, rest + alen);
}

sbtc_fetch_status sbtc_prom_build_info_answer(const sbtc_http_response *resp, const char *peer,
					       sbtc_prom_build_info *out, sbtc_outcome *oc)
{
	out->revision[0] = '\0';
	if (resp->status != 200)
		return sbtc_http_status_error(oc, peer, resp);
	if (resp->body == NULL || !sbtc_prom_build_info_revision(resp->body, out->revision, sizeof out->revision))
		return sbtc_outcome_set(oc, SBTC_FETCH_BAD_ANSWER, "%s has no build_info metric with a revision label",
					peer);
	return sbtc_outcome_set(oc, SBTC_FETCH_OK, "%s", "");
}

/* One scrape under way. */
typedef struct {
	sbtc_http_opts o;
	char *peer;
	sbtc_http_response resp;
	sbtc_outcome hoc;
	sbtc_prom_judge judge;
	void *out;
	sbtc_outcome *oc;
	sbtc_then then;
	void *ctx;
} scrape;

static void scrape_done(sbtc_acq *a, void *ctx)
{
	scrape *s = ctx;
	if (s->hoc.status == SBTC_FETCH_OK)
		s->judge(&s->resp, s->peer, s->out, s->oc);
	else
		*s->oc = s->hoc;
	sbtc_http_response_free(&s->resp);
	sbtc_then then = s->then;
	void *uctx = s->ctx;
	free(s->peer);
	free(s);
	if (then != NULL)
		then(a, uctx);
}

void sbtc_prom_scrape_start(sbtc_acq *a, const char *url, const sbtc_http_opts *o, sbtc_prom_judge judge,
			    void *out, sbtc_outcome *oc, sbtc_then then, void *ctx)
{
	scrape *s = sbtc_xcalloc(1, sizeof *s);
	s->o = *o;
	s->o.max_body = SBTC_PROM_MAX_BODY;
	s->peer = o->peer ? sbtc_xstrdup(o->peer) : sbtc_url_origin(url);
	s->o.peer = s->peer;
	s->judge = judge;
	s->out = out;
	s->oc = oc;
	s->then = then;
	s->ctx = ctx;
	char *target = sbtc_prom_scrape_url(url);
	sbtc_http_req req = {.method = "GET", .url = target, .opts = &s->o};
	sbtc_acq_http(a, &req, &s->resp, &s->hoc, scrape_done, s);
	free(target);
}

static sbtc_fetch_status build_info_judge(const sbtc_http_response *resp, const char *peer, void *out,
					  sbtc_outcome *oc)
{
	return sbtc_prom_build_info_answer(resp, peer, out, oc);
}

void sbtc_prom_build_info_start(sbtc_acq *a, const char *url, const sbtc_http_opts *o, sbtc_prom_build_info *out,
				sbtc_outcome *oc, sbtc_then then, void *ctx)
{
	out->revision[0] = '\0';
	sbtc_prom_scrape_start(a, url, o, build_info_judge, out, oc, then, ctx);
}
