/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for lib/prometheus_text.c: any bytes as a metrics exporter's text
 * body (as the scrape judges a 200 answer and an error answer), the same bytes as a
 * label set, and as the URL a scrape asks. Besides memory errors it stops on broken
 * promises: a found revision that is unterminated or longer than its buffer, a message
 * that is not one clean line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "prometheus_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	/* A small buffer exercises cutting, a large one the whole value. */
	char small[8], large[200];
	memset(small, 'Z', sizeof small);
	memset(large, 'Z', sizeof large);
	bool a = sbtc_prom_build_info_revision(text, small, sizeof small);
	bool b = sbtc_prom_build_info_revision(text, large, sizeof large);
	if (a != b)
		abort();
	if (a && (memchr(small, '\0', sizeof small) == NULL || memchr(large, '\0', sizeof large) == NULL))
		abort();
	if (a && strncmp(small, large, strlen(small)) != 0)
		abort();
	/* the label reader on its own, over exactly size bytes (no terminator to lean on) */
	char *exact = malloc(size ? size : 1);
	if (exact == NULL)
		abort();
	memcpy(exact, data, size);
	static const char *const labels[] = {"revision", "app", ""};
	for (size_t i = 0; i < 3; i++) {
		char v[16];
		memset(v, 'Z', sizeof v);
		if (sbtc_prom_label(exact, exact + size, labels[i], v, sizeof v) && memchr(v, '\0', sizeof v) == NULL)
			abort();
	}
	free(exact);
	/* the scrape's judgement of an answer: a 200 and an error status */
	sbtc_http_response resp = {.status = 200, .body = text, .len = size};
	sbtc_prom_build_info bi;
	sbtc_outcome oc;
	if (sbtc_prom_build_info_answer(&resp, "exporter", &bi, &oc) == SBTC_FETCH_OK) {
		if (!a || memchr(bi.revision, '\0', sizeof bi.revision) == NULL || strncmp(bi.revision, large, 100) != 0)
			abort();
	} else {
		fuzz_check_err(oc.msg, sizeof oc.msg);
	}
	resp.status = 502;
	if (sbtc_prom_build_info_answer(&resp, "exporter", &bi, &oc) != SBTC_FETCH_ERROR)
		abort();
	fuzz_check_err(oc.msg, sizeof oc.msg);
	/* the same bytes as the exporter's URL */
	char *url = sbtc_prom_scrape_url(text);
	size_t tl = strlen(text), ul = strlen(url);
	if (ul != tl && ul != tl + strlen("/metrics"))
		abort();
	free(url);
	free(text);
	return 0;
}
