/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "bitcoin.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_field.h"
#include "output.h"
#include "sanitize.h"
#include "smallfile.h"
#include "strbuf.h"

static const sbtc_option bitcoin_options[] = {
	{"bitcoin-url", 0, SBTC_ARG_REQUIRED, "URL", SBTC_OPT_BITCOIN_URL,
	 "Bitcoin Core's RPC.", SBTC_DEFAULT_BITCOIN_URL},
	{"bitcoin-cookie", 0, SBTC_ARG_REQUIRED, "FILE", SBTC_OPT_BITCOIN_COOKIE,
	 "Bitcoin Core's cookie file (<datadir>/.cookie), read at every run.", NULL},
	{"bitcoin-user", 0, SBTC_ARG_REQUIRED, "USER", SBTC_OPT_BITCOIN_USER,
	 "RPC user (with --bitcoin-password-file).", NULL},
	{"bitcoin-password-file", 0, SBTC_ARG_REQUIRED, "FILE", SBTC_OPT_BITCOIN_PASSWORD_FILE,
	 "File whose first line is the RPC password (never give it on the command line).", NULL},
};

int sbtc_bitcoin_option(sbtc_bitcoin_conn *c, int key, const char *arg, char *err, size_t errlen)
{
	switch (key) {
	case SBTC_OPT_BITCOIN_URL:
		if (sbtc_url_check(arg, "--bitcoin-url", err, errlen) != 0)
			return -1;
		c->url = arg;
		return 0;
	case SBTC_OPT_BITCOIN_COOKIE: c->cookie_file = arg; return 0;
	case SBTC_OPT_BITCOIN_USER: c->user = arg; return 0;
	case SBTC_OPT_BITCOIN_PASSWORD_FILE: c->password_file = arg; return 0;
	}
	snprintf(err, errlen, "unhandled Bitcoin Core option");
	return -1;
}

static int bitcoin_group_option(void *settings, int key, const char *arg, char *err, size_t errlen)
{
	return sbtc_bitcoin_option(settings, key, arg, err, errlen);
}

const sbtc_option_group sbtc_bitcoin_group = {
	.options = bitcoin_options,
	.noptions = sizeof bitcoin_options / sizeof bitcoin_options[0],
	.handle = bitcoin_group_option,
};

bool sbtc_bitcoin_conn_given(const sbtc_bitcoin_conn *c)
{
	return c->url != NULL || c->cookie_file != NULL || c->user != NULL || c->password_file != NULL;
}

/* Reads the first line of a small file into a malloc'd string (without its line end).
 * Messages name the file and the reason, never its content. */
static char *read_first_line(const char *path, const char *what, char *err, size_t errlen)
{
	char *buf;
	size_t n;
	if (sbtc_read_small_file(path, what, SBTC_SECRET_FILE_MAX, true, &buf, &n, err, errlen) != 0)
		return NULL;
	buf[strcspn(buf, "\r\n")] = '\0';
	if (buf[0] == '\0') {
		char *name = sbtc_small_file_name(path, true);
		snprintf(err, errlen, "the %s %s is empty", what, name);
		free(name);
		memset(buf, 0, n);
		free(buf);
		return NULL;
	}
	return buf;
}

char *sbtc_bitcoin_cookie_parse(const char *line, char *err, size_t errlen)
{
	const char *colon = strchr(line, ':');
	if (colon == NULL || colon == line || colon[1] == '\0') {
		snprintf(err, errlen, "expected USER:PASSWORD (\"__cookie__:...\")");
		return NULL;
	}
	return sbtc_xstrdup(line);
}

/* "user:password" for Basic auth from the cookie or the password file; NULL when neither
 * is configured (the URL may carry credentials), NULL with *failed on error. */
static char *credentials(const sbtc_bitcoin_conn *c, bool *failed, char *err, size_t errlen)
{
	char inner[300];
	*failed = false;
	if (c->cookie_file != NULL) {
		/* Re-read at every run: bitcoind writes a new cookie at each start. */
		char *line = read_first_line(c->cookie_file, "cookie file", err, errlen);
		if (line == NULL) {
			*failed = true;
			return NULL;
		}
		char *up = sbtc_bitcoin_cookie_parse(line, inner, sizeof inner);
		memset(line, 0, strlen(line));
		free(line);
		if (up == NULL) {
			snprintf(err, errlen, "the cookie file %s is not a Bitcoin Core cookie: %s", c->cookie_file,
				 inner);
			*failed = true;
		}
		return up;
	}
	if (c->password_file != NULL) {
		if (c->user == NULL) {
			snprintf(err, errlen, "--bitcoin-password-file needs --bitcoin-user");
			*failed = true;
			return NULL;
		}
		char *pw = read_first_line(c->password_file, "password file", err, errlen);
		if (pw == NULL) {
			*failed = true;
			return NULL;
		}
		char *up = sbtc_xasprintf("%s:%s", c->user, pw);
		memset(pw, 0, strlen(pw));
		free(pw);
		return up;
	}
	if (c->user != NULL) {
		snprintf(err, errlen, "--bitcoin-user needs --bitcoin-password-file (or use --bitcoin-cookie)");
		*failed = true;
	}
	return NULL;
}

static void wipe_free(char *s)
{
	if (s != NULL) {
		memset(s, 0, strlen(s));
		free(s);
	}
}

sbtc_fetch_status sbtc_bitcoin_call(const sbtc_bitcoin_conn *c, const char *method, const char *params,
				    json_object **result, char *err, size_t errlen)
{
	const char *url = c->url ? c->url : SBTC_DEFAULT_BITCOIN_URL;
	char *origin = sbtc_url_origin(url);
	char *peer = sbtc_xasprintf("Bitcoin Core %s", origin);
	free(origin);
	char inner[400];
	sbtc_fetch_status st;
	json_object *doc = NULL, *req = NULL, *pj = NULL;
	sbtc_http_response resp;
	bool failed;

	*result = NULL;
	char *userpwd = credentials(c, &failed, inner, sizeof inner);
	if (failed) {
		snprintf(err, errlen, "%s: %s", peer, inner);
		free(peer);
		return SBTC_FETCH_USAGE;
	}
	if (params != NULL) {
		if (sbtc_json_parse(params, strlen(params), &pj, inner, sizeof inner) != 0 ||
		    !json_object_is_type(pj, json_type_array)) {
			snprintf(err, errlen, "parameters of %s are not a JSON array", method);
			json_object_put(pj);
			wipe_free(userpwd);
			free(peer);
			return SBTC_FETCH_USAGE;
		}
	} else {
		pj = json_object_new_array();
	}
	req = json_object_new_object();
	if (req == NULL || pj == NULL)
		sbtc_die(SBTC_UNKNOWN, "out of memory");
	json_object_object_add(req, "jsonrpc", json_object_new_string("1.0"));
	json_object_object_add(req, "id", json_object_new_string("sbtc"));
	json_object_object_add(req, "method", json_object_new_string(method));
	json_object_object_add(req, "params", pj);

	sbtc_http_opts ho = c->http;
	ho.userpwd = userpwd;
	ho.peer = peer;
	st = sbtc_http_request("POST", url, "application/json",
			       json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN), &ho, &resp, err,
			       errlen);
	json_object_put(req);
	wipe_free(userpwd);
	if (st != SBTC_FETCH_OK)
		goto out;

	if (resp.status == 401) {
		snprintf(err, errlen, "%s: credentials refused (HTTP 401 to %s); check %s", peer, method,
			 c->cookie_file ? "that the cookie file belongs to this node"
			 : c->password_file ? "--bitcoin-user and the password file"
					    : "--bitcoin-cookie or --bitcoin-user with --bitcoin-password-file");
		st = SBTC_FETCH_UNREACHABLE;
		goto out_resp;
	}
	if (resp.status == 403) {
		snprintf(err, errlen, "%s refused this host (HTTP 403 to %s): see rpcallowip", peer, method);
		st = SBTC_FETCH_UNREACHABLE;
		goto out_resp;
	}
	/* Errors come with HTTP 500 (404 for an unknown method) and a JSON-RPC body. */
	bool parsed = sbtc_json_parse(resp.body, resp.len, &doc, inner, sizeof inner) == 0 &&
		      json_object_is_type(doc, json_type_object);
	if (!parsed) {
		if (resp.status != 200) {
			char *ex = resp.len ? sbtc_sanitize(resp.body, 160) : sbtc_xstrdup("empty body");
			snprintf(err, errlen, "%s answered HTTP %ld to %s: %s", peer, resp.status, method, ex);
			free(ex);
			st = SBTC_FETCH_ERROR;
		} else {
			snprintf(err, errlen, "%s: the answer to %s is %s", peer, method, inner);
			st = SBTC_FETCH_BAD_ANSWER;
		}
		goto out_doc;
	}
	json_object *eo = NULL;
	int r = sbtc_json_get_object_opt(doc, "error", SBTC_JSON_ABSENT_OK, &eo, inner, sizeof inner);
	if (r < 0) {
		snprintf(err, errlen, "%s: unexpected answer to %s: %s", peer, method, inner);
		st = SBTC_FETCH_BAD_ANSWER;
		goto out_doc;
	}
	if (r == 0) {
		int64_t code = 0;
		const char *msg = NULL;
		if (sbtc_json_get_int64(eo, "code", &code, inner, sizeof inner) != 0)
			code = 0;
		if (sbtc_json_get_string(eo, "message", &msg, inner, sizeof inner) != 0)
			msg = "no message";
		char *clean = sbtc_sanitize(msg, SBTC_REMOTE_TEXT_MAX);
		snprintf(err, errlen, "%s: %s failed: code %lld: %s", peer, method, (long long)code, clean);
		free(clean);
		st = SBTC_FETCH_ERROR;
		goto out_doc;
	}
	if (resp.status != 200) {
		snprintf(err, errlen, "%s answered HTTP %ld to %s without an error object", peer, resp.status,
			 method);
		st = SBTC_FETCH_ERROR;
		goto out_doc;
	}
	json_object *res;
	if (!json_object_object_get_ex(doc, "result", &res) || res == NULL) {
		snprintf(err, errlen, "%s: the answer to %s has no result", peer, method);
		st = SBTC_FETCH_BAD_ANSWER;
		goto out_doc;
	}
	*result = json_object_get(res);
	st = SBTC_FETCH_OK;
out_doc:
	json_object_put(doc);
out_resp:
	sbtc_http_response_free(&resp);
out:
	free(peer);
	return st;
}

int sbtc_bitcoin_warnings_join(json_object *w, char **out, char *err, size_t errlen)
{
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	*out = NULL;
	if (w == NULL) {
		*out = sbtc_xstrdup("");
		return 0;
	}
	if (json_object_is_type(w, json_type_string)) {
		sbtc_sanitize_append(&b, json_object_get_string(w), (size_t)json_object_get_string_len(w),
				     SBTC_REMOTE_TEXT_MAX);
		*out = sbtc_strbuf_steal(&b);
		return 0;
	}
	if (!json_object_is_type(w, json_type_array)) {
		snprintf(err, errlen, "field 'warnings' is neither a string nor an array");
		return -1;
	}
	size_t n = json_object_array_length(w);
	for (size_t i = 0; i < n; i++) {
		json_object *it = json_object_array_get_idx(w, i);
		if (!json_object_is_type(it, json_type_string)) {
			snprintf(err, errlen, "field 'warnings.%zu' is not a string", i);
			sbtc_strbuf_free(&b);
			return -1;
		}
		sbtc_strbuf b1 = SBTC_STRBUF_INIT;
		sbtc_sanitize_append(&b1, json_object_get_string(it), (size_t)json_object_get_string_len(it),
				     SBTC_REMOTE_TEXT_MAX);
		if (b1.len > 0) {
			if (b.len > 0)
				sbtc_strbuf_puts(&b, "; ");
			sbtc_strbuf_puts(&b, sbtc_strbuf_str(&b1));
		}
		sbtc_strbuf_free(&b1);
	}
	*out = sbtc_strbuf_steal(&b);
	return 0;
}

static sbtc_fetch_status bad_field(const sbtc_bitcoin_conn *c, const char *method, const char *inner,
				   char *err, size_t errlen)
{
	char *origin = sbtc_url_origin(c->url ? c->url : SBTC_DEFAULT_BITCOIN_URL);
	snprintf(err, errlen, "Bitcoin Core %s: unexpected answer to %s: %s", origin, method, inner);
	free(origin);
	return SBTC_FETCH_BAD_ANSWER;
}

static void copy_clean(char *dst, size_t dstlen, const char *src)
{
	char *clean = sbtc_sanitize(src, dstlen - 1);
	sbtc_strlcpy(dst, clean, dstlen);
	free(clean);
}

sbtc_fetch_status sbtc_bitcoin_chaininfo_get(const sbtc_bitcoin_conn *c, sbtc_bitcoin_chaininfo *out,
					     char *err, size_t errlen)
{
	json_object *r;
	char inner[300];
	memset(out, 0, sizeof *out);
	out->time = -1;
	sbtc_fetch_status st = sbtc_bitcoin_call(c, "getblockchaininfo", NULL, &r, err, errlen);
	if (st != SBTC_FETCH_OK)
		return st;
	const char *chain, *hash;
	json_object *w = NULL;
	if (sbtc_json_get_string(r, "chain", &chain, inner, sizeof inner) != 0 ||
	    sbtc_json_get_int64(r, "blocks", &out->blocks, inner, sizeof inner) != 0 ||
	    sbtc_json_get_int64(r, "headers", &out->headers, inner, sizeof inner) != 0 ||
	    sbtc_json_get_string(r, "bestblockhash", &hash, inner, sizeof inner) != 0 ||
	    sbtc_json_get_int64_opt(r, "time", SBTC_JSON_MISSING_OK, &out->time, inner, sizeof inner) < 0 ||
	    sbtc_json_get_int64_opt(r, "mediantime", SBTC_JSON_MISSING_OK, &out->mediantime, inner,
				    sizeof inner) < 0 ||
	    sbtc_json_get_double_opt(r, "verificationprogress", SBTC_JSON_MISSING_OK, &out->verificationprogress,
				     inner, sizeof inner) < 0 ||
	    sbtc_json_get_bool(r, "initialblockdownload", &out->initialblockdownload, inner, sizeof inner) != 0 ||
	    sbtc_json_get_bool_opt(r, "pruned", SBTC_JSON_MISSING_OK, &out->pruned, inner, sizeof inner) < 0) {
		json_object_put(r);
		return bad_field(c, "getblockchaininfo", inner, err, errlen);
	}
	if (out->blocks < 0 || out->headers < 0) {
		json_object_put(r);
		return bad_field(c, "getblockchaininfo", "negative height", err, errlen);
	}
	/* A fraction: Bitcoin Core's GuessVerificationProgress (src/validation.cpp) caps it
	 * at 1. Anything else is no progress to report (it would print as "inf%"). */
	if (!(out->verificationprogress >= 0 && out->verificationprogress <= 1)) {
		json_object_put(r);
		return bad_field(c, "getblockchaininfo", "verificationprogress is not a fraction between 0 and 1",
				 err, errlen);
	}
	copy_clean(out->chain, sizeof out->chain, chain);
	copy_clean(out->bestblockhash, sizeof out->bestblockhash, hash);
	if (json_object_object_get_ex(r, "warnings", &w) &&
	    sbtc_bitcoin_warnings_join(w, &out->warnings, inner, sizeof inner) != 0) {
		json_object_put(r);
		return bad_field(c, "getblockchaininfo", inner, err, errlen);
	}
	if (out->warnings == NULL)
		out->warnings = sbtc_xstrdup("");
	json_object_put(r);
	return SBTC_FETCH_OK;
}

void sbtc_bitcoin_chaininfo_free(sbtc_bitcoin_chaininfo *ci)
{
	free(ci->warnings);
	ci->warnings = NULL;
}

sbtc_fetch_status sbtc_bitcoin_netinfo_get(const sbtc_bitcoin_conn *c, sbtc_bitcoin_netinfo *out,
					   char *err, size_t errlen)
{
	json_object *r;
	char inner[300];
	memset(out, 0, sizeof *out);
	sbtc_fetch_status st = sbtc_bitcoin_call(c, "getnetworkinfo", NULL, &r, err, errlen);
	if (st != SBTC_FETCH_OK)
		return st;
	const char *sub;
	if (sbtc_json_get_int64(r, "version", &out->version, inner, sizeof inner) != 0 ||
	    sbtc_json_get_string(r, "subversion", &sub, inner, sizeof inner) != 0 ||
	    sbtc_json_get_int64_opt(r, "connections", SBTC_JSON_MISSING_OK, &out->connections, inner,
				    sizeof inner) < 0) {
		json_object_put(r);
		return bad_field(c, "getnetworkinfo", inner, err, errlen);
	}
	copy_clean(out->subversion, sizeof out->subversion, sub);
	json_object_put(r);
	return SBTC_FETCH_OK;
}
