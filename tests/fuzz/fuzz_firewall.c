/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for lib/firewall.c, lib/ruleset.c, lib/published.c and lib/sockets.c:
 * arbitrary bytes as nft's JSON, as iptables-save output (then judged for published ports
 * and their forward path) and as /proc/net tables. These come from programs and the
 * kernel rather than a peer, but a parser must still never crash, and must keep its
 * promises: a terminated message on failure, a verdict with its reason on success. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "firewall.h"
#include "published.h"
#include "ruleset.h"
#include "sockets.h"

static void check_family(const sbtc_fw_family *f)
{
	if (memchr(f->how, '\0', sizeof f->how) == NULL)
		abort();
	if (f->known && f->how[0] == '\0')
		abort();
}

static void check_err(const char *err, size_t len)
{
	if (memchr(err, '\0', len) == NULL || err[0] == '\0')
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	char err[300];
	sbtc_fw_policy p;
	memset(&p, 0, sizeof p);
	if (sbtc_fw_parse_nft(text, size, &p, err, sizeof err) == 0) {
		if (!p.v4.known || !p.v6.known)
			abort();
		check_family(&p.v4);
		check_family(&p.v6);
	} else {
		check_err(err, sizeof err);
	}
	memset(&p, 0, sizeof p);
	for (int v6 = 0; v6 < 2; v6++) {
		if (sbtc_fw_parse_iptables(text, size, v6, &p, err, sizeof err) == 0)
			check_family(v6 ? &p.v6 : &p.v4);
		else
			check_err(err, sizeof err);
	}
	/* The rule set reader and the judge: every published port has a protocol, a port and
	 * a reason; an error has a message and leaves nothing behind. */
	for (int k = 0; k < 3; k++) {
		sbtc_ruleset rs;
		memset(&rs, 0, sizeof rs);
		int rc = k == 2 ? sbtc_ruleset_parse_nft(text, size, &rs, err, sizeof err)
				: sbtc_ruleset_parse_iptables(text, size, k == 1, "iptables-save", &rs, err, sizeof err);
		if (rc != 0) {
			check_err(err, sizeof err);
			if (rs.n != 0)
				abort();
			continue;
		}
		static const char *const ifs[] = {"eth0", "br-1"};
		sbtc_ifaces o = {ifs, k == 0 ? 2 : 0};
		sbtc_published pub;
		if (sbtc_published_judge(&rs, &o, &pub, err, sizeof err) == 0) {
			for (size_t i = 0; i < pub.n; i++) {
				const sbtc_published_port *pp = &pub.v[i];
				if (pp->port == 0 || pp->port > 65535 || pp->how[0] == '\0' ||
				    memchr(pp->how, '\0', sizeof pp->how) == NULL || memchr(pp->to, '\0', sizeof pp->to) == NULL)
					abort();
				if (pp->loopback_only && pp->exposed)
					abort();
			}
			sbtc_published_free(&pub);
		} else {
			check_err(err, sizeof err);
		}
		sbtc_ruleset_free(&rs);
	}
	for (int k = 0; k < 4; k++) {
		sbtc_socket_list l = {0};
		int n = sbtc_sockets_parse(text, size, k & 1, k & 2 ? AF_INET6 : AF_INET, &l, err, sizeof err);
		if (n < 0)
			check_err(err, sizeof err);
		else if ((size_t)n != l.n)
			abort();
		for (size_t i = 0; i < l.n; i++) {
			char ep[80];
			sbtc_socket_endpoint(&l.v[i], ep, sizeof ep);
			if (l.v[i].port > 65535)
				abort();
		}
		sbtc_socket_list_free(&l);
	}
	return 0;
}
