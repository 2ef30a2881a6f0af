/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "published.h"

#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "strbuf.h"

#define MAX_PUBLISHED 4096
#define MAX_DEPTH 64             /* jumps deep; the kernel's own limit is lower */
#define WALK_BUDGET 4000000L     /* rule visits for one judgement of all ports */

/* ---- the packet and its matches ---- */

typedef enum { NO = 0, YES = 1, MAYBE = 2 } tri;

typedef struct {
	int family;
	unsigned proto;
	unsigned dport;          /* the container's */
	unsigned orig_dport;     /* the host's: conntrack's original destination port */
	bool daddr_known;
	uint8_t daddr[16];
	const char *iif;         /* NULL: an outside interface not known by name */
	const char *oif;         /* NULL: not known */
	char *const *bridges;
	size_t nbridges;
} packet;

static bool iface_match(const char *pattern, const char *name)
{
	size_t n = strlen(pattern);
	if (n > 0 && (pattern[n - 1] == '+' || pattern[n - 1] == '*'))
		return strncmp(pattern, name, n - 1) == 0;
	return strcmp(pattern, name) == 0;
}

static tri iface_tri(const char *pattern, const char *name, const packet *p, bool in)
{
	if (name != NULL)
		return iface_match(pattern, name) ? YES : NO;
	if (!in)
		return MAYBE;
	/* an outside interface not known by name is none of Docker's bridges */
	for (size_t i = 0; i < p->nbridges; i++)
		if (strcmp(pattern, p->bridges[i]) == 0)
			return NO;
	return MAYBE;
}

static bool prefix_has(const sbtc_match *m, const uint8_t *a)
{
	unsigned full = m->plen / 8, rest = m->plen % 8;
	if (memcmp(m->addr, a, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (m->addr[full] & mask) == (a[full] & mask);
}

static bool ports_has(const sbtc_match *m, unsigned port)
{
	for (unsigned i = 0; i < m->nports; i++)
		if (port >= m->ports[i].lo && port <= m->ports[i].hi)
			return true;
	return false;
}

static tri match_one(const sbtc_match *m, const packet *p)
{
	tri r;
	switch (m->kind) {
	case SBTC_M_PROTO: r = m->proto == 0 || m->proto == p->proto ? YES : NO; break;
	case SBTC_M_FAMILY: r = m->family == p->family ? YES : NO; break;
	case SBTC_M_DPORT:
	case SBTC_M_SPORT:
		if (m->proto != 0 && m->proto != p->proto)
			return NO; /* "tcp dport != 22" never matches a UDP packet */
		if (m->kind == SBTC_M_DPORT)
			r = ports_has(m, p->dport) ? YES : NO;
		else if (m->nports == 1 && m->ports[0].lo == 0 && m->ports[0].hi == 65535)
			r = YES;
		else
			return MAYBE; /* any source port */
		break;
	case SBTC_M_DADDR:
		if (m->family != p->family)
			return NO;
		if (m->plen == 0)
			r = YES;
		else if (!p->daddr_known)
			return MAYBE;
		else
			r = prefix_has(m, p->daddr) ? YES : NO;
		break;
	case SBTC_M_SADDR:
		if (m->family != p->family)
			return NO;
		if (m->plen != 0)
			return MAYBE; /* any source address */
		r = YES;
		break;
	case SBTC_M_CTORIGDST:
		if (m->plen != 0)
			return MAYBE;
		r = YES;
		break;
	case SBTC_M_IIF:
	case SBTC_M_OIF: {
		bool in = m->kind == SBTC_M_IIF;
		r = iface_tri(m->iface, in ? p->iif : p->oif, p, in);
		if (r == MAYBE)
			return MAYBE;
		break;
	}
	case SBTC_M_CTSTATE: r = (m->states & (SBTC_CT_NEW | SBTC_CT_DNAT)) != 0 ? YES : NO; break;
	case SBTC_M_CTORIGDSTPORT: r = ports_has(m, p->orig_dport) ? YES : NO; break;
	case SBTC_M_DST_LOCAL: /* after DNAT the destination is the container's */
	case SBTC_M_SRC_LOCAL: r = NO; break;
	default: return MAYBE;
	}
	if (m->neg)
		r = r == YES ? NO : YES;
	return r;
}

static tri rule_match(const sbtc_rule *r, const packet *p, const char **unknown)
{
	tri all = YES;
	for (size_t i = 0; i < r->nm; i++) {
		tri t = match_one(&r->m[i], p);
		if (t == NO)
			return NO;
		if (t == MAYBE) {
			if (r->m[i].kind == SBTC_M_UNKNOWN && *unknown == NULL)
				*unknown = r->m[i].what;
			all = MAYBE;
		}
	}
	return all;
}

/* ---- the walk ---- */

enum { O_ACCEPT = 1, O_DROP = 2, O_RETURN = 4 };

typedef struct {
	const sbtc_table *t;
	const packet *p;
	long *budget;
	bool exhausted;
	const sbtc_chain *stack[MAX_DEPTH + 2]; /* the chains jumped through, to see a loop */
	char drop_at[80], accept_at[80], note[96], unknown[96];
} walk;

static unsigned eval_from(walk *w, const sbtc_chain *c, size_t i, int depth, bool specific);

static unsigned apply(walk *w, const sbtc_chain *c, size_t i, int depth, bool specific)
{
	const sbtc_rule *r = &c->r[i];
	switch (r->verdict) {
	case SBTC_V_ACCEPT:
		if (w->accept_at[0] == '\0')
			snprintf(w->accept_at, sizeof w->accept_at, "%s", c->name);
		return O_ACCEPT;
	case SBTC_V_DROP:
		if (w->drop_at[0] == '\0')
			snprintf(w->drop_at, sizeof w->drop_at, "dropped in %s", c->name);
		return O_DROP;
	case SBTC_V_RETURN:
		if (!specific && c->hook[0] == '\0' && w->note[0] == '\0')
			snprintf(w->note, sizeof w->note, "%s: no rule for it", c->name);
		return O_RETURN;
	case SBTC_V_JUMP:
	case SBTC_V_GOTO: {
		const sbtc_chain *to = NULL;
		for (size_t k = 0; k < w->t->n && to == NULL; k++)
			if (strcmp(w->t->c[k].name, r->target) == 0)
				to = &w->t->c[k];
		if (to == NULL || to->hook[0] != '\0') {
			if (w->unknown[0] == '\0')
				snprintf(w->unknown, sizeof w->unknown, "target %.40s in %.40s", r->target, c->name);
			return O_ACCEPT | O_DROP;
		}
		/* a loop (the kernel refuses one; a text may still hold it) is not followed */
		for (int k = 0; k <= depth && k <= MAX_DEPTH; k++)
			if (w->stack[k] == to) {
				w->exhausted = true;
				return O_ACCEPT | O_DROP;
			}
		if (depth + 1 > MAX_DEPTH) {
			w->exhausted = true;
			return O_ACCEPT | O_DROP;
		}
		w->stack[depth + 1] = to;
		unsigned s = eval_from(w, to, 0, depth + 1, false);
		if (r->verdict == SBTC_V_GOTO || !(s & O_RETURN))
			return s;
		return (s & ~(unsigned)O_RETURN) | eval_from(w, c, i + 1, depth, specific);
	}
	case SBTC_V_UNKNOWN:
		if (w->unknown[0] == '\0')
			snprintf(w->unknown, sizeof w->unknown, "%.40s in %.40s", r->target, c->name);
		return O_ACCEPT | O_DROP;
	default: /* no verdict, or a DNAT outside nat */
		return eval_from(w, c, i + 1, depth, specific);
	}
}

static unsigned eval_from(walk *w, const sbtc_chain *c, size_t i, int depth, bool specific)
{
	if (depth > MAX_DEPTH) {
		w->exhausted = true;
		return O_ACCEPT | O_DROP;
	}
	for (; i < c->n; i++) {
		if (--*w->budget < 0) {
			w->exhausted = true;
			return O_ACCEPT | O_DROP;
		}
		const char *unknown = NULL;
		tri m = rule_match(&c->r[i], w->p, &unknown);
		if (m == NO)
			continue;
		bool sp = specific || c->r[i].nm > 0;
		if (m == YES)
			return apply(w, c, i, depth, sp);
		if (unknown != NULL && w->unknown[0] == '\0')
			snprintf(w->unknown, sizeof w->unknown, "'%s' in %s", unknown, c->name);
		return apply(w, c, i, depth, sp) | eval_from(w, c, i + 1, depth, specific);
	}
	if (!specific && c->hook[0] == '\0' && w->note[0] == '\0')
		snprintf(w->note, sizeof w->note, "%s: no rule for it", c->name);
	return O_RETURN;
}

static bool family_applies(const char *tfamily, int family)
{
	return strcmp(tfamily, "inet") == 0 || strcmp(tfamily, family == 4 ? "ip" : "ip6") == 0;
}

/* Every filter base chain on the forward hook must let the packet through. */
static bool forward_accepts(const sbtc_ruleset *rs, const packet *p, long *budget, char *how, size_t howlen,
			    bool *undecided)
{
	walk w;
	memset(&w, 0, sizeof w);
	w.p = p;
	w.budget = budget;
	bool accepts = true, any = false;
	char drop[120] = "", unknown[96] = "";
	for (size_t ti = 0; ti < rs->n && accepts; ti++) {
		const sbtc_table *t = &rs->t[ti];
		if (!family_applies(t->family, p->family) || strcmp(t->name, "nat") == 0)
			continue;
		for (size_t ci = 0; ci < t->n && accepts; ci++) {
			const sbtc_chain *c = &t->c[ci];
			if (strcmp(c->hook, "forward") != 0)
				continue;
			any = true;
			w.t = t;
			w.stack[0] = c;
			w.drop_at[0] = '\0';
			unsigned s = eval_from(&w, c, 0, 0, true);
			if (s & O_RETURN)
				s = (s & ~(unsigned)O_RETURN) | (c->policy_drop ? O_DROP : O_ACCEPT);
			if (!(s & O_ACCEPT)) {
				accepts = false;
				if (w.drop_at[0] != '\0')
					snprintf(drop, sizeof drop, "%s", w.drop_at);
				else
					snprintf(drop, sizeof drop, "dropped by the policy of %.8s %.30s %.30s", t->family, t->name,
						 c->name);
			} else if ((s & O_DROP) && w.unknown[0] != '\0' && unknown[0] == '\0') {
				snprintf(unknown, sizeof unknown, "%s", w.unknown);
			}
		}
	}
	*undecided = w.exhausted;
	if (w.exhausted)
		snprintf(how, howlen, "forward path too deep or too large to follow: counted as exposed");
	else if (!accepts)
		snprintf(how, howlen, "%s", drop);
	else if (!any)
		snprintf(how, howlen, "forward path accepts (no forward chain)");
	else if (unknown[0] != '\0')
		snprintf(how, howlen, "forward path may accept (cannot evaluate %s)", unknown);
	else if (w.note[0] != '\0')
		snprintf(how, howlen, "forward path accepts (%s)", w.note);
	else if (w.accept_at[0] != '\0')
		snprintf(how, howlen, "forward path accepts (in %s)", w.accept_at);
	else
		snprintf(how, howlen, "forward path accepts (policy accept)");
	return accepts || w.exhausted;
}

/* ---- published ports ---- */

static int table_family(const sbtc_table *t, const sbtc_rule *r)
{
	if (strcmp(t->family, "ip") == 0)
		return 4;
	if (strcmp(t->family, "ip6") == 0)
		return 6;
	if (r->to_family != 0)
		return r->to_family;
	for (size_t i = 0; i < r->nm; i++)
		if ((r->m[i].kind == SBTC_M_DADDR || r->m[i].kind == SBTC_M_FAMILY) && r->m[i].family != 0)
			return r->m[i].family;
	return 4;
}

static bool add_port(sbtc_published *out, const sbtc_published_port *pp)
{
	for (size_t i = 0; i < out->n; i++)
		if (out->v[i].family == pp->family && out->v[i].tcp == pp->tcp && out->v[i].port == pp->port)
			return true; /* the first DNAT for it wins, as in the chain */
	if (out->n == MAX_PUBLISHED)
		return false;
	if (out->n == out->cap) {
		out->cap = out->cap ? out->cap * 2 : 16;
		out->v = sbtc_xrealloc(out->v, out->cap * sizeof *out->v);
	}
	out->v[out->n++] = *pp;
	return true;
}

/* One DNAT rule into published ports. */
static bool dnat_ports(const sbtc_table *t, const sbtc_rule *r, sbtc_published *out)
{
	sbtc_published_port pp;
	memset(&pp, 0, sizeof pp);
	pp.family = table_family(t, r);
	pp.any_address = true;
	unsigned proto = 0;
	const sbtc_match *dport = NULL;
	for (size_t i = 0; i < r->nm; i++) {
		const sbtc_match *m = &r->m[i];
		if (m->kind == SBTC_M_PROTO && !m->neg)
			proto = m->proto;
		else if (m->kind == SBTC_M_DPORT && !m->neg) {
			dport = m;
			if (m->proto != 0)
				proto = m->proto;
		} else if (m->kind == SBTC_M_DADDR) {
			pp.any_address = false;
			static const uint8_t v6_loop[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
			if (!m->neg && ((m->family == 4 && m->plen >= 8 && m->addr[0] == 127) ||
					(m->family == 6 && m->plen == 128 && memcmp(m->addr, v6_loop, 16) == 0)))
				pp.loopback_only = true;
		}
	}
	if ((proto != 6 && proto != 17) || dport == NULL)
		return true; /* not a TCP or UDP port: nothing to list */
	pp.tcp = proto == 6;
	pp.to_known = r->to_has_addr;
	for (unsigned k = 0; k < dport->nports; k++) {
		for (unsigned port = dport->ports[k].lo; port <= dport->ports[k].hi; port++) {
			if (port == 0)
				continue;
			pp.port = port;
			pp.to_port = port;
			if (r->to_port_lo != 0) {
				unsigned off = port - dport->ports[k].lo;
				pp.to_port = r->to_port_hi > r->to_port_lo && r->to_port_lo + off <= r->to_port_hi
						     ? r->to_port_lo + off
						     : r->to_port_lo;
			}
			if (r->to_has_addr) {
				memcpy(pp.to_addr, r->to_addr, 16);
				char a[INET6_ADDRSTRLEN] = "?";
				inet_ntop(pp.family == 4 ? AF_INET : AF_INET6, r->to_addr, a, sizeof a);
				snprintf(pp.to, sizeof pp.to, pp.family == 4 ? "%s:%u" : "[%s]:%u", a, pp.to_port);
			} else {
				snprintf(pp.to, sizeof pp.to, "a container (nft does not show the address)");
			}
			if (!add_port(out, &pp))
				return false;
		}
	}
	return true;
}

/* Walks the chains reachable from a chain, collecting DNAT rules in order. */
static bool collect(const sbtc_table *t, size_t ci, bool *seen, sbtc_published *out,
		    const sbtc_rule **dnats, size_t *ndnat, size_t maxdnat)
{
	if (seen[ci])
		return true;
	seen[ci] = true;
	const sbtc_chain *c = &t->c[ci];
	for (size_t i = 0; i < c->n; i++) {
		const sbtc_rule *r = &c->r[i];
		if (r->verdict == SBTC_V_DNAT) {
			out->nat_found = true;
			if (*ndnat == maxdnat)
				return false;
			dnats[(*ndnat)++] = r;
		} else if (r->verdict == SBTC_V_JUMP || r->verdict == SBTC_V_GOTO) {
			for (size_t k = 0; k < t->n; k++)
				if (strcmp(t->c[k].name, r->target) == 0 && !collect(t, k, seen, out, dnats, ndnat, maxdnat))
					return false;
		}
	}
	return true;
}

static bool literal_iface(const sbtc_match *m)
{
	size_t l = strlen(m->iface);
	return (m->kind == SBTC_M_IIF || m->kind == SBTC_M_OIF) && l > 0 && m->iface[l - 1] != '+' &&
	       m->iface[l - 1] != '*';
}

static void name_add(char ***names, size_t *n, const char *name)
{
	for (size_t j = 0; j < *n; j++)
		if (strcmp((*names)[j], name) == 0)
			return;
	*names = sbtc_xrealloc(*names, (*n + 1) * sizeof **names);
	(*names)[(*n)++] = sbtc_xstrdup(name);
}

/* Docker's bridges, as its rules name them: the interfaces its nat rules exempt
 * ("-i br-X -j RETURN" before the DNAT rules, "! -i br-X" on them, with the userland
 * proxy on), and any interface a rule matches as both the way in and the way out
 * ("! -i br-X -o br-X", "-i br-X -o br-X": traffic that leaves by the interface it came
 * in on, which only a bridge carries; Docker writes these with the proxy on or off). */
static void bridges_of(const sbtc_ruleset *rs, char ***names, size_t *n)
{
	*names = NULL;
	*n = 0;
	for (size_t ti = 0; ti < rs->n; ti++) {
		const sbtc_table *t = &rs->t[ti];
		for (size_t ci = 0; ci < t->n; ci++) {
			const sbtc_chain *c = &t->c[ci];
			bool has_dnat = false;
			for (size_t i = 0; i < c->n && !has_dnat; i++)
				has_dnat = c->r[i].verdict == SBTC_V_DNAT;
			for (size_t i = 0; i < c->n; i++) {
				const sbtc_rule *r = &c->r[i];
				for (size_t k = 0; k < r->nm; k++) {
					const sbtc_match *m = &r->m[k];
					if (!literal_iface(m))
						continue;
					if (m->kind == SBTC_M_IIF && has_dnat &&
					    ((r->verdict == SBTC_V_RETURN && !m->neg) || (r->verdict == SBTC_V_DNAT && m->neg)))
						name_add(names, n, m->iface);
					for (size_t j = 0; j < r->nm && m->kind == SBTC_M_IIF; j++)
						if (r->m[j].kind == SBTC_M_OIF && literal_iface(&r->m[j]) &&
						    strcmp(r->m[j].iface, m->iface) == 0)
							name_add(names, n, m->iface);
				}
			}
		}
	}
}

void sbtc_ifaces_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* The bridge the container's address is reached through: the -o of a filter rule for
 * exactly that address (Docker's "-d 172.18.0.2/32 ! -i br-X -o br-X ... -j ACCEPT"). */
static const char *bridge_for(const sbtc_ruleset *rs, int family, const uint8_t *addr)
{
	unsigned full = family == 4 ? 32 : 128;
	for (size_t ti = 0; ti < rs->n; ti++) {
		const sbtc_table *t = &rs->t[ti];
		if (!family_applies(t->family, family) || strcmp(t->name, "nat") == 0)
			continue;
		for (size_t ci = 0; ci < t->n; ci++)
			for (size_t i = 0; i < t->c[ci].n; i++) {
				const sbtc_rule *r = &t->c[ci].r[i];
				const char *oif = NULL;
				bool daddr = false;
				for (size_t k = 0; k < r->nm; k++) {
					const sbtc_match *m = &r->m[k];
					size_t l = strlen(m->iface);
					if (m->kind == SBTC_M_OIF && !m->neg && l > 0 && m->iface[l - 1] != '+' &&
					    m->iface[l - 1] != '*')
						oif = m->iface;
					if (m->kind == SBTC_M_DADDR && !m->neg && m->family == family && m->plen == full &&
					    memcmp(m->addr, addr, family == 4 ? 4 : 16) == 0)
						daddr = true;
				}
				if (oif != NULL && daddr)
					return oif;
			}
	}
	return NULL;
}

int sbtc_published_judge(const sbtc_ruleset *rs, const sbtc_ifaces *outside, sbtc_published *out, char *err,
			 size_t errlen)
{
	memset(out, 0, sizeof *out);
	size_t maxdnat = MAX_PUBLISHED, ndnat = 0;
	const sbtc_rule **dnats = sbtc_xmalloc(maxdnat * sizeof *dnats);
	const sbtc_table **dtab = sbtc_xmalloc(maxdnat * sizeof *dtab);
	/* sbtc_ifaces_free frees the names themselves */
	for (size_t ti = 0; ti < rs->n; ti++) {
		const sbtc_table *t = &rs->t[ti];
		bool *seen = sbtc_xcalloc(t->n ? t->n : 1, sizeof *seen);
		size_t before = ndnat;
		bool ok = true;
		for (size_t ci = 0; ci < t->n && ok; ci++)
			if (strcmp(t->c[ci].hook, "prerouting") == 0)
				ok = collect(t, ci, seen, out, dnats, &ndnat, maxdnat);
		free(seen);
		for (size_t k = before; k < ndnat; k++)
			dtab[k] = t;
		if (!ok) {
			snprintf(err, errlen, "more than %d DNAT rules reachable from prerouting", MAX_PUBLISHED);
			free(dnats);
			free(dtab);
			return -1;
		}
	}
	for (size_t k = 0; k < ndnat; k++)
		if (!dnat_ports(dtab[k], dnats[k], out)) {
			snprintf(err, errlen, "more than %d published ports", MAX_PUBLISHED);
			free(dnats);
			free(dtab);
			sbtc_published_free(out);
			return -1;
		}
	char **bridges;
	size_t nbridges;
	bridges_of(rs, &bridges, &nbridges);
	long budget = WALK_BUDGET;
	for (size_t i = 0; i < out->n; i++) {
		sbtc_published_port *pp = &out->v[i];
		if (pp->loopback_only) {
			snprintf(pp->how, sizeof pp->how, "published on loopback only");
			continue;
		}
		packet p;
		memset(&p, 0, sizeof p);
		p.family = pp->family;
		p.proto = pp->tcp ? 6 : 17;
		p.dport = pp->to_port;
		p.orig_dport = pp->port;
		p.bridges = bridges;
		p.nbridges = nbridges;
		p.daddr_known = pp->to_known;
		memcpy(p.daddr, pp->to_addr, 16);
		p.oif = p.daddr_known ? bridge_for(rs, pp->family, p.daddr) : NULL;
		size_t nif = outside != NULL && outside->n > 0 ? outside->n : 1;
		char first_how[200] = "";
		for (size_t f = 0; f < nif && !pp->exposed; f++) {
			p.iif = outside != NULL && outside->n > 0 ? outside->names[f] : NULL;
			char how[200];
			bool und = false;
			bool acc = forward_accepts(rs, &p, &budget, how, sizeof how, &und);
			if (f == 0)
				snprintf(first_how, sizeof first_how, "%s", how);
			if (acc) {
				pp->exposed = true;
				pp->undecided = und;
				snprintf(pp->how, sizeof pp->how, "%s", how);
			}
		}
		if (!pp->exposed)
			snprintf(pp->how, sizeof pp->how, "%s", first_how);
	}
	sbtc_ifaces_free(bridges, nbridges);
	free(dnats);
	free(dtab);
	return 0;
}

const sbtc_published_port *sbtc_published_find(const sbtc_published *p, int family, bool tcp, unsigned port)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].family == family && p->v[i].tcp == tcp && p->v[i].port == port && p->v[i].any_address)
			return &p->v[i];
	return NULL;
}

void sbtc_published_free(sbtc_published *p)
{
	free(p->v);
	memset(p, 0, sizeof *p);
}

/* ---- the live host ---- */

/* The interfaces of this network namespace with the index of their master (the bridge a
 * port belongs to), from the kernel by rtnetlink: /sys/class/net shows the namespace that
 * mounted it, which is not ours after a bare setns (nsenter --net). */
typedef struct {
	char name[IFNAMSIZ];
	int index, master;
	bool loopback;
} link_info;

static int read_links(link_info **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -1;
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req;
	memset(&req, 0, sizeof req);
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof req.ifi);
	req.nh.nlmsg_type = RTM_GETLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = 1;
	req.ifi.ifi_family = AF_UNSPEC;
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
		close(fd);
		return -1;
	}
	static char buf[32768];
	bool done = false;
	int rc = 0;
	while (!done) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		if (poll(&pfd, 1, 2000) <= 0) {
			rc = -1;
			break;
		}
		ssize_t len = recv(fd, buf, sizeof buf, 0);
		if (len < 0 && errno == EINTR)
			continue;
		if (len <= 0) {
			rc = -1;
			break;
		}
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)len); nh = NLMSG_NEXT(nh, len)) {
			if (nh->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
			if (nh->nlmsg_type == NLMSG_ERROR) {
				rc = -1;
				done = true;
				break;
			}
			if (nh->nlmsg_type != RTM_NEWLINK || nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)))
				continue;
			struct ifinfomsg *ifi = NLMSG_DATA(nh);
			link_info li;
			memset(&li, 0, sizeof li);
			li.index = ifi->ifi_index;
			li.loopback = (ifi->ifi_flags & IFF_LOOPBACK) != 0;
			int alen = (int)(nh->nlmsg_len - NLMSG_LENGTH(sizeof *ifi));
			for (struct rtattr *rta = IFLA_RTA(ifi); RTA_OK(rta, alen); rta = RTA_NEXT(rta, alen)) {
				size_t plen = RTA_PAYLOAD(rta);
				if (rta->rta_type == IFLA_IFNAME && plen > 0) {
					size_t l = strnlen(RTA_DATA(rta), plen);
					if (l >= sizeof li.name)
						l = sizeof li.name - 1;
					memcpy(li.name, RTA_DATA(rta), l);
					li.name[l] = '\0';
				} else if (rta->rta_type == IFLA_MASTER && plen >= sizeof(int)) {
					memcpy(&li.master, RTA_DATA(rta), sizeof(int));
				}
			}
			if (li.name[0] == '\0')
				continue;
			*out = sbtc_xrealloc(*out, (*n + 1) * sizeof **out);
			(*out)[(*n)++] = li;
		}
	}
	close(fd);
	if (rc != 0) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

void sbtc_published_outside_of(const sbtc_ruleset *rs, const sbtc_link *links, size_t nlinks, char ***names,
			       size_t *n)
{
	*names = NULL;
	*n = 0;
	char **bridges;
	size_t nbridges;
	bridges_of(rs, &bridges, &nbridges);
	for (size_t i = 0; i < nlinks; i++) {
		const sbtc_link *l = &links[i];
		if (l->loopback)
			continue;
		bool docker = false;
		for (size_t k = 0; k < nbridges && !docker; k++)
			docker = strcmp(bridges[k], l->name) == 0 || strcmp(bridges[k], l->master) == 0;
		if (!docker)
			name_add(names, n, l->name);
	}
	sbtc_ifaces_free(bridges, nbridges);
}

void sbtc_published_outside(const sbtc_ruleset *rs, char ***names, size_t *n)
{
	*names = NULL;
	*n = 0;
	link_info *links;
	size_t nlinks;
	if (read_links(&links, &nlinks) != 0)
		return; /* not known by name: an interface none of Docker's bridges is assumed */
	sbtc_link *l = sbtc_xcalloc(nlinks ? nlinks : 1, sizeof *l);
	for (size_t i = 0; i < nlinks; i++) {
		sbtc_strlcpy(l[i].name, links[i].name, sizeof l[i].name);
		l[i].loopback = links[i].loopback;
		for (size_t k = 0; k < nlinks && links[i].master != 0; k++)
			if (links[k].index == links[i].master)
				sbtc_strlcpy(l[i].master, links[k].name, sizeof l[i].master);
	}
	sbtc_published_outside_of(rs, l, nlinks, names, n);
	free(l);
	free(links);
}

/* Runs an iptables-save variant ("iptables-save", "ip6tables-legacy-save") and adds its
 * tables to rs. A tool that is not installed adds nothing. */
static int add_save(sbtc_ruleset *rs, const char *given, const char *name, bool ipv6, bool *ran, char *err,
		    size_t errlen)
{
	*ran = false;
	char *path = given ? sbtc_xstrdup(given) : sbtc_fw_find_tool(name);
	if (path == NULL)
		return 0;
	char *text;
	size_t len;
	char *const argv[] = {(char *)name, NULL};
	int rc = sbtc_fw_run_tool(path, argv, &text, &len, err, errlen);
	free(path);
	if (rc != 0)
		return -1;
	rc = sbtc_ruleset_parse_iptables(text, len, ipv6, strstr(name, "legacy") ? "iptables-legacy-save" : "iptables-save",
					 rs, err, errlen);
	free(text);
	*ran = rc == 0;
	return rc;
}

/* Whether the legacy ip_tables module holds any table (it lists them in procfs). */
static bool legacy_tables(void)
{
	static const char *const files[] = {"/proc/net/ip_tables_names", "/proc/net/ip6_tables_names"};
	for (size_t i = 0; i < 2; i++) {
		FILE *f = fopen(files[i], "r");
		if (f == NULL)
			continue;
		int c = fgetc(f);
		fclose(f);
		if (c != EOF)
			return true;
	}
	return false;
}

int sbtc_published_read(const sbtc_fw_tools *tools, sbtc_published *out, char *err, size_t errlen)
{
	sbtc_ruleset rs;
	memset(&rs, 0, sizeof rs);
	memset(out, 0, sizeof *out);
	char source[80] = "";
	char *nft = tools->nft ? sbtc_xstrdup(tools->nft) : sbtc_fw_find_tool("nft");
	bool ran;
	if (nft != NULL && (tools->nft != NULL || tools->iptables_save == NULL)) {
		char *const argv[] = {"nft", "-j", "list", "ruleset", NULL};
		char *text;
		size_t len;
		int rc = sbtc_fw_run_tool(nft, argv, &text, &len, err, errlen);
		free(nft);
		if (rc != 0)
			return -1;
		rc = sbtc_ruleset_parse_nft(text, len, &rs, err, errlen);
		free(text);
		if (rc != 0)
			return -1;
		snprintf(source, sizeof source, "nft");
		/* Tables iptables-nft manages show its matches as opaque xt expressions:
		 * iptables-save prints them in words. */
		for (int v6 = 0; v6 < 2; v6++) {
			const char *fam = v6 ? "ip6" : "ip";
			bool opaque = false;
			for (size_t i = 0; i < rs.n; i++)
				opaque = opaque || (rs.t[i].opaque && strcmp(rs.t[i].family, fam) == 0);
			if (!opaque)
				continue;
			sbtc_ruleset saved;
			memset(&saved, 0, sizeof saved);
			if (add_save(&saved, v6 ? tools->ip6tables_save : tools->iptables_save,
				     v6 ? "ip6tables-save" : "iptables-save", v6, &ran, err, errlen) != 0) {
				sbtc_ruleset_free(&rs);
				sbtc_ruleset_free(&saved);
				return -1;
			}
			sbtc_ruleset_replace(&rs, &saved);
			if (ran && strstr(source, "iptables-save") == NULL)
				sbtc_strlcpy(source, "nft and iptables-save", sizeof source);
		}
	} else {
		free(nft);
		if (add_save(&rs, tools->iptables_save, "iptables-save", false, &ran, err, errlen) != 0 ||
		    add_save(&rs, tools->ip6tables_save, "ip6tables-save", true, &ran, err, errlen) != 0) {
			sbtc_ruleset_free(&rs);
			return -1;
		}
		snprintf(source, sizeof source, "iptables-save");
	}
	char **names;
	size_t n;
	sbtc_published_outside(&rs, &names, &n);
	sbtc_ifaces ifs = {(const char *const *)names, n};
	int rc = sbtc_published_judge(&rs, &ifs, out, err, errlen);
	if (rc == 0 && !out->nat_found && legacy_tables()) {
		/* Docker on iptables-legacy: its rules live where nft does not look. */
		sbtc_published_free(out);
		bool ran6 = false;
		if (add_save(&rs, NULL, "iptables-legacy-save", false, &ran, err, errlen) != 0 ||
		    add_save(&rs, NULL, "ip6tables-legacy-save", true, &ran6, err, errlen) != 0) {
			sbtc_ruleset_free(&rs);
			sbtc_ifaces_free(names, n);
			return -1;
		}
		size_t l = strlen(source);
		if (ran || ran6)
			snprintf(source + l, sizeof source - l, " and iptables-legacy-save");
		sbtc_ifaces_free(names, n);
		sbtc_published_outside(&rs, &names, &n);
		ifs.names = (const char *const *)names;
		ifs.n = n;
		rc = sbtc_published_judge(&rs, &ifs, out, err, errlen);
	}
	sbtc_ifaces_free(names, n);
	sbtc_ruleset_free(&rs);
	if (rc == 0)
		sbtc_strlcpy(out->source, source, sizeof out->source);
	return rc;
}
