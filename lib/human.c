#include "human.h"

#include <math.h>
#include <stdio.h>

char *sbtc_format_duration(double seconds, char *dst, size_t dstlen)
{
	const char *sign = seconds < 0 ? "-" : "";
	double s = fabs(seconds);
	if (!isfinite(s)) {
		snprintf(dst, dstlen, "?");
		return dst;
	}
	unsigned long long t = (unsigned long long)(s + 0.5);
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
	size_t u = 0;
	double v = bytes;
	while (fabs(v) >= 1000 && u + 1 < sizeof units / sizeof units[0]) {
		v /= 1000;
		u++;
	}
	if (u == 0)
		snprintf(dst, dstlen, "%.0f B", v);
	else
		snprintf(dst, dstlen, "%.1f %s", v, units[u]);
	return dst;
}
