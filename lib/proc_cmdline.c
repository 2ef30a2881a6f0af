/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "proc_cmdline.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "strbuf.h"

#define ENV_NAME "SIGNER_SIGNER__PRIVATE_KEY="
#define CMDLINE_MAX (256u * 1024u)

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return n > 0;
}

/* 64 hex digits, 0x before and 01 after allowed (the signer's PrivateKey accepts the
 * compressed-key marker, signer/src/keys.rs). */
static bool key_shaped(const char *a, size_t n)
{
	if (n >= 2 && a[0] == '0' && (a[1] == 'x' || a[1] == 'X')) {
		a += 2;
		n -= 2;
	}
	if (n == 66 && a[64] == '0' && a[65] == '1')
		n = 64;
	return n == 64 && all_hex(a, n);
}

const char *sbtc_cmdline_judge(const char *argv, size_t len)
{
	bool signer = false;
	size_t i = 0, index = 0;
	while (i < len) {
		const char *a = argv + i;
		const char *z = memchr(a, '\0', len - i);
		size_t n = z != NULL ? (size_t)(z - a) : len - i;
		if (index == 0) {
			const char *base = a;
			for (size_t k = 0; k < n; k++)
				if (a[k] == '/')
					base = a + k + 1;
			signer = (size_t)(a + n - base) == 6 && memcmp(base, "signer", 6) == 0;
		}
		/* NAME=VALUE anywhere in the argument: env, -e, --env=, sh -c '...' */
		for (size_t k = 0; k + sizeof ENV_NAME - 1 < n; k++) {
			if (memcmp(a + k, ENV_NAME, sizeof ENV_NAME - 1) != 0)
				continue;
			char c = a[k + sizeof ENV_NAME - 1];
			if (c != '$' && c != ' ' && c != '"' && c != '\'')
				return "SIGNER_SIGNER__PRIVATE_KEY=... in an argument";
		}
		if (signer && index > 0 && key_shaped(a, n))
			return "an argument shaped like a private key (64 hex digits)";
		i += n + 1;
		index++;
	}
	return NULL;
}

bool sbtc_hidepid_hides(const char *o, size_t len, char *value, size_t vlen)
{
	size_t i = 0;
	while (i < len) {
		const char *opt = o + i;
		const char *comma = memchr(opt, ',', len - i);
		size_t n = comma != NULL ? (size_t)(comma - opt) : len - i;
		if (n > 8 && memcmp(opt, "hidepid=", 8) == 0) {
			/* the value as the message shows it: letters and digits, '?' for the rest,
			 * to the first NUL */
			size_t vl = 0;
			for (size_t k = 8; k < n && vl + 1 < vlen && opt[k] != '\0'; k++)
				value[vl++] = isalnum((unsigned char)opt[k]) ? opt[k] : '?';
			value[vl] = '\0';
			return vl > 0 && strcmp(value, "0") != 0 && strcmp(value, "off") != 0;
		}
		i += n + 1;
	}
	if (vlen > 0)
		value[0] = '\0';
	return false;
}

/* The mount options of proc (a mount point: /proc, or --proc), from its
 * self/mountinfo: "... - proc proc rw,hidepid=2". */
static void check_hidepid(const char *proc, sbtc_cmdline_scan *s)
{
	char *path = sbtc_xasprintf("%s/self/mountinfo", proc);
	FILE *f = fopen(path, "re");
	free(path);
	if (f == NULL)
		return;
	char line[4096];
	while (fgets(line, sizeof line, f) != NULL) {
		/* fields: id parent maj:min root mountpoint ... - fstype source superopts */
		char mnt[256];
		if (sscanf(line, "%*s %*s %*s %*s %255s", mnt) != 1 || strcmp(mnt, proc) != 0)
			continue;
		const char *dash = strstr(line, " - proc ");
		if (dash == NULL)
			continue;
		const char *opts = strrchr(line, ' ');
		if (opts == NULL)
			continue;
		opts++;
		size_t n = strcspn(opts, "\n");
		if (sbtc_hidepid_hides(opts, n, s->hidepid, sizeof s->hidepid) && geteuid() != 0)
			s->hidden = true;
	}
	if (fclose(f) != 0)
		return; /* a stream only read: nothing was lost */
}

/* Reads /proc/PID/cmdline into buf (at most cap bytes): its length, or -1. */
static ssize_t read_cmdline(int dirfd, const char *pid, char *buf, size_t cap)
{
	char rel[300];
	snprintf(rel, sizeof rel, "%s/cmdline", pid);
	int fd = openat(dirfd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	size_t len = 0;
	while (len < cap) {
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	return (ssize_t)len;
}

static void read_comm(int dirfd, const char *pid, char *out, size_t cap)
{
	char rel[300];
	snprintf(rel, sizeof rel, "%s/comm", pid);
	snprintf(out, cap, "?");
	int fd = openat(dirfd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	char b[32];
	ssize_t n = read(fd, b, sizeof b - 1);
	close(fd);
	if (n <= 0)
		return;
	b[n] = '\0';
	b[strcspn(b, "\n")] = '\0';
	size_t hex = 0, len = strlen(b);
	for (size_t i = 0; i < len; i++) {
		if (isxdigit((unsigned char)b[i]))
			hex++;
		if (!isalnum((unsigned char)b[i]) && strchr("._-+:@", b[i]) == NULL)
			b[i] = '?';
	}
	if (len == 0 || (len >= 8 && hex == len))
		return; /* a name that may be a piece of data is not shown */
	sbtc_strlcpy(out, b, cap);
}

int sbtc_cmdline_scan_proc(const char *proc, sbtc_cmdline_scan *s, char *err, size_t errlen)
{
	memset(s, 0, sizeof *s);
	check_hidepid(proc, s);
	DIR *d = opendir(proc);
	if (d == NULL) {
		snprintf(err, errlen, "cannot list %s: %s", proc, strerror(errno));
		return -1;
	}
	int dfd = dirfd(d);
	char *buf = sbtc_xmalloc(CMDLINE_MAX);
	long self = (long)getpid();
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		if (*end != '\0' || pid <= 0 || de->d_name[0] == '0' || pid == self)
			continue;
		ssize_t n = read_cmdline(dfd, de->d_name, buf, CMDLINE_MAX);
		if (n < 0) {
			s->unreadable++;
			continue;
		}
		s->scanned++;
		const char *what = sbtc_cmdline_judge(buf, (size_t)n);
		if (what != NULL) {
			s->hits = sbtc_xrealloc(s->hits, (s->n + 1) * sizeof *s->hits);
			sbtc_cmdline_hit *h = &s->hits[s->n++];
			h->pid = pid;
			h->what = what;
			read_comm(dfd, de->d_name, h->comm, sizeof h->comm);
		}
	}
	volatile char *w = buf;
	for (size_t i = 0; i < CMDLINE_MAX; i++)
		w[i] = 0;
	free(buf);
	closedir(d);
	return 0;
}

void sbtc_cmdline_scan_free(sbtc_cmdline_scan *s)
{
	free(s->hits);
	memset(s, 0, sizeof *s);
}
