/* SPDX-License-Identifier: GPL-2.0-or-later */
/* See fake_curl.h. Only the calls lib/acquire.c makes are defined; curl_global_init and
 * the header lists stay libcurl's. The multi handle performs its one transfer at once. */
#define CURL_DISABLE_TYPECHECK 1
#include "fake_curl.h"

#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef size_t (*fake_cb)(char *, size_t, size_t, void *);

static struct {
	int in_use;
	fake_cb write_fn, header_fn;
	void *write_data, *header_data;
	curl_off_t max;
	long status;
	const char *body;
	size_t len, chunk;
	void *priv;
	int added, performed;
	CURLMsg msg;
	int msg_ready;
} g;

static char g_handle;

void fake_curl_answer(long status, const void *body, size_t len, size_t chunk)
{
	g.status = status;
	g.body = body;
	g.len = len;
	g.chunk = chunk ? chunk : 1;
}

CURL *curl_easy_init(void)
{
	if (g.in_use)
		abort(); /* a fuzz target asks one thing at a time */
	g.in_use = 1;
	g.write_fn = g.header_fn = NULL;
	g.write_data = g.header_data = NULL;
	g.max = 0;
	return &g_handle;
}

CURLcode curl_easy_setopt(CURL *h, CURLoption opt, ...)
{
	va_list ap;
	if (h != &g_handle)
		abort();
	va_start(ap, opt);
	switch (opt) {
	case CURLOPT_WRITEFUNCTION:
		g.write_fn = va_arg(ap, fake_cb);
		break;
	case CURLOPT_HEADERFUNCTION:
		g.header_fn = va_arg(ap, fake_cb);
		break;
	case CURLOPT_WRITEDATA:
		g.write_data = va_arg(ap, void *);
		break;
	case CURLOPT_HEADERDATA:
		g.header_data = va_arg(ap, void *);
		break;
	case CURLOPT_MAXFILESIZE_LARGE:
		g.max = va_arg(ap, curl_off_t);
		break;
	case CURLOPT_PRIVATE:
		g.priv = va_arg(ap, void *);
		break;
	default:
		break;
	}
	va_end(ap);
	return CURLE_OK;
}

CURLcode curl_easy_perform(CURL *h)
{
	char line[64];
	if (h != &g_handle || g.write_fn == NULL || g.header_fn == NULL)
		abort();
	int n = snprintf(line, sizeof line, "HTTP/1.1 %ld X\r\n", g.status);
	if (g.header_fn(line, 1, (size_t)n, g.header_data) != (size_t)n)
		return CURLE_WRITE_ERROR;
	n = snprintf(line, sizeof line, "Content-Type: application/json\r\n\r\n");
	if (g.header_fn(line, 1, (size_t)n, g.header_data) != (size_t)n)
		return CURLE_WRITE_ERROR;
	if (g.max > 0 && (curl_off_t)g.len > g.max)
		return CURLE_FILESIZE_EXCEEDED;
	for (size_t off = 0; off < g.len;) {
		size_t k = g.len - off < g.chunk ? g.len - off : g.chunk;
		/* libcurl hands over a buffer it owns: a copy, so that overreads show */
		char *piece = malloc(k);
		if (piece == NULL)
			abort();
		memcpy(piece, g.body + off, k);
		size_t got = g.write_fn(piece, 1, k, g.write_data);
		free(piece);
		if (got != k)
			return CURLE_WRITE_ERROR;
		off += k;
	}
	return CURLE_OK;
}

CURLcode curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
	va_list ap;
	CURLcode rc = CURLE_OK;
	if (h != &g_handle)
		abort();
	va_start(ap, info);
	switch (info) {
	case CURLINFO_RESPONSE_CODE:
		*va_arg(ap, long *) = g.status;
		break;
	case CURLINFO_OS_ERRNO:
		*va_arg(ap, long *) = 0;
		break;
	case CURLINFO_TOTAL_TIME:
		*va_arg(ap, double *) = 0.001;
		break;
	case CURLINFO_PRIVATE:
		*va_arg(ap, char **) = g.priv;
		break;
	default:
		rc = CURLE_BAD_FUNCTION_ARGUMENT;
		break;
	}
	va_end(ap);
	return rc;
}

void curl_easy_cleanup(CURL *h)
{
	if (h != &g_handle || !g.in_use)
		abort();
	g.in_use = 0;
}

const char *curl_easy_strerror(CURLcode rc)
{
	return rc == CURLE_OK ? "No error" : "fake libcurl error";
}

static char g_multi;

CURLM *curl_multi_init(void)
{
	return &g_multi;
}

CURLMcode curl_multi_add_handle(CURLM *m, CURL *h)
{
	if (m != &g_multi || h != &g_handle || g.added)
		abort();
	g.added = 1;
	g.performed = 0;
	g.msg_ready = 0;
	return CURLM_OK;
}

CURLMcode curl_multi_remove_handle(CURLM *m, CURL *h)
{
	if (m != &g_multi || h != &g_handle)
		abort();
	g.added = 0;
	g.msg_ready = 0;
	return CURLM_OK;
}

CURLMcode curl_multi_perform(CURLM *m, int *running)
{
	if (m != &g_multi)
		abort();
	if (g.added && !g.performed) {
		g.performed = 1;
		g.msg.msg = CURLMSG_DONE;
		g.msg.easy_handle = &g_handle;
		g.msg.data.result = curl_easy_perform(&g_handle);
		g.msg_ready = 1;
	}
	*running = 0;
	return CURLM_OK;
}

CURLMsg *curl_multi_info_read(CURLM *m, int *left)
{
	if (m != &g_multi)
		abort();
	*left = 0;
	if (!g.msg_ready)
		return NULL;
	g.msg_ready = 0;
	return &g.msg;
}

CURLMcode curl_multi_poll(CURLM *m, struct curl_waitfd extra[], unsigned n, int ms, int *numfds)
{
	(void)extra;
	(void)n;
	(void)ms;
	if (m != &g_multi)
		abort();
	*numfds = 0;
	return CURLM_OK;
}

CURLMcode curl_multi_cleanup(CURLM *m)
{
	if (m != &g_multi)
		abort();
	return CURLM_OK;
}
