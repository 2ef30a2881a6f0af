/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for lib/sshd_config.c: arbitrary bytes as the output of sshd -T and as
 * sshd_config text (Include lines point at a directory that does not exist). Whatever
 * comes in, a parse gives a message or settings whose strings are terminated. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "sshd_config.h"

static void check_settings(const sbtc_sshd_settings *s)
{
	if (memchr(s->permit_root, '\0', sizeof s->permit_root) == NULL)
		abort();
	for (size_t i = 0; i < s->nakf; i++)
		if (s->akf[i] == NULL)
			abort();
	if (s->methods == NULL)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	char err[300];
	sbtc_sshd_settings s;
	if (sbtc_sshd_parse_T(text, size, &s, err, sizeof err) == 0) {
		check_settings(&s);
		sbtc_sshd_settings_free(&s);
	} else {
		fuzz_check_err(err, sizeof err);
	}
	if (sbtc_sshd_parse_config(text, size, "fuzz", "/nonexistent-fuzz-dir", &s, err, sizeof err) == 0) {
		check_settings(&s);
		/* every pattern expands or says why */
		for (size_t i = 0; i < s.nakf; i++) {
			char *p = sbtc_sshd_expand_akf(s.akf[i], "/home/u", "u", 1000, err, sizeof err);
			if (p == NULL)
				fuzz_check_err(err, sizeof err);
			else if (p[0] != '/')
				abort();
			free(p);
		}
		sbtc_sshd_settings_free(&s);
	} else {
		fuzz_check_err(err, sizeof err);
	}
	return 0;
}
