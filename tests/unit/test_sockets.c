/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/sockets.c: /proc/net tables as the kernel writes them. The samples
 * are in this machine's word order, as the kernel prints addresses (see sockets.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sockets.h"

#define TCP_HEADER                                                                                            \
	"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
#define TCP6_HEADER                                                                                           \
	"  sl  local_address                         remote_address                        st tx_queue rx_queue " \
	"tr tm->when retrnsmt   uid  timeout inode\n"
#define UDP_HEADER                                                                                            \
	"   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref " \
	"pointer drops\n"

/* An IPv4 address as the kernel prints it: the 32-bit word as it sits in memory. */
static void v4hex(const char *dotted, char out[9])
{
	struct in_addr a;
	assert_int_equal(inet_pton(AF_INET, dotted, &a), 1);
	uint32_t w;
	memcpy(&w, &a, 4);
	snprintf(out, 9, "%08X", w);
}

static void v6hex(const char *text, char out[33])
{
	uint8_t a[16];
	assert_int_equal(inet_pton(AF_INET6, text, a), 1);
	for (int i = 0; i < 4; i++) {
		uint32_t w;
		memcpy(&w, a + 4 * i, 4);
		snprintf(out + 8 * i, 9, "%08X", w);
	}
}

static void endpoint(const sbtc_socket *s, const char *expected)
{
	char ep[80];
	sbtc_socket_endpoint(s, ep, sizeof ep);
	assert_string_equal(ep, expected);
}

static void test_tcp4(void **unused)
{
	(void)unused;
	char any[9], lo[9], pub[9], peer[9];
	v4hex("0.0.0.0", any);
	v4hex("127.0.0.1", lo);
	v4hex("203.0.113.7", pub);
	v4hex("198.51.100.9", peer);
	char text[2048];
	snprintf(text, sizeof text,
		 TCP_HEADER
		 "   0: %s:1538 %s:0000 0A 00000000:00000000 00:00000000 00000000   105        0 23456 1 0000000000000000 100 0 0 10 0\n"
		 "   1: %s:4EBB %s:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 100 0 0 10 0\n"
		 "   2: %s:0016 %s:0000 0A 00000000:00000000 00:00000000 00000000     0        0 31 1 0000000000000000 100 0 0 10 0\n"
		 /* an established connection is not a listener */
		 "   3: %s:0016 %s:D431 01 00000000:00000000 02:0009D5E3 00000000     0        0 9999 4 0000000000000000 20 4 30 10 -1\n"
		 /* a second socket of a SO_REUSEPORT group: the same endpoint */
		 "   4: %s:1538 %s:0000 0A 00000000:00000000 00:00000000 00000000   105        0 23457 1 0000000000000000 100 0 0 10 0\n",
		 any, any, lo, any, pub, any, pub, peer, any, any);
	sbtc_socket_list l = {0};
	char err[300];
	assert_int_equal(sbtc_sockets_parse(text, strlen(text), true, AF_INET, &l, err, sizeof err), 3);
	assert_int_equal(l.n, 3);
	endpoint(&l.v[0], "0.0.0.0:5432");
	assert_int_equal(l.v[0].port, 5432);
	assert_int_equal(l.v[0].inode, 23456);
	assert_int_equal(l.v[0].uid, 105);
	assert_true(l.v[0].tcp);
	assert_false(sbtc_socket_loopback(&l.v[0]));
	endpoint(&l.v[1], "127.0.0.1:20155");
	assert_true(sbtc_socket_loopback(&l.v[1]));
	endpoint(&l.v[2], "203.0.113.7:22");
	assert_false(sbtc_socket_loopback(&l.v[2]));
	sbtc_socket_list_free(&l);
}

static void test_tcp6_and_udp(void **unused)
{
	(void)unused;
	char any[33], lo[33], mapped[33], ula[33];
	v6hex("::", any);
	v6hex("::1", lo);
	v6hex("::ffff:127.0.0.1", mapped);
	v6hex("fd00::5", ula);
	char text[2048];
	snprintf(text, sizeof text,
		 TCP6_HEADER
		 "   0: %s:1F91 %s:0000 0A 00000000:00000000 00:00000000 00000000     0        0 100 1 0000000000000000 100 0 0 10 0\n"
		 "   1: %s:1F92 %s:0000 0A 00000000:00000000 00:00000000 00000000     0        0 101 1 0000000000000000 100 0 0 10 0\n"
		 "   2: %s:1F93 %s:0000 0A 00000000:00000000 00:00000000 00000000     0        0 102 1 0000000000000000 100 0 0 10 0\n"
		 "   3: %s:101A %s:0000 0A 00000000:00000000 00:00000000 00000000     0        0 103 1 0000000000000000 100 0 0 10 0\n",
		 any, any, lo, any, mapped, any, ula, any);
	sbtc_socket_list l = {0};
	char err[300];
	assert_int_equal(sbtc_sockets_parse(text, strlen(text), true, AF_INET6, &l, err, sizeof err), 4);
	endpoint(&l.v[0], "[::]:8081");
	assert_false(sbtc_socket_loopback(&l.v[0]));
	endpoint(&l.v[1], "[::1]:8082");
	assert_true(sbtc_socket_loopback(&l.v[1]));
	endpoint(&l.v[2], "[::ffff:127.0.0.1]:8083");
	assert_true(sbtc_socket_loopback(&l.v[2]));
	endpoint(&l.v[3], "[fd00::5]:4122");
	assert_false(sbtc_socket_loopback(&l.v[3]));

	/* UDP: bound and unconnected (state 07, no peer) counts; a connected one does not */
	char v4any[9], v4peer[9];
	v4hex("0.0.0.0", v4any);
	v4hex("192.0.2.53", v4peer);
	snprintf(text, sizeof text,
		 UDP_HEADER
		 "  100: %s:101A %s:0000 07 00000000:00000000 00:00000000 00000000   106        0 555 2 0000000000000000 0\n"
		 "  101: %s:A1B2 %s:0035 01 00000000:00000000 00:00000000 00000000     0        0 556 2 0000000000000000 0\n",
		 v4any, v4any, v4any, v4peer);
	assert_int_equal(sbtc_sockets_parse(text, strlen(text), false, AF_INET, &l, err, sizeof err), 1);
	assert_int_equal(l.n, 5);
	assert_false(l.v[4].tcp);
	endpoint(&l.v[4], "0.0.0.0:4122");
	sbtc_socket_list_free(&l);
}

static void test_malformed(void **unused)
{
	(void)unused;
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
		{"", "empty"},
		{"hello\n", "no header line"},
		{TCP_HEADER "   0: 0100007F:1538 00000000:0000 0A\n", "line 2: 4 fields, expected at least 10"},
		{TCP_HEADER "   0: 0100007G:1538 00000000:0000 0A 0:0 0:0 0 0 0 1\n", "line 2: bad local address '0100007G:1538'"},
		{TCP_HEADER "   0: 0100007F:15380 00000000:0000 0A 0:0 0:0 0 0 0 1\n", "bad local address"},
		{TCP_HEADER "   0: 0100007F1538 00000000:0000 0A 0:0 0:0 0 0 0 1\n", "bad local address"},
		{TCP_HEADER "   0: 0100007F:1538 00000000:000Z 0A 0:0 0:0 0 0 0 1\n", "bad remote address"},
		{TCP_HEADER "   0: 0100007F:1538 00000000:0000 XY 0:0 0:0 0 0 0 1\n", "bad state 'XY'"},
		{TCP_HEADER "   0: 0100007F:1538 00000000:0000 0A 0:0 0:0 0 -1 0 1\n", "bad uid '-1'"},
		{TCP_HEADER "   0: 0100007F:1538 00000000:0000 0A 0:0 0:0 0 0 0 12a\n", "bad inode '12a'"},
		{TCP_HEADER "   0: 0100007F:1538 00000000:0000 0A 0:0 0:0 0 0 0 99999999999999999999999\n", "bad inode '9999"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sbtc_socket_list l = {0};
		char err[300] = "";
		int rc = sbtc_sockets_parse(cases[i].text, strlen(cases[i].text), true, AF_INET, &l, err, sizeof err);
		if (rc != -1 || strstr(err, cases[i].msg) == NULL)
			fail_msg("case %zu: rc %d, message '%s', expected '%s'", i, rc, err, cases[i].msg);
		sbtc_socket_list_free(&l);
	}
	/* an IPv6 table read as IPv4 is refused, not misread */
	char any[33];
	v6hex("::", any);
	char text[600];
	snprintf(text, sizeof text, TCP6_HEADER "   0: %s:1F91 %s:0000 0A 0:0 0:0 0 0 0 100\n", any, any);
	sbtc_socket_list l = {0};
	char err[300];
	assert_int_equal(sbtc_sockets_parse(text, strlen(text), true, AF_INET, &l, err, sizeof err), -1);
	sbtc_socket_list_free(&l);
}

/* The real tables of this machine, with a listener of our own, and its owner found. */
static void test_live(void **unused)
{
	(void)unused;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in a = {.sin_family = AF_INET};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(fd, 1), 0);
	socklen_t al = sizeof a;
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	unsigned port = ntohs(a.sin_port);

	sbtc_socket_list l = {0};
	char err[300];
	if (sbtc_sockets_read("/proc/net", &l, err, sizeof err) != 0)
		fail_msg("%s", err);
	sbtc_sockets_owners("/proc", &l);
	bool found = false;
	for (size_t i = 0; i < l.n; i++) {
		if (l.v[i].tcp && l.v[i].port == port && sbtc_socket_loopback(&l.v[i])) {
			found = true;
			assert_int_equal(l.v[i].pid, getpid());
			assert_true(l.v[i].process[0] != '\0');
		}
	}
	assert_true(found);
	sbtc_socket_list_free(&l);
	close(fd);
	assert_int_equal(sbtc_sockets_read("/nonexistent", &l, err, sizeof err), -1);
	assert_non_null(strstr(err, "/nonexistent/tcp"));
	sbtc_socket_list_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp4),
		cmocka_unit_test(test_tcp6_and_udp),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_live),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
