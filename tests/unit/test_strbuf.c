/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/strbuf.c: growable strings and the allocation functions. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "output.h"
#include "strbuf.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static void test_empty(void **unused)
{
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	(void)unused;
	assert_string_equal(sbtc_strbuf_str(&b), "");
	assert_int_equal(b.len, 0);
	/* Appending nothing still gives a terminated string. */
	sbtc_strbuf_append(&b, "", 0);
	assert_non_null(b.data);
	assert_string_equal(b.data, "");
	assert_int_equal(b.len, 0);
	sbtc_strbuf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	/* Freeing twice is harmless. */
	sbtc_strbuf_free(&b);
	assert_string_equal(sbtc_strbuf_str(&b), "");
}

static void test_append_kinds(void **unused)
{
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	(void)unused;
	sbtc_strbuf_puts(&b, "abc");
	sbtc_strbuf_putc(&b, '-');
	sbtc_strbuf_append(&b, "xyz123", 3);
	sbtc_strbuf_puts(&b, "");
	sbtc_strbuf_printf(&b, "[%d|%s|%.2f]", 42, "s", 1.5);
	assert_string_equal(sbtc_strbuf_str(&b), "abc-xyz[42|s|1.50]");
	assert_int_equal(b.len, strlen("abc-xyz[42|s|1.50]"));
	assert_true(b.cap > b.len);
	/* Embedded NUL bytes are kept by append. */
	sbtc_strbuf_append(&b, "a\0b", 3);
	assert_int_equal(b.len, strlen("abc-xyz[42|s|1.50]") + 3);
	assert_memory_equal(b.data + b.len - 3, "a\0b", 4);
	sbtc_strbuf_free(&b);
}

static void test_append_growth(void **unused)
{
	/* Many KB in chunks of every size, checked against a reference built alongside. */
	enum { TOTAL = 200000 };
	char *ref = malloc(TOTAL + 1);
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	size_t n = 0, chunk = 1;
	(void)unused;
	assert_non_null(ref);
	while (n < TOTAL) {
		char piece[700];
		size_t len = chunk % sizeof piece;
		if (n + len > TOTAL)
			len = TOTAL - n;
		for (size_t i = 0; i < len; i++)
			piece[i] = (char)('a' + (n + i) % 26);
		memcpy(ref + n, piece, len);
		if (chunk % 3 == 0 && len > 0) {
			for (size_t i = 0; i < len; i++)
				sbtc_strbuf_putc(&b, piece[i]);
		} else {
			sbtc_strbuf_append(&b, piece, len);
		}
		n += len;
		chunk = chunk * 7 + 3;
		assert_int_equal(b.len, n);
		assert_true(b.cap > b.len);
		assert_int_equal(b.data[b.len], '\0');
	}
	ref[TOTAL] = '\0';
	assert_int_equal(b.len, TOTAL);
	assert_memory_equal(b.data, ref, TOTAL + 1);
	sbtc_strbuf_free(&b);
	free(ref);
}

static void test_printf_growth(void **unused)
{
	/* Results below, at and above the 256-byte scratch buffer, and far beyond. */
	static const size_t sizes[] = {0, 1, 254, 255, 256, 257, 511, 1000, 4096, 65536, 300000};
	(void)unused;
	for (size_t k = 0; k < N_ELEMS(sizes); k++) {
		size_t len = sizes[k];
		char *s = malloc(len + 1);
		sbtc_strbuf b = SBTC_STRBUF_INIT;
		assert_non_null(s);
		memset(s, 'x', len);
		s[len] = '\0';
		sbtc_strbuf_puts(&b, "<");
		sbtc_strbuf_printf(&b, "%s|%zu", s, len);
		sbtc_strbuf_printf(&b, "%s", s);
		sbtc_strbuf_puts(&b, ">");

		char tail[32];
		int tl = snprintf(tail, sizeof tail, "|%zu", len);
		assert_true(tl > 0);
		assert_int_equal(b.len, 1 + len + (size_t)tl + len + 1);
		assert_int_equal(b.data[0], '<');
		assert_memory_equal(b.data + 1, s, len);
		assert_memory_equal(b.data + 1 + len, tail, (size_t)tl);
		assert_memory_equal(b.data + 1 + len + (size_t)tl, s, len);
		assert_string_equal(b.data + b.len - 1, ">");
		sbtc_strbuf_free(&b);
		free(s);
	}
}

static void test_printf_width(void **unused)
{
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	(void)unused;
	/* A padded field larger than the scratch buffer. */
	sbtc_strbuf_printf(&b, "%*d", 5000, 7);
	assert_int_equal(b.len, 5000);
	assert_int_equal(b.data[0], ' ');
	assert_int_equal(b.data[4998], ' ');
	assert_int_equal(b.data[4999], '7');
	assert_int_equal(b.data[5000], '\0');
	sbtc_strbuf_printf(&b, "%s", "");
	assert_int_equal(b.len, 5000);
	sbtc_strbuf_free(&b);
}

static void test_steal(void **unused)
{
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	char *s;
	(void)unused;
	/* Stealing from an empty buffer gives "" that must be freed. */
	s = sbtc_strbuf_steal(&b);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);

	sbtc_strbuf_puts(&b, "first");
	s = sbtc_strbuf_steal(&b);
	assert_string_equal(s, "first");
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	assert_string_equal(sbtc_strbuf_str(&b), "");
	/* The buffer can be used again afterwards. */
	sbtc_strbuf_puts(&b, "second");
	char *t = sbtc_strbuf_steal(&b);
	assert_string_equal(t, "second");
	assert_string_equal(s, "first");
	free(s);
	free(t);
}

static void test_xasprintf(void **unused)
{
	char *s;
	char big[3000];
	(void)unused;
	s = sbtc_xasprintf("%s-%d", "a", 5);
	assert_string_equal(s, "a-5");
	free(s);
	s = sbtc_xasprintf("%s", "");
	assert_string_equal(s, "");
	free(s);
	memset(big, 'q', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	s = sbtc_xasprintf("[%s]", big);
	assert_int_equal(strlen(s), sizeof big + 1);
	assert_int_equal(s[0], '[');
	assert_int_equal(s[sizeof big], ']');
	assert_memory_equal(s + 1, big, sizeof big - 1);
	free(s);
}

static void test_strlcpy(void **unused)
{
	static const struct {
		const char *src;
		size_t size;
		const char *expect;
	} cases[] = {
		{"hello", 10, "hello"},
		{"hello", 6, "hello"}, /* exact fit */
		{"hello", 5, "hell"},  /* one short: cut */
		{"hello", 2, "h"},
		{"hello", 1, ""},
		{"", 4, ""},
	};
	(void)unused;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		char dst[16];
		memset(dst, '#', sizeof dst);
		assert_ptr_equal(sbtc_strlcpy(dst, cases[i].src, cases[i].size), dst);
		assert_string_equal(dst, cases[i].expect);
		/* Nothing written past the given size. */
		for (size_t j = cases[i].size; j < sizeof dst; j++)
			assert_int_equal(dst[j], '#');
	}
	/* Size 0 writes nothing at all. */
	char z[2] = {'#', '#'};
	assert_ptr_equal(sbtc_strlcpy(z, "abc", 0), z);
	assert_int_equal(z[0], '#');
}

static void test_dup_alloc(void **unused)
{
	char *s;
	void *p;
	(void)unused;
	s = sbtc_xstrdup("dup");
	assert_string_equal(s, "dup");
	free(s);
	s = sbtc_xstrndup("abcdef", 3);
	assert_string_equal(s, "abc");
	free(s);
	s = sbtc_xstrndup("ab", 10);
	assert_string_equal(s, "ab");
	free(s);
	s = sbtc_xstrndup("ab", 0);
	assert_string_equal(s, "");
	free(s);

	/* Zero sizes still give a pointer that can be freed. */
	p = sbtc_xmalloc(0);
	assert_non_null(p);
	free(p);
	p = sbtc_xcalloc(0, 8);
	assert_non_null(p);
	free(p);
	unsigned char *z = sbtc_xcalloc(16, 4);
	for (size_t i = 0; i < 64; i++)
		assert_int_equal(z[i], 0);
	z = sbtc_xrealloc(z, 4096);
	assert_int_equal(z[63], 0);
	free(z);
}

#if defined(__SANITIZE_ADDRESS__)
/* AddressSanitizer aborts on an impossible allocation unless told to return NULL as
 * malloc does; the out-of-memory path is what is tested here. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}
#endif

/* Running out of memory ends the plugin with UNKNOWN and a status line. */
static void child_out_of_memory(const void *unused)
{
	(void)unused;
	sbtc_output_setup("CHECK", SBTC_FORMAT_MULTI_LINE);
	/* Too large for any machine, small enough not to look negative. */
	void *p = sbtc_xmalloc((size_t)1 << 62);
	free(p);
}

static void test_out_of_memory(void **unused)
{
	(void)unused;
	int code;
	char *out = run_in_child(child_out_of_memory, NULL, &code);
	assert_int_equal(code, 3);
	assert_string_equal(out, "SBTC CHECK UNKNOWN - out of memory\n");
	free(out);
}

/* strbuf needs no output layer: before the output is set up (or in a program without
 * one) running out of memory still ends with UNKNOWN and a line (lib/fatal.c). */
static void child_out_of_memory_bare(const void *unused)
{
	(void)unused;
	/* A product that overflows: calloc refuses it on any machine. */
	void *q = sbtc_xcalloc((size_t)1 << 40, (size_t)1 << 30);
	free(q);
}

static void test_out_of_memory_without_output(void **unused)
{
	(void)unused;
	int code;
	char *out = run_in_child(child_out_of_memory_bare, NULL, &code);
	assert_int_equal(code, 3);
	assert_string_equal(out, "UNKNOWN - out of memory\n");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_append_kinds),
		cmocka_unit_test(test_append_growth),
		cmocka_unit_test(test_printf_growth),
		cmocka_unit_test(test_printf_width),
		cmocka_unit_test(test_steal),
		cmocka_unit_test(test_xasprintf),
		cmocka_unit_test(test_strlcpy),
		cmocka_unit_test(test_dup_alloc),
		cmocka_unit_test(test_out_of_memory),
		cmocka_unit_test(test_out_of_memory_without_output),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
