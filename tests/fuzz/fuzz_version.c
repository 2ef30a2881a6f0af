/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for lib/version.c: arbitrary bytes as a version, a Stacks
 * server_version and a Bitcoin subversion. Besides memory errors it stops on broken
 * promises of the API: output touched on failure, a missing or unterminated message,
 * a '|' or newline in a message, an order that is not antisymmetric and reflexive. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "version.h"

static void check_message(const char *err, size_t len, int rc)
{
	if (memchr(err, '\0', len) == NULL)
		abort();
	if (rc != 0 && (err[0] == '\0' || strchr(err, '|') != NULL || strchr(err, '\n') != NULL))
		abort();
}

static void check_version(const sbtc_version *v)
{
	if (v->nparts < 2 || v->nparts > SBTC_VERSION_MAX_PARTS)
		abort();
	if (memchr(v->text, '\0', sizeof v->text) == NULL)
		abort();
	if (sbtc_version_cmp(v, v) != 0)
		abort();
	/* parsing the text it keeps gives the same version */
	sbtc_version again;
	if (sbtc_version_parse(v->text, &again, NULL, 0) == 0 && sbtc_version_cmp(v, &again) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (text == NULL)
		return 0;
	if (size > 0)
		memcpy(text, data, size);
	text[size] = '\0';
	/* Two versions from one input: split at the first tab when there is one. */
	char *second = strchr(text, '\t');
	sbtc_version a, b, untouched;
	memset(&a, 0x5a, sizeof a);
	untouched = a;
	char err[160];
	memset(err, 'Z', sizeof err);
	int rc = sbtc_version_parse(text, &a, err, sizeof err);
	check_message(err, sizeof err, rc);
	if (rc != 0 && memcmp(&a, &untouched, sizeof a) != 0)
		abort();
	if (rc == 0) {
		check_version(&a);
		if (second != NULL && sbtc_version_parse(second + 1, &b, NULL, 0) == 0) {
			int x = sbtc_version_cmp(&a, &b), y = sbtc_version_cmp(&b, &a);
			if ((x > 0) != (y < 0) || (x == 0) != (y == 0))
				abort();
		}
	}
	rc = sbtc_version_from_stacks_server(text, &a, err, sizeof err);
	check_message(err, sizeof err, rc);
	if (rc == 0)
		check_version(&a);
	rc = sbtc_version_from_bitcoin_subversion(text, &a, err, sizeof err);
	check_message(err, sizeof err, rc);
	if (rc == 0)
		check_version(&a);
	(void)sbtc_version_is_commit(text);
	char commit[41];
	if (sbtc_version_git_describe(text, commit, sizeof commit) && !sbtc_version_is_commit(commit) &&
	    strspn(commit, "0123456789") != strlen(commit))
		abort();
	free(text);
	return 0;
}
