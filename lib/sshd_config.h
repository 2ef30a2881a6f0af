/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The settings of the OpenSSH server that decide who may log in and how: read from the
 * effective configuration `sshd -T` prints (run directly, bounded by the deadline), or,
 * where sshd cannot run, from sshd_config itself, taking every Match block as if it
 * applied (the worst case). */
#ifndef SBTC_SSHD_CONFIG_H
#define SBTC_SSHD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "subprocess.h"

typedef struct {
	bool password;      /* passwordauthentication */
	bool kbd;           /* kbdinteractiveauthentication (or challengeresponseauthentication) */
	bool pubkey;        /* pubkeyauthentication */
	char permit_root[32]; /* permitrootlogin: yes, prohibit-password, forced-commands-only, no */
	char **akf;         /* authorizedkeysfile patterns (none: 0 of them) */
	size_t nakf;
	char *akc;          /* authorizedkeyscommand, NULL when none */
	bool methods_require_pubkey; /* every authenticationmethods list holds publickey */
	char *methods;      /* authenticationmethods as written ("any") */
	/* Read from sshd_config directly: which of the above a Match block set (the value is
	 * then the worst of the global one and every block's). */
	bool match_password, match_kbd, match_root;
} sbtc_sshd_settings;

/* Parses the output of `sshd -T` (lines "keyword value", keywords in lower case).
 * Returns 0, or -1 with a message naming what is missing or malformed. */
int sbtc_sshd_parse_T(const char *text, size_t len, sbtc_sshd_settings *s, char *err, size_t errlen);

/* Parses sshd_config text (keywords in any case, "Keyword value" or "Keyword=value",
 * the first value of a keyword wins as in sshd). Include lines are followed through
 * glob(3), relative names under dir_for_include (sshd's /etc/ssh), at most 16 deep;
 * include_depth is 0 for the main file. Match blocks: see above. Returns 0, or -1 with a
 * message naming the file and line. */
int sbtc_sshd_parse_config(const char *text, size_t len, const char *name, const char *dir_for_include,
			   sbtc_sshd_settings *s, char *err, size_t errlen);

/* Reads the file at path with sbtc_sshd_parse_config (Include relative to /etc/ssh). */
int sbtc_sshd_read_config(const char *path, sbtc_sshd_settings *s, char *err, size_t errlen);

/* One `sshd -T [-f config] [-h key]... [-C user=USER]` (user NULL: no -C) run: started,
 * then finished, so that several run at once (their output, a few kB each, fits in the
 * pipe while they wait). */
typedef struct {
	sbtc_child child;
	char *what; /* "sshd -T -C user=alice", sanitised */
} sbtc_sshd_T_run;

/* Starts the run: 0, or -1 with a message (nothing is left to finish). */
int sbtc_sshd_T_start(const char *sshd, const char *config, char *const *host_keys, size_t nhost_keys,
		      const char *user, sbtc_sshd_T_run *run, char *err, size_t errlen);

/* Reads its output within the deadline, checks its exit status and standard error, and
 * parses it into *s. 0, or -1 with a message holding the start of sshd's standard error
 * and what sshd -T needs (root, /run/sshd). Frees the run either way. */
int sbtc_sshd_T_finish(sbtc_sshd_T_run *run, sbtc_sshd_settings *s, char *err, size_t errlen);

/* Both of the above, for one run. */
int sbtc_sshd_run_T(const char *sshd, const char *config, char *const *host_keys, size_t nhost_keys,
		    const char *user, sbtc_sshd_settings *s, char *err, size_t errlen);

void sbtc_sshd_settings_free(sbtc_sshd_settings *s);

/* A deep copy of src into *dst. */
void sbtc_sshd_settings_copy(sbtc_sshd_settings *dst, const sbtc_sshd_settings *src);

/* Expands one AuthorizedKeysFile pattern for a user: %h home, %u user, %U uid, %% '%';
 * a relative result is taken under the home directory, as sshd does. malloc'd; NULL
 * with a message for an unknown %-token. */
char *sbtc_sshd_expand_akf(const char *pattern, const char *home, const char *user, unsigned long uid,
			   char *err, size_t errlen);

#endif
