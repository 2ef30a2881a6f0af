/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for lib/range.c: arbitrary bytes as a range and as a quantity, with
 * every unit. Besides memory errors it stops on broken promises of the API: a result
 * that is set although parsing failed, a message that is missing or unterminated, a
 * range whose start lies above its end, a quantity that is negative or not finite. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "range.h"

static void check_range(const char *text, sbtc_unit unit)
{
	sbtc_range r;
	char err[128];
	memset(err, 'Z', sizeof err);
	int rc = sbtc_range_parse(text, unit, &r, err, sizeof err);
	if (memchr(err, '\0', sizeof err) == NULL)
		abort();
	if (rc != 0) {
		if (rc != -1 || r.set || err[0] == '\0' || strchr(err, '|') != NULL)
			abort();
		return;
	}
	if (!r.set || err[0] != '\0')
		abort();
	if (!r.start_infinite && !r.end_infinite && !(r.start <= r.end))
		abort();
	if (isnan(r.start) || isnan(r.end))
		abort();

	const double values[] = {0.0, -1.0, 1.0, r.start, r.end, nextafter(r.start, -HUGE_VAL),
	                         nextafter(r.end, HUGE_VAL), HUGE_VAL, -HUGE_VAL, NAN};
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
		bool alert = sbtc_range_alert(&r, values[i]);
		sbtc_thresholds t = {r, r};
		sbtc_state s = sbtc_thresholds_eval(&t, values[i]);
		if (s != (alert ? SBTC_CRITICAL : SBTC_OK))
			abort();
	}
	if (sbtc_range_alert(&r, NAN) != true)
		abort();
	double pv;
	if (sbtc_range_perf_value(&r, &pv) && !isfinite(pv))
		abort();
}

static void check_quantity(const char *text, sbtc_unit unit)
{
	double q = -1.0;
	char err[64];
	int rc = sbtc_quantity_parse(text, unit, &q, err, sizeof err);
	if (memchr(err, '\0', sizeof err) == NULL)
		abort();
	if (rc == 0 && (!isfinite(q) || q < 0.0))
		abort();
	if (rc != 0 && (rc != -1 || q != -1.0 || err[0] == '\0'))
		abort();
	/* Tiny and absent buffers must be tolerated too. */
	char one[1];
	(void)sbtc_quantity_parse(text, unit, &q, one, sizeof one);
	(void)sbtc_quantity_parse(text, unit, &q, NULL, 0);
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
	const sbtc_unit units[] = {SBTC_UNIT_NONE, SBTC_UNIT_DURATION, SBTC_UNIT_SIZE};
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		check_range(text, units[i]);
		check_quantity(text, units[i]);
	}
	free(text);
	return 0;
}
