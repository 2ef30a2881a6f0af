/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "perfdata.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *sbtc_format_number(double v, char *dst, size_t n)
{
	char sci[64];
	char digits[32];
	size_t nd = 0;
	char *out = dst;
	size_t left = n;

	if (n == 0)
		return dst;
	if (!isfinite(v)) {
		sbtc_strlcpy(dst, "U", n);
		return dst;
	}
	if (v == 0) {
		sbtc_strlcpy(dst, "0", n);
		return dst;
	}
	/* Take 15 significant digits and the exponent from %e, and place the decimal point
	 * ourselves: %f would print 1e-7 as 0.000000 and %g switches to exponents. Only the
	 * digits are read, so a locale's decimal separator cannot leak into the result. */
	int len = snprintf(sci, sizeof sci, "%.14e", fabs(v));
	if (len < 0 || (size_t)len >= sizeof sci) {
		sbtc_strlcpy(dst, "U", n);
		return dst;
	}
	const char *e = strchr(sci, 'e');
	if (e == NULL) {
		sbtc_strlcpy(dst, "U", n);
		return dst;
	}
	for (const char *p = sci; p < e && nd < sizeof digits - 1; p++)
		if (*p >= '0' && *p <= '9')
			digits[nd++] = *p;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = '\0';
	long exp10 = strtol(e + 1, NULL, 10);

#define PUT(c)                                                                                     \
	do {                                                                                       \
		if (left > 1) {                                                                    \
			*out++ = (c);                                                              \
			left--;                                                                    \
		}                                                                                  \
	} while (0)

	if (v < 0)
		PUT('-');
	if (exp10 >= 0) {
		/* Integer part: the first exp10+1 digits, padded with zeros. */
		for (long i = 0; i <= exp10; i++)
			PUT((size_t)i < nd ? digits[i] : '0');
		if ((size_t)exp10 + 1 < nd) {
			PUT('.');
			for (size_t i = (size_t)exp10 + 1; i < nd; i++)
				PUT(digits[i]);
		}
	} else {
		PUT('0');
		PUT('.');
		for (long i = 0; i < -exp10 - 1; i++)
			PUT('0');
		for (size_t i = 0; i < nd; i++)
			PUT(digits[i]);
	}
#undef PUT
	*out = '\0';
	return dst;
}

static void number_append(sbtc_strbuf *b, double v)
{
	char buf[SBTC_NUMBER_MAX];
	sbtc_strbuf_puts(b, sbtc_format_number(v, buf, sizeof buf));
}

void sbtc_range_append(sbtc_strbuf *b, const sbtc_range *r)
{
	if (!r->set)
		return;
	if (r->inside)
		sbtc_strbuf_putc(b, '@');
	if (r->start_infinite) {
		sbtc_strbuf_puts(b, "~:");
	} else if (r->start != 0 || r->end_infinite) {
		number_append(b, r->start);
		sbtc_strbuf_putc(b, ':');
	}
	if (!r->end_infinite)
		number_append(b, r->end);
}

void sbtc_perf_label_append(sbtc_strbuf *b, const char *label)
{
	sbtc_strbuf_putc(b, '\'');
	if (label == NULL || *label == '\0')
		sbtc_strbuf_putc(b, '_');
	for (const unsigned char *p = (const unsigned char *)(label ? label : ""); *p; p++) {
		if (*p == '\'')
			sbtc_strbuf_puts(b, "''");
		else if (*p == '=' || *p == '|' || *p < 0x20 || *p == 0x7f)
			sbtc_strbuf_putc(b, '_');
		else
			sbtc_strbuf_putc(b, (char)*p);
	}
	sbtc_strbuf_putc(b, '\'');
}

static void threshold_append(sbtc_strbuf *b, const sbtc_range *r)
{
	double v;
	if (!r->set)
		return;
	if (sbtc_range_perf_value(r, &v))
		number_append(b, v);
	else
		sbtc_range_append(b, r);
}

void sbtc_perf_append(sbtc_strbuf *b, const sbtc_perf *p)
{
	sbtc_perf_label_append(b, p->label);
	sbtc_strbuf_putc(b, '=');
	number_append(b, p->value);
	if (isfinite(p->value))
		sbtc_strbuf_puts(b, p->uom);
	sbtc_strbuf_putc(b, ';');
	threshold_append(b, &p->warning);
	sbtc_strbuf_putc(b, ';');
	threshold_append(b, &p->critical);
	sbtc_strbuf_putc(b, ';');
	if (!isnan(p->min))
		number_append(b, p->min);
	sbtc_strbuf_putc(b, ';');
	if (!isnan(p->max))
		number_append(b, p->max);
	/* Trailing empty fields are allowed to be dropped; keep the output short. */
	while (b->len > 0 && b->data[b->len - 1] == ';')
		b->data[--b->len] = '\0';
}
