/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/decompress.c and lib/pgdump.c: the format readers on small crafted
 * inputs, whole and cut at every length. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <lz4frame.h>
#include <zlib.h>
#include <zstd.h>

#include "decompress.h"
#include "pgdump.h"
#include "strbuf.h"

/* ------------------------------------------------------------------ builders */

typedef struct {
	uint8_t *p;
	size_t n, cap;
} buf;

static void put(buf *b, const void *d, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->n, d, n);
	b->n += n;
}

static void put_byte(buf *b, int v)
{
	uint8_t c = (uint8_t)v;
	put(b, &c, 1);
}

/* pg_dump's integer: sign byte, then 4 bytes least significant first. */
static void put_int(buf *b, long v)
{
	unsigned long u = v < 0 ? (unsigned long)-v : (unsigned long)v;
	put_byte(b, v < 0);
	for (int i = 0; i < 4; i++)
		put_byte(b, (int)((u >> (8 * i)) & 0xff));
}

static void put_str(buf *b, const char *s)
{
	if (s == NULL) {
		put_int(b, -1);
		return;
	}
	put_int(b, (long)strlen(s));
	put(b, s, strlen(s));
}

/* The archive header up to the TOC's entry count. */
static void put_header(buf *b, int vmin, int fmt)
{
	put(b, "PGDMP", 5);
	put_byte(b, 1);
	put_byte(b, vmin);
	put_byte(b, 0);
	put_byte(b, 4); /* int size */
	put_byte(b, 8); /* offset size */
	put_byte(b, fmt);
	if (vmin >= 15)
		put_byte(b, 0); /* no compression */
	else
		put_int(b, 0);
	for (int i = 0; i < 7; i++)
		put_int(b, i);
	put_str(b, "signer");
	put_str(b, "15.2");
	put_str(b, "15.2");
}

/* Header and TOC of an archive: two entries, the second with data. fmt 1 custom, 3 tar. */
static void put_header_toc(buf *b, int vmin, int fmt, const char *data_file)
{
	put_header(b, vmin, fmt);
	put_int(b, 2);
	for (int e = 1; e <= 2; e++) {
		put_int(b, e);                        /* dump id */
		put_int(b, e == 2);                   /* had dumper */
		put_str(b, "0");                      /* table oid */
		put_str(b, "0");                      /* oid */
		put_str(b, e == 2 ? "dkg_shares" : "ENCODING");
		put_str(b, e == 2 ? "TABLE DATA" : "ENCODING");
		put_int(b, e == 2 ? 3 : 2);           /* section */
		put_str(b, e == 2 ? "" : "SET client_encoding = 'UTF8';\n");
		put_str(b, "");                       /* drop */
		put_str(b, e == 2 ? "COPY sbtc_signer.dkg_shares (aggregate_key) FROM stdin;\n" : "");
		put_str(b, e == 2 ? "sbtc_signer" : ""); /* namespace */
		put_str(b, "");                       /* tablespace */
		if (vmin >= 14)
			put_str(b, "");               /* table access method */
		if (vmin >= 16)
			put_int(b, 'r');              /* relkind */
		put_str(b, "postgres");              /* owner */
		put_str(b, "false");                  /* with oids */
		if (e == 2)
			put_str(b, "1");              /* a dependency */
		put_str(b, NULL);                     /* end of dependencies */
		if (fmt == 1) {
			put_byte(b, e == 2 ? 2 : 3); /* offset flag: set / no data */
			for (int i = 0; i < 8; i++)
				put_byte(b, 0);
		} else {
			put_str(b, e == 2 ? data_file : "");
		}
	}
}

static buf custom_archive(int vmin)
{
	buf b = {0};
	put_header_toc(&b, vmin, 1, NULL);
	put_byte(&b, 1); /* BLK_DATA */
	put_int(&b, 2);
	put_int(&b, 5);
	put(&b, "row1\n", 5);
	put_int(&b, 3);
	put(&b, "r2\n", 3);
	put_int(&b, 0);
	return b;
}

static void tar_member(buf *b, const char *name, const uint8_t *data, size_t n)
{
	uint8_t h[512] = {0};
	snprintf((char *)h, 100, "%s", name);
	snprintf((char *)h + 100, 8, "%07o", 0600);
	snprintf((char *)h + 108, 8, "%07o", 0);
	snprintf((char *)h + 116, 8, "%07o", 0);
	snprintf((char *)h + 124, 12, "%011lo", (unsigned long)n);
	snprintf((char *)h + 136, 12, "%011o", 0);
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	unsigned sum = 0;
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	put(b, h, 512);
	put(b, data, n);
	uint8_t zero[512] = {0};
	put(b, zero, (512 - n % 512) % 512);
}

static buf tar_archive(void)
{
	buf toc = {0}, b = {0};
	put_header_toc(&toc, 14, 3, "2.dat");
	tar_member(&b, "toc.dat", toc.p, toc.n);
	tar_member(&b, "2.dat", (const uint8_t *)"row1\n", 5);
	tar_member(&b, "restore.sql", (const uint8_t *)"--\n", 3);
	uint8_t zero[1024] = {0};
	put(&b, zero, sizeof zero);
	free(toc.p);
	return b;
}

static const char plain_sql[] =
	"--\n-- PostgreSQL database dump\n--\n\nSET statement_timeout = 0;\n\n"
	"COPY sbtc_signer.dkg_shares (aggregate_key, tweaked_aggregate_key, created_at, dkg_shares_status) FROM stdin;\n"
	"\\\\x03f898f8a6ddb86dd4608dd168355ec6135fe2839222240c01942e8e7e50dd4c89\t\\\\x00\t2026-10-01 12:00:00+00\tverified\n"
	"\\\\x03d8c4344861fc7590fd812c24884a3bfd9374d8ba865a787ff53c9060020aa967\t\\\\x00\t2026-11-20 12:00:00.5+00\tverified\n"
	"\\\\x02aa\t\\\\x00\t2026-11-21 12:00:00+00\tverified\n"
	"\\\\x02d8c4344861fc7590fd812c24884a3bfd9374d8ba865a787ff53c9060020aa967\t\\\\x00\t2026-11-22 12:00:00+00\tfailed\n"
	"\\.\n\n\n--\n-- PostgreSQL database dump complete\n--\n\n";

static sbtc_dump_info examine(const uint8_t *p, size_t n)
{
	sbtc_dump_info d;
	sbtc_src *s = sbtc_src_mem(p, n, -1);
	sbtc_dump_examine_src(s, &d, NULL, NULL, NULL, 0);
	sbtc_src_free(s);
	return d;
}

/* ------------------------------------------------------------------ compression */

static void test_sniff(void **state)
{
	(void)state;
	assert_int_equal(sbtc_compression_sniff((const uint8_t *)"\x1f\x8b\x08", 3), SBTC_COMP_GZIP);
	assert_int_equal(sbtc_compression_sniff((const uint8_t *)"\x28\xb5\x2f\xfd", 4), SBTC_COMP_ZSTD);
	assert_int_equal(sbtc_compression_sniff((const uint8_t *)"\x04\x22\x4d\x18", 4), SBTC_COMP_LZ4);
	assert_int_equal(sbtc_compression_sniff((const uint8_t *)"PGDMP", 5), SBTC_COMP_NONE);
	assert_int_equal(sbtc_compression_sniff((const uint8_t *)"\x1f", 1), SBTC_COMP_NONE);
	assert_string_equal(sbtc_compression_name(SBTC_COMP_ZSTD), "zstd");
}

static buf gzip_of(const void *d, size_t n)
{
	buf b = {0};
	z_stream z;
	memset(&z, 0, sizeof z);
	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	b.cap = deflateBound(&z, (uLong)n) + 64;
	b.p = malloc(b.cap);
	z.next_in = (Bytef *)(uintptr_t)d;
	z.avail_in = (uInt)n;
	z.next_out = b.p;
	z.avail_out = (uInt)b.cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	b.n = b.cap - z.avail_out;
	deflateEnd(&z);
	return b;
}

static buf zstd_of(const void *d, size_t n)
{
	buf b = {0};
	b.cap = ZSTD_compressBound(n);
	b.p = malloc(b.cap);
	b.n = ZSTD_compress(b.p, b.cap, d, n, 3);
	assert_false(ZSTD_isError(b.n));
	return b;
}

static buf lz4_of(const void *d, size_t n)
{
	buf b = {0};
	b.cap = LZ4F_compressFrameBound(n, NULL);
	b.p = malloc(b.cap);
	b.n = LZ4F_compressFrame(b.p, b.cap, d, n, NULL);
	assert_false(LZ4F_isError(b.n));
	return b;
}

/* Decodes all of p; returns the final status and the decoded length. */
static sbtc_src_status decode_all(const uint8_t *p, size_t n, size_t *decoded)
{
	sbtc_src *s = sbtc_src_mem(p, n, -1);
	uint8_t tmp[1000];
	size_t got;
	sbtc_src_status st;
	*decoded = 0;
	do {
		st = sbtc_src_read(s, tmp, sizeof tmp, &got);
		*decoded += got;
	} while (st == SBTC_SRC_OK && got > 0);
	sbtc_src_free(s);
	return st;
}

static void test_streams_whole_and_cut(void **state)
{
	(void)state;
	buf (*makers[])(const void *, size_t) = {gzip_of, zstd_of, lz4_of};
	for (size_t m = 0; m < 3; m++) {
		buf c = makers[m](plain_sql, sizeof plain_sql - 1);
		size_t decoded;
		assert_int_equal(decode_all(c.p, c.n, &decoded), SBTC_SRC_EOF);
		assert_int_equal(decoded, sizeof plain_sql - 1);
		/* Every cut is noticed: the stream never ends cleanly before its last byte (from
		 * the first byte after the magic number, which is what makes it a stream). */
		for (size_t at = 4; at < c.n; at++) {
			sbtc_src_status st = decode_all(c.p, at, &decoded);
			assert_true(st == SBTC_SRC_CUT || st == SBTC_SRC_CORRUPT);
		}
		/* Two members/frames one after the other are one stream. */
		buf two = {0};
		put(&two, c.p, c.n);
		put(&two, c.p, c.n);
		assert_int_equal(decode_all(two.p, two.n, &decoded), SBTC_SRC_EOF);
		assert_int_equal(decoded, 2 * (sizeof plain_sql - 1));
		/* Junk after the end is not ignored. */
		put(&two, "junk", 4);
		assert_int_equal(decode_all(two.p, two.n, &decoded), SBTC_SRC_CORRUPT);
		free(two.p);
		free(c.p);
	}
}

static void test_gzip_corrupt(void **state)
{
	(void)state;
	buf c = gzip_of(plain_sql, sizeof plain_sql - 1);
	c.p[c.n / 2] ^= 0xff;
	size_t decoded;
	sbtc_src *s = sbtc_src_mem(c.p, c.n, -1);
	uint8_t tmp[4096];
	size_t got;
	sbtc_src_status st;
	do
		st = sbtc_src_read(s, tmp, sizeof tmp, &got);
	while (st == SBTC_SRC_OK && got > 0);
	assert_int_equal(st, SBTC_SRC_CORRUPT);
	assert_non_null(strstr(sbtc_src_error(s), "gzip data corrupt"));
	sbtc_src_free(s);
	(void)decoded;
	free(c.p);
}

/* ------------------------------------------------------------------ archives */

static void test_custom_whole_each_version(void **state)
{
	(void)state;
	for (int vmin = 12; vmin <= 16; vmin++) {
		buf b = custom_archive(vmin);
		sbtc_dump_info d = examine(b.p, b.n);
		assert_int_equal(d.format, SBTC_DUMP_CUSTOM);
		assert_true(d.whole);
		assert_string_equal(d.problem, "");
		assert_int_equal(d.toc_entries, 2);
		assert_int_equal(d.data_entries, 1);
		assert_int_equal(d.data_blocks, 1);
		assert_true(d.has_dkg_data);
		assert_string_equal(d.dump_version, "15.2");
		assert_string_equal(d.dbname, "signer");
		free(b.p);
	}
}

static void test_custom_cut_at_every_length(void **state)
{
	(void)state;
	buf b = custom_archive(14);
	for (size_t at = 0; at < b.n; at++) {
		sbtc_dump_info d = examine(b.p, at);
		assert_false(d.whole);
		assert_true(d.problem[0] != '\0');
	}
	free(b.p);
}

static void test_custom_corrupt(void **state)
{
	(void)state;
	buf b = custom_archive(14);
	buf v = {0};
	put(&v, b.p, b.n);
	v.p[6] = 9; /* archive version 1.9 */
	sbtc_dump_info d = examine(v.p, v.n);
	assert_false(d.whole);
	assert_non_null(strstr(d.problem, "unsupported archive version 1.9"));
	memcpy(v.p, b.p, b.n);
	v.p[b.n - 29] = 7; /* the block type */
	d = examine(v.p, v.n);
	assert_false(d.whole);
	assert_non_null(strstr(d.problem, "unknown block type 7"));
	/* A block for an entry that the TOC does not have. */
	memcpy(v.p, b.p, b.n);
	v.p[b.n - 27] = 9;
	d = examine(v.p, v.n);
	assert_false(d.whole);
	assert_non_null(strstr(d.problem, "belongs to no entry"));
	free(v.p);
	free(b.p);
}

/* Through a file descriptor, big chunks are skipped with lseek: a whole file stays
 * whole, and a chunk that claims more than the file holds is a cut. */
static void test_custom_big_chunk_from_a_file(void **state)
{
	(void)state;
	buf b = {0};
	put_header_toc(&b, 14, 1, NULL);
	put_byte(&b, 1);
	put_int(&b, 2);
	size_t big = 300 * 1024;
	uint8_t *payload = calloc(1, big);
	assert_non_null(payload);
	put_int(&b, (long)big);
	put(&b, payload, big);
	put_int(&b, 0);
	free(payload);
	for (int cut = 0; cut <= 1; cut++) {
		FILE *f = tmpfile();
		assert_non_null(f);
		size_t n = cut ? b.n - 1000 : b.n;
		assert_int_equal(fwrite(b.p, 1, n, f), n);
		assert_int_equal(fflush(f), 0);
		rewind(f);
		sbtc_dump_info d;
		sbtc_src *s = sbtc_src_fd(fileno(f), false, -1);
		sbtc_dump_examine_src(s, &d, NULL, NULL, NULL, 0);
		sbtc_src_free(s);
		fclose(f);
		assert_int_equal(d.whole, !cut);
		if (cut)
			assert_non_null(strstr(d.problem, "data block 1 of 1 (TABLE DATA sbtc_signer.dkg_shares) cut short: "
							  "the file ends"));
	}
	free(b.p);
}

static void test_custom_inside_gzip(void **state)
{
	(void)state;
	buf b = custom_archive(15);
	buf g = gzip_of(b.p, b.n);
	sbtc_dump_info d = examine(g.p, g.n);
	assert_int_equal(d.format, SBTC_DUMP_CUSTOM);
	assert_int_equal(d.outer, SBTC_COMP_GZIP);
	assert_true(d.whole);
	d = examine(g.p, g.n - 5);
	assert_false(d.whole);
	free(g.p);
	free(b.p);
}

static void test_tar_whole_and_cut(void **state)
{
	(void)state;
	buf b = tar_archive();
	sbtc_dump_info d = examine(b.p, b.n);
	assert_int_equal(d.format, SBTC_DUMP_TAR);
	assert_true(d.whole);
	assert_int_equal(d.data_blocks, 1);
	for (size_t at = 512; at < b.n; at += 37) {
		d = examine(b.p, at);
		assert_false(d.whole);
	}
	d = examine(b.p, b.n - 1);
	assert_false(d.whole);
	assert_non_null(strstr(d.problem, "end-of-archive marker"));
	b.p[600] ^= 1; /* inside toc.dat: the TOC no longer reads */
	b.p[148] = '7'; /* a bad header checksum */
	d = examine(b.p, b.n);
	assert_false(d.whole);
	free(b.p);
}

/* ------------------------------------------------------------------ plain SQL and COPY */

static void test_plain_whole_and_every_cut(void **state)
{
	(void)state;
	size_t n = sizeof plain_sql - 1;
	sbtc_dump_info d = examine((const uint8_t *)plain_sql, n);
	assert_int_equal(d.format, SBTC_DUMP_PLAIN);
	assert_true(d.whole);
	for (size_t at = 3; at < n; at++) {
		d = examine((const uint8_t *)plain_sql, at);
		assert_false(d.whole);
	}
	/* pg_dump 17.6 and later end with \unrestrict. */
	sbtc_strbuf s = SBTC_STRBUF_INIT;
	sbtc_strbuf_puts(&s, plain_sql);
	sbtc_strbuf_puts(&s, "\\unrestrict abcDEF123\n\n");
	d = examine((const uint8_t *)s.data, s.len);
	assert_true(d.whole);
	d = examine((const uint8_t *)s.data, s.len - 1);
	assert_false(d.whole);
	sbtc_strbuf_puts(&s, "DROP TABLE x;\n");
	d = examine((const uint8_t *)s.data, s.len);
	assert_false(d.whole);
	/* Where it ends, never what the line says (it may be a row, or a role's password). */
	assert_non_null(strstr(d.problem, "plain SQL cut short: it ends at line "));
	assert_null(strstr(d.problem, "DROP TABLE"));
	sbtc_strbuf_free(&s);
}

static void test_plain_shares(void **state)
{
	(void)state;
	sbtc_dkg_shares sh;
	bool found = false;
	char err[200] = "";
	sbtc_dump_info d;
	sbtc_src *s = sbtc_src_mem((const uint8_t *)plain_sql, sizeof plain_sql - 1, -1);
	sbtc_dump_examine_src(s, &d, &sh, &found, err, sizeof err);
	sbtc_src_free(s);
	assert_true(d.whole);
	assert_true(found);
	assert_string_equal(err, "");
	assert_true(sh.has_status);
	/* A summary: the newest and the newest verified share kept, every share counted. */
	sbtc_dkg_counts c;
	sbtc_dkg_count(&sh, &c);
	assert_true(sh.summary);
	assert_int_equal(c.total, 3);
	assert_int_equal(sh.n, 2);
	assert_int_equal(sh.malformed, 1);
	assert_ptr_equal(c.newest_verified, &sh.v[1]);
	/* newest first: the failed share, then the current key (verified) */
	assert_int_equal(sh.v[0].status, SBTC_SHARE_FAILED);
	assert_int_equal(sh.v[1].status, SBTC_SHARE_VERIFIED);
	assert_int_equal(sh.v[1].key[0], 0x03);
	assert_int_equal(sh.v[1].key[1], 0xd8);
	assert_true(sh.v[1].created_at > 1795000000.0 && sh.v[1].created_at < 1796000000.0);
	sbtc_dkg_shares_free(&sh);
}

static void test_copy_block_cases(void **state)
{
	(void)state;
	sbtc_dkg_shares sh;
	sbtc_dkg_copy c;
	const char *hdr = "COPY sbtc_signer.dkg_shares (aggregate_key, created_at) FROM stdin;";
	/* Before migration 0012: no status column. */
	sbtc_dkg_copy_init(&c, &sh);
	assert_int_equal(sbtc_dkg_copy_line(&c, hdr, strlen(hdr)), 0);
	const char *row = "\\\\x03d8c4344861fc7590fd812c24884a3bfd9374d8ba865a787ff53c9060020aa967\t2026-11-20 12:00:00+00";
	assert_int_equal(sbtc_dkg_copy_line(&c, row, strlen(row)), 0);
	assert_int_equal(sbtc_dkg_copy_line(&c, "\\.", 2), 0);
	assert_int_equal(sbtc_dkg_copy_finish(&c), 0);
	assert_false(sh.has_status);
	assert_int_equal(sh.n, 1);
	assert_int_equal(sh.v[0].status, SBTC_SHARE_NO_STATUS);
	sbtc_dkg_shares_free(&sh);
	/* Cut inside the block. */
	sbtc_dkg_copy_init(&c, &sh);
	sbtc_dkg_copy_line(&c, hdr, strlen(hdr));
	sbtc_dkg_copy_line(&c, row, strlen(row));
	assert_int_equal(sbtc_dkg_copy_finish(&c), -1);
	assert_non_null(strstr(c.err, "cut short after 1 rows"));
	sbtc_dkg_shares_free(&sh);
	/* No block at all. */
	sbtc_dkg_copy_init(&c, &sh);
	sbtc_dkg_copy_line(&c, "SELECT 1;", 9);
	assert_int_equal(sbtc_dkg_copy_finish(&c), 1);
	sbtc_dkg_shares_free(&sh);
	/* The table as INSERT statements (pg_dump --inserts): seen, not read. */
	sbtc_dkg_copy_init(&c, &sh);
	const char *ins = "INSERT INTO sbtc_signer.dkg_shares VALUES ('\\x03', now());";
	sbtc_dkg_copy_line(&c, ins, strlen(ins));
	assert_int_equal(sbtc_dkg_copy_finish(&c), 2);
	sbtc_dkg_shares_free(&sh);
	/* A header without the key column. */
	sbtc_dkg_copy_init(&c, &sh);
	const char *bad = "COPY sbtc_signer.dkg_shares (created_at) FROM stdin;";
	assert_int_equal(sbtc_dkg_copy_line(&c, bad, strlen(bad)), -1);
	assert_non_null(strstr(c.err, "no aggregate_key column"));
	sbtc_dkg_shares_free(&sh);
}

/* The COPY block read out of a stream of SQL text (pg_restore's output), lib/dkg_copy. */
static void test_copy_from_a_stream(void **state)
{
	(void)state;
	static const char hdr[] = "COPY sbtc_signer.dkg_shares (aggregate_key, created_at, dkg_shares_status) FROM stdin;\n";
	static const char rows[] =
		"\\\\x0307000000000000000000000000000000000000000000000000000000000000aa\t2026-11-01 00:00:00+00\tverified\n"
		"\\\\x0308000000000000000000000000000000000000000000000000000000000000aa\t2026-11-02 00:00:00+00\tverified\n";
	const uint8_t (*none)[SBTC_AGGREGATE_KEY_LEN] = NULL;
	uint8_t want[1][SBTC_AGGREGATE_KEY_LEN] = {{0x03, 0x07}};
	want[0][SBTC_AGGREGATE_KEY_LEN - 1] = 0xaa;
	sbtc_dkg_shares sh;
	char err[300] = "";
	sbtc_strbuf t = SBTC_STRBUF_INIT;
	sbtc_strbuf_printf(&t, "SET client_encoding = 'UTF8';\n%s%s\\.\nSELECT 1;\n", hdr, rows);
	/* To the end, keeping the rows of the key asked about besides the newest. */
	sbtc_src *s = sbtc_src_mem((const uint8_t *)t.data, t.len, SBTC_COMP_NONE);
	assert_int_equal(sbtc_dkg_copy_src(s, (const uint8_t (*)[SBTC_AGGREGATE_KEY_LEN])want, 1, false, &sh, err,
					   sizeof err), 0);
	sbtc_src_free(s);
	assert_int_equal(sh.n, 2);
	assert_int_equal(sh.v[0].key[1], 0x08);
	assert_int_equal(sh.v[1].key[1], 0x07);
	sbtc_dkg_shares_free(&sh);
	/* Up to the end of the block only: what follows (here no SQL at all) is not read. */
	sbtc_strbuf_printf(&t, "\001\002 not SQL, no newline");
	s = sbtc_src_mem((const uint8_t *)t.data, t.len, SBTC_COMP_NONE);
	assert_int_equal(sbtc_dkg_copy_src(s, none, 0, true, &sh, err, sizeof err), 0);
	sbtc_src_free(s);
	assert_int_equal(sh.n, 1);
	sbtc_dkg_shares_free(&sh);
	/* Cut inside the block. */
	t.len = 0;
	sbtc_strbuf_printf(&t, "%s%s", hdr, rows);
	s = sbtc_src_mem((const uint8_t *)t.data, t.len, SBTC_COMP_NONE);
	assert_int_equal(sbtc_dkg_copy_src(s, none, 0, false, &sh, err, sizeof err), -1);
	sbtc_src_free(s);
	assert_non_null(strstr(err, "cut short after 2 rows"));
	/* A row longer than the reader keeps is an error naming its line, not a cut row. */
	t.len = 0;
	sbtc_strbuf_printf(&t, "-- x\n%s", hdr);
	for (int i = 0; i < 17 * 1024; i++)
		sbtc_strbuf_append(&t, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
				       "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
				       "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
				       "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
				       "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
				       "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
				       "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
				       "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
				       "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
				       "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
				       "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
				       "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
				       "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
				       "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
				       "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
				       "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 1024);
	sbtc_strbuf_printf(&t, "\n\\.\n");
	s = sbtc_src_mem((const uint8_t *)t.data, t.len, SBTC_COMP_NONE);
	assert_int_equal(sbtc_dkg_copy_src(s, none, 0, false, &sh, err, sizeof err), -1);
	sbtc_src_free(s);
	assert_non_null(strstr(err, "line 3 of the COPY block of sbtc_signer.dkg_shares is longer than"));
	sbtc_strbuf_free(&t);
}

typedef struct {
	char seen[8][8];
	bool overlong[8];
	size_t n;
} lines_seen;

static int see_line(void *ctx, const char *line, size_t len, bool overlong, uint64_t no)
{
	lines_seen *l = ctx;
	assert_int_equal(no, l->n + 1);
	assert_true(len < sizeof l->seen[0]);
	memcpy(l->seen[l->n], line, len);
	l->seen[l->n][len] = '\0';
	l->overlong[l->n++] = overlong;
	return 0;
}

/* Lines: the bytes taken for recognition first, then the stream; long lines cut to the
 * cap; a last line without its newline. */
static void test_lines_of_a_stream(void **state)
{
	(void)state;
	static const char head[] = "ab\ncd", rest[] = "efgh\n\nij";
	lines_seen l = {0};
	size_t cap = 3;
	sbtc_lines_end end;
	sbtc_src *s = sbtc_src_mem((const uint8_t *)rest, sizeof rest - 1, SBTC_COMP_NONE);
	sbtc_src_lines(s, (const uint8_t *)head, sizeof head - 1, &cap, see_line, &l, &end);
	sbtc_src_free(s);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.seen[0], "ab");
	assert_false(l.overlong[0]);
	assert_string_equal(l.seen[1], "cde");
	assert_true(l.overlong[1]);
	assert_string_equal(l.seen[2], "");
	assert_string_equal(l.seen[3], "ij");
	assert_int_equal(end.status, SBTC_SRC_EOF);
	assert_false(end.stopped);
	assert_false(end.ends_with_newline);
	assert_int_equal(end.bytes, sizeof head - 1 + sizeof rest - 1);
}

/* ------------------------------------------------------------------ bounded memory */

static void copy_row_line(sbtc_dkg_copy *c, int key_byte, int n, const char *status)
{
	char line[200];
	int len = snprintf(line, sizeof line, "\\\\x03%02x%062d\t2026-11-%02d %02d:%02d:%02d+00\t%s", key_byte, 0,
			   1 + n / 86400 % 28, n / 3600 % 24, n / 60 % 60, n % 60, status);
	assert_int_equal(sbtc_dkg_copy_line(c, line, (size_t)len), 0);
}

static void test_copy_summary_is_bounded(void **state)
{
	(void)state;
	/* 300 000 rows: the summary keeps a handful, whatever the count, and still answers
	 * for the keys asked about (the newest verified share of key 0x07 is old). */
	sbtc_dkg_shares sh;
	sbtc_dkg_copy c;
	sbtc_dkg_copy_init(&c, &sh);
	uint8_t want[SBTC_AGGREGATE_KEY_LEN] = {0x03, 0x07};
	assert_true(sbtc_dkg_copy_want_key(&c, want));
	const char *hdr = "COPY sbtc_signer.dkg_shares (aggregate_key, created_at, dkg_shares_status) FROM stdin;";
	assert_int_equal(sbtc_dkg_copy_line(&c, hdr, strlen(hdr)), 0);
	copy_row_line(&c, 0x07, 5, "verified");
	copy_row_line(&c, 0x07, 9, "failed");
	for (int i = 0; i < 300000; i++)
		copy_row_line(&c, 0x10 + i % 200, 100 + i, i % 3 == 0 ? "verified" : "unverified");
	assert_int_equal(sbtc_dkg_copy_line(&c, "\\.", 2), 0);
	assert_int_equal(sbtc_dkg_copy_finish(&c), 0);
	sbtc_dkg_counts n;
	sbtc_dkg_count(&sh, &n);
	assert_int_equal(n.total, 300002);
	assert_int_equal(n.verified, 100001);
	assert_int_equal(n.failed, 1);
	assert_true(sh.n <= 2 + 2 * SBTC_DKG_COPY_MAX_KEYS);
	assert_non_null(n.newest_verified);
	assert_int_equal(n.newest_verified->key[1], 0x10 + 299997 % 200); /* the last i % 3 == 0 */
	/* The wanted key: its newest row (failed) and its newest verified row are there. */
	int failed = 0, verified = 0;
	for (size_t i = 0; i < sh.n; i++)
		if (sh.v[i].key[1] == 0x07) {
			failed += sh.v[i].status == SBTC_SHARE_FAILED;
			verified += sh.v[i].status == SBTC_SHARE_VERIFIED;
		}
	assert_int_equal(failed, 1);
	assert_int_equal(verified, 1);
	sbtc_dkg_shares_free(&sh);
}

static void test_toc_beyond_the_limit(void **state)
{
	(void)state;
	/* 8 million entries claimed: not read into memory, not judged whole, said so. */
	for (int fmt = 1; fmt <= 3; fmt += 2) {
		buf b = {0};
		put_header(&b, 14, fmt);
		put_int(&b, 8000000);
		sbtc_dump_info d;
		if (fmt == 1) {
			d = examine(b.p, b.n);
		} else {
			buf t = {0};
			tar_member(&t, "toc.dat", b.p, b.n);
			uint8_t zero[1024] = {0};
			put(&t, zero, sizeof zero);
			d = examine(t.p, t.n);
			free(t.p);
		}
		assert_false(d.whole);
		assert_true(d.beyond_limits);
		assert_non_null(strstr(d.problem, "8000000 entries, more than the 50000 this check reads"));
		free(b.p);
	}
}

static void test_tar_members_beyond_the_limit(void **state)
{
	(void)state;
	buf toc = {0}, b = {0};
	put_header_toc(&toc, 14, 3, "2.dat");
	tar_member(&b, "toc.dat", toc.p, toc.n);
	tar_member(&b, "2.dat", (const uint8_t *)"row1\n", 5);
	for (int i = 0; i < 50010; i++)
		tar_member(&b, "x", (const uint8_t *)"", 0);
	uint8_t zero[1024] = {0};
	put(&b, zero, sizeof zero);
	sbtc_dump_info d = examine(b.p, b.n);
	assert_false(d.whole);
	assert_true(d.beyond_limits);
	assert_non_null(strstr(d.problem, "more than 50002 members"));
	free(toc.p);
	free(b.p);
}

static void test_timestamps(void **state)
{
	(void)state;
	static const struct { const char *text; int ok; double value; } cases[] = {
		{"1970-01-01 00:00:00+00", 1, 0},
		{"2026-11-20 12:00:00+00", 1, 1795176000},
		{"2026-11-20 12:00:00.25+00", 1, 1795176000.25},
		{"2026-11-20 17:30:00+05:30", 1, 1795176000},
		{"2026-11-20 09:00:00-03", 1, 1795176000},
		{"2000-02-29 00:00:00+00", 1, 951782400},
		{"2026-11-20", 0, 0},
		{"2026-13-20 12:00:00+00", 0, 0},
		{"2026-11-20T12:00:00+00", 0, 0},
		{"2026-11-20 12:00:00+00x", 0, 0},
		{"", 0, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		double v = -1;
		int r = sbtc_parse_timestamptz(cases[i].text, strlen(cases[i].text), &v);
		assert_int_equal(r == 0, cases[i].ok);
		if (cases[i].ok)
			assert_true(v > cases[i].value - 1e-6 && v < cases[i].value + 1e-6);
	}
}

static void test_recognition(void **state)
{
	(void)state;
	static const struct { const char *data; size_t n; sbtc_dump_format f; bool whole; } cases[] = {
		{"", 0, SBTC_DUMP_EMPTY, false},
		{"\x8c\x0d\x04\x09\x03\x02xxxxxxxx", 14, SBTC_DUMP_GPG, true},
		{"\xc1\x0c\x03xxxxxxxxxx", 13, SBTC_DUMP_GPG, true},
		{"-----BEGIN PGP MESSAGE-----\n", 28, SBTC_DUMP_GPG, true},
		{"age-encryption.org/v1\n-> X25519 x\n", 35, SBTC_DUMP_AGE, true},
		{"-----BEGIN AGE ENCRYPTED FILE-----\n", 35, SBTC_DUMP_AGE, true},
		{"\x89PNG\r\n\x1a\n", 8, SBTC_DUMP_UNKNOWN, false},
		{"hello world\n", 12, SBTC_DUMP_UNKNOWN, false},
		{"-- just a comment\n", 18, SBTC_DUMP_PLAIN, false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sbtc_dump_info d = examine((const uint8_t *)cases[i].data, cases[i].n);
		assert_int_equal(d.format, cases[i].f);
		assert_int_equal(d.whole, cases[i].whole);
	}
	sbtc_dump_info d = examine((const uint8_t *)"\x89PNG\r\n\x1a\n", 8);
	assert_string_equal(d.problem, "not a pg_dump backup: not a pg_dump archive (no PGDMP header), not gzip, zstd "
				       "or lz4, not tar, not pg_dump's plain SQL, not OpenPGP or age encrypted");
	/* Nothing of a file that is not a backup reaches a message, in any form. */
	static const char secret[] = "correct horse battery staple\n";
	d = examine((const uint8_t *)secret, sizeof secret - 1);
	assert_null(strstr(d.problem, "horse"));
	assert_null(strstr(d.problem, "63 6f 72"));
	assert_null(strstr(d.problem, "636f72"));
	assert_int_equal(sbtc_dump_format_parse("custom"), SBTC_DUMP_CUSTOM);
	assert_int_equal(sbtc_dump_format_parse("d"), SBTC_DUMP_DIRECTORY);
	assert_int_equal(sbtc_dump_format_parse("zip"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sniff),
		cmocka_unit_test(test_streams_whole_and_cut),
		cmocka_unit_test(test_gzip_corrupt),
		cmocka_unit_test(test_custom_whole_each_version),
		cmocka_unit_test(test_custom_cut_at_every_length),
		cmocka_unit_test(test_custom_corrupt),
		cmocka_unit_test(test_custom_inside_gzip),
		cmocka_unit_test(test_custom_big_chunk_from_a_file),
		cmocka_unit_test(test_tar_whole_and_cut),
		cmocka_unit_test(test_plain_whole_and_every_cut),
		cmocka_unit_test(test_plain_shares),
		cmocka_unit_test(test_copy_block_cases),
		cmocka_unit_test(test_copy_from_a_stream),
		cmocka_unit_test(test_lines_of_a_stream),
		cmocka_unit_test(test_copy_summary_is_bounded),
		cmocka_unit_test(test_toc_beyond_the_limit),
		cmocka_unit_test(test_tar_members_beyond_the_limit),
		cmocka_unit_test(test_timestamps),
		cmocka_unit_test(test_recognition),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
