/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one acquisition loop of acquire.h and its HTTP transfers: libcurl's multi handle
 * for HTTP, and the database sessions of acquire_pg.c through the hook they set, both waited on by one
 * curl_multi_poll bounded by the deadline. An exchange that ends, however it ends, queues its then; the loop calls the
 * queued thens before it waits again, so that a chain's next link joins the same wait. */
#include "acquire_loop.h"

#include <curl/curl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "deadline.h"
#include "json_field.h"
#include "sanitize.h"
#include "smallfile.h"
#include "strbuf.h"

/* ---- the acquisition ------------------------------------------------------------------ */

sbtc_acq *sbtc_acq_new(void)
{
	sbtc_acq *a = sbtc_xcalloc(1, sizeof *a);
	a->done_tail = &a->done;
	return a;
}

void sbtc_acq_done(sbtc_acq *a, void *job, sbtc_then then, void *ctx)
{
	free(job);
	if (then != NULL)
		then(a, ctx);
}

/* Queues then(a, ctx) for the loop to call (never from inside a start function, so that a
 * caller may finish its own set-up after starting an exchange). */
void sbtc_acq_queue_then(sbtc_acq *a, sbtc_then then, void *ctx)
{
	if (then == NULL)
		return;
	done_item *d = sbtc_xcalloc(1, sizeof *d);
	d->then = then;
	d->ctx = ctx;
	*a->done_tail = d;
	a->done_tail = &d->next;
}

/* Calls the queued thens, those they queue included; true when there were any. */
static bool run_thens(sbtc_acq *a)
{
	bool any = false;
	while (a->done != NULL) {
		done_item *d = a->done;
		a->done = d->next;
		if (a->done == NULL)
			a->done_tail = &a->done;
		d->then(a, d->ctx);
		free(d);
		any = true;
	}
	return any;
}

void sbtc_acq_outcome_clear(sbtc_outcome *oc)
{
	oc->done = false;
	oc->status = SBTC_FETCH_PENDING;
	oc->msg[0] = '\0';
}

/* ---- HTTP ----------------------------------------------------------------------------- */

typedef struct {
	sbtc_strbuf body;
	sbtc_strbuf headers;
	size_t max;
	bool too_large;
} transfer;

struct http_x {
	http_x *next;
	CURL *h;
	struct curl_slist *hdrs;
	transfer t;
	char curl_err[CURL_ERROR_SIZE];
	char *method, *url, *body, *masked, *peer;
	const sbtc_http_opts *o;
	sbtc_http_response *resp;
	sbtc_outcome *oc;
	sbtc_then then;
	void *ctx;
};

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
				  const char *curl_err, sbtc_outcome *oc)
{
	/* The system's word for a failed connect ("Connection refused") says more than
	 * libcurl's sentence around it. */
	const char *why = (rc == CURLE_COULDNT_CONNECT && os_errno != 0) ? strerror((int)os_errno)
		: curl_err[0] ? curl_err : curl_easy_strerror(rc);
	char *clean = sbtc_sanitize(why, SBTC_REMOTE_TEXT_MAX);
	sbtc_fetch_status s;
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		s = sbtc_outcome_set(oc, SBTC_FETCH_TIMEOUT, "no answer from %s within the deadline of %g s", origin,
				     sbtc_deadline_seconds());
		break;
	case CURLE_WRITE_ERROR:
	case CURLE_FILESIZE_EXCEEDED:
		if (t->too_large || rc == CURLE_FILESIZE_EXCEEDED)
			s = sbtc_outcome_set(oc, SBTC_FETCH_BAD_ANSWER, "answer from %s is larger than the %zu byte limit",
					     origin, t->max);
		else
			s = sbtc_outcome_set(oc, SBTC_FETCH_UNREACHABLE, "%s: %s", origin, clean);
		break;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		s = sbtc_outcome_set(oc, SBTC_FETCH_USAGE, "cannot use URL %s: %s", origin, clean);
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
		s = sbtc_outcome_set(oc, SBTC_FETCH_UNREACHABLE, "cannot connect to %s: %s", origin, clean);
		break;
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
		s = sbtc_outcome_set(oc, SBTC_FETCH_UNREACHABLE, "connection to %s broke off: %s", origin, clean);
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
		s = sbtc_outcome_set(oc, SBTC_FETCH_UNREACHABLE, "TLS with %s failed: %s", origin, clean);
		break;
	default:
		s = sbtc_outcome_set(oc, SBTC_FETCH_UNREACHABLE, "request to %s failed: %s", origin, clean);
		break;
	}
	free(clean);
	return s;
}

static bool slist_add(struct curl_slist **list, const char *line)
{
	struct curl_slist *n = curl_slist_append(*list, line);
	if (n == NULL)
		return false;
	*list = n;
	return true;
}

/* The easy handle of one request: bounded by ms, the body capped, TLS verified unless
 * --insecure, credentials as opts gives them. False when libcurl refused an option. */
static bool easy_setup(http_x *x, const char *content_type, long ms)
{
	CURL *h = x->h;
	const sbtc_http_opts *o = x->o;
	bool ok = true;
#define SETOPT(opt, val) ok = ok && curl_easy_setopt(h, opt, val) == CURLE_OK
	SETOPT(CURLOPT_URL, x->url);
	SETOPT(CURLOPT_PRIVATE, (void *)x);
	SETOPT(CURLOPT_NOSIGNAL, 1L); /* our own SIGALRM is the backstop */
	SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
	SETOPT(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SETOPT(CURLOPT_FOLLOWLOCATION, 1L);
	SETOPT(CURLOPT_MAXREDIRS, 3L);
	SETOPT(CURLOPT_TIMEOUT_MS, ms);
	SETOPT(CURLOPT_CONNECTTIMEOUT_MS, ms);
	SETOPT(CURLOPT_ERRORBUFFER, x->curl_err);
	SETOPT(CURLOPT_WRITEFUNCTION, on_body);
	SETOPT(CURLOPT_WRITEDATA, &x->t);
	SETOPT(CURLOPT_HEADERFUNCTION, on_header);
	SETOPT(CURLOPT_HEADERDATA, &x->t);
	SETOPT(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->t.max);
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
		ok = ok && slist_add(&x->hdrs, line);
	}
	for (const char *const *hp = o->headers; hp != NULL && *hp != NULL; hp++)
		ok = ok && slist_add(&x->hdrs, *hp);
	/* An empty Expect: keeps libcurl from waiting for "100 Continue" on larger bodies. */
	ok = ok && slist_add(&x->hdrs, "Expect:");
	SETOPT(CURLOPT_HTTPHEADER, x->hdrs);
	if (x->body != NULL) {
		SETOPT(CURLOPT_POSTFIELDS, x->body);
		SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(x->body));
	}
	if (strcmp(x->method, "GET") != 0 && strcmp(x->method, "POST") != 0)
		SETOPT(CURLOPT_CUSTOMREQUEST, x->method);
#undef SETOPT
	return ok;
}

static void http_x_free(http_x *x)
{
	if (x->h != NULL)
		curl_easy_cleanup(x->h);
	curl_slist_free_all(x->hdrs);
	sbtc_strbuf_free(&x->t.body);
	sbtc_strbuf_free(&x->t.headers);
	free(x->method);
	free(x->url);
	free(x->body);
	free(x->masked);
	free(x->peer);
	free(x);
}

/* Ends x: out of the multi handle and the open list, its then queued. */
static void http_end(sbtc_acq *a, http_x *x)
{
	for (http_x **p = &a->http; *p != NULL; p = &(*p)->next)
		if (*p == x) {
			*p = x->next;
			break;
		}
	if (x->h != NULL && a->multi != NULL && curl_multi_remove_handle(a->multi, x->h) != CURLM_OK) {
		/* nothing to add: the handle is cleaned up below either way */
	}
	if (x->o->verbose >= 2 && x->oc->status != SBTC_FETCH_OK)
		fprintf(stderr, "< %s\n", x->oc->msg);
	sbtc_acq_queue_then(a, x->then, x->ctx);
	http_x_free(x);
}

/* The answer of a finished transfer into *resp, masked. */
static void http_answer(http_x *x)
{
	long code = 0;
	double total = 0;
	if (curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code) != CURLE_OK ||
	    curl_easy_getinfo(x->h, CURLINFO_TOTAL_TIME, &total) != CURLE_OK) {
		sbtc_outcome_set(x->oc, SBTC_FETCH_BAD_ANSWER, "cannot read the status of the answer from %s",
				 x->masked);
		return;
	}
	sbtc_http_response *resp = x->resp;
	size_t hlen;
	resp->status = code;
	resp->seconds = total;
	resp->body = sbtc_http_redact(x->t.body.data ? x->t.body.data : "", x->t.body.len, x->url, x->o, &resp->len);
	resp->headers = sbtc_http_redact(x->t.headers.data ? x->t.headers.data : "", x->t.headers.len, x->url, x->o,
					 &hlen);
	sbtc_outcome_set(x->oc, SBTC_FETCH_OK, "%s", "");
	if (x->o->verbose >= 2)
		fprintf(stderr, "< HTTP %ld, %zu bytes in %.3f s\n", code, resp->len, total);
	if (x->o->verbose >= 3) {
		char *clean = sbtc_sanitize(resp->body, 2000);
		fprintf(stderr, "< %s\n", clean);
		free(clean);
	}
}

static void http_done(sbtc_acq *a, http_x *x, CURLcode rc)
{
	if (rc == CURLE_OK) {
		http_answer(x);
	} else {
		long os_errno = 0;
		if (curl_easy_getinfo(x->h, CURLINFO_OS_ERRNO, &os_errno) != CURLE_OK)
			os_errno = 0;
		classify(rc, os_errno, &x->t, x->peer, x->curl_err, x->oc);
	}
	http_end(a, x);
}

void sbtc_acq_http(sbtc_acq *a, const sbtc_http_req *req, sbtc_http_response *resp, sbtc_outcome *oc,
		   sbtc_then then, void *ctx)
{
	const sbtc_http_opts *o = req->opts;
	http_x *x = sbtc_xcalloc(1, sizeof *x);
	memset(resp, 0, sizeof *resp);
	sbtc_acq_outcome_clear(oc);
	x->method = sbtc_xstrdup(req->method);
	x->url = sbtc_xstrdup(req->url);
	x->body = req->body != NULL ? sbtc_xstrdup(req->body) : NULL;
	x->masked = sbtc_url_mask(req->url);
	x->peer = o->peer != NULL ? sbtc_xstrdup(o->peer) : sbtc_url_origin(req->url);
	x->o = o;
	x->resp = resp;
	x->oc = oc;
	x->then = then;
	x->ctx = ctx;
	x->t.max = o->max_body ? o->max_body : SBTC_HTTP_DEFAULT_MAX_BODY;

	long ms = sbtc_deadline_remaining_ms();
	char err[SBTC_FETCH_MSG_MAX];
	if (ms <= 0) {
		sbtc_outcome_set(oc, SBTC_FETCH_TIMEOUT, "%s not asked: no time left before the deadline", x->peer);
	} else if (o->cacert != NULL && access(o->cacert, F_OK) == 0 &&
		   sbtc_check_small_file(o->cacert, "CA file", SBTC_CA_FILE_MAX, false, err, sizeof err) != 0) {
		/* libcurl reads the CA file itself: a FIFO there would block it, so one that
		 * exists must be a regular file (one that does not is libcurl's TLS failure). */
		sbtc_outcome_set(oc, SBTC_FETCH_USAGE, "%s", err);
	} else if (!curl_ready() || (a->multi == NULL && (a->multi = curl_multi_init()) == NULL) ||
		   (x->h = curl_easy_init()) == NULL) {
		sbtc_outcome_set(oc, SBTC_FETCH_USAGE, "cannot initialise libcurl");
	} else if (!easy_setup(x, req->content_type, ms)) {
		sbtc_outcome_set(oc, SBTC_FETCH_USAGE, "cannot set up the request to %s (libcurl too old?)", x->masked);
	} else if (curl_multi_add_handle(a->multi, x->h) != CURLM_OK) {
		sbtc_outcome_set(oc, SBTC_FETCH_USAGE, "cannot start the request to %s", x->masked);
	} else {
		if (o->verbose >= 2)
			fprintf(stderr, "> %s %s (%ld ms left)\n", req->method, x->masked, ms);
		x->next = a->http;
		a->http = x;
		return;
	}
	sbtc_acq_queue_then(a, then, ctx);
	http_x_free(x);
}

/* Hands the transfers libcurl finished to http_done; true when there were any. */
static bool http_harvest(sbtc_acq *a)
{
	CURLMsg *m;
	int left;
	bool any = false;
	while ((m = curl_multi_info_read(a->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		http_x *x = NULL;
		if (curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x) != CURLE_OK || x == NULL)
			continue;
		http_done(a, x, m->data.result);
		any = true;
	}
	return any;
}

/* ---- JSON answers --------------------------------------------------------------------- */

typedef struct {
	sbtc_json_answer *ans;
	sbtc_outcome *oc;
	int flags;
	char *peer;
	sbtc_then then;
	void *ctx;
} json_job;

static bool blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return false;
	return true;
}

sbtc_fetch_status sbtc_http_status_error(sbtc_outcome *oc, const char *peer, const sbtc_http_response *r)
{
	char *ex = sbtc_sanitize(r->body != NULL ? r->body : "", SBTC_REMOTE_TEXT_MAX);
	sbtc_outcome_set(oc, SBTC_FETCH_ERROR, "%s answered HTTP %ld%s%s", peer, r->status, ex[0] ? ": " : "", ex);
	free(ex);
	return SBTC_FETCH_ERROR;
}

/* Judges the answer as get_json/post_json promise (acquire.h), then calls the caller's then. */
static void json_judge(sbtc_acq *a, void *ctx)
{
	json_job *j = ctx;
	sbtc_http_response *r = &j->ans->resp;
	char inner[300];
	if (j->oc->status != SBTC_FETCH_OK) {
		/* the transport's own message */
	} else if (r->status != 200 && !(j->flags & SBTC_JSON_ANY_STATUS)) {
		sbtc_http_status_error(j->oc, j->peer, r);
	} else if (blank(r->body, r->len)) {
		if (r->status == 200)
			sbtc_outcome_set(j->oc, SBTC_FETCH_BAD_ANSWER, "%s sent an empty answer", j->peer);
	} else if (sbtc_json_parse(r->body, r->len, &j->ans->doc, inner, sizeof inner) != 0) {
		/* Under SBTC_JSON_ANY_STATUS an error page need not be JSON: the caller judges
		 * its status. A 200 answer must be. */
		if (r->status == 200) {
			char *ex = sbtc_sanitize(r->body, SBTC_REMOTE_TEXT_MAX);
			sbtc_outcome_set(j->oc, SBTC_FETCH_BAD_ANSWER, "%s sent an answer that is not JSON%s%s", j->peer,
					 ex[0] ? ": " : "", ex);
			free(ex);
		}
	}
	free(j->peer);
	sbtc_acq_done(a, j, j->then, j->ctx);
}

static void json_start(sbtc_acq *a, const char *method, const char *url, const char *body, const sbtc_http_opts *o,
		       int flags, sbtc_json_answer *ans, sbtc_outcome *oc, sbtc_then then, void *ctx)
{
	json_job *j = sbtc_xcalloc(1, sizeof *j);
	memset(ans, 0, sizeof *ans);
	j->ans = ans;
	j->oc = oc;
	j->flags = flags;
	j->peer = o->peer != NULL ? sbtc_xstrdup(o->peer) : sbtc_url_origin(url);
	j->then = then;
	j->ctx = ctx;
	sbtc_http_req req = {method, url, body != NULL ? "application/json" : NULL, body, o};
	sbtc_acq_http(a, &req, &ans->resp, oc, json_judge, j);
}

void sbtc_http_get_json(sbtc_acq *a, const char *url, const sbtc_http_opts *o, int flags, sbtc_json_answer *ans,
			sbtc_outcome *oc, sbtc_then then, void *ctx)
{
	json_start(a, "GET", url, NULL, o, flags, ans, oc, then, ctx);
}

void sbtc_http_post_json(sbtc_acq *a, const char *url, const char *body, const sbtc_http_opts *o, int flags,
			 sbtc_json_answer *ans, sbtc_outcome *oc, sbtc_then then, void *ctx)
{
	json_start(a, "POST", url, body ? body : "", o, flags, ans, oc, then, ctx);
}

void sbtc_json_answer_free(sbtc_json_answer *ans)
{
	if (ans == NULL)
		return;
	json_object_put(ans->doc);
	sbtc_http_response_free(&ans->resp);
	ans->doc = NULL;
}

/* ---- the loop ------------------------------------------------------------------------- */

/* Ends every open exchange with TIMEOUT. */
static void expire_all(sbtc_acq *a)
{
	while (a->http != NULL) {
		http_x *x = a->http;
		sbtc_outcome_set(x->oc, SBTC_FETCH_TIMEOUT, "no answer from %s within the deadline of %g s", x->peer,
				 sbtc_deadline_seconds());
		http_end(a, x);
	}
	if (a->pg_ops != NULL)
		a->pg_ops->expire_all(a);
}

/* What the backstop names should the wait outlive the deadline: the first open source. */
static void name_activity(sbtc_acq *a)
{
	char text[300];
	const char *peer = a->http != NULL ? a->http->peer : a->pg_ops != NULL ? a->pg_ops->first_open(a) : NULL;
	if (peer == NULL)
		return;
	snprintf(text, sizeof text, "waiting for %s", peer);
	sbtc_deadline_activity(text);
}

/* Waits for the sources' sockets (libcurl's and libpq's) at most wait ms; fds[i].revents
 * says which libpq socket is ready. */
static void wait_sockets(sbtc_acq *a, struct curl_waitfd *fds, unsigned nfds, int wait)
{
	int numfds = 0;
	if (a->multi != NULL) {
		if (curl_multi_poll(a->multi, fds, nfds, wait, &numfds) != CURLM_OK)
			for (unsigned i = 0; i < nfds; i++)
				fds[i].revents = fds[i].events; /* let libpq find out for itself */
		return;
	}
	struct pollfd p[SBTC_ACQ_MAX_PG];
	for (unsigned i = 0; i < nfds; i++)
		p[i] = (struct pollfd){.fd = fds[i].fd,
				       .events = (short)((fds[i].events & CURL_WAIT_POLLIN ? POLLIN : 0) |
							 (fds[i].events & CURL_WAIT_POLLOUT ? POLLOUT : 0))};
	if (poll(p, nfds, wait) <= 0)
		return; /* a timeout, or a signal: the loop looks at the clock again */
	for (unsigned i = 0; i < nfds; i++)
		fds[i].revents = (short)((p[i].revents & (POLLIN | POLLHUP | POLLERR) ? CURL_WAIT_POLLIN : 0) |
					 (p[i].revents & (POLLOUT | POLLHUP | POLLERR) ? CURL_WAIT_POLLOUT : 0));
}

void sbtc_acq_run(sbtc_acq *a)
{
	for (;;) {
		if (a->pg_ops != NULL)
			a->pg_ops->kick(a);
		if (run_thens(a))
			continue;
		if (a->http == NULL && (a->pg_ops == NULL || a->pg_ops->first_open(a) == NULL))
			break;
		long ms = sbtc_deadline_remaining_ms();
		if (ms <= 0) {
			expire_all(a);
			continue;
		}
		if (a->multi != NULL) {
			int running = 0;
			if (curl_multi_perform(a->multi, &running) != CURLM_OK) {
				/* the transfers end by their own timeouts or the deadline */
			}
			if (http_harvest(a))
				continue;
		}
		struct curl_waitfd fds[SBTC_ACQ_MAX_PG];
		unsigned nfds = a->pg_ops != NULL ? a->pg_ops->wait_fds(a, fds, SBTC_ACQ_MAX_PG) : 0;
		name_activity(a);
		wait_sockets(a, fds, nfds, ms > INT_MAX ? INT_MAX : (int)ms);
		if (a->pg_ops != NULL)
			a->pg_ops->step(a, fds, nfds);
	}
	sbtc_deadline_activity(NULL);
}

void sbtc_acq_free(sbtc_acq *a)
{
	if (a == NULL)
		return;
	while (a->http != NULL) {
		http_x *x = a->http;
		a->http = x->next;
		if (a->multi != NULL && curl_multi_remove_handle(a->multi, x->h) != CURLM_OK) {
			/* freed below either way */
		}
		http_x_free(x);
	}
	while (a->done != NULL) {
		done_item *d = a->done;
		a->done = d->next;
		free(d);
	}
	if (a->pg_ops != NULL)
		a->pg_ops->free_all(a);
	if (a->multi != NULL)
		curl_multi_cleanup(a->multi);
	free(a);
}

/* ---- one exchange at a time, for the synchronous callers ------------------------------ */

sbtc_fetch_status sbtc_http_request(const char *method, const char *url, const char *content_type,
				    const char *body, const sbtc_http_opts *o,
				    sbtc_http_response *resp, char *err, size_t errlen)
{
	sbtc_acq *a = sbtc_acq_new();
	sbtc_outcome oc;
	sbtc_http_req req = {method, url, content_type, body, o};
	sbtc_acq_http(a, &req, resp, &oc, NULL, NULL);
	sbtc_acq_run(a);
	sbtc_acq_free(a);
	snprintf(err, errlen, "%s", oc.msg);
	return oc.status;
}
