/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "deadline.h"
#include "hex.h"
#include "sanitize.h"
#include "smallfile.h"
#include "strbuf.h"

static const sbtc_option tls_options[] = {
	{"insecure", 0, SBTC_ARG_NONE, NULL, SBTC_OPT_INSECURE,
	 "Do not verify TLS certificates (for a node behind a self-signed certificate).", NULL},
	{"cacert", 0, SBTC_ARG_REQUIRED, "FILE", SBTC_OPT_CACERT,
	 "Verify TLS peers against the CA certificates in FILE (PEM).", NULL},
};

static int tls_option(void *settings, int key, const char *arg, char *err, size_t errlen)
{
	sbtc_http_opts *o = settings;
	switch (key) {
	case SBTC_OPT_INSECURE: o->insecure = true; return 0;
	case SBTC_OPT_CACERT: o->cacert = arg; return 0;
	}
	snprintf(err, errlen, "unhandled TLS option");
	return -1;
}

const sbtc_option_group sbtc_http_tls_group = {
	.options = tls_options,
	.noptions = sizeof tls_options / sizeof tls_options[0],
	.handle = tls_option,
};

/* Where the authority (user info, host, port) starts: after "scheme://" when the URL has
 * one before any '/', '?' or '#', else at the beginning. */
static const char *url_authority(const char *url)
{
	const char *scheme_end = strstr(url, "://");
	if (scheme_end != NULL && (size_t)(scheme_end - url) <= strcspn(url, "/?#"))
		return scheme_end + 3;
	return url;
}

/* The authority of url (*alen bytes) and the '@' that ends its user info (the last one),
 * or NULL when it has none. */
static const char *url_userinfo_end(const char *url, const char **authority, size_t *alen)
{
	*authority = url_authority(url);
	*alen = strcspn(*authority, "/?#");
	const char *at = NULL;
	for (const char *p = *authority; p < *authority + *alen; p++)
		if (*p == '@')
			at = p;
	return at;
}

/* True when a query or fragment parameter name (len bytes) names a secret: it ends,
 * in any case, with token (access_token, refresh_token), key (apikey, api_key), secret
 * (client_secret), password or passwd, or signature. */
static bool secret_param(const char *name, size_t len)
{
	static const char *const suffixes[] = {"token", "key", "secret", "password", "passwd", "signature"};
	for (size_t k = 0; k < sizeof suffixes / sizeof suffixes[0]; k++) {
		size_t sl = strlen(suffixes[k]);
		if (len >= sl && strncasecmp(name + len - sl, suffixes[k], sl) == 0)
			return true;
	}
	return false;
}

char *sbtc_url_mask(const char *url)
{
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	const char *authority;
	size_t alen;
	const char *at = url_userinfo_end(url, &authority, &alen);
	const char *rest = authority + alen;
	if (at != NULL) {
		const char *colon = memchr(authority, ':', (size_t)(at - authority));
		sbtc_strbuf_append(&b, url, (size_t)(authority - url));
		if (colon != NULL) {
			sbtc_strbuf_append(&b, authority, (size_t)(colon - authority));
			sbtc_strbuf_puts(&b, ":***");
		} else {
			sbtc_strbuf_append(&b, authority, (size_t)(at - authority));
		}
		sbtc_strbuf_append(&b, at, (size_t)(rest - at));
	} else {
		sbtc_strbuf_append(&b, url, (size_t)(rest - url));
	}
	/* The path as it is, then the query and the fragment parameter by parameter: tokens
	 * passed there (token=, access_token=, api_key=, OAuth's #access_token=) are secrets. */
	size_t plen = strcspn(rest, "?#");
	sbtc_strbuf_append(&b, rest, plen);
	const char *p = rest + plen;
	while (*p) {
		if (strchr("?#&;", *p) != NULL) {
			sbtc_strbuf_putc(&b, *p++);
			continue;
		}
		size_t n = strcspn(p, "?#&;");
		const char *eq = memchr(p, '=', n);
		if (eq != NULL && secret_param(p, (size_t)(eq - p))) {
			sbtc_strbuf_append(&b, p, (size_t)(eq - p) + 1);
			sbtc_strbuf_puts(&b, "***");
		} else if (eq != NULL) {
			/* A URL inside a parameter (?next=http://u:pw@host/) hides no less. */
			sbtc_strbuf_append(&b, p, (size_t)(eq - p) + 1);
			char *value = sbtc_xstrndup(eq + 1, n - (size_t)(eq + 1 - p));
			if (strstr(value, "://") != NULL) {
				char *inner = sbtc_url_mask(value);
				sbtc_strbuf_puts(&b, inner);
				free(inner);
			} else {
				sbtc_strbuf_puts(&b, value);
			}
			free(value);
		} else {
			sbtc_strbuf_append(&b, p, n);
		}
		p += n;
	}
	return sbtc_strbuf_steal(&b);
}

char *sbtc_url_origin(const char *url)
{
	char *masked = sbtc_url_mask(url);
	const char *authority = url_authority(masked);
	size_t alen = strcspn(authority, "/?#");
	char *origin = sbtc_xstrndup(masked, (size_t)(authority - masked) + alen);
	free(masked);
	return origin;
}

char *sbtc_url_join(const char *base, const char *path)
{
	size_t bl = strlen(base);
	while (bl > 0 && base[bl - 1] == '/')
		bl--;
	while (*path == '/')
		path++;
	return sbtc_xasprintf("%.*s/%s", (int)bl, base, path);
}

int sbtc_url_check(const char *text, const char *what, char *err, size_t errlen)
{
	/* Blanks and controls first: the message must not show a URL that looks fine. */
	for (const char *p = text; *p; p++) {
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p == 0x7f) {
			snprintf(err, errlen, "invalid %s: it contains a blank or control character", what);
			return -1;
		}
		if ((unsigned char)*p >= 0x80) {
			snprintf(err, errlen,
				 "invalid %s: it contains a byte that is not ASCII (write the host in punycode "
				 "and escape the path with %%XX)", what);
			return -1;
		}
	}
	const char *rest = NULL;
	if (strncasecmp(text, "http://", 7) == 0)
		rest = text + 7;
	else if (strncasecmp(text, "https://", 8) == 0)
		rest = text + 8;
	/* A host must follow, after any user info: not "http://", "http://:80", "http://u@". */
	bool has_host = false;
	if (rest != NULL) {
		size_t alen = strcspn(rest, "/?#");
		const char *host = rest;
		for (const char *p = rest; p < rest + alen; p++)
			if (*p == '@')
				host = p + 1;
		has_host = host < rest + alen && *host != ':';
	}
	if (!has_host) {
		char *m = sbtc_url_mask(text);
		char *clean = sbtc_sanitize(m, 120);
		snprintf(err, errlen, "invalid %s '%s': expected http://HOST[:PORT][/PATH] or https://...",
			 what, clean);
		free(clean);
		free(m);
		return -1;
	}
	return 0;
}

/* ---- credentials out of what a peer sends back ---------------------------------------
 * A peer (or a proxy in front of it) may reflect the request in its answer: an error page
 * that quotes the request headers, an echo service. Whatever part of the answer a message
 * or -vvv shows, the credentials of the request never appear: the values of Authorization,
 * Proxy-Authorization and Cookie, the Base64 of user:password, the password and the token
 * themselves are replaced by "***" in the body and the headers before anyone reads them.
 * Replacements stop at a '"' or '\', so a JSON document stays one. */

static void add_secret(char ***list, size_t *n, const char *p, size_t len)
{
	if (len < 3)
		return; /* too short to search for without masking half the text */
	*list = sbtc_xrealloc(*list, (*n + 1) * sizeof **list);
	(*list)[(*n)++] = sbtc_xstrndup(p, len);
}

static char *base64(const char *in, size_t len)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)(unsigned char)in[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)(unsigned char)in[i + 1] << 8;
		if (i + 2 < len)
			v |= (unsigned char)in[i + 2];
		sbtc_strbuf_putc(&b, alphabet[(v >> 18) & 63]);
		sbtc_strbuf_putc(&b, alphabet[(v >> 12) & 63]);
		sbtc_strbuf_putc(&b, i + 1 < len ? alphabet[(v >> 6) & 63] : '=');
		sbtc_strbuf_putc(&b, i + 2 < len ? alphabet[v & 63] : '=');
	}
	return sbtc_strbuf_steal(&b);
}

/* "user:password": the whole, the password, and the Base64 Basic auth sends. */
static void add_userpwd(char ***list, size_t *n, const char *up, size_t len)
{
	const char *colon = memchr(up, ':', len);
	add_secret(list, n, up, len);
	if (colon != NULL)
		add_secret(list, n, colon + 1, len - (size_t)(colon + 1 - up));
	char *b64 = base64(up, len);
	/* with and without its '=' padding, which an echo may drop */
	add_secret(list, n, b64, strlen(b64));
	add_secret(list, n, b64, strcspn(b64, "="));
	free(b64);
}

static const char *const secret_headers[] = {"Proxy-Authorization", "Authorization", "Cookie"};

/* The secrets of one request: its userpwd, bearer token, the user info of its URL, and the
 * values of the secret headers it adds. */
static void request_secrets(const char *url, const sbtc_http_opts *o, char ***list, size_t *n)
{
	if (o->userpwd != NULL)
		add_userpwd(list, n, o->userpwd, strlen(o->userpwd));
	if (o->bearer != NULL)
		add_secret(list, n, o->bearer, strlen(o->bearer));
	const char *authority;
	size_t alen;
	const char *at = url_userinfo_end(url, &authority, &alen);
	if (at != NULL && at > authority) {
		size_t len = (size_t)(at - authority);
		char *dec = sbtc_xmalloc(len + 1);
		size_t dl = sbtc_percent_decode(authority, len, dec);
		add_userpwd(list, n, authority, len);
		add_userpwd(list, n, dec, dl);
		memset(dec, 0, len);
		free(dec);
	}
	for (const char *const *hp = o->headers; hp != NULL && *hp != NULL; hp++) {
		for (size_t k = 0; k < sizeof secret_headers / sizeof secret_headers[0]; k++) {
			size_t nl = strlen(secret_headers[k]);
			if (strncasecmp(*hp, secret_headers[k], nl) != 0 || (*hp)[nl] != ':')
				continue;
			const char *v = *hp + nl + 1;
			v += strspn(v, " \t");
			add_secret(list, n, v, strlen(v));
			const char *sp = strchr(v, ' '); /* "Basic X", "Bearer X", "token X" */
			if (sp != NULL)
				add_secret(list, n, sp + 1, strlen(sp + 1));
		}
	}
}

/* Masks the secret headers' values and every secret in text (len bytes); malloc'd. */
static char *redact(const char *text, size_t len, char *const *list, size_t n, size_t *out_len)
{
	static const char stop[] = "\"\\\r\n<&";
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	size_t i = 0;
	while (i < len) {
		bool done = false;
		for (size_t k = 0; k < sizeof secret_headers / sizeof secret_headers[0] && !done; k++) {
			size_t nl = strlen(secret_headers[k]);
			if (len - i < nl || strncasecmp(text + i, secret_headers[k], nl) != 0)
				continue;
			size_t j = i + nl;
			if (j < len && text[j] == '"')
				j++;
			while (j < len && (text[j] == ' ' || text[j] == '\t'))
				j++;
			if (j >= len || (text[j] != ':' && text[j] != '='))
				continue;
			j++;
			while (j < len && (text[j] == ' ' || text[j] == '\t' || text[j] == '"'))
				j++;
			size_t v = j;
			while (j < len && text[j] != '\0' && strchr(stop, text[j]) == NULL)
				j++;
			if (j == v)
				continue;
			sbtc_strbuf_append(&b, text + i, v - i);
			sbtc_strbuf_puts(&b, "***");
			i = j;
			done = true;
		}
		for (size_t k = 0; k < n && !done; k++) {
			size_t sl = strlen(list[k]);
			if (len - i >= sl && memcmp(text + i, list[k], sl) == 0) {
				sbtc_strbuf_puts(&b, "***");
				i += sl;
				done = true;
			}
		}
		if (!done)
			sbtc_strbuf_append(&b, text + i++, 1);
	}
	*out_len = b.len;
	return sbtc_strbuf_steal(&b);
}

char *sbtc_http_redact(const char *text, size_t len, const char *url, const sbtc_http_opts *o,
		       size_t *out_len)
{
	char **list = NULL;
	size_t n = 0;
	request_secrets(url, o, &list, &n);
	if (n == 0) {
		/* A request without credentials has none to leak: the answer stays as it came. */
		*out_len = len;
		char *copy = sbtc_xmalloc(len + 1);
		memcpy(copy, text, len);
		copy[len] = '\0';
		return copy;
	}
	/* the longest first, so that a password inside user:password leaves nothing behind */
	for (size_t a = 1; a < n; a++)
		for (size_t b = a; b > 0 && strlen(list[b]) > strlen(list[b - 1]); b--) {
			char *t = list[b];
			list[b] = list[b - 1];
			list[b - 1] = t;
		}
	char *r = redact(text, len, list, n, out_len);
	for (size_t k = 0; k < n; k++) {
		memset(list[k], 0, strlen(list[k]));
		free(list[k]);
	}
	free(list);
	return r;
}

typedef struct {
	sbtc_strbuf body;
	sbtc_strbuf headers;
	size_t max;
	bool too_large;
} transfer;

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
	transfer *t = userp;
	size_t n = size * nmemb;
	if (t->body.len + n > t->max) {
		t->too_large = true;
		return 0; /* aborts the transfer */
	}
	sbtc_strbuf_append(&t->body, data, n);
	return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
	transfer *t = userp;
	size_t n = size * nmemb;
	/* A new status line (after a redirect or 100-continue) starts a new header block. */
	if (n >= 5 && strncmp(data, "HTTP/", 5) == 0)
		t->headers.len = 0;
	if (t->headers.len + n <= 65536)
		sbtc_strbuf_append(&t->headers, data, n);
	return n;
}

static bool g_curl_ready;

static void curl_cleanup_at_exit(void)
{
	curl_global_cleanup();
}

static bool curl_ready(void)
{
	if (g_curl_ready)
		return true;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return false;
	if (atexit(curl_cleanup_at_exit) != 0)
		return false;
	g_curl_ready = true;
	return true;
}

static sbtc_fetch_status classify(CURLcode rc, long os_errno, const transfer *t, const char *origin,
				  const char *curl_err, char *err, size_t errlen)
{
	/* The system's word for a failed connect ("Connection refused") says more than
	 * libcurl's sentence around it. */
	const char *why = (rc == CURLE_COULDNT_CONNECT && os_errno != 0) ? strerror((int)os_errno)
		: curl_err[0] ? curl_err : curl_easy_strerror(rc);
	char *clean = sbtc_sanitize(why, SBTC_REMOTE_TEXT_MAX);
	sbtc_fetch_status s;
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		snprintf(err, errlen, "no answer from %s within the deadline of %g s", origin,
			 sbtc_deadline_seconds());
		s = SBTC_FETCH_TIMEOUT;
		break;
	case CURLE_WRITE_ERROR:
	case CURLE_FILESIZE_EXCEEDED:
		if (t->too_large || rc == CURLE_FILESIZE_EXCEEDED) {
			snprintf(err, errlen, "answer from %s is larger than the %zu byte limit", origin, t->max);
			s = SBTC_FETCH_BAD_ANSWER;
			break;
		}
		snprintf(err, errlen, "%s: %s", origin, clean);
		s = SBTC_FETCH_UNREACHABLE;
		break;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		snprintf(err, errlen, "cannot use URL %s: %s", origin, clean);
		s = SBTC_FETCH_USAGE;
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
		snprintf(err, errlen, "cannot connect to %s: %s", origin, clean);
		s = SBTC_FETCH_UNREACHABLE;
		break;
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
		snprintf(err, errlen, "connection to %s broke off: %s", origin, clean);
		s = SBTC_FETCH_UNREACHABLE;
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
		snprintf(err, errlen, "TLS with %s failed: %s", origin, clean);
		s = SBTC_FETCH_UNREACHABLE;
		break;
	default:
		snprintf(err, errlen, "request to %s failed: %s", origin, clean);
		s = SBTC_FETCH_UNREACHABLE;
		break;
	}
	free(clean);
	return s;
}

sbtc_fetch_status sbtc_http_request(const char *method, const char *url, const char *content_type,
				    const char *body, const sbtc_http_opts *o,
				    sbtc_http_response *resp, char *err, size_t errlen)
{
	char curl_err[CURL_ERROR_SIZE];
	transfer t;
	struct curl_slist *hdrs = NULL;
	sbtc_fetch_status status = SBTC_FETCH_OK;
	char *masked = sbtc_url_mask(url);

	memset(resp, 0, sizeof *resp);
	memset(&t, 0, sizeof t);
	t.max = o->max_body ? o->max_body : SBTC_HTTP_DEFAULT_MAX_BODY;
	curl_err[0] = '\0';

	long ms = sbtc_deadline_remaining_ms();
	if (ms <= 0) {
		char *origin = sbtc_url_origin(url);
		snprintf(err, errlen, "%s not asked: no time left before the deadline", o->peer ? o->peer : origin);
		free(origin);
		free(masked);
		return SBTC_FETCH_TIMEOUT;
	}
	/* libcurl reads the CA file itself: a FIFO there would block it, so one that exists
	 * must be a regular file (one that does not is libcurl's TLS failure, as ever). */
	if (o->cacert != NULL && access(o->cacert, F_OK) == 0 && sbtc_check_small_file(o->cacert, "CA file", SBTC_CA_FILE_MAX, false, err,
						       errlen) != 0) {
		free(masked);
		return SBTC_FETCH_USAGE;
	}
	if (!curl_ready()) {
		snprintf(err, errlen, "cannot initialise libcurl");
		free(masked);
		return SBTC_FETCH_USAGE;
	}
	CURL *h = curl_easy_init();
	if (h == NULL) {
		snprintf(err, errlen, "cannot initialise libcurl");
		free(masked);
		return SBTC_FETCH_USAGE;
	}

	char activity[200];
	snprintf(activity, sizeof activity, "waiting for %s", masked);
	sbtc_deadline_activity(activity);

	bool ok = true;
#define SETOPT(opt, val) ok = ok && curl_easy_setopt(h, opt, val) == CURLE_OK
	SETOPT(CURLOPT_URL, url);
	SETOPT(CURLOPT_NOSIGNAL, 1L); /* our own SIGALRM is the backstop */
	SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
	SETOPT(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SETOPT(CURLOPT_FOLLOWLOCATION, 1L);
	SETOPT(CURLOPT_MAXREDIRS, 3L);
	SETOPT(CURLOPT_TIMEOUT_MS, ms);
	SETOPT(CURLOPT_CONNECTTIMEOUT_MS, ms);
	SETOPT(CURLOPT_ERRORBUFFER, curl_err);
	SETOPT(CURLOPT_WRITEFUNCTION, on_body);
	SETOPT(CURLOPT_WRITEDATA, &t);
	SETOPT(CURLOPT_HEADERFUNCTION, on_header);
	SETOPT(CURLOPT_HEADERDATA, &t);
	SETOPT(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)t.max);
	SETOPT(CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
	SETOPT(CURLOPT_ACCEPT_ENCODING, ""); /* whatever this libcurl can decode */
	SETOPT(CURLOPT_SSL_VERIFYPEER, o->insecure ? 0L : 1L);
	SETOPT(CURLOPT_SSL_VERIFYHOST, o->insecure ? 0L : 2L);
	if (o->cacert != NULL)
		SETOPT(CURLOPT_CAINFO, o->cacert);
	if (o->userpwd != NULL) {
		SETOPT(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		SETOPT(CURLOPT_USERPWD, o->userpwd);
	}
	if (o->bearer != NULL) {
		SETOPT(CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
		SETOPT(CURLOPT_XOAUTH2_BEARER, o->bearer);
	}
	if (content_type != NULL) {
		char line[128];
		snprintf(line, sizeof line, "Content-Type: %s", content_type);
		struct curl_slist *n = curl_slist_append(hdrs, line);
		ok = ok && n != NULL;
		if (n != NULL)
			hdrs = n;
	}
	for (const char *const *hp = o->headers; hp != NULL && *hp != NULL; hp++) {
		struct curl_slist *n = curl_slist_append(hdrs, *hp);
		ok = ok && n != NULL;
		if (n != NULL)
			hdrs = n;
	}
	/* An empty Expect: keeps libcurl from waiting for "100 Continue" on larger bodies. */
	struct curl_slist *n = curl_slist_append(hdrs, "Expect:");
	ok = ok && n != NULL;
	if (n != NULL)
		hdrs = n;
	SETOPT(CURLOPT_HTTPHEADER, hdrs);
	if (body != NULL) {
		SETOPT(CURLOPT_POSTFIELDS, body);
		SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0)
		SETOPT(CURLOPT_CUSTOMREQUEST, method);
#undef SETOPT

	if (!ok) {
		snprintf(err, errlen, "cannot set up the request to %s (libcurl too old?)", masked);
		status = SBTC_FETCH_USAGE;
		goto out;
	}
	if (o->verbose >= 2)
		fprintf(stderr, "> %s %s (%ld ms left)\n", method, masked, ms);

	CURLcode rc = curl_easy_perform(h);
	if (rc != CURLE_OK) {
		long os_errno = 0;
		if (curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno) != CURLE_OK)
			os_errno = 0;
		char *origin = sbtc_url_origin(url);
		status = classify(rc, os_errno, &t, o->peer ? o->peer : origin, curl_err, err, errlen);
		free(origin);
		if (o->verbose >= 2)
			fprintf(stderr, "< %s\n", err);
		goto out;
	}
	long code = 0;
	double total = 0;
	if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code) != CURLE_OK ||
	    curl_easy_getinfo(h, CURLINFO_TOTAL_TIME, &total) != CURLE_OK) {
		snprintf(err, errlen, "cannot read the status of the answer from %s", masked);
		status = SBTC_FETCH_BAD_ANSWER;
		goto out;
	}
	resp->status = code;
	resp->seconds = total;
	{
		size_t hlen;
		resp->body = sbtc_http_redact(t.body.data ? t.body.data : "", t.body.len, url, o, &resp->len);
		resp->headers = sbtc_http_redact(t.headers.data ? t.headers.data : "", t.headers.len, url, o,
						 &hlen);
	}
	if (o->verbose >= 2)
		fprintf(stderr, "< HTTP %ld, %zu bytes in %.3f s\n", code, resp->len, total);
	if (o->verbose >= 3) {
		char *clean = sbtc_sanitize(resp->body, 2000);
		fprintf(stderr, "< %s\n", clean);
		free(clean);
	}

out:
	sbtc_deadline_activity(NULL);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	sbtc_strbuf_free(&t.body);
	sbtc_strbuf_free(&t.headers);
	free(masked);
	return status;
}

void sbtc_http_response_free(sbtc_http_response *r)
{
	free(r->body);
	free(r->headers);
	memset(r, 0, sizeof *r);
}

bool sbtc_http_header(const sbtc_http_response *r, const char *name, char *dst, size_t dstlen)
{
	size_t nl = strlen(name);
	const char *p = r->headers;
	while (p != NULL && *p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		if (len > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1;
			const char *end = p + len;
			while (v < end && (*v == ' ' || *v == '\t'))
				v++;
			while (end > v && (end[-1] == '\r' || end[-1] == ' '))
				end--;
			size_t vl = (size_t)(end - v);
			if (dstlen > 0) {
				if (vl >= dstlen)
					vl = dstlen - 1;
				memcpy(dst, v, vl);
				dst[vl] = '\0';
			}
			return true;
		}
		p = eol ? eol + 1 : NULL;
	}
	return false;
}
