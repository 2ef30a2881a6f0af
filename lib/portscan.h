/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A TCP connect scan: many non-blocking connects in flight at once (epoll), each port
 * given a fixed time to answer, the number in flight bounded by the descriptors the
 * process may open, and the whole bounded by the deadline. Up to one thread per
 * processor (at most 4) shares the ports, since on a near host the kernel's work in
 * connect() is the cost.
 *   open      the connection was accepted
 *   closed    refused (a TCP reset, or an ICMP port unreachable)
 *   filtered  no answer within the port timeout, or an ICMP "unreachable/prohibited" */
#ifndef SBTC_PORTSCAN_H
#define SBTC_PORTSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "portlist.h"

typedef enum {
	SBTC_PORT_UNSCANNED = 0, /* not asked (not in the list) or not answered by the deadline */
	SBTC_PORT_OPEN,
	SBTC_PORT_CLOSED,
	SBTC_PORT_FILTERED
} sbtc_port_state;

typedef struct {
	double port_timeout;   /* seconds a port may take to answer */
	unsigned max_parallel; /* connections in flight at most */
} sbtc_scan_opts;

typedef struct {
	uint8_t state[65536]; /* sbtc_port_state by port */
	size_t open, closed, filtered, unscanned;
	unsigned parallel;    /* connections in flight at most, as the descriptor limit allowed */
	bool deadline_hit;    /* the deadline passed before every port answered */
} sbtc_scan_result;

/* How many connections may be in flight: raises the soft descriptor limit towards
 * want (plus a reserve for everything else) as far as the hard limit allows, and returns
 * what fits. Never less than 1. */
unsigned sbtc_scan_fd_budget(unsigned want);

/* Scans the ports of ports on the host at addr (AF_INET or AF_INET6; its port is
 * ignored), storing each port's state in r (which this fills from zero). Returns 0 (also
 * when the deadline cut the scan short: r->deadline_hit, the rest unscanned), or -1 with
 * a message when the scan cannot run at all (no socket, an error of the local side). */
int sbtc_portscan(const struct sockaddr *addr, socklen_t addrlen, const sbtc_portset *ports,
		  const sbtc_scan_opts *opts, sbtc_scan_result *r, char *err, size_t errlen);

/* Asks again the ports of ports (for example required ports that looked filtered, in
 * case one probe was lost); their states and r's counts are updated. Same returns. */
int sbtc_portscan_again(const struct sockaddr *addr, socklen_t addrlen, const sbtc_portset *ports,
			const sbtc_scan_opts *opts, sbtc_scan_result *r, char *err, size_t errlen);

#endif
