/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A netfilter rule set as far as the checks need to follow a packet through it: tables,
 * chains (base chains with their hook, priority and policy), and rules as a list of
 * matches and one verdict. Read from `iptables-save` / `ip6tables-save` text and from
 * `nft -j list ruleset` JSON into the same shape, so one walker judges both. A match the
 * reader does not understand is kept as SBTC_M_UNKNOWN (with its name), never dropped:
 * the walker then considers both outcomes. */
#ifndef SBTC_RULESET_H
#define SBTC_RULESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SBTC_RS_MAX_RULES 200000 /* beyond this a rule set is refused, not judged */
#define SBTC_RS_PORTS 16         /* port ranges one match holds (multiport allows 15) */

typedef enum {
	SBTC_M_PROTO,      /* -p, meta l4proto, ip protocol */
	SBTC_M_FAMILY,     /* nft meta nfproto / protocol: 4 or 6 */
	SBTC_M_DPORT,      /* --dport, --dports, th/tcp/udp dport */
	SBTC_M_SPORT,
	SBTC_M_DADDR,      /* -d, ip daddr */
	SBTC_M_SADDR,
	SBTC_M_IIF,        /* -i, iifname */
	SBTC_M_OIF,
	SBTC_M_CTSTATE,    /* --ctstate / --state / ct state, ct status dnat */
	SBTC_M_CTORIGDSTPORT,
	SBTC_M_CTORIGDST,
	SBTC_M_DST_LOCAL,  /* -m addrtype --dst-type LOCAL */
	SBTC_M_SRC_LOCAL,
	SBTC_M_UNKNOWN,
} sbtc_match_kind;

/* Connection tracking states and the DNAT status bit. */
#define SBTC_CT_NEW 1u
#define SBTC_CT_ESTABLISHED 2u
#define SBTC_CT_RELATED 4u
#define SBTC_CT_INVALID 8u
#define SBTC_CT_UNTRACKED 16u
#define SBTC_CT_DNAT 32u
#define SBTC_CT_SNAT 64u

typedef struct {
	uint16_t lo, hi;
} sbtc_port_range;

typedef struct {
	sbtc_match_kind kind;
	bool neg;
	unsigned proto;                       /* PROTO: 6, 17, ...; ports: 0 any (th) or 6/17 */
	sbtc_port_range ports[SBTC_RS_PORTS]; /* ports and ctorigdstport */
	unsigned nports;
	int family;                           /* addresses: 4 or 6; FAMILY: 4 or 6 */
	uint8_t addr[16];
	unsigned plen;
	char iface[32];                       /* "eth0", "br-+" (iptables) or "br-*" (nft) */
	unsigned states;                      /* CTSTATE */
	char what[48];                        /* UNKNOWN: "-m recent", "xt addrtype" */
} sbtc_match;

typedef enum {
	SBTC_V_CONTINUE, /* no verdict (counter, log, mark): the next rule */
	SBTC_V_ACCEPT,
	SBTC_V_DROP,     /* drop or reject */
	SBTC_V_RETURN,
	SBTC_V_JUMP,
	SBTC_V_GOTO,
	SBTC_V_DNAT,
	SBTC_V_UNKNOWN,  /* a verdict that is not understood (queue, vmap): may accept or drop */
} sbtc_verdict;

typedef struct {
	sbtc_match *m;
	size_t nm;
	sbtc_verdict verdict;
	char target[64];     /* JUMP/GOTO: the chain; UNKNOWN: the verdict's name */
	/* DNAT: --to-destination */
	int to_family;
	bool to_has_addr;
	uint8_t to_addr[16];
	unsigned to_port_lo, to_port_hi; /* 0: the packet's own port */
} sbtc_rule;

typedef struct {
	char name[64];
	char hook[16];       /* "" for a chain reached only by jumps */
	int prio;
	bool policy_drop;
	sbtc_rule *r;
	size_t n, cap;
} sbtc_chain;

typedef struct {
	char family[8];      /* ip, ip6, inet */
	char name[64];
	char source[24];     /* "nft", "iptables-save", "iptables-legacy-save" */
	bool opaque;         /* holds an xt expression nft could not show in its own words */
	sbtc_chain *c;
	size_t n, cap;
} sbtc_table;

typedef struct {
	sbtc_table *t;
	size_t n, cap;
	size_t rules;        /* all tables */
} sbtc_ruleset;

/* Parses `iptables-save` (ipv6 false) or `ip6tables-save` output (all tables), appending
 * its tables to rs with family "ip" or "ip6" and the given source name. Returns 0, or -1
 * with a message naming the line ("iptables-save, line 12: table nat has no COMMIT"). */
int sbtc_ruleset_parse_iptables(const char *text, size_t len, bool ipv6, const char *source, sbtc_ruleset *rs,
				char *err, size_t errlen);

/* Parses `nft -j list ruleset`, appending its tables. Returns 0 or -1 with a message. */
int sbtc_ruleset_parse_nft(const char *text, size_t len, sbtc_ruleset *rs, char *err, size_t errlen);

/* The table (family, name) or NULL; its chain by name or NULL. */
sbtc_table *sbtc_ruleset_table(sbtc_ruleset *rs, const char *family, const char *name);
sbtc_chain *sbtc_table_chain(sbtc_table *t, const char *name);

/* Removes the tables of family (ip or ip6) called name (NULL: any) taken from source. */
void sbtc_ruleset_drop_tables(sbtc_ruleset *rs, const char *family, const char *name, const char *source);

/* Moves every table of saved (read from iptables-save) into rs, in place of the tables
 * nft showed with the same family and name (saved is left empty). */
void sbtc_ruleset_replace(sbtc_ruleset *rs, sbtc_ruleset *saved);

/* Moves every table of from into rs (from is left empty). */
void sbtc_ruleset_take(sbtc_ruleset *rs, sbtc_ruleset *from);

void sbtc_ruleset_free(sbtc_ruleset *rs);

#endif
