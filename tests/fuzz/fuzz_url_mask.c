/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for lib/http.c's URL masking: any text as a URL. Besides memory errors
 * it stops on broken promises: a secret that survives masking (the password of the user
 * info, the value of a token= parameter), an origin that is not a prefix of the masked
 * URL, masking that is not idempotent. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A marker that no masking may leave standing after "user:" or "token=". */
#define SECRET "S3CR3T"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *url = malloc(size + 1);
	if (url == NULL)
		return 0;
	memcpy(url, data, size);
	url[size] = '\0';

	char *masked = sbtc_url_mask(url);
	char *origin = sbtc_url_origin(url);
	if (masked == NULL || origin == NULL)
		abort();
	if (strncmp(masked, origin, strlen(origin)) != 0)
		abort();
	char *again = sbtc_url_mask(masked);
	if (strcmp(again, masked) != 0)
		abort();
	free(again);

	/* The same text as the password of a URL's user info and as a token parameter:
	 * the marker must be gone from both. Only when the input cannot itself end the user
	 * info or the parameter early (no '@', '/', '?', '#', '&', ';'). */
	if (strpbrk(url, "@/?#&;:") == NULL && strstr(url, SECRET) == NULL) {
		size_t n = strlen(url);
		static const char head[] = "http://user:" SECRET;
		static const char tail[] = "@127.0.0.1:8332/?token=" SECRET "&a=b";
		char *u = malloc(sizeof head + n + sizeof tail);
		if (u == NULL)
			abort();
		memcpy(u, head, sizeof head - 1);
		memcpy(u + sizeof head - 1, url, n);
		memcpy(u + sizeof head - 1 + n, tail, sizeof tail);
		char *m = sbtc_url_mask(u);
		if (strstr(m, SECRET) != NULL)
			abort();
		free(m);
		free(u);
	}
	free(origin);
	free(masked);
	free(url);
	return 0;
}
