/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for lib/authorized_keys.c: arbitrary bytes as an authorized_keys
 * file. Every key has a known type, a decoded blob and a clean comment; every skipped
 * line a message; no message holds base64 text of the line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authorized_keys.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sbtc_ak_list l;
	sbtc_ak_parse((const char *)data, size, &l);
	for (size_t i = 0; i < l.n; i++) {
		const sbtc_ak_key *k = &l.keys[i];
		if (k->line == 0 || k->type[0] == '\0' || k->blob == NULL || k->bloblen < 4)
			abort();
		if (k->hardware != sbtc_ak_type_is_hardware(k->type))
			abort();
		fuzz_check_clean(k->comment, sizeof k->comment);
		if (strlen(k->comment) > SBTC_AK_COMMENT_MAX)
			abort();
	}
	for (size_t i = 0; i < l.nbad; i++) {
		fuzz_check_err(l.bad[i].why, sizeof l.bad[i].why);
		if (l.bad[i].line == 0)
			abort();
	}
	sbtc_ak_list_free(&l);
	return 0;
}
