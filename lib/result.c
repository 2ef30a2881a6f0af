/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "result.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deadline.h"
#include "fatal.h"
#include "strbuf.h"

struct sbtc_result {
	sbtc_state state; /* this node's own state; rendering combines it with the children's */
	char *text;       /* for the root: the summary (NULL: derived from the worst children) */
	char *ok_text;    /* for the root: the summary when the run ends OK */
	char *id;         /* stable sub-check name (sbtc_result_set_id); NULL when none */
	sbtc_result **children;
	size_t nchildren;
	size_t children_cap;
	sbtc_perf *perf;
	size_t nperf;
	size_t perf_cap;
};

/* A name the code gave that breaks its rule: ends the run UNKNOWN, whatever the format. */
_Noreturn static void programming_error(const char *what, const char *name, const char *rule)
{
	char msg[200];
	snprintf(msg, sizeof msg, "internal error: %s '%.60s' is not %s", what, name, rule);
	sbtc_fatal(msg);
}

sbtc_result *sbtc_result_new(void)
{
	sbtc_result *r = sbtc_xcalloc(1, sizeof *r);
	r->state = SBTC_OK;
	return r;
}

void sbtc_result_free(sbtc_result *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nchildren; i++)
		sbtc_result_free(r->children[i]);
	free(r->children);
	for (size_t i = 0; i < r->nperf; i++)
		free(r->perf[i].label);
	free(r->perf);
	free(r->text);
	free(r->ok_text);
	free(r->id);
	free(r);
}

__attribute__((format(printf, 2, 0))) static void set_text(sbtc_result *r, const char *fmt, va_list ap)
{
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	sbtc_strbuf_vprintf(&b, fmt, ap);
	free(r->text);
	r->text = sbtc_strbuf_steal(&b);
}

sbtc_result *sbtc_result_add(sbtc_result *parent, sbtc_state state, const char *fmt, ...)
{
	sbtc_result *r = sbtc_result_new();
	va_list ap;
	r->state = state;
	va_start(ap, fmt);
	set_text(r, fmt, ap);
	va_end(ap);
	if (parent->nchildren == parent->children_cap) {
		parent->children_cap = parent->children_cap ? parent->children_cap * 2 : 4;
		parent->children = sbtc_xrealloc(parent->children,
						 parent->children_cap * sizeof *parent->children);
	}
	parent->children[parent->nchildren++] = r;
	return r;
}

void sbtc_result_set(sbtc_result *r, sbtc_state state, const char *fmt, ...)
{
	va_list ap;
	r->state = state;
	va_start(ap, fmt);
	set_text(r, fmt, ap);
	va_end(ap);
}

void sbtc_result_set_summary(sbtc_result *root, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_text(root, fmt, ap);
	va_end(ap);
}

void sbtc_result_set_ok_summary(sbtc_result *root, const char *fmt, ...)
{
	va_list ap;
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	va_start(ap, fmt);
	sbtc_strbuf_vprintf(&b, fmt, ap);
	va_end(ap);
	free(root->ok_text);
	root->ok_text = sbtc_strbuf_steal(&b);
}

const char *sbtc_result_summary(const sbtc_result *r)
{
	return r->text;
}

const char *sbtc_result_ok_summary(const sbtc_result *root)
{
	return root->ok_text;
}

const char *sbtc_result_text(const sbtc_result *r)
{
	return r->text != NULL ? r->text : "";
}

sbtc_state sbtc_result_own_state(const sbtc_result *r)
{
	return r->state;
}

size_t sbtc_result_nchildren(const sbtc_result *r)
{
	return r->nchildren;
}

sbtc_result *sbtc_result_child(const sbtc_result *r, size_t i)
{
	return i < r->nchildren ? r->children[i] : NULL;
}

size_t sbtc_result_nperf(const sbtc_result *r)
{
	return r->nperf;
}

const sbtc_perf *sbtc_result_perf(const sbtc_result *r, size_t i)
{
	return i < r->nperf ? &r->perf[i] : NULL;
}

sbtc_state sbtc_result_state(const sbtc_result *r)
{
	sbtc_state s = r->state;
	for (size_t i = 0; i < r->nchildren; i++)
		s = sbtc_state_worst(s, sbtc_result_state(r->children[i]));
	return s;
}

void sbtc_perf_add(sbtc_result *r, const char *label, double value, const char *uom,
		   const sbtc_thresholds *t, double min, double max)
{
	if (r->nperf == r->perf_cap) {
		r->perf_cap = r->perf_cap ? r->perf_cap * 2 : 8;
		r->perf = sbtc_xrealloc(r->perf, r->perf_cap * sizeof *r->perf);
	}
	sbtc_perf *p = &r->perf[r->nperf++];
	memset(p, 0, sizeof *p);
	p->label = sbtc_xstrdup(label);
	p->value = value;
	sbtc_strlcpy(p->uom, uom ? uom : "", sizeof p->uom);
	if (t != NULL) {
		p->warning = t->warning;
		p->critical = t->critical;
	}
	p->min = min;
	p->max = max;
}

/* [a-z] first, then [a-z0-9_] (digits only when allowed), 1..max characters. */
static bool plain_name(const char *s, size_t max, bool digits_and_underscore)
{
	size_t n = strlen(s);
	if (n == 0 || n > max || !(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	for (size_t i = 1; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (digits_and_underscore && ((c >= '0' && c <= '9') || c == '_'))))
			return false;
	}
	return true;
}

sbtc_result *sbtc_result_set_id(sbtc_result *r, const char *id)
{
	if (!plain_name(id, 48, true))
		programming_error("sub-check id", id, "[a-z][a-z0-9_]*");
	free(r->id);
	r->id = sbtc_xstrdup(id);
	return r;
}

const char *sbtc_result_id(const sbtc_result *r)
{
	return r->id;
}

void sbtc_perf_add_count(sbtc_result *r, const char *label, double value, const char *unit_word,
			 const sbtc_thresholds *t, double min, double max)
{
	if (!plain_name(unit_word, sizeof r->perf[0].unit_word - 1, false))
		programming_error("unit word", unit_word, "[a-z]+");
	sbtc_perf_add(r, label, value, "", t, min, max);
	sbtc_strlcpy(r->perf[r->nperf - 1].unit_word, unit_word, sizeof r->perf[0].unit_word);
}

void sbtc_perf_add_seconds(sbtc_result *r, const char *label, double seconds)
{
	sbtc_perf_add(r, label, round(seconds * 1e6) / 1e6, "s", NULL, 0, NAN);
}

void sbtc_perf_add_time(sbtc_result *r)
{
	sbtc_perf_add_seconds(r, "time", sbtc_elapsed());
}
