/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "human.h"

#include <math.h>
#include <stdio.h>

char *sbtc_format_duration(double seconds, char *dst, size_t dstlen)
{
	double s = fabs(seconds);
	if (!isfinite(s)) {
		snprintf(dst, dstlen, "?");
		return dst;
	}
	/* Beyond what an unsigned long long holds (and far beyond any real age): days only. */
	if (s >= 1e15) {
		snprintf(dst, dstlen, "%s%.0fd", seconds < 0 ? "-" : "", floor(s / 86400));
		return dst;
	}
	unsigned long long t = (unsigned long long)(s + 0.5);
	/* Only a value that does not round to zero has a sign: -0.2 s is "0s". */
	const char *sign = seconds < 0 && t > 0 ? "-" : "";
	unsigned long long d = t / 86400, h = t % 86400 / 3600, m = t % 3600 / 60, sec = t % 60;
	if (d > 0)
		snprintf(dst, dstlen, "%s%llud %lluh", sign, d, h);
	else if (h > 0)
		snprintf(dst, dstlen, "%s%lluh %llum", sign, h, m);
	else if (m > 0)
		snprintf(dst, dstlen, "%s%llum %llus", sign, m, sec);
	else
		snprintf(dst, dstlen, "%s%llus", sign, sec);
	return dst;
}

char *sbtc_format_size(double bytes, char *dst, size_t dstlen)
{
	static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
	const size_t nunits = sizeof units / sizeof units[0];
	size_t u = 0;
	double v = bytes;
	if (!isfinite(v)) {
		snprintf(dst, dstlen, "?");
		return dst;
	}
	/* Move up while the value would be printed as 1000 or more: 999.5 B is "1.0 kB"
	 * rather than "1000 B", and 999.96 kB is "1.0 MB" rather than "1000.0 kB". */
	while (u + 1 < nunits && fabs(v) >= (u == 0 ? 999.5 : 999.95)) {
		v /= 1000;
		u++;
	}
	if (u == 0)
		snprintf(dst, dstlen, "%.0f B", fabs(v) < 0.5 ? 0.0 : v); /* never "-0 B" */
	else
		snprintf(dst, dstlen, "%.1f %s", v, units[u]);
	return dst;
}
