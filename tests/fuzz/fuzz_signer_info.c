/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for lib/signer_api.c: parse any body as the signer's /info, and check
 * that every string it keeps is terminated and free of what would break the output. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "signer_api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void clean(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);
	if (n == cap)
		abort();
	for (size_t i = 0; i < n; i++)
		if (s[i] == '|' || (unsigned char)s[i] < 0x20)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sbtc_signer_info si;
	char err[400];
	if (sbtc_signer_info_parse((const char *)data, size, &si, err, sizeof err) != 0) {
		if (strnlen(err, sizeof err) == sizeof err || err[0] == '\0')
			abort();
		return 0;
	}
	clean(si.bitcoin_node_chain, sizeof si.bitcoin_node_chain);
	clean(si.bitcoin_node_subversion, sizeof si.bitcoin_node_subversion);
	clean(si.stacks_node_version, sizeof si.stacks_node_version);
	clean(si.network, sizeof si.network);
	clean(si.git_revision, sizeof si.git_revision);
	clean(si.bitcoin_signer_tip.hash, sizeof si.bitcoin_signer_tip.hash);
	if (si.bitcoin_signer_tip.known && si.bitcoin_signer_tip.height < 0)
		abort();
	return 0;
}
