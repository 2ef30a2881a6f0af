/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "version.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sanitize.h"

/* Largest number accepted in one part: nine digits, far beyond any release. */
#define PART_MAX_DIGITS 9

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static void fail(char *err, size_t errlen, const char *text, size_t len, const char *why)
{
	if (err == NULL || errlen == 0)
		return;
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	sbtc_sanitize_append(&b, text, len, 80);
	snprintf(err, errlen, "'%s' is not a version: %s", sbtc_strbuf_str(&b), why);
	sbtc_strbuf_free(&b);
}

/* Reads up to PART_MAX_DIGITS digits at *p; false when there is none or too many. */
static bool read_number(const char **p, const char *end, uint32_t *out)
{
	const char *s = *p;
	uint32_t v = 0;
	int n = 0;
	while (s < end && is_digit(*s)) {
		if (++n > PART_MAX_DIGITS)
			return false;
		v = v * 10 + (uint32_t)(*s - '0');
		s++;
	}
	if (n == 0)
		return false;
	*p = s;
	*out = v;
	return true;
}

static int parse_span(const char *text, size_t len, sbtc_version *out, char *err, size_t errlen)
{
	const char *p = text, *end = text + len;
	while (p < end && is_space(*p))
		p++;
	while (end > p && is_space(end[-1]))
		end--;
	size_t tlen = (size_t)(end - p);
	if (tlen == 0) {
		fail(err, errlen, text, len, "it is empty");
		return -1;
	}
	if (tlen >= SBTC_VERSION_TEXT_MAX) {
		fail(err, errlen, text, len, "it is too long");
		return -1;
	}
	sbtc_version v;
	memset(&v, 0, sizeof v);
	memcpy(v.text, p, tlen);
	v.text[tlen] = '\0';

	if (tlen > 7 && strncmp(p, "signer-", 7) == 0) {
		v.signer_prefix = true;
		p += 7;
	}
	if (p < end && (*p == 'v' || *p == 'V'))
		p++;
	if (p >= end || !is_digit(*p)) {
		fail(err, errlen, text, len, "it does not start with a number");
		return -1;
	}
	for (;;) {
		if (v.nparts == SBTC_VERSION_MAX_PARTS) {
			fail(err, errlen, text, len, "more than six numbers");
			return -1;
		}
		if (!read_number(&p, end, &v.part[v.nparts])) {
			fail(err, errlen, text, len, "a number is missing or too long");
			return -1;
		}
		v.nparts++;
		if (p + 1 < end && *p == '.' && is_digit(p[1])) {
			p++;
			continue;
		}
		break;
	}
	if (v.nparts < 2) {
		fail(err, errlen, text, len, "a release has at least two numbers (1.2)");
		return -1;
	}
	/* A prerelease: -rc1, -rc.1, .rc1, rc1 (Bitcoin Core), -beta.2, -alpha. */
	if (p < end && *p != '+') {
		const char *q = p;
		if (*q == '-' || *q == '.')
			q++;
		static const struct {
			const char *word;
			sbtc_prerelease pre;
		} kinds[] = {{"alpha", SBTC_PRE_ALPHA}, {"beta", SBTC_PRE_BETA}, {"rc", SBTC_PRE_RC}};
		for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
			size_t wl = strlen(kinds[k].word);
			if ((size_t)(end - q) >= wl && strncasecmp(q, kinds[k].word, wl) == 0) {
				v.pre = kinds[k].pre;
				q += wl;
				break;
			}
		}
		if (v.pre == SBTC_PRE_NONE) {
			fail(err, errlen, text, len, "unexpected text after the numbers (only -rcN, -betaN, -alphaN)");
			return -1;
		}
		if (q < end && (*q == '.' || *q == '-') && q + 1 < end && is_digit(q[1]))
			q++;
		if (q < end && is_digit(*q) && !read_number(&q, end, &v.pre_number)) {
			fail(err, errlen, text, len, "the prerelease number is too long");
			return -1;
		}
		p = q;
	}
	/* Build metadata (+build.5) does not take part in the order. */
	if (p < end && *p == '+') {
		p++;
		if (p >= end) {
			fail(err, errlen, text, len, "empty build metadata after '+'");
			return -1;
		}
		for (; p < end; p++) {
			char c = *p;
			if (!(is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '-')) {
				fail(err, errlen, text, len, "unexpected character in the build metadata");
				return -1;
			}
		}
	}
	if (p < end) {
		fail(err, errlen, text, len, "unexpected text after the version");
		return -1;
	}
	bool all_zero = true;
	for (int i = 0; i < v.nparts; i++)
		all_zero = all_zero && v.part[i] == 0;
	if (all_zero) {
		fail(err, errlen, text, len, "version 0.0 is a placeholder, not a release");
		return -1;
	}
	*out = v;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	return 0;
}

int sbtc_version_parse(const char *text, sbtc_version *out, char *err, size_t errlen)
{
	if (text == NULL)
		text = "";
	return parse_span(text, strlen(text), out, err, errlen);
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int sbtc_version_parse_suffixed(const char *text, sbtc_version *out, char *err, size_t errlen)
{
	if (text == NULL)
		text = "";
	if (parse_span(text, strlen(text), out, err, errlen) == 0)
		return 0;
	/* base-suffix: the last '-' followed by a letter, the base a version without a
	 * prerelease, the suffix letters and digits (inner '.' and '-' allowed). */
	const char *s = text, *end = text + strlen(text);
	while (s < end && is_space(*s))
		s++;
	while (end > s && is_space(end[-1]))
		end--;
	for (const char *dash = end; dash > s;) {
		dash--;
		if (*dash != '-' || dash + 1 >= end || !is_alpha(dash[1]))
			continue;
		sbtc_version base;
		if (parse_span(s, (size_t)(dash - s), &base, NULL, 0) != 0 || base.pre != SBTC_PRE_NONE)
			continue;
		const char *q = dash + 1;
		static const char *const pre_words[] = {"alpha", "beta", "rc"};
		bool ok = true;
		for (size_t k = 0; k < sizeof pre_words / sizeof pre_words[0]; k++)
			if (strncasecmp(q, pre_words[k], strlen(pre_words[k])) == 0)
				ok = false;
		for (const char *c = q; ok && c < end; c++)
			ok = is_alpha(*c) || is_digit(*c) ||
			     ((*c == '.' || *c == '-') && c + 1 < end && c[-1] != '.' && c[-1] != '-');
		size_t tlen = (size_t)(end - s);
		if (!ok || tlen >= SBTC_VERSION_TEXT_MAX)
			continue;
		memcpy(base.text, s, tlen);
		base.text[tlen] = '\0';
		memcpy(base.suffix, q, (size_t)(end - q));
		base.suffix[end - q] = '\0';
		*out = base;
		if (err != NULL && errlen > 0)
			err[0] = '\0';
		return 0;
	}
	return -1; /* err holds the strict parser's reason */
}

bool sbtc_version_is_branch_name(const char *text)
{
	if (text == NULL || text[0] == '\0')
		return true;
	if (sbtc_version_is_commit(text) || is_digit(text[0]) ||
	    ((text[0] == 'v' || text[0] == 'V') && is_digit(text[1])))
		return false;
	size_t n = 0;
	for (const char *p = text; *p; p++, n++) {
		char c = *p;
		if (!(is_alpha(c) || is_digit(c) || c == '-' || c == '_' || c == '/' || c == '.'))
			return false;
	}
	return n <= 100 && is_alpha(text[0]);
}

int sbtc_version_cmp(const sbtc_version *a, const sbtc_version *b)
{
	for (int i = 0; i < SBTC_VERSION_MAX_PARTS; i++) {
		uint32_t x = i < a->nparts ? a->part[i] : 0, y = i < b->nparts ? b->part[i] : 0;
		if (x != y)
			return x < y ? -1 : 1;
	}
	/* A stable release sorts above every prerelease of the same numbers. */
	int ra = a->pre == SBTC_PRE_NONE ? 100 : (int)a->pre;
	int rb = b->pre == SBTC_PRE_NONE ? 100 : (int)b->pre;
	if (ra != rb)
		return ra < rb ? -1 : 1;
	if (a->pre_number != b->pre_number)
		return a->pre_number < b->pre_number ? -1 : 1;
	return 0;
}

bool sbtc_version_is_commit(const char *text)
{
	size_t n = 0;
	bool letter = false;
	for (const char *p = text; *p; p++, n++) {
		char c = *p;
		if ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
			letter = true;
		else if (!is_digit(c))
			return false;
	}
	return n == 40 || (n >= 7 && n <= 40 && letter);
}

bool sbtc_version_git_describe(const char *text, char *commit, size_t commitlen)
{
	size_t n = strlen(text);
	if (n > 6 && strcmp(text + n - 6, "-dirty") == 0)
		n -= 6;
	/* ...-<count>-g<hex>: find "-g" with hex after it and a count before it */
	size_t h = n;
	while (h > 0 && ((text[h - 1] >= '0' && text[h - 1] <= '9') || (text[h - 1] >= 'a' && text[h - 1] <= 'f')))
		h--;
	size_t hexlen = n - h;
	if (hexlen < 7 || hexlen > 40 || h < 2 || text[h - 1] != 'g' || text[h - 2] != '-')
		return false;
	size_t c = h - 2;
	while (c > 0 && is_digit(text[c - 1]))
		c--;
	if (c == h - 2 || c < 2 || text[c - 1] != '-')
		return false;
	if (commitlen <= hexlen)
		return false;
	memcpy(commit, text + h, hexlen);
	commit[hexlen] = '\0';
	return true;
}

int sbtc_version_from_stacks_server(const char *server_version, sbtc_version *out, char *err,
				    size_t errlen)
{
	const char *s = server_version ? server_version : "";
	while (is_space(*s))
		s++;
	/* "stacks-node 3.1.0.0.12 (...)": the program's name, then the version. */
	const char *words[] = {"stacks-node ", "stacks-signer "};
	const char *v = s;
	for (size_t k = 0; k < sizeof words / sizeof words[0]; k++)
		if (strncmp(s, words[k], strlen(words[k])) == 0)
			v = s + strlen(words[k]);
	while (is_space(*v))
		v++;
	size_t n = strcspn(v, " \t(");
	if (parse_span(v, n, out, NULL, 0) == 0)
		return 0;
	if (err != NULL && errlen > 0) {
		char *clean = sbtc_sanitize(s, 120);
		char inner[160];
		parse_span(v, n, out, inner, sizeof inner);
		snprintf(err, errlen, "server_version '%s' names no version I can read (%s)", clean, inner);
		free(clean);
	}
	return -1;
}

int sbtc_version_from_bitcoin_subversion(const char *subversion, sbtc_version *out, char *err,
					 size_t errlen)
{
	const char *s = subversion ? subversion : "";
	const char *tag = strstr(s, "/Satoshi:");
	if (tag != NULL) {
		const char *v = tag + 9;
		size_t n = strcspn(v, "/(");
		if (parse_span(v, n, out, NULL, 0) == 0)
			return 0;
	}
	if (err != NULL && errlen > 0) {
		char *clean = sbtc_sanitize(s, 120);
		snprintf(err, errlen, "subversion '%s' names no Bitcoin Core version (expected /Satoshi:X.Y.Z/)",
			 clean);
		free(clean);
	}
	return -1;
}
