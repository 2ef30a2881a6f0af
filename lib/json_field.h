/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Parsing JSON bodies and typed lookups by dotted path, with errors that name the field
 * ("field 'bitcoin.signer_tip.block_height' missing"). Built on json-c. */
#ifndef SBTC_JSON_FIELD_H
#define SBTC_JSON_FIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

/* Nesting accepted in a body; deeper input is refused rather than parsed. */
#define SBTC_JSON_MAX_DEPTH 64

/* Parses exactly len bytes (no NUL terminator needed) as one JSON value in strict mode:
 * no comments, single quotes or trailing commas, and nothing but whitespace after the
 * value. Returns 0 and a tree in *out (release with json_object_put), or -1 with *out
 * NULL and a message such as "not JSON: unexpected character at offset 12" or
 * "empty body instead of JSON" (also for a body of only whitespace). A body that is just
 * `null` is valid JSON: 0 with *out NULL (json-c's null), and lookups in it then report
 * "the document is null".
 * Integers beyond the 64-bit range, which json-c would silently clamp, are kept as
 * numbers with their real value so that sbtc_json_get_int64 can refuse them. */
int sbtc_json_parse(const char *text, size_t len, json_object **out, char *err, size_t errlen);

/* Paths: member names separated by '.', e.g. "bitcoin.signer_tip.block_height". A
 * segment of decimal digits indexes an array ("items.0.name"); on an object it is an
 * ordinary member name. The empty path means the root itself. Member names containing
 * '.' cannot be addressed.
 *
 * The getters return 0 and store the value, or -1 with a message in err:
 *   "field 'a.b' missing", "field 'a.b' is null",
 *   "field 'a.b' is a string, expected an integer",
 *   "field 'a' (in 'a.b') is an array, expected an object",
 *   "field 'a.b' is 1.5, expected an integer",
 *   "field 'a.b' is 9223372036854775808, out of range for a 64-bit integer".
 * On error *out is left untouched. */
int sbtc_json_get_object(json_object *root, const char *path, json_object **out, char *err,
			 size_t errlen);
int sbtc_json_get_array(json_object *root, const char *path, json_object **out, char *err,
			size_t errlen);
/* The string belongs to the tree; strings holding "\u0000" are refused. */
int sbtc_json_get_string(json_object *root, const char *path, const char **out, char *err,
			 size_t errlen);
/* JSON integers, and numbers written with a fraction or exponent whose value is a whole
 * number of at most 2^53 in magnitude, where a double is exact (2.0, 1e3); 1.5, strings,
 * NaN and out-of-range values are refused. */
int sbtc_json_get_int64(json_object *root, const char *path, int64_t *out, char *err,
			size_t errlen);
/* Any finite JSON number; NaN and Infinity (which json-c accepts) are refused. */
int sbtc_json_get_double(json_object *root, const char *path, double *out, char *err,
			 size_t errlen);
int sbtc_json_get_bool(json_object *root, const char *path, bool *out, char *err, size_t errlen);

/* Optional fields. A peer may send null for what it could not learn (the signer's /info
 * does) or leave a member out. The _opt getters take flags saying which of those count
 * as "absent" instead of an error:
 *   SBTC_JSON_NULL_OK     null, at the end of the path or on the way to it
 *   SBTC_JSON_MISSING_OK  a member (or array index) that does not exist, at any level
 * They return 0 with the value stored, 1 when the field is absent in a permitted way (*out
 * untouched, err says why, e.g. "field 'a.b' is null", for verbose output), or -1 on any
 * other error. A value of the wrong type is always an error. Flags 0 behave exactly as
 * the plain getters. */
#define SBTC_JSON_NULL_OK 0x1u
#define SBTC_JSON_MISSING_OK 0x2u
#define SBTC_JSON_ABSENT_OK (SBTC_JSON_NULL_OK | SBTC_JSON_MISSING_OK)

int sbtc_json_get_object_opt(json_object *root, const char *path, unsigned flags,
			     json_object **out, char *err, size_t errlen);
int sbtc_json_get_array_opt(json_object *root, const char *path, unsigned flags,
			    json_object **out, char *err, size_t errlen);
int sbtc_json_get_string_opt(json_object *root, const char *path, unsigned flags,
			     const char **out, char *err, size_t errlen);
int sbtc_json_get_int64_opt(json_object *root, const char *path, unsigned flags, int64_t *out,
			    char *err, size_t errlen);
int sbtc_json_get_double_opt(json_object *root, const char *path, unsigned flags, double *out,
			     char *err, size_t errlen);
int sbtc_json_get_bool_opt(json_object *root, const char *path, unsigned flags, bool *out,
			   char *err, size_t errlen);

#endif
