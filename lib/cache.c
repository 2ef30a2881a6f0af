/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cache.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "sanitize.h"
#include "statedir.h"
#include "strbuf.h"

#define MAGIC "sbtc-cache 1\n"
#define HEADER_MAX 4096

static void set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (err == NULL || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int sbtc_cache_open(sbtc_cache *c, const char *dir, char *err, size_t errlen)
{
	c->dir = NULL;
	c->fd = -1;
	int fd = sbtc_statedir_open(dir, "cache directory", err, errlen);
	if (fd < 0)
		return -1;
	c->dir = sbtc_xstrdup(dir);
	c->fd = fd;
	return 0;
}

void sbtc_cache_close(sbtc_cache *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->dir);
	c->dir = NULL;
	c->fd = -1;
}

/* FNV-1a, 64 bits: a file name for a key (the key itself is stored and compared). */
static char *entry_name(const char *key)
{
	uint64_t h = 14695981039346656037ull;
	for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
		h ^= *p;
		h *= 1099511628211ull;
	}
	return sbtc_xasprintf("entry-%016" PRIx64, h);
}

char *sbtc_cache_path(const sbtc_cache *c, const char *key)
{
	char *name = entry_name(key);
	char *path = sbtc_xasprintf("%s/%s", c->dir ? c->dir : "", name);
	free(name);
	return path;
}

static bool key_ok(const char *key)
{
	return key != NULL && key[0] != '\0' && strchr(key, '\n') == NULL && strlen(key) < HEADER_MAX / 2;
}

/* Reads "NAME VALUE\n" at *p (within end); returns the value's span. */
static bool header_line(const char **p, const char *end, const char *name, const char **val, size_t *vlen)
{
	size_t nl = strlen(name);
	const char *s = *p;
	if ((size_t)(end - s) <= nl || memcmp(s, name, nl) != 0 || s[nl] != ' ')
		return false;
	const char *v = s + nl + 1;
	const char *eol = memchr(v, '\n', (size_t)(end - v));
	if (eol == NULL)
		return false;
	*val = v;
	*vlen = (size_t)(eol - v);
	*p = eol + 1;
	return true;
}

static bool parse_u64(const char *s, size_t n, uint64_t *out)
{
	if (n == 0 || n > 19)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return true;
}

int sbtc_cache_get(const sbtc_cache *c, const char *key, char **body, size_t *len, time_t *fetched,
		   char *err, size_t errlen)
{
	*body = NULL;
	*len = 0;
	if (c->dir == NULL || !key_ok(key))
		return 0;
	char *name = entry_name(key);
	char *path = sbtc_cache_path(c, key);
	char *clean = sbtc_sanitize(path, 300);
	int rc = -1;
	char *data = NULL;
	int fd = openat(c->fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			rc = 0;
		else
			set_err(err, errlen, "cache entry %s ignored: %s", clean,
				errno == ELOOP ? "a symbolic link" : strerror(errno));
		goto out;
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		set_err(err, errlen, "cache entry %s ignored: %s", clean, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		set_err(err, errlen, "cache entry %s ignored: %s", clean, "not a regular file");
		goto out;
	}
	if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		set_err(err, errlen, "cache entry %s ignored: %s", clean, "owned or writable by another user");
		goto out;
	}
	if (st.st_size < 0 || (uint64_t)st.st_size > (uint64_t)SBTC_CACHE_MAX_BODY + HEADER_MAX) {
		set_err(err, errlen, "cache entry %s ignored: %s", clean, "too large");
		goto out;
	}
	size_t cap = (size_t)st.st_size + 1, got = 0;
	data = sbtc_xmalloc(cap);
	/* The file may change size under us only by being replaced: rename never alters an
	 * open file, so a short or long read means corruption. */
	for (;;) {
		ssize_t n = read(fd, data + got, cap - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			set_err(err, errlen, "cache entry %s ignored: %s", clean, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got == cap) {
			set_err(err, errlen, "cache entry %s ignored: %s", clean, "it grew while being read");
			goto out;
		}
	}
	const char *p = data, *end = data + got, *v;
	size_t vl;
	uint64_t when, blen;
	if ((size_t)(end - p) < strlen(MAGIC) || memcmp(p, MAGIC, strlen(MAGIC)) != 0) {
		set_err(err, errlen, "cache entry %s ignored: %s", clean, "not a cache file (bad header)");
		goto out;
	}
	p += strlen(MAGIC);
	if (!header_line(&p, end, "key", &v, &vl)) {
		set_err(err, errlen, "cache entry %s ignored: %s", clean, "corrupt (key)");
		goto out;
	}
	if (vl != strlen(key) || memcmp(v, key, vl) != 0) {
		rc = 0; /* another key with the same hash: a miss */
		goto out;
	}
	if (!header_line(&p, end, "fetched", &v, &vl) || !parse_u64(v, vl, &when) ||
	    !header_line(&p, end, "length", &v, &vl) || !parse_u64(v, vl, &blen) || p >= end || *p != '\n') {
		set_err(err, errlen, "cache entry %s ignored: %s", clean, "corrupt (header)");
		goto out;
	}
	p++;
	if ((uint64_t)(end - p) != blen || blen > SBTC_CACHE_MAX_BODY) {
		set_err(err, errlen, "cache entry %s ignored: %s", clean, "corrupt (truncated or padded body)");
		goto out;
	}
	*len = (size_t)blen;
	*body = sbtc_xmalloc(*len + 1);
	memcpy(*body, p, *len);
	(*body)[*len] = '\0';
	*fetched = (time_t)when;
	rc = 1;
out:
	if (fd >= 0)
		close(fd);
	free(data);
	free(name);
	free(path);
	free(clean);
	return rc;
}

static bool write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		p += w;
		n -= (size_t)w;
	}
	return true;
}

int sbtc_cache_put(const sbtc_cache *c, const char *key, const char *body, size_t len, time_t fetched,
		   char *err, size_t errlen)
{
	if (c->dir == NULL)
		return 0;
	if (!key_ok(key) || len > SBTC_CACHE_MAX_BODY || fetched < 0) {
		set_err(err, errlen, "cannot cache this answer: unusable key or body too large");
		return -1;
	}
	static unsigned counter;
	char *name = entry_name(key);
	char *tmp = sbtc_xasprintf(".tmp-%s-%ld-%u", name, (long)getpid(), counter++);
	char *clean = sbtc_sanitize(c->dir, 200);
	char *head = sbtc_xasprintf(MAGIC "key %s\nfetched %lld\nlength %zu\n\n", key, (long long)fetched, len);
	int rc = -1;
	int fd = openat(c->fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		set_err(err, errlen, "cannot write to cache directory %s: %s", clean, strerror(errno));
		goto out;
	}
	/* On disk before the rename: after a crash the entry is the old one or the new one,
	 * never an empty file under the entry's name. */
	bool ok = write_all(fd, head, strlen(head)) && write_all(fd, body, len) && fsync(fd) == 0;
	int saved = errno;
	if (close(fd) != 0 && ok) {
		ok = false;
		saved = errno;
	}
	if (!ok) {
		set_err(err, errlen, "cannot write to cache directory %s: %s", clean, strerror(saved));
		(void)unlinkat(c->fd, tmp, 0);
		goto out;
	}
	/* rename() replaces the entry in one step: a concurrent reader sees the old or the
	 * new file, never half of one. */
	if (renameat(c->fd, tmp, c->fd, name) != 0) {
		set_err(err, errlen, "cannot update cache directory %s: %s", clean, strerror(errno));
		(void)unlinkat(c->fd, tmp, 0);
		goto out;
	}
	if (fsync(c->fd) != 0) {
		set_err(err, errlen, "cannot update cache directory %s: %s", clean, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(name);
	free(tmp);
	free(clean);
	free(head);
	return rc;
}
