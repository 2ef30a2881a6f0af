/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The host firewall's input policy: does a packet to this host that no rule lets in get
 * dropped (default deny) or accepted? Read from nftables' JSON (`nft -j list ruleset`),
 * or from `iptables-save` / `ip6tables-save` where nft is absent, each run directly
 * (never through a shell) and bounded by the deadline. */
#ifndef SBTC_FIREWALL_H
#define SBTC_FIREWALL_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
	bool known;      /* this family was read */
	bool deny;       /* input denies by default */
	char how[240];   /* why, for the output: "chain inet filter input: policy drop" */
} sbtc_fw_family;

typedef struct {
	const char *source; /* "nftables", "iptables" */
	sbtc_fw_family v4, v6;
} sbtc_fw_policy;

/* Parses `nft -j list ruleset`. A packet passes every base chain on the input hook, so
 * input denies by default when any of them (family ip or inet for IPv4, ip6 or inet for
 * IPv6) ends in drop: its policy is drop and no unconditional accept comes first, or an
 * unconditional drop or reject rule is reached. Returns 0 or -1 with a message. */
int sbtc_fw_parse_nft(const char *text, size_t len, sbtc_fw_policy *out, char *err, size_t errlen);

/* Parses `iptables-save` (ipv6 false) or `ip6tables-save` output into out->v4 or out->v6:
 * the filter table's INPUT chain, its policy and unconditional verdict rules. No filter
 * table means the kernel's default, accept. Returns 0 or -1 with a message. */
int sbtc_fw_parse_iptables(const char *text, size_t len, bool ipv6, sbtc_fw_policy *out, char *err, size_t errlen);

/* The next line of iptables-save output from *p to end that is neither blank nor a
 * comment: *line and *n as sbtc_next_line gives them, *lineno its number (counted from
 * 0 by the caller, every line). False at the end. */
bool sbtc_fw_save_line(const char **p, const char *end, unsigned *lineno, const char **line, size_t *n);

/* The "nftables" array of `nft -j list ruleset` output, and the parsed document that holds
 * it (the caller frees *root with json_object_put). Returns 0, or -1 with a message. */
struct json_object;
int sbtc_fw_nft_items(const char *text, size_t len, struct json_object **root, struct json_object **items,
		      char *err, size_t errlen);

typedef struct {
	const char *nft;             /* full path, or NULL to look in the usual places */
	const char *iptables_save;
	const char *ip6tables_save;
} sbtc_fw_tools;

/* Runs the tools and parses their output. Returns 0, or -1 with why the firewall could
 * not be read ("nft -j list ruleset: Operation not permitted (run as root ...)", "neither
 * nft nor iptables-save is installed"). */
int sbtc_fw_read(const sbtc_fw_tools *tools, sbtc_fw_policy *out, char *err, size_t errlen);

/* The first executable called name in /usr/sbin, /sbin, /usr/bin, /bin, then PATH
 * (malloc'd), or NULL. */
char *sbtc_fw_find_tool(const char *name);

/* Runs path with argv (never through a shell, bounded by the deadline, refusing a program
 * others may change when run as root), its standard output into *out (malloc'd, at most
 * 32 MB). Returns 0, or -1 with a message that names the command. */
int sbtc_fw_run_tool(const char *path, char *const argv[], char **out, size_t *outlen, char *err, size_t errlen);

#endif
