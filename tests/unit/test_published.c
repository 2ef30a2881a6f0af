/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/ruleset.c and lib/published.c: the rule sets Debian's Docker 20.10
 * wrote for the reference Compose deployment (tests/fixtures/docker/, captured by its
 * `capture` script), as iptables-save and as nft JSON, and hand-written hostile ones. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "published.h"
#include "ruleset.h"
#include "strbuf.h"

static char *slurp(const char *name, size_t *len)
{
	const char *dir = getenv("SBTC_TEST_FIXTURES");
	char *path = sbtc_xasprintf("%s/docker/%s", dir ? dir : "../../../tests/fixtures" /* from build/NAME/tests */, name);
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	char buf[8192];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		sbtc_strbuf_append(&b, buf, n);
	fclose(f);
	free(path);
	*len = b.len;
	return sbtc_strbuf_steal(&b);
}

static const sbtc_published_port *find(const sbtc_published *p, bool tcp, unsigned port)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].family == 4 && p->v[i].tcp == tcp && p->v[i].port == port)
			return &p->v[i];
	return NULL;
}

/* Reads a captured variant: iptables-save alone (how 0), nft alone (1), or nft with
 * iptables-save's words for its opaque tables (2), as the check does. */
static void load(const char *variant, int how, sbtc_ruleset *rs, char ***ifs, size_t *nifs)
{
	char name[128], err[300];
	size_t len;
	memset(rs, 0, sizeof *rs);
	if (how != 0) {
		snprintf(name, sizeof name, "%s.nft.json", variant);
		char *text = slurp(name, &len);
		assert_int_equal(sbtc_ruleset_parse_nft(text, len, rs, err, sizeof err), 0);
		free(text);
	}
	if (how != 1) {
		sbtc_ruleset saved;
		memset(&saved, 0, sizeof saved);
		for (int v6 = 0; v6 < 2; v6++) {
			snprintf(name, sizeof name, "%s.%s", variant, v6 ? "ip6tables" : "iptables");
			char *text = slurp(name, &len);
			if (sbtc_ruleset_parse_iptables(text, len, v6, "iptables-save", &saved, err, sizeof err) != 0)
				fail_msg("%s: %s", name, err);
			free(text);
		}
		sbtc_ruleset_replace(rs, &saved);
	}
	/* the namespace's interfaces, "name master" a line (the outside one first), chosen
	 * as the check chooses them on a live host */
	snprintf(name, sizeof name, "%s.ifaces", variant);
	char *text = slurp(name, &len);
	sbtc_link links[16];
	size_t nlinks = 0;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line != NULL && nlinks < 16; line = strtok_r(NULL, "\n", &save)) {
		sbtc_link *l = &links[nlinks++];
		memset(l, 0, sizeof *l);
		char master[32];
		if (sscanf(line, "%31s %31s", l->name, master) != 2)
			fail_msg("%s: bad line '%s'", name, line);
		if (strcmp(master, "-") != 0)
			sbtc_strlcpy(l->master, master, sizeof l->master);
		l->loopback = strcmp(l->name, "lo") == 0;
	}
	free(text);
	sbtc_published_outside_of(rs, links, nlinks, ifs, nifs);
	/* only the veth pair to the outside namespace is outside: docker0, the compose
	 * network's bridge and the container's port are Docker's */
	assert_int_equal(*nifs, 1);
	assert_string_equal((*ifs)[0], links[0].name);
}

static void test_fixtures(void **unused)
{
	(void)unused;
	static const struct {
		const char *variant;
		bool exposed_9184, exposed_4122;
		const char *how_9184;
	} cases[] = {
		{"proxy-on-empty", true, true, "forward path accepts (DOCKER-USER: no rule for it)"},
		{"proxy-off-empty", true, true, "forward path accepts (DOCKER-USER: no rule for it)"},
		{"proxy-on-drop9184", false, true, "dropped in DOCKER-USER"},
		{"proxy-off-drop9184", false, true, "dropped in DOCKER-USER"},
		{"proxy-on-only4122", false, true, "dropped in DOCKER-USER"},
		{"proxy-off-only4122", false, true, "dropped in DOCKER-USER"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		for (int how = 0; how < 3; how++) {
			sbtc_ruleset rs;
			char **ifs;
			size_t nifs;
			char err[300];
			load(cases[i].variant, how, &rs, &ifs, &nifs);
			sbtc_ifaces o = {(const char *const *)ifs, nifs};
			sbtc_published p;
			assert_int_equal(sbtc_published_judge(&rs, &o, &p, err, sizeof err), 0);
			assert_true(p.nat_found);
			assert_int_equal(p.n, 4);
			const sbtc_published_port *m = find(&p, true, 9184), *t = find(&p, true, 4122),
						  *u = find(&p, false, 4122), *api = find(&p, true, 8801);
			assert_non_null(m);
			assert_non_null(t);
			assert_non_null(u);
			assert_non_null(api);
			assert_true(api->loopback_only);
			assert_false(api->exposed);
			assert_false(m->loopback_only);
			assert_true(m->any_address);
			assert_true(t->exposed);
			assert_true(u->exposed);
			if (how == 1) {
				/* nft alone: the DNAT target and the conntrack match are opaque (xt), so
				 * nothing the opaque match would drop may count as dropped */
				assert_false(m->to_known);
				assert_true(m->exposed);
			} else {
				assert_string_equal(m->to, "172.18.0.2:9184");
				assert_string_equal(u->to, "172.18.0.2:4122");
				if (m->exposed != cases[i].exposed_9184 || strcmp(m->how, cases[i].how_9184) != 0)
					fail_msg("%s (%d): 9184 %s: %s", cases[i].variant, how, m->exposed ? "exposed" : "not",
						 m->how);
				assert_int_equal(t->exposed, cases[i].exposed_4122);
			}
			sbtc_published_free(&p);
			sbtc_ruleset_free(&rs);
			sbtc_ifaces_free(ifs, nifs);
		}
	}
}

/* A Docker rule set as 20.10 writes it, with the given DOCKER-USER rules. */
static char *docker_ipt(const char *user_rules, const char *extra_chains, const char *extra_nat)
{
	return sbtc_xasprintf(
		"*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n:DOCKER - [0:0]\n"
		":DOCKER-USER - [0:0]\n%s"
		"-A FORWARD -j DOCKER-USER\n"
		"-A FORWARD -o br-1 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
		"-A FORWARD -o br-1 -j DOCKER\n"
		"-A FORWARD -i br-1 ! -o br-1 -j ACCEPT\n"
		"-A DOCKER -d 172.18.0.2/32 ! -i br-1 -o br-1 -p tcp -m tcp --dport 9184 -j ACCEPT\n"
		"-A DOCKER -d 172.18.0.2/32 ! -i br-1 -o br-1 -p tcp -m tcp --dport 4122 -j ACCEPT\n"
		"-A DOCKER -d 172.18.0.3/32 ! -i br-1 -o br-1 -p tcp -m tcp --dport 9000:9002 -j ACCEPT\n"
		"%s-A DOCKER-USER -j RETURN\nCOMMIT\n"
		"*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n"
		":DOCKER - [0:0]\n"
		"-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER\n"
		"-A DOCKER -i br-1 -j RETURN\n"
		"-A DOCKER ! -i br-1 -p tcp -m tcp --dport 9184 -j DNAT --to-destination 172.18.0.2:9184\n"
		"-A DOCKER ! -i br-1 -p tcp -m tcp --dport 4122 -j DNAT --to-destination 172.18.0.2:4122\n"
		"-A DOCKER ! -i br-1 -p tcp -m tcp --dport 9000:9002 -j DNAT --to-destination 172.18.0.3:9000-9002\n"
		"%sCOMMIT\n",
		extra_chains, user_rules, extra_nat);
}

/* Judges a hand-written rule set; returns the 9184/tcp entry's verdict in *how. */
static bool exposed_9184(const char *user_rules, const char *extra_chains, const char *const *ifs, size_t nifs,
			 char *how, size_t howlen, bool *undecided)
{
	char *text = docker_ipt(user_rules, extra_chains, "");
	sbtc_ruleset rs;
	memset(&rs, 0, sizeof rs);
	char err[300];
	if (sbtc_ruleset_parse_iptables(text, strlen(text), false, "iptables-save", &rs, err, sizeof err) != 0)
		fail_msg("%s", err);
	free(text);
	sbtc_ifaces o = {ifs, nifs};
	sbtc_published p;
	assert_int_equal(sbtc_published_judge(&rs, &o, &p, err, sizeof err), 0);
	assert_int_equal(p.n, 5);
	const sbtc_published_port *m = find(&p, true, 9184);
	assert_non_null(m);
	bool e = m->exposed;
	snprintf(how, howlen, "%s", m->how);
	if (undecided)
		*undecided = m->undecided;
	/* the range maps port by port */
	const sbtc_published_port *r = find(&p, true, 9001);
	assert_non_null(r);
	assert_string_equal(r->to, "172.18.0.3:9001");
	sbtc_published_free(&p);
	sbtc_ruleset_free(&rs);
	return e;
}

static void test_forward_path(void **unused)
{
	(void)unused;
	static const char *const eth0[] = {"eth0"}, *const two[] = {"eth0", "wg0"};
	static const struct {
		const char *rules;
		const char *const *ifs;
		size_t nifs;
		bool exposed;
		const char *how; /* a part of it */
	} cases[] = {
		{"", eth0, 1, true, "DOCKER-USER: no rule for it"},
		{"-A DOCKER-USER -p tcp -m conntrack --ctorigdstport 9184 -j DROP\n", eth0, 1, false,
		 "dropped in DOCKER-USER"},
		{"-A DOCKER-USER -p udp -m conntrack --ctorigdstport 9184 -j DROP\n", eth0, 1, true, "accepts"},
		{"-A DOCKER-USER -p tcp -m multiport --dports 22,9184 -j DROP\n", eth0, 1, false, "DOCKER-USER"},
		{"-A DOCKER-USER ! -p tcp -j DROP\n", eth0, 1, true, "accepts"},
		/* RELATED,ESTABLISHED never matches a new connection */
		{"-A DOCKER-USER -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN\n-A DOCKER-USER -j DROP\n", eth0, 1,
		 false, "dropped in DOCKER-USER"},
		{"-A DOCKER-USER -m conntrack --ctstate NEW -j DROP\n", eth0, 1, false, "dropped"},
		{"-A DOCKER-USER -m state ! --state NEW -j DROP\n", eth0, 1, true, "accepts"},
		/* interfaces: eth0 dropped; another outside interface still gets through */
		{"-A DOCKER-USER -i eth0 -j DROP\n", eth0, 1, false, "dropped"},
		{"-A DOCKER-USER -i eth0 -j DROP\n", two, 2, true, "accepts"},
		{"-A DOCKER-USER -i eth+ -j DROP\n", eth0, 1, false, "dropped"},
		{"-A DOCKER-USER ! -i br-1 -j DROP\n", NULL, 0, false, "dropped"},
		/* an interface not known by name may be eth0 or not */
		{"-A DOCKER-USER -i eth0 -j DROP\n", NULL, 0, true, "accepts"},
		/* the container's address after DNAT, the host's port before it */
		{"-A DOCKER-USER -d 172.18.0.0/16 -p tcp --dport 9184 -j DROP\n", eth0, 1, false, "dropped"},
		{"-A DOCKER-USER -d 10.0.0.0/255.0.0.0 -j DROP\n", eth0, 1, true, "accepts"},
		/* some sources only: reachable from those */
		{"-A DOCKER-USER -s 10.0.0.0/8 -j RETURN\n-A DOCKER-USER -j DROP\n", eth0, 1, true, "accepts"},
		/* a match this reader does not follow: its drop hides nothing, its accept counts */
		{"-A DOCKER-USER -m recent --rcheck --seconds 60 -j DROP\n", eth0, 1, true, "may accept"},
		{"-A DOCKER-USER -m set --match-set x src -j ACCEPT\n-A DOCKER-USER -j DROP\n", eth0, 1, true,
		 "may accept"},
		{"-A DOCKER-USER -j NFQUEUE --queue-num 1\n", eth0, 1, true, "may accept"},
		/* jumps, returns and gotos */
		{"-A DOCKER-USER -j FILTERS\n-A FILTERS -p tcp --dport 9184 -j DROP\n", eth0, 1, false, "dropped in FILTERS"},
		{"-A DOCKER-USER -g FILTERS\n-A DOCKER-USER -j DROP\n-A FILTERS -p tcp --dport 22 -j DROP\n", eth0, 1, true,
		 "accepts"},
		{"-A DOCKER-USER -j FILTERS\n-A DOCKER-USER -j DROP\n-A FILTERS -p tcp --dport 9184 -j ACCEPT\n", eth0, 1,
		 true, "accepts"},
		{"-A DOCKER-USER -m addrtype --dst-type LOCAL -j DROP\n", eth0, 1, true, "accepts"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char how[200];
		bool e = exposed_9184(cases[i].rules, strstr(cases[i].rules, "FILTERS") ? ":FILTERS - [0:0]\n" : "",
				      cases[i].ifs, cases[i].nifs, how, sizeof how, NULL);
		if (e != cases[i].exposed || strstr(how, cases[i].how) == NULL)
			fail_msg("case %zu (%s): %s, %s", i, cases[i].rules, e ? "exposed" : "not exposed", how);
	}
}

static void test_hostile(void **unused)
{
	(void)unused;
	static const char *const eth0[] = {"eth0"};
	char how[200];
	bool undecided;
	/* a jump loop: never a crash, never "dropped" */
	assert_true(exposed_9184("-A DOCKER-USER -j A\n-A A -j B\n-A B -j A\n-A DOCKER-USER -j DROP\n",
				 ":A - [0:0]\n:B - [0:0]\n", eth0, 1, how, sizeof how, &undecided));
	assert_true(undecided);
	assert_non_null(strstr(how, "too deep or too large"));
	/* 100 chains deep, a drop at the bottom */
	sbtc_strbuf decl = SBTC_STRBUF_INIT, rules = SBTC_STRBUF_INIT;
	sbtc_strbuf_puts(&rules, "-A DOCKER-USER -j C0\n");
	for (int i = 0; i < 100; i++) {
		sbtc_strbuf_printf(&decl, ":C%d - [0:0]\n", i);
		sbtc_strbuf_printf(&rules, "-A C%d -j C%d\n", i, i + 1);
	}
	sbtc_strbuf_printf(&decl, ":C100 - [0:0]\n");
	sbtc_strbuf_puts(&rules, "-A C100 -j DROP\n");
	assert_true(exposed_9184(sbtc_strbuf_str(&rules), sbtc_strbuf_str(&decl), eth0, 1, how, sizeof how, &undecided));
	assert_true(undecided);
	sbtc_strbuf_free(&decl);
	sbtc_strbuf_free(&rules);
	/* 60 rules it cannot evaluate, each doubling the paths, then a drop: the walk stops
	 * at its budget and says so */
	for (int i = 0; i < 60; i++)
		sbtc_strbuf_puts(&rules, "-A DOCKER-USER -m recent --rcheck -j RETURN\n-A DOCKER-USER -m recent --rcheck -j ACCEPT\n");
	sbtc_strbuf_puts(&rules, "-A DOCKER-USER -j DROP\n");
	assert_true(exposed_9184(sbtc_strbuf_str(&rules), "", eth0, 1, how, sizeof how, &undecided));
	sbtc_strbuf_free(&rules);
	/* a huge but plain rule set: 50000 rules for other ports, then the drop */
	for (int i = 0; i < 50000; i++)
		sbtc_strbuf_printf(&rules, "-A DOCKER-USER -p tcp --dport %d -j DROP\n", 10000 + i);
	sbtc_strbuf_puts(&rules, "-A DOCKER-USER -p tcp --dport 9184 -j DROP\n");
	assert_false(exposed_9184(sbtc_strbuf_str(&rules), "", eth0, 1, how, sizeof how, &undecided));
	assert_string_equal(how, "dropped in DOCKER-USER");
	sbtc_strbuf_free(&rules);

	static const struct {
		const char *text;
		const char *err;
	} bad[] = {
		{"*filter\n:INPUT DROP [0:0]\n-A INPUT -j ACCEPT\n", "line 1: table filter has no COMMIT"},
		{"*nat\n-A DOCKER -j DNAT\nCOMMIT\n", "line 2: rule for chain 'DOCKER', not declared"},
		{"*nat\n:DOCKER - [0:0]\n-A DOCKER -j DNAT --to-destination nowhere\nCOMMIT\n", "bad --to-destination"},
		{"*nat\n:DOCKER - [0:0]\n-A DOCKER -m comment --comment \"open\nCOMMIT\n", "unclosed quote"},
		{"*nat\n:DOCKER - [0:0]\n-A DOCKER -p\nCOMMIT\n", "has no value"},
		{"*nat\n*filter\nCOMMIT\n", "starts before COMMIT"},
		{"garbage\n", "line 1: not iptables-save format"},
		{"COMMIT\n", "COMMIT outside a table"},
		{"*nat\n:A - [0:0]\n:A - [0:0]\nCOMMIT\n", "declared twice"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		sbtc_ruleset rs;
		memset(&rs, 0, sizeof rs);
		char err[300] = "";
		if (sbtc_ruleset_parse_iptables(bad[i].text, strlen(bad[i].text), false, "iptables-save", &rs, err,
						sizeof err) != -1 ||
		    strstr(err, bad[i].err) == NULL)
			fail_msg("bad %zu: '%s'", i, err);
		assert_int_equal(rs.n, 0);
		sbtc_ruleset_free(&rs);
	}
	/* a NUL inside, and text that stops in the middle of a line: never read past it */
	static const char nul[] = "*nat\n:A - [0:0]\n-A A -j\0 DROP\nCOMMIT\n";
	sbtc_ruleset rs;
	memset(&rs, 0, sizeof rs);
	char err[300];
	assert_int_equal(sbtc_ruleset_parse_iptables(nul, sizeof nul - 1, false, "x", &rs, err, sizeof err), -1);
	assert_non_null(strstr(err, "NUL"));
	char *cut = sbtc_xstrdup("*nat\n:A - [0:0]\n-A A -p tcp --dport 9184 -j DNAT --to-destination 1.2.3.4:5");
	assert_int_equal(sbtc_ruleset_parse_iptables(cut, 40, false, "x", &rs, err, sizeof err), -1);
	free(cut);

	static const char *const json[] = {"", "{", "[]", "{\"nftables\": 3}", "{\"nftables\": [1, \"x\", {\"rule\": 5}]}"};
	for (size_t i = 0; i < sizeof json / sizeof json[0]; i++) {
		memset(&rs, 0, sizeof rs);
		int rc = sbtc_ruleset_parse_nft(json[i], strlen(json[i]), &rs, err, sizeof err);
		if (i < 4) {
			assert_int_equal(rc, -1);
			assert_non_null(strstr(err, "nft's JSON"));
		} else {
			assert_int_equal(rc, 0);
		}
		sbtc_ruleset_free(&rs);
	}
}

/* Native nftables: a forward chain of the operator's own beside Docker's; each must let
 * the packet through. */
static void test_nft_native(void **unused)
{
	(void)unused;
	static const char *const eth0[] = {"eth0"};
	char *ipt = docker_ipt("", "", "");
#define NATIVE(rule)                                                                                           \
	"{\"nftables\":[{\"table\":{\"family\":\"inet\",\"name\":\"filter\"}},"                                \
	"{\"chain\":{\"family\":\"inet\",\"table\":\"filter\",\"name\":\"forward\",\"type\":\"filter\","       \
	"\"hook\":\"forward\",\"prio\":0,\"policy\":\"accept\"}},"                                              \
	"{\"rule\":{\"family\":\"inet\",\"table\":\"filter\",\"chain\":\"forward\",\"expr\":[" rule "]}}]}"
	static const struct {
		const char *json;
		bool exposed;
	} cases[] = {
		{NATIVE("{\"match\":{\"op\":\"==\",\"left\":{\"ct\":{\"key\":\"proto-dst\",\"dir\":\"original\"}},"
			"\"right\":{\"set\":[22,9184]}}},{\"drop\":null}"),
		 false},
		{NATIVE("{\"match\":{\"op\":\"==\",\"left\":{\"ct\":{\"key\":\"proto-dst\",\"dir\":\"original\"}},"
			"\"right\":{\"range\":[9000,9100]}}},{\"drop\":null}"),
		 true},
		{NATIVE("{\"match\":{\"op\":\"in\",\"left\":{\"ct\":{\"key\":\"state\"}},\"right\":\"new\"}},"
			"{\"match\":{\"op\":\"==\",\"left\":{\"meta\":{\"key\":\"iifname\"}},\"right\":\"eth*\"}},"
			"{\"match\":{\"op\":\"==\",\"left\":{\"payload\":{\"protocol\":\"th\",\"field\":\"dport\"}},"
			"\"right\":9184}},{\"reject\":null}"),
		 false},
		{NATIVE("{\"match\":{\"op\":\"in\",\"left\":{\"ct\":{\"key\":\"state\"}},\"right\":[\"established\",\"related\"]}},"
			"{\"accept\":null}"),
		 true},
		{NATIVE("{\"match\":{\"op\":\"==\",\"left\":{\"payload\":{\"protocol\":\"udp\",\"field\":\"dport\"}},"
			"\"right\":9184}},{\"drop\":null}"),
		 true},
		{NATIVE("{\"match\":{\"op\":\"==\",\"left\":{\"payload\":{\"protocol\":\"ip\",\"field\":\"daddr\"}},"
			"\"right\":{\"prefix\":{\"addr\":\"172.18.0.0\",\"len\":16}}}},{\"drop\":null}"),
		 false},
		{NATIVE("{\"match\":{\"op\":\"==\",\"left\":{\"payload\":{\"protocol\":\"ip6\",\"field\":\"daddr\"}},"
			"\"right\":{\"prefix\":{\"addr\":\"::\",\"len\":0}}}},{\"drop\":null}"),
		 true},
		{NATIVE("{\"limit\":{\"rate\":10}},{\"drop\":null}"), true},
		{NATIVE("{\"vmap\":{\"key\":{\"meta\":{\"key\":\"iifname\"}},\"data\":{\"set\":[]}}}"), true},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sbtc_ruleset rs;
		memset(&rs, 0, sizeof rs);
		char err[300];
		assert_int_equal(sbtc_ruleset_parse_nft(cases[i].json, strlen(cases[i].json), &rs, err, sizeof err), 0);
		assert_int_equal(sbtc_ruleset_parse_iptables(ipt, strlen(ipt), false, "iptables-save", &rs, err, sizeof err), 0);
		sbtc_ifaces o = {eth0, 1};
		sbtc_published p;
		assert_int_equal(sbtc_published_judge(&rs, &o, &p, err, sizeof err), 0);
		const sbtc_published_port *m = find(&p, true, 9184);
		assert_non_null(m);
		if (m->exposed != cases[i].exposed)
			fail_msg("native %zu: %s (%s)", i, m->exposed ? "exposed" : "not exposed", m->how);
		sbtc_published_free(&p);
		sbtc_ruleset_free(&rs);
	}
	free(ipt);
}

/* IPv6: Docker writes the same chains with ip6tables when the daemon has IPv6 on. */
static void test_ipv6(void **unused)
{
	(void)unused;
	static const char text[] =
		"*filter\n:FORWARD DROP [0:0]\n:DOCKER - [0:0]\n:DOCKER-USER - [0:0]\n"
		"-A FORWARD -j DOCKER-USER\n-A FORWARD -o br-1 -j DOCKER\n"
		"-A DOCKER -d fd00::2/128 ! -i br-1 -o br-1 -p tcp -m tcp --dport 9184 -j ACCEPT\n"
		"-A DOCKER -d fd00::2/128 ! -i br-1 -o br-1 -p udp -m udp --dport 4122 -j ACCEPT\n"
		"-A DOCKER-USER -p udp -m conntrack --ctorigdstport 4122 -j DROP\n-A DOCKER-USER -j RETURN\nCOMMIT\n"
		"*nat\n:PREROUTING ACCEPT [0:0]\n:DOCKER - [0:0]\n"
		"-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER\n-A DOCKER -i br-1 -j RETURN\n"
		"-A DOCKER ! -i br-1 -p tcp -m tcp --dport 9184 -j DNAT --to-destination [fd00::2]:9184\n"
		"-A DOCKER ! -i br-1 -p udp -m udp --dport 4122 -j DNAT --to-destination [fd00::2]:4122\n"
		"-A DOCKER -d ::1/128 ! -i br-1 -p tcp -m tcp --dport 8801 -j DNAT --to-destination [fd00::2]:8801\n"
		"COMMIT\n";
	sbtc_ruleset rs;
	memset(&rs, 0, sizeof rs);
	char err[300];
	assert_int_equal(sbtc_ruleset_parse_iptables(text, sizeof text - 1, true, "iptables-save", &rs, err, sizeof err), 0);
	static const char *const eth0[] = {"eth0"};
	sbtc_ifaces o = {eth0, 1};
	sbtc_published p;
	assert_int_equal(sbtc_published_judge(&rs, &o, &p, err, sizeof err), 0);
	assert_int_equal(p.n, 3);
	assert_int_equal(p.v[0].family, 6);
	assert_string_equal(p.v[0].to, "[fd00::2]:9184");
	assert_true(p.v[0].exposed);
	assert_false(p.v[1].tcp);
	assert_false(p.v[1].exposed);
	assert_string_equal(p.v[1].how, "dropped in DOCKER-USER");
	assert_true(p.v[2].loopback_only);
	assert_non_null(sbtc_published_find(&p, 6, true, 9184));
	assert_null(sbtc_published_find(&p, 4, true, 9184));
	assert_null(sbtc_published_find(&p, 6, true, 8801)); /* ::1 only: a socket elsewhere is its own */
	sbtc_published_free(&p);
	sbtc_ruleset_free(&rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_forward_path),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_nft_native),
		cmocka_unit_test(test_ipv6),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
