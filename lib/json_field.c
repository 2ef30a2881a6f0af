/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Parsing JSON bodies and typed lookups by dotted path, with errors that name the field. */
#include "json_field.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

static void set_err(char *err, size_t errlen, const char *fmt, ...) PRINTF_LIKE(3, 4);

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int is_json_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* ---- parsing ---- */

/* One strict parse of text[0..len). */
static int parse_once(const char *text, size_t len, json_object **out, char *err, size_t errlen,
		      size_t *end_out)
{
	json_tokener *tok;
	json_object *obj;
	enum json_tokener_error jerr;
	size_t end, i;

	tok = json_tokener_new_ex(SBTC_JSON_MAX_DEPTH);
	if (tok == NULL) {
		set_err(err, errlen, "out of memory parsing JSON");
		return -1;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (jerr == json_tokener_continue) {
		/* All bytes were consumed; a bare number (or an unfinished value) needs to be
		 * told that the input ends here, which a terminating NUL does. */
		obj = json_tokener_parse_ex(tok, "", 1);
		jerr = json_tokener_get_error(tok);
		end = len;
	}
	json_tokener_free(tok);
	if (jerr != json_tokener_success) {
		json_object_put(obj);
		set_err(err, errlen, "not JSON: %s at offset %zu", json_tokener_error_desc(jerr), end);
		return -1;
	}
	/* json-c stops at a NUL byte, so anything left must be checked here. */
	for (i = end; i < len; i++) {
		if (!is_json_space(text[i])) {
			json_object_put(obj);
			set_err(err, errlen, "not JSON: unexpected data after the value at offset %zu", i);
			return -1;
		}
	}
	*out = obj;
	*end_out = end;
	return 0;
}

/* Whether an integer literal (digits without sign) lies outside the range json-c stores
 * exactly: int64 for negatives, uint64 for the rest. Beyond it json-c clamps silently. */
static int integer_overflows(const char *digits, size_t n, int negative)
{
	const char *limit = negative ? "9223372036854775808" : "18446744073709551615";
	size_t llen = strlen(limit);

	while (n > 1 && digits[0] == '0') {
		digits++;
		n--;
	}
	if (n != llen)
		return n > llen;
	return memcmp(digits, limit, n) > 0;
}

/* Finds integer literals (outside strings) that would be clamped. With dst, copies the
 * text there with ".0" after each of them, which makes json-c keep them as doubles with
 * their real value. Returns how many there are. text[0..len) is valid JSON. */
static size_t mark_big_integers(const char *text, size_t len, char *dst)
{
	size_t i = 0, o = 0, count = 0;
	int in_string = 0;

	while (i < len) {
		char c = text[i];

		if (in_string) {
			size_t n = (c == '\\' && i + 1 < len) ? 2 : 1;
			if (c == '"')
				in_string = 0;
			if (dst != NULL)
				memcpy(dst + o, text + i, n);
			o += n;
			i += n;
		} else if (c == '-' || is_digit(c)) {
			size_t start = i, dstart, dend;
			int is_integer;

			if (c == '-')
				i++;
			dstart = i;
			while (i < len && is_digit(text[i]))
				i++;
			dend = i;
			is_integer = !(i < len && (text[i] == '.' || text[i] == 'e' || text[i] == 'E'));
			while (i < len && (is_digit(text[i]) || strchr(".eE+-", text[i]) != NULL) &&
			       text[i] != '\0')
				i++;
			if (dst != NULL)
				memcpy(dst + o, text + start, i - start);
			o += i - start;
			if (is_integer && dend > dstart &&
			    integer_overflows(text + dstart, dend - dstart, c == '-')) {
				if (dst != NULL)
					memcpy(dst + o, ".0", 2);
				o += 2;
				count++;
			}
		} else {
			if (c == '"')
				in_string = 1;
			if (dst != NULL)
				dst[o] = c;
			o++;
			i++;
		}
	}
	return count;
}

int sbtc_json_parse(const char *text, size_t len, json_object **out, char *err, size_t errlen)
{
	json_object *obj = NULL;
	size_t i, end, big;
	char *copy;
	int rc;

	if (out == NULL) {
		set_err(err, errlen, "internal error: no place for the parsed JSON");
		return -1;
	}
	*out = NULL;
	for (i = 0; text != NULL && i < len && is_json_space(text[i]); i++)
		;
	if (text == NULL || i == len) {
		set_err(err, errlen, "empty body instead of JSON");
		return -1;
	}
	/* json-c takes an int length, and the rewrite below may add a little. */
	if (len > (size_t)INT_MAX / 2) {
		set_err(err, errlen, "body of %zu bytes is too large to parse as JSON", len);
		return -1;
	}
	if (parse_once(text, len, &obj, err, errlen, &end) != 0)
		return -1;

	big = mark_big_integers(text, end, NULL);
	if (big == 0) {
		*out = obj;
		return 0;
	}
	/* Rare: parse again with the oversized integers marked so their value survives. */
	json_object_put(obj);
	obj = NULL;
	if (big > ((size_t)INT_MAX - end) / 2 - 1) {
		set_err(err, errlen, "body of %zu bytes is too large to parse as JSON", len);
		return -1;
	}
	copy = malloc(end + 2 * big + 1);
	if (copy == NULL) {
		set_err(err, errlen, "out of memory parsing JSON");
		return -1;
	}
	mark_big_integers(text, end, copy);
	copy[end + 2 * big] = '\0';
	rc = parse_once(copy, end + 2 * big, &obj, err, errlen, &end);
	free(copy);
	if (rc != 0)
		return -1;
	*out = obj;
	return 0;
}

/* ---- lookups ---- */

static const char *type_phrase(json_type t)
{
	switch (t) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "a boolean";
	case json_type_double:
		return "a number";
	case json_type_int:
		return "an integer";
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	case json_type_string:
		return "a string";
	}
	return "an unknown value";
}

/* Names the value at path[0..plen) for a message: "the document", "field 'a.b'" or
 * "field 'a' (in 'a.b')". Long paths are cut by snprintf. */
static void subject(char *dst, size_t dstlen, const char *path, size_t plen)
{
	size_t full = strlen(path);

	if (plen == 0)
		snprintf(dst, dstlen, "the document");
	else if (plen >= full)
		snprintf(dst, dstlen, "field '%s'", path);
	else
		snprintf(dst, dstlen, "field '%.*s' (in '%s')", (int)plen, path, path);
}

struct lookup {
	const char *path;
	unsigned flags;
	char *err;
	size_t errlen;
};

static int fail_at(const struct lookup *l, size_t plen, int rc, const char *fmt, ...)
	PRINTF_LIKE(4, 5);

/* Writes "<subject> <rest>" into err and returns rc. */
static int fail_at(const struct lookup *l, size_t plen, int rc, const char *fmt, ...)
{
	char who[320];
	char what[200];
	va_list ap;

	if (l->err == NULL || l->errlen == 0)
		return rc;
	subject(who, sizeof who, l->path, plen);
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	snprintf(l->err, l->errlen, "%s %s", who, what);
	return rc;
}

/* Parses a whole segment of decimal digits as an array index. */
static int parse_index(const char *seg, size_t n, size_t *idx)
{
	size_t i, v = 0;

	if (n == 0 || n > 9)
		return 0;
	for (i = 0; i < n; i++) {
		if (!is_digit(seg[i]))
			return 0;
		v = v * 10 + (size_t)(seg[i] - '0');
	}
	*idx = v;
	return 1;
}

/* Follows the path. Returns 0 with a non-null *found, 1 when absent as the flags permit,
 * -1 on error; the latter two with a message. */
static int walk(json_object *root, const struct lookup *l, json_object **found)
{
	const char *path = l->path;
	json_object *cur = root;
	size_t pos = 0, len;
	char *key;

	if (path == NULL) {
		set_err(l->err, l->errlen, "internal error: no field path");
		return -1;
	}
	len = strlen(path);
	if (len > 0 && (path[0] == '.' || path[len - 1] == '.' || strstr(path, "..") != NULL)) {
		set_err(l->err, l->errlen, "internal error: invalid field path '%s'", path);
		return -1;
	}
	/* Member lookup needs a NUL-terminated name; one copy serves every segment. */
	key = malloc(len + 1);
	if (key == NULL) {
		set_err(l->err, l->errlen, "out of memory looking up '%s'", path);
		return -1;
	}

	while (len > 0 && pos <= len) {
		const char *dot = strchr(path + pos, '.');
		size_t seglen = dot != NULL ? (size_t)(dot - (path + pos)) : len - pos;
		size_t end = pos + seglen;
		size_t idx = 0;
		int numeric = parse_index(path + pos, seglen, &idx);
		json_object *next = NULL;
		json_type t = json_object_get_type(cur);
		int exists;

		/* pos - 1 is the length of the prefix naming cur (0 for the root). */
		size_t cur_len = pos == 0 ? 0 : pos - 1;

		if (t == json_type_null) {
			int rc = (l->flags & SBTC_JSON_NULL_OK) ? 1 : -1;
			free(key);
			return fail_at(l, cur_len, rc, "is null");
		}
		if (t == json_type_object) {
			memcpy(key, path + pos, seglen);
			key[seglen] = '\0';
			exists = json_object_object_get_ex(cur, key, &next);
		} else if (t == json_type_array && numeric) {
			exists = idx < json_object_array_length(cur);
			if (exists)
				next = json_object_array_get_idx(cur, idx);
		} else {
			free(key);
			return fail_at(l, cur_len, -1, "is %s, expected %s", type_phrase(t),
				       numeric ? "an object or an array" : "an object");
		}
		if (!exists) {
			int rc = (l->flags & SBTC_JSON_MISSING_OK) ? 1 : -1;
			free(key);
			return fail_at(l, end, rc, "missing");
		}
		cur = next;
		pos = end + 1;
	}
	free(key);
	if (json_object_get_type(cur) == json_type_null)
		return fail_at(l, len, (l->flags & SBTC_JSON_NULL_OK) ? 1 : -1, "is null");
	*found = cur;
	return 0;
}

static int wrong_type(const struct lookup *l, json_object *o, const char *expected)
{
	return fail_at(l, strlen(l->path), -1, "is %s, expected %s",
		       type_phrase(json_object_get_type(o)), expected);
}

/* A number's text for a message, short, with the ".0" that parsing may have added to an
 * oversized integer taken off again. */
static void number_text(json_object *o, char *dst, size_t dstlen)
{
	const char *s = json_object_get_string(o);
	size_t n;

	snprintf(dst, dstlen, "%.40s", s != NULL ? s : "?");
	n = strlen(dst);
	if (n > 2 && dst[n - 2] == '.' && dst[n - 1] == '0')
		dst[n - 2] = '\0';
}

/* The value at path when it has the type named by what ("an object"). */
static int get_typed(json_object *root, const char *path, unsigned flags, json_type type, const char *what,
		     json_object **out, char *err, size_t errlen)
{
	struct lookup l = {path, flags, err, errlen};
	json_object *o = NULL;
	int rc = walk(root, &l, &o);

	if (rc != 0)
		return rc;
	if (!json_object_is_type(o, type))
		return wrong_type(&l, o, what);
	*out = o;
	return 0;
}

int sbtc_json_get_object_opt(json_object *root, const char *path, unsigned flags,
			     json_object **out, char *err, size_t errlen)
{
	return get_typed(root, path, flags, json_type_object, "an object", out, err, errlen);
}

int sbtc_json_get_array_opt(json_object *root, const char *path, unsigned flags,
			    json_object **out, char *err, size_t errlen)
{
	return get_typed(root, path, flags, json_type_array, "an array", out, err, errlen);
}

int sbtc_json_get_string_opt(json_object *root, const char *path, unsigned flags,
			     const char **out, char *err, size_t errlen)
{
	struct lookup l = {path, flags, err, errlen};
	json_object *o = NULL;
	const char *s;
	int rc = walk(root, &l, &o);

	if (rc != 0)
		return rc;
	if (!json_object_is_type(o, json_type_string))
		return wrong_type(&l, o, "a string");
	s = json_object_get_string(o);
	/* A C string would silently end at an embedded NUL. */
	if (strlen(s) != (size_t)json_object_get_string_len(o))
		return fail_at(&l, strlen(path), -1, "contains a NUL character");
	*out = s;
	return 0;
}

int sbtc_json_get_int64_opt(json_object *root, const char *path, unsigned flags, int64_t *out,
			    char *err, size_t errlen)
{
	struct lookup l = {path, flags, err, errlen};
	json_object *o = NULL;
	char text[48];
	int rc = walk(root, &l, &o);

	if (rc != 0)
		return rc;
	if (json_object_is_type(o, json_type_int)) {
		int64_t v = json_object_get_int64(o);
		/* json-c keeps 2^63..2^64-1 as uint64 and reports them as INT64_MAX. */
		if (v == INT64_MAX && json_object_get_uint64(o) > (uint64_t)INT64_MAX) {
			number_text(o, text, sizeof text);
			return fail_at(&l, strlen(path), -1, "is %s, out of range for a 64-bit integer",
				       text);
		}
		*out = v;
		return 0;
	}
	if (json_object_is_type(o, json_type_double)) {
		double d = json_object_get_double(o);

		number_text(o, text, sizeof text);
		if (isnan(d))
			return fail_at(&l, strlen(path), -1, "is %s, expected an integer", text);
		/* Strict at -2^63: a double there may stand for a smaller integer rounded up. */
		if (!(d > -9223372036854775808.0 && d < 9223372036854775808.0))
			return fail_at(&l, strlen(path), -1, "is %s, out of range for a 64-bit integer",
				       text);
		if ((double)(int64_t)d != d)
			return fail_at(&l, strlen(path), -1, "is %s, expected an integer", text);
		/* Past 2^53 a double no longer holds every integer, so the value read could
		 * differ from the one written; only plain integer syntax is exact there. */
		if (d > 9007199254740992.0 || d < -9007199254740992.0)
			return fail_at(&l, strlen(path), -1,
				       "is %s, not exact beyond 2^53 unless written as an integer", text);
		*out = (int64_t)d;
		return 0;
	}
	return wrong_type(&l, o, "an integer");
}

int sbtc_json_get_double_opt(json_object *root, const char *path, unsigned flags, double *out,
			     char *err, size_t errlen)
{
	struct lookup l = {path, flags, err, errlen};
	json_object *o = NULL;
	char text[48];
	double d;
	int rc = walk(root, &l, &o);

	if (rc != 0)
		return rc;
	if (!json_object_is_type(o, json_type_double) && !json_object_is_type(o, json_type_int))
		return wrong_type(&l, o, "a number");
	d = json_object_get_double(o);
	if (!isfinite(d)) {
		number_text(o, text, sizeof text);
		return fail_at(&l, strlen(path), -1, "is %s, expected a finite number", text);
	}
	*out = d;
	return 0;
}

int sbtc_json_get_bool_opt(json_object *root, const char *path, unsigned flags, bool *out,
			   char *err, size_t errlen)
{
	struct lookup l = {path, flags, err, errlen};
	json_object *o = NULL;
	int rc = walk(root, &l, &o);

	if (rc != 0)
		return rc;
	if (!json_object_is_type(o, json_type_boolean))
		return wrong_type(&l, o, "a boolean");
	*out = json_object_get_boolean(o) != 0;
	return 0;
}

int sbtc_json_get_object(json_object *root, const char *path, json_object **out, char *err,
			 size_t errlen)
{
	return sbtc_json_get_object_opt(root, path, 0, out, err, errlen);
}

int sbtc_json_get_array(json_object *root, const char *path, json_object **out, char *err,
			size_t errlen)
{
	return sbtc_json_get_array_opt(root, path, 0, out, err, errlen);
}

int sbtc_json_get_string(json_object *root, const char *path, const char **out, char *err,
			 size_t errlen)
{
	return sbtc_json_get_string_opt(root, path, 0, out, err, errlen);
}

int sbtc_json_get_int64(json_object *root, const char *path, int64_t *out, char *err,
			size_t errlen)
{
	return sbtc_json_get_int64_opt(root, path, 0, out, err, errlen);
}

int sbtc_json_get_double(json_object *root, const char *path, double *out, char *err,
			 size_t errlen)
{
	return sbtc_json_get_double_opt(root, path, 0, out, err, errlen);
}

int sbtc_json_get_bool(json_object *root, const char *path, bool *out, char *err, size_t errlen)
{
	return sbtc_json_get_bool_opt(root, path, 0, out, err, errlen);
}
