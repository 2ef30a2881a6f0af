/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for lib/json_field.c: parse the input, then look up a few paths with
 * every getter, plain and optional. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_field.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const paths[] = {
	"",
	"a",
	"a.b",
	"0",
	"0.a",
	"a.0",
	"a.0.b",
	"okay",
	"result",
	"bitcoin.signer_tip.block_height",
	"stacks_tip_height",
	"items.1.name",
	"a..b",
};

static void check_err(int rc, const char *err)
{
	/* Every outcome other than success explains itself. */
	if (rc != 0 && strlen(err) == 0)
		abort();
	if (rc < -1 || rc > 1)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_object *doc = NULL;
	char err[256];
	size_t i;
	unsigned flags;

	err[0] = '\0';
	if (sbtc_json_parse((const char *)data, size, &doc, err, sizeof err) != 0) {
		if (doc != NULL || strlen(err) == 0)
			abort();
		return 0;
	}
	for (i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		for (flags = 0; flags <= SBTC_JSON_ABSENT_OK; flags++) {
			json_object *o;
			const char *s;
			int64_t n;
			double d;
			bool b;
			int rc;

			err[0] = '\0';
			rc = sbtc_json_get_object_opt(doc, paths[i], flags, &o, err, sizeof err);
			check_err(rc, err);
			err[0] = '\0';
			rc = sbtc_json_get_array_opt(doc, paths[i], flags, &o, err, sizeof err);
			check_err(rc, err);
			err[0] = '\0';
			rc = sbtc_json_get_string_opt(doc, paths[i], flags, &s, err, sizeof err);
			check_err(rc, err);
			if (rc == 0 && strlen(s) > (size_t)size)
				abort();
			err[0] = '\0';
			rc = sbtc_json_get_int64_opt(doc, paths[i], flags, &n, err, sizeof err);
			check_err(rc, err);
			err[0] = '\0';
			rc = sbtc_json_get_double_opt(doc, paths[i], flags, &d, err, sizeof err);
			check_err(rc, err);
			err[0] = '\0';
			rc = sbtc_json_get_bool_opt(doc, paths[i], flags, &b, err, sizeof err);
			check_err(rc, err);
		}
		err[0] = '\0';
		{
			int64_t n;
			check_err(sbtc_json_get_int64(doc, paths[i], &n, err, sizeof err), err);
		}
	}
	json_object_put(doc);
	return 0;
}
