/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for lib/prometheus_text.c: any bytes as a metrics exporter's text
 * body, and the same bytes as a label set. Besides memory errors it stops on broken
 * promises: a found revision that is unterminated or longer than its buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
	free(text);
	return 0;
}
