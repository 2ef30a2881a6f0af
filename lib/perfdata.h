/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Performance data: 'label'=value[UOM];warn;crit;min;max in base units, plain numbers
 * (no exponent), '.' as the decimal point whatever LC_NUMERIC says. */
#ifndef SBTC_PERFDATA_H
#define SBTC_PERFDATA_H

#include <stddef.h>

#include "range.h"
#include "strbuf.h"

typedef struct {
	char *label;
	double value;     /* NaN prints as U (undetermined) */
	char uom[4];      /* "", "s", "B", "%", "c" */
	char unit_word[16]; /* with uom "": what the number counts ("blocks"); "" when unsaid */
	sbtc_range warning; /* .set false: empty field */
	sbtc_range critical;
	double min;       /* NaN: empty field */
	double max;
} sbtc_perf;

/* Room for any finite double written out in full. */
#define SBTC_NUMBER_MAX 400

/* Writes v as a plain decimal with at most 15 significant digits and no trailing zeros:
 * 1e-7 -> "0.0000001", 1e20 -> "100000000000000000000", -0 -> "0". Non-finite values
 * give "U". Independent of the locale. dst must hold SBTC_NUMBER_MAX bytes. */
char *sbtc_format_number(double v, char *dst, size_t n);

/* Appends a range in threshold syntax ("10", "10:", "~:10", "@10:20"). */
void sbtc_range_append(sbtc_strbuf *b, const sbtc_range *r);

/* Appends the label quoted: single quotes around it, a quote inside doubled, '=' and
 * characters that would break the format replaced by '_'. */
void sbtc_perf_label_append(sbtc_strbuf *b, const char *label);

/* Appends one whole perfdata item (without separating blank). */
void sbtc_perf_append(sbtc_strbuf *b, const sbtc_perf *p);

#endif
