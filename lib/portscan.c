/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "portscan.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include "deadline.h"
#include "strbuf.h"

/* Descriptors kept for everything that is not a probe (stdio, epoll, resolver, ...). */
#define FD_RESERVE 64
#define EVENTS_MAX 1024

unsigned sbtc_scan_fd_budget(unsigned want)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 1;
	rlim_t need = (rlim_t)want + FD_RESERVE;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		struct rlimit nl = rl;
		nl.rlim_cur = (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need) ? need : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &nl) == 0)
			rl = nl;
	}
	rlim_t cur = rl.rlim_cur;
	if (cur == RLIM_INFINITY || cur >= need)
		return want > 0 ? want : 1;
	if (cur <= FD_RESERVE + 1)
		return 1;
	return (unsigned)(cur - FD_RESERVE);
}

/* One probe: the port asked, its socket while in flight, when it started. */
typedef struct {
	uint16_t port;
	int fd;
	double started;
} probe;

static void set_state(sbtc_scan_result *r, unsigned port, sbtc_port_state s)
{
	switch ((sbtc_port_state)r->state[port]) {
	case SBTC_PORT_OPEN: r->open--; break;
	case SBTC_PORT_CLOSED: r->closed--; break;
	case SBTC_PORT_FILTERED: r->filtered--; break;
	case SBTC_PORT_UNSCANNED: r->unscanned--; break;
	}
	r->state[port] = (uint8_t)s;
	switch (s) {
	case SBTC_PORT_OPEN: r->open++; break;
	case SBTC_PORT_CLOSED: r->closed++; break;
	case SBTC_PORT_FILTERED: r->filtered++; break;
	case SBTC_PORT_UNSCANNED: r->unscanned++; break;
	}
}

/* The state a connect error means; -1 for an error of our own side. */
static int classify(int e)
{
	switch (e) {
	case 0: return SBTC_PORT_OPEN;
	case ECONNREFUSED: return SBTC_PORT_CLOSED;
	case ETIMEDOUT:
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EHOSTDOWN:
	case ENONET:
	case EACCES: /* a local or ICMP "administratively prohibited" */
	case EPERM:
	case ECONNRESET:
	case EPROTO:
		return SBTC_PORT_FILTERED;
	}
	return -1;
}

/* On loopback a connect to a port nobody listens on can meet itself: the kernel may
 * pick that very port as the source (TCP simultaneous open). That is not a listener. */
static bool self_connected(int fd)
{
	struct sockaddr_storage a, b;
	socklen_t al = sizeof a, bl = sizeof b;
	if (getsockname(fd, (struct sockaddr *)&a, &al) != 0 || getpeername(fd, (struct sockaddr *)&b, &bl) != 0)
		return false;
	return al == bl && memcmp(&a, &b, al) == 0;
}

static int finish_open_or_error(int fd, int e)
{
	int s = classify(e);
	if (s == SBTC_PORT_OPEN && self_connected(fd))
		s = SBTC_PORT_CLOSED;
	return s;
}

/* How a probe's connect ended, asked again: connecting again returns the outcome, and
 * after a failure leaves the socket reset for another connect (Linux:
 * inet_stream_connect's error path). The port's state, or UNDECIDED while no answer has
 * come; *err: the connect's errno (0 when open). */
#define UNDECIDED (-2)
static int probe_outcome(const probe *q, struct sockaddr_storage *target, socklen_t addrlen, int *err)
{
	if (target->ss_family == AF_INET)
		((struct sockaddr_in *)target)->sin_port = htons(q->port);
	else
		((struct sockaddr_in6 *)target)->sin6_port = htons(q->port);
	int e = connect(q->fd, (struct sockaddr *)target, addrlen) == 0 ? 0 : errno;
	if (e == EISCONN)
		e = 0;
	*err = e;
	if (e == EALREADY || e == EINPROGRESS)
		return UNDECIDED;
	int s = finish_open_or_error(q->fd, e);
	return s < 0 ? SBTC_PORT_FILTERED : s;
}

/* One worker's share: every nth port of the list, its own epoll set and budget. */
typedef struct {
	const struct sockaddr *addr;
	socklen_t addrlen;
	const uint16_t *ports;
	size_t nports;
	unsigned parallel;
	double timeout;
	sbtc_scan_result *r; /* the worker's own counts and states */
	int rc;
	char err[300];
} shard;

static int scan(const struct sockaddr *addr, socklen_t addrlen, const uint16_t *ports, size_t n, unsigned parallel,
		double timeout, sbtc_scan_result *r, char *err, size_t errlen)
{
	if (n == 0)
		return 0;
	probe *pr = sbtc_xcalloc(n, sizeof *pr);
	for (size_t k = 0; k < n; k++) {
		pr[k].port = ports[k];
		pr[k].fd = -1;
	}

	int ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0) {
		snprintf(err, errlen, "epoll: %s", strerror(errno));
		free(pr);
		return -1;
	}
	struct epoll_event events[EVENTS_MAX];
	struct sockaddr_storage target;
	memcpy(&target, addr, addrlen);
	size_t next = 0, head = 0, inflight = 0;
	int rc = 0;
	/* Sockets whose connect was refused, reset by the kernel and ready for the next port:
	 * reusing them saves a socket(), a close() and an epoll registration per closed port,
	 * most of the cost of a scan of a near host. Still registered in the epoll set. */
	int *spare = sbtc_xcalloc(parallel, sizeof *spare);
	size_t nspare = 0;

	while (next < n || inflight > 0) {
		if (sbtc_deadline_expired()) {
			r->deadline_hit = true;
			break;
		}
		double now = sbtc_now_monotonic();
		/* Start probes up to the budget. */
		while (inflight < parallel && next < n) {
			probe *q = &pr[next];
			bool reused = nspare > 0;
			int fd = reused ? spare[--nspare]
					: socket(target.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
			if (fd < 0) {
				if ((errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) &&
				    inflight > 0) {
					parallel = (unsigned)inflight; /* the system said how far it goes */
					break;
				}
				snprintf(err, errlen, "cannot open a socket: %s", strerror(errno));
				rc = -1;
				goto out;
			}
			if (target.ss_family == AF_INET)
				((struct sockaddr_in *)&target)->sin_port = htons(q->port);
			else
				((struct sockaddr_in6 *)&target)->sin6_port = htons(q->port);
			int c = connect(fd, (struct sockaddr *)&target, addrlen);
			int e = c == 0 ? 0 : errno;
			if (e == EINPROGRESS) {
				struct epoll_event ev = {.events = EPOLLOUT, .data.u64 = next};
				if (epoll_ctl(ep, reused ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) != 0) {
					snprintf(err, errlen, "epoll_ctl: %s", strerror(errno));
					close(fd);
					rc = -1;
					goto out;
				}
				q->fd = fd;
				q->started = now;
				inflight++;
				next++;
				continue;
			}
			if (e == EAGAIN || e == EADDRNOTAVAIL || e == ENOBUFS) {
				/* Out of local ports or buffers: wait for some in flight to end. */
				close(fd);
				if (inflight == 0) {
					snprintf(err, errlen, "cannot connect: %s", strerror(e));
					rc = -1;
					goto out;
				}
				parallel = (unsigned)inflight;
				break;
			}
			int s = finish_open_or_error(fd, e);
			close(fd);
			if (s < 0) {
				snprintf(err, errlen, "cannot connect to port %u: %s", q->port, strerror(e));
				rc = -1;
				goto out;
			}
			set_state(r, q->port, (sbtc_port_state)s);
			next++;
		}
		/* A spare left over would report itself (a closed socket is always "ready"). */
		while (nspare > 0)
			close(spare[--nspare]);
		if (inflight == 0)
			continue;

		/* Sleep until the oldest probe's time is up, an answer comes, or the deadline. */
		while (head < next && pr[head].fd < 0)
			head++;
		double wait = timeout;
		if (head < next)
			wait = pr[head].started + timeout - now;
		int ne = epoll_wait(ep, events, EVENTS_MAX, sbtc_deadline_wait_ms(wait));
		if (ne < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "epoll_wait: %s", strerror(errno));
			rc = -1;
			goto out;
		}
		for (int i = 0; i < ne; i++) {
			probe *q = &pr[events[i].data.u64];
			if (q->fd < 0)
				continue;
			int e;
			int s = probe_outcome(q, &target, addrlen, &e);
			if (s == UNDECIDED)
				continue;
			if (e == ECONNREFUSED && nspare < parallel)
				spare[nspare++] = q->fd;
			else
				close(q->fd); /* also removes it from the epoll set */
			q->fd = -1;
			inflight--;
			set_state(r, q->port, (sbtc_port_state)s);
		}
		/* Whoever had their time without an answer is filtered. */
		now = sbtc_now_monotonic();
		while (head < next) {
			probe *q = &pr[head];
			if (q->fd >= 0) {
				if (now - q->started < timeout)
					break;
				/* Its answer may be waiting all the same: one round carries at most
				 * EVENTS_MAX events, and after a stall longer than the timeout (a
				 * starved CPU) every probe in flight looks expired. Ask the kernel
				 * before calling it filtered, or an open port would be missed. */
				int e;
				int s = probe_outcome(q, &target, addrlen, &e);
				close(q->fd);
				q->fd = -1;
				inflight--;
				set_state(r, q->port, s == UNDECIDED ? SBTC_PORT_FILTERED : (sbtc_port_state)s);
			}
			head++;
		}
	}
out:
	while (nspare > 0)
		close(spare[--nspare]);
	free(spare);
	for (size_t i = 0; i < n; i++)
		if (pr[i].fd >= 0)
			close(pr[i].fd);
	close(ep);
	free(pr);
	return rc;
}

static void *shard_main(void *arg)
{
	shard *sh = arg;
	sh->rc = scan(sh->addr, sh->addrlen, sh->ports, sh->nports, sh->parallel, sh->timeout, sh->r, sh->err,
		      sizeof sh->err);
	return NULL;
}

/* Connecting costs the kernel most of the time on a near host (loopback answers inside
 * connect()), so the ports are shared among a few threads, one per processor. */
static unsigned worker_count(size_t nports)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (nports < 2048 || cpus < 2)
		return 1;
	return cpus > 4 ? 4 : (unsigned)cpus;
}

static int scan_all(const struct sockaddr *addr, socklen_t addrlen, const sbtc_portset *ports,
		    const sbtc_scan_opts *opts, sbtc_scan_result *r, char *err, size_t errlen)
{
	size_t n = ports->count;
	if (n == 0)
		return 0;
	unsigned want = opts->max_parallel > 0 ? opts->max_parallel : 1;
	if (want > n)
		want = (unsigned)n;
	unsigned parallel = sbtc_scan_fd_budget(want);
	if (parallel > want)
		parallel = want;
	if (parallel > r->parallel)
		r->parallel = parallel;
	unsigned nw = worker_count(n);
	if (nw > parallel)
		nw = parallel;

	uint16_t *list = sbtc_xcalloc(n, sizeof *list);
	shard *sh = sbtc_xcalloc(nw, sizeof *sh);
	pthread_t *tid = sbtc_xcalloc(nw, sizeof *tid);
	bool *started = sbtc_xcalloc(nw, sizeof *started);
	/* Interleaved shares, so each worker sees the same mix of near and far ports. */
	size_t per = (n + nw - 1) / nw;
	for (unsigned w = 0; w < nw; w++) {
		sh[w].ports = list + (size_t)w * per;
		sh[w].r = sbtc_xcalloc(1, sizeof *sh[w].r);
		sh[w].addr = addr;
		sh[w].addrlen = addrlen;
		sh[w].timeout = opts->port_timeout > 0 ? opts->port_timeout : 1;
		sh[w].parallel = parallel / nw + (w < parallel % nw ? 1 : 0);
	}
	size_t i = 0;
	SBTC_PORTSET_FOREACH(p, ports) {
		if (i == n)
			break;
		unsigned w = (unsigned)(i++ % nw);
		list[(size_t)w * per + sh[w].nports++] = (uint16_t)p;
	}
	for (unsigned w = 0; w < nw; w++)
		sh[w].r->unscanned = sh[w].nports;
	for (unsigned w = 1; w < nw; w++)
		started[w] = pthread_create(&tid[w], NULL, shard_main, &sh[w]) == 0;
	shard_main(&sh[0]);
	/* A worker that could not be started does its share here. */
	for (unsigned w = 1; w < nw; w++) {
		if (started[w])
			pthread_join(tid[w], NULL);
		else
			shard_main(&sh[w]);
	}
	int rc = 0;
	for (unsigned w = 0; w < nw; w++) {
		for (size_t k = 0; k < sh[w].nports; k++)
			set_state(r, sh[w].ports[k], (sbtc_port_state)sh[w].r->state[sh[w].ports[k]]);
		r->deadline_hit = r->deadline_hit || sh[w].r->deadline_hit;
		if (sh[w].rc != 0 && rc == 0) {
			rc = -1;
			snprintf(err, errlen, "%s", sh[w].err);
		}
		free(sh[w].r);
	}
	free(started);
	free(tid);
	free(sh);
	free(list);
	return rc;
}

int sbtc_portscan(const struct sockaddr *addr, socklen_t addrlen, const sbtc_portset *ports,
		  const sbtc_scan_opts *opts, sbtc_scan_result *r, char *err, size_t errlen)
{
	memset(r, 0, sizeof *r);
	r->unscanned = ports->count;
	return scan_all(addr, addrlen, ports, opts, r, err, errlen);
}

int sbtc_portscan_again(const struct sockaddr *addr, socklen_t addrlen, const sbtc_portset *ports,
			const sbtc_scan_opts *opts, sbtc_scan_result *r, char *err, size_t errlen)
{
	return scan_all(addr, addrlen, ports, opts, r, err, errlen);
}
