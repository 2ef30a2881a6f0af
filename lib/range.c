/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Ranges, thresholds and quantities with units.
 *
 * The grammar is Perl's Monitoring::Plugin::Range: after removing all whitespace the
 * text must contain a digit or '~' and match
 *     ^@?(V|~)?(:V?)?$    with    V = [-+]?[0-9.]+(e[-+]?[0-9.]+)?
 * and then "~" or "@~" alone and start > end are refused. V is loose on purpose
 * ("1.2.3" and "." are numbers to Perl); its value is the longest prefix strtod reads,
 * which is what Perl's own conversion does. With a unit, each V may carry a suffix.
 * One departure: a V that overflows to infinity ("1e400") is refused, where Perl takes
 * it for Inf; "~" and an empty end are the ways to say unbounded. */

/* newlocale/uselocale (POSIX.1-2008): numbers are read with '.' whatever LC_NUMERIC is. */
#define _POSIX_C_SOURCE 200809L

#include "range.h"

#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

#if defined(__GNUC__) || defined(__clang__)
#define SBTC_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SBTC_PRINTF(f, a)
#endif

/* Longest piece of user text quoted back in a message. */
#define SHOWN_MAX 48

typedef struct {
	const char *suffix;
	uint64_t factor;
} unit_suffix;

static const unit_suffix duration_suffixes[] = {
	{"s", 1}, {"m", 60}, {"h", 3600}, {"d", 86400}, {"w", 604800},
	{NULL, 0},
};

static const unit_suffix size_suffixes[] = {
	{"B", 1},
	{"kB", 1000}, {"KB", 1000}, {"MB", 1000000}, {"GB", 1000000000}, {"TB", 1000000000000},
	{"KiB", 1024}, {"MiB", 1048576}, {"GiB", 1073741824}, {"TiB", 1099511627776},
	{NULL, 0},
};

static const char *unit_kind(sbtc_unit unit)
{
	switch (unit) {
	case SBTC_UNIT_DURATION: return "duration";
	case SBTC_UNIT_SIZE: return "size";
	case SBTC_UNIT_NONE: break;
	}
	return "number";
}

static const char *unit_help(sbtc_unit unit)
{
	switch (unit) {
	case SBTC_UNIT_DURATION: return "use s, m, h, d or w";
	case SBTC_UNIT_SIZE: return "use B, kB, MB, GB, TB, KiB, MiB, GiB or TiB";
	case SBTC_UNIT_NONE: break;
	}
	return "no unit is allowed here";
}

static const unit_suffix *unit_table(sbtc_unit unit)
{
	switch (unit) {
	case SBTC_UNIT_DURATION: return duration_suffixes;
	case SBTC_UNIT_SIZE: return size_suffixes;
	case SBTC_UNIT_NONE: break;
	}
	return NULL;
}

/* Returns the factor of suffix (len bytes) for unit, or 0 when it is not one of its. */
static uint64_t suffix_factor(sbtc_unit unit, const char *suffix, size_t len)
{
	const unit_suffix *t = unit_table(unit);
	if (t == NULL)
		return 0;
	for (; t->suffix != NULL; t++)
		if (strlen(t->suffix) == len && memcmp(t->suffix, suffix, len) == 0)
			return t->factor;
	return 0;
}

/* Perl's \s on a byte string: space, \t \n \v \f \r. Not isspace(), which follows the
 * locale and would strip bytes such as 0xA0 that Perl keeps (and then rejects). */
static int is_perl_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* Copies at most len bytes of text into a buffer of SHOWN_MAX + 4 bytes so that it
 * can be quoted in a message: whitespace becomes ' ', other control bytes, non-ASCII
 * bytes and '|' (which starts perfdata) become '?', long text ends in "...". */
static void show(const char *text, size_t len, char shown[SHOWN_MAX + 4])
{
	size_t i = 0;
	if (text == NULL)
		len = 0;
	for (; i < len && i < SHOWN_MAX; i++) {
		unsigned char c = (unsigned char)text[i];
		if (is_perl_space(c))
			shown[i] = ' ';
		else if (c < 0x20 || c >= 0x7f || c == '|')
			shown[i] = '?';
		else
			shown[i] = (char)c;
	}
	if (i < len) {
		memcpy(shown + i, "...", 3);
		i += 3;
	}
	shown[i] = '\0';
}

/* Writes "invalid <kind> '<text>': <detail>" into err; any truncation still leaves a
 * terminated string, and err NULL or errlen 0 is allowed. */
SBTC_PRINTF(5, 6)
static void set_error(char *err, size_t errlen, const char *kind, const char *text,
                      const char *fmt, ...)
{
	char shown[SHOWN_MAX + 4];
	if (err == NULL || errlen == 0)
		return;
	show(text, text != NULL ? strlen(text) : 0, shown);
	int n = snprintf(err, errlen, "invalid %s '%s': ", kind, shown);
	if (n < 0) {
		err[0] = '\0';
		return;
	}
	if ((size_t)n >= errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0)
		err[n] = '\0';
}

/* strtod in the C locale, so that '.' is the decimal point even after the program
 * called setlocale(LC_ALL, "") in a locale that writes 1,5. Overflow gives HUGE_VAL and
 * underflow 0 or a denormal, as Perl gives Inf and 0, so errno is not looked at.
 * Returns -1 only when the C locale cannot be selected. */
static int c_locale_strtod(const char *s, double *out)
{
	locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	if (c == (locale_t)0)
		return -1;
	locale_t old = uselocale(c);
	if (old == (locale_t)0) {
		freelocale(c);
		return -1;
	}
	*out = strtod(s, NULL);
	(void)uselocale(old);
	freelocale(c);
	return 0;
}

/* Room left of the digits for the carries of a multiplication by a factor < 10^13. */
#define CARRY_ROOM 16

/* Reads the number strtod would read at the start of s[0..len) ([-+]digits[.digits]
 * [e[-+]digits]; the rest is ignored, as Perl ignores it) multiplied by factor, with a
 * single rounding: the decimal digits are multiplied as text before strtod, so "1.1h"
 * is exactly 3960 s where 1.1 * 3600 in doubles gives 3960.0000000000005. Returns -1
 * when the C locale is not available. */
static int read_scaled(const char *s, size_t len, uint64_t factor, double *out)
{
	char *buf = sbtc_xmalloc(CARRY_ROOM + len + 32);
	size_t i = 0;
	bool neg = false;
	if (i < len && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	char *digits = buf + CARRY_ROOM;
	size_t nd = 0;
	long long exp10 = 0;
	for (; i < len && is_digit((unsigned char)s[i]); i++)
		digits[nd++] = s[i];
	if (i < len && s[i] == '.')
		for (i++; i < len && is_digit((unsigned char)s[i]); i++, exp10--)
			digits[nd++] = s[i];
	if (nd > 0 && i < len && (s[i] == 'e' || s[i] == 'E')) {
		size_t j = i + 1;
		bool eneg = false;
		if (j < len && (s[j] == '+' || s[j] == '-'))
			eneg = s[j++] == '-';
		long long e = 0;
		/* Saturate: beyond 10^12 the result is 0 or infinite anyway. */
		for (; j < len && is_digit((unsigned char)s[j]); j++)
			if (e < 1000000000000LL)
				e = e * 10 + (s[j] - '0');
		exp10 += eneg ? -e : e;
	}
	if (nd == 0) {
		/* "." or "-.": no digits, which strtod and Perl read as 0. */
		free(buf);
		*out = 0.0;
		return 0;
	}
	uint64_t carry = 0;
	for (size_t k = nd; k-- > 0;) {
		uint64_t x = (uint64_t)(digits[k] - '0') * factor + carry;
		digits[k] = (char)('0' + x % 10);
		carry = x / 10;
	}
	for (; carry > 0; carry /= 10) {
		*--digits = (char)('0' + carry % 10);
		nd++;
	}
	if (neg) {
		*--digits = '-';
		nd++;
	}
	int n = snprintf(digits + nd, 32, "e%lld", exp10);
	int rc = -1;
	if (n > 0 && n < 32)
		rc = c_locale_strtod(digits, out);
	free(buf);
	return rc;
}

/* True when s[0..len) matches Perl's $value_re as a whole. */
static bool is_perl_value(const char *s, size_t len)
{
	size_t i = 0;
	for (int part = 0; part < 2; part++) {
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		size_t body = i;
		while (i < len && (is_digit((unsigned char)s[i]) || s[i] == '.'))
			i++;
		if (i == body)
			return false;
		if (i == len)
			return true;
		if (part == 0 && s[i] == 'e')
			i++;
		else
			return false;
	}
	return false;
}

/* A number as Perl holds it after "$text + 0". Perl keeps integer-valued numbers as
 * 64-bit integers and compares two of them exactly, so "9007199254740993:9007199254740992"
 * is refused although both ends round to the same double. has_int says whether Perl
 * would hold an integer; neg/mag is that integer. */
typedef struct {
	double value;
	bool has_int;
	bool neg;
	uint64_t mag;
} number;

/* Fills in the integer view of n for text s (a whole Perl value, no unit), following
 * how perl 5 stores "$text + 0" on a 64-bit build:
 *  - a plain [-+]digits integer within [-2^63, 2^64) is held exactly;
 *  - a well-formed decimal without exponent ("5.0", ".5") is a double only;
 *  - a well-formed number with an exponent, or an integer part too long for 64 bits,
 *    becomes a double that is held as an integer when it lies in [-2^63, 2^64);
 *  - text Perl reads only partly ("1.2.3", "5e", ".") is a double only.
 * Only magnitudes beyond 2^53 can make a difference; below that both views agree. */
static void perl_integer_view(const char *s, size_t len, number *n)
{
	size_t i = 0;
	bool neg = false;
	n->has_int = false;
	if (i < len && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	size_t int_start = i;
	uint64_t mag = 0;
	bool overflow = false;
	while (i < len && is_digit((unsigned char)s[i])) {
		unsigned d = (unsigned)(s[i] - '0');
		if (mag > (UINT64_MAX - d) / 10)
			overflow = true;
		else
			mag = mag * 10 + d;
		i++;
	}
	size_t int_digits = i - int_start;
	bool has_point = false, has_exp = false;
	size_t frac_digits = 0;
	if (i < len && s[i] == '.') {
		has_point = true;
		for (i++; i < len && is_digit((unsigned char)s[i]); i++)
			frac_digits++;
	}
	if (int_digits + frac_digits == 0)
		return;
	if (i < len && s[i] == 'e') {
		has_exp = true;
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i == len || !is_digit((unsigned char)s[i]))
			return;
		while (i < len && is_digit((unsigned char)s[i]))
			i++;
	}
	if (i != len)
		return;
	if (!has_point && !has_exp && !overflow) {
		if (!neg || mag <= (uint64_t)1 << 63) {
			n->has_int = true;
			n->neg = neg && mag != 0;
			n->mag = mag;
		}
		return;
	}
	if (!has_exp && !overflow)
		return;
	double v = n->value;
	if (v >= -9223372036854775808.0 && v < 18446744073709551616.0 && v == floor(v)) {
		n->has_int = true;
		n->neg = v < 0;
		n->mag = v < 0 ? (uint64_t)(-v) : (uint64_t)v;
	}
}

/* -1, 0, 1 as a <, ==, > b, the way Perl's <=> would order the two numbers. */
static int perl_compare(const number *a, const number *b)
{
	if (a->has_int && b->has_int) {
		if (a->neg != b->neg)
			return a->neg ? -1 : 1;
		if (a->mag == b->mag)
			return 0;
		int less = a->mag < b->mag ? -1 : 1;
		return a->neg ? -less : less;
	}
	return a->value < b->value ? -1 : a->value > b->value ? 1 : 0;
}

/* Parses the range token tok (len bytes, no whitespace, tok[len] writable) into *n.
 * On error writes the message and returns -1. */
static int parse_token(char *tok, size_t len, sbtc_unit unit, number *n, const char *text,
                       char *err, size_t errlen)
{
	char shown[SHOWN_MAX + 4];
	size_t numlen = 0;
	while (numlen < len && (is_digit((unsigned char)tok[numlen]) || tok[numlen] == '.' ||
	                        tok[numlen] == '+' || tok[numlen] == '-' || tok[numlen] == 'e'))
		numlen++;
	if (!is_perl_value(tok, numlen)) {
		show(tok, len, shown);
		set_error(err, errlen, "range", text, "'%s' is not a number", shown);
		return -1;
	}
	uint64_t factor = 1;
	if (numlen < len) {
		char suffix[SHOWN_MAX + 4];
		show(tok + numlen, len - numlen, suffix);
		if (unit == SBTC_UNIT_NONE) {
			show(tok, numlen, shown);
			set_error(err, errlen, "range", text,
			          "unexpected '%s' after %s (plain numbers only)", suffix, shown);
			return -1;
		}
		factor = suffix_factor(unit, tok + numlen, len - numlen);
		if (factor == 0) {
			set_error(err, errlen, "range", text, "unknown unit '%s' (%s)", suffix,
			          unit_help(unit));
			return -1;
		}
	}
	int rc;
	if (factor == 1) {
		/* Exactly what Perl's conversion reads. */
		char saved = tok[numlen];
		tok[numlen] = '\0';
		rc = c_locale_strtod(tok, &n->value);
		tok[numlen] = saved;
	} else {
		rc = read_scaled(tok, numlen, factor, &n->value);
	}
	if (rc != 0) {
		set_error(err, errlen, "range", text, "no C locale");
		return -1;
	}
	if (!isfinite(n->value)) {
		/* Perl reads "1e400" as Inf; a threshold no value can cross is a typing error,
		 * and perfdata has no way to write it. */
		show(tok, len, shown);
		set_error(err, errlen, "range", text, "%s is not a finite number", shown);
		return -1;
	}
	if (n->value == 0.0)
		n->value = 0.0; /* "-0" prints as 0 in perfdata */
	if (numlen == len)
		perl_integer_view(tok, len, n);
	else
		n->has_int = false;
	return 0;
}

int sbtc_range_parse(const char *text, sbtc_unit unit, sbtc_range *out, char *err, size_t errlen)
{
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (out != NULL)
		*out = (sbtc_range){.set = false};
	if (text == NULL) {
		set_error(err, errlen, "range", "", "empty");
		return -1;
	}
	if (out == NULL) {
		set_error(err, errlen, "range", text, "nowhere to store the result");
		return -1;
	}

	size_t textlen = strlen(text);
	char *s = sbtc_xmalloc(textlen + 1);
	size_t len = 0;
	for (size_t i = 0; i < textlen; i++)
		if (!is_perl_space((unsigned char)text[i]))
			s[len++] = text[i];
	s[len] = '\0';

	int rc = -1;
	sbtc_range r = {.set = true, .inside = false, .start_infinite = false,
	                .end_infinite = false, .start = 0.0, .end = 0.0};
	number start = {0.0, true, false, 0}; /* an absent start is Perl's integer 0 */
	number end = {0.0, true, false, 0};
	char shown[SHOWN_MAX + 4];

	if (len == 0) {
		set_error(err, errlen, "range", text, "empty");
		goto done;
	}
	if (strpbrk(s, "0123456789~") == NULL) {
		set_error(err, errlen, "range", text, "expected [@][start:][end] with numbers");
		goto done;
	}
	char *p = s;
	if (*p == '@') {
		r.inside = true;
		p++;
	}
	if (*p == '~') {
		r.start_infinite = true;
		p++;
		if (*p != ':') {
			set_error(err, errlen, "range", text, "'~' must be followed by ':'");
			goto done;
		}
	}
	if (strchr(p, '@') != NULL) {
		set_error(err, errlen, "range", text, "'@' is only allowed at the start");
		goto done;
	}
	if (strchr(p, '~') != NULL) {
		set_error(err, errlen, "range", text,
		          "'~' is only allowed at the start (after an optional '@')");
		goto done;
	}
	char *colon = strchr(p, ':');
	if (colon != NULL && strchr(colon + 1, ':') != NULL) {
		set_error(err, errlen, "range", text, "more than one ':'");
		goto done;
	}
	char *end_tok = p;
	if (colon != NULL) {
		if (colon > p && parse_token(p, (size_t)(colon - p), unit, &start, text, err,
		                             errlen) != 0)
			goto done;
		end_tok = colon + 1;
		r.end_infinite = *end_tok == '\0';
	}
	if (!r.end_infinite && parse_token(end_tok, strlen(end_tok), unit, &end, text, err,
	                                   errlen) != 0)
		goto done;

	if (!r.start_infinite && !r.end_infinite && perl_compare(&start, &end) > 0) {
		/* Name both ends as written; with a unit "2d" says more than 172800. */
		char shown_end[SHOWN_MAX + 4];
		if (colon != NULL && colon > p)
			show(p, (size_t)(colon - p), shown);
		else
			memcpy(shown, "0 (implied)", sizeof "0 (implied)");
		show(end_tok, strlen(end_tok), shown_end);
		set_error(err, errlen, "range", text, "start %s is greater than end %s", shown,
		          shown_end);
		goto done;
	}
	r.start = r.start_infinite ? -HUGE_VAL : start.value;
	r.end = r.end_infinite ? HUGE_VAL : end.value;
	*out = r;
	rc = 0;
done:
	free(s);
	return rc;
}

bool sbtc_range_alert(const sbtc_range *r, double value)
{
	if (r == NULL || !r->set)
		return false;
	/* A value that is not a number fits no range: alert, whatever the mode, rather than
	 * let a broken measurement pass as OK. (Perl alerts for NaN only outside '@'.) */
	if (isnan(value))
		return true;
	bool within;
	if (!r->start_infinite && !r->end_infinite)
		within = r->start <= value && value <= r->end;
	else if (!r->start_infinite)
		within = value >= r->start;
	else if (!r->end_infinite)
		within = value <= r->end;
	else
		within = true;
	return r->inside ? within : !within;
}

sbtc_state sbtc_thresholds_eval(const sbtc_thresholds *t, double value)
{
	if (t == NULL)
		return SBTC_OK;
	if (sbtc_range_alert(&t->critical, value))
		return SBTC_CRITICAL;
	if (sbtc_range_alert(&t->warning, value))
		return SBTC_WARNING;
	return SBTC_OK;
}

bool sbtc_range_perf_value(const sbtc_range *r, double *value)
{
	if (r == NULL || !r->set || r->inside || (r->start_infinite && r->end_infinite))
		return false;
	double v;
	if (r->end_infinite)
		v = r->start; /* "N:" */
	else if (r->start_infinite || r->start == 0.0)
		v = r->end; /* "~:N", "N" */
	else
		return false; /* "10:20" has two numbers */
	if (!isfinite(v))
		return false;
	if (value != NULL)
		*value = v;
	return true;
}

int sbtc_quantity_parse(const char *text, sbtc_unit unit, double *out, char *err, size_t errlen)
{
	const char *kind = unit_kind(unit);
	char shown[SHOWN_MAX + 4];
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (text == NULL) {
		set_error(err, errlen, kind, "", "empty");
		return -1;
	}
	if (out == NULL) {
		set_error(err, errlen, kind, text, "nowhere to store the result");
		return -1;
	}
	const char *p = text;
	while (is_perl_space((unsigned char)*p))
		p++;
	if (*p == '\0') {
		set_error(err, errlen, kind, text, "empty");
		return -1;
	}
	if (*p == '-') {
		set_error(err, errlen, kind, text, "must not be negative");
		return -1;
	}

	/* [+](digits[.digits] | .digits)[(e|E)[+-]digits] */
	const char *num = p;
	if (*p == '+')
		p++;
	size_t int_digits = 0, frac_digits = 0;
	while (is_digit((unsigned char)*p)) {
		p++;
		int_digits++;
	}
	if (*p == '.') {
		p++;
		while (is_digit((unsigned char)*p)) {
			p++;
			frac_digits++;
		}
	}
	if (int_digits + frac_digits == 0) {
		if (unit == SBTC_UNIT_NONE)
			set_error(err, errlen, kind, text, "expected a number");
		else
			set_error(err, errlen, kind, text,
			          "expected a number with an optional unit (%s)", unit_help(unit));
		return -1;
	}
	if (*p == 'e' || *p == 'E') {
		const char *q = p + 1;
		if (*q == '+' || *q == '-')
			q++;
		if (is_digit((unsigned char)*q)) {
			while (is_digit((unsigned char)*q))
				q++;
			p = q;
		}
	}
	size_t numlen = (size_t)(p - num);

	while (is_perl_space((unsigned char)*p))
		p++;
	const char *suffix = p;
	while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
		p++;
	size_t suffixlen = (size_t)(p - suffix);
	uint64_t factor = 1;
	if (suffixlen > 0) {
		show(suffix, suffixlen, shown);
		if (unit == SBTC_UNIT_NONE) {
			set_error(err, errlen, kind, text, "unexpected '%s' (%s)", shown,
			          unit_help(unit));
			return -1;
		}
		factor = suffix_factor(unit, suffix, suffixlen);
		if (factor == 0) {
			set_error(err, errlen, kind, text, "unknown unit '%s' (%s)", shown,
			          unit_help(unit));
			return -1;
		}
	}
	while (is_perl_space((unsigned char)*p))
		p++;
	if (*p != '\0') {
		show(p, strlen(p), shown);
		set_error(err, errlen, kind, text, "unexpected '%s' at the end", shown);
		return -1;
	}

	double v;
	if (read_scaled(num, numlen, factor, &v) != 0) {
		set_error(err, errlen, kind, text, "no C locale");
		return -1;
	}
	if (!isfinite(v)) {
		set_error(err, errlen, kind, text, "too large");
		return -1;
	}
	*out = v;
	return 0;
}
