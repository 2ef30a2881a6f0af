/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pg_dump's output formats, recognised and checked for wholeness without restoring:
 * custom (-Fc: header, table of contents, data blocks walked to the end), directory
 * (-Fd: toc.dat and the data files it names), tar (-Ft: every member and the end
 * marker), plain SQL (-Fp: must end as pg_dump ends it), each possibly inside a gzip,
 * zstd or lz4 stream that must decode to its end. Encrypted files (OpenPGP, age) are
 * recognised and left alone. A plain dump's rows of sbtc_signer.dkg_shares are read
 * with it, by lib/dkg_copy. */
#ifndef SBTC_PGDUMP_H
#define SBTC_PGDUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decompress.h"
#include "dkg.h"
#include "dkg_copy.h"

typedef enum {
	SBTC_DUMP_UNKNOWN = 0, /* none of the below */
	SBTC_DUMP_EMPTY,       /* zero bytes (after decompression, if compressed) */
	SBTC_DUMP_CUSTOM,
	SBTC_DUMP_DIRECTORY,
	SBTC_DUMP_TAR,
	SBTC_DUMP_PLAIN,
	SBTC_DUMP_GPG, /* OpenPGP encrypted (binary or armored) */
	SBTC_DUMP_AGE  /* age encrypted (binary or armored) */
} sbtc_dump_format;

/* "custom", "directory", "tar", "plain", "OpenPGP-encrypted", "age-encrypted", "empty",
 * "unknown". */
const char *sbtc_dump_format_name(sbtc_dump_format f);
/* For --format: "custom", "directory", "tar", "plain" (also "c", "d", "t", "p" as
 * pg_dump takes them); -1 otherwise. */
int sbtc_dump_format_parse(const char *text);
bool sbtc_dump_format_encrypted(sbtc_dump_format f);

typedef struct {
	sbtc_dump_format format;
	sbtc_compression outer;   /* a compressed stream around the whole file */
	char archive_version[16]; /* "1.14" (archive formats) */
	char dump_version[48];    /* pg_dump's version from the header, sanitised */
	char dbname[64];          /* database name from the header, sanitised */
	char data_compression[16];/* inside an archive: "none", "gzip", "lz4", "zstd" */
	long toc_entries;
	long data_entries;        /* TOC entries that carry data */
	long data_blocks;         /* data blocks (custom) or files/members found whole */
	bool has_dkg_data;        /* the archive holds TABLE DATA sbtc_signer.dkg_shares */
	bool dkg_as_inserts;      /* plain SQL holds the table as INSERTs (pg_dump --inserts) */
	bool whole;               /* recognised and nothing found missing or cut */
	bool timed_out;           /* the deadline passed while reading */
	char problem[512];        /* when not whole: what was found and where it broke */
	bool beyond_limits;       /* more TOC entries or tar members than this check reads:
				   * not judged (problem says what) */
	long empty_files;         /* directory format: uncompressed data files of 0 bytes
				   * (an empty table, or a file emptied) */
	uint64_t decoded_bytes;   /* bytes read after decompression */
} sbtc_dump_info;

/* Examines a file or a directory-format dump. With shares non-NULL and a plain SQL
 * dump, also reads the rows of sbtc_signer.dkg_shares into a summary that asks about no
 * key (lib/dkg_copy.h); *shares_found says whether the COPY block was there. Never fails outright: everything is in *out. */
void sbtc_dump_examine_path(const char *path, sbtc_dump_info *out, sbtc_dkg_shares *shares,
			    bool *shares_found, char *shares_err, size_t shares_errlen);

/* The same for a stream (a file's contents; no directory format). */
void sbtc_dump_examine_src(sbtc_src *src, sbtc_dump_info *out, sbtc_dkg_shares *shares,
			   bool *shares_found, char *shares_err, size_t shares_errlen);

#endif
