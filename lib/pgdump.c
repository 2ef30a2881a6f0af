/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "pgdump.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "deadline.h"
#include "sanitize.h"
#include "strbuf.h"

/* pg_dump's archive constants (src/bin/pg_dump/pg_backup_archiver.h). */
enum { ARCH_CUSTOM = 1, ARCH_TAR = 3, ARCH_DIRECTORY = 5 };
enum { BLK_DATA = 1, BLK_BLOBS = 3 };
enum { OFFSET_POS_NOT_SET = 1, OFFSET_POS_SET = 2, OFFSET_NO_DATA = 3 };
#define VERS(maj, min) ((maj) * 256 + (min))
/* The most TOC entries and tar members this check reads (a signer's database has a few
 * hundred): each entry kept costs about 200 bytes, so the table stays under 10 MB. An
 * archive beyond this is not judged (UNKNOWN), rather than held in unbounded memory. */
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define MAX_TOC_ENTRIES 50000L
#define MAX_DEPENDENCIES 100000L
#else
/* The fuzz build (tests/run) lowers the limits, so that inputs small enough for millions of
 * runs reach the code at and beyond them; the code is the same. */
#define MAX_TOC_ENTRIES 64L
#define MAX_DEPENDENCIES 128L
#endif
#define MAX_TAR_MEMBERS (MAX_TOC_ENTRIES + 2) /* toc.dat, the data files, restore.sql */
#define SHORT_LINE 4096u              /* any other line: only its start is looked at */
#define HEAD_SIZE 512

const char *sbtc_dump_format_name(sbtc_dump_format f)
{
	switch (f) {
	case SBTC_DUMP_UNKNOWN: return "unknown";
	case SBTC_DUMP_EMPTY: return "empty";
	case SBTC_DUMP_CUSTOM: return "custom";
	case SBTC_DUMP_DIRECTORY: return "directory";
	case SBTC_DUMP_TAR: return "tar";
	case SBTC_DUMP_PLAIN: return "plain";
	case SBTC_DUMP_GPG: return "OpenPGP-encrypted";
	case SBTC_DUMP_AGE: return "age-encrypted";
	}
	return "?";
}

int sbtc_dump_format_parse(const char *text)
{
	static const struct { const char *name; sbtc_dump_format f; } names[] = {
		{"custom", SBTC_DUMP_CUSTOM}, {"c", SBTC_DUMP_CUSTOM},
		{"directory", SBTC_DUMP_DIRECTORY}, {"d", SBTC_DUMP_DIRECTORY},
		{"tar", SBTC_DUMP_TAR}, {"t", SBTC_DUMP_TAR},
		{"plain", SBTC_DUMP_PLAIN}, {"p", SBTC_DUMP_PLAIN},
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(text, names[i].name) == 0)
			return (int)names[i].f;
	return -1;
}

bool sbtc_dump_format_encrypted(sbtc_dump_format f)
{
	return f == SBTC_DUMP_GPG || f == SBTC_DUMP_AGE;
}

static void problem(sbtc_dump_info *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void beyond(sbtc_dump_info *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(sbtc_dump_info *o, const char *fmt, ...)
{
	if (o->problem[0] != '\0')
		return; /* the first break is the one that matters */
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(o->problem, sizeof o->problem, fmt, ap);
	va_end(ap);
	o->whole = false;
}

/* Beyond what this check reads: not judged either way. */
static void beyond(sbtc_dump_info *o, const char *fmt, ...)
{
	if (o->problem[0] != '\0')
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(o->problem, sizeof o->problem, fmt, ap);
	va_end(ap);
	o->whole = false;
	o->beyond_limits = true;
}

/* ------------------------------------------------------------------ reader */

/* The stream with the bytes already taken for recognition put back in front, and an
 * optional limit (a tar member). */
typedef struct {
	sbtc_src *src;
	const uint8_t *head;
	size_t head_pos, head_len;
	uint64_t limit; /* bytes still allowed; UINT64_MAX for none */
	uint64_t pos;   /* bytes consumed through this reader */
	sbtc_src_status st;
	int int_size, off_size;
} rd;

/* The start of a read or a skip of n bytes: refused past the limit (the stream then
 * ends there); what the head still holds of them is taken (copied to dst unless NULL),
 * and *from_head says how much. */
static bool rd_begin(rd *r, uint64_t n, uint8_t *dst, uint64_t *from_head)
{
	*from_head = 0;
	if (r->st != SBTC_SRC_OK)
		return false;
	if (n > r->limit) {
		r->st = SBTC_SRC_EOF;
		return false;
	}
	if (r->head_pos < r->head_len) {
		*from_head = r->head_len - r->head_pos;
		if (*from_head > n)
			*from_head = n;
		if (dst != NULL)
			memcpy(dst, r->head + r->head_pos, (size_t)*from_head);
		r->head_pos += (size_t)*from_head;
	}
	return true;
}

/* The end of a read or a skip of n bytes that all came. */
static bool rd_done(rd *r, uint64_t n)
{
	r->pos += n;
	if (r->limit != UINT64_MAX)
		r->limit -= n;
	return true;
}

static bool rd_read(rd *r, void *dst, size_t n)
{
	uint64_t from_head;
	if (!rd_begin(r, n, dst, &from_head))
		return false;
	if (from_head < n) {
		sbtc_src_status st = sbtc_src_read_full(r->src, (uint8_t *)dst + from_head, n - (size_t)from_head);
		if (st != SBTC_SRC_OK) {
			r->st = st;
			return false;
		}
	}
	return rd_done(r, n);
}

static bool rd_skip(rd *r, uint64_t n)
{
	uint64_t from_head;
	if (!rd_begin(r, n, NULL, &from_head))
		return false;
	if (from_head < n) {
		uint64_t before = sbtc_src_offset(r->src);
		sbtc_src_status st = sbtc_src_skip(r->src, n - from_head);
		if (st != SBTC_SRC_OK) {
			r->pos += from_head + (sbtc_src_offset(r->src) - before);
			r->st = st;
			return false;
		}
	}
	return rd_done(r, n);
}

/* At the clean end of the stream? (Consumes nothing when not.) */
static bool rd_at_end(rd *r, uint8_t *first)
{
	if (r->head_pos < r->head_len) {
		*first = r->head[r->head_pos];
		return false;
	}
	size_t got = 0;
	if (r->limit == 0)
		return true;
	sbtc_src_status st = sbtc_src_read(r->src, first, 1, &got);
	if (got == 1) {
		r->pos++;
		if (r->limit != UINT64_MAX)
			r->limit--;
		return false;
	}
	if (st != SBTC_SRC_EOF)
		r->st = st;
	return true;
}

static bool rd_byte(rd *r, int *v)
{
	uint8_t b;
	if (!rd_read(r, &b, 1))
		return false;
	*v = b;
	return true;
}

/* pg_dump's integer: a sign byte, then int_size bytes, least significant first. */
static bool rd_int(rd *r, long long *v)
{
	uint8_t b[9];
	if (!rd_read(r, b, (size_t)r->int_size + 1))
		return false;
	unsigned long long u = 0;
	for (int i = r->int_size; i >= 1; i--)
		u = (u << 8) | b[i];
	if (u > (unsigned long long)1 << 62)
		u = (unsigned long long)1 << 62; /* far beyond anything real; keeps the sign safe */
	*v = b[0] ? -(long long)u : (long long)u;
	return true;
}

/* A string: its length (negative: NULL), then the bytes. Keeps at most keep-1 bytes in
 * dst (sanitised by the caller when shown), skips the rest. *is_null may be NULL. */
static bool rd_str(rd *r, char *dst, size_t keep, bool *is_null)
{
	long long len;
	if (dst != NULL && keep > 0)
		dst[0] = '\0';
	if (!rd_int(r, &len))
		return false;
	if (is_null != NULL)
		*is_null = len < 0;
	if (len <= 0)
		return true;
	uint64_t n = (uint64_t)len, take = 0;
	if (dst != NULL && keep > 1) {
		take = n < keep - 1 ? n : keep - 1;
		if (!rd_read(r, dst, (size_t)take))
			return false;
		dst[take] = '\0';
	}
	return rd_skip(r, n - take);
}

/* ------------------------------------------------------------------ archive header and TOC */

typedef struct {
	long long dump_id;
	bool has_data;
	bool found; /* its data block, file or member was found whole */
	char desc[32];
	char tag[64];
	char ns[48];
	char file[40]; /* directory and tar: the data file */
} toc_entry;

typedef struct {
	int vmaj, vmin, vrev, format;
	int comp_alg; /* 0 none, 1 gzip, 2 lz4, 3 zstd */
	toc_entry *e;
	size_t n, cap;
	uint32_t *by_id;   /* indexes of e sorted by dump ID (then position) */
	uint32_t *by_file; /* indexes of the entries with data sorted by file name */
	size_t nfiles;
} archive;

static void archive_free(archive *a)
{
	free(a->e);
	free(a->by_id);
	free(a->by_file);
}

static void index_archive(archive *a);

static const char *where_text(const rd *r, char *buf, size_t len)
{
	snprintf(buf, len, "byte %llu", (unsigned long long)r->pos);
	return buf;
}

/* Why a read stopped, as words. */
static const char *why(const rd *r, const sbtc_src *src)
{
	switch (r->st) {
	case SBTC_SRC_EOF: return "the file ends";
	case SBTC_SRC_OK: return "?";
	default: return sbtc_src_error(src);
	}
}

static void note_read_failure(sbtc_dump_info *o, const rd *r, const char *what)
{
	char w[48];
	if (r->st == SBTC_SRC_TIMEOUT)
		o->timed_out = true;
	if (r->st == SBTC_SRC_EOF)
		problem(o, "%s: the file ends at %s", what, where_text(r, w, sizeof w));
	else
		problem(o, "%s: %s", what, why(r, r->src));
}

static void entry_name(const toc_entry *e, char *dst, size_t len)
{
	char *desc = sbtc_sanitize(e->desc, 39), *ns = sbtc_sanitize(e->ns, 63), *tag = sbtc_sanitize(e->tag, 79);
	if (ns[0] != '\0')
		snprintf(dst, len, "%s %s.%s", desc, ns, tag);
	else
		snprintf(dst, len, "%s %s", desc, tag);
	free(desc);
	free(ns);
	free(tag);
}

/* The part after "PGDMP": header and table of contents. Returns false on a break. */
static bool read_header_toc(rd *r, archive *a, sbtc_dump_info *o, int expect_format)
{
	int b;
	char tmp[64];
	if (!rd_byte(r, &a->vmaj) || !rd_byte(r, &a->vmin)) {
		note_read_failure(o, r, "archive header cut short");
		return false;
	}
	a->vrev = 0;
	if ((a->vmaj > 1 || (a->vmaj == 1 && a->vmin > 0)) && !rd_byte(r, &a->vrev)) {
		note_read_failure(o, r, "archive header cut short");
		return false;
	}
	snprintf(o->archive_version, sizeof o->archive_version, "%d.%d", a->vmaj, a->vmin);
	int v = VERS(a->vmaj, a->vmin);
	if (a->vmaj != 1 || v < VERS(1, 12) || v > VERS(1, 16)) {
		problem(o, "unsupported archive version %d.%d (this check reads 1.12 to 1.16, pg_dump 9.0 to 17 and later)",
			a->vmaj, a->vmin);
		return false;
	}
	if (!rd_byte(r, &r->int_size) || !rd_byte(r, &r->off_size) || !rd_byte(r, &a->format)) {
		note_read_failure(o, r, "archive header cut short");
		return false;
	}
	if (r->int_size < 1 || r->int_size > 8 || r->off_size < 1 || r->off_size > 8) {
		problem(o, "archive header corrupt: integer size %d, offset size %d", r->int_size, r->off_size);
		return false;
	}
	/* Directory format writes tar's code into its toc.dat (the layouts are compatible). */
	if (a->format != expect_format && !(expect_format == ARCH_DIRECTORY && a->format == ARCH_TAR)) {
		problem(o, "archive header says format %d where %s format (%d) was expected", a->format,
			expect_format == ARCH_CUSTOM ? "custom" : expect_format == ARCH_TAR ? "tar" : "directory",
			expect_format);
		return false;
	}
	if (v >= VERS(1, 15)) {
		if (!rd_byte(r, &b)) {
			note_read_failure(o, r, "archive header cut short");
			return false;
		}
		a->comp_alg = b;
	} else {
		long long level;
		if (!rd_int(r, &level)) {
			note_read_failure(o, r, "archive header cut short");
			return false;
		}
		a->comp_alg = level != 0 ? 1 : 0;
	}
	static const char *const algs[] = {"none", "gzip", "lz4", "zstd"};
	if (a->comp_alg < 0 || a->comp_alg > 3) {
		problem(o, "archive header corrupt: unknown compression %d", a->comp_alg);
		return false;
	}
	snprintf(o->data_compression, sizeof o->data_compression, "%s", algs[a->comp_alg]);
	long long crtm[7];
	for (int i = 0; i < 7; i++)
		if (!rd_int(r, &crtm[i])) {
			note_read_failure(o, r, "archive header cut short");
			return false;
		}
	if (!rd_str(r, tmp, sizeof tmp, NULL)) {
		note_read_failure(o, r, "archive header cut short");
		return false;
	}
	char *s = sbtc_sanitize(tmp, sizeof o->dbname - 1);
	snprintf(o->dbname, sizeof o->dbname, "%s", s);
	free(s);
	if (!rd_str(r, NULL, 0, NULL) || !rd_str(r, tmp, sizeof tmp, NULL)) {
		note_read_failure(o, r, "archive header cut short");
		return false;
	}
	s = sbtc_sanitize(tmp, sizeof o->dump_version - 1);
	snprintf(o->dump_version, sizeof o->dump_version, "%s", s);
	free(s);

	long long count;
	if (!rd_int(r, &count)) {
		note_read_failure(o, r, "archive header cut short before the table of contents");
		return false;
	}
	if (count < 0) {
		problem(o, "table of contents corrupt: %lld entries", count);
		return false;
	}
	if (count > MAX_TOC_ENTRIES) {
		beyond(o, "its table of contents has %lld entries, more than the %ld this check reads", count,
		       MAX_TOC_ENTRIES);
		return false;
	}
	for (long long i = 0; i < count; i++) {
		if (a->n == a->cap) {
			a->cap = a->cap ? a->cap * 2 : 64;
			a->e = sbtc_xrealloc(a->e, a->cap * sizeof *a->e);
		}
		toc_entry *e = &a->e[a->n];
		memset(e, 0, sizeof *e);
		long long had_dumper, section, relkind;
		bool null;
		bool ok = rd_int(r, &e->dump_id) && rd_int(r, &had_dumper) && rd_str(r, NULL, 0, NULL) &&
			  rd_str(r, NULL, 0, NULL) && rd_str(r, e->tag, sizeof e->tag, NULL) &&
			  rd_str(r, e->desc, sizeof e->desc, NULL) && rd_int(r, &section) &&
			  rd_str(r, NULL, 0, NULL) && rd_str(r, NULL, 0, NULL) && rd_str(r, NULL, 0, NULL) &&
			  rd_str(r, e->ns, sizeof e->ns, NULL) && rd_str(r, NULL, 0, NULL);
		if (ok && v >= VERS(1, 14))
			ok = rd_str(r, NULL, 0, NULL);
		if (ok && v >= VERS(1, 16))
			ok = rd_int(r, &relkind);
		ok = ok && rd_str(r, NULL, 0, NULL) && rd_str(r, NULL, 0, NULL);
		/* Dependencies: strings until a NULL one. */
		for (long deps = 0; ok; deps++) {
			ok = rd_str(r, NULL, 0, &null);
			if (ok && null)
				break;
			if (deps > MAX_DEPENDENCIES) {
				problem(o, "table of contents corrupt: entry %lld has too many dependencies", i + 1);
				return false;
			}
		}
		if (ok && a->format == ARCH_CUSTOM) {
			int flag = 0;
			uint8_t off[8];
			ok = rd_byte(r, &flag) && rd_read(r, off, (size_t)r->off_size);
			if (ok && (flag < OFFSET_POS_NOT_SET || flag > OFFSET_NO_DATA)) {
				problem(o, "table of contents corrupt: entry %lld has data flag %d at byte %llu", i + 1,
					flag, (unsigned long long)r->pos);
				return false;
			}
			e->has_data = flag != OFFSET_NO_DATA;
		} else if (ok) {
			bool long_name = false;
			long long flen;
			/* The name's length first, to tell a name too long to keep from one kept. */
			ok = rd_int(r, &flen);
			if (ok && flen >= (long long)sizeof e->file) {
				long_name = true;
				ok = rd_skip(r, (uint64_t)flen);
			} else if (ok && flen > 0) {
				ok = rd_read(r, e->file, (size_t)flen);
				e->file[flen] = '\0';
			}
			if (ok && (long_name || memchr(e->file, '\0', (size_t)(flen > 0 ? flen : 0)) != NULL)) {
				problem(o, "table of contents corrupt: entry %lld names a data file of %lld bytes, not one "
					   "pg_dump writes", i + 1, flen);
				return false;
			}
			e->has_data = e->file[0] != '\0';
		}
		if (!ok) {
			char what[200];
			snprintf(what, sizeof what, "table of contents cut short in entry %lld of %lld", i + 1, count);
			note_read_failure(o, r, what);
			return false;
		}
		if (e->dump_id <= 0) {
			problem(o, "table of contents corrupt: entry %lld has ID %lld", i + 1, e->dump_id);
			return false;
		}
		a->n++;
		if (e->has_data)
			o->data_entries++;
		if (strcmp(e->desc, "TABLE DATA") == 0 && strcmp(e->ns, "sbtc_signer") == 0 &&
		    strcmp(e->tag, "dkg_shares") == 0)
			o->has_dkg_data = true;
	}
	o->toc_entries = (long)count;
	index_archive(a);
	return true;
}

/* Lookups by dump ID and by data file name: sorted indexes and binary search, so that
 * each data block or member costs log(entries), not a walk of the table. */
static const archive *g_sort_archive; /* qsort has no context argument in C11 */

static int by_id_cmp(const void *x, const void *y)
{
	uint32_t i = *(const uint32_t *)x, j = *(const uint32_t *)y;
	long long a = g_sort_archive->e[i].dump_id, b = g_sort_archive->e[j].dump_id;
	if (a != b)
		return a < b ? -1 : 1;
	return i < j ? -1 : i > j;
}

static int by_file_cmp(const void *x, const void *y)
{
	uint32_t i = *(const uint32_t *)x, j = *(const uint32_t *)y;
	int c = strcmp(g_sort_archive->e[i].file, g_sort_archive->e[j].file);
	if (c != 0)
		return c;
	return i < j ? -1 : i > j;
}

static void index_archive(archive *a)
{
	a->by_id = sbtc_xcalloc(a->n + 1, sizeof *a->by_id);
	a->by_file = sbtc_xcalloc(a->n + 1, sizeof *a->by_file);
	a->nfiles = 0;
	for (size_t i = 0; i < a->n; i++) {
		a->by_id[i] = (uint32_t)i;
		if (a->e[i].has_data)
			a->by_file[a->nfiles++] = (uint32_t)i;
	}
	g_sort_archive = a;
	qsort(a->by_id, a->n, sizeof *a->by_id, by_id_cmp);
	qsort(a->by_file, a->nfiles, sizeof *a->by_file, by_file_cmp);
	g_sort_archive = NULL;
}

/* The first entry (in TOC order) with this ID. */
static toc_entry *find_entry(archive *a, long long id)
{
	size_t lo = 0, hi = a->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (a->e[a->by_id[mid]].dump_id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < a->n && a->e[a->by_id[lo]].dump_id == id ? &a->e[a->by_id[lo]] : NULL;
}

/* The first entry with data (in TOC order) whose data file is this name and not yet found. */
static toc_entry *find_file(archive *a, const char *name)
{
	size_t lo = 0, hi = a->nfiles;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(a->e[a->by_file[mid]].file, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < a->nfiles && strcmp(a->e[a->by_file[lo]].file, name) == 0; lo++)
		if (!a->e[a->by_file[lo]].found)
			return &a->e[a->by_file[lo]];
	return NULL;
}

/* Chunks of one data block: (length, bytes)... up to a zero length. */
static bool walk_chunks(rd *r, sbtc_dump_info *o, const char *what)
{
	for (;;) {
		long long len;
		if (!rd_int(r, &len) || (len > 0 && !rd_skip(r, (uint64_t)len))) {
			note_read_failure(o, r, what);
			return false;
		}
		if (len == 0)
			return true;
		if (len < 0) {
			char w[48];
			problem(o, "%s: negative chunk length at %s", what, where_text(r, w, sizeof w));
			return false;
		}
	}
}

static void check_custom(rd *r, sbtc_dump_info *o)
{
	archive a = {0};
	o->format = SBTC_DUMP_CUSTOM;
	if (!read_header_toc(r, &a, o, ARCH_CUSTOM))
		goto out;
	for (;;) {
		uint8_t type;
		if (rd_at_end(r, &type)) {
			if (r->st != SBTC_SRC_OK)
				note_read_failure(o, r, "data cut short");
			break;
		}
		if (r->head_pos < r->head_len)
			r->head_pos++, r->pos++;
		char what[300], name[200] = "";
		long long id;
		if (type != BLK_DATA && type != BLK_BLOBS) {
			problem(o, "data block %ld: unknown block type %d at byte %llu", o->data_blocks + 1, type,
				(unsigned long long)(r->pos - 1));
			break;
		}
		if (!rd_int(r, &id)) {
			snprintf(what, sizeof what, "data block %ld cut short", o->data_blocks + 1);
			note_read_failure(o, r, what);
			break;
		}
		toc_entry *e = find_entry(&a, id);
		if (e == NULL) {
			problem(o, "data block %ld at byte %llu belongs to no entry of the table of contents (ID %lld)",
				o->data_blocks + 1, (unsigned long long)r->pos, id);
			break;
		}
		e->found = true;
		entry_name(e, name, sizeof name);
		snprintf(what, sizeof what, "data block %ld of %ld (%s) cut short", o->data_blocks + 1,
			 o->data_entries, name);
		bool ok = true;
		if (type == BLK_DATA) {
			ok = walk_chunks(r, o, what);
		} else {
			for (;;) {
				long long oid;
				if (!rd_int(r, &oid)) {
					note_read_failure(o, r, what);
					ok = false;
					break;
				}
				if (oid == 0)
					break;
				if (!walk_chunks(r, o, what)) {
					ok = false;
					break;
				}
			}
		}
		if (!ok)
			break;
		o->data_blocks++;
	}
	if (o->problem[0] == '\0') {
		for (size_t i = 0; i < a.n; i++) {
			if (a.e[i].has_data && !a.e[i].found) {
				char name[200];
				long missing = 0;
				for (size_t j = i; j < a.n; j++)
					missing += a.e[j].has_data && !a.e[j].found;
				entry_name(&a.e[i], name, sizeof name);
				problem(o, "cut short: it ends at byte %llu after %ld of %ld data blocks; %ld missing, "
					   "the first %s", (unsigned long long)r->pos, o->data_blocks, o->data_entries,
					missing, name);
				break;
			}
		}
	}
out:
	archive_free(&a);
}

/* ------------------------------------------------------------------ tar */

static unsigned long long octal(const uint8_t *p, size_t n, bool *ok)
{
	unsigned long long v = 0;
	size_t i = 0;
	*ok = true;
	while (i < n && p[i] == ' ')
		i++;
	size_t start = i;
	for (; i < n && p[i] >= '0' && p[i] <= '7'; i++)
		v = v * 8 + (unsigned)(p[i] - '0');
	if (i == start)
		*ok = false;
	for (; i < n; i++)
		if (p[i] != ' ' && p[i] != '\0')
			*ok = false;
	return v;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

static void check_tar(rd *r, sbtc_dump_info *o)
{
	archive a = {0};
	bool ended = false, have_toc = false;
	o->format = SBTC_DUMP_TAR;
	for (long index = 1;; index++) {
		uint8_t h[512];
		uint64_t at = r->pos;
		if (!rd_read(r, h, sizeof h)) {
			if (r->st == SBTC_SRC_EOF)
				problem(o, "tar archive cut short: the file ends at byte %llu, inside member %ld or before the "
					   "end-of-archive marker", (unsigned long long)r->pos, index);
			else
				note_read_failure(o, r, "tar archive unreadable");
			break;
		}
		if (all_zero(h, sizeof h)) {
			/* The end-of-archive marker is two zero blocks. */
			if (!rd_read(r, h, sizeof h)) {
				if (r->st == SBTC_SRC_EOF)
					problem(o, "tar archive cut short in its end-of-archive marker: the file ends at byte "
						   "%llu", (unsigned long long)r->pos);
				else
					note_read_failure(o, r, "tar archive unreadable");
			} else if (!all_zero(h, sizeof h)) {
				problem(o, "tar archive corrupt: a zero block at byte %llu is followed by data",
					(unsigned long long)at);
			} else {
				ended = true;
			}
			break;
		}
		if (index > MAX_TAR_MEMBERS) {
			beyond(o, "the tar archive has more than %ld members, more than this check reads (pg_dump writes "
				  "one per TOC entry with data, and toc.dat and restore.sql)", MAX_TAR_MEMBERS);
			break;
		}
		bool ok1, ok2;
		unsigned long long sum = octal(h + 148, 8, &ok1), size = octal(h + 124, 12, &ok2);
		unsigned long long calc = 0;
		for (int i = 0; i < 512; i++)
			calc += (i >= 148 && i < 156) ? ' ' : h[i];
		if (!ok1 || !ok2 || sum != calc) {
			problem(o, "tar archive corrupt: header of member %ld at byte %llu has a bad %s", index,
				(unsigned long long)at, !ok2 ? "size" : "checksum");
			break;
		}
		char name[101];
		memcpy(name, h, 100);
		name[100] = '\0';
		uint64_t padded = (size + 511) / 512 * 512;
		if (index == 1) {
			if (strcmp(name, "toc.dat") != 0) {
				char *n = sbtc_sanitize(name, 60);
				problem(o, "tar archive does not start with pg_dump's toc.dat (first member '%s')", n);
				free(n);
				break;
			}
			uint8_t magic[5];
			uint64_t saved = r->limit;
			r->limit = size;
			bool ok = rd_read(r, magic, 5);
			if (ok && memcmp(magic, "PGDMP", 5) != 0) {
				problem(o, "tar member toc.dat is not a pg_dump table of contents");
				break;
			}
			if (!ok) {
				note_read_failure(o, r, "tar member toc.dat cut short");
				break;
			}
			ok = read_header_toc(r, &a, o, ARCH_TAR);
			uint64_t rest = r->limit;
			r->limit = saved == UINT64_MAX ? UINT64_MAX : saved - (size - rest);
			if (!ok)
				break;
			have_toc = true;
			if (!rd_skip(r, rest + (padded - size))) {
				note_read_failure(o, r, "tar archive cut short in toc.dat");
				break;
			}
			continue;
		}
		if (!rd_skip(r, padded)) {
			char *n = sbtc_sanitize(name, 60), what[160];
			snprintf(what, sizeof what, "tar archive cut short in member %ld (%s, %llu bytes)", index, n, size);
			free(n);
			note_read_failure(o, r, what);
			break;
		}
		if (have_toc) {
			toc_entry *e = find_file(&a, name);
			if (e != NULL)
				e->found = true;
		}
	}
	if (ended && have_toc && o->problem[0] == '\0') {
		for (size_t i = 0; i < a.n; i++) {
			if (!a.e[i].has_data)
				continue;
			bool found = a.e[i].found;
			o->data_blocks += found;
			if (!found) {
				char name[200];
				char *f = sbtc_sanitize(a.e[i].file, 60);
				entry_name(&a.e[i], name, sizeof name);
				problem(o, "tar archive lacks member %s, the data of %s", f, name);
				free(f);
				break;
			}
		}
	}
	archive_free(&a);
}

/* ------------------------------------------------------------------ plain SQL and COPY */

typedef struct {
	sbtc_dkg_copy copy;
	bool extract;
	bool saw_header;
	char last[160];   /* the last significant line, for the ending check and messages */
	bool last_nul;    /* it holds NUL bytes: a zero-filled tail */
	int tail;         /* lines after the closing comment as pg_dump writes them, -1 when not */
	size_t line_cap;  /* how much of the next line to keep */
	uint64_t last_no;
	uint64_t lines;
} plain_ctx;

static bool is_complete_line(const char *s)
{
	return strcmp(s, "-- PostgreSQL database dump complete") == 0 ||
	       strcmp(s, "-- PostgreSQL database cluster dump complete") == 0;
}

static int plain_line(void *ctx, const char *line, size_t len, bool overlong, uint64_t no)
{
	plain_ctx *p = ctx;
	p->lines = no;
	if (no <= 40 && !p->saw_header &&
	    (strncmp(line, "-- PostgreSQL database dump", 27) == 0 ||
	     strncmp(line, "-- PostgreSQL database cluster dump", 35) == 0))
		p->saw_header = true;
	if (p->extract) {
		sbtc_dkg_copy_feed(&p->copy, line, len, overlong);
		p->line_cap = sbtc_dkg_copy_line_cap(&p->copy);
	}
	/* pg_dump ends with the closing comment, "--" and an empty line, and from 17.6 on an
	 * \unrestrict line and another empty line: exactly these, nothing less. */
	if (is_complete_line(line)) {
		p->tail = 0;
	} else if (p->tail >= 0 && p->last_no > 0 && is_complete_line(p->last)) {
		static const char *const expect[] = {"--", "", "\\unrestrict ", ""};
		int t = p->tail;
		bool ok = t < 4 && (t == 2 ? strncmp(line, expect[t], 12) == 0 && len > 12
					   : strcmp(line, expect[t]) == 0 && len == strlen(expect[t]));
		p->tail = ok ? t + 1 : -1;
		if (ok)
			return 0;
	}
	if (len == 0)
		return 0;
	size_t n = len < sizeof p->last - 1 ? len : sizeof p->last - 1;
	memcpy(p->last, line, n);
	p->last[n] = '\0';
	p->last_nul = memchr(line, '\0', len) != NULL;
	p->last_no = no;
	return 0;
}

static void check_plain(rd *r, sbtc_dump_info *o, sbtc_dkg_shares *shares, bool *found, char *serr, size_t serrlen)
{
	plain_ctx p;
	memset(&p, 0, sizeof p);
	sbtc_dkg_shares scratch;
	p.extract = shares != NULL;
	sbtc_dkg_copy_init(&p.copy, shares != NULL ? shares : &scratch);
	o->format = SBTC_DUMP_PLAIN;
	p.line_cap = SHORT_LINE;
	sbtc_lines_end end;
	sbtc_src_lines(r->src, r->head + r->head_pos, r->head_len - r->head_pos, &p.line_cap, plain_line, &p, &end);
	r->head_pos = r->head_len;
	r->pos += end.bytes;
	r->st = end.status;
	bool newline = end.ends_with_newline;
	if (end.status != SBTC_SRC_EOF) {
		note_read_failure(o, r, "plain SQL");
	} else if (!p.saw_header) {
		problem(o, "text without pg_dump's opening '-- PostgreSQL database dump' comment");
	} else if (p.last_nul) {
		problem(o, "plain SQL cut short: it ends at line %llu (byte %llu) with NUL bytes (a zero-filled tail) "
			   "instead of pg_dump's closing '-- PostgreSQL database dump complete'",
			(unsigned long long)p.lines, (unsigned long long)r->pos);
	} else if (!is_complete_line(p.last) || !newline || (p.tail != 2 && p.tail != 4)) {
		/* Where, not what: the last line may be a row of any table, or a role's password. */
		problem(o, "plain SQL cut short: it ends at line %llu (byte %llu)%s instead of pg_dump's "
			   "closing '-- PostgreSQL database dump complete'",
			(unsigned long long)p.lines, (unsigned long long)r->pos,
			!newline ? " in the middle of a line" : p.copy.state == 1 ? " inside the COPY block of "
										 "sbtc_signer.dkg_shares" : "");
	}
	o->data_blocks = 0;
	if (shares != NULL) {
		int fin = sbtc_dkg_copy_finish(&p.copy);
		*found = fin == 0 || fin == -1;
		if (fin == 0)
			o->has_dkg_data = true;
		o->dkg_as_inserts = fin == 2;
		if (fin < 0)
			snprintf(serr, serrlen, "%s", p.copy.err);
	} else {
		sbtc_dkg_shares_free(&scratch);
	}
}

/* ------------------------------------------------------------------ recognition */

static bool starts(const uint8_t *p, size_t n, const char *s)
{
	size_t l = strlen(s);
	return n >= l && memcmp(p, s, l) == 0;
}

/* OpenPGP: a packet header whose tag is a public-key (1) or symmetric-key (3) encrypted
 * session key, or an encrypted-data packet (9, 18), in the old or the new format. */
static bool openpgp(const uint8_t *p, size_t n)
{
	if (n < 2 || (p[0] & 0x80) == 0)
		return false;
	int tag = (p[0] & 0x40) ? (p[0] & 0x3f) : ((p[0] >> 2) & 0x0f);
	return tag == 1 || tag == 3 || tag == 9 || tag == 18;
}

static bool looks_text(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] == 0)
			return false;
	return true;
}

void sbtc_dump_examine_src(sbtc_src *src, sbtc_dump_info *out, sbtc_dkg_shares *shares, bool *shares_found,
			   char *serr, size_t serrlen)
{
	uint8_t head[HEAD_SIZE];
	size_t n = 0;
	bool dummy_found;
	if (shares_found == NULL)
		shares_found = &dummy_found;
	*shares_found = false;
	if (shares != NULL)
		memset(shares, 0, sizeof *shares);
	memset(out, 0, sizeof *out);
	out->whole = true;
	sbtc_src_status st = sbtc_src_read(src, head, sizeof head, &n);
	out->outer = sbtc_src_compression(src);
	rd r = {.src = src, .head = head, .head_len = n, .limit = UINT64_MAX, .int_size = 4, .off_size = 8};
	if (n == 0 && st != SBTC_SRC_EOF) {
		r.st = st;
		if (st == SBTC_SRC_TIMEOUT)
			out->timed_out = true;
		if (out->outer != SBTC_COMP_NONE)
			problem(out, "a %s stream that breaks before its first decoded byte: %s",
				sbtc_compression_name(out->outer), sbtc_src_error(src));
		else
			problem(out, "unreadable: %s", sbtc_src_error(src));
	} else if (n == 0) {
		out->format = SBTC_DUMP_EMPTY;
		problem(out, out->outer != SBTC_COMP_NONE ? "the %s stream holds nothing" : "the file is empty",
			sbtc_compression_name(out->outer));
	} else if (starts(head, n, "PGDMP")) {
		r.head_pos = 5;
		r.pos = 5;
		check_custom(&r, out);
	} else if (n >= 512 && memcmp(head, "toc.dat", 8) == 0) {
		check_tar(&r, out);
	} else if (openpgp(head, n) || starts(head, n, "-----BEGIN PGP MESSAGE-----")) {
		out->format = SBTC_DUMP_GPG;
	} else if (starts(head, n, "age-encryption.org/v1\n") ||
		   starts(head, n, "-----BEGIN AGE ENCRYPTED FILE-----")) {
		out->format = SBTC_DUMP_AGE;
	} else if (looks_text(head, n) && (starts(head, n, "--") || starts(head, n, "\\restrict ") ||
					   starts(head, n, "SET "))) {
		check_plain(&r, out, shares, shares_found, serr, serrlen);
	} else {
		/* What it is not, never what it holds: a key or passphrase file may sit next
		 * to the backups. */
		out->format = SBTC_DUMP_UNKNOWN;
		if (out->outer != SBTC_COMP_NONE)
			problem(out, "not a pg_dump backup: a %s stream whose content is not a pg_dump archive (no PGDMP "
				     "header), not tar, not pg_dump's plain SQL", sbtc_compression_name(out->outer));
		else
			problem(out, "not a pg_dump backup: not a pg_dump archive (no PGDMP header), not gzip, zstd or "
				     "lz4, not tar, not pg_dump's plain SQL, not OpenPGP or age encrypted");
	}
	/* An archive read to its end must also leave the compressed stream whole. */
	if (out->problem[0] == '\0' && out->outer != SBTC_COMP_NONE && out->format != SBTC_DUMP_GPG &&
	    out->format != SBTC_DUMP_AGE) {
		uint8_t tail[4096];
		size_t got;
		do
			st = sbtc_src_read(src, tail, sizeof tail, &got);
		while (st == SBTC_SRC_OK && got > 0);
		if (st != SBTC_SRC_EOF) {
			r.st = st;
			note_read_failure(out, &r, "compressed stream broken");
		}
	}
	if (r.st == SBTC_SRC_TIMEOUT)
		out->timed_out = true;
	out->decoded_bytes = sbtc_src_offset(src);
}

/* ------------------------------------------------------------------ directory format */

/* Opens a file of a directory-format dump for reading: a regular file only, never
 * followed through a symbolic link, never blocking on a FIFO. -1 with why set. */
static int open_regular(const char *file, const char **why)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	struct stat st;
	if (fd < 0) {
		*why = errno == ELOOP ? "a symbolic link, not a file pg_dump writes" : strerror(errno);
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		*why = strerror(errno);
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		*why = S_ISFIFO(st.st_mode) ? "a FIFO, not a file pg_dump writes"
		       : S_ISDIR(st.st_mode) ? "a directory, not a file pg_dump writes"
		       : "a device or socket, not a file pg_dump writes";
		close(fd);
		return -1;
	}
	/* Reads block from here on only as a regular file's do (never). */
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
		*why = strerror(errno);
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads one data file to its end. Compressed: the stream decodes to its end and holds
 * at least one member or frame. Uncompressed: COPY text (or a blobs TOC), so no NUL
 * byte, and a last line that ends. Returns false with the problem noted. */
static bool read_data_file(int fd, int comp_alg, const char *fname, const char *name, sbtc_dump_info *o)
{
	sbtc_compression comp = comp_alg == 1 ? SBTC_COMP_GZIP : comp_alg == 2 ? SBTC_COMP_LZ4
			       : comp_alg == 3 ? SBTC_COMP_ZSTD : SBTC_COMP_NONE;
	sbtc_src *ds = sbtc_src_fd(fd, false, comp);
	uint8_t buf[65536];
	size_t got;
	uint8_t last = '\n';
	uint64_t nul_at = UINT64_MAX;
	sbtc_src_status st;
	do {
		uint64_t before = sbtc_src_offset(ds);
		st = sbtc_src_read(ds, buf, sizeof buf, &got);
		if (got > 0) {
			last = buf[got - 1];
			const uint8_t *z = comp == SBTC_COMP_NONE && nul_at == UINT64_MAX ? memchr(buf, '\0', got) : NULL;
			if (z != NULL)
				nul_at = before + (uint64_t)(z - buf);
		}
	} while (st == SBTC_SRC_OK && got > 0 && nul_at == UINT64_MAX);
	bool ok = false;
	if (nul_at != UINT64_MAX) {
		problem(o, "data file %s of %s holds a NUL byte at byte %llu (zero-filled?), which COPY data never does",
			fname, name, (unsigned long long)nul_at);
	} else if (st != SBTC_SRC_EOF) {
		if (st == SBTC_SRC_TIMEOUT)
			o->timed_out = true;
		problem(o, "data file %s of %s: %s", fname, name, sbtc_src_error(ds));
	} else if (comp != SBTC_COMP_NONE && sbtc_src_raw_offset(ds) == 0) {
		problem(o, "data file %s of %s is empty (0 bytes): a %s file holds at least its header", fname, name,
			sbtc_compression_name(comp));
	} else if (comp == SBTC_COMP_NONE && last != '\n') {
		problem(o, "data file %s of %s cut short: it ends at byte %llu in the middle of a line", fname, name,
			(unsigned long long)sbtc_src_offset(ds));
	} else {
		if (comp == SBTC_COMP_NONE && sbtc_src_offset(ds) == 0)
			o->empty_files++;
		ok = true;
	}
	o->decoded_bytes += sbtc_src_offset(ds);
	sbtc_src_free(ds);
	return ok;
}

static void check_directory(const char *path, sbtc_dump_info *o)
{
	archive a = {0};
	char *toc = sbtc_xasprintf("%s/toc.dat", path);
	const char *why;
	o->format = SBTC_DUMP_DIRECTORY;
	int fd = open_regular(toc, &why);
	free(toc);
	if (fd < 0) {
		problem(o, "directory-format dump without a readable toc.dat: %s", why);
		return;
	}
	sbtc_src *src = sbtc_src_fd(fd, false, SBTC_COMP_NONE);
	rd r = {.src = src, .limit = UINT64_MAX, .int_size = 4, .off_size = 8};
	uint8_t magic[5];
	if (!rd_read(&r, magic, 5) || memcmp(magic, "PGDMP", 5) != 0) {
		if (r.st != SBTC_SRC_OK)
			note_read_failure(o, &r, "toc.dat cut short");
		else
			problem(o, "toc.dat is not a pg_dump table of contents");
		goto out;
	}
	if (!read_header_toc(&r, &a, o, ARCH_DIRECTORY))
		goto out;
	uint8_t extra;
	if (!rd_at_end(&r, &extra)) {
		problem(o, "toc.dat has data after the table of contents at byte %llu", (unsigned long long)r.pos - 1);
		goto out;
	}
	static const char *const suffix[] = {"", ".gz", ".lz4", ".zst"};
	for (size_t i = 0; i < a.n; i++) {
		if (!a.e[i].has_data)
			continue;
		char name[200], *file;
		entry_name(&a.e[i], name, sizeof name);
		size_t fl = strlen(a.e[i].file);
		bool toc_file = fl > 4 && strcmp(a.e[i].file + fl - 4, ".toc") == 0;
		if (strchr(a.e[i].file, '/') != NULL || strcmp(a.e[i].file, "..") == 0 || strcmp(a.e[i].file, ".") == 0) {
			char *f = sbtc_sanitize(a.e[i].file, 60);
			problem(o, "toc.dat names data file '%s' outside the directory", f);
			free(f);
			break;
		}
		file = sbtc_xasprintf("%s/%s%s", path, a.e[i].file, toc_file ? "" : suffix[a.comp_alg]);
		char *f = sbtc_sanitize(strrchr(file, '/') + 1, 60);
		int dfd = open_regular(file, &why);
		bool ok = false;
		if (dfd < 0) {
			problem(o, "data file %s of %s: %s", f, name, why);
		} else {
			ok = read_data_file(dfd, toc_file ? 0 : a.comp_alg, f, name, o);
			close(dfd);
		}
		free(f);
		free(file);
		if (!ok)
			break;
		o->data_blocks++;
	}
out:
	o->decoded_bytes += sbtc_src_offset(src);
	sbtc_src_free(src);
	close(fd);
	archive_free(&a);
}

void sbtc_dump_examine_path(const char *path, sbtc_dump_info *out, sbtc_dkg_shares *shares, bool *shares_found,
			    char *serr, size_t serrlen)
{
	struct stat st;
	if (shares_found != NULL)
		*shares_found = false;
	if (shares != NULL)
		memset(shares, 0, sizeof *shares);
	memset(out, 0, sizeof *out);
	out->whole = true;
	if (stat(path, &st) != 0) {
		problem(out, "unreadable: %s", strerror(errno));
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		check_directory(path, out);
		return;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		problem(out, "unreadable: %s", strerror(errno));
		return;
	}
	sbtc_src *src = sbtc_src_fd(fd, false, -1);
	sbtc_dump_examine_src(src, out, shares, shares_found, serr, serrlen);
	sbtc_src_free(src);
	close(fd);
}
