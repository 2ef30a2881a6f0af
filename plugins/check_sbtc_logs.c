/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_sbtc_logs: are the signer host's logs kept for the 90 days the operators' guide
 * asks? For each journald unit, rotated log file and Docker container, the oldest entry
 * still kept must be old enough, and the configuration that removes old entries
 * (journald.conf, logrotate, Docker's log options) must keep that long at the rate the
 * logs are written now. */
#define _DEFAULT_SOURCE /* st_mtim, timegm */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "deadline.h"
#include "decompress.h"
#include "docker_logs.h"
#include "human.h"
#include "journal.h"
#include "journald_conf.h"
#include "logrotate_conf.h"
#include "logtime.h"
#include "output.h"
#include "range.h"
#include "sanitize.h"
#include "smallfile.h"
#include "strbuf.h"

#define DAY 86400.0
#define DEFAULT_WARNING "97d"
#define DEFAULT_CRITICAL "90d"
#define DEFAULT_MIN_RETENTION "90d"
#define DEFAULT_JOURNALD_CONF "/etc/systemd/journald.conf"
#define DEFAULT_LOGROTATE_CONF "/etc/logrotate.conf"
#define DEFAULT_DOCKER_ROOT "/var/lib/docker"
#define DEFAULT_DAEMON_JSON "/etc/docker/daemon.json"
#define COMPONENTS_MAX 32
#define FIRST_LINE_MAX 4096
#define MIN_RATE_SPAN 3600.0 /* a journal spanning less gives no usable rate */
#define JOURNAL_DEFAULT_MAX_USE (4.0 * 1024 * 1024 * 1024)
#define DOCKER_JSON_MAX (4u * 1024u * 1024u)

enum {
	OPT_UNIT = SBTC_OPT_PLUGIN_FIRST,
	OPT_FILE,
	OPT_CONTAINER,
	OPT_JOURNAL_DIR,
	OPT_JOURNALD_CONF,
	OPT_LOGROTATE_CONF,
	OPT_DOCKER_ROOT,
	OPT_DAEMON_JSON,
	OPT_MIN_RETENTION,
	OPT_INSTALLED_AT,
};

typedef struct {
	const char *v[COMPONENTS_MAX];
	size_t n;
} name_list;

typedef struct {
	name_list units, files, containers;
	const char *journal_dir;
	const char *journald_conf;
	bool journald_conf_given;
	const char *logrotate_conf;
	const char *docker_root;
	const char *daemon_json;
	sbtc_thresholds age;
	double min_retention;
	double installed_at; /* NAN: not given */
	int verbose;
} config;

static const sbtc_option options[] = {
	{"unit", 0, SBTC_ARG_REQUIRED, "NAME", OPT_UNIT,
	 "A systemd unit whose journal entries are checked (repeatable; \".service\" is added to\n"
	 "a name without a type, as journalctl -u does).", NULL},
	{"file", 0, SBTC_ARG_REQUIRED, "GLOB", OPT_FILE,
	 "A log file and its rotations, as a shell glob such as '/var/log/bitcoin/debug.log*'\n"
	 "(repeatable; quote it). Compressed rotations (gzip, zstd, lz4) are read too.", NULL},
	{"container", 0, SBTC_ARG_REQUIRED, "NAME", OPT_CONTAINER,
	 "A Docker container whose json-file log is checked (repeatable).", NULL},
	{"warning", 'w', SBTC_ARG_REQUIRED, "DURATION", 'w',
	 "An oldest entry younger than DURATION is WARNING. A bare duration is a lower bound\n"
	 "(97d means the range 97d:); a range written with ':' or '@' is used as written.",
	 DEFAULT_WARNING},
	{"critical", 'c', SBTC_ARG_REQUIRED, "DURATION", 'c',
	 "An oldest entry younger than DURATION is CRITICAL (a lower bound as for -w).", DEFAULT_CRITICAL},
	{"min-retention", 0, SBTC_ARG_REQUIRED, "DURATION", OPT_MIN_RETENTION,
	 "A configuration that keeps less than DURATION at the current rate of writing is\n"
	 "WARNING, even while the oldest entry is still old enough.", DEFAULT_MIN_RETENTION},
	{"installed-at", 0, SBTC_ARG_REQUIRED, "DATE", OPT_INSTALLED_AT,
	 "The day the host started logging (YYYY-MM-DD, UTC). While it is younger than the\n"
	 "floor, an oldest entry from that day or before is OK: everything is kept. The\n"
	 "projection is judged all the same.", NULL},
	{"journal-dir", 0, SBTC_ARG_REQUIRED, "DIR", OPT_JOURNAL_DIR,
	 "Read the journal files in DIR instead of the local system's journal.", NULL},
	{"journald-conf", 0, SBTC_ARG_REQUIRED, "FILE", OPT_JOURNALD_CONF,
	 "journald's configuration; its drop-ins are read from FILE.d/*.conf (with the default,\n"
	 "also from journald.conf.d in /run/systemd, /usr/local/lib/systemd and\n"
	 "/usr/lib/systemd, as systemd does).", DEFAULT_JOURNALD_CONF},
	{"logrotate-conf", 0, SBTC_ARG_REQUIRED, "FILE", OPT_LOGROTATE_CONF,
	 "logrotate's configuration (the files it includes are read too).", DEFAULT_LOGROTATE_CONF},
	{"docker-root", 0, SBTC_ARG_REQUIRED, "DIR", OPT_DOCKER_ROOT,
	 "Docker's data root (dockerd --data-root), holding containers/<id>/.", DEFAULT_DOCKER_ROOT},
	{"docker-daemon-json", 0, SBTC_ARG_REQUIRED, "FILE", OPT_DAEMON_JSON,
	 "Docker's daemon configuration, for the default log-opts.", DEFAULT_DAEMON_JSON},
};

static const sbtc_plugin_info info = {
	.progname = "check_sbtc_logs",
	.check_label = "LOGS",
	.purpose =
		"Checks that the signer host keeps its logs for 90 days, as the operators' guide asks\n"
		"(run it as a member of the systemd-journal or adm group to read the system journal).\n"
		"For each journald unit, rotated log file and Docker container, the oldest entry still\n"
		"kept must be older than -c/-w, and the configuration that removes old entries\n"
		"(journald's MaxRetentionSec, SystemMaxUse and SystemMaxFiles x MaxFileSec;\n"
		"logrotate's rotate and maxage; Docker's max-size and max-file) must keep at least\n"
		"--min-retention at the rate the logs are written now.",
	.usage = "--unit NAME | --file GLOB | --container NAME ...\n"
		 "  [-w DURATION] [-c DURATION] [--min-retention DURATION] [--installed-at DATE]\n"
		 "  [--journal-dir DIR] [--journald-conf FILE] [--logrotate-conf FILE]\n"
		 "  [--docker-root DIR] [--docker-daemon-json FILE] [-t SECONDS[:STATE]] [-v]",
	.options = options,
	.noptions = sizeof options / sizeof options[0],
	.notes =
		"States:\n"
		"  OK        every oldest entry is old enough and every configuration keeps at least\n"
		"            --min-retention.\n"
		"  WARNING   an oldest entry younger than -w; a configuration that keeps less than\n"
		"            --min-retention (the message names the setting, its file and line, and\n"
		"            the value that would do); a journal kept in memory only.\n"
		"  CRITICAL  an oldest entry younger than -c; a unit without entries, a glob that\n"
		"            matches no file, a container that does not exist; a journal, file or\n"
		"            directory that cannot be read.\n"
		"  UNKNOWN   bad arguments; a configuration file that cannot be parsed; a container\n"
		"            that logs through another driver than json-file; the deadline.\n"
		"The oldest entry of a file log is the earliest time on the first line of its files\n"
		"(RFC 3339, the Stacks node's [seconds], or syslog's \"Aug 24 09:39:58\"); a file\n"
		"whose first line has none counts by its modification time, and the message says so.\n"
		"The rate of writing is the journal's size over the time it spans, or a container\n"
		"log's size over its age. logrotate keeps at least rotate x period (a month counted as\n"
		"28 days); rotation by size alone is not projected.\n"
		"Reading the system journal needs membership of the systemd-journal or adm group;\n"
		"Docker's container directory needs root or CAP_DAC_READ_SEARCH.\n"
		"\n"
		"Perfdata per component: <kind>_<name>_oldest_age (s) and <kind>_<name>_retention\n"
		"(s, the projection), kind journal, file or container.\n"
		"\n"
		"Examples:\n"
		"  check_sbtc_logs --unit sbtc-signer --unit stacks-node --unit bitcoind\n"
		"  check_sbtc_logs --file '/var/log/sbtc/signer.log*' --container sbtc-signer",
	.default_timeout = 10,
};

/* A bare duration N is the lower bound "N:"; anything with ':' or '@' is a range. */
static int parse_floor(const char *arg, sbtc_range *out, char *err, size_t errlen)
{
	if (strchr(arg, ':') != NULL || strchr(arg, '@') != NULL)
		return sbtc_range_parse(arg, SBTC_UNIT_DURATION, out, err, errlen);
	double v;
	if (sbtc_quantity_parse(arg, SBTC_UNIT_DURATION, &v, err, errlen) != 0)
		return -1;
	*out = (sbtc_range){.set = true, .start = v, .end_infinite = true, .end = HUGE_VAL};
	return 0;
}

static int add_name(name_list *l, const char *opt, const char *arg, char *err, size_t errlen)
{
	if (arg[0] == '\0') {
		snprintf(err, errlen, "--%s must not be empty", opt);
		return -1;
	}
	if (l->n == COMPONENTS_MAX) {
		snprintf(err, errlen, "at most %d --%s options", COMPONENTS_MAX, opt);
		return -1;
	}
	l->v[l->n++] = arg;
	return 0;
}

static int parse_date(const char *arg, double *out, char *err, size_t errlen)
{
	struct tm tm = {0};
	int y, m, d;
	char tail;
	if (sscanf(arg, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 && strlen(arg) == 10 && y >= 1970 && m >= 1 &&
	    m <= 12 && d >= 1 && d <= 31) {
		tm.tm_year = y - 1900;
		tm.tm_mon = m - 1;
		tm.tm_mday = d;
		*out = (double)timegm(&tm);
		return 0;
	}
	if (sbtc_logtime_rfc3339(arg, out) == 0)
		return 0;
	char *a = sbtc_sanitize(arg, 60);
	snprintf(err, errlen, "invalid --installed-at '%s': a date such as 2026-09-01", a);
	free(a);
	return -1;
}

static int handle_option(void *ctx, int key, const char *arg, char *err, size_t errlen)
{
	config *cfg = ctx;
	switch (key) {
	case OPT_UNIT: return add_name(&cfg->units, "unit", arg, err, errlen);
	case OPT_FILE: return add_name(&cfg->files, "file", arg, err, errlen);
	case OPT_CONTAINER: return add_name(&cfg->containers, "container", arg, err, errlen);
	case 'w': return parse_floor(arg, &cfg->age.warning, err, errlen);
	case 'c': return parse_floor(arg, &cfg->age.critical, err, errlen);
	case OPT_MIN_RETENTION: return sbtc_quantity_parse(arg, SBTC_UNIT_DURATION, &cfg->min_retention, err, errlen);
	case OPT_INSTALLED_AT: return parse_date(arg, &cfg->installed_at, err, errlen);
	case OPT_JOURNAL_DIR: cfg->journal_dir = arg; return 0;
	case OPT_JOURNALD_CONF:
		cfg->journald_conf = arg;
		cfg->journald_conf_given = true;
		return 0;
	case OPT_LOGROTATE_CONF: cfg->logrotate_conf = arg; return 0;
	case OPT_DOCKER_ROOT: cfg->docker_root = arg; return 0;
	case OPT_DAEMON_JSON: cfg->daemon_json = arg; return 0;
	}
	snprintf(err, errlen, "unhandled option");
	return -1;
}

/* The defaults as values, as DEFAULT_* say in --help. */
static void config_init(config *cfg)
{
	*cfg = (config){
		.journald_conf = DEFAULT_JOURNALD_CONF,
		.logrotate_conf = DEFAULT_LOGROTATE_CONF,
		.docker_root = DEFAULT_DOCKER_ROOT,
		.daemon_json = DEFAULT_DAEMON_JSON,
		.age = {.warning = {.set = true, .start = 97 * DAY, .end_infinite = true, .end = HUGE_VAL},
			.critical = {.set = true, .start = 90 * DAY, .end_infinite = true, .end = HUGE_VAL}},
		.min_retention = 90 * DAY,
		.installed_at = NAN,
	};
}

/* ------------------------------------------------------------------ what is measured */

typedef enum { KIND_JOURNAL, KIND_FILE, KIND_CONTAINER } kind;
static const char *const kind_names[] = {"journal", "file", "container"};

/* What a projection found: the retention the configuration gives, and what limits it. */
typedef struct {
	bool judged;        /* false: problem says why nothing could be projected */
	sbtc_state state;   /* of the problem when !judged */
	char problem[600];
	double seconds;     /* HUGE_VAL: nothing removes entries */
	char limit[600];    /* the setting that limits it */
	char fix[300];      /* what would keep --min-retention */
	char note[300];     /* an extra warning (a journal in memory) */
} projection;

typedef struct {
	kind k;
	const char *arg;   /* as given */
	char *name;        /* sanitised, for messages */
	char *slug;        /* for perfdata labels */
	bool found;        /* false: problem */
	sbtc_state problem_state;
	char problem[600];
	double oldest;     /* seconds since the epoch */
	char oldest_how[300]; /* "first line of debug.log.3.gz, RFC 3339" */
	projection proj;
} component;

typedef struct {
	component v[3 * COMPONENTS_MAX];
	size_t n;
	double now;
} measurement;

/* Lazily loaded configurations, shared by the components of a kind. */
typedef struct {
	bool journald_loaded, journald_ok;
	sbtc_journald_conf journald;
	char journald_err[500];
	bool logrotate_loaded, logrotate_ok, logrotate_missing;
	sbtc_logrotate logrotate;
	char logrotate_err[500];
	bool daemon_loaded, daemon_ok;
	sbtc_docker_logcfg daemon;
	char daemon_err[500];
} confs;

static char *slug_of(const char *s)
{
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	bool under = false;
	for (const char *p = s; *p != '\0' && b.len < 40; p++) {
		char c = *p;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			sbtc_strbuf_putc(&b, c);
			under = false;
		} else if (!under && b.len > 0) {
			sbtc_strbuf_putc(&b, '_');
			under = true;
		}
	}
	while (b.len > 0 && b.data[b.len - 1] == '_')
		b.data[--b.len] = '\0';
	if (b.len == 0)
		sbtc_strbuf_puts(&b, "log");
	return sbtc_strbuf_steal(&b);
}

static void fmt_days(double s, char *dst, size_t n)
{
	if (isinf(s))
		snprintf(dst, n, "no limit");
	else if (s >= 2 * DAY)
		snprintf(dst, n, "%.0f d", floor(s / DAY));
	else
		sbtc_format_duration(s, dst, n);
}

static void fmt_date(double t, char *dst, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (gmtime_r(&tt, &tm) == NULL || strftime(dst, n, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(dst, n, "?");
}

/* ---- journal */

static void journald_load(const config *cfg, confs *c)
{
	if (c->journald_loaded)
		return;
	c->journald_loaded = true;
	sbtc_journald_conf_init(&c->journald);
	char *own = sbtc_xasprintf("%s.d", cfg->journald_conf);
	const char *dflt[] = {own, "/run/systemd/journald.conf.d", "/usr/local/lib/systemd/journald.conf.d",
			      "/usr/lib/systemd/journald.conf.d", NULL};
	const char *given[] = {own, NULL};
	c->journald_ok = sbtc_journald_conf_load(&c->journald, cfg->journald_conf,
						 cfg->journald_conf_given ? given : dflt, c->journald_err,
						 sizeof c->journald_err) == 0;
	free(own);
}

/* journald's default SystemMaxUse: 10% of the file system holding the journal, at most 4 GiB. */
static double default_max_use(const char *dir)
{
	struct statvfs sv;
	if (statvfs(dir, &sv) != 0)
		return JOURNAL_DEFAULT_MAX_USE;
	return fmin(JOURNAL_DEFAULT_MAX_USE, (double)sv.f_blocks * (double)sv.f_frsize / 10.0);
}

static void project_journal(const config *cfg, confs *c, const sbtc_journal_info *ji, projection *p)
{
	journald_load(cfg, c);
	if (!c->journald_ok) {
		p->state = SBTC_UNKNOWN;
		snprintf(p->problem, sizeof p->problem, "%s", c->journald_err);
		return;
	}
	const sbtc_journald_conf *jc = &c->journald;
	char d[32], need[32], sz[32], rate_s[32];
	const char *dir = cfg->journal_dir != NULL ? cfg->journal_dir : "/var/log/journal";
	struct stat st;
	if (jc->storage == SBTC_STORAGE_VOLATILE || jc->storage == SBTC_STORAGE_NONE) {
		p->judged = true;
		p->seconds = 0;
		snprintf(p->limit, sizeof p->limit, "Storage=%s (%s) keeps no journal on disk: set Storage=persistent",
			 jc->storage == SBTC_STORAGE_NONE ? "none" : "volatile", jc->storage_where);
		return;
	}
	if (cfg->journal_dir == NULL && jc->storage == SBTC_STORAGE_AUTO && stat(dir, &st) != 0)
		snprintf(p->note, sizeof p->note, "Storage=auto and no /var/log/journal: the journal lives in /run "
			 "and is lost at each reboot; create /var/log/journal or set Storage=persistent");
	p->judged = true;
	p->seconds = HUGE_VAL;
	sbtc_strlcpy(need, "", sizeof need);
	fmt_days(cfg->min_retention, need, sizeof need);
	if (jc->max_retention.value > 0 && jc->max_retention.value < p->seconds) {
		p->seconds = jc->max_retention.value;
		fmt_days(p->seconds, d, sizeof d);
		snprintf(p->limit, sizeof p->limit, "%s removes entries older than %s", jc->max_retention.where, d);
		snprintf(p->fix, sizeof p->fix, "set MaxRetentionSec to %s or more (or 0 for no limit)", need);
	}
	double span = ji->last - ji->first;
	double max_use = isnan(jc->max_use.value) ? default_max_use(dir) : jc->max_use.value;
	if (span >= MIN_RATE_SPAN && ji->usage > 0) {
		double rate = ji->usage / span; /* bytes per second */
		double keep = max_use / rate;
		if (keep < p->seconds) {
			p->seconds = keep;
			fmt_days(keep, d, sizeof d);
			sbtc_format_size(max_use, sz, sizeof sz);
			sbtc_format_size(rate * DAY, rate_s, sizeof rate_s);
			char want[32];
			sbtc_format_size(ceil(rate * cfg->min_retention), want, sizeof want);
			if (jc->max_use.where[0] != '\0')
				snprintf(p->limit, sizeof p->limit, "%s holds about %s at the current rate of %s a day",
					 jc->max_use.where, d, rate_s);
			else
				snprintf(p->limit, sizeof p->limit, "journald's default SystemMaxUse (%s: 10%% of the "
					 "file system, 4 GiB at most) holds about %s at the current rate of %s a day", sz,
					 d, rate_s);
			snprintf(p->fix, sizeof p->fix, "set SystemMaxUse to %s or more", want);
		}
	}
	if (jc->max_file_sec.value > 0 && jc->max_files.value > 0) {
		double keep = jc->max_file_sec.value * jc->max_files.value;
		if (keep < p->seconds) {
			p->seconds = keep;
			fmt_days(keep, d, sizeof d);
			snprintf(p->limit, sizeof p->limit, "SystemMaxFiles%s%s x MaxFileSec%s%s keep about %s",
				 jc->max_files.where[0] ? " as " : " (default 100)", jc->max_files.where,
				 jc->max_file_sec.where[0] ? " as " : " (default 1month)", jc->max_file_sec.where, d);
			snprintf(p->fix, sizeof p->fix, "raise SystemMaxFiles or MaxFileSec so that their product is %s or "
				 "more", need);
		}
	}
}

static void measure_journal(const config *cfg, confs *c, component *co)
{
	sbtc_journal_info ji;
	char err[500];
	char *unit = sbtc_journal_unit_name(co->arg);
	free(co->name);
	co->name = sbtc_sanitize(unit, 120);
	free(unit);
	sbtc_deadline_activity("reading the journal");
	if (sbtc_journal_examine(cfg->journal_dir, co->arg, &ji, err, sizeof err) != 0) {
		co->problem_state = SBTC_CRITICAL;
		snprintf(co->problem, sizeof co->problem, "%s", err);
		return;
	}
	if (!ji.found) {
		co->problem_state = SBTC_CRITICAL;
		size_t hidden = sbtc_journal_unreadable_files(cfg->journal_dir);
		if (hidden > 0)
			snprintf(co->problem, sizeof co->problem, "no journal entry of %s readable: %zu journal file%s "
				 "cannot be read by this user; add it to the systemd-journal or adm group", co->name,
				 hidden, hidden == 1 ? "" : "s");
		else
			snprintf(co->problem, sizeof co->problem, "no journal entry of %s%s", co->name,
				 cfg->journal_dir != NULL ? " in --journal-dir" : "");
		return;
	}
	co->found = true;
	co->oldest = ji.oldest;
	project_journal(cfg, c, &ji, &co->proj);
}

/* ---- files */

typedef struct {
	double t;
	bool have;
	sbtc_logtime_format f;
	double ref;
} first_line_ctx;

static int first_line(void *ctx, const char *line, size_t len, bool overlong, uint64_t no)
{
	first_line_ctx *f = ctx;
	(void)overlong;
	(void)no;
	f->f = sbtc_logtime_parse(line, len, f->ref, &f->t);
	f->have = f->f != SBTC_LOGTIME_NONE;
	return 1;
}

/* The time on the first line of path (any compression); false when there is none. */
static bool file_first_time(const char *path, double mtime, double *t, sbtc_logtime_format *f)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return false;
	sbtc_src *src = sbtc_src_fd(fd, false, -1);
	first_line_ctx ctx = {.ref = mtime};
	size_t cap = FIRST_LINE_MAX;
	sbtc_lines_end end;
	sbtc_src_lines(src, NULL, 0, &cap, first_line, &ctx, &end);
	sbtc_src_free(src);
	close(fd);
	if (!ctx.have)
		return false;
	*t = ctx.t;
	*f = ctx.f;
	return true;
}

static void logrotate_load(const config *cfg, confs *c)
{
	if (c->logrotate_loaded)
		return;
	c->logrotate_loaded = true;
	sbtc_logrotate_init(&c->logrotate);
	struct stat st;
	if (stat(cfg->logrotate_conf, &st) != 0 && errno == ENOENT) {
		c->logrotate_missing = true;
		return;
	}
	c->logrotate_ok = sbtc_logrotate_load(&c->logrotate, cfg->logrotate_conf, c->logrotate_err,
					      sizeof c->logrotate_err) == 0;
}

static void project_file(const config *cfg, confs *c, const char *current, const char *current_name,
			 char *const *files, size_t nfiles, projection *p)
{
	logrotate_load(cfg, c);
	char d[32], need[32];
	fmt_days(cfg->min_retention, need, sizeof need);
	if (c->logrotate_missing) {
		p->judged = true;
		p->seconds = HUGE_VAL;
		char *n = sbtc_sanitize(cfg->logrotate_conf, 150);
		snprintf(p->limit, sizeof p->limit, "no logrotate configuration (%s): nothing removes %s", n, current_name);
		free(n);
		return;
	}
	if (!c->logrotate_ok) {
		p->state = SBTC_UNKNOWN;
		snprintf(p->problem, sizeof p->problem, "%s", c->logrotate_err);
		return;
	}
	const sbtc_logrotate_stanza *s = NULL;
	for (size_t i = 0; s == NULL && i < nfiles; i++)
		s = sbtc_logrotate_find(&c->logrotate, files[i]);
	if (s == NULL)
		s = sbtc_logrotate_find(&c->logrotate, current);
	if (s == NULL) {
		p->judged = true;
		p->seconds = HUGE_VAL;
		snprintf(p->limit, sizeof p->limit, "no logrotate stanza covers %s: nothing removes it", current_name);
		return;
	}
	double r = sbtc_logrotate_retention(&s->s);
	if (isnan(r)) {
		p->state = SBTC_OK;
		snprintf(p->problem, sizeof p->problem, "logrotate (%s) rotates %s by size: its retention depends "
			 "on the rate and is not projected", s->where, current_name);
		return;
	}
	p->judged = true;
	p->seconds = r;
	fmt_days(r, d, sizeof d);
	if (s->s.maxage >= 0 && r == s->s.maxage * DAY) {
		snprintf(p->limit, sizeof p->limit, "logrotate (%s) removes rotations after maxage %ld", s->where,
			 s->s.maxage);
		snprintf(p->fix, sizeof p->fix, "set maxage %.0f or more", ceil(cfg->min_retention / DAY));
	} else if (s->s.rotate < 0) {
		snprintf(p->limit, sizeof p->limit, "logrotate (%s) never removes rotations (rotate -1)", s->where);
	} else {
		static const double period[] = {NAN, 3600.0, DAY, 7 * DAY, 28 * DAY, 365 * DAY};
		snprintf(p->limit, sizeof p->limit, "logrotate (%s) keeps rotate %ld %s, %s", s->where, s->s.rotate,
			 sbtc_rotate_period_name(s->s.period), d);
		snprintf(p->fix, sizeof p->fix, "set rotate %.0f with %s to keep %s",
			 ceil(cfg->min_retention / period[s->s.period]), sbtc_rotate_period_name(s->s.period), need);
	}
}

static void measure_file(const config *cfg, confs *c, component *co)
{
	glob_t g;
	sbtc_deadline_activity("listing log files");
	int r = glob(co->arg, GLOB_NOSORT, NULL, &g);
	if (r != 0 && r != GLOB_NOMATCH) {
		co->problem_state = SBTC_CRITICAL;
		snprintf(co->problem, sizeof co->problem, "cannot list %s: %s", co->name,
			 r == GLOB_ABORTED ? "a directory cannot be read" : "out of memory");
		globfree(&g);
		return;
	}
	double newest_m = -HUGE_VAL;
	const char *current = NULL;
	size_t nfiles = 0;
	for (size_t i = 0; r == 0 && i < g.gl_pathc; i++) {
		struct stat st;
		if (stat(g.gl_pathv[i], &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		nfiles++;
		double m = (double)st.st_mtim.tv_sec + st.st_mtim.tv_nsec / 1e9, t;
		sbtc_logtime_format f;
		const char *slash = strrchr(g.gl_pathv[i], '/');
		char *base = sbtc_sanitize(slash ? slash + 1 : g.gl_pathv[i], 100);
		if (access(g.gl_pathv[i], R_OK) != 0) {
			co->problem_state = SBTC_CRITICAL;
			snprintf(co->problem, sizeof co->problem, "cannot read %s: %s", base, strerror(errno));
			free(base);
			nfiles = 0;
			break;
		}
		/* the live file: a stanza names it, not its rotations; the shortest name is the
		 * best guess, the newest among equals */
		if (current == NULL || strlen(g.gl_pathv[i]) < strlen(current) ||
		    (strlen(g.gl_pathv[i]) == strlen(current) && m > newest_m)) {
			newest_m = m;
			current = g.gl_pathv[i];
		}
		if (file_first_time(g.gl_pathv[i], m, &t, &f)) {
			if (!co->found || t < co->oldest) {
				co->oldest = t;
				snprintf(co->oldest_how, sizeof co->oldest_how, "first line of %s, %s time", base,
					 sbtc_logtime_format_name(f));
			}
		} else if (!co->found || m < co->oldest) {
			co->oldest = m;
			snprintf(co->oldest_how, sizeof co->oldest_how, "modification time of %s: no time on its "
				 "first line", base);
		}
		co->found = true;
		free(base);
	}
	if (co->problem[0] != '\0') {
		co->found = false;
	} else if (nfiles == 0) {
		co->problem_state = SBTC_CRITICAL;
		snprintf(co->problem, sizeof co->problem, "no log file matches %s", co->name);
	} else {
		const char *slash = strrchr(current, '/');
		char *base = sbtc_sanitize(slash ? slash + 1 : current, 100);
		project_file(cfg, c, current, base, g.gl_pathv, g.gl_pathc, &co->proj);
		free(base);
	}
	globfree(&g);
}

/* ---- containers */

static void daemon_load(const config *cfg, confs *c)
{
	if (c->daemon_loaded)
		return;
	c->daemon_loaded = true;
	sbtc_docker_logcfg_init(&c->daemon);
	struct stat st;
	if (stat(cfg->daemon_json, &st) != 0 && errno == ENOENT) {
		c->daemon_ok = true;
		return;
	}
	char *text = NULL;
	size_t len = 0;
	char e[400];
	c->daemon_ok = sbtc_read_small_file(cfg->daemon_json, "Docker daemon configuration", DOCKER_JSON_MAX, false,
					    &text, &len, c->daemon_err, sizeof c->daemon_err) == 0;
	if (c->daemon_ok && sbtc_docker_logcfg_parse(text, len, false, &c->daemon, e, sizeof e) != 0) {
		char *n = sbtc_sanitize(cfg->daemon_json, 150);
		snprintf(c->daemon_err, sizeof c->daemon_err, "%s: %s", n, e);
		free(n);
		c->daemon_ok = false;
	}
	free(text);
}

/* The container directory (malloc'd) whose config.v2.json names it, or NULL with *problem. */
static char *find_container(const config *cfg, const char *name, char *problem, size_t plen)
{
	char *dirpath = sbtc_xasprintf("%s/containers", cfg->docker_root);
	DIR *d = opendir(dirpath);
	char *found = NULL;
	if (d == NULL) {
		char *n = sbtc_sanitize(dirpath, 150);
		snprintf(problem, plen, "cannot read %s: %s%s", n, strerror(errno),
			 errno == EACCES ? " (it needs root or CAP_DAC_READ_SEARCH)" : "");
		free(n);
		free(dirpath);
		return NULL;
	}
	struct dirent *de;
	while (found == NULL && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char *cfgpath = sbtc_xasprintf("%s/%s/config.v2.json", dirpath, de->d_name);
		char *text = NULL, cname[256], e[300];
		size_t len;
		if (sbtc_read_small_file(cfgpath, "container configuration", DOCKER_JSON_MAX, false, &text, &len, e,
					 sizeof e) == 0 &&
		    sbtc_docker_container_name(text, len, cname, sizeof cname, e, sizeof e) == 0 &&
		    strcmp(cname, name) == 0)
			found = sbtc_xasprintf("%s/%s", dirpath, de->d_name);
		free(text);
		free(cfgpath);
	}
	closedir(d);
	if (found == NULL) {
		char *n = sbtc_sanitize(name, 100), *r = sbtc_sanitize(dirpath, 150);
		snprintf(problem, plen, "no container named %s in %s", n, r);
		free(n);
		free(r);
	}
	free(dirpath);
	return found;
}

static void project_container(const config *cfg, confs *c, const char *cdir, double bytes, double oldest,
			      double now, projection *p)
{
	daemon_load(cfg, c);
	if (!c->daemon_ok) {
		p->state = SBTC_UNKNOWN;
		snprintf(p->problem, sizeof p->problem, "%s", c->daemon_err);
		return;
	}
	sbtc_docker_logcfg lc = c->daemon;
	char *hc = sbtc_xasprintf("%s/hostconfig.json", cdir), *text = NULL, e[400];
	size_t len;
	if (sbtc_read_small_file(hc, "container host configuration", DOCKER_JSON_MAX, false, &text, &len, e,
				 sizeof e) == 0) {
		sbtc_docker_logcfg own;
		sbtc_docker_logcfg_init(&own);
		if (sbtc_docker_logcfg_parse(text, len, true, &own, e, sizeof e) == 0) {
			if (own.driver[0] != '\0')
				sbtc_strlcpy(lc.driver, own.driver, sizeof lc.driver);
			if (!isnan(own.max_size))
				lc.max_size = own.max_size;
			if (own.max_file > 0)
				lc.max_file = own.max_file;
		}
	}
	free(text);
	free(hc);
	char need[32], d[32], sz[32], rate_s[32];
	fmt_days(cfg->min_retention, need, sizeof need);
	p->judged = true;
	if (isnan(lc.max_size) || isinf(lc.max_size)) {
		p->seconds = HUGE_VAL;
		snprintf(p->limit, sizeof p->limit, "json-file without max-size: never rotated, kept until the container "
			 "is removed");
		return;
	}
	long files = lc.max_file > 0 ? lc.max_file : 1;
	double cap = lc.max_size * (double)files, span = now - oldest;
	if (span < MIN_RATE_SPAN || bytes <= 0) {
		p->judged = false;
		p->state = SBTC_OK;
		snprintf(p->problem, sizeof p->problem, "its log spans too little time for a rate: max-size x max-file "
			 "not projected");
		return;
	}
	double rate = bytes / span;
	p->seconds = cap / rate;
	fmt_days(p->seconds, d, sizeof d);
	sbtc_format_size(lc.max_size, sz, sizeof sz);
	sbtc_format_size(rate * DAY, rate_s, sizeof rate_s);
	snprintf(p->limit, sizeof p->limit, "log-opts max-size %s x max-file %ld hold about %s at the current rate of "
		 "%s a day", sz, files, d, rate_s);
	snprintf(p->fix, sizeof p->fix, "set max-file to %.0f (or max-size to %.0fm) to keep %s",
		 ceil(rate * cfg->min_retention / lc.max_size), ceil(rate * cfg->min_retention / files / 1048576.0),
		 need);
}

static void measure_container(const config *cfg, confs *c, component *co, double now)
{
	sbtc_deadline_activity("looking for the container");
	char *cdir = find_container(cfg, co->arg, co->problem, sizeof co->problem);
	if (cdir == NULL) {
		co->problem_state = SBTC_CRITICAL;
		return;
	}
	const char *id = strrchr(cdir, '/') + 1;
	char *pattern = sbtc_xasprintf("%s/%s-json.log*", cdir, id);
	glob_t g;
	int r = glob(pattern, 0, NULL, &g);
	double bytes = 0;
	for (size_t i = 0; r == 0 && i < g.gl_pathc; i++) {
		struct stat st;
		double t;
		if (stat(g.gl_pathv[i], &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		bytes += (double)st.st_size;
		int fd = open(g.gl_pathv[i], O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0)
			continue;
		sbtc_src *src = sbtc_src_fd(fd, false, -1);
		char line[FIRST_LINE_MAX];
		size_t got = 0, n = 0;
		while (n < sizeof line - 1 && sbtc_src_read(src, line + n, sizeof line - 1 - n, &got) == SBTC_SRC_OK &&
		       got > 0) {
			n += got;
			if (memchr(line, '\n', n) != NULL)
				break;
		}
		sbtc_src_free(src);
		close(fd);
		char *nl = memchr(line, '\n', n);
		if (nl != NULL)
			n = (size_t)(nl - line);
		if (sbtc_docker_line_time(line, n, &t) == 0 && (!co->found || t < co->oldest)) {
			const char *slash = strrchr(g.gl_pathv[i], '/');
			co->found = true;
			co->oldest = t;
			char *base = sbtc_sanitize(slash + 1, 120);
			snprintf(co->oldest_how, sizeof co->oldest_how, "first line of %s", base);
			free(base);
		}
	}
	if (!co->found) {
		char *hc = sbtc_xasprintf("%s/hostconfig.json", cdir), *text = NULL, e[300];
		size_t len;
		sbtc_docker_logcfg own;
		sbtc_docker_logcfg_init(&own);
		daemon_load(cfg, c);
		if (sbtc_read_small_file(hc, "container host configuration", DOCKER_JSON_MAX, false, &text, &len, e,
					 sizeof e) == 0)
			(void)sbtc_docker_logcfg_parse(text, len, true, &own, e, sizeof e);
		const char *driver = own.driver[0] ? own.driver : c->daemon.driver;
		if (driver[0] != '\0' && strcmp(driver, "json-file") != 0) {
			co->problem_state = SBTC_UNKNOWN;
			char *dr = sbtc_sanitize(driver, 30);
			snprintf(co->problem, sizeof co->problem, "container %s logs through the %s driver, not json-file%s",
				 co->name, dr, strcmp(dr, "journald") == 0 ? ": dockerd writes its entries to the journal as docker.service, check "
				 "that with --unit docker" : "");
			free(dr);
		} else {
			co->problem_state = SBTC_CRITICAL;
			snprintf(co->problem, sizeof co->problem, "container %s has no json-file log with a time on its "
				 "first line", co->name);
		}
		free(text);
		free(hc);
	} else {
		project_container(cfg, c, cdir, bytes, co->oldest, now, &co->proj);
	}
	globfree(&g);
	free(pattern);
	free(cdir);
}

static void measure(const config *cfg, measurement *m, confs *c)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	m->now = (double)ts.tv_sec + ts.tv_nsec / 1e9;
	const name_list *lists[] = {&cfg->units, &cfg->files, &cfg->containers};
	for (int k = 0; k < 3; k++)
		for (size_t i = 0; i < lists[k]->n; i++) {
			component *co = &m->v[m->n++];
			co->k = (kind)k;
			co->arg = lists[k]->v[i];
			co->name = sbtc_sanitize(co->arg, 150);
			const char *base = co->arg;
			if (k == KIND_FILE && strrchr(base, '/') != NULL)
				base = strrchr(base, '/') + 1;
			co->slug = slug_of(base);
			if (k == KIND_JOURNAL && strchr(base, '.') != NULL && strcmp(strrchr(base, '.'), ".service") == 0) {
				free(co->slug);
				char *t = sbtc_xstrndup(base, (size_t)(strrchr(base, '.') - base));
				co->slug = slug_of(t);
				free(t);
			}
			if (k == KIND_JOURNAL)
				measure_journal(cfg, c, co);
			else if (k == KIND_FILE)
				measure_file(cfg, c, co);
			else
				measure_container(cfg, c, co, m->now);
		}
}

static void measurement_free(measurement *m, confs *c)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].name);
		free(m->v[i].slug);
	}
	sbtc_logrotate_free(&c->logrotate);
}

/* ------------------------------------------------------------------ judging */

static void judge_age(sbtc_result *root, const config *cfg, const component *co, double now)
{
	char id[32], label[80], age[32], when[40];
	snprintf(id, sizeof id, "%s_age", kind_names[co->k]);
	snprintf(label, sizeof label, "%s_%s_oldest_age", kind_names[co->k], co->slug);
	if (!co->found) {
		sbtc_result_set_id(sbtc_result_add(root, co->problem_state, "%s", co->problem), id);
		return;
	}
	double a = fmax(0, now - co->oldest);
	fmt_days(a, age, sizeof age);
	fmt_date(co->oldest, when, sizeof when);
	sbtc_state st = sbtc_thresholds_eval(&cfg->age, a);
	const char *what = co->k == KIND_JOURNAL ? "journal of " : co->k == KIND_CONTAINER ? "container " : "";
	if (st != SBTC_OK && !isnan(cfg->installed_at) && co->oldest <= cfg->installed_at + DAY) {
		char inst[40], due[40];
		fmt_date(cfg->installed_at, inst, sizeof inst);
		fmt_date(cfg->installed_at + cfg->min_retention, due, sizeof due);
		inst[10] = due[10] = '\0';
		sbtc_result_set_id(sbtc_result_add(root, SBTC_OK, "%s%s: oldest entry %s old (%s), kept since the host "
						   "was installed on %s; --min-retention is reached on %s",
						   what, co->name, age, when, inst, due), id);
	} else {
		char floor_s[32] = "";
		if (st != SBTC_OK) {
			const sbtc_range *r = st == SBTC_CRITICAL ? &cfg->age.critical : &cfg->age.warning;
			if (!r->start_infinite && r->end_infinite)
				fmt_days(r->start, floor_s, sizeof floor_s);
		}
		sbtc_result_set_id(sbtc_result_add(root, st, "%s%s: oldest entry %s old (%s%s%s)%s%s", what, co->name,
						   age, when, co->oldest_how[0] ? "; " : "", co->oldest_how,
						   floor_s[0] ? ", under " : "", floor_s), id);
	}
	sbtc_perf_add(root, label, round(a), "s", &cfg->age, 0, NAN);
}

static void judge_projection(sbtc_result *root, const config *cfg, const component *co)
{
	char id[40], label[80], d[32], need[32];
	if (!co->found)
		return;
	snprintf(id, sizeof id, "%s_projection", kind_names[co->k]);
	snprintf(label, sizeof label, "%s_%s_retention", kind_names[co->k], co->slug);
	sbtc_thresholds t = {.warning = {.set = true, .start = cfg->min_retention, .end_infinite = true,
					 .end = HUGE_VAL}};
	const projection *p = &co->proj;
	if (!p->judged) {
		sbtc_result_set_id(sbtc_result_add(root, p->state, "%s: %s", co->name, p->problem), id);
		sbtc_perf_add(root, label, NAN, "s", &t, 0, NAN);
		return;
	}
	fmt_days(cfg->min_retention, need, sizeof need);
	fmt_days(p->seconds, d, sizeof d);
	if (p->seconds < cfg->min_retention)
		sbtc_result_set_id(sbtc_result_add(root, SBTC_WARNING, "%s: the configuration keeps about %s, under %s: "
						   "%s%s%s", co->name, d, need, p->limit, p->fix[0] ? "; " : "", p->fix), id);
	else if (isinf(p->seconds))
		sbtc_result_set_id(sbtc_result_add(root, SBTC_OK, "%s: %s", co->name,
						   p->limit[0] ? p->limit : "no configured limit removes entries"), id);
	else
		sbtc_result_set_id(sbtc_result_add(root, SBTC_OK, "%s: %s", co->name, p->limit), id);
	if (p->note[0] != '\0')
		sbtc_result_set_id(sbtc_result_add(root, SBTC_WARNING, "%s: %s", co->name, p->note), id);
	sbtc_perf_add(root, label, isinf(p->seconds) ? NAN : round(p->seconds), "s", &t, 0, NAN);
}

static void judge(sbtc_result *root, const config *cfg, const measurement *m)
{
	for (size_t i = 0; i < m->n; i++) {
		judge_age(root, cfg, &m->v[i], m->now);
		judge_projection(root, cfg, &m->v[i]);
	}
}

static void present(sbtc_result *root, const measurement *m)
{
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	for (size_t i = 0; i < m->n; i++) {
		const component *co = &m->v[i];
		char age[32];
		fmt_days(fmax(0, m->now - co->oldest), age, sizeof age);
		sbtc_strbuf_printf(&b, "%s%s %s", i ? ", " : "oldest entries: ", co->name, age);
		if (co->proj.judged && !isinf(co->proj.seconds)) {
			char d[32];
			fmt_days(co->proj.seconds, d, sizeof d);
			sbtc_strbuf_printf(&b, " (kept %s)", d);
		}
	}
	sbtc_result_set_ok_summary(root, "%s", sbtc_strbuf_str(&b));
	sbtc_strbuf_free(&b);
	sbtc_perf_add_time(root);
}

int main(int argc, char **argv)
{
	config cfg;
	sbtc_common_opts common;

	config_init(&cfg);
	sbtc_cli_parse(&info, argc, argv, &common, handle_option, &cfg);
	if (cfg.units.n + cfg.files.n + cfg.containers.n == 0)
		sbtc_usage_error(&info, "give at least one --unit, --file or --container");
	cfg.verbose = common.verbose;

	static measurement m;
	static confs c;
	measure(&cfg, &m, &c);
	sbtc_result *root = sbtc_result_new();
	judge(root, &cfg, &m);
	present(root, &m);
	measurement_free(&m, &c);
	return sbtc_finish(root);
}
