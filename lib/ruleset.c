/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ruleset.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <json-c/json.h>

#include "firewall.h"
#include "json_field.h"
#include "strbuf.h"

#define MAX_TOKENS 256
#define MAX_CHAINS_PER_TABLE 20000

/* ---- the model ---- */

static sbtc_table *table_add(sbtc_ruleset *rs, const char *family, const char *name, const char *source)
{
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 8;
		rs->t = sbtc_xrealloc(rs->t, rs->cap * sizeof *rs->t);
	}
	sbtc_table *t = &rs->t[rs->n++];
	memset(t, 0, sizeof *t);
	sbtc_strlcpy(t->family, family, sizeof t->family);
	sbtc_strlcpy(t->name, name, sizeof t->name);
	sbtc_strlcpy(t->source, source, sizeof t->source);
	return t;
}

sbtc_table *sbtc_ruleset_table(sbtc_ruleset *rs, const char *family, const char *name)
{
	for (size_t i = 0; i < rs->n; i++)
		if (strcmp(rs->t[i].family, family) == 0 && strcmp(rs->t[i].name, name) == 0)
			return &rs->t[i];
	return NULL;
}

sbtc_chain *sbtc_table_chain(sbtc_table *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->c[i].name, name) == 0)
			return &t->c[i];
	return NULL;
}

static sbtc_chain *chain_add(sbtc_table *t, const char *name)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 8;
		t->c = sbtc_xrealloc(t->c, t->cap * sizeof *t->c);
	}
	sbtc_chain *c = &t->c[t->n++];
	memset(c, 0, sizeof *c);
	sbtc_strlcpy(c->name, name, sizeof c->name);
	return c;
}

static sbtc_rule *rule_add(sbtc_chain *c)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 8;
		c->r = sbtc_xrealloc(c->r, c->cap * sizeof *c->r);
	}
	sbtc_rule *r = &c->r[c->n++];
	memset(r, 0, sizeof *r);
	return r;
}

static sbtc_match *match_add(sbtc_rule *r, sbtc_match_kind kind, bool neg)
{
	r->m = sbtc_xrealloc(r->m, (r->nm + 1) * sizeof *r->m);
	sbtc_match *m = &r->m[r->nm++];
	memset(m, 0, sizeof *m);
	m->kind = kind;
	m->neg = neg;
	return m;
}

static void unknown_add(sbtc_rule *r, bool neg, const char *what)
{
	sbtc_match *m = match_add(r, SBTC_M_UNKNOWN, neg);
	sbtc_strlcpy(m->what, what, sizeof m->what);
}

static void table_free(sbtc_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		for (size_t k = 0; k < t->c[i].n; k++)
			free(t->c[i].r[k].m);
		free(t->c[i].r);
	}
	free(t->c);
	memset(t, 0, sizeof *t);
}

/* A parser that failed takes back the tables it added (from first_new on). */
static void rollback(sbtc_ruleset *rs, size_t first_new)
{
	while (rs->n > first_new) {
		sbtc_table *x = &rs->t[--rs->n];
		for (size_t c = 0; c < x->n; c++)
			rs->rules -= x->c[c].n;
		table_free(x);
	}
	if (rs->n == 0) {
		free(rs->t);
		rs->t = NULL;
		rs->cap = 0;
	}
}

void sbtc_ruleset_drop_tables(sbtc_ruleset *rs, const char *family, const char *name, const char *source)
{
	size_t k = 0;
	for (size_t i = 0; i < rs->n; i++) {
		if (strcmp(rs->t[i].family, family) == 0 && strcmp(rs->t[i].source, source) == 0 &&
		    (name == NULL || strcmp(rs->t[i].name, name) == 0)) {
			for (size_t c = 0; c < rs->t[i].n; c++)
				rs->rules -= rs->t[i].c[c].n;
			table_free(&rs->t[i]);
			continue;
		}
		rs->t[k++] = rs->t[i];
	}
	rs->n = k;
}

void sbtc_ruleset_take(sbtc_ruleset *rs, sbtc_ruleset *from)
{
	for (size_t i = 0; i < from->n; i++) {
		sbtc_table *t = table_add(rs, "", "", "");
		*t = from->t[i];
	}
	rs->rules += from->rules;
	free(from->t);
	memset(from, 0, sizeof *from);
}

void sbtc_ruleset_replace(sbtc_ruleset *rs, sbtc_ruleset *saved)
{
	for (size_t i = 0; i < saved->n; i++)
		sbtc_ruleset_drop_tables(rs, saved->t[i].family, saved->t[i].name, "nft");
	sbtc_ruleset_take(rs, saved);
}

void sbtc_ruleset_free(sbtc_ruleset *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		table_free(&rs->t[i]);
	free(rs->t);
	memset(rs, 0, sizeof *rs);
}

/* ---- values shared by both readers ---- */

static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	if (!isdigit((unsigned char)s[0]))
		return false;
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (*end != '\0' || errno != 0 || v > max)
		return false;
	*out = v;
	return true;
}

/* "9184", "9000:9010" (iptables) or "9000-9010". */
static bool parse_port_range(const char *s, sbtc_port_range *r)
{
	char buf[32];
	if (strlen(s) >= sizeof buf)
		return false;
	sbtc_strlcpy(buf, s, sizeof buf);
	char *sep = strpbrk(buf, ":-");
	unsigned long lo, hi;
	if (sep != NULL)
		*sep = '\0';
	if (!parse_uint(buf, 65535, &lo))
		return false;
	hi = lo;
	if (sep != NULL && !parse_uint(sep + 1, 65535, &hi))
		return false;
	if (hi < lo)
		return false;
	r->lo = (uint16_t)lo;
	r->hi = (uint16_t)hi;
	return true;
}

/* "9184", "22,4122,9000:9010". */
static bool parse_port_list(const char *s, sbtc_match *m)
{
	char buf[256];
	if (strlen(s) >= sizeof buf)
		return false;
	sbtc_strlcpy(buf, s, sizeof buf);
	char *save = NULL;
	for (char *tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (m->nports == SBTC_RS_PORTS || !parse_port_range(tok, &m->ports[m->nports]))
			return false;
		m->nports++;
	}
	return m->nports > 0;
}

/* "172.18.0.2", "172.18.0.0/16", "10.0.0.0/255.0.0.0", "::1/128". family 4 or 6, or 0 to
 * take whichever the text is. */
static bool parse_prefix(const char *s, int family, sbtc_match *m)
{
	char buf[128];
	if (strlen(s) >= sizeof buf)
		return false;
	sbtc_strlcpy(buf, s, sizeof buf);
	char *slash = strchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';
	uint8_t a[16] = {0};
	int fam;
	if (inet_pton(AF_INET, buf, a) == 1)
		fam = 4;
	else if (inet_pton(AF_INET6, buf, a) == 1)
		fam = 6;
	else
		return false;
	if (family != 0 && fam != family)
		return false;
	unsigned bits = fam == 4 ? 32 : 128;
	unsigned long plen = bits;
	if (slash != NULL) {
		uint8_t mask[16];
		if (parse_uint(slash + 1, bits, &plen)) {
			/* a prefix length */
		} else if (fam == 4 && inet_pton(AF_INET, slash + 1, mask) == 1) {
			uint32_t v = ((uint32_t)mask[0] << 24) | ((uint32_t)mask[1] << 16) | ((uint32_t)mask[2] << 8) | mask[3];
			plen = 0;
			while (plen < 32 && (v & (0x80000000u >> plen)))
				plen++;
			if (plen < 32 && (v << plen) != 0)
				return false; /* not contiguous */
		} else {
			return false;
		}
	}
	m->family = fam;
	memcpy(m->addr, a, 16);
	m->plen = (unsigned)plen;
	return true;
}

static unsigned proto_number(const char *s)
{
	unsigned long v;
	if (parse_uint(s, 255, &v))
		return (unsigned)v;
	if (strcasecmp(s, "tcp") == 0)
		return 6;
	if (strcasecmp(s, "udp") == 0)
		return 17;
	if (strcasecmp(s, "icmp") == 0)
		return 1;
	if (strcasecmp(s, "icmpv6") == 0 || strcasecmp(s, "ipv6-icmp") == 0)
		return 58;
	if (strcasecmp(s, "sctp") == 0)
		return 132;
	if (strcasecmp(s, "all") == 0)
		return 0;
	return 256; /* not known: never equal to a packet's */
}

static unsigned state_bit(const char *s)
{
	static const struct {
		const char *name;
		unsigned bit;
	} t[] = {{"new", SBTC_CT_NEW},	       {"established", SBTC_CT_ESTABLISHED},
		 {"related", SBTC_CT_RELATED}, {"invalid", SBTC_CT_INVALID},
		 {"untracked", SBTC_CT_UNTRACKED}, {"dnat", SBTC_CT_DNAT},
		 {"snat", SBTC_CT_SNAT}};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (strcasecmp(s, t[i].name) == 0)
			return t[i].bit;
	return 0;
}

/* "NEW,RELATED"; false when a state is not known. */
static bool parse_states(const char *s, unsigned *out)
{
	char buf[128];
	if (strlen(s) >= sizeof buf)
		return false;
	sbtc_strlcpy(buf, s, sizeof buf);
	char *save = NULL;
	*out = 0;
	for (char *tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		unsigned b = state_bit(tok);
		if (b == 0)
			return false;
		*out |= b;
	}
	return *out != 0;
}

/* "172.18.0.2:9184", "172.18.0.2:9000-9010", "[fd00::2]:9184", "172.18.0.2". */
static bool parse_to_destination(const char *s, int family, sbtc_rule *r)
{
	char buf[128];
	if (strlen(s) >= sizeof buf)
		return false;
	sbtc_strlcpy(buf, s, sizeof buf);
	char *addr = buf, *port = NULL;
	if (buf[0] == '[') {
		char *close = strchr(buf, ']');
		if (close == NULL)
			return false;
		*close = '\0';
		addr = buf + 1;
		if (close[1] == ':')
			port = close + 2;
		else if (close[1] != '\0')
			return false;
	} else if (family == 4) {
		port = strchr(buf, ':');
		if (port != NULL)
			*port++ = '\0';
	}
	if (addr[0] != '\0') {
		if (inet_pton(family == 4 ? AF_INET : AF_INET6, addr, r->to_addr) != 1)
			return false;
		r->to_has_addr = true;
	}
	r->to_family = family;
	if (port != NULL) {
		sbtc_port_range pr;
		if (!parse_port_range(port, &pr))
			return false;
		r->to_port_lo = pr.lo;
		r->to_port_hi = pr.hi;
	}
	return true;
}

static bool builtin_target(const char *t, sbtc_rule *r)
{
	static const char *const no_verdict[] = {"LOG", "NFLOG", "ULOG", "MARK", "CONNMARK", "TRACE", "CT",
						 "NOTRACK", "TCPMSS", "DSCP", "TOS", "CLASSIFY", "AUDIT",
						 "CHECKSUM", "TTL", "HL", "SECMARK", "CONNSECMARK", "TEE"};
	if (strcmp(t, "ACCEPT") == 0)
		r->verdict = SBTC_V_ACCEPT;
	else if (strcmp(t, "DROP") == 0 || strcmp(t, "REJECT") == 0)
		r->verdict = SBTC_V_DROP;
	else if (strcmp(t, "RETURN") == 0)
		r->verdict = SBTC_V_RETURN;
	else if (strcmp(t, "DNAT") == 0)
		r->verdict = SBTC_V_DNAT;
	else if (strcmp(t, "SNAT") == 0 || strcmp(t, "MASQUERADE") == 0 || strcmp(t, "REDIRECT") == 0)
		r->verdict = SBTC_V_ACCEPT; /* nat tables only; ends the chain */
	else {
		for (size_t i = 0; i < sizeof no_verdict / sizeof no_verdict[0]; i++)
			if (strcmp(t, no_verdict[i]) == 0) {
				r->verdict = SBTC_V_CONTINUE;
				return true;
			}
		return false;
	}
	return true;
}

/* ---- iptables-save ---- */

/* Splits a rule line into tokens; "..." quoting as iptables-save writes comments. Returns
 * the count, or -1 when there are too many or a quote is not closed. */
static int tokenize(char *s, char **tok)
{
	int n = 0;
	while (*s) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0')
			break;
		if (n == MAX_TOKENS)
			return -1;
		if (*s == '"') {
			char *w = ++s;
			tok[n++] = w;
			while (*s && *s != '"') {
				if (*s == '\\' && s[1] != '\0')
					s++;
				*w++ = *s++;
			}
			if (*s != '"')
				return -1;
			s++;
			*w = '\0';
			continue;
		}
		tok[n++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		if (*s)
			*s++ = '\0';
	}
	return n;
}

/* One "-A CHAIN ..." line into a rule of chain (looked up by its name). */
static int iptables_rule(sbtc_table *t, char *line, int family, const char *where, char *err, size_t errlen)
{
	char *tok[MAX_TOKENS];
	int n = tokenize(line, tok);
	if (n < 2) {
		snprintf(err, errlen, "%s: %s", where, n < 0 ? "more than 256 words or an unclosed quote" : "no chain");
		return -1;
	}
	sbtc_chain *c = sbtc_table_chain(t, tok[1]);
	if (c == NULL) {
		snprintf(err, errlen, "%s: rule for chain '%.60s', not declared", where, tok[1]);
		return -1;
	}
	sbtc_rule *r = rule_add(c);
	bool neg = false, have_target = false;
	unsigned proto = 0;
	const char *module = "";
	for (int i = 2; i < n; i++) {
		const char *o = tok[i];
		const char *v = i + 1 < n ? tok[i + 1] : NULL;
		if (strcmp(o, "!") == 0) {
			neg = true;
			continue;
		}
		bool takes = true;
		sbtc_match *m = NULL;
		if (strcmp(o, "-p") == 0 || strcmp(o, "--protocol") == 0) {
			if (v == NULL)
				goto missing;
			m = match_add(r, SBTC_M_PROTO, neg);
			m->proto = proto_number(v);
			if (!neg)
				proto = m->proto;
		} else if (strcmp(o, "-s") == 0 || strcmp(o, "-d") == 0 || strcmp(o, "--source") == 0 ||
			   strcmp(o, "--destination") == 0 || strcmp(o, "--ctorigdst") == 0) {
			if (v == NULL)
				goto missing;
			sbtc_match_kind k = strcmp(o, "--ctorigdst") == 0 ? SBTC_M_CTORIGDST
					    : (o[1] == 's' || o[2] == 's') ? SBTC_M_SADDR
									  : SBTC_M_DADDR;
			m = match_add(r, k, neg);
			if (!parse_prefix(v, family, m)) {
				m->kind = SBTC_M_UNKNOWN;
				snprintf(m->what, sizeof m->what, "%s %.30s", o, v);
			}
		} else if (strcmp(o, "-i") == 0 || strcmp(o, "-o") == 0 || strcmp(o, "--in-interface") == 0 ||
			   strcmp(o, "--out-interface") == 0) {
			if (v == NULL)
				goto missing;
			m = match_add(r, o[1] == 'i' || o[2] == 'i' ? SBTC_M_IIF : SBTC_M_OIF, neg);
			sbtc_strlcpy(m->iface, v, sizeof m->iface);
		} else if (strcmp(o, "-m") == 0 || strcmp(o, "--match") == 0) {
			if (v == NULL)
				goto missing;
			module = v;
			static const char *const known[] = {"tcp",	 "udp",	    "multiport", "conntrack",
							    "state",	 "addrtype", "comment",	  "sctp"};
			bool ok = false;
			for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
				ok = ok || strcmp(v, known[k]) == 0;
			if (!ok) {
				char w[48];
				snprintf(w, sizeof w, "-m %.40s", v);
				unknown_add(r, false, w);
			}
		} else if (strcmp(o, "--dport") == 0 || strcmp(o, "--destination-port") == 0 ||
			   strcmp(o, "--sport") == 0 || strcmp(o, "--source-port") == 0 || strcmp(o, "--dports") == 0 ||
			   strcmp(o, "--destination-ports") == 0 || strcmp(o, "--sports") == 0 ||
			   strcmp(o, "--source-ports") == 0 || strcmp(o, "--ctorigdstport") == 0) {
			if (v == NULL)
				goto missing;
			bool orig = strcmp(o, "--ctorigdstport") == 0;
			bool dst = orig || strstr(o, "-d") != NULL || strstr(o, "destination") != NULL;
			m = match_add(r, orig ? SBTC_M_CTORIGDSTPORT : dst ? SBTC_M_DPORT : SBTC_M_SPORT, neg);
			m->proto = orig ? 0 : proto;
			if (!parse_port_list(v, m)) {
				m->kind = SBTC_M_UNKNOWN;
				snprintf(m->what, sizeof m->what, "%s %.30s", o, v);
			}
		} else if (strcmp(o, "--ctstate") == 0 || strcmp(o, "--state") == 0 || strcmp(o, "--ctstatus") == 0) {
			if (v == NULL)
				goto missing;
			m = match_add(r, SBTC_M_CTSTATE, neg);
			if (!parse_states(v, &m->states)) {
				m->kind = SBTC_M_UNKNOWN;
				snprintf(m->what, sizeof m->what, "%s %.30s", o, v);
			}
		} else if (strcmp(o, "--dst-type") == 0 || strcmp(o, "--src-type") == 0) {
			if (v == NULL)
				goto missing;
			if (strcmp(v, "LOCAL") == 0)
				match_add(r, o[2] == 'd' ? SBTC_M_DST_LOCAL : SBTC_M_SRC_LOCAL, neg);
			else {
				char w[48];
				snprintf(w, sizeof w, "%s %.30s", o, v);
				unknown_add(r, neg, w);
			}
		} else if (strcmp(o, "--comment") == 0) {
			if (v == NULL)
				goto missing;
		} else if (strcmp(o, "-j") == 0 || strcmp(o, "--jump") == 0 || strcmp(o, "-g") == 0 ||
			   strcmp(o, "--goto") == 0) {
			if (v == NULL)
				goto missing;
			have_target = true;
			bool go = strcmp(o, "-g") == 0 || strcmp(o, "--goto") == 0;
			if (!go && builtin_target(v, r)) {
				/* the target's own options follow */
				for (int k = i + 2; k + 1 < n; k++)
					if (strcmp(tok[k], "--to-destination") == 0 &&
					    !parse_to_destination(tok[k + 1], family, r)) {
						snprintf(err, errlen, "%s: bad --to-destination '%.60s'", where, tok[k + 1]);
						return -1;
					}
				break;
			}
			r->verdict = go ? SBTC_V_GOTO : SBTC_V_JUMP;
			sbtc_strlcpy(r->target, v, sizeof r->target);
			i++;
			neg = false;
			continue;
		} else if (o[0] == '-') {
			/* an option of a module this reader does not follow: its value, if any, goes too */
			char w[48];
			snprintf(w, sizeof w, "%s%.20s %.20s", neg ? "! " : "", o, module);
			unknown_add(r, false, w);
			/* its values: the words up to the next option */
			while (i + 1 < n && tok[i + 1][0] != '-' && strcmp(tok[i + 1], "!") != 0)
				i++;
			takes = false;
		} else {
			snprintf(err, errlen, "%s: unexpected word '%.40s'", where, o);
			return -1;
		}
		if (takes)
			i++;
		neg = false;
	}
	if (!have_target)
		r->verdict = SBTC_V_CONTINUE;
	return 0;
missing:
	snprintf(err, errlen, "%s: option %.30s has no value", where, tok[n - 1]);
	return -1;
}

static void set_hook(sbtc_chain *c, const char *table)
{
	static const struct {
		const char *chain, *hook;
	} hooks[] = {{"PREROUTING", "prerouting"}, {"INPUT", "input"}, {"FORWARD", "forward"},
		     {"OUTPUT", "output"}, {"POSTROUTING", "postrouting"}};
	for (size_t i = 0; i < sizeof hooks / sizeof hooks[0]; i++)
		if (strcmp(c->name, hooks[i].chain) == 0)
			sbtc_strlcpy(c->hook, hooks[i].hook, sizeof c->hook);
	/* the priorities iptables-nft gives its tables (NF_IP_PRI_*) */
	c->prio = strcmp(table, "raw") == 0 ? -300 : strcmp(table, "mangle") == 0 ? -150
		  : strcmp(table, "nat") == 0 ? (strcmp(c->name, "POSTROUTING") == 0 || strcmp(c->name, "INPUT") == 0 ? 100 : -100)
		  : strcmp(table, "security") == 0 ? 50 : 0;
}

int sbtc_ruleset_parse_iptables(const char *text, size_t len, bool ipv6, const char *source, sbtc_ruleset *rs,
				char *err, size_t errlen)
{
	const char *tool = ipv6 ? "ip6tables-save" : "iptables-save";
	const char *p = text, *end = text + len;
	unsigned lineno = 0, table_line = 0;
	sbtc_table *t = NULL;
	size_t first_new = rs->n;
	int family = ipv6 ? 6 : 4;
	const char *line;
	size_t n;
	while (sbtc_fw_save_line(&p, end, &lineno, &line, &n)) {
		char where[80];
		snprintf(where, sizeof where, "%s, line %u", tool, lineno);
		if (memchr(line, '\0', n) != NULL) {
			snprintf(err, errlen, "%s: a NUL byte", where);
			goto fail;
		}
		char *s = sbtc_xasprintf("%.*s", (int)n, line);
		int rc = 0;
		if (s[0] == '*') {
			if (t != NULL) {
				snprintf(err, errlen, "%s: table %s starts before COMMIT of table %s", where, s + 1, t->name);
				rc = -1;
			} else if (s[1] == '\0' || strlen(s + 1) >= sizeof t->name) {
				snprintf(err, errlen, "%s: bad table name", where);
				rc = -1;
			} else {
				t = table_add(rs, ipv6 ? "ip6" : "ip", s + 1, source);
				table_line = lineno;
			}
		} else if (strcmp(s, "COMMIT") == 0) {
			if (t == NULL) {
				snprintf(err, errlen, "%s: COMMIT outside a table", where);
				rc = -1;
			}
			t = NULL;
		} else if (t == NULL) {
			snprintf(err, errlen, "%s: not iptables-save format (outside a table)", where);
			rc = -1;
		} else if (s[0] == ':') {
			char name[128], policy[32];
			if (sscanf(s + 1, "%127s %31s", name, policy) != 2 || strlen(name) >= sizeof t->c[0].name) {
				snprintf(err, errlen, "%s: bad chain line", where);
				rc = -1;
			} else if (t->n >= MAX_CHAINS_PER_TABLE || sbtc_table_chain(t, name) != NULL) {
				snprintf(err, errlen, "%s: chain %s declared twice, or too many chains", where, name);
				rc = -1;
			} else {
				sbtc_chain *c = chain_add(t, name);
				if (strcmp(policy, "-") != 0) {
					set_hook(c, t->name);
					c->policy_drop = strcmp(policy, "DROP") == 0;
				}
			}
		} else if (s[0] == '-' && s[1] == 'A' && s[2] == ' ') {
			if (rs->rules >= SBTC_RS_MAX_RULES) {
				snprintf(err, errlen, "%s: more than %d rules", where, SBTC_RS_MAX_RULES);
				rc = -1;
			} else {
				rc = iptables_rule(t, s, family, where, err, errlen);
				rs->rules++;
			}
		} else {
			snprintf(err, errlen, "%s: not iptables-save format", where);
			rc = -1;
		}
		free(s);
		if (rc != 0)
			goto fail;
	}
	if (t != NULL) {
		snprintf(err, errlen, "%s, line %u: table %s has no COMMIT (output cut short?)", tool, table_line, t->name);
		goto fail;
	}
	return 0;
fail:
	rollback(rs, first_new);
	return -1;
}

/* ---- nft -j list ruleset ---- */

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;
	if (o == NULL || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static json_object *jobj(json_object *o, const char *key)
{
	json_object *v;
	if (o == NULL || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

/* The one key of a single-member object ({"accept": null}), or NULL. */
static const char *only_key(json_object *o, json_object **val)
{
	if (o == NULL || !json_object_is_type(o, json_type_object) || json_object_object_length(o) != 1)
		return NULL;
	json_object_object_foreach(o, k, v) {
		*val = v;
		return k;
	}
	return NULL;
}

/* A port value: a number, "9184", {"range": [a, b]}. */
static bool nft_port(json_object *v, sbtc_port_range *r)
{
	if (json_object_is_type(v, json_type_int)) {
		int64_t x = json_object_get_int64(v);
		if (x < 0 || x > 65535)
			return false;
		r->lo = r->hi = (uint16_t)x;
		return true;
	}
	if (json_object_is_type(v, json_type_string))
		return parse_port_range(json_object_get_string(v), r);
	json_object *range = jobj(v, "range");
	if (range != NULL && json_object_is_type(range, json_type_array) && json_object_array_length(range) == 2) {
		sbtc_port_range a, b;
		if (!nft_port(json_object_array_get_idx(range, 0), &a) || !nft_port(json_object_array_get_idx(range, 1), &b) ||
		    b.hi < a.lo)
			return false;
		r->lo = a.lo;
		r->hi = b.hi;
		return true;
	}
	return false;
}

/* The right side as port ranges: a value, a range or an anonymous set of them. op may
 * be a comparison, which becomes a range. */
static bool nft_ports(json_object *right, const char *op, sbtc_match *m)
{
	json_object *set = jobj(right, "set");
	if (set != NULL && json_object_is_type(set, json_type_array)) {
		size_t n = json_object_array_length(set);
		for (size_t i = 0; i < n; i++) {
			if (m->nports == SBTC_RS_PORTS || !nft_port(json_object_array_get_idx(set, i), &m->ports[m->nports]))
				return false;
			m->nports++;
		}
		return m->nports > 0;
	}
	sbtc_port_range r;
	if (!nft_port(right, &r))
		return false;
	if (strcmp(op, "<") == 0 || strcmp(op, "<=") == 0) {
		if (op[1] == '\0' && r.lo == 0)
			return false;
		r.hi = op[1] == '\0' ? (uint16_t)(r.lo - 1) : r.lo;
		r.lo = 0;
	} else if (strcmp(op, ">") == 0 || strcmp(op, ">=") == 0) {
		if (op[1] == '\0' && r.hi == 65535)
			return false;
		r.lo = op[1] == '\0' ? (uint16_t)(r.hi + 1) : r.hi;
		r.hi = 65535;
	} else if (strcmp(op, "==") != 0 && strcmp(op, "!=") != 0 && strcmp(op, "in") != 0) {
		return false;
	}
	m->ports[m->nports++] = r;
	return true;
}

static bool nft_addr(json_object *right, int family, sbtc_match *m)
{
	json_object *pfx = jobj(right, "prefix");
	if (pfx != NULL) {
		const char *a = jstr(pfx, "addr");
		json_object *l = jobj(pfx, "len");
		if (a == NULL || l == NULL || !json_object_is_type(l, json_type_int))
			return false;
		char buf[80];
		snprintf(buf, sizeof buf, "%s/%d", a, json_object_get_int(l));
		return parse_prefix(buf, family, m);
	}
	if (json_object_is_type(right, json_type_string))
		return parse_prefix(json_object_get_string(right), family, m);
	return false;
}

/* ct state: "established", ["established", "related"], {"set": [...]}. */
static bool nft_states(json_object *right, unsigned *out)
{
	*out = 0;
	if (json_object_is_type(right, json_type_string))
		return (*out = state_bit(json_object_get_string(right))) != 0;
	json_object *arr = jobj(right, "set");
	if (arr == NULL)
		arr = right;
	if (!json_object_is_type(arr, json_type_array))
		return false;
	size_t n = json_object_array_length(arr);
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(e, json_type_string))
			return false;
		unsigned b = state_bit(json_object_get_string(e));
		if (b == 0)
			return false;
		*out |= b;
	}
	return *out != 0;
}

/* One {"match": {...}} into the rule. Anything not understood becomes UNKNOWN. */
static void nft_match(sbtc_rule *r, json_object *mt, const char *tfamily)
{
	const char *op = jstr(mt, "op");
	json_object *left = jobj(mt, "left"), *right = jobj(mt, "right");
	json_object *pl = jobj(left, "payload"), *meta = jobj(left, "meta"), *ct = jobj(left, "ct");
	if (op == NULL)
		op = "==";
	bool neg = strcmp(op, "!=") == 0;
	bool eq = neg || strcmp(op, "==") == 0 || strcmp(op, "in") == 0;
	sbtc_match *m = NULL;
	char what[48] = "";
	if (pl != NULL) {
		const char *proto = jstr(pl, "protocol"), *field = jstr(pl, "field");
		if (proto == NULL || field == NULL) {
			snprintf(what, sizeof what, "payload");
		} else if ((strcmp(proto, "tcp") == 0 || strcmp(proto, "udp") == 0 || strcmp(proto, "th") == 0) &&
			   (strcmp(field, "dport") == 0 || strcmp(field, "sport") == 0)) {
			m = match_add(r, field[0] == 'd' ? SBTC_M_DPORT : SBTC_M_SPORT, neg);
			m->proto = proto[0] == 't' && proto[1] == 'c' ? 6 : proto[0] == 'u' ? 17 : 0;
			if (!nft_ports(right, op, m))
				snprintf(what, sizeof what, "%s %s", proto, field);
		} else if ((strcmp(proto, "ip") == 0 || strcmp(proto, "ip6") == 0) &&
			   (strcmp(field, "daddr") == 0 || strcmp(field, "saddr") == 0) && eq) {
			m = match_add(r, field[0] == 'd' ? SBTC_M_DADDR : SBTC_M_SADDR, neg);
			if (!nft_addr(right, proto[2] == '6' ? 6 : 4, m))
				snprintf(what, sizeof what, "%s %s", proto, field);
		} else if ((strcmp(proto, "ip") == 0 && strcmp(field, "protocol") == 0) ||
			   (strcmp(proto, "ip6") == 0 && strcmp(field, "nexthdr") == 0)) {
			m = match_add(r, SBTC_M_PROTO, neg);
			if (!eq || !json_object_is_type(right, json_type_string) ||
			    (m->proto = proto_number(json_object_get_string(right))) > 255)
				snprintf(what, sizeof what, "%s %s", proto, field);
			else
				match_add(r, SBTC_M_FAMILY, false)->family = proto[2] == '6' ? 6 : 4;
		} else {
			snprintf(what, sizeof what, "%.20s %.20s", proto, field);
		}
	} else if (meta != NULL) {
		const char *key = jstr(meta, "key");
		if (key == NULL) {
			snprintf(what, sizeof what, "meta");
		} else if ((strcmp(key, "iifname") == 0 || strcmp(key, "oifname") == 0) && eq &&
			   json_object_is_type(right, json_type_string)) {
			m = match_add(r, key[0] == 'i' ? SBTC_M_IIF : SBTC_M_OIF, neg);
			const char *name = json_object_get_string(right);
			if (strlen(name) >= sizeof m->iface)
				snprintf(what, sizeof what, "meta %s", key);
			else
				sbtc_strlcpy(m->iface, name, sizeof m->iface);
		} else if (strcmp(key, "l4proto") == 0 && eq && json_object_is_type(right, json_type_string) &&
			   proto_number(json_object_get_string(right)) <= 255) {
			m = match_add(r, SBTC_M_PROTO, neg);
			m->proto = proto_number(json_object_get_string(right));
		} else if (strcmp(key, "l4proto") == 0 && eq && json_object_is_type(right, json_type_int)) {
			m = match_add(r, SBTC_M_PROTO, neg);
			m->proto = (unsigned)json_object_get_int(right);
		} else if ((strcmp(key, "nfproto") == 0 || strcmp(key, "protocol") == 0) && eq &&
			   json_object_is_type(right, json_type_string)) {
			const char *v = json_object_get_string(right);
			m = match_add(r, SBTC_M_FAMILY, neg);
			if (strcmp(v, "ipv4") == 0 || strcmp(v, "ip") == 0)
				m->family = 4;
			else if (strcmp(v, "ipv6") == 0 || strcmp(v, "ip6") == 0)
				m->family = 6;
			else
				snprintf(what, sizeof what, "meta %s %.20s", key, v);
		} else {
			snprintf(what, sizeof what, "meta %.30s", key);
		}
	} else if (ct != NULL) {
		const char *key = jstr(ct, "key"), *dir = jstr(ct, "dir");
		if (key == NULL) {
			snprintf(what, sizeof what, "ct");
		} else if ((strcmp(key, "state") == 0 || strcmp(key, "status") == 0) && dir == NULL && eq) {
			m = match_add(r, SBTC_M_CTSTATE, neg);
			if (!nft_states(right, &m->states))
				snprintf(what, sizeof what, "ct %s", key);
		} else if (strcmp(key, "proto-dst") == 0 && dir != NULL && strcmp(dir, "original") == 0) {
			m = match_add(r, SBTC_M_CTORIGDSTPORT, neg);
			if (!nft_ports(right, op, m))
				snprintf(what, sizeof what, "ct original proto-dst");
		} else {
			snprintf(what, sizeof what, "ct %.10s %.30s", dir ? dir : "", key);
		}
	} else {
		json_object *v;
		const char *k = only_key(left, &v);
		snprintf(what, sizeof what, "%.40s", k ? k : "match");
	}
	(void)tfamily;
	if (what[0] != '\0') {
		if (m == NULL)
			m = match_add(r, SBTC_M_UNKNOWN, false);
		m->kind = SBTC_M_UNKNOWN;
		m->neg = false;
		sbtc_strlcpy(m->what, what, sizeof m->what);
	}
}

static void nft_rule(sbtc_table *t, sbtc_rule *r, json_object *expr)
{
	r->verdict = SBTC_V_CONTINUE;
	if (expr == NULL || !json_object_is_type(expr, json_type_array)) {
		unknown_add(r, false, "no expressions");
		return;
	}
	size_t n = json_object_array_length(expr);
	for (size_t i = 0; i < n; i++) {
		json_object *v = NULL;
		const char *k = only_key(json_object_array_get_idx(expr, i), &v);
		if (k == NULL) {
			unknown_add(r, false, "expression");
			continue;
		}
		if (strcmp(k, "match") == 0) {
			nft_match(r, v, t->family);
		} else if (strcmp(k, "counter") == 0 || strcmp(k, "log") == 0 || strcmp(k, "comment") == 0 ||
			   strcmp(k, "mangle") == 0 || strcmp(k, "notrack") == 0) {
			continue;
		} else if (strcmp(k, "accept") == 0) {
			r->verdict = SBTC_V_ACCEPT;
		} else if (strcmp(k, "drop") == 0 || strcmp(k, "reject") == 0) {
			r->verdict = SBTC_V_DROP;
		} else if (strcmp(k, "return") == 0) {
			r->verdict = SBTC_V_RETURN;
		} else if (strcmp(k, "snat") == 0 || strcmp(k, "masquerade") == 0 || strcmp(k, "redirect") == 0) {
			r->verdict = SBTC_V_ACCEPT;
		} else if (strcmp(k, "jump") == 0 || strcmp(k, "goto") == 0) {
			const char *target = jstr(v, "target");
			if (target == NULL) {
				r->verdict = SBTC_V_UNKNOWN;
				sbtc_strlcpy(r->target, k, sizeof r->target);
			} else {
				r->verdict = k[0] == 'j' ? SBTC_V_JUMP : SBTC_V_GOTO;
				sbtc_strlcpy(r->target, target, sizeof r->target);
			}
		} else if (strcmp(k, "dnat") == 0) {
			r->verdict = SBTC_V_DNAT;
			const char *fam = jstr(v, "family");
			int f = strcmp(t->family, "ip6") == 0 || (fam && strcmp(fam, "ip6") == 0) ? 6 : 4;
			r->to_family = f;
			const char *addr = jstr(v, "addr");
			if (addr != NULL && inet_pton(f == 4 ? AF_INET : AF_INET6, addr, r->to_addr) == 1)
				r->to_has_addr = true;
			json_object *port = jobj(v, "port");
			sbtc_port_range pr;
			if (port != NULL && nft_port(port, &pr)) {
				r->to_port_lo = pr.lo;
				r->to_port_hi = pr.hi;
			}
		} else if (strcmp(k, "xt") == 0) {
			/* an iptables match or target nft cannot show in its own words */
			t->opaque = true;
			const char *name = jstr(v, "name"), *type = jstr(v, "type");
			char w[48];
			snprintf(w, sizeof w, "xt %.40s", name ? name : "(opaque)");
			if (type != NULL && strcmp(type, "target") == 0) {
				if (name == NULL || !builtin_target(name, r)) {
					r->verdict = SBTC_V_UNKNOWN;
					sbtc_strlcpy(r->target, w, sizeof r->target);
				}
			} else {
				unknown_add(r, false, w);
			}
		} else {
			/* a verdict map, a queue, a rate limit, a set lookup...: not followed */
			char w[48];
			snprintf(w, sizeof w, "%.40s", k);
			if (strcmp(k, "vmap") == 0 || strcmp(k, "queue") == 0) {
				r->verdict = SBTC_V_UNKNOWN;
				sbtc_strlcpy(r->target, w, sizeof r->target);
			} else {
				unknown_add(r, false, w);
			}
		}
	}
}

int sbtc_ruleset_parse_nft(const char *text, size_t len, sbtc_ruleset *rs, char *err, size_t errlen)
{
	json_object *root = NULL, *items;
	if (sbtc_fw_nft_items(text, len, &root, &items, err, errlen) != 0)
		return -1;
	size_t first_new = rs->n;
	size_t n = json_object_array_length(items);
	for (size_t i = 0; i < n; i++) {
		json_object *item = json_object_array_get_idx(items, i), *o;
		if (!json_object_is_type(item, json_type_object))
			continue;
		const char *fam, *tname;
		if ((o = jobj(item, "table")) != NULL) {
			fam = jstr(o, "family");
			tname = jstr(o, "name");
			if (fam != NULL && tname != NULL && strlen(fam) < sizeof rs->t[0].family &&
			    strlen(tname) < sizeof rs->t[0].name && sbtc_ruleset_table(rs, fam, tname) == NULL)
				table_add(rs, fam, tname, "nft");
		} else if ((o = jobj(item, "chain")) != NULL) {
			fam = jstr(o, "family");
			tname = jstr(o, "table");
			const char *name = jstr(o, "name");
			sbtc_table *t = fam && tname ? sbtc_ruleset_table(rs, fam, tname) : NULL;
			if (t == NULL || name == NULL || strlen(name) >= sizeof t->c[0].name || sbtc_table_chain(t, name) ||
			    t->n >= MAX_CHAINS_PER_TABLE)
				continue;
			sbtc_chain *c = chain_add(t, name);
			const char *hook = jstr(o, "hook"), *type = jstr(o, "type"), *policy = jstr(o, "policy");
			if (hook != NULL && strlen(hook) < sizeof c->hook && (type == NULL || strcmp(type, "route") != 0))
				sbtc_strlcpy(c->hook, hook, sizeof c->hook);
			json_object *prio = jobj(o, "prio");
			if (prio != NULL && json_object_is_type(prio, json_type_int))
				c->prio = json_object_get_int(prio);
			c->policy_drop = policy != NULL && strcmp(policy, "drop") == 0;
		} else if ((o = jobj(item, "rule")) != NULL) {
			fam = jstr(o, "family");
			tname = jstr(o, "table");
			const char *chain = jstr(o, "chain");
			sbtc_table *t = fam && tname ? sbtc_ruleset_table(rs, fam, tname) : NULL;
			sbtc_chain *c = t && chain ? sbtc_table_chain(t, chain) : NULL;
			if (c == NULL)
				continue;
			if (rs->rules >= SBTC_RS_MAX_RULES) {
				snprintf(err, errlen, "nft's JSON: more than %d rules", SBTC_RS_MAX_RULES);
				goto fail;
			}
			rs->rules++;
			nft_rule(t, rule_add(c), jobj(o, "expr"));
		}
	}
	json_object_put(root);
	return 0;
fail:
	rollback(rs, first_new);
	json_object_put(root);
	return -1;
}
