/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The shared command line: -h -V -v -t SECONDS[:STATE] --output-format --output-file
 * --extra-opts on
 * every check, the help text built from one option table (so --help, the man page and
 * the consumer definitions cannot drift apart), and clean UNKNOWN usage errors. */
#ifndef SBTC_CLI_H
#define SBTC_CLI_H

#include <stddef.h>

#include "output.h"
#include "state.h"

/* Printed by --version after the program's name and version. */
#define SBTC_LICENSE_NOTICE \
	"License GPL-2.0-or-later: GNU GPL version 2 or later <https://www.gnu.org/licenses/>.\n" \
	"This is free software: you are free to change and redistribute it.\n" \
	"There is NO WARRANTY, to the extent permitted by law.\n"

enum { SBTC_ARG_NONE = 0, SBTC_ARG_REQUIRED = 1, SBTC_ARG_OPTIONAL = 2 };

/* Keys of the shared long-only options; a plugin's own long-only keys start at 0x200. */
enum {
	SBTC_OPT_OUTPUT_FORMAT = 0x100,
	SBTC_OPT_EXTRA_OPTS,
	SBTC_OPT_INSECURE,
	SBTC_OPT_CACERT,
	SBTC_OPT_OUTPUT_FILE,
	SBTC_OPT_PLUGIN_FIRST = 0x200
};

typedef struct {
	const char *long_name;
	int short_name;       /* 0 when there is none */
	int has_arg;          /* SBTC_ARG_* */
	const char *arg_name; /* "URL", "CONNINFO", ... */
	int key;              /* passed to the handler: short_name, or a value >= 0x200 */
	const char *help;     /* prose, filled to SBTC_HELP_WIDTH (see sbtc_cli_help) */
	/* The value the check uses when the option is not given, written exactly as it would
	 * follow "--long=" (it must be accepted there); --help prints it as the option's last
	 * line, "    Default: VALUE". NULL when there is no such single value (the help then
	 * says in words what happens without the option). */
	const char *default_value;
} sbtc_option;

/* Columns of --help and of the usage lines, as in the official plugins. */
#define SBTC_HELP_WIDTH 80

/* A set of options that several checks share (TLS, Bitcoin Core's RPC, the sBTC
 * registry): its table, and the functions that fill its settings. A check declares the
 * groups it uses in its plugin info; cli gives their options keys of its own, lists them
 * in --help after the check's own options, and dispatches each to its group. */
typedef struct {
	const sbtc_option *options; /* keys in the table are the group's own */
	size_t noptions;
	/* The defaults, before any option is read. NULL: all zero. */
	void (*init)(void *settings);
	/* One option of the group (key as in its table): 0, or -1 with a message. */
	int (*handle)(void *settings, int key, const char *arg, char *err, size_t errlen);
	/* After every option was read: what depends on several of them. 0, or -1 with a
	 * message (a usage error). NULL: nothing to do. */
	int (*finish)(void *settings, char *err, size_t errlen);
} sbtc_option_group;

/* A group a check uses, and where its settings live in the check's configuration (the
 * ctx given to sbtc_cli_parse): offsetof(config, member). before: the long name of the
 * check's own option that --help lists right after the group's options; NULL: after all
 * of the check's own options. */
typedef struct {
	const sbtc_option_group *group;
	size_t offset;
	const char *before;
} sbtc_group_use;

typedef struct {
	const char *progname;       /* "check_sbtc_aggregate_key" */
	const char *check_label;    /* "AGGREGATE_KEY", as in the status line */
	const char *purpose;        /* one paragraph: what the check verifies */
	const char *usage;          /* synopsis after the program name; "\n  " continues it.
				     * Printed as written, so each line must fit in
				     * SBTC_HELP_WIDTH after "Usage: PROGNAME " ('|' shown as
				     * " or ") */
	const sbtc_option *options; /* the plugin's own options */
	size_t noptions;
	const sbtc_group_use *groups; /* shared option groups, in --help order (see .before) */
	size_t ngroups;
	const char *notes;          /* printed after the options: states, examples */
	double default_timeout;
} sbtc_plugin_info;

typedef struct {
	int verbose;
	double timeout;
	sbtc_state timeout_state;
	sbtc_format format;
} sbtc_common_opts;

/* Called for each of the plugin's own options. Returns 0, or -1 with a message in err
 * (the usage error then names it). */
typedef int (*sbtc_option_handler)(void *ctx, int key, const char *arg, char *err, size_t errlen);

/* Parses the command line (after expanding --extra-opts), handles the shared options,
 * hands the others to handler, sets up the output and starts the deadline. Exits with
 * UNKNOWN (3) after --help, --version, or a usage error, as the official plugins do. */
void sbtc_cli_parse(const sbtc_plugin_info *info, int argc, char **argv, sbtc_common_opts *common,
		    sbtc_option_handler handler, void *ctx);

/* The whole --help text (malloc'd); exposed for tests and the man page generator.
 * The purpose, each option's help and the notes are filled to SBTC_HELP_WIDTH columns:
 * lines that start with a letter or punctuation are joined into paragraphs; an empty line,
 * and a line that starts with a blank (a table row, an example), stands as written and is
 * only broken, if it is too long, under its own text. */
char *sbtc_cli_help(const sbtc_plugin_info *info);

/* Reports a usage error the way sbtc_cli_parse does and exits 3. */
_Noreturn void sbtc_usage_error(const sbtc_plugin_info *info, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* "-t SECONDS[:STATE]": 0 or -1 with a message. */
int sbtc_parse_timeout(const char *text, double *seconds, sbtc_state *state, char *err, size_t errlen);

#endif
