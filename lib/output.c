/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "output.h"

#include <json-c/json.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deadline.h"
#include "fatal.h"
#include "output_file.h"
#include "output_prometheus.h"
#include "sanitize.h"
#include "strbuf.h"

/* Our own messages are short; anything longer came from a peer and is cut. */
#define LINE_MAX_BYTES 1000

static const char *g_label = "CHECK";
static sbtc_format g_format = SBTC_FORMAT_MULTI_LINE;

static int report_result_line(sbtc_state state, const char *text);

/* The backstop's line (deadline.c), in the check's name and format. */
static void timeout_message(double seconds, sbtc_state timeout_state, char *head, size_t headlen, char *tail,
			    size_t taillen)
{
	/* As given: "-t 0.25" times out "after 0.25 s", not after a rounded 0.2 or 0.3. */
	char number[SBTC_NUMBER_MAX];
	const char *secs = sbtc_format_number(seconds, number, sizeof number);
	if (g_format == SBTC_FORMAT_PROMETHEUS) {
		/* Written when the deadline passes: the run took the -t seconds and ends then. */
		sbtc_prom_render_status(head, headlen, g_label, timeout_state, seconds, sbtc_wall_clock() + seconds);
		sbtc_strlcpy(tail, "", taillen);
	} else if (g_format == SBTC_FORMAT_JSON) {
		snprintf(head, headlen,
			 "{\"schema_version\":%d,\"check\":\"%s\",\"state\":%d,\"state_text\":\"%s\","
			 "\"summary\":\"plugin timed out after %s s",
			 SBTC_JSON_SCHEMA_VERSION, g_label, (int)timeout_state, sbtc_state_name(timeout_state), secs);
		sbtc_strlcpy(tail, "\",\"checks\":[],\"perfdata\":[]}\n", taillen);
	} else {
		snprintf(head, headlen, "SBTC %s %s - plugin timed out after %s s", g_label,
			 sbtc_state_name(timeout_state), secs);
		sbtc_strlcpy(tail, "\n", taillen);
	}
}

void sbtc_output_setup(const char *check_label, sbtc_format format)
{
	g_label = check_label;
	g_format = format;
	sbtc_fatal_set_reporter(report_result_line);
	sbtc_deadline_set_activity_shown(format != SBTC_FORMAT_PROMETHEUS);
	sbtc_deadline_set_message(timeout_message);
}

const char *sbtc_output_check_label(void)
{
	return g_label;
}

sbtc_format sbtc_output_format(void)
{
	return g_format;
}


int sbtc_format_parse(const char *text)
{
	if (text == NULL)
		return -1;
	if (strcmp(text, "multi-line") == 0)
		return SBTC_FORMAT_MULTI_LINE;
	if (strcmp(text, "one-line") == 0)
		return SBTC_FORMAT_ONE_LINE;
	if (strcmp(text, "json") == 0)
		return SBTC_FORMAT_JSON;
	if (strcmp(text, "prometheus") == 0)
		return SBTC_FORMAT_PROMETHEUS;
	return -1;
}

/* Children in the order they are shown: worst first, otherwise as added. */
static const sbtc_result **sorted_children(const sbtc_result *r)
{
	const sbtc_result **v = sbtc_xcalloc(sbtc_result_nchildren(r) + 1, sizeof *v);
	size_t n = 0;
	for (int rank = 3; rank >= 0; rank--)
		for (size_t i = 0; i < sbtc_result_nchildren(r); i++)
			if (sbtc_state_rank(sbtc_result_state(sbtc_result_child(r, i))) == rank)
				v[n++] = sbtc_result_child(r, i);
	return v;
}

/* The summary: the root's own text, or the texts of the children in the worst state. */
static void summary_append(sbtc_strbuf *b, const sbtc_result *root)
{
	if (sbtc_result_summary(root) != NULL && sbtc_result_summary(root)[0] != '\0') {
		sbtc_sanitize_append(b, sbtc_result_summary(root), strlen(sbtc_result_summary(root)), LINE_MAX_BYTES);
		return;
	}
	if (sbtc_result_ok_summary(root) != NULL && sbtc_result_ok_summary(root)[0] != '\0' && sbtc_result_state(root) == SBTC_OK) {
		sbtc_sanitize_append(b, sbtc_result_ok_summary(root), strlen(sbtc_result_ok_summary(root)), LINE_MAX_BYTES);
		return;
	}
	/* The worst state among the children, not the root's own: a root that is worse
	 * than all its children must still be summarised by its worst children. */
	sbtc_state worst = SBTC_OK;
	for (size_t i = 0; i < sbtc_result_nchildren(root); i++)
		worst = sbtc_state_worst(worst, sbtc_result_state(sbtc_result_child(root, i)));
	size_t before = b->len;
	for (size_t i = 0; i < sbtc_result_nchildren(root); i++) {
		const sbtc_result *c = sbtc_result_child(root, i);
		if (sbtc_result_state(c) != worst || sbtc_result_summary(c) == NULL)
			continue;
		size_t mark = b->len;
		if (b->len > before)
			sbtc_strbuf_puts(b, "; ");
		size_t start = b->len;
		sbtc_sanitize_append(b, sbtc_result_summary(c), strlen(sbtc_result_summary(c)), LINE_MAX_BYTES);
		if (b->len == start) {
			/* A text that sanitises to nothing adds no separator either. */
			b->len = mark;
			b->data[mark] = '\0';
		}
	}
	if (b->len == before)
		sbtc_strbuf_puts(b, "no result");
}

static void collect_perf(sbtc_strbuf *b, const sbtc_result *r)
{
	for (size_t i = 0; i < sbtc_result_nperf(r); i++) {
		if (b->len > 0)
			sbtc_strbuf_putc(b, ' ');
		sbtc_perf_append(b, sbtc_result_perf(r, i));
	}
	for (size_t i = 0; i < sbtc_result_nchildren(r); i++)
		collect_perf(b, sbtc_result_child(r, i));
}

static void lines_append(sbtc_strbuf *b, const sbtc_result *r, int depth, const char *sep)
{
	const sbtc_result **kids = sorted_children(r);
	for (size_t i = 0; i < sbtc_result_nchildren(r); i++) {
		const sbtc_result *c = kids[i];
		if (sep != NULL) {
			sbtc_strbuf_puts(b, sep);
		} else {
			sbtc_strbuf_putc(b, '\n');
			for (int d = 0; d <= depth; d++)
				sbtc_strbuf_puts(b, "  ");
		}
		sbtc_strbuf_printf(b, "[%s] ", sbtc_state_name(sbtc_result_state(c)));
		if (sbtc_result_summary(c) != NULL)
			sbtc_sanitize_append(b, sbtc_result_summary(c), strlen(sbtc_result_summary(c)), LINE_MAX_BYTES);
		lines_append(b, c, depth + 1, sep);
	}
	free(kids);
}

static json_object *json_number(double v)
{
	char buf[SBTC_NUMBER_MAX];
	if (!isfinite(v))
		return NULL;
	if (v == floor(v) && fabs(v) < 9007199254740992.0)
		return json_object_new_int64((int64_t)v);
	sbtc_format_number(v, buf, sizeof buf);
	/* A whole number beyond 2^53 keeps a fraction part: written as a bare integer, readers
	 * such as json-c take it for a 64-bit integer and saturate 1e20 to 2^64-1. */
	if (strchr(buf, '.') == NULL && strlen(buf) + 2 < sizeof buf) {
		size_t n = strlen(buf);
		buf[n] = '.';
		buf[n + 1] = '0';
		buf[n + 2] = '\0';
	}
	return json_object_new_double_s(v, buf);
}

static json_object *json_threshold(const sbtc_range *r, json_object **range_text)
{
	double v;
	*range_text = NULL;
	if (!r->set)
		return NULL;
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	sbtc_range_append(&b, r);
	*range_text = json_object_new_string(sbtc_strbuf_str(&b));
	sbtc_strbuf_free(&b);
	return sbtc_range_perf_value(r, &v) ? json_number(v) : NULL;
}

static json_object *json_text(const char *text)
{
	char *clean = sbtc_sanitize(text ? text : "", LINE_MAX_BYTES);
	json_object *o = json_object_new_string(clean);
	free(clean);
	return o;
}

static json_object *json_checks(const sbtc_result *r)
{
	json_object *arr = json_object_new_array();
	const sbtc_result **kids = sorted_children(r);
	for (size_t i = 0; i < sbtc_result_nchildren(r); i++) {
		const sbtc_result *c = kids[i];
		sbtc_state s = sbtc_result_state(c);
		json_object *o = json_object_new_object();
		if (sbtc_result_id(c) != NULL)
			json_object_object_add(o, "id", json_object_new_string(sbtc_result_id(c)));
		json_object_object_add(o, "state", json_object_new_int(s));
		json_object_object_add(o, "state_text", json_object_new_string(sbtc_state_name(s)));
		json_object_object_add(o, "text", json_text(sbtc_result_summary(c)));
		json_object_object_add(o, "checks", json_checks(c));
		json_object_array_add(arr, o);
	}
	free(kids);
	return arr;
}

static void json_perf(json_object *arr, const sbtc_result *r)
{
	for (size_t i = 0; i < sbtc_result_nperf(r); i++) {
		const sbtc_perf *p = sbtc_result_perf(r, i);
		json_object *o = json_object_new_object();
		json_object *wr, *cr;
		json_object_object_add(o, "label", json_object_new_string(p->label));
		json_object_object_add(o, "value", json_number(p->value));
		json_object_object_add(o, "uom", json_object_new_string(p->uom));
		json_object_object_add(o, "warn", json_threshold(&p->warning, &wr));
		json_object_object_add(o, "warn_range", wr);
		json_object_object_add(o, "crit", json_threshold(&p->critical, &cr));
		json_object_object_add(o, "crit_range", cr);
		json_object_object_add(o, "min", json_number(p->min));
		json_object_object_add(o, "max", json_number(p->max));
		json_object_array_add(arr, o);
	}
	for (size_t i = 0; i < sbtc_result_nchildren(r); i++)
		json_perf(arr, sbtc_result_child(r, i));
}

static char *render_json(const sbtc_result *root, const char *check_label)
{
	sbtc_state s = sbtc_result_state(root);
	sbtc_strbuf sum = SBTC_STRBUF_INIT;
	summary_append(&sum, root);
	json_object *o = json_object_new_object();
	json_object *perf = json_object_new_array();
	json_object_object_add(o, "schema_version", json_object_new_int(SBTC_JSON_SCHEMA_VERSION));
	json_object_object_add(o, "check", json_object_new_string(check_label));
	json_object_object_add(o, "state", json_object_new_int(s));
	json_object_object_add(o, "state_text", json_object_new_string(sbtc_state_name(s)));
	json_object_object_add(o, "summary", json_object_new_string(sbtc_strbuf_str(&sum)));
	json_object_object_add(o, "checks", json_checks(root));
	json_perf(perf, root);
	json_object_object_add(o, "perfdata", perf);
	sbtc_strbuf out = SBTC_STRBUF_INIT;
	sbtc_strbuf_puts(&out, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								   JSON_C_TO_STRING_NOSLASHESCAPE));
	sbtc_strbuf_putc(&out, '\n');
	json_object_put(o);
	sbtc_strbuf_free(&sum);
	return sbtc_strbuf_steal(&out);
}

char *sbtc_render(const sbtc_result *root, const char *check_label, sbtc_format format)
{
	if (format == SBTC_FORMAT_JSON)
		return render_json(root, check_label);
	if (format == SBTC_FORMAT_PROMETHEUS)
		return sbtc_prom_render(root, check_label, sbtc_elapsed(), sbtc_wall_clock());

	sbtc_strbuf b = SBTC_STRBUF_INIT;
	sbtc_strbuf perf = SBTC_STRBUF_INIT;
	sbtc_strbuf_printf(&b, "SBTC %s %s - ", check_label,
			   sbtc_state_name(sbtc_result_state(root)));
	summary_append(&b, root);
	lines_append(&b, root, 0, format == SBTC_FORMAT_ONE_LINE ? "; " : NULL);
	collect_perf(&perf, root);
	if (perf.len > 0) {
		/* After the long output, so every consumer sees the first line whole;
		 * Nagios and Icinga 2 read perfdata from any line after a '|'. */
		sbtc_strbuf_puts(&b, format == SBTC_FORMAT_ONE_LINE || sbtc_result_nchildren(root) == 0 ? " | " : "\n| ");
		sbtc_strbuf_append(&b, perf.data, perf.len);
	}
	sbtc_strbuf_putc(&b, '\n');
	sbtc_strbuf_free(&perf);
	return sbtc_strbuf_steal(&b);
}

static void write_all(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, s, len);
		if (n <= 0)
			return; /* nowhere left to report to */
		s += n;
		len -= (size_t)n;
	}
}

int sbtc_finish(sbtc_result *root)
{
	/* Rendered before the output is claimed: until then the backstop may still speak. */
	char *out = sbtc_render(root, g_label, g_format);
	sbtc_state s = sbtc_result_state(root);
	fflush(stdout);
	if (sbtc_deadline_claim_output(s)) {
		write_all(sbtc_output_fd(), out, strlen(out));
		sbtc_output_file_done(true);
	} else
		(void)sbtc_deadline_output_claimed(&s); /* one result per run: the first stands */
	free(out);
	sbtc_result_free(root);
	return (int)s;
}

bool sbtc_print_status(sbtc_state state, const char *text)
{
	/* Built by hand so that running out of memory cannot recurse into allocation. */
	char msg[1024];
	sbtc_strlcpy(msg, text, sizeof msg);
	sbtc_sanitize_in_place(msg);
	fflush(stdout);
	if (!sbtc_deadline_claim_output(state))
		return false; /* a result is out already */
	int fd = sbtc_output_fd();
	if (g_format == SBTC_FORMAT_PROMETHEUS) {
		/* No free text in the exposition: the state, and when the run ended. Why goes to
		 * standard error, where a timer's journal keeps it. */
		char out[1200];
		size_t n = sbtc_prom_render_status(out, sizeof out, g_label, state, sbtc_elapsed(), sbtc_wall_clock());
		write_all(fd, out, n);
		int m = snprintf(out, sizeof out, "SBTC %s %s - %s\n", g_label, sbtc_state_name(state), msg);
		if (m > 0)
			write_all(STDERR_FILENO, out, strlen(out));
	} else if (g_format == SBTC_FORMAT_JSON) {
		/* Plain JSON escaping of our own message; sanitising keeps it one line. */
		char line[2200];
		size_t k = 0;
		for (const char *p = msg; *p && k + 8 < sizeof line; p++) {
			unsigned char c = (unsigned char)*p;
			if (c == '"' || c == '\\') {
				line[k++] = '\\';
				line[k++] = (char)c;
			} else if (c < 0x20) {
				line[k++] = ' ';
			} else {
				line[k++] = (char)c;
			}
		}
		line[k] = '\0';
		char out[2600];
		int m = snprintf(out, sizeof out,
				 "{\"schema_version\":%d,\"check\":\"%s\",\"state\":%d,\"state_text\":\"%s\","
				 "\"summary\":\"%s\",\"checks\":[],\"perfdata\":[]}\n",
				 SBTC_JSON_SCHEMA_VERSION, g_label, (int)state, sbtc_state_name(state), line);
		if (m > 0)
			write_all(fd, out, strlen(out));
	} else {
		char out[1200];
		for (char *p = msg; *p; p++)
			if (*p == '|' || (unsigned char)*p < 0x20)
				*p = (*p == '|') ? '/' : ' ';
		int m = snprintf(out, sizeof out, "SBTC %s %s - %s\n", g_label, sbtc_state_name(state), msg);
		if (m > 0)
			write_all(fd, out, strlen(out));
	}
	sbtc_output_file_done(true);
	return true;
}

/* The status line, and the exit code: that of the result printed, should one have been
 * printed before. No allocation (sbtc_fatal's reporter). */
static int report_result_line(sbtc_state state, const char *text)
{
	sbtc_print_status(state, text);
	(void)sbtc_deadline_output_claimed(&state);
	return (int)state;
}

void sbtc_die(sbtc_state state, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		sbtc_strlcpy(msg, "(message could not be formatted)", sizeof msg);
	exit(report_result_line(state, msg));
}
