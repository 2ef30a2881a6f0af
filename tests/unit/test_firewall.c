/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/firewall.c: nftables JSON and iptables-save samples with default
 * drop, accept and reject, and the rules that decide before the policy does. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "deadline.h"
#include "firewall.h"

#define META "{\"metainfo\":{\"version\":\"1.0.6\",\"release_name\":\"Lester Gooch #5\",\"json_schema_version\":1}}"
#define TABLE(fam, name) "{\"table\":{\"family\":\"" fam "\",\"name\":\"" name "\",\"handle\":1}}"
#define CHAIN(fam, table, name, hook, policy)                                                                  \
	"{\"chain\":{\"family\":\"" fam "\",\"table\":\"" table "\",\"name\":\"" name                          \
	"\",\"handle\":1,\"type\":\"filter\",\"hook\":\"" hook "\",\"prio\":0,\"policy\":\"" policy "\"}}"
#define RULE(fam, table, chain, expr)                                                                          \
	"{\"rule\":{\"family\":\"" fam "\",\"table\":\"" table "\",\"chain\":\"" chain "\",\"handle\":2,"     \
	"\"expr\":[" expr "]}}"
#define MATCH_LO "{\"match\":{\"op\":\"==\",\"left\":{\"meta\":{\"key\":\"iif\"}},\"right\":\"lo\"}}"
#define MATCH_4122 "{\"match\":{\"op\":\"==\",\"left\":{\"payload\":{\"protocol\":\"tcp\",\"field\":\"dport\"}},\"right\":4122}}"
#define COUNTER "{\"counter\":{\"packets\":0,\"bytes\":0}}"

struct nft_case {
	const char *name;
	const char *json;
	int v4_deny, v6_deny;
	const char *v4_how;
};

static void test_nft(void **unused)
{
	static const struct nft_case cases[] = {
		{"the guide's firewall: inet, policy drop",
		 "{\"nftables\":[" META "," TABLE("inet", "filter") "," CHAIN("inet", "filter", "input", "input", "drop")
		 "," RULE("inet", "filter", "input", MATCH_LO ",{\"accept\":null}")
		 "," RULE("inet", "filter", "input", MATCH_4122 "," COUNTER ",{\"accept\":null}") "]}",
		 1, 1, "chain inet filter input: policy drop"},
		{"policy accept",
		 "{\"nftables\":[" META "," CHAIN("inet", "filter", "input", "input", "accept")
		 "," RULE("inet", "filter", "input", MATCH_4122 ",{\"accept\":null}") "]}",
		 0, 0, "chain inet filter input: policy accept"},
		{"policy accept, last rule an unconditional reject",
		 "{\"nftables\":[" META "," CHAIN("inet", "filter", "input", "input", "accept")
		 "," RULE("inet", "filter", "input", MATCH_4122 ",{\"accept\":null}")
		 "," RULE("inet", "filter", "input", COUNTER ",{\"reject\":{\"type\":\"tcp reset\"}}") "]}",
		 1, 1, "chain inet filter input: ends in an unconditional drop/reject rule"},
		{"policy accept, unconditional drop with a log",
		 "{\"nftables\":[" META "," CHAIN("inet", "filter", "input", "input", "accept")
		 "," RULE("inet", "filter", "input", "{\"log\":{\"prefix\":\"in \"}},{\"drop\":null}") "]}",
		 1, 1, "ends in an unconditional drop/reject rule"},
		{"policy drop undone by an unconditional accept",
		 "{\"nftables\":[" META "," CHAIN("inet", "filter", "input", "input", "drop")
		 "," RULE("inet", "filter", "input", COUNTER ",{\"accept\":null}") "]}",
		 0, 0, "chain inet filter input: accepts everything with an unconditional rule"},
		{"a conditional drop is no default",
		 "{\"nftables\":[" META "," CHAIN("inet", "filter", "input", "input", "accept")
		 "," RULE("inet", "filter", "input", MATCH_4122 ",{\"drop\":null}") "]}",
		 0, 0, "policy accept"},
		{"a jump is conditional too",
		 "{\"nftables\":[" META "," CHAIN("inet", "filter", "input", "input", "accept")
		 "," RULE("inet", "filter", "input", "{\"jump\":{\"target\":\"deny\"}}") "]}",
		 0, 0, "policy accept"},
		{"ip only: IPv6 has no input chain",
		 "{\"nftables\":[" META "," CHAIN("ip", "filter", "INPUT", "input", "drop") "]}",
		 1, 0, "chain ip filter INPUT: policy drop"},
		{"one of two base chains drops: the packet must pass both",
		 "{\"nftables\":[" META "," CHAIN("inet", "a", "input", "input", "accept")
		 "," CHAIN("inet", "b", "input", "input", "drop") "]}",
		 1, 1, "chain inet b input: policy drop"},
		{"a rule of another chain with the same name in another table does not count",
		 "{\"nftables\":[" META "," CHAIN("inet", "filter", "input", "input", "accept")
		 "," RULE("inet", "other", "input", "{\"drop\":null}") "]}",
		 0, 0, "policy accept"},
		{"forward and output chains are not the input path",
		 "{\"nftables\":[" META "," CHAIN("inet", "filter", "forward", "forward", "drop")
		 "," CHAIN("inet", "filter", "output", "output", "drop") "]}",
		 0, 0, "no chain on the input hook"},
		{"an empty ruleset", "{\"nftables\":[" META "]}", 0, 0, "no chain on the input hook"},
		{"a regular chain (no hook) with policy drop is not a base chain",
		 "{\"nftables\":[" META ",{\"chain\":{\"family\":\"inet\",\"table\":\"f\",\"name\":\"x\",\"handle\":3}}]}",
		 0, 0, "no chain on the input hook"},
	};
	(void)unused;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sbtc_fw_policy p;
		char err[300] = "";
		if (sbtc_fw_parse_nft(cases[i].json, strlen(cases[i].json), &p, err, sizeof err) != 0)
			fail_msg("%s: %s", cases[i].name, err);
		assert_string_equal(p.source, "nftables");
		if (!p.v4.known || !p.v6.known || (int)p.v4.deny != cases[i].v4_deny || (int)p.v6.deny != cases[i].v6_deny)
			fail_msg("%s: v4 %d v6 %d (%s / %s)", cases[i].name, p.v4.deny, p.v6.deny, p.v4.how, p.v6.how);
		if (strstr(p.v4.how, cases[i].v4_how) == NULL)
			fail_msg("%s: '%s' does not say '%s'", cases[i].name, p.v4.how, cases[i].v4_how);
	}
}

static void test_nft_malformed(void **unused)
{
	static const char *bad[] = {"", "not json", "{\"nftables\":{}}", "[]", "{\"other\":[]}", "{\"nftables\":[" META};
	(void)unused;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		sbtc_fw_policy p;
		char err[300] = "";
		if (sbtc_fw_parse_nft(bad[i], strlen(bad[i]), &p, err, sizeof err) != -1)
			fail_msg("'%s' accepted", bad[i]);
		assert_non_null(strstr(err, "nft's JSON: "));
	}
	/* odd members are ignored, not trusted */
	const char *odd = "{\"nftables\":[1,\"x\",{\"chain\":5},{\"chain\":{\"hook\":\"input\"}},{\"rule\":[]}]}";
	sbtc_fw_policy p;
	char err[300];
	assert_int_equal(sbtc_fw_parse_nft(odd, strlen(odd), &p, err, sizeof err), 0);
	assert_false(p.v4.deny);
}

struct ipt_case {
	const char *name;
	const char *text;
	int deny;
	const char *how;
};

static void test_iptables(void **unused)
{
	static const struct ipt_case cases[] = {
		{"policy drop",
		 "# Generated by iptables-save v1.8.9 (nf_tables)\n*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n"
		 ":OUTPUT ACCEPT [0:0]\n-A INPUT -i lo -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 4122 -j ACCEPT\nCOMMIT\n",
		 1, "chain ip filter INPUT: policy drop"},
		{"policy accept", "*filter\n:INPUT ACCEPT [10:200]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n",
		 0, "policy accept"},
		{"policy accept, unconditional reject last",
		 "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\n"
		 "-A INPUT -j REJECT --reject-with icmp-port-unreachable\nCOMMIT\n",
		 1, "ends in an unconditional drop/reject rule"},
		{"unconditional drop with a comment",
		 "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m comment --comment deny-rest -j DROP\nCOMMIT\n", 1,
		 "unconditional drop"},
		{"policy drop undone by an unconditional accept",
		 "*filter\n:INPUT DROP [0:0]\n-A INPUT -j ACCEPT\nCOMMIT\n", 0, "accepts everything"},
		{"a drop in another table or chain does not count",
		 "*raw\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -j DROP\nCOMMIT\n*filter\n:INPUT ACCEPT [0:0]\n"
		 "-A FORWARD -j DROP\n-A INPUTX -j DROP\nCOMMIT\n",
		 0, "policy accept"},
		{"nothing loaded", "", 0, "no iptables filter table loaded"},
		{"CRLF lines", "*filter\r\n:INPUT DROP [0:0]\r\nCOMMIT\r\n", 1, "policy drop"},
	};
	(void)unused;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sbtc_fw_policy p;
		memset(&p, 0, sizeof p);
		char err[300] = "";
		if (sbtc_fw_parse_iptables(cases[i].text, strlen(cases[i].text), false, &p, err, sizeof err) != 0)
			fail_msg("%s: %s", cases[i].name, err);
		assert_string_equal(p.source, "iptables");
		assert_true(p.v4.known);
		assert_false(p.v6.known);
		if ((int)p.v4.deny != cases[i].deny || strstr(p.v4.how, cases[i].how) == NULL)
			fail_msg("%s: deny %d, '%s'", cases[i].name, p.v4.deny, p.v4.how);
	}
	/* ip6tables-save fills the IPv6 half */
	sbtc_fw_policy p;
	memset(&p, 0, sizeof p);
	char err[300];
	const char *v6 = "*filter\n:INPUT DROP [0:0]\nCOMMIT\n";
	assert_int_equal(sbtc_fw_parse_iptables(v6, strlen(v6), true, &p, err, sizeof err), 0);
	assert_true(p.v6.known && p.v6.deny);
	assert_non_null(strstr(p.v6.how, "chain ip6 filter INPUT: policy drop"));
	/* not iptables-save's format */
	const char *junk = "table inet filter {\n";
	assert_int_equal(sbtc_fw_parse_iptables(junk, strlen(junk), false, &p, err, sizeof err), -1);
	assert_non_null(strstr(err, "iptables-save output, line 1: not iptables-save format"));
}

/* The runner: a tool that is missing, one that fails, one that prints nft's JSON. */
static void test_read(void **unused)
{
	(void)unused;
	sbtc_deadline_start(10, SBTC_UNKNOWN);
	sbtc_fw_policy p;
	char err[600];
	sbtc_fw_tools t = {.nft = "/nonexistent/nft"};
	assert_int_equal(sbtc_fw_read(&t, &p, err, sizeof err), -1);
	assert_non_null(strstr(err, "cannot run /nonexistent/nft"));
	t.nft = "/bin/false";
	assert_int_equal(sbtc_fw_read(&t, &p, err, sizeof err), -1);
	assert_non_null(strstr(err, "/bin/false -j list ruleset failed (exit 1): no message"));
	t.nft = NULL;
	t.iptables_save = "/bin/true"; /* prints nothing: no table loaded */
	t.ip6tables_save = "/bin/true";
	assert_int_equal(sbtc_fw_read(&t, &p, err, sizeof err), 0);
	assert_string_equal(p.source, "iptables");
	assert_true(p.v4.known && !p.v4.deny);
	assert_true(p.v6.known && !p.v6.deny);

	/* As root, a program someone else could have changed is never run. */
	if (geteuid() == 0) {
		char path[] = "/tmp/sbtc-fw-test-XXXXXX";
		int fd = mkstemp(path);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, "#!/bin/sh\nexit 0\n", 18), 18);
		close(fd);
		assert_int_equal(chmod(path, 0777), 0);
		sbtc_fw_tools w = {.nft = path};
		assert_int_equal(sbtc_fw_read(&w, &p, err, sizeof err), -1);
		assert_non_null(strstr(err, "refusing to run"));
		assert_int_equal(chmod(path, 0755), 0);
		assert_int_equal(chown(path, 65534, 65534), 0);
		assert_int_equal(sbtc_fw_read(&w, &p, err, sizeof err), -1);
		assert_non_null(strstr(err, "not owned by root"));
		unlink(path);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nft),
		cmocka_unit_test(test_nft_malformed),
		cmocka_unit_test(test_iptables),
		cmocka_unit_test(test_read),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
