/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_sbtc_ports: only the signer's P2P port (and SSH) may face the network, behind a
 * default-deny firewall. Remote mode scans every TCP port of the host from where an
 * attacker stands, and probes the signer's QUIC port over UDP; local mode lists the
 * host's own listening sockets with their processes and reads the firewall's input policy. */
#include <arpa/inet.h>
#include <math.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cli.h"
#include "deadline.h"
#include "firewall.h"
#include "human.h"
#include "output.h"
#include "portlist.h"
#include "portscan.h"
#include "published.h"
#include "quic.h"
#include "quicprobe.h"
#include "range.h"
#include "sockets.h"
#include "strbuf.h"

#define TEXT_OF_(x) #x
#define TEXT_OF(x) TEXT_OF_(x) /* the digits of a number macro, for --help */
#define SSH_PORT 22
#define SIGNER_P2P_PORT 4122 /* TCP, and QUIC on UDP when so configured */
/* The defaults: config_init builds them from the numbers, --help shows these texts. */
#define DEFAULT_ALLOW TEXT_OF(SSH_PORT) "," TEXT_OF(SIGNER_P2P_PORT)
#define DEFAULT_REQUIRE TEXT_OF(SIGNER_P2P_PORT)
#define DEFAULT_PORT_TIMEOUT_SECONDS 1
#define DEFAULT_PORT_TIMEOUT TEXT_OF(DEFAULT_PORT_TIMEOUT_SECONDS) "s"
#define DEFAULT_MAX_PARALLEL 8192
/* How many ports or sockets a message names before it says "and N more". */
#define LIST_MAX 20

enum {
	OPT_PORTS = SBTC_OPT_PLUGIN_FIRST,
	OPT_ALLOW,
	OPT_REQUIRE,
	OPT_NO_DROP_CHECK,
	OPT_PORT_TIMEOUT,
	OPT_MAX_PARALLEL,
	OPT_LOCAL,
	OPT_NO_FIREWALL,
	OPT_NFT,
	OPT_IPTABLES_SAVE,
	OPT_IP6TABLES_SAVE,
	OPT_UDP_QUIC,
};

typedef struct {
	const char *host;
	int family;
	sbtc_portset ports, allow, require;
	bool drop_check;
	double port_timeout;
	unsigned max_parallel;
	bool local;
	bool firewall;
	sbtc_fw_tools tools;
	sbtc_portset quic; /* UDP ports to probe for QUIC */
	bool quic_given;   /* --udp-quic was given (else: 4122 when required) */
	int verbose;
} config;

static const sbtc_option options[] = {
	{"hostname", 'H', SBTC_ARG_REQUIRED, "HOST", 'H',
	 "Remote mode: the host to scan (a name, an IPv4 or an IPv6 address).", NULL},
	{"use-ipv4", '4', SBTC_ARG_NONE, NULL, '4', "Resolve HOST to an IPv4 address.", NULL},
	{"use-ipv6", '6', SBTC_ARG_NONE, NULL, '6', "Resolve HOST to an IPv6 address.", NULL},
	{"ports", 'p', SBTC_ARG_REQUIRED, "LIST", 'p',
	 "TCP ports to scan: ports and ranges, comma-separated. Required ports are always\n"
	 "scanned.", "1-65535"},
	{"allow", 0, SBTC_ARG_REQUIRED, "LIST", OPT_ALLOW,
	 "Ports that may be open (remote) or reachable from the network (local: a socket on\n"
	 "a non-loopback address, or a port Docker publishes that the forward path lets\n"
	 "through) (\"none\" for none). Required ports are allowed too.", DEFAULT_ALLOW},
	{"require", 0, SBTC_ARG_REQUIRED, "LIST", OPT_REQUIRE,
	 "Ports that must be open (remote) or reachable from the network (local, as for\n"
	 "--allow) (\"none\" for none). The default is the signer's P2P port.", DEFAULT_REQUIRE},
	{"udp-quic", 0, SBTC_ARG_REQUIRED, "LIST", OPT_UDP_QUIC,
	 "Remote mode: UDP ports to probe for QUIC (\"none\" for none). The default is\n"
	 "4122 when --require holds it: the signer's P2P listens on TCP and QUIC 4122.", NULL},
	{"no-drop-check", 0, SBTC_ARG_NONE, NULL, OPT_NO_DROP_CHECK,
	 "Remote mode: do not warn when the host refuses connections (closed ports) instead\n"
	 "of dropping them.", NULL},
	{"port-timeout", 0, SBTC_ARG_REQUIRED, "DURATION", OPT_PORT_TIMEOUT,
	 "Remote mode: how long a port may take to answer before it counts as filtered\n"
	 "(500ms is written 0.5).", DEFAULT_PORT_TIMEOUT},
	{"max-parallel", 0, SBTC_ARG_REQUIRED, "N", OPT_MAX_PARALLEL,
	 "Remote mode: connections in flight at most, lowered to what the descriptor limit\n"
	 "allows after raising the soft limit as far as the hard one.", TEXT_OF(DEFAULT_MAX_PARALLEL)},
	{"local", 0, SBTC_ARG_NONE, NULL, OPT_LOCAL,
	 "Local mode: check this host's own listening sockets, the ports Docker publishes\n"
	 "and the firewall (through NRPE or an agent). Process names and the firewall need\n"
	 "root (or CAP_NET_ADMIN and CAP_SYS_PTRACE); without them the check says what it\n"
	 "could not see.", NULL},
	{"no-firewall", 0, SBTC_ARG_NONE, NULL, OPT_NO_FIREWALL,
	 "Local mode: do not read the firewall (nor, then, Docker's published ports).", NULL},
	{"nft", 0, SBTC_ARG_REQUIRED, "FILE", OPT_NFT,
	 "Local mode: the nft program (default: /usr/sbin/nft or the first on PATH).", NULL},
	{"iptables-save", 0, SBTC_ARG_REQUIRED, "FILE", OPT_IPTABLES_SAVE,
	 "Local mode: read iptables-save instead of nft (default: used when nft is absent,\n"
	 "and for the tables nft shows with opaque xt matches).", NULL},
	{"ip6tables-save", 0, SBTC_ARG_REQUIRED, "FILE", OPT_IP6TABLES_SAVE,
	 "Local mode: the ip6tables-save program that goes with iptables-save.", NULL},
};

static const sbtc_plugin_info info = {
	.progname = "check_sbtc_ports",
	.check_label = "PORTS",
	.purpose =
		"Checks that only the signer's P2P port and SSH face the network, behind a default-deny\n"
		"firewall. Remote mode (-H) scans the host's TCP ports from the monitoring server\n"
		"and probes its QUIC (UDP) ports with a packet every QUIC endpoint answers;\n"
		"local mode (--local) lists the host's listening sockets with their processes and\n"
		"the ports Docker publishes with what the forward path does with them, and reads\n"
		"the firewall's input policy.",
	.usage = "-H HOST [-4|-6] [-p LIST] [--allow LIST]\n"
		 "  [--require LIST] [--udp-quic LIST] [--no-drop-check]\n"
		 "  [--port-timeout DURATION]\n"
		 "  [--max-parallel N] [-t SECONDS[:STATE]] [-v] [--output-format FORMAT]\n"
		 "  check_sbtc_ports --local [--allow LIST] [--require LIST] [--no-firewall]\n"
		 "  [--nft FILE]",
	.options = options,
	.noptions = sizeof options / sizeof options[0],
	.notes =
		"States, remote mode:\n"
		"  OK        only allowed ports are open, every required port is open, and the host\n"
		"            drops (does not refuse) the others.\n"
		"  WARNING   the host refuses connections (closed ports answer with a reset) instead of\n"
		"            dropping them: no default-deny firewall (--no-drop-check turns this off).\n"
		"  WARNING   a required port probed with --udp-quic does not answer QUIC. Not\n"
		"            CRITICAL: the signer always listens on TCP and adds QUIC when so\n"
		"            configured, peers dial both and keep what connects, and the reference\n"
		"            docker-compose.yml publishes 4122 for TCP only (\"4122:4122\"): peers\n"
		"            still reach the signer, over TCP. --udp-quic none if that is intended.\n"
		"  CRITICAL  a port outside --allow is open (named with the service usually there),\n"
		"            or answers over UDP when probed for QUIC; a required port is not open.\n"
		"  UNKNOWN   bad arguments, a name that does not resolve, the deadline before every\n"
		"            port answered.\n"
		"States, local mode:\n"
		"  CRITICAL  a socket on a non-loopback address with a port outside --allow\n"
		"            (\"postgres listens on 0.0.0.0:5432\"), or a port Docker publishes that\n"
		"            the forward path accepts (\"9184/tcp (signer metrics) published by\n"
		"            Docker to 172.18.0.2:9184, forward path accepts (DOCKER-USER: no rule\n"
		"            for it)\"); a required port nobody listens on, or that the forward\n"
		"            path drops.\n"
		"  WARNING   the firewall's input path accepts by default.\n"
		"  UNKNOWN   the firewall cannot be read (not root, no nft or iptables-save).\n"
		"\n"
		"Docker publishes a port by a DNAT rule (nat PREROUTING, chain DOCKER) and lets it\n"
		"through FORWARD (DOCKER-USER first): the input policy never sees it, and with\n"
		"the userland proxy off no socket shows it. The check reads those rules (nft -j,\n"
		"and iptables-save where nft shows iptables' own matches as opaque xt ones) and\n"
		"follows a new connection from each outside interface to the container. A match\n"
		"it cannot evaluate is taken both ways: the port counts as reachable unless every\n"
		"path drops it. A port published on 127.0.0.1 only is not reachable. To close a\n"
		"published port, drop it in DOCKER-USER, for example:\n"
		"  iptables -I DOCKER-USER -p tcp -m conntrack --ctorigdstport 9184 -j DROP\n"
		"\n"
		"Perfdata, remote: open, unexpected_open, closed, filtered, quic_open, time (s).\n"
		"Perfdata, local: listening (sockets), exposed, unexpected (sockets and published\n"
		"ports reachable from the network), published (ports Docker publishes on\n"
		"non-loopback addresses), time (s).\n"
		"\n"
		"The QUIC probe sends each --udp-quic port a client Initial of a reserved version\n"
		"(RFC 9000, section 15), three times within --port-timeout. A QUIC endpoint\n"
		"answers Version Negotiation (\"answers QUIC (versions ...)\"); an ICMP port\n"
		"unreachable says \"closed\"; other ICMP errors say \"filtered\"; silence says \"no\n"
		"answer (filtered, or not QUIC)\": UDP cannot tell those two apart. -v shows the\n"
		"version numbers; quic_open counts the ports that answer QUIC.\n"
		"\n"
		"A full scan of a host that drops everything takes 65535 / N x --port-timeout (8s with\n"
		"the defaults), the QUIC probe at most one --port-timeout more: keep -t above it.\n"
		"\n"
		"Examples:\n"
		"  check_sbtc_ports -H signer1.example.org\n"
		"  check_sbtc_ports -H 2001:db8::10 --allow 22,4122 --require 4122\n"
		"  check_sbtc_ports -H signer1.example.org --udp-quic none  # TCP-only P2P\n"
		"  sudo check_sbtc_ports --local --allow 22,4122",
	.default_timeout = 20,
};

static int handle_option(void *ctx, int key, const char *arg, char *err, size_t errlen)
{
	config *cfg = ctx;
	switch (key) {
	case 'H': cfg->host = arg; return 0;
	case '4': cfg->family = AF_INET; return 0;
	case '6': cfg->family = AF_INET6; return 0;
	case 'p':
		if (sbtc_portset_parse(&cfg->ports, arg, "--ports", err, errlen) != 0)
			return -1;
		if (cfg->ports.count == 0) {
			snprintf(err, errlen, "--ports '%s' names no port", arg);
			return -1;
		}
		return 0;
	case OPT_ALLOW: return sbtc_portset_parse(&cfg->allow, arg, "--allow", err, errlen);
	case OPT_REQUIRE: return sbtc_portset_parse(&cfg->require, arg, "--require", err, errlen);
	case OPT_NO_DROP_CHECK: cfg->drop_check = false; return 0;
	case OPT_UDP_QUIC:
		cfg->quic_given = true;
		return sbtc_portset_parse(&cfg->quic, arg, "--udp-quic", err, errlen);
	case OPT_PORT_TIMEOUT:
		if (sbtc_quantity_parse(arg, SBTC_UNIT_DURATION, &cfg->port_timeout, err, errlen) != 0)
			return -1;
		if (cfg->port_timeout < 0.01 || cfg->port_timeout > 60) {
			snprintf(err, errlen, "--port-timeout '%s' must be between 0.01 and 60 seconds", arg);
			return -1;
		}
		return 0;
	case OPT_MAX_PARALLEL: {
		char *end;
		unsigned long v = strtoul(arg, &end, 10);
		if (end == arg || *end != '\0' || arg[0] == '-' || v < 1 || v > 65535) {
			snprintf(err, errlen, "--max-parallel '%s' must be a number from 1 to 65535", arg);
			return -1;
		}
		cfg->max_parallel = (unsigned)v;
		return 0;
	}
	case OPT_LOCAL: cfg->local = true; return 0;
	case OPT_NO_FIREWALL: cfg->firewall = false; return 0;
	case OPT_NFT: cfg->tools.nft = arg; return 0;
	case OPT_IPTABLES_SAVE: cfg->tools.iptables_save = arg; return 0;
	case OPT_IP6TABLES_SAVE: cfg->tools.ip6tables_save = arg; return 0;
	}
	snprintf(err, errlen, "unhandled option");
	return -1;
}

/* "5432 (PostgreSQL)" or "40000". */
static void port_name_append(sbtc_strbuf *b, unsigned port, bool tcp)
{
	const char *svc = sbtc_port_service(port, tcp);
	if (svc != NULL)
		sbtc_strbuf_printf(b, "%u (%s)", port, svc);
	else
		sbtc_strbuf_printf(b, "%u", port);
}

/* Appends up to LIST_MAX ports of the scan in state s that pass the filter. */
typedef bool (*port_filter)(const config *cfg, unsigned port);

static size_t ports_append(sbtc_strbuf *b, const sbtc_scan_result *r, sbtc_port_state s, const config *cfg,
			   port_filter keep)
{
	size_t n = 0;
	for (unsigned p = 1; p <= 65535; p++) {
		if (r->state[p] != s || !keep(cfg, p))
			continue;
		if (n < LIST_MAX) {
			if (n > 0)
				sbtc_strbuf_puts(b, ", ");
			port_name_append(b, p, true);
		}
		n++;
	}
	if (n > LIST_MAX)
		sbtc_strbuf_printf(b, " and %zu more", n - LIST_MAX);
	return n;
}

static bool permitted(const config *cfg, unsigned port)
{
	return sbtc_portset_has(&cfg->allow, port) || sbtc_portset_has(&cfg->require, port);
}

static bool unexpected(const config *cfg, unsigned port)
{
	return !permitted(cfg, port);
}

/* Resolves the host; returns 0 with the address, or -1 with a message. */
static int resolve(const config *cfg, struct sockaddr_storage *addr, socklen_t *addrlen, char *shown, size_t shownlen,
		   char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = cfg->family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	char what[300];
	snprintf(what, sizeof what, "resolving %s", cfg->host);
	sbtc_deadline_activity(what);
	int rc = getaddrinfo(cfg->host, NULL, &hints, &res);
	if (rc == EAI_NONAME || rc == EAI_FAMILY) {
		/* AI_ADDRCONFIG hides ::1 on a host whose only IPv6 address is loopback. */
		hints.ai_flags = 0;
		rc = getaddrinfo(cfg->host, NULL, &hints, &res);
	}
	if (rc != 0 || res == NULL) {
		snprintf(err, errlen, "cannot resolve '%s'%s: %s", cfg->host,
			 cfg->family == AF_INET ? " to IPv4" : cfg->family == AF_INET6 ? " to IPv6" : "",
			 rc != 0 ? gai_strerror(rc) : "no address");
		if (res != NULL)
			freeaddrinfo(res);
		return -1;
	}
	memcpy(addr, res->ai_addr, res->ai_addrlen);
	*addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	char a[INET6_ADDRSTRLEN] = "?";
	const void *src = addr->ss_family == AF_INET ? (const void *)&((struct sockaddr_in *)addr)->sin_addr
						     : (const void *)&((struct sockaddr_in6 *)addr)->sin6_addr;
	if (inet_ntop(addr->ss_family, src, a, sizeof a) == NULL)
		sbtc_strlcpy(a, "?", sizeof a);
	if (strcmp(a, cfg->host) == 0)
		snprintf(shown, shownlen, "%s", a);
	else
		snprintf(shown, shownlen, "%s (%s)", cfg->host, a);
	return 0;
}

/* "4122/udp (signer P2P, QUIC)" or "443/udp (QUIC)". */
static void quic_port_name(sbtc_strbuf *b, unsigned port)
{
	const char *svc = sbtc_port_service(port, true);
	sbtc_strbuf_printf(b, "%u/udp (%s%sQUIC)", port, svc != NULL ? svc : "", svc != NULL ? ", " : "");
}

/* What the probe of one port found, in words. */
static void quic_verdict(sbtc_strbuf *b, const sbtc_quic_port *q, const config *cfg)
{
	switch (q->state) {
	case SBTC_QUIC_ANSWERS:
		sbtc_strbuf_puts(b, "answers QUIC (version");
		sbtc_strbuf_puts(b, q->nversions == 1 ? " " : "s ");
		for (size_t k = 0; k < q->nversions && k < SBTC_QUIC_VERSIONS_MAX; k++) {
			const char *name = sbtc_quic_version_name(q->versions[k]);
			if (k > 0)
				sbtc_strbuf_puts(b, ", ");
			if (name != NULL && cfg->verbose > 0)
				sbtc_strbuf_printf(b, "%s 0x%08x", name, q->versions[k]);
			else if (name != NULL)
				sbtc_strbuf_puts(b, name);
			else
				sbtc_strbuf_printf(b, "0x%08x", q->versions[k]);
		}
		if (q->nversions > SBTC_QUIC_VERSIONS_MAX)
			sbtc_strbuf_printf(b, " and %zu more", q->nversions - SBTC_QUIC_VERSIONS_MAX);
		sbtc_strbuf_puts(b, ")");
		return;
	case SBTC_QUIC_CLOSED: sbtc_strbuf_printf(b, "closed (%s)", q->detail); return;
	case SBTC_QUIC_UNREACHABLE: sbtc_strbuf_printf(b, "filtered (%s)", q->detail); return;
	case SBTC_QUIC_OTHER: sbtc_strbuf_printf(b, "answers, but not QUIC: %s", q->detail); return;
	case SBTC_QUIC_SILENT: {
		char pt[32];
		snprintf(pt, sizeof pt, "%gs", cfg->port_timeout);
		sbtc_strbuf_printf(b, "no answer (filtered, or not QUIC) to %u probes within %s", q->sent, pt);
		return;
	}
	case SBTC_QUIC_UNPROBED: sbtc_strbuf_puts(b, "not probed before the deadline"); return;
	}
}

/* Judges the QUIC probe with the lists TCP uses (by port number): a port outside --allow
 * that answers is open like an open TCP port (CRITICAL). A required port that does not
 * answer QUIC is a WARNING, not CRITICAL: the signer always listens on TCP and adds QUIC
 * only when a listen_on address is quic-v1 (stacks-sbtc/sbtc signer/src/main.rs,
 * run_libp2p_swarm; signer/src/network/libp2p/swarm.rs, SignerSwarmBuilder::build ORs
 * the QUIC transport onto the TCP one), libp2p peers dial both and keep what connects,
 * and the reference docker/mainnet/docker-compose.yml publishes "4122:4122", TCP only.
 * Peers still reach the signer; they just cannot use QUIC. Returns the ports that
 * answer QUIC. */
static size_t evaluate_quic(sbtc_result *root, const config *cfg, const sbtc_quic_result *q, const char *host,
			    sbtc_strbuf *answering)
{
	size_t open = 0, unprobed = 0, n_crit = 0, n_warn = 0, n_ok = 0;
	for (size_t i = 0; i < q->n; i++) {
		const sbtc_quic_port *p = &q->v[i];
		if (p->state == SBTC_QUIC_UNPROBED) {
			unprobed++;
			continue;
		}
		sbtc_strbuf b = SBTC_STRBUF_INIT;
		quic_port_name(&b, p->port);
		sbtc_strbuf_puts(&b, ": ");
		quic_verdict(&b, p, cfg);
		bool reachable = p->state == SBTC_QUIC_ANSWERS || p->state == SBTC_QUIC_OTHER;
		if (p->state == SBTC_QUIC_ANSWERS) {
			open++;
			sbtc_strbuf_printf(answering, "%s%u/udp", open > 1 ? ", " : "", p->port);
		}
		/* Up to LIST_MAX lines of each state; the rest are counted. */
		if (reachable && !permitted(cfg, p->port)) {
			if (n_crit++ < LIST_MAX)
				sbtc_result_set_id(sbtc_result_add(root, SBTC_CRITICAL, "unexpected open UDP port on %s: %s", host,
						sbtc_strbuf_str(&b)), "unexpected_open");
		} else if (p->state != SBTC_QUIC_ANSWERS && sbtc_portset_has(&cfg->require, p->port)) {
			if (n_warn++ < LIST_MAX)
				sbtc_result_set_id(sbtc_result_add(root, SBTC_WARNING, "%s: peers reach the signer over TCP only",
						sbtc_strbuf_str(&b)), "required_udp");
		} else if (n_ok++ < LIST_MAX) {
			sbtc_result_set_id(sbtc_result_add(root, SBTC_OK, "%s", sbtc_strbuf_str(&b)), "quic");
		}
		sbtc_strbuf_free(&b);
	}
	if (n_crit > LIST_MAX)
		sbtc_result_set_id(sbtc_result_add(root, SBTC_CRITICAL, "and %zu more unexpected open UDP ports on %s", n_crit - LIST_MAX,
				host), "unexpected_open");
	if (n_warn > LIST_MAX)
		sbtc_result_set_id(sbtc_result_add(root, SBTC_WARNING, "and %zu more required UDP ports that do not answer QUIC",
				n_warn - LIST_MAX), "required_udp");
	if (n_ok > LIST_MAX)
		sbtc_result_set_id(sbtc_result_add(root, SBTC_OK, "and %zu more UDP ports probed for QUIC", n_ok - LIST_MAX), "quic");
	if (unprobed > 0)
		sbtc_result_set_id(sbtc_result_add(root, sbtc_deadline_timeout_state(),
				"QUIC probe cut short by the %g s deadline: %zu of %zu UDP ports undecided (raise -t)",
				sbtc_deadline_seconds(), unprobed, q->n), "scan");
	return open;
}

/* What remote mode measured: the host's address, its TCP ports, its QUIC ports. */
typedef struct {
	bool resolved;
	char host[400];        /* "name (address)" */
	char err[600];         /* why the host could not be resolved or scanned */
	int scan_rc;           /* 0, or -1 with err */
	sbtc_portset *asked;   /* the listed ports and the required ones */
	sbtc_scan_result *scan;
	double took;           /* seconds the TCP scan took */
	bool quic_failed;
	char quic_err[600];
	sbtc_quic_result quic;
} remote_measured;

/* What the judgement found that the summary names. */
typedef struct {
	bool judged;           /* the scan was judged (it ran) */
	size_t n_allowed;      /* open and allowed TCP ports */
	size_t n_quic;         /* UDP ports that answer QUIC */
	sbtc_strbuf quic_open; /* "4122/udp, ..." */
} remote_verdict;

static void measure_remote(const config *cfg, remote_measured *m)
{
	struct sockaddr_storage addr;
	socklen_t addrlen;
	memset(m, 0, sizeof *m);
	if (resolve(cfg, &addr, &addrlen, m->host, sizeof m->host, m->err, sizeof m->err) != 0)
		return;
	m->resolved = true;

	/* The listed ports and the required ones. */
	m->asked = sbtc_xmalloc(sizeof *m->asked);
	*m->asked = cfg->ports;
	SBTC_PORTSET_FOREACH(p, &cfg->require)
		sbtc_portset_add(m->asked, p);
	sbtc_scan_opts so = {.port_timeout = cfg->port_timeout, .max_parallel = cfg->max_parallel};
	m->scan = sbtc_xmalloc(sizeof *m->scan);
	char what[500];
	snprintf(what, sizeof what, "scanning %zu ports of %s", m->asked->count, m->host);
	sbtc_deadline_activity(what);
	double t0 = sbtc_now_monotonic();
	m->scan_rc = sbtc_portscan((struct sockaddr *)&addr, addrlen, m->asked, &so, m->scan, m->err, sizeof m->err);
	/* A required port that did not answer gets a second probe: one lost packet must not
	 * page anyone. */
	if (m->scan_rc == 0 && !m->scan->deadline_hit) {
		sbtc_portset *again = sbtc_xmalloc(sizeof *again);
		sbtc_portset_clear(again);
		SBTC_PORTSET_FOREACH(p, &cfg->require)
			if (m->scan->state[p] == SBTC_PORT_FILTERED)
				sbtc_portset_add(again, p);
		if (again->count > 0 && sbtc_deadline_remaining() > cfg->port_timeout)
			m->scan_rc = sbtc_portscan_again((struct sockaddr *)&addr, addrlen, again, &so, m->scan, m->err,
							 sizeof m->err);
		free(again);
	}
	m->took = sbtc_now_monotonic() - t0;

	/* The QUIC ports, over UDP, in the time the TCP scan left. */
	if (m->scan_rc == 0 && cfg->quic.count > 0) {
		snprintf(what, sizeof what, "probing %zu UDP ports of %s for QUIC", cfg->quic.count, m->host);
		sbtc_deadline_activity(what);
		m->quic_failed = sbtc_quic_probe((struct sockaddr *)&addr, addrlen, &cfg->quic, cfg->port_timeout,
						 &m->quic, m->quic_err, sizeof m->quic_err) != 0;
	}
}

static void remote_measured_free(remote_measured *m)
{
	sbtc_quic_result_free(&m->quic);
	free(m->scan);
	free(m->asked);
}

static void judge_scan(sbtc_result *root, const config *cfg, const remote_measured *m, remote_verdict *v)
{
	const sbtc_scan_result *r = m->scan;
	const char *host = m->host;
	size_t asked = m->asked->count;
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	size_t n_unexpected = ports_append(&b, r, SBTC_PORT_OPEN, cfg, unexpected);
	if (n_unexpected > 0)
		sbtc_result_set_id(sbtc_result_add(root, SBTC_CRITICAL, "%zu unexpected open port%s on %s: %s", n_unexpected,
				n_unexpected == 1 ? "" : "s", host, sbtc_strbuf_str(&b)), "unexpected_open");
	sbtc_strbuf_free(&b);

	char pt[32];
	sbtc_format_duration(cfg->port_timeout, pt, sizeof pt);
	if (cfg->port_timeout < 1)
		snprintf(pt, sizeof pt, "%gs", cfg->port_timeout);
	SBTC_PORTSET_FOREACH(p, &cfg->require) {
		/* Not asked before the deadline: the deadline's own line says so. */
		if (r->state[p] == SBTC_PORT_OPEN || r->state[p] == SBTC_PORT_UNSCANNED)
			continue;
		sbtc_strbuf_free(&b);
		port_name_append(&b, p, true);
		char whybuf[80];
		if (r->state[p] == SBTC_PORT_CLOSED)
			sbtc_strlcpy(whybuf, "closed (connection refused)", sizeof whybuf);
		else if (r->state[p] == SBTC_PORT_FILTERED)
			snprintf(whybuf, sizeof whybuf, "filtered (no answer within %s)", pt);
		else
			sbtc_strlcpy(whybuf, "not scanned before the deadline", sizeof whybuf);
		sbtc_result_set_id(sbtc_result_add(root, SBTC_CRITICAL, "required port %s on %s is not open: %s", sbtc_strbuf_str(&b), host,
				whybuf), "required_open");
	}
	sbtc_strbuf_free(&b);

	if (r->deadline_hit)
		sbtc_result_set_id(sbtc_result_add(root, sbtc_deadline_timeout_state(),
				"scan cut short by the %g s deadline: %zu of %zu ports not scanned (raise -t, or "
				"--max-parallel)",
				sbtc_deadline_seconds(), r->unscanned, asked), "scan");

	/* An allowed port the firewall lets through answers closed when its service is down:
	 * that says nothing about the firewall. Any other refused port does. */
	size_t refused = 0;
	for (unsigned p = 1; p <= 65535; p++)
		if (r->state[p] == SBTC_PORT_CLOSED && !permitted(cfg, p))
			refused++;
	if (cfg->drop_check && refused > 0)
		sbtc_result_set_id(sbtc_result_add(root, SBTC_WARNING,
				"%s refuses %zu port%s (closed) instead of dropping them: no default-deny firewall",
				host, refused, refused == 1 ? "" : "s"), "default_deny");

	v->n_allowed = ports_append(&b, r, SBTC_PORT_OPEN, cfg, permitted);
	if (v->n_allowed > 0)
		sbtc_result_set_id(sbtc_result_add(root, SBTC_OK, "open and allowed: %s", sbtc_strbuf_str(&b)), "allowed");
	sbtc_strbuf_free(&b);

	v->n_quic = evaluate_quic(root, cfg, &m->quic, host, &v->quic_open);

	char t[32];
	snprintf(t, sizeof t, "%.2f s", m->took);
	sbtc_result_set_id(sbtc_result_add(root, SBTC_OK, "scanned %zu TCP ports of %s in %s, up to %u at once: %zu open, %zu closed, %zu filtered",
			asked - r->unscanned, host, t, r->parallel, r->open, r->closed, r->filtered), "scan");

	sbtc_perf_add_count(root, "open", (double)r->open, "ports", NULL, 0, (double)asked);
	sbtc_perf_add_count(root, "unexpected_open", (double)n_unexpected, "ports", NULL, 0, (double)asked);
	sbtc_perf_add_count(root, "closed", (double)r->closed, "ports", NULL, 0, (double)asked);
	sbtc_perf_add_count(root, "filtered", (double)r->filtered, "ports", NULL, 0, (double)asked);
	sbtc_perf_add_count(root, "quic_open", (double)v->n_quic, "ports", NULL, 0, (double)m->quic.n);
	v->judged = true;
}

static void judge_remote(sbtc_result *root, const config *cfg, const remote_measured *m, remote_verdict *v)
{
	if (!m->resolved) {
		sbtc_result_set_id(sbtc_result_add(root, SBTC_UNKNOWN, "%s", m->err), "scan");
		return;
	}
	if (m->quic_failed)
		sbtc_result_set_id(sbtc_result_add(root, SBTC_UNKNOWN, "cannot probe %s for QUIC: %s", m->host, m->quic_err), "quic");
	if (m->scan_rc < 0)
		sbtc_result_set_id(sbtc_result_add(root, SBTC_UNKNOWN, "cannot scan %s: %s", m->host, m->err), "scan");
	else if (m->scan_rc == 0 && !m->quic_failed)
		judge_scan(root, cfg, m, v);
}

/* When all is well, the status line names what is open. */
static void present_remote(sbtc_result *root, const config *cfg, const remote_measured *m, const remote_verdict *v)
{
	if (!v->judged)
		return;
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	const char *quic_note = v->n_quic > 0 ? "; QUIC answers on " : "";
	const char *quic_ports = v->n_quic > 0 ? sbtc_strbuf_str(&v->quic_open) : "";
	if (v->n_allowed > 0) {
		ports_append(&b, m->scan, SBTC_PORT_OPEN, cfg, permitted);
		sbtc_result_set_ok_summary(root, "%s: only allowed ports open: %s; %zu closed, %zu filtered%s%s", m->host,
					   sbtc_strbuf_str(&b), m->scan->closed, m->scan->filtered, quic_note, quic_ports);
	} else {
		sbtc_result_set_ok_summary(root, "%s: no port open; %zu closed, %zu filtered%s%s", m->host,
					   m->scan->closed, m->scan->filtered, quic_note, quic_ports);
	}
	sbtc_strbuf_free(&b);
}

/* "postgres listens on 0.0.0.0:5432 (PostgreSQL)". */
static void socket_describe(sbtc_strbuf *b, const sbtc_socket *s)
{
	char ep[80];
	sbtc_socket_endpoint(s, ep, sizeof ep);
	if (s->process[0] != '\0')
		sbtc_strbuf_printf(b, "%s (pid %d)", s->process, s->pid);
	else
		sbtc_strbuf_puts(b, "a process not visible to this user");
	sbtc_strbuf_printf(b, " listens on %s%s", ep, s->tcp ? "" : "/udp");
	const char *svc = sbtc_port_service(s->port, s->tcp);
	if (svc != NULL)
		sbtc_strbuf_printf(b, " (%s)", svc);
}

static void firewall_family(sbtc_result *root, const char *source, const char *ipver, const sbtc_fw_family *f,
			    bool docker)
{
	/* Docker's published ports are DNAT'd in prerouting and forwarded: input never sees them. */
	const char *bypass = docker ? "; Docker's published ports do not pass input (judged by the forward path)" : "";
	if (f->deny)
		sbtc_result_set_id(sbtc_result_add(root, SBTC_OK, "%s: %s input drops by default (%s)%s", source, ipver, f->how, bypass), "default_deny");
	else
		sbtc_result_set_id(sbtc_result_add(root, SBTC_WARNING, "%s: %s input accepts by default (%s): no default-deny firewall%s",
				source, ipver, f->how, bypass), "default_deny");
}

static void evaluate_firewall(sbtc_result *root, const sbtc_fw_policy *pol, bool docker)
{
	if (pol->v4.known && pol->v6.known && pol->v4.deny == pol->v6.deny && strcmp(pol->v4.how, pol->v6.how) == 0) {
		firewall_family(root, pol->source, "IPv4 and IPv6", &pol->v4, docker);
		return;
	}
	if (pol->v4.known)
		firewall_family(root, pol->source, "IPv4", &pol->v4, docker);
	if (pol->v6.known)
		firewall_family(root, pol->source, "IPv6", &pol->v6, docker);
}

/* "9184/tcp (signer metrics) published by Docker to 172.18.0.2:9184", named by the
 * container's port: that is the service behind it. */
static void published_describe(sbtc_strbuf *b, const sbtc_published_port *pp)
{
	sbtc_strbuf_printf(b, "%u/%s", pp->port, pp->tcp ? "tcp" : "udp");
	if (pp->family == 6)
		sbtc_strbuf_puts(b, " (IPv6)");
	const char *svc = sbtc_port_service(pp->to_port, pp->tcp);
	if (svc != NULL)
		sbtc_strbuf_printf(b, " (%s)", svc);
}

/* The socket is reached through a DNAT rule of its family (IPv4 packets to the host are
 * translated before any socket sees them), so the forward path decides, not the socket. */
static const sbtc_published_port *socket_published(const sbtc_published *pub, const sbtc_socket *s)
{
	return sbtc_published_find(pub, s->family == AF_INET ? 4 : 6, s->tcp, s->port);
}

/* What local mode measured: the listening sockets and their owners, the firewall's
 * input policy, Docker's published ports. */
typedef struct {
	bool listed;
	char err[600];          /* why the sockets could not be listed */
	sbtc_socket_list list;
	size_t denied;          /* sockets whose owner this user cannot see */
	bool pol_ok, pub_ok;
	sbtc_fw_policy pol;
	sbtc_published pub;
	char fw_err[700], pub_err[700];
} local_measured;

typedef struct {
	size_t n_unexpected;     /* sockets and published ports outside --allow */
	size_t n_pub_unexpected; /* of them, published ports */
} local_verdict;

static void measure_local(const config *cfg, local_measured *m)
{
	memset(m, 0, sizeof *m);
	sbtc_deadline_activity("reading /proc/net");
	if (sbtc_sockets_read("/proc/net", &m->list, m->err, sizeof m->err) != 0)
		return;
	m->listed = true;
	sbtc_deadline_activity("finding the sockets' processes in /proc");
	m->denied = sbtc_sockets_owners("/proc", &m->list);
	if (!cfg->firewall)
		return;
	m->pol_ok = sbtc_fw_read(&cfg->tools, &m->pol, m->fw_err, sizeof m->fw_err) == 0;
	if (m->pol_ok) {
		sbtc_deadline_activity("reading Docker's published ports");
		m->pub_ok = sbtc_published_read(&cfg->tools, &m->pub, m->pub_err, sizeof m->pub_err) == 0;
	}
}

static void local_measured_free(local_measured *m)
{
	sbtc_socket_list_free(&m->list);
	sbtc_published_free(&m->pub);
}

/* What faces the network. Published ports first, so that the summary names PORT/PROTO. */
static void judge_local(sbtc_result *root, const config *cfg, const local_measured *m, local_verdict *v)
{
	if (!m->listed) {
		sbtc_result_set_id(sbtc_result_add(root, SBTC_UNKNOWN, "cannot list the listening sockets: %s", m->err), "sockets");
		return;
	}
	const sbtc_socket_list *lst = &m->list;
	const sbtc_published *pub = &m->pub;
	bool pub_ok = m->pub_ok, pol_ok = m->pol_ok;
	size_t exposed = 0, n_unexpected = 0, n_pub_unexpected = 0, n_published = 0;
	sbtc_strbuf ok = SBTC_STRBUF_INIT, dropped = SBTC_STRBUF_INIT;
	size_t n_ok = 0, n_dropped = 0;
	for (size_t i = 0; pub_ok && i < pub->n; i++) {
		const sbtc_published_port *pp = &pub->v[i];
		if (pp->loopback_only)
			continue;
		n_published++;
		sbtc_strbuf b = SBTC_STRBUF_INIT;
		published_describe(&b, pp);
		if (!pp->exposed) {
			if (n_dropped < LIST_MAX)
				sbtc_strbuf_printf(&dropped, "%s%s published, %s", n_dropped ? "; " : "", sbtc_strbuf_str(&b),
						   pp->how);
			n_dropped++;
			sbtc_strbuf_free(&b);
			continue;
		}
		exposed++;
		sbtc_strbuf_printf(&b, " published by Docker to %s, %s", pp->to, pp->how);
		if (!permitted(cfg, pp->port)) {
			if (n_unexpected < LIST_MAX)
				sbtc_result_set_id(sbtc_result_add(root, SBTC_CRITICAL, "%s", sbtc_strbuf_str(&b)), "unexpected_open");
			n_unexpected++;
			n_pub_unexpected++;
		} else {
			if (n_ok < LIST_MAX)
				sbtc_strbuf_printf(&ok, "%s%s", n_ok ? "; " : "", sbtc_strbuf_str(&b));
			n_ok++;
		}
		sbtc_strbuf_free(&b);
	}
	size_t n_loopback = 0;
	for (size_t i = 0; i < lst->n; i++) {
		const sbtc_socket *s = &lst->v[i];
		if (sbtc_socket_loopback(s))
			n_loopback++;
		if (sbtc_socket_loopback(s) || (pub_ok && socket_published(pub, s) != NULL))
			continue;
		exposed++;
		sbtc_strbuf b = SBTC_STRBUF_INIT;
		socket_describe(&b, s);
		if (!permitted(cfg, s->port)) {
			if (n_unexpected < LIST_MAX)
				sbtc_result_set_id(sbtc_result_add(root, SBTC_CRITICAL, "%s", sbtc_strbuf_str(&b)), "unexpected_open");
			n_unexpected++;
		} else {
			if (n_ok < LIST_MAX)
				sbtc_strbuf_printf(&ok, "%s%s", n_ok ? "; " : "", sbtc_strbuf_str(&b));
			n_ok++;
		}
		sbtc_strbuf_free(&b);
	}
	if (n_unexpected > LIST_MAX)
		sbtc_result_set_id(sbtc_result_add(root, SBTC_CRITICAL, "and %zu more ports outside --allow reachable from the network",
				n_unexpected - LIST_MAX), "unexpected_open");
	SBTC_PORTSET_FOREACH(p, &cfg->require) {
		bool any = false, loop = false;
		const sbtc_published_port *blocked = NULL;
		for (size_t i = 0; pub_ok && i < pub->n && !any; i++) {
			const sbtc_published_port *pp = &pub->v[i];
			if (!pp->tcp || pp->port != p || pp->loopback_only)
				continue;
			if (pp->exposed)
				any = true;
			else
				blocked = pp;
		}
		for (size_t i = 0; i < lst->n && !any; i++) {
			if (!lst->v[i].tcp || lst->v[i].port != p || (pub_ok && socket_published(pub, &lst->v[i])))
				continue;
			if (sbtc_socket_loopback(&lst->v[i]))
				loop = true;
			else
				any = true;
		}
		if (any)
			continue;
		sbtc_strbuf b = SBTC_STRBUF_INIT;
		port_name_append(&b, p, true);
		if (blocked != NULL)
			sbtc_result_set_id(sbtc_result_add(root, SBTC_CRITICAL, "required port %s: published by Docker, but %s",
					sbtc_strbuf_str(&b), blocked->how), "required_open");
		else
			sbtc_result_set_id(sbtc_result_add(root, SBTC_CRITICAL, "required port %s: %s", sbtc_strbuf_str(&b),
					loop ? "listens on loopback only, unreachable from the network"
					     : "nothing listens on it"), "required_open");
		sbtc_strbuf_free(&b);
	}
	if (n_ok > 0)
		sbtc_result_set_id(sbtc_result_add(root, SBTC_OK, "allowed: %s%s", sbtc_strbuf_str(&ok), n_ok > LIST_MAX ? "; ..." : ""), "allowed");
	if (n_dropped > 0)
		sbtc_result_set_id(sbtc_result_add(root, SBTC_OK, "not reachable: %s%s", sbtc_strbuf_str(&dropped),
				n_dropped > LIST_MAX ? "; ..." : ""), "dropped");
	sbtc_strbuf_free(&ok);
	sbtc_strbuf_free(&dropped);
	sbtc_result_set_id(sbtc_result_add(root, SBTC_OK, "%zu listening sockets, %zu on loopback only, %zu on other addresses%s",
			lst->n, n_loopback, lst->n - n_loopback,
			m->denied > 0 ? "; some owners not visible to this user (run as root to name them all)" : ""), "sockets");
	if (pub_ok && pub->nat_found)
		sbtc_result_set_id(sbtc_result_add(root, SBTC_OK, "Docker publishes %zu port%s on non-loopback addresses (rules read with %s)",
				n_published, n_published == 1 ? "" : "s", pub->source), "published");

	/* The firewall. */
	if (cfg->firewall && !pol_ok)
		sbtc_result_set_id(sbtc_result_add(root, SBTC_UNKNOWN, "firewall not readable: %s", m->fw_err), "firewall");
	else if (cfg->firewall)
		evaluate_firewall(root, &m->pol, pub_ok && m->pub.nat_found);
	if (cfg->firewall && pol_ok && !pub_ok)
		sbtc_result_set_id(sbtc_result_add(root, SBTC_UNKNOWN, "Docker's published ports not readable: %s", m->pub_err), "published");

	sbtc_perf_add_count(root, "listening", (double)lst->n, "sockets", NULL, 0, NAN);
	sbtc_perf_add_count(root, "exposed", (double)exposed, "ports", NULL, 0, NAN);
	sbtc_perf_add_count(root, "unexpected", (double)n_unexpected, "ports", NULL, 0, NAN);
	sbtc_perf_add_count(root, "published", (double)n_published, "ports", NULL, 0, NAN);
	v->n_unexpected = n_unexpected;
	v->n_pub_unexpected = n_pub_unexpected;
}

/* Where something outside --allow faces the network, the status line says what. */
static void present_local(sbtc_result *root, const local_verdict *v)
{
	if (v->n_pub_unexpected > 0)
		sbtc_result_set_summary(root, "%zu port%s outside --allow reachable from the network: %s%s", v->n_unexpected,
					    v->n_unexpected == 1 ? "" : "s", sbtc_result_text(sbtc_result_child(root, 0)),
					    v->n_unexpected > 1 ? ", ..." : "");
	else if (v->n_unexpected > 0)
		sbtc_result_set_summary(root, "%zu socket%s outside --allow on non-loopback addresses: %s%s", v->n_unexpected,
					    v->n_unexpected == 1 ? "" : "s", sbtc_result_text(sbtc_result_child(root, 0)),
					    v->n_unexpected > 1 ? ", ..." : "");
}

/* The defaults, as values. */
static void config_init(config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->family = AF_UNSPEC;
	sbtc_portset_add_range(&cfg->ports, 1, 65535);
	sbtc_portset_add(&cfg->allow, SSH_PORT);
	sbtc_portset_add(&cfg->allow, SIGNER_P2P_PORT);
	sbtc_portset_add(&cfg->require, SIGNER_P2P_PORT);
	cfg->drop_check = true;
	cfg->port_timeout = DEFAULT_PORT_TIMEOUT_SECONDS;
	cfg->max_parallel = DEFAULT_MAX_PARALLEL;
	cfg->firewall = true;
}

/* What depends on several options. */
static void config_finish(config *cfg, const sbtc_common_opts *common)
{
	cfg->verbose = common->verbose;
	/* The signer's P2P port is probed for QUIC too when it is required. */
	if (!cfg->quic_given && sbtc_portset_has(&cfg->require, SIGNER_P2P_PORT))
		sbtc_portset_add(&cfg->quic, SIGNER_P2P_PORT);
	if (cfg->local && cfg->host != NULL)
		sbtc_usage_error(&info, "give either -H HOST (remote scan) or --local, not both");
	if (!cfg->local && cfg->host == NULL)
		sbtc_usage_error(&info, "give -H HOST to scan a host, or --local to check this host");
	if (cfg->host != NULL && cfg->host[0] == '\0')
		sbtc_usage_error(&info, "-H needs a host name or address");
}

int main(int argc, char **argv)
{
	config *cfg = sbtc_xmalloc(sizeof *cfg);
	sbtc_common_opts common;
	config_init(cfg);
	sbtc_cli_parse(&info, argc, argv, &common, handle_option, cfg);
	config_finish(cfg, &common);

	sbtc_result *root = sbtc_result_new();
	if (cfg->local) {
		local_measured *m = sbtc_xmalloc(sizeof *m);
		local_verdict v = {0};
		measure_local(cfg, m);
		judge_local(root, cfg, m, &v);
		present_local(root, &v);
		local_measured_free(m);
		free(m);
	} else {
		remote_measured *m = sbtc_xmalloc(sizeof *m);
		remote_verdict v = {.quic_open = SBTC_STRBUF_INIT};
		measure_remote(cfg, m);
		judge_remote(root, cfg, m, &v);
		present_remote(root, cfg, m, &v);
		sbtc_strbuf_free(&v.quic_open);
		remote_measured_free(m);
		free(m);
	}
	free(cfg);
	sbtc_perf_add_time(root);
	return sbtc_finish(root);
}
