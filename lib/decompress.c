/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "decompress.h"

#include <errno.h>
#include <lz4frame.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "deadline.h"
#include "strbuf.h"

#define RAW_SIZE (128 * 1024)
#define OUT_SIZE (128 * 1024)

struct sbtc_src {
	int fd;
	bool wait;
	bool raw_owned;
	bool seekable;
	const uint8_t *mem;
	size_t mem_len;

	int comp; /* -1 until sniffed */
	uint8_t *raw;
	size_t raw_pos, raw_len;
	bool raw_eof;
	uint64_t raw_offset; /* compressed bytes taken from the file */

	uint8_t *out;
	size_t out_pos, out_len;
	uint64_t offset; /* decoded bytes consumed */

	z_stream z;
	bool z_init;
	ZSTD_DStream *zstd;
	LZ4F_dctx *lz4;
	bool frame_open; /* inside a compressed frame/member: the end here is a cut */
	bool trailing_checked;

	sbtc_src_status final; /* sticky once the stream ended or failed */
	char err[256];
};

const char *sbtc_compression_name(sbtc_compression c)
{
	switch (c) {
	case SBTC_COMP_NONE: return "none";
	case SBTC_COMP_GZIP: return "gzip";
	case SBTC_COMP_ZSTD: return "zstd";
	case SBTC_COMP_LZ4: return "lz4";
	}
	return "?";
}

sbtc_compression sbtc_compression_sniff(const uint8_t *p, size_t n)
{
	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return SBTC_COMP_GZIP;
	if (n >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd)
		return SBTC_COMP_ZSTD;
	if (n >= 4 && p[0] == 0x04 && p[1] == 0x22 && p[2] == 0x4d && p[3] == 0x18)
		return SBTC_COMP_LZ4;
	return SBTC_COMP_NONE;
}

static sbtc_src *src_new(int compression)
{
	sbtc_src *s = sbtc_xcalloc(1, sizeof *s);
	s->fd = -1;
	s->comp = compression;
	s->final = SBTC_SRC_OK;
	return s;
}

sbtc_src *sbtc_src_fd(int fd, bool wait, int compression)
{
	sbtc_src *s = src_new(compression);
	struct stat st;
	s->fd = fd;
	s->wait = wait;
	s->seekable = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	s->raw = sbtc_xmalloc(RAW_SIZE);
	s->raw_owned = true;
	return s;
}

sbtc_src *sbtc_src_mem(const uint8_t *data, size_t len, int compression)
{
	sbtc_src *s = src_new(compression);
	s->mem = data;
	s->mem_len = len;
	return s;
}

void sbtc_src_free(sbtc_src *s)
{
	if (s == NULL)
		return;
	if (s->z_init)
		inflateEnd(&s->z);
	if (s->zstd != NULL)
		ZSTD_freeDStream(s->zstd);
	if (s->lz4 != NULL)
		LZ4F_freeDecompressionContext(s->lz4);
	if (s->raw_owned)
		free(s->raw);
	free(s->out);
	free(s);
}

static sbtc_src_status fail(sbtc_src *s, sbtc_src_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static sbtc_src_status fail(sbtc_src *s, sbtc_src_status st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->err, sizeof s->err, fmt, ap);
	va_end(ap);
	s->final = st;
	return st;
}

/* More compressed bytes into raw (after what is still unread there). */
static sbtc_src_status fill_raw(sbtc_src *s)
{
	if (s->raw_eof)
		return SBTC_SRC_EOF;
	if (s->mem != NULL) {
		/* Memory is its own buffer: hand it over at once. */
		s->raw = (uint8_t *)(uintptr_t)s->mem; /* read only; never written through */
		s->raw_pos = 0;
		s->raw_len = s->mem_len;
		s->raw_eof = true;
		s->mem = NULL;
		return s->raw_len > 0 ? SBTC_SRC_OK : SBTC_SRC_EOF;
	}
	if (s->fd < 0)
		return SBTC_SRC_EOF;
	if (s->raw_pos > 0 && s->raw_pos < s->raw_len)
		memmove(s->raw, s->raw + s->raw_pos, s->raw_len - s->raw_pos);
	s->raw_offset += s->raw_pos;
	s->raw_len -= s->raw_pos;
	s->raw_pos = 0;
	for (;;) {
		if (sbtc_deadline_expired())
			return fail(s, SBTC_SRC_TIMEOUT, "the deadline passed while reading");
		if (s->wait) {
			struct pollfd p = {.fd = s->fd, .events = POLLIN};
			long ms = sbtc_deadline_remaining_ms();
			int r = poll(&p, 1, ms > 1000 ? 1000 : (int)ms);
			if (r < 0 && errno != EINTR)
				return fail(s, SBTC_SRC_IO, "poll: %s", strerror(errno));
			if (r <= 0)
				continue;
		}
		ssize_t n = read(s->fd, s->raw + s->raw_len, RAW_SIZE - s->raw_len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return fail(s, SBTC_SRC_IO, "read: %s", strerror(errno));
		}
		if (n == 0) {
			s->raw_eof = true;
			return SBTC_SRC_EOF;
		}
		s->raw_len += (size_t)n;
		return SBTC_SRC_OK;
	}
}

static bool raw_is_mem(const sbtc_src *s)
{
	return s->fd < 0;
}

static sbtc_src_status sniff(sbtc_src *s)
{
	if (s->comp >= 0)
		return SBTC_SRC_OK;
	while (s->raw_len - s->raw_pos < 4 && !s->raw_eof) {
		sbtc_src_status st = fill_raw(s);
		if (st != SBTC_SRC_OK && st != SBTC_SRC_EOF)
			return st;
	}
	s->comp = (int)sbtc_compression_sniff(s->raw + s->raw_pos, s->raw_len - s->raw_pos);
	return SBTC_SRC_OK;
}

sbtc_compression sbtc_src_compression(sbtc_src *s)
{
	if (s->comp < 0 && sniff(s) != SBTC_SRC_OK)
		return SBTC_COMP_NONE;
	return (sbtc_compression)s->comp;
}

/* After a gzip member or zstd/lz4 frame: more frames may follow (pigz, concatenated
 * files); anything else is trailing junk. */
static bool next_frame_follows(sbtc_src *s, sbtc_src_status *st)
{
	*st = SBTC_SRC_OK;
	while (s->raw_len - s->raw_pos < 4 && !s->raw_eof) {
		*st = fill_raw(s);
		if (*st != SBTC_SRC_OK && *st != SBTC_SRC_EOF)
			return false;
		*st = SBTC_SRC_OK;
	}
	size_t left = s->raw_len - s->raw_pos;
	if (left == 0)
		return false;
	sbtc_compression c = sbtc_compression_sniff(s->raw + s->raw_pos, left);
	if (c == (sbtc_compression)s->comp || (s->comp == SBTC_COMP_ZSTD && left >= 4 &&
					       (s->raw[s->raw_pos] & 0xf0) == 0x50 &&
					       s->raw[s->raw_pos + 1] == 0x2a && s->raw[s->raw_pos + 2] == 0x4d &&
					       s->raw[s->raw_pos + 3] == 0x18))
		return true;
	*st = fail(s, SBTC_SRC_CORRUPT, "%s: %zu bytes of trailing data after the end of the compressed stream "
		   "at compressed byte %llu", sbtc_compression_name((sbtc_compression)s->comp), left,
		   (unsigned long long)(s->raw_offset + s->raw_pos));
	return false;
}

/* Decodes more into out. */
static sbtc_src_status decode_more(sbtc_src *s)
{
	if (s->out == NULL)
		s->out = sbtc_xmalloc(OUT_SIZE);
	s->out_pos = s->out_len = 0;
	for (;;) {
		/* A few compressed bytes may decode to gigabytes (zstd and lz4 far beyond
		 * gzip's 1:1032) without another read of the file: the deadline is checked
		 * for every block decoded, not only when reading. */
		if (sbtc_deadline_expired())
			return fail(s, SBTC_SRC_TIMEOUT, "the deadline passed while decoding %s",
				    sbtc_compression_name((sbtc_compression)s->comp));
		if (s->raw_pos >= s->raw_len) {
			sbtc_src_status st = fill_raw(s);
			if (st == SBTC_SRC_EOF) {
				if (s->frame_open)
					return fail(s, SBTC_SRC_CUT, "%s stream cut short: it ends inside a compressed "
						    "frame after %llu compressed bytes (%llu decoded)",
						    sbtc_compression_name((sbtc_compression)s->comp),
						    (unsigned long long)s->raw_offset, (unsigned long long)s->offset);
				s->final = SBTC_SRC_EOF;
				return SBTC_SRC_EOF;
			}
			if (st != SBTC_SRC_OK)
				return st;
		}
		const uint8_t *in = s->raw + s->raw_pos;
		size_t in_len = s->raw_len - s->raw_pos;
		uint64_t at = s->raw_offset + s->raw_pos;
		if (!s->frame_open) {
			/* A new member/frame starts here (the first, or one that follows). */
			if (at > 0) {
				sbtc_src_status st;
				if (!next_frame_follows(s, &st)) {
					if (st != SBTC_SRC_OK)
						return st;
					s->final = SBTC_SRC_EOF;
					return SBTC_SRC_EOF;
				}
				in = s->raw + s->raw_pos;
				in_len = s->raw_len - s->raw_pos;
			}
			s->frame_open = true;
		}
		switch (s->comp) {
		case SBTC_COMP_GZIP: {
			if (!s->z_init) {
				memset(&s->z, 0, sizeof s->z);
				if (inflateInit2(&s->z, 15 + 16) != Z_OK)
					return fail(s, SBTC_SRC_IO, "gzip: cannot initialise zlib");
				s->z_init = true;
			}
			s->z.next_in = (Bytef *)(uintptr_t)in;
			s->z.avail_in = (uInt)(in_len > UINT32_MAX ? UINT32_MAX : in_len);
			s->z.next_out = s->out + s->out_len;
			s->z.avail_out = (uInt)(OUT_SIZE - s->out_len);
			uInt had_in = s->z.avail_in;
			int r = inflate(&s->z, Z_NO_FLUSH);
			s->raw_pos += had_in - s->z.avail_in;
			s->out_len = OUT_SIZE - s->z.avail_out;
			if (r == Z_STREAM_END) {
				inflateReset(&s->z);
				s->frame_open = false;
			} else if (r != Z_OK && r != Z_BUF_ERROR) {
				return fail(s, SBTC_SRC_CORRUPT, "gzip data corrupt near compressed byte %llu: %s",
					    (unsigned long long)(s->raw_offset + s->raw_pos),
					    s->z.msg != NULL ? s->z.msg : zError(r));
			}
			break;
		}
		case SBTC_COMP_ZSTD: {
			if (s->zstd == NULL) {
				s->zstd = ZSTD_createDStream();
				if (s->zstd == NULL || ZSTD_isError(ZSTD_initDStream(s->zstd)))
					return fail(s, SBTC_SRC_IO, "zstd: cannot initialise the decoder");
			}
			ZSTD_inBuffer ib = {in, in_len, 0};
			ZSTD_outBuffer ob = {s->out, OUT_SIZE, s->out_len};
			size_t r = ZSTD_decompressStream(s->zstd, &ob, &ib);
			s->raw_pos += ib.pos;
			s->out_len = ob.pos;
			if (ZSTD_isError(r))
				return fail(s, SBTC_SRC_CORRUPT, "zstd data corrupt near compressed byte %llu: %s",
					    (unsigned long long)(s->raw_offset + s->raw_pos), ZSTD_getErrorName(r));
			if (r == 0)
				s->frame_open = false;
			else if (ib.pos == 0 && ob.pos == s->out_len && in_len > 0 && ob.pos < ob.size)
				return fail(s, SBTC_SRC_CORRUPT, "zstd decoder made no progress at compressed byte %llu",
					    (unsigned long long)at);
			break;
		}
		case SBTC_COMP_LZ4: {
			if (s->lz4 == NULL && LZ4F_isError(LZ4F_createDecompressionContext(&s->lz4, LZ4F_VERSION)))
				return fail(s, SBTC_SRC_IO, "lz4: cannot initialise the decoder");
			size_t src_size = in_len, dst_size = OUT_SIZE - s->out_len;
			size_t r = LZ4F_decompress(s->lz4, s->out + s->out_len, &dst_size, in, &src_size, NULL);
			s->raw_pos += src_size;
			s->out_len += dst_size;
			if (LZ4F_isError(r))
				return fail(s, SBTC_SRC_CORRUPT, "lz4 data corrupt near compressed byte %llu: %s",
					    (unsigned long long)(s->raw_offset + s->raw_pos), LZ4F_getErrorName(r));
			if (r == 0)
				s->frame_open = false;
			else if (src_size == 0 && dst_size == 0 && in_len > 0)
				return fail(s, SBTC_SRC_CORRUPT, "lz4 decoder made no progress at compressed byte %llu",
					    (unsigned long long)at);
			break;
		}
		default:
			return fail(s, SBTC_SRC_IO, "unknown compression");
		}
		if (s->out_len > 0)
			return SBTC_SRC_OK;
	}
}

/* Makes decoded bytes available: for an uncompressed stream they are the raw bytes. */
static sbtc_src_status ensure(sbtc_src *s)
{
	if (s->final != SBTC_SRC_OK)
		return s->final;
	sbtc_src_status st = sniff(s);
	if (st != SBTC_SRC_OK)
		return st;
	if (s->comp == SBTC_COMP_NONE) {
		if (s->raw_pos < s->raw_len)
			return SBTC_SRC_OK;
		st = fill_raw(s);
		if (st == SBTC_SRC_EOF)
			s->final = SBTC_SRC_EOF;
		return st;
	}
	if (s->out_pos < s->out_len)
		return SBTC_SRC_OK;
	return decode_more(s);
}

static const uint8_t *avail(const sbtc_src *s, size_t *n)
{
	if (s->comp == SBTC_COMP_NONE) {
		*n = s->raw_len - s->raw_pos;
		return s->raw + s->raw_pos;
	}
	*n = s->out_len - s->out_pos;
	return s->out + s->out_pos;
}

static void consume(sbtc_src *s, size_t n)
{
	if (s->comp == SBTC_COMP_NONE)
		s->raw_pos += n;
	else
		s->out_pos += n;
	s->offset += n;
}

sbtc_src_status sbtc_src_read(sbtc_src *s, void *dst, size_t n, size_t *got)
{
	*got = 0;
	while (*got < n) {
		sbtc_src_status st = ensure(s);
		if (st != SBTC_SRC_OK)
			return *got > 0 && st == SBTC_SRC_EOF ? SBTC_SRC_OK : st;
		size_t have;
		const uint8_t *p = avail(s, &have);
		size_t take = have < n - *got ? have : n - *got;
		memcpy((uint8_t *)dst + *got, p, take);
		consume(s, take);
		*got += take;
	}
	return SBTC_SRC_OK;
}

sbtc_src_status sbtc_src_read_full(sbtc_src *s, void *dst, size_t n)
{
	size_t got = 0;
	while (got < n) {
		size_t g;
		sbtc_src_status st = sbtc_src_read(s, (uint8_t *)dst + got, n - got, &g);
		got += g;
		if (st != SBTC_SRC_OK)
			return st;
		if (g == 0)
			return SBTC_SRC_EOF;
	}
	return SBTC_SRC_OK;
}

sbtc_src_status sbtc_src_skip(sbtc_src *s, uint64_t n)
{
	while (n > 0) {
		sbtc_src_status st = ensure(s);
		if (st != SBTC_SRC_OK)
			return st;
		size_t have;
		avail(s, &have);
		if (have >= n) {
			consume(s, (size_t)n);
			return SBTC_SRC_OK;
		}
		consume(s, have);
		n -= have;
		if (s->comp == SBTC_COMP_NONE && s->seekable && !raw_is_mem(s) && n > RAW_SIZE) {
			/* Seek over the rest, but stop at the end of the file: a skip past it is a cut. */
			struct stat stt;
			uint64_t here = s->raw_offset + s->raw_len;
			if (fstat(s->fd, &stt) != 0)
				return fail(s, SBTC_SRC_IO, "fstat: %s", strerror(errno));
			uint64_t size = (uint64_t)stt.st_size;
			uint64_t room = size > here ? size - here : 0;
			uint64_t jump = n < room ? n : room;
			if (lseek(s->fd, (off_t)jump, SEEK_CUR) < 0)
				return fail(s, SBTC_SRC_IO, "lseek: %s", strerror(errno));
			s->raw_offset += s->raw_len + jump;
			s->raw_pos = s->raw_len = 0;
			s->offset += jump;
			n -= jump;
			if (n > 0) {
				s->raw_eof = true;
				s->final = SBTC_SRC_EOF;
				return SBTC_SRC_EOF;
			}
		}
	}
	return SBTC_SRC_OK;
}

uint64_t sbtc_src_offset(const sbtc_src *s)
{
	return s->offset;
}

uint64_t sbtc_src_raw_offset(const sbtc_src *s)
{
	return s->raw_offset + s->raw_pos;
}

const char *sbtc_src_error(const sbtc_src *s)
{
	return s->err[0] != '\0' ? s->err : "no error";
}

void sbtc_src_lines(sbtc_src *src, const uint8_t *head, size_t head_len, const size_t *line_cap, sbtc_line_fn fn,
		    void *ctx, sbtc_lines_end *end)
{
	sbtc_strbuf line = SBTC_STRBUF_INIT;
	uint64_t no = 0;
	bool overlong = false;
	uint8_t buf[65536];
	memset(end, 0, sizeof *end);
	end->ends_with_newline = true;
	for (;;) {
		size_t got = 0;
		if (head_len > 0) {
			got = head_len < sizeof buf ? head_len : sizeof buf;
			memcpy(buf, head, got);
			head += got;
			head_len -= got;
		} else {
			sbtc_src_status st = sbtc_src_read(src, buf, sizeof buf, &got);
			if (got == 0) {
				end->status = st;
				break;
			}
		}
		end->bytes += got;
		size_t i = 0;
		while (i < got) {
			uint8_t *nl = memchr(buf + i, '\n', got - i);
			size_t n = (size_t)((nl ? nl : buf + got) - (buf + i));
			if (nl != NULL && line.len == 0 && !overlong && n <= *line_cap) {
				/* A whole line in the buffer (nearly every one) goes over where it
				 * lies, its newline made the NUL: no copy. */
				*nl = '\0';
				no++;
				if (fn(ctx, (const char *)buf + i, n, false, no) != 0) {
					end->stopped = true;
					end->status = SBTC_SRC_OK;
					sbtc_strbuf_free(&line);
					return;
				}
				i += n + 1;
				continue;
			}
			if (line.len + n > *line_cap) {
				overlong = true;
				n = line.len < *line_cap ? *line_cap - line.len : 0;
				if (n > 0)
					sbtc_strbuf_append(&line, (const char *)buf + i, n);
				i = nl ? (size_t)(nl - buf) : got;
			} else {
				if (n > 0)
					sbtc_strbuf_append(&line, (const char *)buf + i, n);
				i += n;
			}
			if (nl != NULL && i < got && buf[i] == '\n') {
				i++;
				no++;
				if (fn(ctx, sbtc_strbuf_str(&line), line.len, overlong, no) != 0) {
					end->stopped = true;
					end->status = SBTC_SRC_OK;
					sbtc_strbuf_free(&line);
					return;
				}
				line.len = 0;
				if (line.data != NULL)
					line.data[0] = '\0';
				overlong = false;
			}
		}
	}
	if (line.len > 0) {
		end->ends_with_newline = false;
		no++;
		if (fn(ctx, sbtc_strbuf_str(&line), line.len, overlong, no) != 0)
			end->stopped = true;
	}
	sbtc_strbuf_free(&line);
}
