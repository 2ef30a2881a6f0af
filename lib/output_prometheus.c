/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "output_prometheus.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fatal.h"
#include "strbuf.h"

/*
 * The format: https://prometheus.io/docs/instrumenting/exposition_formats/ (text format
 * 0.0.4). Each family once, HELP and TYPE before its samples, its samples together;
 * label values escape \ " and newline; values are our plain decimals (never NaN or Inf:
 * an undetermined value, perfdata 'U', gives no sample at all). `promtool check metrics`
 * accepts the result without a warning (tests/integration/test_prometheus_output.py).
 */

double sbtc_wall_clock(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0;
	return (double)ts.tv_sec + (double)(ts.tv_nsec / 1000) / 1e6;
}

/* A bounded writer that never allocates: the status paths run out of memory or in a
 * dying process. A write that does not fit marks the buffer full; whole lines only are
 * kept (see line_end). */
typedef struct {
	char *buf;
	size_t len, cap, line_start;
	bool full;
} fixed_buf;

static void fb_puts(fixed_buf *f, const char *s)
{
	size_t n = strlen(s);
	if (f->full || f->len + n >= f->cap) {
		f->full = true;
		return;
	}
	memcpy(f->buf + f->len, s, n);
	f->len += n;
	f->buf[f->len] = '\0';
}

/* Ends a line: keeps it when it was written whole, else cuts back to the last line. */
static void fb_line_end(fixed_buf *f)
{
	fb_puts(f, "\n");
	if (f->full) {
		f->len = f->line_start;
		f->buf[f->len] = '\0';
		return;
	}
	f->line_start = f->len;
}

/* The check label's value as a label value: lower case (the status line says "BACKUP",
 * the series check="backup"), with \ " and newline escaped as the format requires. */
static void fb_label_value(fixed_buf *f, const char *v)
{
	char one[3];
	for (const char *p = v; *p; p++) {
		char c = *p;
		if (c == '\\' || c == '"') {
			one[0] = '\\';
			one[1] = c;
			one[2] = '\0';
		} else if (c == '\n') {
			one[0] = '\\';
			one[1] = 'n';
			one[2] = '\0';
		} else {
			one[0] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
			one[1] = '\0';
		}
		fb_puts(f, one);
	}
}

static void fb_number(fixed_buf *f, double v)
{
	char n[SBTC_NUMBER_MAX];
	fb_puts(f, sbtc_format_number(isfinite(v) ? v : 0, n, sizeof n));
}

static void fb_family(fixed_buf *f, const char *name, const char *help)
{
	fb_puts(f, "# HELP ");
	fb_puts(f, name);
	fb_puts(f, " ");
	fb_puts(f, help);
	fb_line_end(f);
	fb_puts(f, "# TYPE ");
	fb_puts(f, name);
	fb_puts(f, " gauge");
	fb_line_end(f);
}

/* name{check="label"[,sub="sub"]} value */
static void fb_sample(fixed_buf *f, const char *name, const char *check, const char *sub, double value)
{
	fb_puts(f, name);
	fb_puts(f, "{check=\"");
	fb_label_value(f, check);
	if (sub != NULL) {
		fb_puts(f, "\",sub=\"");
		fb_label_value(f, sub);
	}
	fb_puts(f, "\"} ");
	fb_number(f, value);
	fb_line_end(f);
}

#define HELP_STATE "State of the check (sub: of one sub-check): 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN, as its exit code."
#define HELP_DURATION "Seconds the check's run took."
#define HELP_LAST_RUN "Unix time at which the check's run ended."

static void fb_tail(fixed_buf *f, const char *check, double duration, double wall_now)
{
	fb_family(f, "sbtc_check_duration_seconds", HELP_DURATION);
	fb_sample(f, "sbtc_check_duration_seconds", check, NULL, round(duration * 1e6) / 1e6);
	fb_family(f, "sbtc_check_last_run_timestamp_seconds", HELP_LAST_RUN);
	fb_sample(f, "sbtc_check_last_run_timestamp_seconds", check, NULL, round(wall_now * 1e3) / 1e3);
}

size_t sbtc_prom_render_status(char *buf, size_t len, const char *check_label, sbtc_state state, double duration,
			       double wall_now)
{
	fixed_buf f = {buf, 0, len, 0, false};
	buf[0] = '\0';
	fb_family(&f, "sbtc_check_state", HELP_STATE);
	fb_sample(&f, "sbtc_check_state", check_label, NULL, (double)state);
	fb_tail(&f, check_label, duration, wall_now);
	return f.len;
}

/* --- the whole tree --- */

typedef struct {
	const char *id;
	sbtc_state state;
} sub_state;

typedef struct {
	sub_state *v;
	size_t n, cap;
} sub_states;

/* Every id in the tree, in the order first met (depth first, as added); an id met again
 * takes the worst state. */
static void collect_ids(sub_states *s, const sbtc_result *r)
{
	for (size_t i = 0; i < sbtc_result_nchildren(r); i++) {
		const sbtc_result *c = sbtc_result_child(r, i);
		const char *id = sbtc_result_id(c);
		if (id != NULL) {
			size_t k = 0;
			while (k < s->n && strcmp(s->v[k].id, id) != 0)
				k++;
			if (k == s->n) {
				if (s->n == s->cap) {
					s->cap = s->cap ? s->cap * 2 : 8;
					s->v = sbtc_xrealloc(s->v, s->cap * sizeof *s->v);
				}
				s->v[s->n].id = id;
				s->v[s->n].state = SBTC_OK;
				s->n++;
			}
			s->v[k].state = sbtc_state_worst(s->v[k].state, sbtc_result_state(c));
		}
		collect_ids(s, c);
	}
}

/* The names given so far, for the one-series-per-name rule. */
typedef struct {
	char **v;
	size_t n, cap;
} name_set;

static bool names_has(const name_set *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], name) == 0)
			return true;
	return false;
}

static void names_add(name_set *s, const char *name)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->v = sbtc_xrealloc(s->v, s->cap * sizeof *s->v);
	}
	s->v[s->n++] = sbtc_xstrdup(name);
}

static void names_free(name_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

/* Appends text as a piece of a metric name: [a-zA-Z0-9_] kept (letters in lower case),
 * anything else '_'. */
static void name_piece(sbtc_strbuf *b, const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		unsigned char c = *p;
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		sbtc_strbuf_putc(b, ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') ? (char)c : '_');
	}
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return k <= n && strcmp(s + n - k, suffix) == 0 && (k == n || s[n - k - 1] == '_');
}

/* The base unit a perfdata item is given in ("" for none) and the factor to it. */
static const char *unit_of(const sbtc_perf *p, double *factor)
{
	*factor = 1;
	if (strcmp(p->uom, "s") == 0)
		return "seconds";
	if (strcmp(p->uom, "B") == 0)
		return "bytes";
	if (strcmp(p->uom, "%") == 0) {
		*factor = 0.01;
		return "ratio";
	}
	if (p->uom[0] == '\0')
		return p->unit_word; /* "" when unsaid */
	return ""; /* "c", a counter's total: no unit word of its own */
}

/* sbtc_<check>_<label>[_<unit>]: the unit is not added twice to a label that ends in it. */
static char *metric_name(const char *check, const sbtc_perf *p, double *factor)
{
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	sbtc_strbuf_puts(&b, "sbtc_");
	name_piece(&b, check);
	sbtc_strbuf_putc(&b, '_');
	size_t label_at = b.len;
	name_piece(&b, p->label);
	const char *unit = unit_of(p, factor);
	if (unit[0] != '\0' && !ends_with(b.data + label_at, unit)) {
		sbtc_strbuf_putc(&b, '_');
		sbtc_strbuf_puts(&b, unit);
	}
	return sbtc_strbuf_steal(&b);
}

/* The limit of a plain upper bound ("N", "0:N", "~:N"): true with *v set. Lower bounds,
 * '@' ranges, "A:B" with A other than 0 and open ends give no threshold series. */
static bool upper_bound(const sbtc_range *r, double *v)
{
	if (!r->set || r->inside || r->end_infinite || !isfinite(r->end))
		return false;
	if (!r->start_infinite && r->start != 0)
		return false;
	*v = r->end;
	return true;
}

static void strbuf_number(sbtc_strbuf *b, double v)
{
	char n[SBTC_NUMBER_MAX];
	sbtc_strbuf_puts(b, sbtc_format_number(v, n, sizeof n));
}

/* One family with one sample, in the strbuf (the whole tree may be large). */
static void gauge(sbtc_strbuf *b, const char *name, const char *help, const char *check_value, double v)
{
	sbtc_strbuf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n%s{check=\"%s\"} ", name, help, name, name,
			   check_value);
	strbuf_number(b, v);
	sbtc_strbuf_putc(b, '\n');
}

static void perf_series(sbtc_strbuf *b, name_set *names, const char *check, const char *check_value,
			const sbtc_result *r)
{
	for (size_t i = 0; i < sbtc_result_nperf(r); i++) {
		const sbtc_perf *p = sbtc_result_perf(r, i);
		if (!isfinite(p->value))
			continue; /* 'U': nothing measured, no sample */
		double factor;
		char *name = metric_name(check, p, &factor);
		double warn = 0, crit = 0;
		bool has_warn = upper_bound(&p->warning, &warn) && isfinite(warn * factor);
		bool has_crit = upper_bound(&p->critical, &crit) && isfinite(crit * factor);
		char *wname = sbtc_xasprintf("%s_warning_threshold", name);
		char *cname = sbtc_xasprintf("%s_critical_threshold", name);
		if (names_has(names, name) || (has_warn && names_has(names, wname)) ||
		    (has_crit && names_has(names, cname))) {
			/* Two items that would give one series: the first stands, so the output
			 * stays valid and the same from run to run; the comment lets a test find it. */
			sbtc_strbuf_printf(b, "# sbtc: dropped perfdata ");
			name_piece(b, p->label);
			sbtc_strbuf_printf(b, ": series %s is given already\n", name);
		} else {
			sbtc_strbuf help = SBTC_STRBUF_INIT;
			sbtc_strbuf_puts(&help, "Performance data ");
			name_piece(&help, p->label);
			sbtc_strbuf_puts(&help, " of the check");
			const char *unit = unit_of(p, &factor);
			if (unit[0] != '\0')
				sbtc_strbuf_printf(&help, ", in %s", unit);
			sbtc_strbuf_putc(&help, '.');
			gauge(b, name, sbtc_strbuf_str(&help), check_value, p->value * factor);
			names_add(names, name);
			if (has_warn) {
				gauge(b, wname, "Warning threshold of the gauge named without _warning_threshold: "
						"the state is WARNING above it.", check_value, warn * factor);
				names_add(names, wname);
			}
			if (has_crit) {
				gauge(b, cname, "Critical threshold of the gauge named without _critical_threshold: "
						"the state is CRITICAL above it.", check_value, crit * factor);
				names_add(names, cname);
			}
			sbtc_strbuf_free(&help);
		}
		free(wname);
		free(cname);
		free(name);
	}
	for (size_t i = 0; i < sbtc_result_nchildren(r); i++)
		perf_series(b, names, check, check_value, sbtc_result_child(r, i));
}

char *sbtc_prom_render(const sbtc_result *root, const char *check_label, double duration, double wall_now)
{
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	name_set names = {0};
	sub_states subs = {0};

	/* The check's label as a label value and as a piece of names. */
	size_t vcap = strlen(check_label) * 2 + 1;
	char *check_value = sbtc_xmalloc(vcap);
	fixed_buf vf = {check_value, 0, vcap, 0, false};
	check_value[0] = '\0';
	fb_label_value(&vf, check_label);

	/* The state series: the check's, then each sub-check's. */
	size_t cap = 1024;
	char *line = sbtc_xmalloc(cap);
	sbtc_strbuf_printf(&b, "# HELP sbtc_check_state %s\n# TYPE sbtc_check_state gauge\n", HELP_STATE);
	sbtc_strbuf_printf(&b, "sbtc_check_state{check=\"%s\"} %d\n", check_value, (int)sbtc_result_state(root));
	collect_ids(&subs, root);
	for (size_t i = 0; i < subs.n; i++) {
		fixed_buf lf = {line, 0, cap, 0, false};
		fb_label_value(&lf, subs.v[i].id);
		sbtc_strbuf_printf(&b, "sbtc_check_state{check=\"%s\",sub=\"%s\"} %d\n", check_value, line,
				   (int)subs.v[i].state);
	}
	names_add(&names, "sbtc_check_state");
	names_add(&names, "sbtc_check_duration_seconds");
	names_add(&names, "sbtc_check_last_run_timestamp_seconds");
	gauge(&b, "sbtc_check_duration_seconds", HELP_DURATION, check_value, round(duration * 1e6) / 1e6);
	gauge(&b, "sbtc_check_last_run_timestamp_seconds", HELP_LAST_RUN, check_value, round(wall_now * 1e3) / 1e3);

	perf_series(&b, &names, check_label, check_value, root);

	free(line);
	free(subs.v);
	names_free(&names);
	free(check_value);
	return sbtc_strbuf_steal(&b);
}
