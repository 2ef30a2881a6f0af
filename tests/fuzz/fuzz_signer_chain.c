/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for the parsers of check_sbtc_signer's chain and Emily sides. The first
 * byte picks one, the rest is its input:
 *   0  a serialised Clarity value as get-current-signer-data, -signer-set and
 *      -signer-principal (lib/signer_chain.c)
 *   1  a /v2/accounts document (lib/signer_chain.c)
 *   2  the first line of an Emily URL file (lib/emily.c): the key never in a message
 *   3  an Emily /health document (lib/emily.c) */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "clarity.h"
#include "emily.h"
#include "json_field.h"
#include "signer_chain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void terminated(const char *s, size_t cap)
{
	if (strnlen(s, cap) == cap)
		abort();
}

static void chain(const uint8_t *data, size_t size)
{
	clarity_value *v = NULL;
	char err[400];
	sbtc_signer_chain c;
	if (clarity_decode(data, size, &v, err, sizeof err) != 0)
		return;
	if (sbtc_signer_data_from_value(v, &c, err, sizeof err) == SBTC_FETCH_OK) {
		if (!c.has_set || c.nkeys > SBTC_SIGNER_SET_MAX || !c.has_principal || c.threshold < 0 ||
		    c.principal[0] != 'S')
			abort();
		for (size_t i = 0; i < c.nkeys; i++)
			if (c.keys[i][0] != 0x02 && c.keys[i][0] != 0x03)
				abort();
	} else {
		terminated(err, sizeof err);
	}
	memset(&c, 0, sizeof c);
	(void)sbtc_signer_set_from_value(v, &c, err, sizeof err);
	if (sbtc_signer_principal_from_value(v, &c, err, sizeof err) == SBTC_FETCH_OK)
		terminated(c.principal, sizeof c.principal);
	clarity_free(v);
}

static json_object *doc_of(const uint8_t *data, size_t size)
{
	json_object *doc = NULL;
	char err[300];
	if (sbtc_json_parse((const char *)data, size, &doc, err, sizeof err) != 0)
		return NULL;
	return doc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[400];
	if (size < 1)
		return 0;
	uint8_t kind = data[0] % 4;
	data++;
	size--;
	if (kind == 0) {
		chain(data, size);
	} else if (kind == 1) {
		json_object *doc = doc_of(data, size);
		sbtc_stacks_account a;
		if (doc != NULL && sbtc_stacks_account_parse(doc, &a, err, sizeof err) == 0 &&
		    (a.balance_ustx < 0 || a.nonce < 0))
			abort();
		json_object_put(doc);
	} else if (kind == 2) {
		char *text = malloc(size + 1);
		if (text == NULL)
			return 0;
		memcpy(text, data, size);
		text[size] = '\0';
		sbtc_emily_endpoint e;
		/* No user info (the key) in what messages show, and no message repeats the text. */
		if (sbtc_emily_url_split(text, &e, err, sizeof err) == 0) {
			if (strchr(e.base, '@') != NULL || strchr(e.host, '@') != NULL)
				abort();
		} else if (strchr(err, '@') != NULL) {
			abort();
		}
		sbtc_emily_endpoint_free(&e);
		free(text);
	} else {
		json_object *doc = doc_of(data, size);
		sbtc_emily_health h;
		if (doc != NULL && sbtc_emily_health_parse(doc, &h, err, sizeof err) == 0) {
			terminated(h.version, sizeof h.version);
			if (strchr(h.version, '|') != NULL)
				abort();
		}
		json_object_put(doc);
	}
	return 0;
}
