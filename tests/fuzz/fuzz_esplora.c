/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for lib/esplora.c: any body as /blocks/tip/height. A height is
 * taken only when the body is digits and blanks; the message quotes the body safely. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "esplora.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int64_t h = -1;
	char err[300];
	memset(err, 'Z', sizeof err);
	if (sbtc_esplora_tip_parse((const char *)data, size, &h, err, sizeof err) != 0) {
		fuzz_check_err(err, sizeof err);
		if (h != -1)
			abort();
		return 0;
	}
	size_t digits = 0;
	for (size_t i = 0; i < size; i++) {
		if (data[i] >= '0' && data[i] <= '9')
			digits++;
		else if (!strchr(" \t\r\n", data[i]) || data[i] == '\0')
			abort();
	}
	if (h < 0 || digits == 0 || digits > 10)
		abort();
	return 0;
}
