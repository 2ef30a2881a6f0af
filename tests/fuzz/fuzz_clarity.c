/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for lib/clarity.c: the input as serialised bytes, and the same input
 * as hex text (as a node's JSON carries it). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clarity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void decode_and_describe(clarity_value *v)
{
	/* A small buffer exercises truncation; a large one the whole rendering. */
	char small[16];
	char large[512];

	clarity_describe(v, small, sizeof small);
	clarity_describe(v, large, sizeof large);
	if (strlen(small) >= sizeof small || strlen(large) >= sizeof large)
		abort();
	clarity_free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	clarity_value *v = NULL;
	char err[256];
	char *text;

	if (clarity_decode(data, size, &v, err, sizeof err) == 0) {
		decode_and_describe(v);
	} else if (v != NULL || strlen(err) == 0) {
		abort(); /* a failure must leave no tree and say why */
	}

	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	v = NULL;
	if (clarity_decode_hex(text, &v, err, sizeof err) == 0)
		decode_and_describe(v);
	else if (v != NULL || strlen(err) == 0)
		abort();
	free(text);
	return 0;
}
