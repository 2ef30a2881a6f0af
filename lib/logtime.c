/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Times at the start of log lines. */
#define _DEFAULT_SOURCE /* timegm */
#include "logtime.h"

#include <math.h>
#include <string.h>
#include <time.h>

const char *sbtc_logtime_format_name(sbtc_logtime_format f)
{
	switch (f) {
	case SBTC_LOGTIME_RFC3339: return "RFC 3339";
	case SBTC_LOGTIME_EPOCH: return "Unix time";
	case SBTC_LOGTIME_SYSLOG: return "syslog";
	case SBTC_LOGTIME_NONE: break;
	}
	return "none";
}

static bool digits(const char *p, size_t avail, size_t n, int *out)
{
	if (avail < n)
		return false;
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (p[i] - '0');
	}
	*out = v;
	return true;
}

static bool valid_tm(const struct tm *tm)
{
	static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return tm->tm_mon >= 0 && tm->tm_mon < 12 && tm->tm_mday >= 1 && tm->tm_mday <= mdays[tm->tm_mon] &&
	       tm->tm_hour <= 23 && tm->tm_min <= 59 && tm->tm_sec <= 60;
}

/* Local time, or -1 when it cannot be represented. */
static bool local_seconds(struct tm *tm, double *out)
{
	tm->tm_isdst = -1;
	time_t t = mktime(tm);
	if (t == (time_t)-1)
		return false;
	*out = (double)t;
	return true;
}

/* RFC 3339 at p (up to n bytes); *used: the bytes it took. */
static bool rfc3339(const char *p, size_t n, double *out, size_t *used)
{
	struct tm tm = {0};
	int y, mo, d, h, mi, s;
	if (!digits(p, n, 4, &y) || n < 19 || p[4] != '-' || !digits(p + 5, n - 5, 2, &mo) || p[7] != '-' ||
	    !digits(p + 8, n - 8, 2, &d) || (p[10] != 'T' && p[10] != 't' && p[10] != ' ') ||
	    !digits(p + 11, n - 11, 2, &h) || p[13] != ':' || !digits(p + 14, n - 14, 2, &mi) || p[16] != ':' ||
	    !digits(p + 17, n - 17, 2, &s))
		return false;
	if (y < 1970)
		return false;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	if (!valid_tm(&tm))
		return false;
	size_t i = 19;
	double frac = 0, scale = 0.1;
	if (i < n && (p[i] == '.' || p[i] == ',')) {
		i++;
		size_t start = i;
		while (i < n && p[i] >= '0' && p[i] <= '9') {
			if (i - start < 9)
				frac += (p[i] - '0') * scale;
			scale /= 10;
			i++;
		}
		if (i == start)
			return false;
	}
	double t;
	if (i < n && (p[i] == 'Z' || p[i] == 'z')) {
		i++;
		t = (double)timegm(&tm);
	} else if (i < n && (p[i] == '+' || p[i] == '-')) {
		int oh, om;
		size_t j = i + 1;
		if (!digits(p + j, n - j, 2, &oh))
			return false;
		j += 2;
		if (j < n && p[j] == ':')
			j++;
		if (!digits(p + j, n - j, 2, &om) || oh > 23 || om > 59)
			return false;
		int sign = p[i] == '+' ? 1 : -1;
		i = j + 2;
		t = (double)timegm(&tm) - sign * (oh * 3600.0 + om * 60.0);
	} else if (!local_seconds(&tm, &t)) {
		return false;
	}
	*out = t + frac;
	*used = i;
	return true;
}

int sbtc_logtime_rfc3339(const char *text, double *out)
{
	size_t used, n = strlen(text);
	double t;
	if (!rfc3339(text, n, &t, &used) || used != n)
		return -1;
	*out = t;
	return 0;
}

/* "INFO [1787564398.123456]": a level word, a blank, and seconds in brackets. */
static bool epoch(const char *p, size_t n, double *out)
{
	size_t i = 0;
	while (i < n && i < 8 && p[i] >= 'A' && p[i] <= 'Z')
		i++;
	if (i == 0 || i >= n || p[i] != ' ')
		return false;
	while (i < n && p[i] == ' ')
		i++;
	if (i >= n || p[i] != '[')
		return false;
	i++;
	size_t start = i;
	double v = 0;
	while (i < n && p[i] >= '0' && p[i] <= '9' && i - start < 12)
		v = v * 10 + (p[i++] - '0');
	if (i - start < 9 || i - start > 11)
		return false;
	if (i < n && p[i] == '.') {
		double scale = 0.1;
		i++;
		while (i < n && p[i] >= '0' && p[i] <= '9') {
			v += (p[i++] - '0') * scale;
			scale /= 10;
		}
	}
	if (i >= n || p[i] != ']')
		return false;
	*out = v;
	return true;
}

static bool syslog_time(const char *p, size_t n, double ref, double *out)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	if (n < 15 || p[3] != ' ')
		return false;
	int mon = -1;
	for (int m = 0; m < 12; m++)
		if (memcmp(p, months + 3 * m, 3) == 0)
			mon = m;
	if (mon < 0)
		return false;
	int d, h, mi, s;
	if (p[4] == ' ') {
		if (!digits(p + 5, 1, 1, &d))
			return false;
	} else if (!digits(p + 4, 2, 2, &d)) {
		return false;
	}
	if (p[6] != ' ' || !digits(p + 7, 2, 2, &h) || p[9] != ':' || !digits(p + 10, 2, 2, &mi) || p[12] != ':' ||
	    !digits(p + 13, 2, 2, &s))
		return false;
	if (!isfinite(ref) || ref < 0 || ref > 253402300799.0)
		return false;
	time_t r = (time_t)ref;
	struct tm rt;
	if (localtime_r(&r, &rt) == NULL)
		return false;
	for (int back = 0; back <= 1; back++) {
		struct tm tm = {.tm_year = rt.tm_year - back, .tm_mon = mon, .tm_mday = d, .tm_hour = h,
				.tm_min = mi, .tm_sec = s};
		double t;
		if (!valid_tm(&tm) || (mon == 1 && d == 29 && (tm.tm_year + 1900) % 4 != 0))
			continue;
		if (local_seconds(&tm, &t) && t <= ref + 86400.0) {
			*out = t;
			return true;
		}
	}
	return false;
}

sbtc_logtime_format sbtc_logtime_parse(const char *line, size_t len, double ref, double *out)
{
	size_t i = 0, used;
	double t;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i < len && line[i] == '[')
		i++;
	if (rfc3339(line + i, len - i, &t, &used)) {
		*out = t;
		return SBTC_LOGTIME_RFC3339;
	}
	if (epoch(line + i, len - i, &t)) {
		*out = t;
		return SBTC_LOGTIME_EPOCH;
	}
	if (syslog_time(line + i, len - i, ref, &t)) {
		*out = t;
		return SBTC_LOGTIME_SYSLOG;
	}
	return SBTC_LOGTIME_NONE;
}
