/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/quic.c (the probe packet and the reading of Version Negotiation)
 * and lib/quicprobe.c (the probe on loopback: a closed port, a silent one, an echo). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "portlist.h"
#include "quic.h"
#include "quicprobe.h"

/* The connection IDs of RFC 9001, appendix A (the client's Initial): destination
 * 0x8394c8f03e515708; the source ID is ours. */
static const sbtc_quic_ids IDS = {
	.dcid = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08},
	.scid = {0xc1, 0x01, 0x5e, 0x3c, 0xa5, 0x11, 0x7e, 0x42},
};

/* A Version Negotiation packet as RFC 9000, section 17.2.1 lays it out, the IDs
 * swapped: first byte (high bit set, the rest arbitrary), version 0, DCID = our SCID,
 * SCID = our DCID, then the versions. */
static size_t vn(uint8_t *out, const uint8_t *dcid, size_t dlen, const uint8_t *scid, size_t slen,
		 const uint32_t *versions, size_t nv)
{
	size_t i = 0;
	out[i++] = 0xb7;
	memset(out + i, 0, 4);
	i += 4;
	out[i++] = (uint8_t)dlen;
	memcpy(out + i, dcid, dlen);
	i += dlen;
	out[i++] = (uint8_t)slen;
	memcpy(out + i, scid, slen);
	i += slen;
	for (size_t k = 0; k < nv; k++) {
		out[i++] = (uint8_t)(versions[k] >> 24);
		out[i++] = (uint8_t)(versions[k] >> 16);
		out[i++] = (uint8_t)(versions[k] >> 8);
		out[i++] = (uint8_t)versions[k];
	}
	return i;
}

static void test_probe_layout(void **unused)
{
	(void)unused;
	uint8_t buf[1500];
	assert_int_equal(sbtc_quic_probe_build(&IDS, buf, 1199), 0);
	assert_int_equal(sbtc_quic_probe_build(&IDS, buf, sizeof buf), 1200);
	/* Long header, fixed bit, type Initial (RFC 9000, section 17.2.2). */
	assert_int_equal(buf[0] & 0xf0, 0xc0);
	/* A reserved version: 0x?a?a?a?a (section 15). */
	uint32_t v = (uint32_t)buf[1] << 24 | (uint32_t)buf[2] << 16 | (uint32_t)buf[3] << 8 | buf[4];
	assert_int_equal(v & 0x0f0f0f0f, 0x0a0a0a0a);
	assert_int_equal(v, SBTC_QUIC_PROBE_VERSION);
	/* At least 8 bytes of destination ID (section 7.2), then our source ID. */
	assert_int_equal(buf[5], 8);
	assert_memory_equal(buf + 6, IDS.dcid, 8);
	assert_int_equal(buf[14], 8);
	assert_memory_equal(buf + 15, IDS.scid, 8);
	/* No token; the Length, a 2-byte varint (0x40 prefix, section 16), covers the rest. */
	assert_int_equal(buf[23], 0);
	assert_int_equal(buf[24] & 0xc0, 0x40);
	size_t length = (size_t)(buf[24] & 0x3f) << 8 | buf[25];
	assert_int_equal(26 + length, 1200);
}

static void test_random_ids_differ(void **unused)
{
	(void)unused;
	sbtc_quic_ids a, b;
	char err[200];
	assert_int_equal(sbtc_quic_ids_random(&a, err, sizeof err), 0);
	assert_int_equal(sbtc_quic_ids_random(&b, err, sizeof err), 0);
	assert_memory_not_equal(&a, &b, sizeof a);
}

static void test_vn_accepted(void **unused)
{
	(void)unused;
	uint8_t pkt[4096];
	uint32_t want[] = {0x5a5afafa, 0x00000001, 0x6b3343cf};
	size_t n = vn(pkt, IDS.scid, 8, IDS.dcid, 8, want, 3);
	uint32_t got[8];
	size_t nv = 99;
	char err[200];
	assert_int_equal(sbtc_quic_vn_parse(pkt, n, &IDS, got, 8, &nv, err, sizeof err), 0);
	assert_int_equal(nv, 3);
	assert_int_equal(got[0], 0x5a5afafa);
	assert_int_equal(got[1], 1);
	assert_int_equal(got[2], 0x6b3343cf);
	/* The first byte's low 7 bits are unused (RFC 9000, section 17.2.1). */
	pkt[0] = 0x80;
	assert_int_equal(sbtc_quic_vn_parse(pkt, n, &IDS, got, 8, &nv, err, sizeof err), 0);
}

static void test_vn_oversized_keeps_the_first(void **unused)
{
	(void)unused;
	uint8_t pkt[4096];
	uint32_t want[300];
	for (size_t k = 0; k < 300; k++)
		want[k] = 0xff000000U + (uint32_t)k;
	size_t n = vn(pkt, IDS.scid, 8, IDS.dcid, 8, want, 300);
	uint32_t got[3] = {0, 0, 0};
	size_t nv = 0;
	char err[200];
	assert_int_equal(sbtc_quic_vn_parse(pkt, n, &IDS, got, 2, &nv, err, sizeof err), 0);
	assert_int_equal(nv, 300);
	assert_int_equal(got[0], 0xff000000U);
	assert_int_equal(got[1], 0xff000001U);
	assert_int_equal(got[2], 0); /* nothing written past maxv */
}

static void expect_bad(const uint8_t *pkt, size_t n, const char *why)
{
	uint32_t got[8];
	size_t nv = 99;
	char err[200] = "";
	assert_int_equal(sbtc_quic_vn_parse(pkt, n, &IDS, got, 8, &nv, err, sizeof err), -1);
	assert_int_equal(nv, 0);
	if (strstr(err, why) == NULL)
		fail_msg("message '%s' lacks '%s'", err, why);
}

static void test_vn_refused(void **unused)
{
	(void)unused;
	uint8_t pkt[4096];
	uint32_t one[] = {1};
	size_t n;

	/* Truncated anywhere: every proper prefix is refused. */
	n = vn(pkt, IDS.scid, 8, IDS.dcid, 8, one, 1);
	for (size_t cut = 0; cut < n; cut++) {
		uint32_t got[8];
		size_t nv = 99;
		char err[200] = "";
		assert_int_equal(sbtc_quic_vn_parse(pkt, cut, &IDS, got, 8, &nv, err, sizeof err), -1);
		assert_true(err[0] != '\0');
	}
	expect_bad(pkt, 3, "too short");

	/* Our own probe coming back (an echo service): version is not 0. */
	uint8_t probe[1200];
	assert_int_equal(sbtc_quic_probe_build(&IDS, probe, sizeof probe), 1200);
	expect_bad(probe, sizeof probe, "version 0x1a2a3a4a, not 0");

	/* A short header. */
	n = vn(pkt, IDS.scid, 8, IDS.dcid, 8, one, 1);
	pkt[0] = 0x40;
	expect_bad(pkt, n, "not a QUIC long header");

	/* IDs not swapped, or another connection's. */
	n = vn(pkt, IDS.dcid, 8, IDS.scid, 8, one, 1);
	expect_bad(pkt, n, "destination ID differs");
	uint8_t other[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	n = vn(pkt, IDS.scid, 8, other, 8, one, 1);
	expect_bad(pkt, n, "source ID differs");
	n = vn(pkt, IDS.scid, 7, IDS.dcid, 8, one, 1);
	expect_bad(pkt, n, "destination ID differs");
	uint8_t longer[20];
	memcpy(longer, IDS.dcid, 8);
	memset(longer + 8, 0, 12);
	n = vn(pkt, IDS.scid, 8, longer, 20, one, 1);
	expect_bad(pkt, n, "source ID differs");

	/* No version, or a partial one. */
	n = vn(pkt, IDS.scid, 8, IDS.dcid, 8, NULL, 0);
	expect_bad(pkt, n, "lists no version");
	n = vn(pkt, IDS.scid, 8, IDS.dcid, 8, one, 1);
	expect_bad(pkt, n + 0 - 1, "3 bytes of versions, not a multiple of 4");
	pkt[n] = 0;
	expect_bad(pkt, n + 1, "5 bytes of versions");

	/* A list that holds the version asked for (RFC 9000, section 6.2). */
	uint32_t with_ours[] = {1, SBTC_QUIC_PROBE_VERSION};
	n = vn(pkt, IDS.scid, 8, IDS.dcid, 8, with_ours, 2);
	expect_bad(pkt, n, "lists the version asked for");

	/* A connection ID length byte larger than what follows. */
	n = vn(pkt, IDS.scid, 8, IDS.dcid, 8, one, 1);
	pkt[5] = 255;
	expect_bad(pkt, n, "cut short");
	n = vn(pkt, IDS.scid, 8, IDS.dcid, 8, one, 1);
	pkt[14] = 255;
	expect_bad(pkt, n, "cut short");
}

static void test_version_names(void **unused)
{
	(void)unused;
	assert_string_equal(sbtc_quic_version_name(0x00000001), "QUIC v1");
	assert_string_equal(sbtc_quic_version_name(0x6b3343cf), "QUIC v2");
	assert_string_equal(sbtc_quic_version_name(0xff00001d), "QUIC draft-29");
	assert_null(sbtc_quic_version_name(0x5a5afafa));
	assert_null(sbtc_quic_version_name(0xff000021));
	assert_null(sbtc_quic_version_name(0));
}

/* ---- the probe on loopback ---- */

static int udp_bound(uint16_t *port)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	socklen_t al = sizeof a;
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static void probe_one(uint16_t port, double timeout, sbtc_quic_result *r)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	sbtc_portset set;
	sbtc_portset_clear(&set);
	sbtc_portset_add(&set, port);
	char err[300];
	assert_int_equal(sbtc_quic_probe((struct sockaddr *)&a, sizeof a, &set, timeout, r, err, sizeof err), 0);
	assert_int_equal(r->n, 1);
	assert_int_equal(r->v[0].port, port);
	assert_false(r->deadline_hit);
}

static void test_probe_closed_port(void **unused)
{
	(void)unused;
	uint16_t port;
	int fd = udp_bound(&port);
	close(fd); /* nobody there now: the kernel answers ICMP port unreachable */
	sbtc_quic_result r;
	probe_one(port, 2, &r);
	assert_int_equal(r.v[0].state, SBTC_QUIC_CLOSED);
	assert_string_equal(r.v[0].detail, "ICMP port unreachable");
	assert_int_equal(r.v[0].sent, 1);
	sbtc_quic_result_free(&r);
}

static void test_probe_silent_port(void **unused)
{
	(void)unused;
	uint16_t port;
	int fd = udp_bound(&port); /* bound, never read: no answer, no ICMP */
	sbtc_quic_result r;
	probe_one(port, 0.3, &r);
	assert_int_equal(r.v[0].state, SBTC_QUIC_SILENT);
	assert_int_equal(r.v[0].sent, SBTC_QUIC_SENDS);
	sbtc_quic_result_free(&r);
	/* all three datagrams arrived, each 1200 bytes */
	uint8_t buf[2000];
	for (int k = 0; k < SBTC_QUIC_SENDS; k++)
		assert_int_equal(recv(fd, buf, sizeof buf, MSG_DONTWAIT), 1200);
	close(fd);
}

static void test_probe_echo_is_not_quic(void **unused)
{
	(void)unused;
	uint16_t port;
	int fd = udp_bound(&port);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		uint8_t buf[2000];
		for (;;) {
			struct sockaddr_storage from;
			socklen_t fl = sizeof from;
			ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
			if (n > 0 && sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fl) < 0)
				_exit(1);
		}
	}
	sbtc_quic_result r;
	probe_one(port, 0.3, &r);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(fd);
	assert_int_equal(r.v[0].state, SBTC_QUIC_OTHER);
	assert_non_null(strstr(r.v[0].detail, "not a Version Negotiation packet"));
	sbtc_quic_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe_layout),
		cmocka_unit_test(test_random_ids_differ),
		cmocka_unit_test(test_vn_accepted),
		cmocka_unit_test(test_vn_oversized_keeps_the_first),
		cmocka_unit_test(test_vn_refused),
		cmocka_unit_test(test_version_names),
		cmocka_unit_test(test_probe_closed_port),
		cmocka_unit_test(test_probe_silent_port),
		cmocka_unit_test(test_probe_echo_is_not_quic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
