/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for lib/secret_scan.c: any bytes as a TOML config, environment file,
 * compose file or systemd unit (the first byte chooses which). Besides memory errors it
 * stops on broken promises: a finding on a line the text does not have, a name that is
 * not one of the constants, a refused line without a reason, a reason that is not one
 * clean line, a referenced file name that is empty. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "secret_scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *text = (const char *)data + 1;
	size_t len = size - 1;
	unsigned long lines = 1;
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	sbtc_secret_scan s;
	sbtc_secret_scan_text((sbtc_conf_kind)(data[0] & 3), text, len, &s);
	for (size_t i = 0; i < s.n; i++) {
		const char *n = s.hits[i].name;
		if (s.hits[i].line < 1 || s.hits[i].line > lines)
			abort();
		if (strcmp(n, "private_key") != 0 && strcmp(n, "db_endpoint") != 0 &&
		    strcmp(n, "SIGNER_SIGNER__PRIVATE_KEY") != 0 && strcmp(n, "SIGNER_SIGNER__DB_ENDPOINT") != 0 &&
		    strcmp(n, "POSTGRES_PASSWORD") != 0)
			abort();
	}
	if (s.bad_line != 0) {
		if (s.bad_line > lines || s.bad_lines == 0)
			abort();
		fuzz_check_err(s.bad_why, sizeof s.bad_why);
	} else if (s.bad_lines != 0) {
		abort();
	}
	for (size_t i = 0; i < s.nenv_files; i++)
		if (s.env_files[i][0] == '\0')
			abort();
	sbtc_secret_scan_free(&s);
	return 0;
}
