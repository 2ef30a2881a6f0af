/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A UDP probe of QUIC ports that tells an open port from a filtered one: each port gets
 * a connected UDP socket and the Version Negotiation probe of lib/quic.h, sent again
 * twice within the port's time, and then whatever comes first decides:
 *   answers      Version Negotiation for our connection IDs: a QUIC endpoint
 *   closed       ICMP port unreachable
 *   unreachable  another ICMP error (host or network unreachable, prohibited by a filter)
 *   other        a reply that is not Version Negotiation (a UDP service, not QUIC)
 *   silent       nothing within the port's time (dropped, or a service that ignores us)
 * The whole is bounded by the run's deadline (lib/deadline.h). */
#ifndef SBTC_QUICPROBE_H
#define SBTC_QUICPROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "portlist.h"

typedef enum {
	SBTC_QUIC_UNPROBED = 0, /* the deadline came before the port's time was up */
	SBTC_QUIC_ANSWERS,
	SBTC_QUIC_CLOSED,
	SBTC_QUIC_UNREACHABLE,
	SBTC_QUIC_OTHER,
	SBTC_QUIC_SILENT
} sbtc_quic_state;

#define SBTC_QUIC_VERSIONS_MAX 8

typedef struct {
	uint16_t port;
	sbtc_quic_state state;
	uint32_t versions[SBTC_QUIC_VERSIONS_MAX]; /* answers: the first versions listed */
	size_t nversions;                          /* answers: how many the reply listed */
	unsigned sent;                             /* probes sent */
	/* unreachable: the ICMP message ("ICMP host unreachable"); other: why the reply is
	 * not Version Negotiation; closed: "ICMP port unreachable". */
	char detail[128];
} sbtc_quic_port;

typedef struct {
	sbtc_quic_port *v; /* one per port of the set, in ascending order */
	size_t n;
	bool deadline_hit; /* some ports are SBTC_QUIC_UNPROBED */
} sbtc_quic_result;

/* How many probes a port gets within its time (the first and two more). */
#define SBTC_QUIC_SENDS 3

/* Probes the ports of ports on the host at addr (AF_INET or AF_INET6; its port is
 * ignored), each given port_timeout seconds. Returns 0 (also when the deadline cut it
 * short), or -1 with a message when the probe cannot run (no socket, no randomness);
 * r is to be freed with sbtc_quic_result_free in both cases. */
int sbtc_quic_probe(const struct sockaddr *addr, socklen_t addrlen, const sbtc_portset *ports, double port_timeout,
		    sbtc_quic_result *r, char *err, size_t errlen);

void sbtc_quic_result_free(sbtc_quic_result *r);

#endif
