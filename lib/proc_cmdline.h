/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Running processes whose command line holds the signer's private key: every user can read
 * /proc/PID/cmdline (unless /proc is mounted with hidepid), so a key given there is
 * readable by all. Only the shape of an argument is judged; nothing of it is kept. */
#ifndef SBTC_PROC_CMDLINE_H
#define SBTC_PROC_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
	long pid;
	char comm[20];    /* /proc/PID/comm, made safe ("?" when it looks like hex data) */
	const char *what; /* how the key shows (a constant) */
} sbtc_cmdline_hit;

typedef struct {
	sbtc_cmdline_hit *hits;
	size_t n;
	size_t scanned;    /* processes whose command line was read */
	size_t unreadable; /* processes that went away or could not be read */
	bool hidden;       /* /proc hides other users' processes from this user */
	char hidepid[24];  /* the mount option's value, when hidden */
} sbtc_cmdline_scan;

/* Whether a command line (NUL-separated arguments, len bytes) carries the key: an argument
 * SIGNER_SIGNER__PRIVATE_KEY=VALUE anywhere in it (env, docker run -e, sh -c), or, in a
 * program named signer, an argument of 64 hex digits (optionally 0x before, 01 after: a
 * secp256k1 secret key). Returns the description, or NULL. */
const char *sbtc_cmdline_judge(const char *argv, size_t len);

/* Whether /proc's mount options (the super options of /proc/self/mountinfo's line for
 * /proc, len bytes) hide other users' processes; *value gets hidepid's value. */
bool sbtc_hidepid_hides(const char *options, size_t len, char *value, size_t vlen);

/* Reads every /proc/PID/cmdline under proc (normally "/proc"). 0, or -1 with a message
 * when proc itself cannot be listed. */
int sbtc_cmdline_scan_proc(const char *proc, sbtc_cmdline_scan *out, char *err, size_t errlen);
void sbtc_cmdline_scan_free(sbtc_cmdline_scan *s);

#endif
