/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "prometheus_text.h"

#include <stdio.h>
#include <string.h>

bool sbtc_prom_label(const char *labels, const char *end, const char *label, char *dst, size_t dstlen)
{
	size_t ll = strlen(label);
	const char *p = labels;
	while (p < end) {
		while (p < end && (*p == ' ' || *p == ','))
			p++;
		const char *name = p;
		while (p < end && *p != '=' && *p != '}')
			p++;
		if (p >= end || *p != '=' || p + 1 >= end || p[1] != '"')
			return false;
		size_t nl = (size_t)(p - name);
		while (nl > 0 && name[nl - 1] == ' ')
			nl--;
		p += 2;
		size_t n = 0;
		bool match = nl == ll && memcmp(name, label, ll) == 0;
		while (p < end && *p != '"') {
			char c = *p++;
			if (c == '\\' && p < end) {
				c = *p++;
				if (c == 'n')
					c = '\n';
			}
			if (match && n + 1 < dstlen)
				dst[n++] = c;
		}
		if (p >= end)
			return false;
		p++; /* closing quote */
		if (match) {
			dst[n] = '\0';
			return true;
		}
	}
	return false;
}

bool sbtc_prom_build_info_revision(const char *body, char *dst, size_t dstlen)
{
	bool found = false;
	for (const char *line = body; line != NULL && *line; ) {
		const char *eol = strchr(line, '\n');
		const char *end = eol ? eol : line + strlen(line);
		const char *brace = memchr(line, '{', (size_t)(end - line));
		if (line[0] != '#' && brace != NULL) {
			size_t nl = (size_t)(brace - line);
			bool is_build_info = (nl == 10 && memcmp(line, "build_info", 10) == 0) ||
					     (nl > 11 && memcmp(brace - 11, "_build_info", 11) == 0);
			const char *close = brace;
			/* the closing brace is the last one before the value */
			for (const char *q = brace; q < end; q++)
				if (*q == '}')
					close = q;
			char rev[128], app[64];
			if (is_build_info && close > brace &&
			    sbtc_prom_label(brace + 1, close, "revision", rev, sizeof rev)) {
				bool signer = sbtc_prom_label(brace + 1, close, "app", app, sizeof app) &&
					      strcmp(app, "signer") == 0;
				if (!found || signer) {
					snprintf(dst, dstlen, "%s", rev);
					found = true;
				}
				if (signer)
					return true;
			}
		}
		line = eol ? eol + 1 : NULL;
	}
	return found;
}
