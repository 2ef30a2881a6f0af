/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Decoding of Clarity values in their consensus serialisation (as a Stacks node returns
 * them from call-read and data_var). */
#ifndef SBTC_CLARITY_H
#define SBTC_CLARITY_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
	CLARITY_INT = 0x00,
	CLARITY_UINT = 0x01,
	CLARITY_BUFFER = 0x02,
	CLARITY_TRUE = 0x03,
	CLARITY_FALSE = 0x04,
	CLARITY_PRINCIPAL_STANDARD = 0x05,
	CLARITY_PRINCIPAL_CONTRACT = 0x06,
	CLARITY_OK = 0x07,
	CLARITY_ERR = 0x08,
	CLARITY_NONE = 0x09,
	CLARITY_SOME = 0x0a,
	CLARITY_LIST = 0x0b,
	CLARITY_TUPLE = 0x0c,
	CLARITY_STRING_ASCII = 0x0d,
	CLARITY_STRING_UTF8 = 0x0e
} clarity_type;

typedef struct clarity_value clarity_value;

struct clarity_value {
	clarity_type type;
	/* INT/UINT: 16 bytes big-endian two's complement (INT) or unsigned (UINT). */
	uint8_t int128[16];
	/* BUFFER, STRING_ASCII, STRING_UTF8: the bytes (NUL-terminated copy for strings
	 * convenience; len excludes the terminator). PRINCIPAL_*: unused. */
	uint8_t *bytes;
	size_t len;
	/* PRINCIPAL_*: version byte and 20-byte hash; CONTRACT also the contract name. */
	uint8_t version;
	uint8_t hash160[20];
	char *contract_name; /* NUL-terminated, PRINCIPAL_CONTRACT only */
	/* OK, ERR, SOME: the inner value in items[0] (count 1).
	 * LIST: items[0..count). TUPLE: items[i] with names[i] (NUL-terminated). */
	clarity_value **items;
	char **names;
	size_t count;
};

/* Limits that keep a hostile answer from exhausting memory or the stack. */
#define CLARITY_MAX_DEPTH 32          /* nesting of ok/err/some/list/tuple */
#define CLARITY_MAX_SIZE (1u << 20)   /* bytes of serialised input accepted */

/* Decodes exactly len bytes as one value (trailing bytes are an error). Returns 0 and a
 * tree in *out (free with clarity_free), or -1 with *out NULL and a message that gives the
 * offset and what was expected, such as
 * "truncated: buffer declares 33 bytes but 12 remain at offset 5",
 * "unknown type byte 0x11 at offset 0" or "nesting deeper than 32 at offset 40".
 * Besides the limits above, one value may hold at most 65536 values in all, and strings
 * and names are validated as clarity.c describes. */
int clarity_decode(const uint8_t *buf, size_t len, clarity_value **out, char *err, size_t errlen);

/* The same from hex text with or without a 0x prefix (hex errors as sbtc_hex_decode). */
int clarity_decode_hex(const char *hex, clarity_value **out, char *err, size_t errlen);

/* Frees a tree (NULL is fine); works without recursion whatever the depth. */
void clarity_free(clarity_value *v);

/* "int", "uint", "buff", "bool", "principal", "contract-principal", "ok", "err",
 * "none", "some", "list", "tuple", "string-ascii", "string-utf8". */
const char *clarity_type_name(clarity_type t);

/* A short human-readable rendering for messages, e.g. "(ok (buff 33))",
 * "(some u5)", "(err u1003)", "-3", "(list 3 items)", "(tuple 2 fields)", "principal v22",
 * "string-ascii \"abc\"" (strings cut after 32 characters; '|', '"' and anything but
 * printable ASCII shown as '?'). Integers are shown in full decimal. Writes at most dstlen
 * bytes, always NUL-terminated; a cut rendering ends in "...". */
void clarity_describe(const clarity_value *v, char *dst, size_t dstlen);

#endif
