/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/acquire_loop.c: several HTTP exchanges in one loop against a real server
 * on 127.0.0.1 (forked here), one of them stalled; the deadline; chains started from
 * then; the JSON requests' wording for each failure; the cap on the body; masking. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "acquire.h"
#include "deadline.h"

/* ---- a small HTTP server: one forked process per connection ---- */

static pid_t g_server;
static int g_port;

static void send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);
		if (k <= 0)
			return;
		p += k;
		n -= (size_t)k;
	}
}

static void answer(int fd, int status, const char *ctype, const char *body, size_t len)
{
	char head[256];
	int n = snprintf(head, sizeof head, "HTTP/1.1 %d X\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n\r\n", status, ctype, len);
	send_all(fd, head, (size_t)n);
	send_all(fd, body, len);
}

/* Reads the request (headers and a Content-Length body) into buf. */
static size_t read_request(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	for (;;) {
		ssize_t k = read(fd, buf + len, cap - 1 - len);
		if (k <= 0)
			break;
		len += (size_t)k;
		buf[len] = '\0';
		char *end = strstr(buf, "\r\n\r\n");
		if (end == NULL)
			continue;
		char *cl = strstr(buf, "Content-Length: ");
		size_t want = cl != NULL && cl < end ? (size_t)strtoul(cl + 16, NULL, 10) : 0;
		if (len >= (size_t)(end + 4 - buf) + want || len + 1 >= cap)
			break;
	}
	buf[len] = '\0';
	return len;
}

static void serve(int fd)
{
	static char req[65536];
	alarm(20); /* whatever happens, this process goes */
	read_request(fd, req, sizeof req);
	char path[256] = "";
	if (sscanf(req, "%*s %255s", path) != 1)
		_exit(1);
	if (strcmp(path, "/ok") == 0 || strcmp(path, "/ok2") == 0) {
		answer(fd, 200, "application/json", "{\"a\":1}", 7);
	} else if (strcmp(path, "/stall") == 0) {
		/* says nothing until the client goes */
		struct pollfd p = {.fd = fd, .events = POLLIN};
		char c;
		while (poll(&p, 1, 20000) > 0 && read(fd, &c, 1) > 0)
			;
	} else if (strcmp(path, "/503") == 0) {
		answer(fd, 503, "text/plain", "Service | down\n", 15);
	} else if (strcmp(path, "/503-empty") == 0) {
		answer(fd, 503, "text/plain", "", 0);
	} else if (strcmp(path, "/empty") == 0) {
		answer(fd, 200, "application/json", " \r\n", 3);
	} else if (strcmp(path, "/notjson") == 0) {
		answer(fd, 200, "text/html", "<html>hello</html>", 18);
	} else if (strcmp(path, "/notjson-ctl") == 0) {
		answer(fd, 200, "application/octet-stream", "\x01\x02\x7f", 3);
	} else if (strcmp(path, "/null") == 0) {
		answer(fd, 200, "application/json", "null", 4);
	} else if (strcmp(path, "/404-json") == 0) {
		answer(fd, 404, "application/json", "{\"message\":\"Not Found\"}", 23);
	} else if (strcmp(path, "/big") == 0) {
		static char big[5000];
		memset(big, ' ', sizeof big);
		big[0] = '[';
		big[sizeof big - 1] = ']';
		answer(fd, 200, "application/json", big, sizeof big);
	} else if (strcmp(path, "/echo") == 0) {
		/* the whole request as a JSON string, headers and body (an echo service) */
		static char out[70000];
		size_t n = 0;
		out[n++] = '"';
		for (const char *p = req; *p && n < sizeof out - 8; p++) {
			if (*p == '"' || *p == '\\')
				out[n++] = '\\';
			if (*p == '\r' || *p == '\n') {
				out[n++] = ' ';
				continue;
			}
			out[n++] = *p;
		}
		out[n++] = '"';
		answer(fd, 200, "application/json", out, n);
	} else {
		answer(fd, 404, "text/plain", "no such path", 12);
	}
	_exit(0);
}

static int server_start(void **state)
{
	(void)state;
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof sa;
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(s, 64) != 0 ||
	    getsockname(s, (struct sockaddr *)&sa, &sl) != 0)
		return -1;
	g_port = ntohs(sa.sin_port);
	g_server = fork();
	if (g_server < 0)
		return -1;
	if (g_server == 0) {
		signal(SIGCHLD, SIG_IGN); /* the connections' processes reap themselves */
		alarm(120);
		for (;;) {
			int c = accept(s, NULL, NULL);
			if (c < 0)
				continue;
			pid_t p = fork();
			if (p == 0) {
				close(s);
				serve(c);
			}
			close(c);
		}
	}
	close(s);
	sbtc_deadline_start(60, SBTC_UNKNOWN);
	return 0;
}

static int server_stop(void **state)
{
	(void)state;
	if (g_server > 0) {
		kill(g_server, SIGTERM);
		waitpid(g_server, NULL, 0);
	}
	return 0;
}

static char *url(const char *path)
{
	static char buf[8][128];
	static int next;
	char *b = buf[next++ % 8];
	snprintf(b, sizeof buf[0], "http://127.0.0.1:%d%s", g_port, path);
	return b;
}

static int closed_port(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof sa;
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &sl), 0);
	close(s);
	return ntohs(sa.sin_port);
}

/* ---- the tests ---- */

typedef struct {
	int calls;
	double at;
} seen;

static void note(sbtc_acq *a, void *ctx)
{
	(void)a;
	seen *s = ctx;
	s->calls++;
	s->at = sbtc_elapsed();
}

/* A stalled source costs only itself: the healthy one ends OK at once, the stalled one
 * with TIMEOUT at the deadline, and the run returns then. */
static void test_stalled_and_healthy(void **unused)
{
	(void)unused;
	sbtc_http_opts o = {.peer = NULL};
	sbtc_http_opts stalled_o = {.peer = "Stacks node X"};
	sbtc_json_answer good, bad;
	sbtc_outcome goc, boc;
	seen gs = {0, 0}, bs = {0, 0};
	sbtc_deadline_start(3, SBTC_UNKNOWN); /* the orderly deadline: 2.7 s */
	sbtc_acq *a = sbtc_acq_new();
	sbtc_http_get_json(a, url("/stall"), &stalled_o, 0, &bad, &boc, note, &bs);
	sbtc_http_get_json(a, url("/ok"), &o, 0, &good, &goc, note, &gs);
	sbtc_acq_run(a);
	double took = sbtc_elapsed();
	assert_true(goc.done);
	assert_int_equal(goc.status, SBTC_FETCH_OK);
	assert_string_equal(goc.msg, "");
	assert_int_equal(gs.calls, 1);
	assert_true(gs.at < took - 0.5); /* well before the deadline, even under valgrind on a busy host */
	assert_non_null(good.doc);
	assert_int_equal(json_object_get_int(json_object_object_get(good.doc, "a")), 1);
	assert_true(boc.done);
	assert_int_equal(boc.status, SBTC_FETCH_TIMEOUT);
	assert_string_equal(boc.msg, "no answer from Stacks node X within the deadline of 3 s");
	assert_int_equal(bs.calls, 1);
	assert_null(bad.doc);
	assert_true(took > 2.6 && took < 3);
	sbtc_json_answer_free(&good);
	sbtc_json_answer_free(&bad);
	sbtc_acq_free(a);
	sbtc_deadline_start(60, SBTC_UNKNOWN);
}

/* All asked at once: three stalls end together at the deadline, not one after the other. */
static void test_concurrent_not_serial(void **unused)
{
	(void)unused;
	sbtc_http_opts o = {.peer = NULL};
	sbtc_http_response r[3];
	sbtc_outcome oc[3];
	sbtc_deadline_start(2, SBTC_UNKNOWN);
	sbtc_acq *a = sbtc_acq_new();
	for (int i = 0; i < 3; i++) {
		sbtc_http_req req = {"GET", url("/stall"), NULL, NULL, &o};
		sbtc_acq_http(a, &req, &r[i], &oc[i], NULL, NULL);
	}
	sbtc_acq_run(a);
	assert_true(sbtc_elapsed() < 2);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(oc[i].status, SBTC_FETCH_TIMEOUT);
		assert_null(r[i].body);
	}
	sbtc_acq_free(a);
	sbtc_deadline_start(60, SBTC_UNKNOWN);
}

/* then starts the next link; it runs in the same loop. */
typedef struct {
	const sbtc_http_opts *o;
	sbtc_json_answer first, second;
	sbtc_outcome foc, soc;
	int links;
} chain;

static void second_link(sbtc_acq *a, void *ctx)
{
	(void)a;
	chain *c = ctx;
	c->links++;
}

static void first_link(sbtc_acq *a, void *ctx)
{
	chain *c = ctx;
	c->links++;
	assert_int_equal(c->foc.status, SBTC_FETCH_OK);
	sbtc_http_get_json(a, url("/ok2"), c->o, 0, &c->second, &c->soc, second_link, c);
}

static void test_chain(void **unused)
{
	(void)unused;
	sbtc_http_opts o = {.peer = NULL};
	chain c = {.o = &o};
	sbtc_acq *a = sbtc_acq_new();
	sbtc_http_get_json(a, url("/ok"), &o, 0, &c.first, &c.foc, first_link, &c);
	assert_false(c.foc.done); /* nothing ends before the loop runs */
	sbtc_acq_run(a);
	assert_int_equal(c.links, 2);
	assert_true(c.soc.done);
	assert_int_equal(c.soc.status, SBTC_FETCH_OK);
	assert_non_null(c.second.doc);
	sbtc_json_answer_free(&c.first);
	sbtc_json_answer_free(&c.second);
	sbtc_acq_free(a);
}

/* A chain whose first link times out still ends: its then runs at the deadline, and the
 * link it starts then is not asked. */
static void chain_after_timeout(sbtc_acq *a, void *ctx)
{
	chain *c = ctx;
	c->links++;
	sbtc_http_get_json(a, url("/ok2"), c->o, 0, &c->second, &c->soc, second_link, c);
}

static void test_chain_past_deadline(void **unused)
{
	(void)unused;
	sbtc_http_opts o = {.peer = "reference node R"};
	chain c = {.o = &o};
	sbtc_deadline_start(1, SBTC_CRITICAL);
	sbtc_acq *a = sbtc_acq_new();
	sbtc_http_get_json(a, url("/stall"), &o, 0, &c.first, &c.foc, chain_after_timeout, &c);
	sbtc_acq_run(a);
	assert_int_equal(c.links, 2);
	assert_int_equal(c.foc.status, SBTC_FETCH_TIMEOUT);
	/* libcurl's own timeout may end the first link a moment before the loop's clock does */
	assert_int_equal(c.soc.status, SBTC_FETCH_TIMEOUT);
	if (strcmp(c.soc.msg, "reference node R not asked: no time left before the deadline") != 0)
		assert_string_equal(c.soc.msg, "no answer from reference node R within the deadline of 1 s");
	assert_int_equal(sbtc_fetch_state(c.soc.status), SBTC_CRITICAL);
	sbtc_json_answer_free(&c.first);
	sbtc_json_answer_free(&c.second);
	sbtc_acq_free(a);
	sbtc_deadline_start(60, SBTC_UNKNOWN);
}

/* One JSON exchange; returns its status, the message in msg. */
static sbtc_fetch_status get_json(const char *path, const sbtc_http_opts *o, int flags, sbtc_json_answer *ans,
				  char *msg, size_t msglen)
{
	sbtc_outcome oc;
	sbtc_acq *a = sbtc_acq_new();
	sbtc_http_get_json(a, url(path), o, flags, ans, &oc, NULL, NULL);
	sbtc_acq_run(a);
	sbtc_acq_free(a);
	assert_true(oc.done);
	snprintf(msg, msglen, "%s", oc.msg);
	return oc.status;
}

static void test_json_wording(void **unused)
{
	(void)unused;
	static const struct {
		const char *path;
		sbtc_fetch_status status;
		const char *msg; /* after "PEER " */
	} cases[] = {
		{"/503", SBTC_FETCH_ERROR, "answered HTTP 503: Service / down"},
		{"/503-empty", SBTC_FETCH_ERROR, "answered HTTP 503"},
		{"/empty", SBTC_FETCH_BAD_ANSWER, "sent an empty answer"},
		{"/notjson", SBTC_FETCH_BAD_ANSWER, "sent an answer that is not JSON: <html>hello</html>"},
		/* a body that sanitises to nothing leaves no dangling ": " */
		{"/notjson-ctl", SBTC_FETCH_BAD_ANSWER, "sent an answer that is not JSON"},
	};
	sbtc_http_opts o = {.peer = "signer API http://x"};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sbtc_json_answer ans;
		char msg[SBTC_FETCH_MSG_MAX], want[300];
		sbtc_fetch_status st = get_json(cases[i].path, &o, 0, &ans, msg, sizeof msg);
		snprintf(want, sizeof want, "signer API http://x %s", cases[i].msg);
		if (st != cases[i].status || strcmp(msg, want) != 0)
			fail_msg("%s: status %d \"%s\", expected %d \"%s\"", cases[i].path, st, msg, cases[i].status,
				 want);
		assert_null(ans.doc);
		sbtc_json_answer_free(&ans);
	}
	/* without a peer name: the URL's origin */
	sbtc_http_opts plain = {.peer = NULL};
	sbtc_json_answer ans;
	char msg[SBTC_FETCH_MSG_MAX], want[300];
	assert_int_equal(get_json("/empty", &plain, 0, &ans, msg, sizeof msg), SBTC_FETCH_BAD_ANSWER);
	snprintf(want, sizeof want, "http://127.0.0.1:%d sent an empty answer", g_port);
	assert_string_equal(msg, want);
	sbtc_json_answer_free(&ans);
	/* JSON null is a document: OK with doc NULL */
	assert_int_equal(get_json("/null", &plain, 0, &ans, msg, sizeof msg), SBTC_FETCH_OK);
	assert_null(ans.doc);
	assert_int_equal(ans.resp.status, 200);
	sbtc_json_answer_free(&ans);
}

/* SBTC_JSON_ANY_STATUS: the caller judges the status; a JSON error body is parsed. */
static void test_json_any_status(void **unused)
{
	(void)unused;
	sbtc_http_opts o = {.peer = NULL};
	sbtc_json_answer ans;
	char msg[SBTC_FETCH_MSG_MAX];
	assert_int_equal(get_json("/404-json", &o, SBTC_JSON_ANY_STATUS, &ans, msg, sizeof msg), SBTC_FETCH_OK);
	assert_int_equal(ans.resp.status, 404);
	assert_non_null(ans.doc);
	sbtc_json_answer_free(&ans);
	assert_int_equal(get_json("/503", &o, SBTC_JSON_ANY_STATUS, &ans, msg, sizeof msg), SBTC_FETCH_OK);
	assert_int_equal(ans.resp.status, 503);
	assert_null(ans.doc);
	assert_string_equal(ans.resp.body, "Service | down\n");
	sbtc_json_answer_free(&ans);
	/* a 200 answer must still be JSON */
	assert_int_equal(get_json("/notjson", &o, SBTC_JSON_ANY_STATUS, &ans, msg, sizeof msg),
			 SBTC_FETCH_BAD_ANSWER);
	sbtc_json_answer_free(&ans);
}

static void test_post_json(void **unused)
{
	(void)unused;
	sbtc_http_opts o = {.peer = NULL};
	sbtc_json_answer ans;
	sbtc_outcome oc;
	sbtc_acq *a = sbtc_acq_new();
	sbtc_http_post_json(a, url("/echo"), "{\"sender\":\"S\"}", &o, 0, &ans, &oc, NULL, NULL);
	sbtc_acq_run(a);
	sbtc_acq_free(a);
	assert_int_equal(oc.status, SBTC_FETCH_OK);
	const char *echo = json_object_get_string(ans.doc);
	assert_non_null(strstr(echo, "POST /echo HTTP/1.1"));
	assert_non_null(strstr(echo, "Content-Type: application/json"));
	assert_non_null(strstr(echo, "{\"sender\":\"S\"}"));
	sbtc_json_answer_free(&ans);
}

static void test_size_cap(void **unused)
{
	(void)unused;
	sbtc_http_opts o = {.max_body = 1000, .peer = "GitHub"};
	sbtc_json_answer ans;
	char msg[SBTC_FETCH_MSG_MAX];
	assert_int_equal(get_json("/big", &o, 0, &ans, msg, sizeof msg), SBTC_FETCH_BAD_ANSWER);
	assert_string_equal(msg, "answer from GitHub is larger than the 1000 byte limit");
	assert_null(ans.resp.body);
	sbtc_json_answer_free(&ans);
	o.max_body = 0; /* the default cap lets it through */
	assert_int_equal(get_json("/big", &o, 0, &ans, msg, sizeof msg), SBTC_FETCH_OK);
	assert_int_equal(ans.resp.len, 5000);
	sbtc_json_answer_free(&ans);
}

static void test_unreachable(void **unused)
{
	(void)unused;
	char u[100], want[200], msg[SBTC_FETCH_MSG_MAX];
	int port = closed_port();
	snprintf(u, sizeof u, "http://127.0.0.1:%d/x", port);
	sbtc_http_opts o = {.peer = NULL};
	sbtc_json_answer ans;
	sbtc_outcome oc;
	sbtc_acq *a = sbtc_acq_new();
	sbtc_http_get_json(a, u, &o, 0, &ans, &oc, NULL, NULL);
	sbtc_acq_run(a);
	sbtc_acq_free(a);
	snprintf(want, sizeof want, "cannot connect to http://127.0.0.1:%d: Connection refused", port);
	snprintf(msg, sizeof msg, "%s", oc.msg);
	assert_int_equal(oc.status, SBTC_FETCH_UNREACHABLE);
	assert_string_equal(msg, want);
	sbtc_json_answer_free(&ans);
}

/* An exchange started once the deadline has passed ends at once, and is not asked. */
static void test_not_asked_past_deadline(void **unused)
{
	(void)unused;
	sbtc_http_opts o = {.peer = NULL};
	sbtc_http_response r;
	sbtc_outcome oc;
	char want[200];
	/* the backstop held back: this test is about the orderly path */
	sigset_t alrm, old;
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	assert_int_equal(sigprocmask(SIG_BLOCK, &alrm, &old), 0);
	sbtc_deadline_start(0.05, SBTC_UNKNOWN);
	usleep(100000);
	sbtc_acq *a = sbtc_acq_new();
	sbtc_http_req req = {"GET", url("/ok"), NULL, NULL, &o};
	sbtc_acq_http(a, &req, &r, &oc, NULL, NULL);
	sbtc_acq_run(a);
	sbtc_acq_free(a);
	signal(SIGALRM, SIG_IGN); /* drops the pending alarm */
	assert_int_equal(sigprocmask(SIG_SETMASK, &old, NULL), 0);
	sbtc_deadline_start(60, SBTC_UNKNOWN);
	snprintf(want, sizeof want, "http://127.0.0.1:%d not asked: no time left before the deadline", g_port);
	assert_int_equal(oc.status, SBTC_FETCH_TIMEOUT);
	assert_string_equal(oc.msg, want);
	assert_null(r.body);
}

/* What a peer echoes of the request's credentials never reaches the answer. */
static void test_masked_answer(void **unused)
{
	(void)unused;
	sbtc_http_opts o = {.userpwd = "mon:S3cretPw", .bearer = NULL, .peer = NULL};
	sbtc_json_answer ans;
	char msg[SBTC_FETCH_MSG_MAX];
	assert_int_equal(get_json("/echo", &o, 0, &ans, msg, sizeof msg), SBTC_FETCH_OK);
	assert_null(strstr(ans.resp.body, "S3cretPw"));
	assert_null(strstr(ans.resp.body, "bW9uOlMzY3JldFB3")); /* its Base64 */
	assert_non_null(strstr(ans.resp.body, "Authorization: ***"));
	sbtc_json_answer_free(&ans);
}

/* sbtc_http_request is the same loop with one exchange. */
static void test_http_request(void **unused)
{
	(void)unused;
	sbtc_http_opts o = {.peer = NULL};
	sbtc_http_response r;
	char err[SBTC_FETCH_MSG_MAX];
	assert_int_equal(sbtc_http_request("GET", url("/503"), NULL, NULL, &o, &r, err, sizeof err), SBTC_FETCH_OK);
	assert_int_equal(r.status, 503);
	assert_string_equal(r.body, "Service | down\n");
	sbtc_http_response_free(&r);
	sbtc_deadline_start(1, SBTC_UNKNOWN);
	assert_int_equal(sbtc_http_request("GET", url("/stall"), NULL, NULL, &o, &r, err, sizeof err),
			 SBTC_FETCH_TIMEOUT);
	sbtc_deadline_start(60, SBTC_UNKNOWN);
	assert_non_null(strstr(err, "within the deadline of 1 s"));
}

/* ---- PostgreSQL in the same loop (no server needed: a refused port, a silent one) ---- */

static void test_pg_refused_fails_every_statement(void **unused)
{
	(void)unused;
	char conninfo[100], want[200];
	int port = closed_port();
	snprintf(conninfo, sizeof conninfo, "host=127.0.0.1 port=%d dbname=x connect_timeout=5", port);
	sbtc_outcome coc, qoc;
	PGresult *res = (PGresult *)1;
	seen cs = {0, 0}, qs = {0, 0};
	sbtc_acq *a = sbtc_acq_new();
	sbtc_pg_session *s = sbtc_acq_pg_connect(a, conninfo, "test_acquire", &coc, note, &cs);
	sbtc_acq_pg_query(s, "SELECT 1", 0, NULL, &res, &qoc, note, &qs);
	sbtc_acq_run(a);
	snprintf(want, sizeof want, "cannot connect to the database: connection to server at \"127.0.0.1\", port %d "
		 "failed: Connection refused", port);
	assert_int_equal(coc.status, SBTC_FETCH_UNREACHABLE);
	assert_string_equal(coc.msg, want);
	assert_int_equal(qoc.status, SBTC_FETCH_UNREACHABLE);
	assert_string_equal(qoc.msg, want);
	assert_null(res);
	assert_int_equal(cs.calls, 1);
	assert_int_equal(qs.calls, 1);
	assert_null(sbtc_pg_session_conn(s));
	sbtc_acq_free(a);
}

static void test_pg_invalid_conninfo(void **unused)
{
	(void)unused;
	sbtc_outcome oc, qoc;
	PGresult *res;
	seen qs = {0, 0};
	sbtc_acq *a = sbtc_acq_new();
	sbtc_pg_session *s = sbtc_acq_pg_connect(a, "host=db password=S3cretPw hots=x", "test_acquire", &oc, NULL,
						 NULL);
	/* a statement given to a session that has failed already ends with its outcome */
	sbtc_acq_pg_query(s, "SELECT 1", 0, NULL, &res, &qoc, note, &qs);
	sbtc_acq_run(a);
	sbtc_acq_free(a);
	assert_int_equal(oc.status, SBTC_FETCH_USAGE);
	assert_non_null(strstr(oc.msg, "invalid --dbconn: "));
	assert_null(strstr(oc.msg, "S3cretPw"));
	assert_true(qoc.done);
	assert_int_equal(qoc.status, SBTC_FETCH_USAGE);
	assert_string_equal(qoc.msg, oc.msg);
	assert_int_equal(qs.calls, 1);
	assert_null(res);
}

/* A database that accepts the connection and says nothing stalls only itself: the HTTP
 * source beside it ends at once, the database at the deadline. */
static void test_pg_stalled_beside_http(void **unused)
{
	(void)unused;
	char conninfo[100], want[200];
	snprintf(conninfo, sizeof conninfo, "host=127.0.0.1 port=%d dbname=signer sslmode=disable", g_port);
	sbtc_http_opts o = {.peer = NULL};
	sbtc_json_answer ans;
	sbtc_outcome coc, qoc, hoc;
	PGresult *res;
	seen cs = {0, 0}, hs = {0, 0};
	sbtc_deadline_start(4, SBTC_WARNING); /* the orderly deadline: 3.7 s */
	sbtc_acq *a = sbtc_acq_new();
	sbtc_pg_session *s = sbtc_acq_pg_connect(a, conninfo, "test_acquire", &coc, note, &cs);
	sbtc_acq_pg_query(s, "SELECT 1", 0, NULL, &res, &qoc, NULL, NULL);
	sbtc_http_get_json(a, url("/ok"), &o, 0, &ans, &hoc, note, &hs);
	sbtc_acq_run(a);
	double took = sbtc_elapsed();
	sbtc_deadline_start(60, SBTC_UNKNOWN);
	assert_int_equal(hoc.status, SBTC_FETCH_OK);
	assert_true(hs.at < cs.at - 0.5);
	snprintf(want, sizeof want, "database signer at 127.0.0.1:%d did not answer within the deadline", g_port);
	assert_int_equal(coc.status, SBTC_FETCH_TIMEOUT);
	assert_string_equal(coc.msg, want);
	assert_int_equal(qoc.status, SBTC_FETCH_TIMEOUT);
	assert_true(cs.at > 3.6);
	assert_true(took < 4);
	assert_null(res);
	sbtc_json_answer_free(&ans);
	sbtc_acq_free(a);
}

/* An outcome that never ended (zeroed, or cleared by a start) is never an answer. */
static void test_pending_is_not_ok(void **unused)
{
	(void)unused;
	sbtc_outcome oc;
	memset(&oc, 0, sizeof oc);
	assert_false(oc.done);
	assert_int_not_equal(oc.status, SBTC_FETCH_OK);
	assert_int_equal(oc.status, SBTC_FETCH_PENDING);
	assert_int_equal(sbtc_fetch_state(SBTC_FETCH_PENDING), SBTC_UNKNOWN);
}

/* An acquisition with nothing started returns at once; NULL frees as nothing. */
static void test_empty(void **unused)
{
	(void)unused;
	sbtc_acq *a = sbtc_acq_new();
	sbtc_acq_run(a);
	sbtc_acq_free(a);
	sbtc_acq_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_pending_is_not_ok),
		cmocka_unit_test(test_stalled_and_healthy),
		cmocka_unit_test(test_concurrent_not_serial),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_chain_past_deadline),
		cmocka_unit_test(test_json_wording),
		cmocka_unit_test(test_json_any_status),
		cmocka_unit_test(test_post_json),
		cmocka_unit_test(test_size_cap),
		cmocka_unit_test(test_unreachable),
		cmocka_unit_test(test_not_asked_past_deadline),
		cmocka_unit_test(test_masked_answer),
		cmocka_unit_test(test_http_request),
		cmocka_unit_test(test_pg_refused_fails_every_statement),
		cmocka_unit_test(test_pg_invalid_conninfo),
		cmocka_unit_test(test_pg_stalled_beside_http),
	};
	return cmocka_run_group_tests(tests, server_start, server_stop);
}
