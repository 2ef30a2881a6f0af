/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "portlist.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sbtc_portset_clear(sbtc_portset *s)
{
	memset(s, 0, sizeof *s);
}

void sbtc_portset_add(sbtc_portset *s, unsigned port)
{
	if (port == 0 || port > 65535 || sbtc_portset_has(s, port))
		return;
	s->bits[port / 8] |= (uint8_t)(1u << (port % 8));
	s->count++;
}

void sbtc_portset_add_range(sbtc_portset *s, unsigned lo, unsigned hi)
{
	for (unsigned q = lo; q <= hi && q <= 65535; q++)
		sbtc_portset_add(s, q);
}

bool sbtc_portset_has(const sbtc_portset *s, unsigned port)
{
	if (port == 0 || port > 65535)
		return false;
	return (s->bits[port / 8] >> (port % 8)) & 1u;
}

unsigned sbtc_portset_next(const sbtc_portset *s, unsigned from)
{
	if (from == 0)
		from = 1;
	for (unsigned p = from; p <= 65535; p++) {
		if (s->bits[p / 8] == 0) {
			p |= 7; /* skip a whole empty byte */
			continue;
		}
		if (sbtc_portset_has(s, p))
			return p;
	}
	return 0;
}

/* A port number: decimal digits only, 1-65535. */
static bool parse_port(const char *p, size_t n, unsigned *out)
{
	if (n == 0 || n > 5)
		return false;
	unsigned v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return false;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	if (v == 0 || v > 65535)
		return false;
	*out = v;
	return true;
}

static void trim(const char **p, size_t *n)
{
	while (*n > 0 && isspace((unsigned char)**p)) {
		(*p)++;
		(*n)--;
	}
	while (*n > 0 && isspace((unsigned char)(*p)[*n - 1]))
		(*n)--;
}

int sbtc_portset_parse(sbtc_portset *s, const char *text, const char *what, char *err, size_t errlen)
{
	sbtc_portset_clear(s);
	const char *all = text;
	size_t alln = strlen(text);
	trim(&all, &alln);
	/* An empty value (an ini line "require =" or a macro that expanded to nothing) must not
	 * quietly mean "no ports": for --require that would drop the one port that has to be
	 * open. "none" says it on purpose. */
	if (alln == 0) {
		snprintf(err, errlen, "invalid %s '%s': empty (write 'none' for no ports)", what, text);
		return -1;
	}
	if (alln == 4 && strncmp(all, "none", 4) == 0)
		return 0;
	const char *p = text;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		const char *item = p;
		trim(&item, &n);
		unsigned lo, hi;
		const char *dash = memchr(item, '-', n);
		if (n == 3 && strncmp(item, "all", 3) == 0) {
			lo = 1;
			hi = 65535;
		} else if (dash != NULL) {
			const char *a = item, *b = dash + 1;
			size_t an = (size_t)(dash - item), bn = n - an - 1;
			trim(&a, &an);
			trim(&b, &bn);
			if (!parse_port(a, an, &lo) || !parse_port(b, bn, &hi)) {
				snprintf(err, errlen, "invalid %s '%s': '%.*s' is not a port range (N-M, ports 1-65535)",
					 what, text, (int)n, item);
				sbtc_portset_clear(s);
				return -1;
			}
			if (lo > hi) {
				snprintf(err, errlen, "invalid %s '%s': range '%.*s' ends before it starts", what, text,
					 (int)n, item);
				sbtc_portset_clear(s);
				return -1;
			}
		} else if (parse_port(item, n, &lo)) {
			hi = lo;
		} else {
			snprintf(err, errlen, "invalid %s '%s': '%.*s' is not a port (1-65535)", what, text, (int)n,
				 item);
			sbtc_portset_clear(s);
			return -1;
		}
		sbtc_portset_add_range(s, lo, hi);
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return 0;
}

void sbtc_portset_format(const sbtc_portset *s, sbtc_strbuf *b)
{
	if (s->count == 0) {
		sbtc_strbuf_puts(b, "none");
		return;
	}
	bool first = true;
	for (unsigned p = sbtc_portset_next(s, 1); p != 0;) {
		unsigned q = p;
		while (q < 65535 && sbtc_portset_has(s, q + 1))
			q++;
		if (!first)
			sbtc_strbuf_putc(b, ',');
		first = false;
		if (q == p)
			sbtc_strbuf_printf(b, "%u", p);
		else
			sbtc_strbuf_printf(b, "%u-%u", p, q);
		p = sbtc_portset_next(s, q + 1);
	}
}

/* What the operators' guide and the components' default configurations put on a signer
 * host (REFERENCE.md, section 2), then services often exposed by mistake. */
static const struct {
	unsigned port;
	const char *tcp;
	const char *udp;
} services[] = {
	{22, "SSH", NULL},
	{25, "SMTP", NULL},
	{53, "DNS", "DNS"},
	{80, "HTTP", NULL},
	{111, "rpcbind", "rpcbind"},
	{123, NULL, "NTP"},
	{443, "HTTPS", "QUIC/HTTP3"},
	{2375, "Docker API", NULL},
	{2376, "Docker API (TLS)", NULL},
	{3000, "Grafana", NULL},
	{3032, "blocklist client", NULL},
	{3306, "MySQL", NULL},
	{4122, "signer P2P", "signer P2P (QUIC)"},
	{5432, "PostgreSQL", NULL},
	{6379, "Redis", NULL},
	{8332, "Bitcoin RPC", NULL},
	{8333, "Bitcoin P2P", NULL},
	{8334, "Bitcoin onion bind", NULL}, /* Bitcoin Core's default -bind for its Tor service */
	{8801, "signer API", NULL},
	{9090, "Prometheus", NULL},
	{9100, "node exporter", NULL},
	{9153, "Stacks metrics", NULL},
	{9184, "signer metrics", NULL},
	{18332, "Bitcoin testnet RPC", NULL},
	{18443, "Bitcoin regtest RPC", NULL},
	{20443, "Stacks RPC", NULL},
	{20444, "Stacks P2P", NULL},
	{28332, "Bitcoin ZMQ", NULL},
	{28333, "Bitcoin ZMQ", NULL},
};

const char *sbtc_port_service(unsigned port, bool tcp)
{
	for (size_t i = 0; i < sizeof services / sizeof services[0]; i++)
		if (services[i].port == port)
			return tcp ? services[i].tcp : services[i].udp;
	return NULL;
}
