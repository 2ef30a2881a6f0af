/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for lib/proc_cmdline.c's judges: any bytes as a process's command line
 * (NUL-separated arguments) and as /proc's mount options. Besides memory errors it stops
 * when a verdict is not one of the constant descriptions, or hidepid's value is not a
 * terminated string within its buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proc_cmdline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *what = sbtc_cmdline_judge((const char *)data, size);
	if (what != NULL && strstr(what, "private key") == NULL && strstr(what, "PRIVATE_KEY") == NULL)
		abort();
	char v[24];
	memset(v, 'Z', sizeof v);
	bool hides = sbtc_hidepid_hides((const char *)data, size, v, sizeof v);
	if (strnlen(v, sizeof v) == sizeof v)
		abort();
	if (hides && v[0] == '\0')
		abort();
	return 0;
}
