/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Decoding of Clarity values in their consensus serialisation.
 *
 * Everything here reads bytes that come from a remote node, so every length is checked
 * against what is left of the input before anything is allocated for it, nesting is
 * bounded, and the number of values a single answer may create is capped.
 *
 * What is enforced, and why (rules follow stacks-core's clarity crate):
 * - string-ascii: bytes 0x20..0x7e plus the ASCII whitespace \t \n \f \r. Clarity builds
 *   these strings only from ASCII letters, digits, punctuation and whitespace, which is
 *   exactly that set; \v and the other control bytes are rejected.
 * - string-utf8: well-formed UTF-8 (no overlong forms, no surrogates, nothing above
 *   U+10FFFF), as Rust's str::from_utf8 requires. U+0000 is valid, so the NUL-terminated
 *   copy may end early; use len.
 * - contract names: 1..128 bytes of [A-Za-z0-9_-]. New contracts are limited to 40 bytes,
 *   but the node still deserialises names up to 128 (older contracts), so 128 is used to
 *   avoid rejecting real values.
 * - tuple field names: 1..128 bytes (Clarity's name limit) of letters, digits and the
 *   characters - _ ! ? + < > = / and *; duplicate names are rejected since a lookup by
 *   name would be ambiguous.
 */
#include "clarity.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "utf8.h"

#if defined(__GNUC__) || defined(__clang__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

/* Values one answer may create. A 1 MiB list of one-byte items would otherwise cost
 * about 100 MiB of nodes; real answers (a key, a signer set) hold a few hundred. */
#define CLARITY_MAX_VALUES 65536u

#define NAME_MAX_LEN 128u

struct decoder {
	const uint8_t *buf;
	size_t len;
	size_t pos;
	size_t values;
	char *err;
	size_t errlen;
};

static int fail(struct decoder *d, const char *fmt, ...) PRINTF_LIKE(2, 3);

static int fail(struct decoder *d, const char *fmt, ...)
{
	va_list ap;

	if (d->err != NULL && d->errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(d->err, d->errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static size_t remaining(const struct decoder *d)
{
	return d->len - d->pos;
}

/* Reads a big-endian u32 length or count; what names the field in the message. */
static int read_u32(struct decoder *d, const char *what, uint32_t *out)
{
	const uint8_t *p;

	if (remaining(d) < 4)
		return fail(d, "truncated: %s needs 4 bytes but %zu remain at offset %zu", what,
			    remaining(d), d->pos);
	p = d->buf + d->pos;
	*out = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) |
	       (uint32_t)p[3];
	d->pos += 4;
	return 0;
}

static int is_ascii_string_byte(uint8_t c)
{
	return (c >= 0x20 && c <= 0x7e) || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static int is_contract_name_byte(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

static int is_field_name_byte(uint8_t c)
{
	return is_contract_name_byte(c) || (c != '\0' && strchr("!?+<>=/*", c) != NULL);
}

/* Reads a u32 length and that many bytes into a NUL-terminated copy. */
static int read_sized_bytes(struct decoder *d, clarity_value *v)
{
	uint32_t n = 0;
	const char *what = v->type == CLARITY_BUFFER ? "buffer" : clarity_type_name(v->type);
	char lenwhat[32];

	snprintf(lenwhat, sizeof lenwhat, "%s length", what);
	if (read_u32(d, lenwhat, &n) != 0)
		return -1;
	if (n > remaining(d))
		return fail(d, "truncated: %s declares %lu bytes but %zu remain at offset %zu", what,
			    (unsigned long)n, remaining(d), d->pos);
	v->bytes = malloc((size_t)n + 1);
	if (v->bytes == NULL)
		return fail(d, "out of memory for a %s of %lu bytes at offset %zu", what,
			    (unsigned long)n, d->pos);
	memcpy(v->bytes, d->buf + d->pos, n);
	v->bytes[n] = 0;
	v->len = n;

	if (v->type == CLARITY_STRING_ASCII) {
		size_t i;
		for (i = 0; i < n; i++)
			if (!is_ascii_string_byte(v->bytes[i]))
				return fail(d,
					    "string-ascii has byte 0x%02x at offset %zu, expected "
					    "printable ASCII",
					    v->bytes[i], d->pos + i);
	} else if (v->type == CLARITY_STRING_UTF8) {
		size_t bad = sbtc_utf8_invalid_at(v->bytes, n);
		if (bad < n)
			return fail(d, "string-utf8 has invalid UTF-8 (byte 0x%02x) at offset %zu",
				    v->bytes[bad], d->pos + bad);
	}
	d->pos += n;
	return 0;
}

static int read_principal(struct decoder *d, clarity_value *v)
{
	uint8_t n;
	size_t i;

	if (remaining(d) < 21)
		return fail(d, "truncated: principal needs 21 bytes but %zu remain at offset %zu",
			    remaining(d), d->pos);
	v->version = d->buf[d->pos];
	memcpy(v->hash160, d->buf + d->pos + 1, 20);
	d->pos += 21;
	if (v->type != CLARITY_PRINCIPAL_CONTRACT)
		return 0;

	if (remaining(d) < 1)
		return fail(d, "truncated: contract name length needs 1 byte but 0 remain at offset %zu",
			    d->pos);
	n = d->buf[d->pos];
	if (n < 1 || n > NAME_MAX_LEN)
		return fail(d, "contract name length %u at offset %zu, expected 1..%u", n, d->pos,
			    NAME_MAX_LEN);
	d->pos++;
	if (n > remaining(d))
		return fail(d, "truncated: contract name declares %u bytes but %zu remain at offset %zu",
			    n, remaining(d), d->pos);
	for (i = 0; i < n; i++)
		if (!is_contract_name_byte(d->buf[d->pos + i]))
			return fail(d,
				    "contract name has byte 0x%02x at offset %zu, expected "
				    "[A-Za-z0-9_-]",
				    d->buf[d->pos + i], d->pos + i);
	v->contract_name = malloc((size_t)n + 1);
	if (v->contract_name == NULL)
		return fail(d, "out of memory for a contract name at offset %zu", d->pos);
	memcpy(v->contract_name, d->buf + d->pos, n);
	v->contract_name[n] = '\0';
	d->pos += n;
	return 0;
}

static int read_field_name(struct decoder *d, char **out)
{
	uint8_t n;
	size_t i;
	char *name;

	if (remaining(d) < 1)
		return fail(d, "truncated: tuple field name length needs 1 byte but 0 remain at offset %zu",
			    d->pos);
	n = d->buf[d->pos];
	if (n < 1 || n > NAME_MAX_LEN)
		return fail(d, "tuple field name length %u at offset %zu, expected 1..%u", n, d->pos,
			    NAME_MAX_LEN);
	d->pos++;
	if (n > remaining(d))
		return fail(d,
			    "truncated: tuple field name declares %u bytes but %zu remain at offset %zu",
			    n, remaining(d), d->pos);
	for (i = 0; i < n; i++)
		if (!is_field_name_byte(d->buf[d->pos + i]))
			return fail(d, "tuple field name has byte 0x%02x at offset %zu", d->buf[d->pos + i],
				    d->pos + i);
	name = malloc((size_t)n + 1);
	if (name == NULL)
		return fail(d, "out of memory for a tuple field name at offset %zu", d->pos);
	memcpy(name, d->buf + d->pos, n);
	name[n] = '\0';
	d->pos += n;
	*out = name;
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorting a copy keeps the check O(n log n) for tuples with many fields. */
static int check_unique_names(struct decoder *d, const clarity_value *v, size_t tuple_off)
{
	char **sorted;
	size_t i;
	int rc = 0;

	if (v->count < 2)
		return 0;
	sorted = malloc(v->count * sizeof *sorted);
	if (sorted == NULL)
		return fail(d, "out of memory checking the tuple at offset %zu", tuple_off);
	memcpy(sorted, v->names, v->count * sizeof *sorted);
	qsort(sorted, v->count, sizeof *sorted, cmp_names);
	for (i = 1; i < v->count; i++) {
		if (strcmp(sorted[i - 1], sorted[i]) == 0) {
			rc = fail(d, "tuple at offset %zu has the field name '%s' twice", tuple_off,
				  sorted[i]);
			break;
		}
	}
	free(sorted);
	return rc;
}

static int is_container(uint8_t t)
{
	return t == CLARITY_OK || t == CLARITY_ERR || t == CLARITY_SOME || t == CLARITY_LIST ||
	       t == CLARITY_TUPLE;
}

/* depth counts the containers around this value; the recursion is bounded because a
 * container is refused once depth reaches CLARITY_MAX_DEPTH. */
static int decode_value(struct decoder *d, unsigned depth, clarity_value **out);

static int decode_children(struct decoder *d, clarity_value *v, unsigned depth, size_t type_off)
{
	uint32_t n = 1;
	size_t i;

	if (v->type == CLARITY_LIST || v->type == CLARITY_TUPLE) {
		const char *what = v->type == CLARITY_LIST ? "list" : "tuple";
		/* The smallest item is one byte; the smallest tuple entry three (name length,
		 * a one-byte name, a one-byte value). */
		size_t min_each = v->type == CLARITY_LIST ? 1 : 3;
		char lenwhat[32];

		snprintf(lenwhat, sizeof lenwhat, "%s length", what);
		if (read_u32(d, lenwhat, &n) != 0)
			return -1;
		if (n > remaining(d) / min_each)
			return fail(d,
				    "truncated: %s declares %lu %s but only %zu bytes remain at offset %zu",
				    what, (unsigned long)n,
				    v->type == CLARITY_LIST ? "items" : "fields", remaining(d), d->pos);
		if (n > CLARITY_MAX_VALUES - d->values)
			return fail(d, "%s declares %lu %s at offset %zu, more than the limit of %u values",
				    what, (unsigned long)n,
				    v->type == CLARITY_LIST ? "items" : "fields", d->pos,
				    CLARITY_MAX_VALUES);
	}
	if (n == 0)
		return 0;
	v->items = calloc(n, sizeof *v->items);
	if (v->items == NULL)
		return fail(d, "out of memory for %lu items at offset %zu", (unsigned long)n, d->pos);
	if (v->type == CLARITY_TUPLE) {
		v->names = calloc(n, sizeof *v->names);
		if (v->names == NULL)
			return fail(d, "out of memory for %lu fields at offset %zu", (unsigned long)n,
				    d->pos);
	}
	/* count is set first so that clarity_free releases whatever was decoded before a
	 * failure (unfilled slots are NULL). */
	v->count = n;
	for (i = 0; i < n; i++) {
		if (v->type == CLARITY_TUPLE && read_field_name(d, &v->names[i]) != 0)
			return -1;
		if (decode_value(d, depth + 1, &v->items[i]) != 0)
			return -1;
	}
	if (v->type == CLARITY_TUPLE)
		return check_unique_names(d, v, type_off);
	return 0;
}

static int decode_value(struct decoder *d, unsigned depth, clarity_value **out)
{
	clarity_value *v;
	size_t type_off = d->pos;
	uint8_t t;
	int rc = 0;

	*out = NULL;
	if (remaining(d) == 0)
		return fail(d, "truncated: expected a type byte at offset %zu", d->pos);
	t = d->buf[d->pos];
	if (t > CLARITY_STRING_UTF8)
		return fail(d, "unknown type byte 0x%02x at offset %zu", t, d->pos);
	if (is_container(t) && depth >= CLARITY_MAX_DEPTH)
		return fail(d, "nesting deeper than %d at offset %zu", CLARITY_MAX_DEPTH, d->pos);
	if (d->values >= CLARITY_MAX_VALUES)
		return fail(d, "more than %u values at offset %zu", CLARITY_MAX_VALUES, d->pos);
	d->pos++;

	v = calloc(1, sizeof *v);
	if (v == NULL)
		return fail(d, "out of memory at offset %zu", type_off);
	d->values++;
	v->type = (clarity_type)t;

	switch (v->type) {
	case CLARITY_INT:
	case CLARITY_UINT:
		if (remaining(d) < 16) {
			rc = fail(d, "truncated: %s needs 16 bytes but %zu remain at offset %zu",
				  clarity_type_name(v->type), remaining(d), d->pos);
			break;
		}
		memcpy(v->int128, d->buf + d->pos, 16);
		d->pos += 16;
		break;
	case CLARITY_BUFFER:
	case CLARITY_STRING_ASCII:
	case CLARITY_STRING_UTF8:
		rc = read_sized_bytes(d, v);
		break;
	case CLARITY_TRUE:
	case CLARITY_FALSE:
	case CLARITY_NONE:
		break;
	case CLARITY_PRINCIPAL_STANDARD:
	case CLARITY_PRINCIPAL_CONTRACT:
		rc = read_principal(d, v);
		break;
	case CLARITY_OK:
	case CLARITY_ERR:
	case CLARITY_SOME:
	case CLARITY_LIST:
	case CLARITY_TUPLE:
		rc = decode_children(d, v, depth, type_off);
		break;
	}
	if (rc != 0) {
		clarity_free(v);
		return -1;
	}
	*out = v;
	return 0;
}

int clarity_decode(const uint8_t *buf, size_t len, clarity_value **out, char *err, size_t errlen)
{
	struct decoder d = {buf, len, 0, 0, err, errlen};
	clarity_value *v;

	if (out == NULL)
		return fail(&d, "internal error: no place for the decoded value");
	*out = NULL;
	if (len == 0)
		return fail(&d, "empty input: expected a type byte at offset 0");
	if (buf == NULL)
		return fail(&d, "internal error: no input bytes");
	if (len > CLARITY_MAX_SIZE)
		return fail(&d, "value of %zu bytes exceeds the limit of %u bytes", len,
			    (unsigned)CLARITY_MAX_SIZE);
	if (decode_value(&d, 0, &v) != 0)
		return -1;
	if (d.pos != len) {
		clarity_free(v);
		return fail(&d, "%zu trailing bytes after the value at offset %zu", len - d.pos,
			    d.pos);
	}
	*out = v;
	return 0;
}

int clarity_decode_hex(const char *hex, clarity_value **out, char *err, size_t errlen)
{
	uint8_t *bytes;
	size_t n, digits;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (hex == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "no hex text");
		return -1;
	}
	/* Refuse an oversized answer before allocating for it. */
	digits = strlen(hex);
	if (hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X'))
		digits -= 2;
	if (digits / 2 > CLARITY_MAX_SIZE) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "value of %zu hex digits exceeds the limit of %u bytes",
				 digits, (unsigned)CLARITY_MAX_SIZE);
		return -1;
	}
	if (sbtc_hex_decode(hex, &bytes, &n, err, errlen) != 0)
		return -1;
	rc = clarity_decode(bytes, n, out, err, errlen);
	free(bytes);
	return rc;
}

/* Iterative, so that freeing never depends on the tree's depth: on the way down the slot
 * of the child being visited holds the parent's parent, and count says which slot that is
 * (children are released last to first). */
void clarity_free(clarity_value *v)
{
	clarity_value *up = NULL;
	clarity_value *cur = v;

	while (cur != NULL) {
		clarity_value *parent;
		size_t k;

		if (cur->items != NULL && cur->count > 0) {
			clarity_value *child;

			k = cur->count - 1;
			child = cur->items[k];
			if (child == NULL) {
				if (cur->names != NULL)
					free(cur->names[k]);
				cur->count--;
				continue;
			}
			cur->items[k] = up;
			up = cur;
			cur = child;
			continue;
		}
		if (cur->names != NULL)
			for (k = 0; k < cur->count; k++)
				free(cur->names[k]);
		free(cur->names);
		free(cur->items);
		free(cur->bytes);
		free(cur->contract_name);
		free(cur);

		parent = up;
		if (parent == NULL)
			break;
		k = parent->count - 1;
		up = parent->items[k];
		if (parent->names != NULL)
			free(parent->names[k]);
		parent->count--;
		cur = parent;
	}
}

const char *clarity_type_name(clarity_type t)
{
	switch (t) {
	case CLARITY_INT:
		return "int";
	case CLARITY_UINT:
		return "uint";
	case CLARITY_BUFFER:
		return "buff";
	case CLARITY_TRUE:
	case CLARITY_FALSE:
		return "bool";
	case CLARITY_PRINCIPAL_STANDARD:
		return "principal";
	case CLARITY_PRINCIPAL_CONTRACT:
		return "contract-principal";
	case CLARITY_OK:
		return "ok";
	case CLARITY_ERR:
		return "err";
	case CLARITY_NONE:
		return "none";
	case CLARITY_SOME:
		return "some";
	case CLARITY_LIST:
		return "list";
	case CLARITY_TUPLE:
		return "tuple";
	case CLARITY_STRING_ASCII:
		return "string-ascii";
	case CLARITY_STRING_UTF8:
		return "string-utf8";
	}
	return "unknown";
}

/* ---- clarity_describe ---- */

/* Characters of a string shown before it is cut with "...". */
#define DESCRIBE_STRING_CHARS 32

struct writer {
	char *dst;
	size_t cap;
	size_t len;
	int cut;
};

static void put(struct writer *w, const char *s, size_t n)
{
	size_t room;

	if (w->cap == 0) {
		w->cut = 1;
		return;
	}
	room = w->cap - 1 - w->len;
	if (n > room) {
		n = room;
		w->cut = 1;
	}
	memcpy(w->dst + w->len, s, n);
	w->len += n;
	w->dst[w->len] = '\0';
}

static void puts_w(struct writer *w, const char *s)
{
	put(w, s, strlen(s));
}

static void putf(struct writer *w, const char *fmt, ...) PRINTF_LIKE(2, 3);

static void putf(struct writer *w, const char *fmt, ...)
{
	char tmp[96];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof tmp) {
		n = (int)sizeof tmp - 1;
		w->cut = 1;
	}
	put(w, tmp, (size_t)n);
}

/* Remote text must not break a status line or perfdata: anything but printable ASCII,
 * and the characters '|' and '"', become '?'. */
static char safe_char(uint8_t c)
{
	if (c < 0x20 || c > 0x7e || c == '|' || c == '"')
		return '?';
	return (char)c;
}

/* Decimal digits of a 16-byte big-endian unsigned magnitude into out (>= 40 bytes). */
static void u128_to_decimal(const uint8_t be[16], char *out)
{
	uint8_t n[16];
	char rev[40];
	size_t nd = 0, i;
	int nonzero;

	memcpy(n, be, 16);
	do {
		unsigned rem = 0;
		nonzero = 0;
		for (i = 0; i < 16; i++) {
			unsigned cur = rem * 256u + n[i];
			n[i] = (uint8_t)(cur / 10u);
			rem = cur % 10u;
			if (n[i] != 0)
				nonzero = 1;
		}
		rev[nd++] = (char)('0' + rem);
	} while (nonzero && nd < sizeof rev);
	for (i = 0; i < nd; i++)
		out[i] = rev[nd - 1 - i];
	out[nd] = '\0';
}

static void describe_integer(struct writer *w, const clarity_value *v)
{
	uint8_t mag[16];
	char digits[41];
	int negative = 0;
	size_t i;

	memcpy(mag, v->int128, 16);
	if (v->type == CLARITY_INT && (mag[0] & 0x80) != 0) {
		/* Two's complement magnitude; -2^127 comes out as 2^127, which fits. */
		unsigned carry = 1;
		negative = 1;
		for (i = 16; i-- > 0;) {
			unsigned b = (uint8_t)~mag[i] + carry;
			mag[i] = (uint8_t)b;
			carry = b >> 8;
		}
	}
	u128_to_decimal(mag, digits);
	if (v->type == CLARITY_UINT)
		puts_w(w, "u");
	else if (negative)
		puts_w(w, "-");
	puts_w(w, digits);
}

static void describe_string(struct writer *w, const clarity_value *v)
{
	size_t i = 0, shown = 0;

	puts_w(w, v->type == CLARITY_STRING_ASCII ? "string-ascii \"" : "string-utf8 \"");
	while (v->bytes != NULL && i < v->len && shown < DESCRIBE_STRING_CHARS) {
		uint8_t c = v->bytes[i];
		char ch = safe_char(c);
		size_t step = 1;

		/* A UTF-8 sequence stands for one character: one '?' for it. */
		if (v->type == CLARITY_STRING_UTF8 && c >= 0xc0) {
			step = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
			if (step > v->len - i)
				step = v->len - i;
		}
		put(w, &ch, 1);
		i += step;
		shown++;
	}
	if (v->bytes != NULL && i < v->len)
		puts_w(w, "...");
	puts_w(w, "\"");
}

static void describe_value(struct writer *w, const clarity_value *v, unsigned depth)
{
	size_t i;

	if (v == NULL) {
		puts_w(w, "?");
		return;
	}
	/* Decoded trees are at most CLARITY_MAX_DEPTH deep; this bounds hand-built ones. */
	if (depth > CLARITY_MAX_DEPTH) {
		puts_w(w, "...");
		return;
	}
	switch (v->type) {
	case CLARITY_INT:
	case CLARITY_UINT:
		describe_integer(w, v);
		return;
	case CLARITY_BUFFER:
		putf(w, "(buff %zu)", v->len);
		return;
	case CLARITY_TRUE:
		puts_w(w, "true");
		return;
	case CLARITY_FALSE:
		puts_w(w, "false");
		return;
	case CLARITY_PRINCIPAL_STANDARD:
		putf(w, "principal v%u", v->version);
		return;
	case CLARITY_PRINCIPAL_CONTRACT:
		putf(w, "principal v%u.", v->version);
		for (i = 0; v->contract_name != NULL && v->contract_name[i] != '\0' &&
			    i < NAME_MAX_LEN;
		     i++) {
			char ch = safe_char((uint8_t)v->contract_name[i]);
			put(w, &ch, 1);
		}
		return;
	case CLARITY_OK:
	case CLARITY_ERR:
	case CLARITY_SOME:
		putf(w, "(%s ", clarity_type_name(v->type));
		describe_value(w, v->items != NULL && v->count > 0 ? v->items[0] : NULL, depth + 1);
		puts_w(w, ")");
		return;
	case CLARITY_NONE:
		puts_w(w, "none");
		return;
	case CLARITY_LIST:
		putf(w, "(list %zu item%s)", v->count, v->count == 1 ? "" : "s");
		return;
	case CLARITY_TUPLE:
		putf(w, "(tuple %zu field%s)", v->count, v->count == 1 ? "" : "s");
		return;
	case CLARITY_STRING_ASCII:
	case CLARITY_STRING_UTF8:
		describe_string(w, v);
		return;
	}
	putf(w, "(unknown type 0x%02x)", (unsigned)v->type);
}

void clarity_describe(const clarity_value *v, char *dst, size_t dstlen)
{
	struct writer w = {dst, dstlen, 0, 0};

	if (dst == NULL || dstlen == 0)
		return;
	dst[0] = '\0';
	describe_value(&w, v, 0);
	/* Show that the text was cut rather than let it look complete. */
	if (w.cut && dstlen >= 4)
		memcpy(dst + dstlen - 4, "...", 4);
}
