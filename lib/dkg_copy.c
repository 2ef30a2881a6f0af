/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "dkg_copy.h"

#include <stdio.h>
#include <string.h>

#include "strbuf.h"

/* The longest row of the block kept whole; the start of any other line is enough. */
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define MAX_ROW (16u * 1024 * 1024)
#else
#define MAX_ROW (64u * 1024) /* the fuzz build reaches the limit with small inputs */
#endif
#define OTHER_LINE 4096u

void sbtc_dkg_copy_init(sbtc_dkg_copy *c, sbtc_dkg_shares *out)
{
	memset(c, 0, sizeof *c);
	c->out = out;
	c->col_key = c->col_status = c->col_created = -1;
	memset(out, 0, sizeof *out);
}

bool sbtc_dkg_copy_want_key(sbtc_dkg_copy *c, const uint8_t key[SBTC_AGGREGATE_KEY_LEN])
{
	for (size_t i = 0; i < c->nwant; i++)
		if (memcmp(c->want[i].key, key, SBTC_AGGREGATE_KEY_LEN) == 0)
			return true;
	if (c->nwant == SBTC_DKG_COPY_MAX_KEYS)
		return false;
	sbtc_dkg_copy_want *w = &c->want[c->nwant++];
	memset(w, 0, sizeof *w);
	memcpy(w->key, key, SBTC_AGGREGATE_KEY_LEN);
	return true;
}

bool sbtc_dkg_copy_answers(const sbtc_dkg_shares *s, const uint8_t key[SBTC_AGGREGATE_KEY_LEN])
{
	sbtc_dkg_counts c;
	sbtc_dkg_count(s, &c);
	if (c.newest_verified != NULL && memcmp(c.newest_verified->key, key, SBTC_AGGREGATE_KEY_LEN) == 0)
		return true;
	return !s->has_status && s->n > 0 && memcmp(s->v[0].key, key, SBTC_AGGREGATE_KEY_LEN) == 0;
}

/* Keeps s in *slot when it is newer than what is there. */
static void keep_newer(sbtc_dkg_share *slot, bool *has, const sbtc_dkg_share *s)
{
	if (!*has || sbtc_dkg_share_cmp(s, slot) < 0) {
		*slot = *s;
		*has = true;
	}
}

/* One well-formed row: counted, and kept where it is the newest of its kind. */
static void take_share(sbtc_dkg_copy *c, const sbtc_dkg_share *s)
{
	sbtc_dkg_counts *n = &c->counts;
	n->total++;
	switch (s->status) {
	case SBTC_SHARE_VERIFIED: n->verified++; break;
	case SBTC_SHARE_UNVERIFIED: n->unverified++; break;
	case SBTC_SHARE_FAILED: n->failed++; break;
	case SBTC_SHARE_NO_STATUS: n->no_status++; break;
	}
	bool verified = s->status == SBTC_SHARE_VERIFIED;
	keep_newer(&c->newest, &c->has_newest, s);
	if (verified)
		keep_newer(&c->newest_verified, &c->has_verified, s);
	for (size_t i = 0; i < c->nwant; i++) {
		sbtc_dkg_copy_want *w = &c->want[i];
		if (memcmp(w->key, s->key, SBTC_AGGREGATE_KEY_LEN) != 0)
			continue;
		keep_newer(&w->newest, &w->has_newest, s);
		if (verified)
			keep_newer(&w->newest_verified, &w->has_verified, s);
	}
}

/* Adds s to the summary unless the very same share is there already. */
static void summary_add(sbtc_dkg_shares *out, size_t cap, const sbtc_dkg_share *s)
{
	for (size_t i = 0; i < out->n; i++)
		if (memcmp(out->v[i].key, s->key, SBTC_AGGREGATE_KEY_LEN) == 0 && out->v[i].status == s->status &&
		    out->v[i].created_at == s->created_at)
			return;
	if (out->n < cap)
		out->v[out->n++] = *s;
}

static const char copy_prefix[] = "COPY sbtc_signer.dkg_shares (";

static long days_from_civil(long y, unsigned m, unsigned d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

static bool digits(const char **p, const char *end, int n, long *v)
{
	*v = 0;
	for (int i = 0; i < n; i++, (*p)++) {
		if (*p >= end || **p < '0' || **p > '9')
			return false;
		*v = *v * 10 + (**p - '0');
	}
	return true;
}

int sbtc_parse_timestamptz(const char *text, size_t len, double *out)
{
	const char *p = text, *end = text + len;
	long y, mo, d, h, mi, s;
	if (!digits(&p, end, 4, &y) || p >= end || *p++ != '-' || !digits(&p, end, 2, &mo) || p >= end ||
	    *p++ != '-' || !digits(&p, end, 2, &d) || p >= end || *p++ != ' ' || !digits(&p, end, 2, &h) ||
	    p >= end || *p++ != ':' || !digits(&p, end, 2, &mi) || p >= end || *p++ != ':' ||
	    !digits(&p, end, 2, &s))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || s > 60)
		return -1;
	double frac = 0, scale = 0.1;
	if (p < end && *p == '.') {
		p++;
		if (p >= end || *p < '0' || *p > '9')
			return -1;
		for (; p < end && *p >= '0' && *p <= '9'; p++, scale /= 10)
			frac += (*p - '0') * scale;
	}
	long off = 0;
	if (p < end && (*p == '+' || *p == '-')) {
		int sign = *p++ == '-' ? -1 : 1;
		long oh, om = 0, os = 0;
		if (!digits(&p, end, 2, &oh))
			return -1;
		if (p < end && *p == ':') {
			p++;
			if (!digits(&p, end, 2, &om))
				return -1;
			if (p < end && *p == ':') {
				p++;
				if (!digits(&p, end, 2, &os))
					return -1;
			}
		}
		off = sign * (oh * 3600 + om * 60 + os);
	}
	if (p != end)
		return -1;
	double t = (double)days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400.0 + (double)(h * 3600 + mi * 60 + s);
	*out = t + frac - (double)off;
	return 0;
}

/* A bytea in COPY text format, hex output: "\\x" then hex digits. */
static bool copy_key(const char *f, size_t n, uint8_t key[SBTC_AGGREGATE_KEY_LEN])
{
	if (n != 3 + 2 * SBTC_AGGREGATE_KEY_LEN || memcmp(f, "\\\\x", 3) != 0)
		return false;
	for (size_t i = 0; i < SBTC_AGGREGATE_KEY_LEN; i++) {
		int v = 0;
		for (int k = 0; k < 2; k++) {
			char c = f[3 + 2 * i + (size_t)k];
			int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
					: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
			if (d < 0)
				return false;
			v = v * 16 + d;
		}
		key[i] = (uint8_t)v;
	}
	return key[0] == 0x02 || key[0] == 0x03;
}

static int copy_header(sbtc_dkg_copy *c, const char *line, size_t len)
{
	const char *p = line + sizeof copy_prefix - 1, *end = line + len;
	const char *close = memchr(p, ')', (size_t)(end - p));
	if (close == NULL) {
		snprintf(c->err, sizeof c->err, "line %zu: COPY of sbtc_signer.dkg_shares without a column list", c->line_no);
		return -1;
	}
	int col = 0;
	while (p < close) {
		while (p < close && *p == ' ')
			p++;
		const char *q = p;
		while (q < close && *q != ',')
			q++;
		size_t n = (size_t)(q - p);
		while (n > 0 && p[n - 1] == ' ')
			n--;
		if (n == 13 && memcmp(p, "aggregate_key", 13) == 0)
			c->col_key = col;
		else if (n == 17 && memcmp(p, "dkg_shares_status", 17) == 0)
			c->col_status = col;
		else if (n == 10 && memcmp(p, "created_at", 10) == 0)
			c->col_created = col;
		col++;
		p = q < close ? q + 1 : q;
	}
	c->ncols = col;
	if (c->col_key < 0 || c->col_created < 0) {
		snprintf(c->err, sizeof c->err, "line %zu: the COPY of sbtc_signer.dkg_shares has no %s column",
			 c->line_no, c->col_key < 0 ? "aggregate_key" : "created_at");
		return -1;
	}
	c->has_status = c->col_status >= 0;
	c->state = 1;
	return 0;
}

static void copy_row(sbtc_dkg_copy *c, const char *line, size_t len)
{
	const char *f[64];
	size_t fl[64];
	int n = 0;
	const char *p = line, *end = line + len;
	while (n < 64) {
		const char *t = memchr(p, '\t', (size_t)(end - p));
		f[n] = p;
		fl[n] = (size_t)((t ? t : end) - p);
		n++;
		if (t == NULL)
			break;
		p = t + 1;
	}
	sbtc_dkg_share share, *s = &share;
	memset(s, 0, sizeof *s);
	if (n != c->ncols || !copy_key(f[c->col_key], fl[c->col_key], s->key) ||
	    sbtc_parse_timestamptz(f[c->col_created], fl[c->col_created], &s->created_at) != 0) {
		c->malformed++;
		return;
	}
	if (c->col_status < 0) {
		s->status = SBTC_SHARE_NO_STATUS;
	} else {
		char st[16] = "";
		size_t sl = fl[c->col_status];
		if (sl < sizeof st) {
			memcpy(st, f[c->col_status], sl);
			st[sl] = '\0';
		}
		int ps = sbtc_share_status_parse(st);
		/* A status this version does not know is never trusted as verified. */
		s->status = ps < 0 ? SBTC_SHARE_UNVERIFIED : (sbtc_share_status)ps;
	}
	take_share(c, s);
}

int sbtc_dkg_copy_line(sbtc_dkg_copy *c, const char *line, size_t len)
{
	return sbtc_dkg_copy_feed(c, line, len, false);
}

size_t sbtc_dkg_copy_line_cap(const sbtc_dkg_copy *c)
{
	return !c->failed && c->state == 1 ? MAX_ROW : OTHER_LINE;
}

int sbtc_dkg_copy_feed(sbtc_dkg_copy *c, const char *line, size_t len, bool overlong)
{
	if (c->failed)
		return -1;
	c->line_no++;
	if (c->state == 0) {
		static const char insert_prefix[] = "INSERT INTO sbtc_signer.dkg_shares ";
		if (len >= sizeof copy_prefix - 1 && memcmp(line, copy_prefix, sizeof copy_prefix - 1) == 0) {
			c->failed = copy_header(c, line, len) != 0;
			return c->failed ? -1 : 0;
		}
		if (len >= sizeof insert_prefix - 1 && memcmp(line, insert_prefix, sizeof insert_prefix - 1) == 0)
			c->inserts = true;
		return 0;
	}
	if (c->state == 1) {
		if (overlong) {
			snprintf(c->err, sizeof c->err, "line %zu of the COPY block of sbtc_signer.dkg_shares is longer "
				 "than %u bytes", c->line_no, MAX_ROW);
			c->failed = true;
			return -1;
		}
		if (len == 2 && line[0] == '\\' && line[1] == '.')
			c->state = 2;
		else
			copy_row(c, line, len);
	}
	return 0;
}

int sbtc_dkg_copy_finish(sbtc_dkg_copy *c)
{
	if (c->failed)
		return -1;
	if (c->state == 0)
		return c->inserts ? 2 : 1;
	if (c->state == 1) {
		snprintf(c->err, sizeof c->err, "the COPY block of sbtc_signer.dkg_shares is cut short after %zu rows",
			 c->counts.total + c->malformed);
		return -1;
	}
	sbtc_dkg_shares *out = c->out;
	size_t cap = 2 + 2 * SBTC_DKG_COPY_MAX_KEYS;
	memset(out, 0, sizeof *out);
	out->v = sbtc_xcalloc(cap, sizeof *out->v);
	if (c->has_newest)
		summary_add(out, cap, &c->newest);
	if (c->has_verified)
		summary_add(out, cap, &c->newest_verified);
	for (size_t i = 0; i < c->nwant; i++) {
		if (c->want[i].has_newest)
			summary_add(out, cap, &c->want[i].newest);
		if (c->want[i].has_verified)
			summary_add(out, cap, &c->want[i].newest_verified);
	}
	sbtc_dkg_sort(out);
	out->has_status = c->has_status;
	out->malformed = c->malformed;
	out->summary = true;
	out->totals = c->counts;
	return 0;
}

typedef struct {
	sbtc_dkg_copy copy;
	bool until_block_end;
	size_t line_cap;
} src_reader;

static int src_line(void *ctx, const char *line, size_t len, bool overlong, uint64_t no)
{
	(void)no;
	src_reader *r = ctx;
	sbtc_dkg_copy_feed(&r->copy, line, len, overlong);
	r->line_cap = sbtc_dkg_copy_line_cap(&r->copy);
	return r->until_block_end && (r->copy.failed || r->copy.state == 2);
}

int sbtc_dkg_copy_src(sbtc_src *src, const uint8_t (*keys)[SBTC_AGGREGATE_KEY_LEN], size_t nkeys,
		      bool until_block_end, sbtc_dkg_shares *out, char *err, size_t errlen)
{
	src_reader r;
	sbtc_dkg_copy_init(&r.copy, out);
	r.until_block_end = until_block_end;
	r.line_cap = sbtc_dkg_copy_line_cap(&r.copy);
	for (size_t i = 0; i < nkeys; i++)
		if (!sbtc_dkg_copy_want_key(&r.copy, keys[i])) {
			snprintf(err, errlen, "more than %d keys asked about", SBTC_DKG_COPY_MAX_KEYS);
			return -1;
		}
	sbtc_lines_end end;
	sbtc_src_lines(src, NULL, 0, &r.line_cap, src_line, &r, &end);
	if (end.status != SBTC_SRC_EOF && !end.stopped) {
		snprintf(err, errlen, "%s", sbtc_src_error(src));
		return -1;
	}
	int fin = sbtc_dkg_copy_finish(&r.copy);
	if (fin < 0)
		snprintf(err, errlen, "%s", r.copy.err);
	return fin;
}
