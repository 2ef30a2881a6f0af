#include "cli.h"

#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "deadline.h"
#include "extra_opts.h"
#include "strbuf.h"

static const sbtc_option common_options[] = {
	{"help", 'h', SBTC_ARG_NONE, NULL, 'h', "Print this help and exit (state UNKNOWN)."},
	{"version", 'V', SBTC_ARG_NONE, NULL, 'V', "Print the version and exit (state UNKNOWN)."},
	{"verbose", 'v', SBTC_ARG_NONE, NULL, 'v',
	 "Say more; repeat for more detail (up to -vvv). Details go to standard error from -vv on;\n"
	 "secrets are never shown."},
	{"timeout", 't', SBTC_ARG_REQUIRED, "SECONDS[:STATE]", 't',
	 "Deadline for the whole run, and the state to report when it passes\n"
	 "(OK, WARNING, CRITICAL or UNKNOWN; default UNKNOWN)."},
	{"output-format", 0, SBTC_ARG_REQUIRED, "FORMAT", SBTC_OPT_OUTPUT_FORMAT,
	 "multi-line (default), one-line, or json (versioned document; the exit code is the\n"
	 "state in every format)."},
	{"extra-opts", 0, SBTC_ARG_OPTIONAL, "[SECTION][@FILE]", SBTC_OPT_EXTRA_OPTS,
	 "Read options from an ini file section (default section: the plugin's name; default\n"
	 "file: $MP_CONFIG_FILE or /etc/monitoring-plugins/monitoring-plugins.ini and the usual\n"
	 "places). Keeps secrets off the command line."},
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

static void indented(sbtc_strbuf *b, const char *text, const char *indent)
{
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (n > 0)
			sbtc_strbuf_puts(b, indent);
		sbtc_strbuf_append(b, p, n);
		sbtc_strbuf_putc(b, '\n');
		p += n;
		if (*p == '\n')
			p++;
	}
}

char *sbtc_cli_help(const sbtc_plugin_info *info)
{
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	sbtc_strbuf_printf(&b, "%s %s (%s)\n\n", info->progname, PACKAGE_VERSION, PACKAGE_NAME);
	indented(&b, info->purpose, "");
	sbtc_strbuf_printf(&b, "\nUsage:\n  %s %s\n\nOptions:\n", info->progname, info->usage);
	for (size_t i = 0; i < NCOMMON; i++) {
		option_synopsis(&b, &common_options[i]);
		indented(&b, common_options[i].help, "    ");
	}
	for (size_t i = 0; i < info->noptions; i++) {
		option_synopsis(&b, &info->options[i]);
		indented(&b, info->options[i].help, "    ");
	}
	if (info->notes != NULL) {
		sbtc_strbuf_putc(&b, '\n');
		indented(&b, info->notes, "");
	}
	return sbtc_strbuf_steal(&b);
}

void sbtc_usage_error(const sbtc_plugin_info *info, const char *fmt, ...)
{
	char msg[900];
	va_list ap;
	va_start(ap, fmt);
	if (vsnprintf(msg, sizeof msg, fmt, ap) < 0)
		sbtc_strlcpy(msg, "invalid arguments", sizeof msg);
	va_end(ap);
	sbtc_print_status(SBTC_UNKNOWN, msg);
	if (sbtc_output_format() != SBTC_FORMAT_JSON)
		printf("Usage: %s %s\nRun '%s --help' for details.\n", info->progname, info->usage,
		       info->progname);
	fflush(stdout);
	exit(SBTC_UNKNOWN);
}

int sbtc_parse_timeout(const char *text, double *seconds, sbtc_state *state, char *err, size_t errlen)
{
	char *end;
	double v = strtod(text, &end);
	if (end == text || !isfinite(v) || v <= 0 || v > 86400 || (*end != '\0' && *end != ':')) {
		snprintf(err, errlen, "invalid timeout '%s': expected SECONDS[:STATE] with 0 < SECONDS <= 86400",
			 text);
		return -1;
	}
	if (*end == ':') {
		int s = sbtc_state_parse(end + 1);
		if (s < 0) {
			snprintf(err, errlen, "invalid timeout state '%s': use OK, WARNING, CRITICAL or UNKNOWN",
				 end + 1);
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

static void add_getopt(struct option *lo, size_t *nlo, sbtc_strbuf *shorts, const sbtc_option *o)
{
	static const int argmode[] = {no_argument, required_argument, optional_argument};
	lo[*nlo].name = o->long_name;
	lo[*nlo].has_arg = argmode[o->has_arg];
	lo[*nlo].flag = NULL;
	lo[*nlo].val = o->key;
	(*nlo)++;
	if (o->short_name) {
		sbtc_strbuf_putc(shorts, (char)o->short_name);
		if (o->has_arg == SBTC_ARG_REQUIRED)
			sbtc_strbuf_putc(shorts, ':');
		else if (o->has_arg == SBTC_ARG_OPTIONAL)
			sbtc_strbuf_puts(shorts, "::");
	}
}

void sbtc_cli_parse(const sbtc_plugin_info *info, int argc, char **argv, sbtc_common_opts *common,
		    sbtc_option_handler handler, void *ctx)
{
	char err[600];
	int xargc;
	char **xargv;

	common->verbose = 0;
	common->timeout = info->default_timeout > 0 ? info->default_timeout : 10;
	common->timeout_state = SBTC_UNKNOWN;
	common->format = SBTC_FORMAT_MULTI_LINE;
	sbtc_output_setup(info->check_label, SBTC_FORMAT_MULTI_LINE);
	prescan_format(argc, argv);

	if (sbtc_extra_opts_expand(argc, argv, info->progname, &xargc, &xargv, err, sizeof err) != 0)
		sbtc_usage_error(info, "%s", err);
	g_xargc = xargc;
	g_xargv = xargv;
	if (atexit(free_expanded_args) != 0)
		sbtc_die(SBTC_UNKNOWN, "cannot register exit handler");

	free_getopt_tables();
	g_longopts = sbtc_xcalloc(NCOMMON + info->noptions + 1, sizeof *g_longopts);
	struct option *lo = g_longopts;
	size_t nlo = 0;
	sbtc_strbuf *shorts_buf = &g_shortopts;
	sbtc_strbuf_putc(shorts_buf, ':'); /* report a missing argument as ':' */
	for (size_t i = 0; i < NCOMMON; i++)
		add_getopt(lo, &nlo, shorts_buf, &common_options[i]);
	for (size_t i = 0; i < info->noptions; i++)
		add_getopt(lo, &nlo, shorts_buf, &info->options[i]);
	const char *shorts = sbtc_strbuf_str(shorts_buf);

	opterr = 0;
	optind = 1;
	int c;
	while ((c = getopt_long(xargc, xargv, shorts, lo, NULL)) != -1) {
		const char *bad = xargv[optind - 1];
		switch (c) {
		case 'h': {
			char *help = sbtc_cli_help(info);
			fputs(help, stdout);
			free(help);
			fflush(stdout);
			exit(SBTC_UNKNOWN);
		}
		case 'V':
			printf("%s (%s) %s\n", info->progname, PACKAGE_NAME, PACKAGE_VERSION);
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
			if (f < 0)
				sbtc_usage_error(info, "invalid --output-format '%s': use multi-line, one-line or json",
						 optarg);
			common->format = (sbtc_format)f;
			break;
		}
		case SBTC_OPT_EXTRA_OPTS:
			/* Expanded above when written in full on the command line; reaching here it
			 * was abbreviated or came from an ini file, and must not pass unread. */
			sbtc_usage_error(info, "option '%s': write --extra-opts in full, and only on the "
					       "command line", bad);
		case ':':
			/* A short option takes its value from the next argument, so it was the last
			 * character of bad ("-vt"): name it alone. */
			if (strncmp(bad, "--", 2) != 0 && optopt > 0 && optopt < 0x100)
				sbtc_usage_error(info, "option '-%c' needs a value", optopt);
			sbtc_usage_error(info, "option '%s' needs a value", bad);
		case '?':
			/* getopt sets optopt to the character of an unknown short option, to 0 for an
			 * unknown or ambiguous long one, and to the option's key for a long option
			 * given a value it does not take. bad is reliable only for long options: an
			 * unknown short option inside a cluster ("-xv") leaves optind behind. */
			if (optopt > 0 && optopt < 0x100 && optopt != ':' &&
			    strchr(shorts, optopt) == NULL)
				sbtc_usage_error(info, "unknown option '-%c'", optopt);
			if (optopt > 0 && optopt < 0x100 && strncmp(bad, "--", 2) != 0)
				sbtc_usage_error(info, "unknown option '-%c'", optopt);
			sbtc_usage_error(info, "unknown option or unexpected value in '%s'", bad);
		default:
			if (handler(ctx, c, optarg, err, sizeof err) != 0)
				sbtc_usage_error(info, "%s", err);
			break;
		}
	}
	if (optind < xargc)
		sbtc_usage_error(info, "unexpected argument '%s'", xargv[optind]);

	free_getopt_tables();
	sbtc_output_setup(info->check_label, common->format);
	sbtc_deadline_start(common->timeout, common->timeout_state);
}
