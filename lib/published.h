/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Ports Docker publishes, and whether the forward path lets the internet reach them.
 *
 * Docker publishes a port by a DNAT rule in the nat table's DOCKER chain, reached from
 * PREROUTING, and lets the translated packet through the filter table's FORWARD chain:
 * DOCKER-USER first, then its isolation chains, then its DOCKER chain, which accepts the
 * container's address and port (moby: libnetwork/firewall_linux.go, arrangeUserFilterRule,
 * puts the jump to DOCKER-USER first; libnetwork/drivers/bridge/setup_ip_tables_linux.go
 * makes the chains, port_mapping_linux.go the per-port DNAT and ACCEPT rules; the rule
 * listings in integration/network/bridge/iptablesdoc/ show the result). The host's INPUT
 * chain never sees such a packet, and with the userland proxy off no socket shows the
 * port either. Docker's nftables backend (table ip docker-bridges) dispatches by verdict
 * maps, which this walker does not follow: its ports count as exposed.
 *
 * Published ports are the DNAT rules reachable from a nat prerouting base chain (through
 * any jumps). Each is judged by walking every filter base chain on the forward hook for a
 * new packet that arrives on an outside interface (not lo, not one of Docker's bridges,
 * not a port of one) bound for the container's address and port, whose original
 * destination port is the published one. A match the walker cannot evaluate is taken
 * both ways, so an unknown drop never hides an exposure; a rule set too deep or too large
 * to walk leaves the port "undecided", which counts as exposed. */
#ifndef SBTC_PUBLISHED_H
#define SBTC_PUBLISHED_H

#include <stdbool.h>
#include <stddef.h>

#include "firewall.h"
#include "ruleset.h"

typedef struct {
	int family;           /* 4 or 6 */
	bool tcp;             /* false: UDP (other protocols are not listed) */
	unsigned port;        /* on the host */
	bool loopback_only;   /* the DNAT applies to 127.0.0.0/8 or ::1 only */
	bool any_address;     /* the DNAT applies to every local address (no -d) */
	bool to_known;        /* the rule names the destination (iptables-save always does) */
	unsigned char to_addr[16]; /* when to_known */
	char to[64];          /* "172.18.0.2:9184", "[fd00::2]:9184" */
	unsigned to_port;     /* the container's port (the host's when the rule keeps it) */
	bool exposed;         /* the forward path accepts a new packet from some outside interface */
	bool undecided;       /* the walk could not finish: counted as exposed */
	char how[200];        /* "forward path accepts (DOCKER-USER: no rule for it)", "dropped in DOCKER-USER" */
} sbtc_published_port;

typedef struct {
	sbtc_published_port *v;
	size_t n, cap;
	bool nat_found;       /* a DNAT rule reachable from prerouting exists */
	char source[80];      /* "iptables-save", "nft + iptables-save" */
} sbtc_published;

/* The interfaces a packet from the outside may arrive on: names, and how many. NULL/0
 * means not known, and an interface that is none of Docker's bridges is assumed. */
typedef struct {
	const char *const *names;
	size_t n;
} sbtc_ifaces;

/* Lists and judges the published ports of rs. Returns 0, or -1 with a message (more than
 * 4096 published ports). */
int sbtc_published_judge(const sbtc_ruleset *rs, const sbtc_ifaces *outside, sbtc_published *out, char *err,
			 size_t errlen);

/* The interfaces of this network namespace (asked of the kernel by rtnetlink) that are
 * outside interfaces for rs: not loopback, not a bridge named in Docker's rules, not a
 * port of such a bridge. None when the kernel cannot be asked. The names are malloc'd;
 * free with sbtc_ifaces_free. */
void sbtc_published_outside(const sbtc_ruleset *rs, char ***names, size_t *n);

/* The same choice from a list of interfaces: name, the bridge it is a port of ("" for
 * none), loopback. */
typedef struct {
	char name[32];
	char master[32];
	bool loopback;
} sbtc_link;
void sbtc_published_outside_of(const sbtc_ruleset *rs, const sbtc_link *links, size_t nlinks, char ***names,
			       size_t *n);
void sbtc_ifaces_free(char **names, size_t n);

/* Reads the rule set (nft -j list ruleset; iptables-save and ip6tables-save for tables
 * nft shows as opaque xt expressions, or alone where nft is absent or tools says so;
 * iptables-legacy-save when nft shows no Docker NAT and that tool exists), finds the
 * outside interfaces (rtnetlink), and judges. Returns 0, or -1 with why the
 * rules could not be read. */
int sbtc_published_read(const sbtc_fw_tools *tools, sbtc_published *out, char *err, size_t errlen);

/* The published port for (family, tcp, port) that applies to every local address, or
 * NULL: a socket on that port of that family is reached through the DNAT, not directly. */
const sbtc_published_port *sbtc_published_find(const sbtc_published *p, int family, bool tcp, unsigned port);

void sbtc_published_free(sbtc_published *p);

#endif
