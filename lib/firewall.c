/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "firewall.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "deadline.h"
#include "json_field.h"
#include "sanitize.h"
#include "strbuf.h"
#include "subprocess.h"

#define OUTPUT_MAX (32u << 20)

typedef enum { VERDICT_NONE = 0, VERDICT_ACCEPT, VERDICT_DENY } verdict;

/* An input base chain as far as read. */
typedef struct {
	char family[16], table[64], name[64];
	bool policy_drop;
	verdict first_unconditional; /* the first rule that matches everything and decides */
} base_chain;

static const char *str_member(json_object *o, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* A rule's verdict when it matches every packet: statements that only count or log, then
 * accept, drop or reject. Anything else (a match, a jump, a set lookup) is conditional. */
static verdict unconditional_verdict(json_object *expr)
{
	if (expr == NULL || !json_object_is_type(expr, json_type_array))
		return VERDICT_NONE;
	size_t n = json_object_array_length(expr);
	for (size_t i = 0; i < n; i++) {
		json_object *st = json_object_array_get_idx(expr, i);
		if (!json_object_is_type(st, json_type_object) || json_object_object_length(st) != 1)
			return VERDICT_NONE;
		json_object_object_foreach(st, key, val) {
			(void)val;
			if (strcmp(key, "counter") == 0 || strcmp(key, "log") == 0)
				break;
			if (i + 1 != n)
				return VERDICT_NONE;
			if (strcmp(key, "accept") == 0)
				return VERDICT_ACCEPT;
			if (strcmp(key, "drop") == 0 || strcmp(key, "reject") == 0)
				return VERDICT_DENY;
			return VERDICT_NONE;
		}
	}
	return VERDICT_NONE;
}

static bool chain_denies(const base_chain *c)
{
	return c->first_unconditional == VERDICT_DENY || (c->first_unconditional == VERDICT_NONE && c->policy_drop);
}

static void describe_chain(const base_chain *c, char *dst, size_t dstlen)
{
	const char *what = c->first_unconditional == VERDICT_DENY   ? "ends in an unconditional drop/reject rule"
			   : c->first_unconditional == VERDICT_ACCEPT ? "accepts everything with an unconditional rule"
			   : c->policy_drop                           ? "policy drop"
								      : "policy accept";
	snprintf(dst, dstlen, "chain %s %s %s: %s", c->family, c->table, c->name, what);
}

/* Sums up the base chains of one IP version. */
static void judge_family(const base_chain *chains, size_t n, bool v6, sbtc_fw_family *out)
{
	out->known = true;
	out->deny = false;
	out->how[0] = '\0';
	const base_chain *first = NULL;
	for (size_t i = 0; i < n; i++) {
		const base_chain *c = &chains[i];
		bool applies = strcmp(c->family, "inet") == 0 || strcmp(c->family, v6 ? "ip6" : "ip") == 0;
		if (!applies)
			continue;
		if (first == NULL)
			first = c;
		if (chain_denies(c)) {
			out->deny = true;
			describe_chain(c, out->how, sizeof out->how);
			return;
		}
	}
	if (first != NULL)
		describe_chain(first, out->how, sizeof out->how);
	else
		snprintf(out->how, sizeof out->how, "no chain on the input hook");
}

int sbtc_fw_nft_items(const char *text, size_t len, json_object **root, json_object **items, char *err,
		      size_t errlen)
{
	char e[300];
	*root = NULL;
	if (sbtc_json_parse(text, len, root, e, sizeof e) != 0) {
		snprintf(err, errlen, "nft's JSON: %s", e);
		return -1;
	}
	if (sbtc_json_get_array(*root, "nftables", items, e, sizeof e) != 0) {
		snprintf(err, errlen, "nft's JSON: %s", e);
		json_object_put(*root);
		*root = NULL;
		return -1;
	}
	return 0;
}

int sbtc_fw_parse_nft(const char *text, size_t len, sbtc_fw_policy *out, char *err, size_t errlen)
{
	json_object *root = NULL, *items;
	memset(out, 0, sizeof *out);
	out->source = "nftables";
	if (sbtc_fw_nft_items(text, len, &root, &items, err, errlen) != 0)
		return -1;
	base_chain *chains = NULL;
	size_t nchains = 0;
	size_t n = json_object_array_length(items);
	for (size_t i = 0; i < n; i++) {
		json_object *item = json_object_array_get_idx(items, i), *o;
		if (!json_object_is_type(item, json_type_object))
			continue;
		if (json_object_object_get_ex(item, "chain", &o) && json_object_is_type(o, json_type_object)) {
			const char *hook = str_member(o, "hook"), *type = str_member(o, "type");
			const char *fam = str_member(o, "family"), *table = str_member(o, "table"),
				   *name = str_member(o, "name");
			if (hook == NULL || strcmp(hook, "input") != 0 || fam == NULL || table == NULL || name == NULL)
				continue;
			if (type != NULL && strcmp(type, "filter") != 0)
				continue;
			chains = sbtc_xrealloc(chains, (nchains + 1) * sizeof *chains);
			base_chain *c = &chains[nchains++];
			memset(c, 0, sizeof *c);
			sbtc_strlcpy(c->family, fam, sizeof c->family);
			sbtc_strlcpy(c->table, table, sizeof c->table);
			sbtc_strlcpy(c->name, name, sizeof c->name);
			const char *policy = str_member(o, "policy");
			c->policy_drop = policy != NULL && strcmp(policy, "drop") == 0;
		} else if (json_object_object_get_ex(item, "rule", &o) && json_object_is_type(o, json_type_object)) {
			const char *fam = str_member(o, "family"), *table = str_member(o, "table"),
				   *chain = str_member(o, "chain");
			if (fam == NULL || table == NULL || chain == NULL)
				continue;
			for (size_t k = 0; k < nchains; k++) {
				base_chain *c = &chains[k];
				if (c->first_unconditional != VERDICT_NONE || strcmp(c->family, fam) != 0 ||
				    strcmp(c->table, table) != 0 || strcmp(c->name, chain) != 0)
					continue;
				json_object *expr = NULL;
				json_object_object_get_ex(o, "expr", &expr);
				c->first_unconditional = unconditional_verdict(expr);
			}
		}
	}
	judge_family(chains, nchains, false, &out->v4);
	judge_family(chains, nchains, true, &out->v6);
	free(chains);
	json_object_put(root);
	return 0;
}

/* "-A INPUT -j DROP", "-A INPUT -m comment --comment x -j REJECT --reject-with ...". */
static verdict iptables_rule_verdict(const char *line, size_t n)
{
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	sbtc_strbuf_append(&b, line, n);
	char *s = sbtc_strbuf_steal(&b);
	verdict v = VERDICT_NONE;
	const char *target = NULL;
	bool conditional = false;
	char *save = NULL;
	char *tok = strtok_r(s, " \t", &save); /* -A */
	tok = strtok_r(NULL, " \t", &save);    /* INPUT */
	while ((tok = strtok_r(NULL, " \t", &save)) != NULL) {
		if (strcmp(tok, "-j") == 0) {
			target = strtok_r(NULL, " \t", &save);
			/* what follows -j are the target's own options (--reject-with) */
			break;
		}
		if (strcmp(tok, "-m") == 0) {
			char *m = strtok_r(NULL, " \t", &save);
			if (m != NULL && strcmp(m, "comment") == 0) {
				if (strtok_r(NULL, " \t", &save) != NULL) /* --comment */
					strtok_r(NULL, " \t", &save); /* its text (iptables-save quotes blanks) */
				continue;
			}
		}
		conditional = true;
	}
	if (!conditional && target != NULL) {
		if (strcmp(target, "ACCEPT") == 0)
			v = VERDICT_ACCEPT;
		else if (strcmp(target, "DROP") == 0 || strcmp(target, "REJECT") == 0)
			v = VERDICT_DENY;
	}
	free(s);
	return v;
}

bool sbtc_fw_save_line(const char **p, const char *end, unsigned *lineno, const char **line, size_t *n)
{
	while (sbtc_next_line(p, end, line, n)) {
		(*lineno)++;
		if (*n > 0 && (*line)[0] != '#')
			return true;
	}
	return false;
}

int sbtc_fw_parse_iptables(const char *text, size_t len, bool ipv6, sbtc_fw_policy *out, char *err, size_t errlen)
{
	sbtc_fw_family *f = ipv6 ? &out->v6 : &out->v4;
	out->source = "iptables";
	base_chain c;
	memset(&c, 0, sizeof c);
	sbtc_strlcpy(c.family, ipv6 ? "ip6" : "ip", sizeof c.family);
	sbtc_strlcpy(c.table, "filter", sizeof c.table);
	sbtc_strlcpy(c.name, "INPUT", sizeof c.name);
	bool in_filter = false, have_input = false;
	const char *p = text, *end = text + len;
	unsigned lineno = 0;
	const char *line;
	size_t n;
	while (sbtc_fw_save_line(&p, end, &lineno, &line, &n)) {
		if (line[0] == '*') {
			in_filter = n == 7 && memcmp(line, "*filter", 7) == 0;
			continue;
		}
		if (n == 6 && memcmp(line, "COMMIT", 6) == 0) {
			in_filter = false;
			continue;
		}
		if (line[0] != ':' && line[0] != '-') {
			snprintf(err, errlen, "%s output, line %u: not iptables-save format",
				 ipv6 ? "ip6tables-save" : "iptables-save", lineno);
			return -1;
		}
		if (!in_filter)
			continue;
		if (n > 7 && memcmp(line, ":INPUT ", 7) == 0) {
			have_input = true;
			c.policy_drop = n >= 11 && memcmp(line + 7, "DROP", 4) == 0;
		} else if (n > 9 && memcmp(line, "-A INPUT ", 9) == 0 && c.first_unconditional == VERDICT_NONE) {
			c.first_unconditional = iptables_rule_verdict(line, n);
		}
	}
	if (!have_input) {
		f->known = true;
		f->deny = false;
		snprintf(f->how, sizeof f->how, "no %s filter table loaded: the kernel accepts everything",
			 ipv6 ? "ip6tables" : "iptables");
		return 0;
	}
	judge_family(&c, 1, ipv6, f);
	return 0;
}

char *sbtc_fw_find_tool(const char *name)
{
	static const char *dirs[] = {"/usr/sbin", "/sbin", "/usr/bin", "/bin"};
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		char *p = sbtc_xasprintf("%s/%s", dirs[i], name);
		if (access(p, X_OK) == 0)
			return p;
		free(p);
	}
	return sbtc_find_in_path(name);
}

int sbtc_fw_run_tool(const char *path, char *const argv[], char **out, size_t *outlen, char *err, size_t errlen)
{
	static char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL};
	sbtc_child c;
	char e[400];
	sbtc_strbuf cmd = SBTC_STRBUF_INIT;
	for (size_t i = 0; argv[i] != NULL; i++)
		sbtc_strbuf_printf(&cmd, "%s%s", i ? " " : "", i ? argv[i] : path);
	sbtc_deadline_activity(sbtc_strbuf_str(&cmd));
	/* Run as root (through sudo from NRPE), only a program only root can change. */
	struct stat st;
	if (geteuid() == 0 && stat(path, &st) == 0 && (st.st_uid != 0 || (st.st_mode & 022) != 0)) {
		snprintf(err, errlen, "refusing to run %s as root: it is not owned by root, or others may write to it",
			 path);
		sbtc_strbuf_free(&cmd);
		return -1;
	}
	if (sbtc_child_spawn(path, argv, envp, &c, e, sizeof e) != 0) {
		snprintf(err, errlen, "cannot run %s", e); /* e names the program */
		sbtc_strbuf_free(&cmd);
		return -1;
	}
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	bool too_big = false, timed_out = false;
	sbtc_child_read_output(&c, OUTPUT_MAX, &b, &timed_out, &too_big);
	if (timed_out || too_big) {
		sbtc_child_kill(&c);
		sbtc_strbuf_free(&b);
		snprintf(err, errlen, too_big ? "%s: output larger than 32 MB" : "%s did not finish before the deadline",
			 sbtc_strbuf_str(&cmd));
		sbtc_strbuf_free(&cmd);
		return -1;
	}
	int code;
	bool killed;
	if (sbtc_child_finish(&c, &code, &killed, e, sizeof e) != 0) {
		snprintf(err, errlen, "%s did not finish before the deadline", sbtc_strbuf_str(&cmd));
		sbtc_strbuf_free(&cmd);
		sbtc_strbuf_free(&b);
		return -1;
	}
	if (code != 0) {
		bool perm = strstr(e, "ermission") != NULL || strstr(e, "not permitted") != NULL;
		if (code < 0)
			snprintf(err, errlen, "%s was killed by signal %d", sbtc_strbuf_str(&cmd), -code);
		else
			snprintf(err, errlen, "%s failed (exit %d): %s%s", sbtc_strbuf_str(&cmd), code,
				 e[0] ? e : "no message",
				 perm ? " (reading the firewall needs root or CAP_NET_ADMIN: run the check as root, "
					"for example through sudo from NRPE)"
				      : "");
		sbtc_strbuf_free(&cmd);
		sbtc_strbuf_free(&b);
		return -1;
	}
	sbtc_strbuf_free(&cmd);
	*outlen = b.len;
	*out = sbtc_strbuf_steal(&b);
	return 0;
}

int sbtc_fw_read(const sbtc_fw_tools *tools, sbtc_fw_policy *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	char *nft = tools->nft ? sbtc_xstrdup(tools->nft) : sbtc_fw_find_tool("nft");
	char *text;
	size_t len;
	if (nft != NULL && (tools->nft != NULL || tools->iptables_save == NULL)) {
		char *const argv[] = {"nft", "-j", "list", "ruleset", NULL};
		int rc = sbtc_fw_run_tool(nft, argv, &text, &len, err, errlen);
		free(nft);
		if (rc != 0)
			return -1;
		rc = sbtc_fw_parse_nft(text, len, out, err, errlen);
		free(text);
		return rc;
	}
	free(nft);
	char *ipt = tools->iptables_save ? sbtc_xstrdup(tools->iptables_save) : sbtc_fw_find_tool("iptables-save");
	if (ipt == NULL) {
		snprintf(err, errlen, "neither nft nor iptables-save is installed: the input policy cannot be read");
		return -1;
	}
	char *const argv4[] = {"iptables-save", "-t", "filter", NULL};
	int rc = sbtc_fw_run_tool(ipt, argv4, &text, &len, err, errlen);
	free(ipt);
	if (rc != 0)
		return -1;
	rc = sbtc_fw_parse_iptables(text, len, false, out, err, errlen);
	free(text);
	if (rc != 0)
		return -1;
	char *ip6t = tools->ip6tables_save ? sbtc_xstrdup(tools->ip6tables_save) : sbtc_fw_find_tool("ip6tables-save");
	if (ip6t == NULL)
		return 0; /* v6 stays unknown */
	char *const argv6[] = {"ip6tables-save", "-t", "filter", NULL};
	rc = sbtc_fw_run_tool(ip6t, argv6, &text, &len, err, errlen);
	free(ip6t);
	if (rc != 0)
		return -1;
	rc = sbtc_fw_parse_iptables(text, len, true, out, err, errlen);
	free(text);
	return rc;
}
