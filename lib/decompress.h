/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A byte source for reading backups as a stream: a file, a pipe or memory, decoded on
 * the fly when it is gzip, zstd or lz4 (recognised by their magic numbers). Memory stays
 * bounded whatever the size of the file; reads honour the deadline. */
#ifndef SBTC_DECOMPRESS_H
#define SBTC_DECOMPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
	SBTC_COMP_NONE = 0,
	SBTC_COMP_GZIP,
	SBTC_COMP_ZSTD,
	SBTC_COMP_LZ4
} sbtc_compression;

/* "none", "gzip", "zstd", "lz4". */
const char *sbtc_compression_name(sbtc_compression c);

/* The compression whose magic number starts these bytes (SBTC_COMP_NONE otherwise). */
sbtc_compression sbtc_compression_sniff(const uint8_t *p, size_t n);

typedef enum {
	SBTC_SRC_OK = 0,
	SBTC_SRC_EOF,     /* the stream ended (cleanly, where it has a defined end) */
	SBTC_SRC_CUT,     /* the compressed stream ended in the middle of a frame */
	SBTC_SRC_CORRUPT, /* the compressed stream does not decode */
	SBTC_SRC_IO,      /* read error */
	SBTC_SRC_TIMEOUT  /* the deadline passed */
} sbtc_src_status;

typedef struct sbtc_src sbtc_src;

/* A source over an open descriptor (not closed by sbtc_src_free). wait: poll for data
 * within the deadline first (pipes). Decoding: the compression, or -1 to sniff it from
 * the first bytes. */
sbtc_src *sbtc_src_fd(int fd, bool wait, int compression);
/* A source over memory (not copied; must outlive the source). */
sbtc_src *sbtc_src_mem(const uint8_t *data, size_t len, int compression);
void sbtc_src_free(sbtc_src *s);

/* The compression in use (after the first read when sniffing). */
sbtc_compression sbtc_src_compression(sbtc_src *s);

/* Reads up to n decoded bytes into dst; *got says how many. SBTC_SRC_OK while bytes
 * came; at the end the status says how the stream ended (EOF, CUT, CORRUPT, ...). */
sbtc_src_status sbtc_src_read(sbtc_src *s, void *dst, size_t n, size_t *got);
/* Exactly n bytes, or the status of why not (EOF before n bytes is SBTC_SRC_EOF). */
sbtc_src_status sbtc_src_read_full(sbtc_src *s, void *dst, size_t n);
/* Skips n decoded bytes (seeking in an uncompressed regular file). */
sbtc_src_status sbtc_src_skip(sbtc_src *s, uint64_t n);
/* Decoded bytes consumed so far, and compressed bytes read from the file. */
uint64_t sbtc_src_offset(const sbtc_src *s);
uint64_t sbtc_src_raw_offset(const sbtc_src *s);

/* Lines of a stream, as sbtc_src_lines hands them over: the line without its newline (at
 * most *line_cap bytes of it are kept: overlong when its tail was skipped) and its
 * number, from 1. A non-zero return stops the reading. */
typedef int (*sbtc_line_fn)(void *ctx, const char *line, size_t len, bool overlong, uint64_t no);

typedef struct {
	sbtc_src_status status;  /* how the stream ended; SBTC_SRC_OK when fn stopped it first */
	bool stopped;            /* fn asked to stop */
	bool ends_with_newline;  /* the last line has its newline (or there was none) */
	uint64_t bytes;          /* decoded bytes consumed, head included */
} sbtc_lines_end;

/* Hands each line of head (bytes already taken from src, e.g. to recognise it) and then
 * of the rest of src to fn; a last line without a newline too. *line_cap is read anew
 * for each piece, so fn may change it (keep whole rows inside a block, only the start of
 * other lines). */
void sbtc_src_lines(sbtc_src *src, const uint8_t *head, size_t head_len, const size_t *line_cap, sbtc_line_fn fn,
		    void *ctx, sbtc_lines_end *end);

/* What went wrong, for messages ("gzip stream cut short", "zstd: Unknown frame
 * descriptor at compressed byte 1234", "read: Permission denied"). */
const char *sbtc_src_error(const sbtc_src *s);

#endif
