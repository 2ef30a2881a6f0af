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

sbtc_fetch_status sbtc_bitcoin_reply_parse(const char *peer, const char *method, long http_status,
					 json_object *doc, json_object **result, char *err, size_t errlen)
{
	char inner[300];
	*result = NULL;
	if (!json_object_is_type(doc, json_type_object)) {
		snprintf(err, errlen, "%s: the answer to %s is not a JSON-RPC object", peer, method);
		return http_status == 200 ? SBTC_FETCH_BAD_ANSWER : SBTC_FETCH_ERROR;
	}
	/* Errors come with HTTP 500 (404 for an unknown method) and a JSON-RPC body
	 * (src/httprpc.cpp, JSONErrorReply). */
	json_object *eo = NULL;
	int r = sbtc_json_get_object_opt(doc, "error", SBTC_JSON_ABSENT_OK, &eo, inner, sizeof inner);
	if (r < 0) {
		snprintf(err, errlen, "%s: unexpected answer to %s: %s", peer, method, inner);
		return SBTC_FETCH_BAD_ANSWER;
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
		return SBTC_FETCH_ERROR;
	}
	if (http_status != 200) {
		snprintf(err, errlen, "%s answered HTTP %ld to %s without an error object", peer, http_status,
			 method);
		return SBTC_FETCH_ERROR;
	}
	json_object *res;
	if (!json_object_object_get_ex(doc, "result", &res) || res == NULL) {
		snprintf(err, errlen, "%s: the answer to %s has no result", peer, method);
		return SBTC_FETCH_BAD_ANSWER;
	}
	*result = json_object_get(res);
	return SBTC_FETCH_OK;
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

static void copy_clean(char *dst, size_t dstlen, const char *src)
{
	char *clean = sbtc_sanitize(src, dstlen - 1);
	sbtc_strlcpy(dst, clean, dstlen);
	free(clean);
}

int sbtc_bitcoin_chaininfo_parse(json_object *r, sbtc_bitcoin_chaininfo *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	out->time = -1;
	const char *chain, *hash;
	json_object *w = NULL;
	if (sbtc_json_get_string(r, "chain", &chain, err, errlen) != 0 ||
	    sbtc_json_get_int64(r, "blocks", &out->blocks, err, errlen) != 0 ||
	    sbtc_json_get_int64(r, "headers", &out->headers, err, errlen) != 0 ||
	    sbtc_json_get_string(r, "bestblockhash", &hash, err, errlen) != 0 ||
	    sbtc_json_get_int64_opt(r, "time", SBTC_JSON_MISSING_OK, &out->time, err, errlen) < 0 ||
	    sbtc_json_get_int64_opt(r, "mediantime", SBTC_JSON_MISSING_OK, &out->mediantime, err, errlen) < 0 ||
	    sbtc_json_get_double_opt(r, "verificationprogress", SBTC_JSON_MISSING_OK, &out->verificationprogress,
				     err, errlen) < 0 ||
	    sbtc_json_get_bool(r, "initialblockdownload", &out->initialblockdownload, err, errlen) != 0 ||
	    sbtc_json_get_bool_opt(r, "pruned", SBTC_JSON_MISSING_OK, &out->pruned, err, errlen) < 0)
		return -1;
	if (out->blocks < 0 || out->headers < 0) {
		snprintf(err, errlen, "negative height");
		return -1;
	}
	/* A fraction: Bitcoin Core's GuessVerificationProgress (src/validation.cpp) caps it
	 * at 1. Anything else is no progress to report (it would print as "inf%"). */
	if (!(out->verificationprogress >= 0 && out->verificationprogress <= 1)) {
		snprintf(err, errlen, "verificationprogress is not a fraction between 0 and 1");
		return -1;
	}
	if (json_object_object_get_ex(r, "warnings", &w) && sbtc_bitcoin_warnings_join(w, &out->warnings, err, errlen) != 0)
		return -1;
	copy_clean(out->chain, sizeof out->chain, chain);
	copy_clean(out->bestblockhash, sizeof out->bestblockhash, hash);
	if (out->warnings == NULL)
		out->warnings = sbtc_xstrdup("");
	return 0;
}

void sbtc_bitcoin_chaininfo_free(sbtc_bitcoin_chaininfo *ci)
{
	free(ci->warnings);
	ci->warnings = NULL;
}

int sbtc_bitcoin_netinfo_parse(json_object *r, sbtc_bitcoin_netinfo *out, char *err, size_t errlen)
{
	const char *sub;
	memset(out, 0, sizeof *out);
	if (sbtc_json_get_int64(r, "version", &out->version, err, errlen) != 0 ||
	    sbtc_json_get_string(r, "subversion", &sub, err, errlen) != 0 ||
	    sbtc_json_get_int64_opt(r, "connections", SBTC_JSON_MISSING_OK, &out->connections, err, errlen) < 0)
		return -1;
	copy_clean(out->subversion, sizeof out->subversion, sub);
	return 0;
}

/* -- The exchange ----------------------------------------------------------------------- */

/* One call in flight: what the answer is interpreted into, and what the caller asked for. */
typedef struct {
	char *peer;            /* "Bitcoin Core http://127.0.0.1:8332" */
	const char *method;    /* a literal or the caller's, alive until run returns */
	const char *hint;      /* what to check when the credentials are refused */
	sbtc_http_opts ho;
	char *userpwd;
	sbtc_json_answer ans;
	sbtc_outcome http_oc;
	json_object *result;
	/* where it ends: the raw result, or one of the decoded forms */
	json_object **result_out;
	sbtc_bitcoin_chaininfo *chaininfo;
	sbtc_bitcoin_netinfo *netinfo;
	sbtc_outcome *oc;
	sbtc_then then;
	void *ctx;
} call;

static void call_free(call *c)
{
	json_object_put(c->result);
	sbtc_json_answer_free(&c->ans);
	wipe_free(c->userpwd);
	free(c->peer);
	free(c);
}

/* The HTTP exchange's end, interpreted: 401/403, an answer that is not JSON, the JSON-RPC
 * envelope (sbtc_bitcoin_reply_parse). */
static sbtc_fetch_status call_interpret(call *c)
{
	sbtc_outcome *oc = c->oc;
	const sbtc_http_response *resp = &c->ans.resp;
	if (c->http_oc.status != SBTC_FETCH_OK)
		return sbtc_outcome_set(oc, c->http_oc.status, "%s", c->http_oc.msg);
	if (resp->status == 401)
		return sbtc_outcome_set(oc, SBTC_FETCH_UNREACHABLE, "%s: credentials refused (HTTP 401 to %s); check %s",
					c->peer, c->method, c->hint);
	if (resp->status == 403)
		return sbtc_outcome_set(oc, SBTC_FETCH_UNREACHABLE, "%s refused this host (HTTP 403 to %s): see rpcallowip",
					c->peer, c->method);
	if (c->ans.doc == NULL) {
		char *ex = resp->len ? sbtc_sanitize(resp->body, 160) : sbtc_xstrdup("empty body");
		sbtc_fetch_status st;
		if (resp->status != 200)
			st = sbtc_outcome_set(oc, SBTC_FETCH_ERROR, "%s answered HTTP %ld to %s: %s", c->peer,
					      resp->status, c->method, ex);
		else
			st = sbtc_outcome_set(oc, SBTC_FETCH_BAD_ANSWER, "%s: the answer to %s is not JSON: %s", c->peer,
					      c->method, ex);
		free(ex);
		return st;
	}
	char msg[SBTC_FETCH_MSG_MAX] = "";
	sbtc_fetch_status st = sbtc_bitcoin_reply_parse(c->peer, c->method, resp->status, c->ans.doc, &c->result,
							msg, sizeof msg);
	return sbtc_outcome_set(oc, st, "%s", msg);
}

static void call_done(sbtc_acq *a, void *arg)
{
	call *c = arg;
	char inner[300];
	sbtc_fetch_status st = call_interpret(c);
	if (st == SBTC_FETCH_OK && c->result_out != NULL) {
		*c->result_out = c->result;
		c->result = NULL;
	} else if (st == SBTC_FETCH_OK && c->chaininfo != NULL &&
		   sbtc_bitcoin_chaininfo_parse(c->result, c->chaininfo, inner, sizeof inner) != 0) {
		sbtc_bitcoin_chaininfo_free(c->chaininfo);
		sbtc_outcome_set(c->oc, SBTC_FETCH_BAD_ANSWER, "%s: unexpected answer to %s: %s", c->peer, c->method,
				 inner);
	} else if (st == SBTC_FETCH_OK && c->netinfo != NULL &&
		   sbtc_bitcoin_netinfo_parse(c->result, c->netinfo, inner, sizeof inner) != 0) {
		sbtc_outcome_set(c->oc, SBTC_FETCH_BAD_ANSWER, "%s: unexpected answer to %s: %s", c->peer, c->method,
				 inner);
	}
	sbtc_then then = c->then;
	void *ctx = c->ctx;
	call_free(c);
	if (then != NULL)
		then(a, ctx);
}

/* Starts method on conn's node into the acquisition; call_done puts the answer where c says. */
static void call_start(sbtc_acq *a, const sbtc_bitcoin_conn *conn, const char *method, const char *params,
		       call *c)
{
	const char *url = conn->url ? conn->url : SBTC_DEFAULT_BITCOIN_URL;
	char *origin = sbtc_url_origin(url);
	char inner[400];
	bool failed;
	c->peer = sbtc_xasprintf("Bitcoin Core %s", origin);
	free(origin);
	c->method = method;
	c->hint = conn->cookie_file     ? "that the cookie file belongs to this node"
		  : conn->password_file ? "--bitcoin-user and the password file"
					: "--bitcoin-cookie or --bitcoin-user with --bitcoin-password-file";
	c->userpwd = credentials(conn, &failed, inner, sizeof inner);
	if (failed) {
		sbtc_outcome_set(c->oc, SBTC_FETCH_USAGE, "%s: %s", c->peer, inner);
		goto fail;
	}
	json_object *pj = NULL;
	if (params != NULL) {
		if (sbtc_json_parse(params, strlen(params), &pj, inner, sizeof inner) != 0 ||
		    !json_object_is_type(pj, json_type_array)) {
			json_object_put(pj);
			sbtc_outcome_set(c->oc, SBTC_FETCH_USAGE, "parameters of %s are not a JSON array", method);
			goto fail;
		}
	} else {
		pj = json_object_new_array();
	}
	json_object *req = json_object_new_object();
	if (req == NULL || pj == NULL)
		sbtc_die(SBTC_UNKNOWN, "out of memory");
	json_object_object_add(req, "jsonrpc", json_object_new_string("1.0"));
	json_object_object_add(req, "id", json_object_new_string("sbtc"));
	json_object_object_add(req, "method", json_object_new_string(method));
	json_object_object_add(req, "params", pj);
	c->ho = conn->http;
	c->ho.userpwd = c->userpwd;
	c->ho.peer = c->peer;
	/* Any status: 401 comes empty, errors come as 500 (404) with a JSON-RPC body. */
	sbtc_http_post_json(a, url, json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN), &c->ho,
			    SBTC_JSON_ANY_STATUS, &c->ans, &c->http_oc, call_done, c);
	json_object_put(req);
	return;
fail:;
	sbtc_then then = c->then;
	void *ctx = c->ctx;
	call_free(c);
	if (then != NULL)
		then(a, ctx);
}

static call *call_new(sbtc_outcome *oc, sbtc_then then, void *ctx)
{
	call *c = sbtc_xcalloc(1, sizeof *c);
	c->oc = oc;
	c->then = then;
	c->ctx = ctx;
	memset(oc, 0, sizeof *oc);
	return c;
}

void sbtc_bitcoin_call_start(sbtc_acq *a, const sbtc_bitcoin_conn *conn, const char *method, const char *params,
			     json_object **result, sbtc_outcome *oc, sbtc_then then, void *ctx)
{
	call *c = call_new(oc, then, ctx);
	*result = NULL;
	c->result_out = result;
	call_start(a, conn, method, params, c);
}

void sbtc_bitcoin_chaininfo_start(sbtc_acq *a, const sbtc_bitcoin_conn *conn, sbtc_bitcoin_chaininfo *out,
				  sbtc_outcome *oc, sbtc_then then, void *ctx)
{
	call *c = call_new(oc, then, ctx);
	memset(out, 0, sizeof *out);
	out->time = -1;
	c->chaininfo = out;
	call_start(a, conn, "getblockchaininfo", NULL, c);
}

void sbtc_bitcoin_netinfo_start(sbtc_acq *a, const sbtc_bitcoin_conn *conn, sbtc_bitcoin_netinfo *out,
				sbtc_outcome *oc, sbtc_then then, void *ctx)
{
	call *c = call_new(oc, then, ctx);
	memset(out, 0, sizeof *out);
	c->netinfo = out;
	call_start(a, conn, "getnetworkinfo", NULL, c);
}
