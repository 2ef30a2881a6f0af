/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE /* memmem */
#include "sockets.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "deadline.h"
#include "hex.h"
#include "sanitize.h"
#include "strbuf.h"

#define TCP_LISTEN 0x0A
#define UDP_UNCONNECTED 0x07 /* TCP_CLOSE, what the kernel shows for a bound UDP socket */
#define TABLE_MAX (64u << 20)

/* n hex digits into a 32-bit word. */
static bool hex32(const char *p, size_t n, uint32_t *out)
{
	uint32_t v = 0;
	if (n == 0 || n > 8)
		return false;
	for (size_t i = 0; i < n; i++) {
		int h = sbtc_hex_digit((unsigned char)p[i]);
		if (h < 0)
			return false;
		v = (v << 4) | (uint32_t)h;
	}
	*out = v;
	return true;
}

/* "0100007F:1F90" (IPv4) or 32 hex digits ':' port (IPv6). The kernel prints each 32-bit
 * word of the address as the number it is in this machine's memory, so copying the
 * words back gives the address bytes in network order. */
static bool parse_endpoint(const char *p, size_t n, int family, uint8_t addr[16], unsigned *port)
{
	size_t alen = family == AF_INET ? 8 : 32;
	if (n < alen + 2 || p[alen] != ':')
		return false;
	memset(addr, 0, 16);
	for (size_t w = 0; w < alen / 8; w++) {
		uint32_t v;
		if (!hex32(p + w * 8, 8, &v))
			return false;
		memcpy(addr + w * 4, &v, 4);
	}
	uint32_t pv;
	if (n - alen - 1 > 4 || !hex32(p + alen + 1, n - alen - 1, &pv) || pv > 65535)
		return false;
	*port = pv;
	return true;
}

/* The next blank-separated field of line [*p, end). */
static bool field(const char **p, const char *end, const char **f, size_t *fn)
{
	while (*p < end && (**p == ' ' || **p == '\t'))
		(*p)++;
	if (*p >= end)
		return false;
	*f = *p;
	while (*p < end && **p != ' ' && **p != '\t')
		(*p)++;
	*fn = (size_t)(*p - *f);
	return true;
}

static bool same_endpoint(const sbtc_socket *a, const sbtc_socket *b)
{
	return a->tcp == b->tcp && a->family == b->family && a->port == b->port && memcmp(a->addr, b->addr, 16) == 0;
}
/* A decimal field of /proc/net (n < DECIMAL_MAX bytes): 0, or -1 with a message that
 * names it and its line. */
#define DECIMAL_MAX 24
static int decimal_field(const char *f, size_t n, const char *what, unsigned lineno, unsigned long *out, char *err,
			 size_t errlen)
{
	char num[DECIMAL_MAX];
	char *ep;
	memcpy(num, f, n);
	num[n] = '\0';
	errno = 0;
	*out = strtoul(num, &ep, 10);
	if (*ep != '\0' || errno != 0 || !isdigit((unsigned char)num[0])) {
		snprintf(err, errlen, "line %u: bad %s '%s'", lineno, what, num);
		return -1;
	}
	return 0;
}


int sbtc_sockets_parse(const char *text, size_t len, bool tcp, int family, sbtc_socket_list *list, char *err,
		       size_t errlen)
{
	const char *p = text, *end = text + len;
	int added = 0;
	unsigned lineno = 0;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		lineno++;
		const char *q = p;
		p = eol < end ? eol + 1 : end;
		if (lineno == 1) {
			if (memmem(q, (size_t)(eol - q), "local_address", 13) == NULL) {
				snprintf(err, errlen, "not a /proc/net socket table: no header line");
				return -1;
			}
			continue;
		}
		const char *f[10];
		size_t fn[10];
		size_t nf = 0;
		while (nf < 10 && field(&q, eol, &f[nf], &fn[nf]))
			nf++;
		if (nf == 0)
			continue;
		if (nf < 10) {
			snprintf(err, errlen, "line %u: %zu fields, expected at least 10", lineno, nf);
			return -1;
		}
		sbtc_socket s;
		memset(&s, 0, sizeof s);
		s.tcp = tcp;
		s.family = family;
		uint8_t raddr[16];
		unsigned rport;
		if (!parse_endpoint(f[1], fn[1], family, s.addr, &s.port)) {
			snprintf(err, errlen, "line %u: bad local address '%.*s'", lineno, (int)(fn[1] > 60 ? 60 : fn[1]),
				 f[1]);
			return -1;
		}
		if (!parse_endpoint(f[2], fn[2], family, raddr, &rport)) {
			snprintf(err, errlen, "line %u: bad remote address '%.*s'", lineno, (int)(fn[2] > 60 ? 60 : fn[2]),
				 f[2]);
			return -1;
		}
		uint32_t st;
		if (!hex32(f[3], fn[3], &st)) {
			snprintf(err, errlen, "line %u: bad state '%.*s'", lineno, (int)(fn[3] > 20 ? 20 : fn[3]), f[3]);
			return -1;
		}
		if (fn[7] >= DECIMAL_MAX || fn[9] >= DECIMAL_MAX) {
			snprintf(err, errlen, "line %u: bad uid or inode", lineno);
			return -1;
		}
		unsigned long uid, inode;
		if (decimal_field(f[7], fn[7], "uid", lineno, &uid, err, errlen) != 0 ||
		    decimal_field(f[9], fn[9], "inode", lineno, &inode, err, errlen) != 0)
			return -1;
		if (tcp ? st != TCP_LISTEN : (st != UDP_UNCONNECTED || rport != 0))
			continue;
		s.uid = (unsigned)uid;
		s.inode = inode;
		/* SO_REUSEPORT groups (one socket per worker) are one endpoint. */
		bool dup = false;
		for (size_t i = 0; i < list->n && !dup; i++)
			dup = same_endpoint(&list->v[i], &s);
		if (dup)
			continue;
		if (list->n == list->cap) {
			list->cap = list->cap ? list->cap * 2 : 32;
			list->v = sbtc_xrealloc(list->v, list->cap * sizeof *list->v);
		}
		list->v[list->n++] = s;
		added++;
	}
	if (lineno == 0) {
		snprintf(err, errlen, "not a /proc/net socket table: empty");
		return -1;
	}
	return added;
}

static int read_file(const char *path, char **out, size_t *outlen, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	char buf[65536];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			close(fd);
			sbtc_strbuf_free(&b);
			return -1;
		}
		if (n == 0)
			break;
		if (b.len + (size_t)n > TABLE_MAX) {
			snprintf(err, errlen, "%s: larger than %u bytes", path, TABLE_MAX);
			close(fd);
			sbtc_strbuf_free(&b);
			return -1;
		}
		sbtc_strbuf_append(&b, buf, (size_t)n);
	}
	close(fd);
	*outlen = b.len;
	*out = sbtc_strbuf_steal(&b);
	return 0;
}

int sbtc_sockets_read(const char *procdir, sbtc_socket_list *list, char *err, size_t errlen)
{
	static const struct {
		const char *name;
		bool tcp;
		int family;
	} tables[] = {{"tcp", true, AF_INET}, {"tcp6", true, AF_INET6}, {"udp", false, AF_INET}, {"udp6", false, AF_INET6}};
	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		char *path = sbtc_xasprintf("%s/%s", procdir, tables[i].name);
		char *text;
		size_t len;
		char e[300];
		if (read_file(path, &text, &len, e, sizeof e) != 0) {
			bool missing = errno == ENOENT && tables[i].family == AF_INET6;
			free(path);
			if (missing)
				continue; /* a kernel without IPv6 */
			snprintf(err, errlen, "%s", e);
			return -1;
		}
		int n = sbtc_sockets_parse(text, len, tables[i].tcp, tables[i].family, list, e, sizeof e);
		free(text);
		if (n < 0) {
			snprintf(err, errlen, "%s: %s", path, e);
			free(path);
			return -1;
		}
		free(path);
	}
	return 0;
}

static bool all_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static void read_comm(const char *proc, const char *pid, char *dst, size_t dstlen)
{
	char *path = sbtc_xasprintf("%s/%s/comm", proc, pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	dst[0] = '\0';
	if (fd < 0)
		return;
	char buf[64];
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	char *clean = sbtc_sanitize(buf, dstlen - 1 < 60 ? dstlen - 1 : 60);
	sbtc_strlcpy(dst, clean, dstlen);
	free(clean);
}

size_t sbtc_sockets_owners(const char *proc, sbtc_socket_list *list)
{
	size_t denied = 0, unowned = 0;
	for (size_t i = 0; i < list->n; i++)
		if (list->v[i].pid == 0 && list->v[i].inode != 0)
			unowned++;
	if (unowned == 0)
		return 0;
	DIR *d = opendir(proc);
	if (d == NULL)
		return 1;
	struct dirent *de;
	while (unowned > 0 && (de = readdir(d)) != NULL) {
		if (!all_digits(de->d_name))
			continue;
		if (sbtc_deadline_remaining() < 0.5)
			break; /* names are a nicety: leave time for the verdict */
		char *fdpath = sbtc_xasprintf("%s/%s/fd", proc, de->d_name);
		int dfd = open(fdpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		free(fdpath);
		if (dfd < 0) {
			if (errno == EACCES || errno == EPERM)
				denied++;
			continue;
		}
		DIR *fdd = fdopendir(dfd);
		if (fdd == NULL) {
			close(dfd);
			continue;
		}
		char comm[64] = "";
		bool have_comm = false;
		struct dirent *fe;
		while ((fe = readdir(fdd)) != NULL) {
			if (fe->d_name[0] == '.')
				continue;
			char link[64];
			ssize_t n = readlinkat(dfd, fe->d_name, link, sizeof link - 1);
			if (n <= 8 || strncmp(link, "socket:[", 8) != 0)
				continue;
			link[n] = '\0';
			unsigned long inode = strtoul(link + 8, NULL, 10);
			for (size_t i = 0; i < list->n; i++) {
				sbtc_socket *s = &list->v[i];
				if (s->pid != 0 || s->inode != inode)
					continue;
				if (!have_comm) {
					read_comm(proc, de->d_name, comm, sizeof comm);
					have_comm = true;
				}
				s->pid = atoi(de->d_name);
				sbtc_strlcpy(s->process, comm, sizeof s->process);
				unowned--;
			}
		}
		closedir(fdd);
	}
	closedir(d);
	return denied;
}

bool sbtc_socket_loopback(const sbtc_socket *s)
{
	static const uint8_t v6_loop[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	static const uint8_t v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (s->family == AF_INET)
		return s->addr[0] == 127;
	if (memcmp(s->addr, v6_loop, 16) == 0)
		return true;
	return memcmp(s->addr, v4_mapped, 12) == 0 && s->addr[12] == 127;
}

void sbtc_socket_endpoint(const sbtc_socket *s, char *dst, size_t dstlen)
{
	char a[INET6_ADDRSTRLEN];
	if (inet_ntop(s->family, s->addr, a, sizeof a) == NULL)
		sbtc_strlcpy(a, "?", sizeof a);
	if (s->family == AF_INET6)
		snprintf(dst, dstlen, "[%s]:%u", a, s->port);
	else
		snprintf(dst, dstlen, "%s:%u", a, s->port);
}

void sbtc_socket_list_free(sbtc_socket_list *list)
{
	free(list->v);
	list->v = NULL;
	list->n = list->cap = 0;
}
