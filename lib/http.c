/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hex.h"
#include "sanitize.h"
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
			/* A user without a password is a token more often than a name
			 * (https://TOKEN@host, Emily's http://KEY@host): hidden as a whole. */
			sbtc_strbuf_puts(&b, "***");
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

static const char *const secret_headers[] = {"Proxy-Authorization", "Authorization", "Cookie", "X-Api-Key"};

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
