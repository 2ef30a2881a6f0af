/* SPDX-License-Identifier: GPL-2.0-or-later */
/* An Esplora API's /blocks/tip/height: the bare integer it answers, and everything that
 * is not one; the route under a base with or without /api. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esplora.h"

static void test_tip_parse(void **unused)
{
	(void)unused;
	static const struct {
		const char *body;
		size_t len; /* 0: strlen */
		int64_t height; /* -1: refused */
	} cases[] = {
		{"880000", 0, 880000},
		{"880000\n", 0, 880000},
		{" \r\n\t0 ", 0, 0},
		{"9999999999", 0, 9999999999LL},
		{"99999999999", 0, -1},  /* 11 digits */
		{"", 0, -1},
		{"   ", 0, -1},
		{"-1", 0, -1},
		{"1.5", 0, -1},
		{"88 0000", 0, -1},
		{"\"880000\"", 0, -1},
		{"eight hundred", 0, -1},
		{"880000\0x", 8, -1},    /* a NUL inside */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int64_t h = -7;
		char err[200] = "";
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].body);
		int r = sbtc_esplora_tip_parse(cases[i].body, len, &h, err, sizeof err);
		if (cases[i].height >= 0) {
			if (r != 0 || h != cases[i].height)
				fail_msg("case %zu: %d %lld (%s)", i, r, (long long)h, err);
		} else {
			if (r != -1)
				fail_msg("case %zu accepted", i);
			assert_int_equal(h, -7);
			assert_non_null(strstr(err, "the tip height is not a number: '"));
		}
	}
	char err[200];
	int64_t h;
	assert_int_equal(sbtc_esplora_tip_parse("eight | hundred\n", 16, &h, err, sizeof err), -1);
	assert_string_equal(err, "the tip height is not a number: 'eight / hundred'");
}

static void test_tip_url(void **unused)
{
	(void)unused;
	static const struct {
		const char *base, *url;
	} cases[] = {
		{"https://mempool.space", "https://mempool.space/api/blocks/tip/height"},
		{"https://mempool.space/", "https://mempool.space/api/blocks/tip/height"},
		{"https://blockstream.info/api", "https://blockstream.info/api/blocks/tip/height"},
		{"https://blockstream.info/api/", "https://blockstream.info/api/blocks/tip/height"},
		{"http://127.0.0.1:3000/testnet/api", "http://127.0.0.1:3000/testnet/api/blocks/tip/height"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *u = sbtc_esplora_tip_url(cases[i].base);
		assert_string_equal(u, cases[i].url);
		free(u);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tip_parse),
		cmocka_unit_test(test_tip_url),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
