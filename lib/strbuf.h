/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Growable strings and allocation that ends the plugin cleanly when memory runs out. */
#ifndef SBTC_STRBUF_H
#define SBTC_STRBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
	char *data; /* always NUL-terminated once anything was added */
	size_t len;
	size_t cap;
} sbtc_strbuf;

#define SBTC_STRBUF_INIT {NULL, 0, 0}

void sbtc_strbuf_append(sbtc_strbuf *b, const char *s, size_t n);
void sbtc_strbuf_puts(sbtc_strbuf *b, const char *s);
void sbtc_strbuf_putc(sbtc_strbuf *b, char c);
void sbtc_strbuf_printf(sbtc_strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbtc_strbuf_vprintf(sbtc_strbuf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* The contents ("" when empty); valid until the next change. */
const char *sbtc_strbuf_str(const sbtc_strbuf *b);
/* Hands the malloc'd string to the caller (never NULL) and empties the buffer. */
char *sbtc_strbuf_steal(sbtc_strbuf *b);
void sbtc_strbuf_free(sbtc_strbuf *b);

/* Allocation: on failure these report UNKNOWN "out of memory" and exit 3. */
void *sbtc_xmalloc(size_t n);
void *sbtc_xcalloc(size_t count, size_t size);
void *sbtc_xrealloc(void *p, size_t n);
char *sbtc_xstrdup(const char *s);
char *sbtc_xstrndup(const char *s, size_t n);
char *sbtc_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Copies src into dst (size n), always terminating; returns dst. */
char *sbtc_strlcpy(char *dst, const char *src, size_t n);

/* The next line of the text from *p to end (not NUL-terminated): *line and *n without the
 * '\n' (and without a '\r' before it); *p moves past it. False when *p is at end. */
bool sbtc_next_line(const char **p, const char *end, const char **line, size_t *n);

#endif
