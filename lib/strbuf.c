/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fatal.h"

static void out_of_memory(void)
{
	sbtc_fatal("out of memory");
}

void *sbtc_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL)
		out_of_memory();
	return p;
}

void *sbtc_xcalloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);
	if (p == NULL)
		out_of_memory();
	return p;
}

void *sbtc_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (q == NULL)
		out_of_memory();
	return q;
}

char *sbtc_xstrdup(const char *s)
{
	return sbtc_xstrndup(s, strlen(s));
}

char *sbtc_xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = sbtc_xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *sbtc_xasprintf(const char *fmt, ...)
{
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sbtc_strbuf_vprintf(&b, fmt, ap);
	va_end(ap);
	return sbtc_strbuf_steal(&b);
}

char *sbtc_strlcpy(char *dst, const char *src, size_t n)
{
	if (n == 0)
		return dst;
	size_t len = strnlen(src, n - 1);
	memcpy(dst, src, len);
	dst[len] = '\0';
	return dst;
}

bool sbtc_next_line(const char **p, const char *end, const char **line, size_t *n)
{
	if (*p >= end)
		return false;
	const char *eol = memchr(*p, '\n', (size_t)(end - *p));
	if (eol == NULL)
		eol = end;
	*line = *p;
	*n = (size_t)(eol - *p);
	*p = eol < end ? eol + 1 : end;
	if (*n > 0 && (*line)[*n - 1] == '\r')
		(*n)--;
	return true;
}

static void reserve(sbtc_strbuf *b, size_t extra)
{
	if (extra > (size_t)-1 / 2 - b->len)
		out_of_memory();
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	b->data = sbtc_xrealloc(b->data, cap);
	b->cap = cap;
}

void sbtc_strbuf_append(sbtc_strbuf *b, const char *s, size_t n)
{
	reserve(b, n);
	if (n)
		memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void sbtc_strbuf_puts(sbtc_strbuf *b, const char *s)
{
	sbtc_strbuf_append(b, s, strlen(s));
}

void sbtc_strbuf_putc(sbtc_strbuf *b, char c)
{
	sbtc_strbuf_append(b, &c, 1);
}

void sbtc_strbuf_vprintf(sbtc_strbuf *b, const char *fmt, va_list ap)
{
	va_list copy;
	va_copy(copy, ap);
	char small[256];
	int n = vsnprintf(small, sizeof small, fmt, copy);
	va_end(copy);
	if (n < 0)
		return; /* encoding error: nothing sensible to add */
	if ((size_t)n < sizeof small) {
		sbtc_strbuf_append(b, small, (size_t)n);
		return;
	}
	reserve(b, (size_t)n);
	int m = vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	if (m == n)
		b->len += (size_t)n;
	b->data[b->len] = '\0';
}

void sbtc_strbuf_printf(sbtc_strbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sbtc_strbuf_vprintf(b, fmt, ap);
	va_end(ap);
}

const char *sbtc_strbuf_str(const sbtc_strbuf *b)
{
	return b->data ? b->data : "";
}

char *sbtc_strbuf_steal(sbtc_strbuf *b)
{
	char *s = b->data ? b->data : sbtc_xstrdup("");
	b->data = NULL;
	b->len = b->cap = 0;
	return s;
}

void sbtc_strbuf_free(sbtc_strbuf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
