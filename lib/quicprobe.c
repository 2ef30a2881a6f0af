/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "quicprobe.h"

#include <errno.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <netinet/icmp6.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deadline.h"
#include "portscan.h"
#include "quic.h"
#include "strbuf.h"

/* Sockets open at once at most; more ports are probed in turns. */
#define BATCH_MAX 512
/* Room for any UDP datagram, so that no reply is cut. */
#define DATAGRAM_MAX 65536

typedef struct {
	sbtc_quic_port *res;
	int fd;
	sbtc_quic_ids ids;
	double started;
	bool done;
} probe;

static void decide(probe *p, sbtc_quic_state s, const char *detail)
{
	p->res->state = s;
	if (detail != NULL)
		sbtc_strlcpy(p->res->detail, detail, sizeof p->res->detail);
	p->done = true;
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}

/* What an ICMP error says, from the kernel's extended error (IP_RECVERR). */
static void icmp_text(const struct sock_extended_err *ee, char *out, size_t outlen)
{
	const char *t = NULL;
	if (ee->ee_origin == SO_EE_ORIGIN_ICMP && ee->ee_type == ICMP_DEST_UNREACH) {
		switch (ee->ee_code) {
		case ICMP_PORT_UNREACH: t = "ICMP port unreachable"; break;
		case ICMP_NET_UNREACH: t = "ICMP network unreachable"; break;
		case ICMP_HOST_UNREACH: t = "ICMP host unreachable"; break;
		case ICMP_PROT_UNREACH: t = "ICMP protocol unreachable"; break;
		case ICMP_NET_ANO:
		case ICMP_HOST_ANO:
		case ICMP_PKT_FILTERED: t = "ICMP administratively prohibited"; break;
		}
	} else if (ee->ee_origin == SO_EE_ORIGIN_ICMP6 && ee->ee_type == ICMP6_DST_UNREACH) {
		switch (ee->ee_code) {
		case ICMP6_DST_UNREACH_NOPORT: t = "ICMPv6 port unreachable"; break;
		case ICMP6_DST_UNREACH_NOROUTE: t = "ICMPv6 no route"; break;
		case ICMP6_DST_UNREACH_ADDR: t = "ICMPv6 address unreachable"; break;
		case ICMP6_DST_UNREACH_ADMIN: t = "ICMPv6 administratively prohibited"; break;
		case 5: t = "ICMPv6 source address failed policy"; break;
		case 6: t = "ICMPv6 reject route"; break;
		}
	}
	if (t != NULL)
		snprintf(out, outlen, "%s", t);
	else if (ee->ee_origin == SO_EE_ORIGIN_ICMP || ee->ee_origin == SO_EE_ORIGIN_ICMP6)
		snprintf(out, outlen, "ICMP%s type %u code %u (%s)", ee->ee_origin == SO_EE_ORIGIN_ICMP6 ? "v6" : "",
			 ee->ee_type, ee->ee_code, strerror((int)ee->ee_errno));
	else
		snprintf(out, outlen, "%s", strerror((int)ee->ee_errno));
}

/* The state an error number of the socket means (without the ICMP details). */
static sbtc_quic_state errno_state(int e)
{
	return e == ECONNREFUSED ? SBTC_QUIC_CLOSED : SBTC_QUIC_UNREACHABLE;
}

/* Drains the socket's error queue: an ICMP error decides the port. Returns true when it
 * did. */
static bool read_errors(probe *p)
{
	bool decided = false;
	for (int rounds = 0; rounds < 16 && p->fd >= 0; rounds++) {
		char data[64];
		union {
			char buf[512];
			struct cmsghdr align;
		} ctl;
		struct iovec iov = {.iov_base = data, .iov_len = sizeof data};
		struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
				    .msg_controllen = sizeof ctl.buf};
		if (recvmsg(p->fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			break;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
			if (!((c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
			      (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR)))
				continue;
			struct sock_extended_err ee;
			memcpy(&ee, CMSG_DATA(c), sizeof ee);
			char text[100];
			icmp_text(&ee, text, sizeof text);
			decide(p, errno_state((int)ee.ee_errno), text);
			decided = true;
			break;
		}
	}
	/* The same error is pending on the socket too: take it off. */
	if (p->fd >= 0) {
		int e = 0;
		socklen_t el = sizeof e;
		if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &e, &el) == 0 && e != 0 && !decided) {
			decide(p, errno_state(e), e == ECONNREFUSED ? "ICMP port unreachable" : strerror(e));
			decided = true;
		}
	}
	return decided;
}

/* Reads the replies waiting on the socket. */
static void read_replies(probe *p, uint8_t *buf)
{
	while (p->fd >= 0) {
		ssize_t n = recv(p->fd, buf, DATAGRAM_MAX, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return;
			if (!read_errors(p))
				decide(p, errno_state(errno),
				       errno == ECONNREFUSED ? "ICMP port unreachable" : strerror(errno));
			return;
		}
		char why[128];
		size_t nv = 0;
		if (sbtc_quic_vn_parse(buf, (size_t)n, &p->ids, p->res->versions, SBTC_QUIC_VERSIONS_MAX, &nv, why,
				       sizeof why) == 0) {
			p->res->nversions = nv;
			decide(p, SBTC_QUIC_ANSWERS, NULL);
			return;
		}
		/* Not an answer of QUIC: remembered, and the port keeps its time in case a
		 * real Version Negotiation follows. */
		if (p->res->state != SBTC_QUIC_OTHER) {
			p->res->state = SBTC_QUIC_OTHER;
			sbtc_strlcpy(p->res->detail, why, sizeof p->res->detail);
		}
	}
}

/* Sends the probe; a local error (a firewall of this host, no route) decides. */
static void send_probe(probe *p, const uint8_t *pkt, size_t len)
{
	p->res->sent++;
	if (send(p->fd, pkt, len, MSG_DONTWAIT) >= 0)
		return;
	int e = errno;
	if (e == EAGAIN || e == EWOULDBLOCK || e == EINTR || e == ENOBUFS)
		return; /* counted as sent and lost; the next try may pass */
	if (!read_errors(p))
		decide(p, errno_state(e), e == ECONNREFUSED ? "ICMP port unreachable" : strerror(e));
}

static int open_probe(probe *p, const struct sockaddr *addr, socklen_t addrlen, char *err, size_t errlen)
{
	struct sockaddr_storage target;
	memcpy(&target, addr, addrlen);
	if (target.ss_family == AF_INET)
		((struct sockaddr_in *)&target)->sin_port = htons(p->res->port);
	else
		((struct sockaddr_in6 *)&target)->sin6_port = htons(p->res->port);
	int fd = socket(target.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open a UDP socket: %s", strerror(errno));
		return -1;
	}
	/* Every ICMP error reaches the socket, with its type and code (ip(7), IP_RECVERR);
	 * without it a connected UDP socket hears only of the "hard" ones. */
	int one = 1;
	int rc = target.ss_family == AF_INET ? setsockopt(fd, SOL_IP, IP_RECVERR, &one, sizeof one)
					     : setsockopt(fd, SOL_IPV6, IPV6_RECVERR, &one, sizeof one);
	if (rc != 0) {
		snprintf(err, errlen, "cannot ask for ICMP errors on a UDP socket: %s", strerror(errno));
		close(fd);
		return -1;
	}
	p->fd = fd;
	if (connect(fd, (struct sockaddr *)&target, addrlen) != 0) {
		int e = errno;
		if (!read_errors(p))
			decide(p, errno_state(e), strerror(e));
	}
	return 0;
}

/* One turn: the probes of ps, all in flight at once. */
static int probe_batch(const struct sockaddr *addr, socklen_t addrlen, probe *ps, size_t n, double timeout,
		       uint8_t *buf, bool *deadline_hit, char *err, size_t errlen)
{
	struct pollfd *pfd = sbtc_xcalloc(n, sizeof *pfd);
	size_t *idx = sbtc_xcalloc(n, sizeof *idx);
	uint8_t pkt[SBTC_QUIC_PROBE_LEN];
	int rc = 0;
	double step = timeout / SBTC_QUIC_SENDS;

	for (size_t i = 0; i < n; i++) {
		probe *p = &ps[i];
		if (sbtc_quic_ids_random(&p->ids, err, errlen) != 0 ||
		    open_probe(p, addr, addrlen, err, errlen) != 0) {
			rc = -1;
			goto out;
		}
		if (p->done)
			continue;
		p->started = sbtc_now_monotonic();
		size_t len = sbtc_quic_probe_build(&p->ids, pkt, sizeof pkt);
		send_probe(p, pkt, len);
	}

	for (;;) {
		double now = sbtc_now_monotonic();
		double next = -1;
		size_t np = 0;
		for (size_t i = 0; i < n; i++) {
			probe *p = &ps[i];
			if (p->done)
				continue;
			double age = now - p->started;
			if (age >= timeout) {
				/* Its time is up: silent, unless something that was not QUIC answered. */
				decide(p, p->res->state == SBTC_QUIC_OTHER ? SBTC_QUIC_OTHER : SBTC_QUIC_SILENT, NULL);
				continue;
			}
			if (p->res->sent < SBTC_QUIC_SENDS && age >= step * p->res->sent) {
				size_t len = sbtc_quic_probe_build(&p->ids, pkt, sizeof pkt);
				send_probe(p, pkt, len);
				if (p->done)
					continue;
			}
			double due = p->res->sent < SBTC_QUIC_SENDS ? p->started + step * p->res->sent
								    : p->started + timeout;
			if (next < 0 || due < next)
				next = due;
			pfd[np].fd = p->fd;
			pfd[np].events = POLLIN;
			pfd[np].revents = 0;
			idx[np++] = i;
		}
		if (np == 0)
			break;
		if (sbtc_deadline_expired()) {
			*deadline_hit = true;
			break;
		}
		int ne = poll(pfd, (nfds_t)np, sbtc_deadline_wait_ms(next - now));
		if (ne < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "poll: %s", strerror(errno));
			rc = -1;
			goto out;
		}
		for (size_t k = 0; k < np && ne > 0; k++) {
			if (pfd[k].revents == 0)
				continue;
			probe *p = &ps[idx[k]];
			if (pfd[k].revents & POLLERR)
				read_errors(p);
			if (!p->done && (pfd[k].revents & POLLIN))
				read_replies(p, buf);
		}
	}
out:
	/* Ports whose time the deadline cut short are not decided. */
	for (size_t i = 0; i < n; i++) {
		if (ps[i].fd >= 0)
			close(ps[i].fd);
		ps[i].fd = -1;
		if (!ps[i].done && ps[i].res->state != SBTC_QUIC_OTHER)
			ps[i].res->state = SBTC_QUIC_UNPROBED;
	}
	free(idx);
	free(pfd);
	return rc;
}

int sbtc_quic_probe(const struct sockaddr *addr, socklen_t addrlen, const sbtc_portset *ports, double port_timeout,
		    sbtc_quic_result *r, char *err, size_t errlen)
{
	memset(r, 0, sizeof *r);
	if (ports->count == 0)
		return 0;
	r->v = sbtc_xcalloc(ports->count, sizeof *r->v);
	SBTC_PORTSET_FOREACH(p, ports) {
		if (r->n == ports->count)
			break;
		r->v[r->n++].port = (uint16_t)p;
	}
	if (port_timeout <= 0)
		port_timeout = 1;

	size_t batch = sbtc_scan_fd_budget(BATCH_MAX);
	if (batch > BATCH_MAX)
		batch = BATCH_MAX;
	probe *ps = sbtc_xcalloc(batch, sizeof *ps);
	uint8_t *buf = sbtc_xmalloc(DATAGRAM_MAX);
	int rc = 0;
	for (size_t first = 0; first < r->n; first += batch) {
		size_t n = r->n - first < batch ? r->n - first : batch;
		if (sbtc_deadline_expired()) {
			r->deadline_hit = true;
			break;
		}
		for (size_t i = 0; i < n; i++) {
			memset(&ps[i], 0, sizeof ps[i]);
			ps[i].res = &r->v[first + i];
			ps[i].fd = -1;
		}
		rc = probe_batch(addr, addrlen, ps, n, port_timeout, buf, &r->deadline_hit, err, errlen);
		if (rc != 0 || r->deadline_hit)
			break;
	}
	free(buf);
	free(ps);
	return rc;
}

void sbtc_quic_result_free(sbtc_quic_result *r)
{
	free(r->v);
	memset(r, 0, sizeof *r);
}
