/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for lib/github.c's parsers: any body as GitHub's release list and as
 * its compare answer (both also come back from the cache). The first byte chooses the
 * parser; the rest is the body. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "github.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	/* The parsers are given a length, but callers' bodies are NUL-terminated too. */
	char *body = malloc(size);
	if (body == NULL)
		return 0;
	memcpy(body, data + 1, size - 1);
	body[size - 1] = '\0';
	char err[400];
	memset(err, 'Z', sizeof err);
	if (data[0] & 1) {
		sbtc_github_compare cmp;
		if (sbtc_github_parse_compare(body, size - 1, &cmp, err, sizeof err) == 0) {
			if (cmp.status > SBTC_COMPARE_DIVERGED || cmp.ahead_by < 0 || cmp.behind_by < 0)
				abort();
		} else {
			fuzz_check_err(err, sizeof err);
		}
	} else {
		sbtc_github_releases r;
		memset(&r, 0x5a, sizeof r);
		if (sbtc_github_parse_releases(body, size - 1, &r, err, sizeof err) == 0) {
			for (size_t i = 0; i < r.n; i++) {
				if (r.v[i].tag == NULL || r.v[i].html_url == NULL || r.v[i].published < -1)
					abort();
				(void)strlen(r.v[i].tag);
				(void)strlen(r.v[i].html_url);
			}
			sbtc_github_releases_free(&r);
		} else {
			fuzz_check_err(err, sizeof err);
		}
	}
	free(body);
	return 0;
}
