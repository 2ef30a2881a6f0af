/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "state.h"

#include <stdlib.h>
#include <strings.h>

const char *sbtc_state_name(sbtc_state s)
{
	switch (s) {
	case SBTC_OK: return "OK";
	case SBTC_WARNING: return "WARNING";
	case SBTC_CRITICAL: return "CRITICAL";
	case SBTC_UNKNOWN: return "UNKNOWN";
	}
	return "UNKNOWN";
}

int sbtc_state_parse(const char *text)
{
	static const char *const names[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};
	if (text == NULL || *text == '\0')
		return -1;
	for (int i = 0; i < 4; i++)
		if (strcasecmp(text, names[i]) == 0)
			return i;
	if (text[1] == '\0' && text[0] >= '0' && text[0] <= '3')
		return text[0] - '0';
	return -1;
}

int sbtc_state_rank(sbtc_state s)
{
	switch (s) {
	case SBTC_OK: return 0;
	case SBTC_UNKNOWN: return 1;
	case SBTC_WARNING: return 2;
	case SBTC_CRITICAL: return 3;
	}
	return 1;
}

sbtc_state sbtc_state_worst(sbtc_state a, sbtc_state b)
{
	return sbtc_state_rank(a) >= sbtc_state_rank(b) ? a : b;
}
