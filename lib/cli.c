/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cli.h"

#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "deadline.h"
#include "extra_opts.h"
#include "output_file.h"
#include "sanitize.h"
#include "strbuf.h"
#include "utf8.h"

static const sbtc_option common_options[] = {
	{"help", 'h', SBTC_ARG_NONE, NULL, 'h', "Print this help and exit (state UNKNOWN).", NULL},
	{"version", 'V', SBTC_ARG_NONE, NULL, 'V', "Print the version and exit (state UNKNOWN).", NULL},
	{"verbose", 'v', SBTC_ARG_NONE, NULL, 'v',
	 "Say more; repeat for more detail (up to -vvv). Details go to standard error from -vv on;\n"
	 "secrets are never shown.", NULL},
	/* The default is the check's own: see sbtc_cli_help. */
	{"timeout", 't', SBTC_ARG_REQUIRED, "SECONDS[:STATE]", 't',
	 "Deadline for the whole run in seconds, and the state to report when it passes\n"
	 "(OK, WARNING, CRITICAL or UNKNOWN; UNKNOWN when no state is given).", NULL},
	{"output-format", 0, SBTC_ARG_REQUIRED, "FORMAT", SBTC_OPT_OUTPUT_FORMAT,
	 "multi-line, one-line, json (versioned document), or prometheus (text exposition\n"
	 "format, as the node exporter's textfile collector reads it). The exit code is the\n"
	 "state in every format.", "multi-line"},
	/* No Default line: without the option the output goes to standard output. */
	{"output-file", 0, SBTC_ARG_REQUIRED, "FILE", SBTC_OPT_OUTPUT_FILE,
	 "Write the output to FILE instead of standard output, atomically: into a temporary\n"
	 "file in the same directory, renamed onto FILE once whole. The directory must exist\n"
	 "and, if others may write to it, have the sticky bit; FILE must not be a symbolic\n"
	 "link.", NULL},
	/* No Default line: without the option no file is read at all. */
	{"extra-opts", 0, SBTC_ARG_OPTIONAL, "[SECTION][@FILE]", SBTC_OPT_EXTRA_OPTS,
	 "Read options from an ini file section (default section: the plugin's name; default\n"
	 "file: $MP_CONFIG_FILE or /etc/monitoring-plugins/monitoring-plugins.ini and the usual\n"
	 "places). Keeps secrets off the command line. The value may also be the next\n"
	 "argument, when that does not start with '-'.", NULL},
};
#define NCOMMON (sizeof common_options / sizeof common_options[0])

/* The expanded arguments live until exit: handlers may keep pointers to their values.
 * The getopt tables are kept here too, so that exiting from inside the parse (--help, a
 * usage error) frees them as well and leaves valgrind nothing to report. */
static int g_xargc;
static char **g_xargv;
static struct option *g_longopts;
static sbtc_strbuf g_shortopts = SBTC_STRBUF_INIT;

static void free_getopt_tables(void)
{
	free(g_longopts);
	g_longopts = NULL;
	sbtc_strbuf_free(&g_shortopts);
}

static void free_expanded_args(void)
{
	free_getopt_tables();
	sbtc_extra_opts_free(g_xargc, g_xargv);
	g_xargv = NULL;
}

static double default_timeout(const sbtc_plugin_info *info)
{
	return info->default_timeout > 0 ? info->default_timeout : 10;
}

static void option_synopsis(sbtc_strbuf *b, const sbtc_option *o)
{
	if (o->short_name)
		sbtc_strbuf_printf(b, " -%c, --%s", o->short_name, o->long_name);
	else
		sbtc_strbuf_printf(b, " --%s", o->long_name);
	if (o->has_arg == SBTC_ARG_REQUIRED)
		sbtc_strbuf_printf(b, "=%s", o->arg_name ? o->arg_name : "VALUE");
	else if (o->has_arg == SBTC_ARG_OPTIONAL)
		sbtc_strbuf_printf(b, "[=%s]", o->arg_name ? o->arg_name : "VALUE");
	sbtc_strbuf_putc(b, '\n');
}

/* Where to break text (n bytes) so that its first part fits in avail columns: the last
 * blank that allows it, else the first blank at all (a word longer than the line stands
 * alone), else n. */
static size_t break_at(const char *text, size_t n, size_t avail)
{
	if (sbtc_utf8_columns(text, n) <= avail)
		return n;
	size_t best = 0, cols = 1;
	for (size_t i = 1; i < n; i++) {
		if (text[i] == ' ') {
			if (cols > avail && best > 0)
				break;
			best = i;
			if (cols > avail)
				break;
		}
		cols += !sbtc_utf8_is_continuation((unsigned char)text[i]);
	}
	return best > 0 ? best : n;
}

/* Prints n bytes of text after indent, broken at blanks to fit SBTC_HELP_WIDTH; the
 * lines it is broken into start at column hang (after indent). */
static void put_wrapped(sbtc_strbuf *b, const char *text, size_t n, const char *indent, size_t hang)
{
	size_t width = SBTC_HELP_WIDTH - strlen(indent);
	bool first = true;
	while (n > 0) {
		size_t lead = first ? 0 : hang;
		size_t cut = break_at(text, n, width > lead + 20 ? width - lead : 20);
		sbtc_strbuf_puts(b, indent);
		for (size_t i = 0; i < lead; i++)
			sbtc_strbuf_putc(b, ' ');
		sbtc_strbuf_append(b, text, cut);
		sbtc_strbuf_putc(b, '\n');
		text += cut;
		n -= cut;
		while (n > 0 && *text == ' ') {
			text++;
			n--;
		}
		first = false;
	}
}

/* The column where the text of a table row ("  WARNING   a newer share...") starts:
 * after its leading blanks, a first word and two blanks or more; else its leading
 * blanks. */
static size_t hanging_indent(const char *line, size_t n)
{
	size_t lead = strspn(line, " ");
	if (lead > n)
		lead = n;
	size_t i = lead;
	while (i < n && line[i] != ' ')
		i++;
	size_t gap = i;
	while (i < n && line[i] == ' ')
		i++;
	return (i - gap >= 2 && i < n && i < 24) ? sbtc_utf8_columns(line, i) : lead;
}

/* Fills text after indent (see sbtc_cli_help in cli.h): a block is a paragraph of prose
 * (hang 0), or a table row with the lines that continue it (starting at its hang). */
static void filled(sbtc_strbuf *b, const char *text, const char *indent)
{
	sbtc_strbuf block = SBTC_STRBUF_INIT;
	size_t hang = 0, row_lead = 0;
	bool row = false;
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		size_t lead = strspn(p, " ");
		if (lead > n)
			lead = n;
		bool joins = n > lead && block.len > 0 && (row ? lead == hang && hang > row_lead : lead == 0);
		if (joins) {
			sbtc_strbuf_putc(&block, ' ');
			sbtc_strbuf_append(&block, p + lead, n - lead);
		} else {
			if (block.len > 0)
				put_wrapped(b, block.data, block.len, indent, hang);
			sbtc_strbuf_free(&block);
			if (n == lead) {
				sbtc_strbuf_putc(b, '\n');
			} else {
				row = lead > 0;
				row_lead = lead;
				hang = row ? hanging_indent(p, n) : 0;
				sbtc_strbuf_append(&block, p, n);
			}
		}
		p += n;
		if (*p == '\n')
			p++;
	}
	if (block.len > 0)
		put_wrapped(b, block.data, block.len, indent, hang);
	sbtc_strbuf_free(&block);
}

static void option_help(sbtc_strbuf *b, const sbtc_option *o, const char *default_value)
{
	option_synopsis(b, o);
	filled(b, o->help, "    ");
	if (default_value != NULL)
		sbtc_strbuf_printf(b, "    Default: %s\n", default_value);
}

/* Whether one of the check's own options has the short name c. */
static bool own_short(const sbtc_plugin_info *info, int c)
{
	for (size_t i = 0; i < info->noptions; i++)
		if (info->options[i].short_name == c)
			return true;
	return false;
}

/* The check's own option called name, or NULL. */
static const sbtc_option *own_option(const sbtc_plugin_info *info, const char *name)
{
	for (size_t i = 0; i < info->noptions; i++)
		if (strcmp(info->options[i].long_name, name) == 0)
			return &info->options[i];
	return NULL;
}

/* Whether --help lists the group's options after all of the check's own. */
static bool group_listed_last(const sbtc_plugin_info *info, const sbtc_group_use *use)
{
	return use->before == NULL || own_option(info, use->before) == NULL;
}

static void group_help(sbtc_strbuf *b, const sbtc_option_group *g)
{
	for (size_t j = 0; j < g->noptions; j++)
		option_help(b, &g->options[j], g->options[j].default_value);
}

char *sbtc_cli_help(const sbtc_plugin_info *info)
{
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	sbtc_strbuf_printf(&b, "%s %s (%s)\n\n", info->progname, PACKAGE_VERSION, PACKAGE_NAME);
	filled(&b, info->purpose, "");
	sbtc_strbuf_printf(&b, "\nUsage:\n  %s %s\n\nOptions:\n", info->progname, info->usage);
	for (size_t i = 0; i < NCOMMON; i++) {
		const sbtc_option *o = &common_options[i];
		if (o->key != 't') {
			option_help(&b, o, o->default_value);
			continue;
		}
		/* The deadline's default is the check's own. */
		char seconds[32];
		snprintf(seconds, sizeof seconds, "%g", default_timeout(info));
		option_help(&b, o, seconds);
	}
	for (size_t i = 0; i < info->noptions; i++) {
		for (size_t k = 0; k < info->ngroups; k++) {
			const sbtc_group_use *use = &info->groups[k];
			if (!group_listed_last(info, use) && strcmp(use->before, info->options[i].long_name) == 0)
				group_help(&b, use->group);
		}
		option_help(&b, &info->options[i], info->options[i].default_value);
	}
	for (size_t k = 0; k < info->ngroups; k++)
		if (group_listed_last(info, &info->groups[k]))
			group_help(&b, info->groups[k].group);
	if (info->notes != NULL) {
		sbtc_strbuf_putc(&b, '\n');
		filled(&b, info->notes, "");
	}
	return sbtc_strbuf_steal(&b);
}

/* The synopsis as usage messages print it: "|" between alternatives becomes "or", since
 * consumers read everything after a '|' on standard output as performance data. */
static void print_usage_lines(const sbtc_plugin_info *info)
{
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	for (const char *p = info->usage; *p; p++) {
		if (*p != '|') {
			sbtc_strbuf_putc(&b, *p);
			continue;
		}
		while (b.len > 0 && b.data[b.len - 1] == ' ')
			b.data[--b.len] = '\0';
		sbtc_strbuf_puts(&b, " or ");
		while (p[1] == ' ')
			p++;
	}
	printf("Usage: %s %s\nRun '%s --help' for details.\n", info->progname, sbtc_strbuf_str(&b),
	       info->progname);
	sbtc_strbuf_free(&b);
}

void sbtc_usage_error(const sbtc_plugin_info *info, const char *fmt, ...)
{
	char msg[900];
	va_list ap;
	va_start(ap, fmt);
	if (vsnprintf(msg, sizeof msg, fmt, ap) < 0)
		sbtc_strlcpy(msg, "invalid arguments", sizeof msg);
	va_end(ap);
	/* The usage lines follow only the status line this call printed: when the
	 * backstop already owns the output, one more line would be a second result. A
	 * document (json, prometheus) or an output file holds the result alone. */
	bool lines = sbtc_output_format() != SBTC_FORMAT_JSON && sbtc_output_format() != SBTC_FORMAT_PROMETHEUS &&
		     !sbtc_output_to_file();
	if (sbtc_print_status(SBTC_UNKNOWN, msg) && lines)
		print_usage_lines(info);
	fflush(stdout);
	exit(SBTC_UNKNOWN);
}

/* How messages show a value from the command line or an ini file: made safe and cut to
 * SHOWN_MAX bytes ("..." when cut), so that the reason around it is never crowded out. */
#define SHOWN_MAX 60
typedef struct {
	char text[SHOWN_MAX + 8];
} shown_text;

static const char *shown(const char *arg, shown_text *out)
{
	char *s = sbtc_sanitize(arg, SHOWN_MAX);
	sbtc_strlcpy(out->text, s, sizeof out->text);
	free(s);
	return out->text;
}

/* "--name" of "--name=value": an option's value is never shown where the option itself is
 * in question (an unknown "--rpcpassword=..." from an ini file holds a secret). */
static const char *option_name(const char *arg, shown_text *out)
{
	char *name = sbtc_xstrndup(arg, strcspn(arg, "="));
	shown(name, out);
	free(name);
	return out->text;
}

/* Replaces the value in a handler's message by its shown() form (malloc'd): each quoted
 * copy, 'arg'; failing those, each bare copy of a value longer than SHOWN_MAX. A short
 * value is never replaced bare: " " or "a" would match inside the words of the reason.
 * (The status line is made safe as a whole when it is printed.) */
static char *replace_all(const char *msg, const char *find, const char *by)
{
	size_t fl = strlen(find);
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	const char *p = msg, *hit;
	while ((hit = strstr(p, find)) != NULL) {
		sbtc_strbuf_append(&b, p, (size_t)(hit - p));
		sbtc_strbuf_puts(&b, by);
		p = hit + fl;
	}
	sbtc_strbuf_puts(&b, p);
	return sbtc_strbuf_steal(&b);
}

static char *shorten_arg_in(const char *msg, const char *arg)
{
	size_t al = strlen(arg);
	shown_text st;
	const char *s = shown(arg, &st);
	if (strcmp(s, arg) == 0)
		return sbtc_xstrdup(msg);
	char *quoted = sbtc_xasprintf("'%s'", arg);
	if (strstr(msg, quoted) != NULL) {
		char *by = sbtc_xasprintf("'%s'", s);
		char *out = replace_all(msg, quoted, by);
		free(by);
		free(quoted);
		return out;
	}
	free(quoted);
	if (al <= SHOWN_MAX)
		return sbtc_xstrdup(msg);
	return replace_all(msg, arg, s);
}

int sbtc_parse_timeout(const char *text, double *seconds, sbtc_state *state, char *err, size_t errlen)
{
	char *end;
	double v = strtod(text, &end);
	if (end == text || !isfinite(v) || v <= 0 || v > 86400 || (*end != '\0' && *end != ':')) {
		shown_text t;
		snprintf(err, errlen, "invalid timeout '%s': expected SECONDS[:STATE] with 0 < SECONDS <= 86400",
			 shown(text, &t));
		return -1;
	}
	if (*end == ':') {
		int s = sbtc_state_parse(end + 1);
		if (s < 0) {
			shown_text t;
			snprintf(err, errlen, "invalid timeout state '%s': use OK, WARNING, CRITICAL or UNKNOWN",
				 shown(end + 1, &t));
			return -1;
		}
		*state = (sbtc_state)s;
	}
	*seconds = v; /* only once all of it is valid: a failure changes nothing */
	return 0;
}

/* The output format must be known before the first usage error is printed. */
static void prescan_format(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *val = NULL;
		if (strncmp(argv[i], "--output-format=", 16) == 0)
			val = argv[i] + 16;
		else if (strcmp(argv[i], "--output-format") == 0 && i + 1 < argc)
			val = argv[i + 1];
		int f = sbtc_format_parse(val);
		if (f >= 0)
			sbtc_output_setup(sbtc_output_check_label(), (sbtc_format)f);
	}
}

/* The output file too, so that even a usage error goes there (a timer's file then holds
 * an UNKNOWN result instead of an old one); a file that is refused is reported on
 * standard output. */
static const char *g_output_file;

static void use_output_file(const sbtc_plugin_info *info, const char *path)
{
	char err[600];
	if (g_output_file != NULL && strcmp(g_output_file, path) == 0)
		return;
	g_output_file = path;
	if (sbtc_output_file_setup(path, err, sizeof err) != 0) {
		char *msg = shorten_arg_in(err, path);
		sbtc_strlcpy(err, msg, sizeof err);
		free(msg);
		sbtc_usage_error(info, "%s", err);
	}
}

static void prescan_output_file(const sbtc_plugin_info *info, int argc, char **argv)
{
	const char *path = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strncmp(argv[i], "--output-file=", 14) == 0)
			path = argv[i] + 14;
		else if (strcmp(argv[i], "--output-file") == 0 && i + 1 < argc)
			path = argv[++i];
	}
	if (path != NULL)
		use_output_file(info, path);
}

/* The deadline must run before anything is read (an --extra-opts file can be a FIFO or
 * a huge file): a -t written on the command line counts from the start; one that comes
 * from an ini file counts once the command line is parsed. */
static void prescan_timeout(int argc, char **argv, double *seconds, sbtc_state *state)
{
	char err[200];
	for (int i = 1; i < argc; i++) {
		const char *val = NULL;
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strncmp(argv[i], "--timeout=", 10) == 0)
			val = argv[i] + 10;
		else if ((strcmp(argv[i], "--timeout") == 0 || strcmp(argv[i], "-t") == 0) && i + 1 < argc)
			val = argv[++i];
		else if (strncmp(argv[i], "-t", 2) == 0)
			val = argv[i] + 2;
		sbtc_state st = SBTC_UNKNOWN;
		double v;
		if (val != NULL && sbtc_parse_timeout(val, &v, &st, err, sizeof err) == 0) {
			*seconds = v;
			*state = st;
		}
	}
}

/* The option of lo named exactly by "--name[=value]" (name_len bytes of name), or NULL. */
static const struct option *exact_long(const struct option *lo, const char *name, size_t name_len)
{
	for (; lo->name != NULL; lo++)
		if (strlen(lo->name) == name_len && strncmp(lo->name, name, name_len) == 0)
			return lo;
	return NULL;
}

/* The getopt key cli gives option j of the check's group k: above every key of a check
 * (SBTC_OPT_PLUGIN_FIRST and up, below 0x10000). */
#define GROUP_KEY_BASE 0x10000
#define GROUP_KEY(k, j) (GROUP_KEY_BASE + (int)(k) * 0x100 + (int)(j))

static void add_getopt(struct option *lo, size_t *nlo, sbtc_strbuf *shorts, const sbtc_option *o, int key)
{
	static const int argmode[] = {no_argument, required_argument, optional_argument};
	lo[*nlo].name = o->long_name;
	lo[*nlo].has_arg = argmode[o->has_arg];
	lo[*nlo].flag = NULL;
	lo[*nlo].val = key;
	(*nlo)++;
	if (o->short_name) {
		sbtc_strbuf_putc(shorts, (char)o->short_name);
		if (o->has_arg == SBTC_ARG_REQUIRED)
			sbtc_strbuf_putc(shorts, ':');
		else if (o->has_arg == SBTC_ARG_OPTIONAL)
			sbtc_strbuf_puts(shorts, "::");
	}
}

/* The group option that getopt's c stands for (its key, or the short name of a group's
 * option that the check does not use itself): true with *k the group and *j the option. */
static bool group_option(const sbtc_plugin_info *info, int c, size_t *k, size_t *j)
{
	for (size_t gk = 0; gk < info->ngroups; gk++) {
		const sbtc_option_group *g = info->groups[gk].group;
		for (size_t gj = 0; gj < g->noptions; gj++) {
			if (c == GROUP_KEY(gk, gj) || (c < 0x100 && c == g->options[gj].short_name)) {
				*k = gk;
				*j = gj;
				return true;
			}
		}
	}
	return false;
}

static void *group_settings(const sbtc_group_use *use, void *ctx)
{
	return (char *)ctx + use->offset;
}

/* Hands one option to its group or to the check's handler: 0, or -1 with a message. */
static int dispatch(const sbtc_plugin_info *info, int c, const char *arg, sbtc_option_handler handler,
		    void *ctx, char *err, size_t errlen)
{
	size_t k, j;
	bool own = c >= GROUP_KEY_BASE ? false : c < 0x100 ? own_short(info, c) : true;
	if (!own && group_option(info, c, &k, &j)) {
		const sbtc_group_use *use = &info->groups[k];
		return use->group->handle(group_settings(use, ctx), use->group->options[j].key, arg, err, errlen);
	}
	return handler(ctx, c, arg, err, errlen);
}

/* Total of the groups' options. */
static size_t group_options_count(const sbtc_plugin_info *info)
{
	size_t n = 0;
	for (size_t k = 0; k < info->ngroups; k++)
		n += info->groups[k].group->noptions;
	return n;
}

void sbtc_cli_parse(const sbtc_plugin_info *info, int argc, char **argv, sbtc_common_opts *common,
		    sbtc_option_handler handler, void *ctx)
{
	char err[600];
	int xargc;
	char **xargv;

	common->verbose = 0;
	common->timeout = default_timeout(info);
	common->timeout_state = SBTC_UNKNOWN;
	common->format = SBTC_FORMAT_MULTI_LINE;
	sbtc_output_setup(info->check_label, SBTC_FORMAT_MULTI_LINE);
	prescan_format(argc, argv);
	{
		double seconds = common->timeout;
		sbtc_state state = SBTC_UNKNOWN;
		prescan_timeout(argc, argv, &seconds, &state);
		sbtc_deadline_start(seconds, state);
	}
	prescan_output_file(info, argc, argv);

	for (size_t k = 0; k < info->ngroups; k++)
		if (info->groups[k].group->init != NULL)
			info->groups[k].group->init(group_settings(&info->groups[k], ctx));

	if (sbtc_extra_opts_expand(argc, argv, info->progname, &xargc, &xargv, err, sizeof err) != 0)
		sbtc_usage_error(info, "%s", err);
	g_xargc = xargc;
	g_xargv = xargv;
	if (atexit(free_expanded_args) != 0)
		sbtc_die(SBTC_UNKNOWN, "cannot register exit handler");

	free_getopt_tables();
	g_longopts = sbtc_xcalloc(NCOMMON + info->noptions + group_options_count(info) + 1, sizeof *g_longopts);
	struct option *lo = g_longopts;
	size_t nlo = 0;
	sbtc_strbuf *shorts_buf = &g_shortopts;
	/* '+': stop at the first argument that is not an option (no permutation), so that each
	 * option is read from the argument where getopt stood; ':': report a missing value as ':'. */
	sbtc_strbuf_puts(shorts_buf, "+:");
	for (size_t i = 0; i < NCOMMON; i++)
		add_getopt(lo, &nlo, shorts_buf, &common_options[i], common_options[i].key);
	for (size_t i = 0; i < info->noptions; i++)
		add_getopt(lo, &nlo, shorts_buf, &info->options[i], info->options[i].key);
	for (size_t k = 0; k < info->ngroups; k++) {
		const sbtc_option_group *g = info->groups[k].group;
		for (size_t j = 0; j < g->noptions; j++)
			add_getopt(lo, &nlo, shorts_buf, &g->options[j], GROUP_KEY(k, j));
	}
	const char *shorts = sbtc_strbuf_str(shorts_buf);

	opterr = 0;
	optind = 1;
	int c;
	bool in_cluster = false; /* inside "-abc": the last call did not move optind */
	for (;;) {
		int before = optind;
		const char *arg = before < xargc ? xargv[before] : NULL;
		/* getopt_long accepts any unambiguous abbreviation of a long option; we accept
		 * none: "--bitcoin-password=SECRET" would otherwise be taken for
		 * --bitcoin-password-file and its value shown as a file name. */
		bool long_opt = !in_cluster && arg != NULL && strncmp(arg, "--", 2) == 0 && arg[2] != '\0';
		if (long_opt && exact_long(lo, arg + 2, strcspn(arg + 2, "=")) == NULL) {
			shown_text name;
			option_name(arg, &name);
			bool prefix = false;
			size_t nl = strcspn(arg + 2, "=");
			for (const struct option *o = lo; o->name != NULL; o++)
				prefix = prefix || strncmp(o->name, arg + 2, nl) == 0;
			sbtc_usage_error(info, "unknown option '%s'%s", name.text,
					 prefix ? " (long options must be written in full)" : "");
		}
		c = getopt_long(xargc, xargv, shorts, lo, NULL);
		if (c == -1)
			break;
		in_cluster = optind == before;
		switch (c) {
		case 'h': {
			/* The deadline already runs: help, like any output, is claimed first. */
			if (!sbtc_deadline_claim_output(SBTC_UNKNOWN))
				exit(SBTC_UNKNOWN);
			char *help = sbtc_cli_help(info);
			fputs(help, stdout);
			free(help);
			fflush(stdout);
			exit(SBTC_UNKNOWN);
		}
		case 'V':
			if (!sbtc_deadline_claim_output(SBTC_UNKNOWN))
				exit(SBTC_UNKNOWN);
			printf("%s (%s) %s\n%s", info->progname, PACKAGE_NAME, PACKAGE_VERSION,
			       SBTC_LICENSE_NOTICE);
			fflush(stdout);
			exit(SBTC_UNKNOWN);
		case 'v':
			if (common->verbose < 3)
				common->verbose++;
			break;
		case 't': {
			/* Each -t stands whole: "-t 5" after an ini file's "timeout = 30:WARNING"
			 * means 5 seconds and the default state, not WARNING. */
			double seconds;
			sbtc_state state = SBTC_UNKNOWN;
			if (sbtc_parse_timeout(optarg, &seconds, &state, err, sizeof err) != 0)
				sbtc_usage_error(info, "%s", err);
			common->timeout = seconds;
			common->timeout_state = state;
			break;
		}
		case SBTC_OPT_OUTPUT_FORMAT: {
			int f = sbtc_format_parse(optarg);
			if (f < 0) {
				shown_text v;
				sbtc_usage_error(info,
						 "invalid --output-format '%s': use multi-line, one-line, json or prometheus",
						 shown(optarg, &v));
			}
			common->format = (sbtc_format)f;
			break;
		}
		case SBTC_OPT_OUTPUT_FILE:
			use_output_file(info, optarg); /* set up already when on the command line */
			break;
		case SBTC_OPT_EXTRA_OPTS:
			/* Expanded above when on the command line; reaching here it came from an ini
			 * file, and must not pass unread. */
			sbtc_usage_error(info, "option '--extra-opts' is read only on the command line, "
					       "not from an ini file");
		case ':':
			/* A short option takes its value from the next argument, so it was the last
			 * character of its cluster ("-vt"): name it alone. */
			if (!long_opt && optopt > 0 && optopt < 0x100)
				sbtc_usage_error(info, "option '-%c' needs a value", optopt);
			{
				shown_text name;
				sbtc_usage_error(info, "option '%s' needs a value",
						 option_name(long_opt ? arg : "?", &name));
			}
		case '?':
			/* getopt sets optopt to the character of an unknown short option, and to
			 * the option's key for a long option given a value it does not take (the
			 * names of long options were checked above). */
			if (long_opt) {
				shown_text name;
				sbtc_usage_error(info, "option '%s' takes no value", option_name(arg, &name));
			}
			if (optopt == '?') {
				/* "-?" asks for the usage, as in the official plugins. */
				print_usage_lines(info);
				fflush(stdout);
				exit(SBTC_UNKNOWN);
			}
			if (optopt > 0 && optopt < 0x100 && optopt != ':')
				sbtc_usage_error(info, "unknown option '-%c'", optopt);
			sbtc_usage_error(info, "unknown option");
		default: {
			/* The handler's message is kept whole; only a long value in it is cut. */
			size_t biglen = (optarg ? strlen(optarg) : 0) + 1024;
			char *big = sbtc_xmalloc(biglen);
			big[0] = '\0';
			if (dispatch(info, c, optarg, handler, ctx, big, biglen) != 0) {
				char *msg = optarg ? shorten_arg_in(big, optarg) : sbtc_xstrdup(big);
				free(big);
				sbtc_strlcpy(err, msg, sizeof err);
				free(msg);
				sbtc_usage_error(info, "%s", err);
			}
			free(big);
			break;
		}
		}
	}
	if (optind < xargc) {
		shown_text v;
		sbtc_usage_error(info, "unexpected argument '%s'", shown(xargv[optind], &v));
	}

	free_getopt_tables();
	sbtc_output_setup(info->check_label, common->format);
	/* Again, now that -t is known whatever its source. */
	sbtc_deadline_start(common->timeout, common->timeout_state);

	/* What depends on several options of a group, once all of them are read. */
	for (size_t k = 0; k < info->ngroups; k++) {
		const sbtc_option_group *g = info->groups[k].group;
		if (g->finish != NULL && g->finish(group_settings(&info->groups[k], ctx), err, sizeof err) != 0)
			sbtc_usage_error(info, "%s", err);
	}
}
