/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_sbtc_backup: if this host died now, could the newest backup bring the signer
 * back with the key that is on chain? The newest backup matching a pattern must be
 * recent, of a plausible size, whole (read to its end without restoring it), and, with
 * --verify-key, hold the registry's current aggregate key as its newest verified share. */
#define _DEFAULT_SOURCE /* fnmatch's FNM_PERIOD, struct stat's st_mtim */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "deadline.h"
#include "decompress.h"
#include "dkg.h"
#include "http.h"
#include "human.h"
#include "output.h"
#include "pg.h"
#include "pgdump.h"
#include "range.h"
#include "sanitize.h"
#include "stacks.h"
#include "strbuf.h"
#include "subprocess.h"

#define DEFAULT_WARNING "26h"
#define DEFAULT_CRITICAL "50h"
#define FUTURE_TOLERANCE 60.0 /* seconds of clock skew that are not a problem */

enum {
	OPT_PATH = SBTC_OPT_PLUGIN_FIRST,
	OPT_PATTERN,
	OPT_MIN_SIZE,
	OPT_MAX_SHRINK,
	OPT_COUNT_MIN,
	OPT_FORMAT,
	OPT_VERIFY_KEY,
	OPT_PG_RESTORE,
};

typedef struct {
	const char *path;
	const char *pattern;
	sbtc_thresholds age;
	double min_size;     /* bytes; NAN: none */
	double max_shrink;   /* percent; NAN: none */
	long count_min;      /* 0: none */
	int format;          /* -1: any */
	bool verify_key;
	const char *pg_restore;
	const char *dbconn;
	const char *stacks_url;
	bool stacks_url_given;
	sbtc_registry_opts registry;
	sbtc_http_opts http;
	int verbose;
} config;

static const sbtc_option options[] = {
	{"path", 0, SBTC_ARG_REQUIRED, "PATH", OPT_PATH,
	 "Where the backups are: a directory (the newest file matching --pattern is the backup),\n"
	 "a single backup file, or a directory-format dump (a directory holding toc.dat).", NULL},
	{"pattern", 0, SBTC_ARG_REQUIRED, "GLOB", OPT_PATTERN,
	 "Names of the backups in the --path directory, a shell glob such as 'signer-*.dump'\n"
	 "(names starting with a dot, such as temporary files, never match).\n"
	 "Directory-format dumps match as directories.", "*"},
	{"warning", 'w', SBTC_ARG_REQUIRED, "DURATION", 'w',
	 "Age of the newest backup above which the check is WARNING (a range).", DEFAULT_WARNING},
	{"critical", 'c', SBTC_ARG_REQUIRED, "DURATION", 'c',
	 "Age of the newest backup above which the check is CRITICAL.", DEFAULT_CRITICAL},
	{"min-size", 0, SBTC_ARG_REQUIRED, "SIZE", OPT_MIN_SIZE,
	 "A newest backup smaller than SIZE (10MB, 1.5GiB) is CRITICAL. An empty one always is.", NULL},
	{"max-shrink", 0, SBTC_ARG_REQUIRED, "PERCENT", OPT_MAX_SHRINK,
	 "The newest backup smaller than the one before it by more than PERCENT is WARNING.", NULL},
	{"count-min", 0, SBTC_ARG_REQUIRED, "N", OPT_COUNT_MIN,
	 "Fewer than N backups matching the pattern is WARNING (retention broken).", NULL},
	{"format", 0, SBTC_ARG_REQUIRED, "FORMAT", OPT_FORMAT,
	 "Require this pg_dump format: custom, directory, tar or plain. Another is CRITICAL.", NULL},
	{"verify-key", 0, SBTC_ARG_NONE, NULL, OPT_VERIFY_KEY,
	 "Read sbtc_signer.dkg_shares out of the backup and check that its newest verified share\n"
	 "is the registry's key on chain (--stacks-url), or the live database's (--dbconn).", NULL},
	{"pg-restore", 0, SBTC_ARG_REQUIRED, "FILE", OPT_PG_RESTORE,
	 "pg_restore to extract the table from archive formats (default: the first on PATH).", NULL},
	{"dbconn", 'd', SBTC_ARG_REQUIRED, "CONNINFO", 'd',
	 "With --verify-key: compare with this live signer database (libpq conninfo or URI;\n"
	 "passwords through ~/.pgpass, PGPASSFILE or service=, never here).", NULL},
	{"stacks-url", 'u', SBTC_ARG_REQUIRED, "URL", 'u',
	 "With --verify-key: the Stacks node's RPC (used unless only --dbconn is given).",
	 SBTC_DEFAULT_STACKS_URL},
};

static const sbtc_group_use groups[] = {
	{.group = &sbtc_registry_group, .offset = offsetof(config, registry)},
	{.group = &sbtc_http_tls_group, .offset = offsetof(config, http)},
};

static const sbtc_plugin_info info = {
	.progname = "check_sbtc_backup",
	.check_label = "BACKUP",
	.purpose =
		"Checks the newest backup of the signer's database: recent, of a plausible size, whole\n"
		"(pg_dump's custom, directory, tar or plain format read to its end, also inside gzip,\n"
		"zstd or lz4, without restoring it), and with --verify-key holding the key that the sBTC\n"
		"registry holds on chain.",
	.usage = "--path PATH [--pattern GLOB] [-w DURATION]\n"
		 "  [-c DURATION] [--min-size SIZE] [--max-shrink PERCENT] [--count-min N]\n"
		 "  [--format FORMAT] [--verify-key [-u URL] [-d CONNINFO] [--pg-restore FILE]]\n"
		 "  [-t SECONDS[:STATE]] [-v]",
	.options = options,
	.noptions = sizeof options / sizeof options[0],
	.groups = groups,
	.ngroups = sizeof groups / sizeof groups[0],
	.notes =
		"States:\n"
		"  OK        the newest backup is recent, whole, and (--verify-key) holds the key on chain.\n"
		"  WARNING   older than -w; dated in the future; smaller than the one before by more\n"
		"            than --max-shrink; fewer than --count-min backups; a key rotation pending.\n"
		"  CRITICAL  older than -c; no backup matches; the path or file cannot be read; empty\n"
		"            or under --min-size; not a pg_dump backup, another format than --format,\n"
		"            or cut short (the message says what was found and where it broke); the\n"
		"            backup does not hold the key on chain; pg_restore fails on it.\n"
		"  UNKNOWN   bad arguments; --verify-key on an encrypted backup, on a dump made with\n"
		"            --inserts, or without pg_restore; an answer that cannot be decoded; the\n"
		"            deadline (or the state given with -t SECONDS:STATE).\n"
		"Encrypted backups (OpenPGP, age) are recognised: only age and size apply.\n"
		"With --verify-key, a backup from before migration 0012 is WARNING: its shares carry no\n"
		"verification status. Every release since v1.0.0 applies migrations 0001 to 0014, so it\n"
		"is a pre-mainnet signer's database (0.0.9-rc6 or older) or one whose migrations never\n"
		"ran: start the signer with --migrate-db and take a new backup.\n"
		"The deadline (-t) defaults to 30 s here: reading a large backup to its end takes\n"
		"time, about a second per few GB from the page cache, at disk speed otherwise.\n"
		"\n"
		"Perfdata: age (s), size (B), backups (count), time (s).\n"
		"\n"
		"Examples:\n"
		"  check_sbtc_backup --path /var/backups/sbtc --pattern 'signer-*.dump' \\\n"
		"      --min-size 1MB\n"
		"  check_sbtc_backup --path /var/backups/sbtc --pattern 'signer-*.dump' \\\n"
		"      --verify-key -u http://127.0.0.1:20443 -t 60",
	.default_timeout = 30,
};

static int handle_option(void *ctx, int key, const char *arg, char *err, size_t errlen)
{
	config *cfg = ctx;
	double v;
	switch (key) {
	case OPT_PATH:
		if (arg[0] == '\0') {
			snprintf(err, errlen, "--path must not be empty");
			return -1;
		}
		cfg->path = arg;
		return 0;
	case OPT_PATTERN:
		if (arg[0] == '\0' || strchr(arg, '/') != NULL) {
			snprintf(err, errlen, "invalid --pattern '%s': a file name glob, without '/'", arg);
			return -1;
		}
		cfg->pattern = arg;
		return 0;
	case 'w': return sbtc_range_parse(arg, SBTC_UNIT_DURATION, &cfg->age.warning, err, errlen);
	case 'c': return sbtc_range_parse(arg, SBTC_UNIT_DURATION, &cfg->age.critical, err, errlen);
	case OPT_MIN_SIZE: return sbtc_quantity_parse(arg, SBTC_UNIT_SIZE, &cfg->min_size, err, errlen);
	case OPT_MAX_SHRINK:
		if (sbtc_quantity_parse(arg, SBTC_UNIT_NONE, &v, err, errlen) != 0)
			return -1;
		if (v > 100) {
			snprintf(err, errlen, "invalid --max-shrink '%s': a percentage from 0 to 100", arg);
			return -1;
		}
		cfg->max_shrink = v;
		return 0;
	case OPT_COUNT_MIN:
		if (sbtc_quantity_parse(arg, SBTC_UNIT_NONE, &v, err, errlen) != 0)
			return -1;
		if (v != floor(v) || v > 1e9) {
			snprintf(err, errlen, "invalid --count-min '%s': a whole number", arg);
			return -1;
		}
		cfg->count_min = (long)v;
		return 0;
	case OPT_FORMAT:
		cfg->format = sbtc_dump_format_parse(arg);
		if (cfg->format < 0) {
			snprintf(err, errlen, "invalid --format '%s' (use custom, directory, tar or plain)", arg);
			return -1;
		}
		return 0;
	case OPT_VERIFY_KEY: cfg->verify_key = true; return 0;
	case OPT_PG_RESTORE:
		if (arg[0] != '/') {
			snprintf(err, errlen, "--pg-restore '%s' must be an absolute path", arg);
			return -1;
		}
		cfg->pg_restore = arg;
		return 0;
	case 'd': cfg->dbconn = arg; return 0;
	case 'u':
		cfg->stacks_url = arg;
		cfg->stacks_url_given = true;
		return sbtc_url_check(arg, "--stacks-url", err, errlen);
	}
	snprintf(err, errlen, "unhandled option");
	return -1;
}

/* ------------------------------------------------------------------ finding the backups */

typedef struct {
	char *path;
	char *name;    /* sanitised, for messages */
	bool is_dir;   /* a directory-format dump */
	double mtime;
	double size;
} backup;

typedef struct {
	backup *v;
	size_t n, cap;
	size_t dirs_ignored; /* matching directories that are not directory-format dumps */
} backup_list;

static double mtime_of(const struct stat *st)
{
	return (double)st->st_mtim.tv_sec + st->st_mtim.tv_nsec / 1e9;
}

/* A directory-format dump: its toc.dat (written last) dates it; its files make its size. */
static bool dir_dump(const char *path, double *mtime, double *size)
{
	char *toc = sbtc_xasprintf("%s/toc.dat", path);
	struct stat st;
	int r = stat(toc, &st);
	free(toc);
	if (r != 0 || !S_ISREG(st.st_mode))
		return false;
	*mtime = mtime_of(&st);
	*size = 0;
	DIR *d = opendir(path);
	if (d == NULL)
		return true;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		struct stat fs;
		char *f = sbtc_xasprintf("%s/%s", path, de->d_name);
		if (stat(f, &fs) == 0 && S_ISREG(fs.st_mode))
			*size += (double)fs.st_size;
		free(f);
	}
	closedir(d);
	return true;
}

static void add_backup(backup_list *l, const char *path, const char *name, bool is_dir, double mtime, double size)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = sbtc_xrealloc(l->v, l->cap * sizeof *l->v);
	}
	backup *b = &l->v[l->n++];
	b->path = sbtc_xstrdup(path);
	b->name = sbtc_sanitize(name, 120);
	b->is_dir = is_dir;
	b->mtime = mtime;
	b->size = size;
}

static int newest_first(const void *a, const void *b)
{
	const backup *x = a, *y = b;
	if (x->mtime != y->mtime)
		return x->mtime > y->mtime ? -1 : 1;
	return strcmp(y->path, x->path);
}

/* Lists the backups, newest first. Returns false with a CRITICAL sub-result when the
 * path cannot be read. */
static bool find_backups(sbtc_result *root, const config *cfg, backup_list *l)
{
	struct stat st;
	char *where = sbtc_sanitize(cfg->path, 200);
	bool ok = false;
	double mtime, size;
	sbtc_deadline_activity("listing the backups");
	if (stat(cfg->path, &st) != 0) {
		sbtc_result_add(root, SBTC_CRITICAL, "cannot read %s: %s", where, strerror(errno));
		goto out;
	}
	if (S_ISREG(st.st_mode)) {
		const char *slash = strrchr(cfg->path, '/');
		add_backup(l, cfg->path, slash ? slash + 1 : cfg->path, false, mtime_of(&st), (double)st.st_size);
		ok = true;
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		sbtc_result_add(root, SBTC_CRITICAL, "%s is neither a file nor a directory", where);
		goto out;
	}
	if (dir_dump(cfg->path, &mtime, &size)) {
		const char *slash = strrchr(cfg->path, '/');
		add_backup(l, cfg->path, slash && slash[1] ? slash + 1 : cfg->path, true, mtime, size);
		ok = true;
		goto out;
	}
	DIR *d = opendir(cfg->path);
	if (d == NULL) {
		sbtc_result_add(root, SBTC_CRITICAL, "cannot read directory %s: %s", where, strerror(errno));
		goto out;
	}
	struct dirent *de;
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    fnmatch(cfg->pattern, de->d_name, FNM_PERIOD) != 0)
			continue;
		char *full = sbtc_xasprintf("%s/%s", cfg->path, de->d_name);
		if (stat(full, &st) == 0) {
			if (S_ISREG(st.st_mode))
				add_backup(l, full, de->d_name, false, mtime_of(&st), (double)st.st_size);
			else if (S_ISDIR(st.st_mode) && dir_dump(full, &mtime, &size))
				add_backup(l, full, de->d_name, true, mtime, size);
			else if (S_ISDIR(st.st_mode))
				l->dirs_ignored++;
		}
		free(full);
		errno = 0;
	}
	if (errno != 0) {
		sbtc_result_add(root, SBTC_CRITICAL, "cannot read directory %s: %s", where, strerror(errno));
		closedir(d);
		goto out;
	}
	closedir(d);
	if (l->n == 0) {
		char *pat = sbtc_sanitize(cfg->pattern, 100);
		if (l->dirs_ignored > 0)
			sbtc_result_add(root, SBTC_CRITICAL,
					"no backup matching '%s' in %s (%zu matching directories are not "
					"directory-format dumps: no toc.dat)", pat, where, l->dirs_ignored);
		else
			sbtc_result_add(root, SBTC_CRITICAL, "no backup matching '%s' in %s", pat, where);
		free(pat);
		goto out;
	}
	qsort(l->v, l->n, sizeof *l->v, newest_first);
	ok = true;
out:
	free(where);
	return ok;
}

static void backups_free(backup_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].path);
		free(l->v[i].name);
	}
	free(l->v);
}

/* ------------------------------------------------------------------ evaluation */

static void eval_age(sbtc_result *root, const config *cfg, const backup *b, double now)
{
	char age[32];
	double a = now - b->mtime;
	if (a < -FUTURE_TOLERANCE) {
		sbtc_format_duration(-a, age, sizeof age);
		sbtc_result_add(root, SBTC_WARNING, "newest backup %s is dated %s in the future (clock or copy problem)",
				b->name, age);
	} else {
		if (a < 0)
			a = 0;
		sbtc_format_duration(a, age, sizeof age);
		sbtc_state st = sbtc_thresholds_eval(&cfg->age, a);
		sbtc_result_add(root, st, "newest backup %s is %s old", b->name, age);
	}
	sbtc_perf_add(root, "age", round(now - b->mtime), "s", &cfg->age, NAN, NAN);
}

static void eval_size(sbtc_result *root, const config *cfg, const backup_list *l)
{
	const backup *b = &l->v[0];
	char sz[32], lim[32], psz[32];
	sbtc_thresholds t = {0};
	sbtc_format_size(b->size, sz, sizeof sz);
	if (!isnan(cfg->min_size)) {
		char text[64];
		snprintf(text, sizeof text, "%.0f:", cfg->min_size);
		if (sbtc_range_parse(text, SBTC_UNIT_SIZE, &t.critical, NULL, 0) != 0)
			t.critical.set = false;
	}
	if (b->size == 0 && !b->is_dir) {
		sbtc_result_add(root, SBTC_CRITICAL, "newest backup %s is empty (0 bytes)", b->name);
	} else if (!isnan(cfg->min_size) && b->size < cfg->min_size) {
		sbtc_format_size(cfg->min_size, lim, sizeof lim);
		sbtc_result_add(root, SBTC_CRITICAL, "newest backup %s is %s, under the minimum of %s", b->name, sz, lim);
	} else if (!isnan(cfg->max_shrink) && l->n >= 2 && l->v[1].size > 0 &&
		   (l->v[1].size - b->size) / l->v[1].size * 100 > cfg->max_shrink) {
		sbtc_format_size(l->v[1].size, psz, sizeof psz);
		sbtc_result_add(root, SBTC_WARNING,
				"newest backup %s is %.0f%% smaller than the one before it (%s: %s, now %s; "
				"--max-shrink %g%%)",
				b->name, (l->v[1].size - b->size) / l->v[1].size * 100, l->v[1].name, psz, sz,
				cfg->max_shrink);
	} else {
		sbtc_result_add(root, SBTC_OK, "size %s", sz);
	}
	sbtc_perf_add(root, "size", b->size, "B", &t, 0, NAN);
}

static void eval_count(sbtc_result *root, const config *cfg, const backup_list *l)
{
	sbtc_thresholds t = {0};
	if (cfg->count_min > 0) {
		char text[32];
		snprintf(text, sizeof text, "%ld:", cfg->count_min);
		if (sbtc_range_parse(text, SBTC_UNIT_NONE, &t.warning, NULL, 0) != 0)
			t.warning.set = false;
		if ((long)l->n < cfg->count_min) {
			char *pat = sbtc_sanitize(cfg->pattern, 100);
			sbtc_result_add(root, SBTC_WARNING, "only %zu backup%s match '%s', fewer than --count-min %ld "
					"(retention broken?)", l->n, l->n == 1 ? "" : "s", pat, cfg->count_min);
			free(pat);
		} else {
			sbtc_result_add(root, SBTC_OK, "%zu backups", l->n);
		}
	}
	sbtc_perf_add(root, "backups", (double)l->n, "", &t, 0, NAN);
}

/* "custom format (archive 1.14, pg_dump 15.2, data gzip)", "plain SQL, zstd-compressed". */
static void describe_format(const sbtc_dump_info *d, char *dst, size_t len)
{
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	if (d->format == SBTC_DUMP_PLAIN)
		sbtc_strbuf_puts(&b, "plain SQL dump");
	else if (d->format == SBTC_DUMP_CUSTOM || d->format == SBTC_DUMP_DIRECTORY || d->format == SBTC_DUMP_TAR)
		sbtc_strbuf_printf(&b, "pg_dump %s format", sbtc_dump_format_name(d->format));
	else
		sbtc_strbuf_puts(&b, sbtc_dump_format_name(d->format));
	if (d->outer != SBTC_COMP_NONE)
		sbtc_strbuf_printf(&b, " in a %s stream", sbtc_compression_name(d->outer));
	sbtc_strlcpy(dst, sbtc_strbuf_str(&b), len);
	sbtc_strbuf_free(&b);
}

/* Returns true when the backup is whole (and may be read for its key). */
static bool eval_format(sbtc_result *root, const config *cfg, const backup *b, const sbtc_dump_info *d)
{
	char what[160];
	describe_format(d, what, sizeof what);
	if (d->timed_out) {
		sbtc_result_add(root, sbtc_deadline_timeout_state(), "timed out after %g s while reading %s (%s)",
				sbtc_deadline_seconds(), b->name, what);
		return false;
	}
	if (d->format == SBTC_DUMP_EMPTY && !d->whole) {
		if (b->size > 0)
			sbtc_result_add(root, SBTC_CRITICAL, "newest backup %s: %s", b->name, d->problem);
		return false;
	}
	if (sbtc_dump_format_encrypted(d->format)) {
		sbtc_result_add(root, SBTC_OK, "%s is %s: only its age and size are checked", b->name, what);
		return false;
	}
	if (cfg->format >= 0 && d->format != (sbtc_dump_format)cfg->format && d->format != SBTC_DUMP_UNKNOWN) {
		sbtc_result_add(root, SBTC_CRITICAL, "newest backup %s is a %s, not the %s format --format requires",
				b->name, what, sbtc_dump_format_name((sbtc_dump_format)cfg->format));
		return false;
	}
	if (d->beyond_limits) {
		sbtc_result_add(root, SBTC_UNKNOWN, "newest backup %s (%s) is not judged: %s", b->name, what, d->problem);
		return false;
	}
	if (!d->whole) {
		if (d->format == SBTC_DUMP_UNKNOWN)
			sbtc_result_add(root, SBTC_CRITICAL, "newest backup %s is %s", b->name, d->problem);
		else
			sbtc_result_add(root, SBTC_CRITICAL, "newest backup %s (%s) is not whole: %s", b->name, what,
					d->problem);
		return false;
	}
	sbtc_strbuf t = SBTC_STRBUF_INIT;
	sbtc_strbuf_printf(&t, "%s, whole", what);
	if (d->format == SBTC_DUMP_PLAIN) {
		char sz[32];
		sbtc_format_size((double)d->decoded_bytes, sz, sizeof sz);
		sbtc_strbuf_printf(&t, " (%s of SQL, ends as pg_dump ends it)", sz);
	} else {
		sbtc_strbuf_printf(&t, " (%ld TOC entries, %ld of %ld data %s", d->toc_entries, d->data_blocks,
				   d->data_entries, d->format == SBTC_DUMP_CUSTOM ? "blocks" : "files");
		if (d->data_compression[0] != '\0' && strcmp(d->data_compression, "none") != 0)
			sbtc_strbuf_printf(&t, " %s-compressed", d->data_compression);
		if (d->empty_files > 0)
			sbtc_strbuf_printf(&t, ", %ld of them empty", d->empty_files);
		sbtc_strbuf_printf(&t, "; archive %s", d->archive_version);
		if (d->dump_version[0] != '\0')
			sbtc_strbuf_printf(&t, " by pg_dump %s", d->dump_version);
		sbtc_strbuf_puts(&t, ")");
	}
	sbtc_result_add(root, SBTC_OK, "%s", sbtc_strbuf_str(&t));
	sbtc_strbuf_free(&t);
	return true;
}

/* ------------------------------------------------------------------ the key inside */

/* pg_restore extracts the one table as SQL text; its COPY block is read as plain SQL's. */
static bool shares_via_pg_restore(sbtc_result *root, const config *cfg, const backup *b,
				  const uint8_t (*keys)[SBTC_AGGREGATE_KEY_LEN], size_t nkeys, sbtc_dkg_shares *shares)
{
	char err[600], errtext[400];
	char *exe = cfg->pg_restore ? sbtc_xstrdup(cfg->pg_restore) : sbtc_find_in_path("pg_restore");
	if (exe == NULL) {
		sbtc_result_add(root, SBTC_UNKNOWN, "--verify-key needs pg_restore for a %s-format backup: none on PATH "
				"(apt-get install postgresql-client, or give --pg-restore)",
				b->is_dir ? "directory" : "archive");
		return false;
	}
	char *argv[] = {"pg_restore", "--data-only", "--schema=sbtc_signer", "--table=dkg_shares", "--file=-",
			b->path, NULL};
	char *envp[] = {"LC_ALL=C", "PATH=/usr/local/bin:/usr/bin:/bin", NULL};
	sbtc_child child;
	sbtc_deadline_activity("reading the backup with pg_restore");
	if (cfg->verbose >= 2)
		fprintf(stderr, "running %s --data-only --schema=sbtc_signer --table=dkg_shares --file=- %s\n", exe,
			b->name);
	if (sbtc_child_spawn(exe, argv, envp, &child, err, sizeof err) != 0) {
		char *e = sbtc_sanitize(err, 300);
		sbtc_result_add(root, SBTC_UNKNOWN, "cannot run pg_restore: %s", e);
		free(e);
		free(exe);
		return false;
	}
	sbtc_src *src = sbtc_src_fd(child.out_fd, true, SBTC_COMP_NONE);
	int r = sbtc_dkg_copy_src(src, keys, nkeys, false, shares, err, sizeof err);
	sbtc_src_free(src);
	int code;
	bool timed_out;
	if (sbtc_deadline_expired()) {
		sbtc_child_kill(&child);
		timed_out = true;
	} else {
		sbtc_child_finish(&child, &code, &timed_out, errtext, sizeof errtext);
	}
	free(exe);
	if (timed_out) {
		sbtc_result_add(root, sbtc_deadline_timeout_state(),
				"timed out after %g s while pg_restore read the backup (killed)", sbtc_deadline_seconds());
		sbtc_dkg_shares_free(shares);
		return false;
	}
	if (code != 0) {
		char how[32];
		if (code < 0)
			snprintf(how, sizeof how, "killed by signal %d", -code);
		else
			snprintf(how, sizeof how, "exit %d", code);
		sbtc_result_add(root, SBTC_CRITICAL, "pg_restore cannot read %s (%s): %s", b->name, how,
				errtext[0] ? errtext : "no message");
		sbtc_dkg_shares_free(shares);
		return false;
	}
	if (r < 0) {
		char *e = sbtc_sanitize(err, 300);
		sbtc_result_add(root, SBTC_CRITICAL, "%s: %s", b->name, e);
		free(e);
		sbtc_dkg_shares_free(shares);
		return false;
	}
	if (r == 2) {
		sbtc_result_add(root, SBTC_UNKNOWN, "newest backup %s holds sbtc_signer.dkg_shares as INSERT statements "
				"(pg_dump --inserts): --verify-key reads COPY data only", b->name);
		sbtc_dkg_shares_free(shares);
		return false;
	}
	if (r == 1) {
		sbtc_result_add(root, SBTC_CRITICAL, "newest backup %s holds no data of sbtc_signer.dkg_shares (is it "
				"the signer's database?)", b->name);
		sbtc_dkg_shares_free(shares);
		return false;
	}
	return true;
}

static void describe_shares(sbtc_result *root, const sbtc_dkg_shares *s)
{
	sbtc_dkg_counts c;
	sbtc_dkg_count(s, &c);
	sbtc_result *r;
	if (!s->has_status)
		r = sbtc_result_add(root, SBTC_WARNING, "the backup " SBTC_DKG_PRE0012_WHY ": its %zu shares carry no "
				    "verification status; " SBTC_DKG_PRE0012_FIX " and take a new backup", c.total);
	else
		r = sbtc_result_add(root, SBTC_OK, "the backup holds %zu verified, %zu unverified, %zu failed shares",
				    c.verified, c.unverified, c.failed);
	if (s->malformed > 0)
		sbtc_result_add(r, SBTC_WARNING, "%zu rows with an aggregate_key that is not a 33-byte compressed key "
				"were ignored", s->malformed);
}

/* What the backup's shares are judged against, asked before they are read: the rows
 * of these keys are all a verdict needs of them (lib/dkg_copy.h). */
typedef struct {
	bool want_onchain, onchain_ok;
	sbtc_fetch_status onchain_st;
	sbtc_registry_key onchain;
	char onchain_err[700];
	bool want_live, live_ok;
	sbtc_fetch_status live_st;
	sbtc_dkg_shares live;
	char live_where[200], live_err[700];
	bool timed_out_live, timed_out_node; /* the deadline passed while fetching it */
} references;

static void fetch_references(const config *cfg, references *ref)
{
	memset(ref, 0, sizeof *ref);
	ref->want_live = cfg->dbconn != NULL;
	ref->want_onchain = cfg->dbconn == NULL || cfg->stacks_url_given;
	if (ref->want_live) {
		sbtc_deadline_activity("reading the live database");
		PGconn *conn = sbtc_pg_connect(cfg->dbconn, info.progname, &ref->live_st, ref->live_err,
					       sizeof ref->live_err);
		if (conn != NULL) {
			sbtc_pg_describe(conn, ref->live_where, sizeof ref->live_where);
			ref->live_st = sbtc_dkg_load(conn, &ref->live, ref->live_err, sizeof ref->live_err);
			PQfinish(conn);
			ref->live_ok = ref->live_st == SBTC_FETCH_OK;
		}
		if (sbtc_deadline_expired()) {
			ref->timed_out_live = true;
			return;
		}
	}
	if (ref->want_onchain) {
		sbtc_deadline_activity("asking the Stacks node for the registry's key");
		ref->onchain_st = sbtc_registry_aggregate_key(cfg->stacks_url, "Stacks node", &cfg->registry.contract,
							      cfg->registry.sender, &cfg->http, &ref->onchain,
							      ref->onchain_err, sizeof ref->onchain_err);
		ref->onchain_ok = ref->onchain_st == SBTC_FETCH_OK;
		ref->timed_out_node = sbtc_deadline_expired();
	}
}

/* The keys whose rows the backup must yield: the registry's, the live database's newest
 * verified share's. */
static size_t reference_keys(const references *ref, uint8_t keys[2][SBTC_AGGREGATE_KEY_LEN])
{
	size_t n = 0;
	if (ref->onchain_ok && ref->onchain.has_key)
		memcpy(keys[n++], ref->onchain.key, SBTC_AGGREGATE_KEY_LEN);
	if (ref->live_ok) {
		sbtc_dkg_counts lc;
		sbtc_dkg_count(&ref->live, &lc);
		if (lc.newest_verified != NULL)
			memcpy(keys[n++], lc.newest_verified->key, SBTC_AGGREGATE_KEY_LEN);
	}
	return n;
}

/* A plain dump's first reading kept the newest shares only; when a reference key is
 * another one, its COPY block is read again for that key's rows. */
static bool plain_shares_for_keys(sbtc_result *root, const backup *b, const uint8_t (*keys)[SBTC_AGGREGATE_KEY_LEN],
				  size_t nkeys, sbtc_dkg_shares *shares)
{
	bool needed = false;
	for (size_t i = 0; i < nkeys; i++)
		needed = needed || !sbtc_dkg_copy_answers(shares, keys[i]);
	if (!needed)
		return true;
	sbtc_dkg_shares_free(shares);
	char err[300];
	int fd = open(b->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		sbtc_result_add(root, SBTC_CRITICAL, "newest backup %s: reading it again: %s", b->name, strerror(errno));
		return false;
	}
	sbtc_src *src = sbtc_src_fd(fd, false, -1);
	int r = sbtc_dkg_copy_src(src, keys, nkeys, true, shares, err, sizeof err);
	bool timed_out = sbtc_deadline_expired();
	sbtc_src_free(src);
	close(fd);
	if (r == 0)
		return true;
	sbtc_dkg_shares_free(shares);
	if (timed_out) {
		sbtc_result_add(root, sbtc_deadline_timeout_state(), "timed out after %g s while reading %s for its "
				"shares", sbtc_deadline_seconds(), b->name);
	} else {
		char *e = sbtc_sanitize(r < 0 ? err : "the COPY block of sbtc_signer.dkg_shares is gone", 300);
		sbtc_result_add(root, SBTC_CRITICAL, "newest backup %s changed while read (again): %s", b->name, e);
		free(e);
	}
	return false;
}

/* The key on chain, judged by the same code as check_sbtc_aggregate_key. */
static sbtc_result *compare_onchain(sbtc_result *root, const config *cfg, const references *ref,
				    const sbtc_dkg_shares *shares)
{
	char k[80];
	if (!ref->onchain_ok) {
		sbtc_result_add(root, sbtc_fetch_state(ref->onchain_st), "%s", ref->onchain_err);
		return NULL;
	}
	const sbtc_registry_key *onchain = &ref->onchain;
	char *masked = sbtc_url_origin(cfg->stacks_url);
	if (onchain->has_key)
		sbtc_result_add(root, SBTC_OK, "Stacks node %s: registry %s.%s holds key %s", masked, cfg->registry.contract.address,
				cfg->registry.contract.name,
				cfg->verbose ? sbtc_key_hex(onchain->key, k, sizeof k) : sbtc_key_short(onchain->key, k, sizeof k));
	free(masked);
	return sbtc_dkg_verdict(root, shares, onchain, cfg->registry.rotation_grace, "the backup", cfg->verbose);
}

/* The live database's newest verified share must be the backup's. */
static sbtc_result *compare_live(sbtc_result *root, const config *cfg, const references *ref,
				 const sbtc_dkg_shares *shares)
{
	char k1[80], k2[80];
	const char *where = ref->live_where;
	if (!ref->live_ok) {
		if (where[0] != '\0')
			sbtc_result_add(root, sbtc_fetch_state(ref->live_st), "database %s: %s", where, ref->live_err);
		else
			sbtc_result_add(root, sbtc_fetch_state(ref->live_st), "%s", ref->live_err);
		return NULL;
	}
	sbtc_dkg_counts lc, bc;
	sbtc_dkg_count(&ref->live, &lc);
	sbtc_dkg_count(shares, &bc);
	sbtc_result *r;
	if (lc.newest_verified == NULL) {
		r = sbtc_result_add(root, SBTC_UNKNOWN, "database %s has no verified share to compare the backup with",
				    where);
	} else {
		const uint8_t *lk = lc.newest_verified->key;
		if (cfg->verbose)
			sbtc_key_hex(lk, k1, sizeof k1);
		else
			sbtc_key_short(lk, k1, sizeof k1);
		if (bc.newest_verified != NULL) {
			if (cfg->verbose)
				sbtc_key_hex(bc.newest_verified->key, k2, sizeof k2);
			else
				sbtc_key_short(bc.newest_verified->key, k2, sizeof k2);
		} else {
			snprintf(k2, sizeof k2, "none");
		}
		/* The summary holds the newest verified row of lk when there is one. */
		bool held = false;
		for (size_t i = 0; i < shares->n; i++)
			held = held || (shares->v[i].status == SBTC_SHARE_VERIFIED &&
					memcmp(shares->v[i].key, lk, SBTC_AGGREGATE_KEY_LEN) == 0);
		if (bc.newest_verified != NULL && memcmp(bc.newest_verified->key, lk, SBTC_AGGREGATE_KEY_LEN) == 0)
			r = sbtc_result_add(root, SBTC_OK, "the newest verified share of database %s, %s, is the "
					    "newest verified share in the backup", where, k1);
		else if (held)
			r = sbtc_result_add(root, SBTC_WARNING, "the backup's newest verified share %s differs from "
					    "database %s's newest, %s, which it holds only as an older share", k2, where, k1);
		else
			r = sbtc_result_add(root, SBTC_CRITICAL, "the newest verified share of database %s, %s, is not "
					    "among the verified shares of the backup: it cannot restore a signer for it "
					    "(newest verified share there is %s)", where, k1, k2);
	}
	return r;
}

int main(int argc, char **argv)
{
	config cfg = {
		.pattern = "*",
		.min_size = NAN,
		.max_shrink = NAN,
		.format = -1,
		.stacks_url = SBTC_DEFAULT_STACKS_URL,
	};
	sbtc_common_opts common;
	char err[600];

	if (sbtc_range_parse(DEFAULT_WARNING, SBTC_UNIT_DURATION, &cfg.age.warning, err, sizeof err) != 0 ||
	    sbtc_range_parse(DEFAULT_CRITICAL, SBTC_UNIT_DURATION, &cfg.age.critical, err, sizeof err) != 0)
		sbtc_die(SBTC_UNKNOWN, "%s", err);
	sbtc_cli_parse(&info, argc, argv, &common, handle_option, &cfg);
	if (cfg.path == NULL)
		sbtc_usage_error(&info, "--path is required (the backup directory or file)");
	cfg.verbose = common.verbose;
	cfg.http.verbose = common.verbose;

	/* Acquisition: the backups, the newest one read through, its shares, the reference. */
	sbtc_result *root = sbtc_result_new();
	backup_list list = {0};
	if (!find_backups(root, &cfg, &list)) {
		sbtc_perf_add(root, "backups", 0, "", NULL, 0, NAN);
		sbtc_perf_add_time(root);
		backups_free(&list);
		return sbtc_finish(root);
	}
	const backup *newest = &list.v[0];
	double now;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	now = (double)ts.tv_sec + ts.tv_nsec / 1e9;

	sbtc_dump_info dump;
	sbtc_dkg_shares shares = {0};
	bool have_shares = false;
	char serr[300] = "";
	char *activity = sbtc_xasprintf("reading backup %s", newest->name);
	sbtc_deadline_activity(activity);
	free(activity);
	sbtc_dump_examine_path(newest->path, &dump, cfg.verify_key ? &shares : NULL, &have_shares, serr, sizeof serr);

	/* Evaluation. */
	eval_age(root, &cfg, newest, now);
	eval_size(root, &cfg, &list);
	eval_count(root, &cfg, &list);
	bool whole = eval_format(root, &cfg, newest, &dump);
	sbtc_result *verdict = NULL;
	if (cfg.verify_key) {
		bool usable = false;
		if (sbtc_dump_format_encrypted(dump.format)) {
			sbtc_result_add(root, SBTC_UNKNOWN, "--verify-key cannot read inside the %s backup %s",
					sbtc_dump_format_name(dump.format), newest->name);
		} else if (!whole) {
			/* The format's verdict already says why; nothing to read the key from. */
		} else if (dump.format == SBTC_DUMP_PLAIN) {
			if (serr[0] != '\0') {
				char *e = sbtc_sanitize(serr, 300);
				sbtc_result_add(root, SBTC_CRITICAL, "%s: %s", newest->name, e);
				free(e);
			} else if (dump.dkg_as_inserts) {
				sbtc_result_add(root, SBTC_UNKNOWN, "newest backup %s holds sbtc_signer.dkg_shares as INSERT "
						"statements (pg_dump --inserts): --verify-key reads COPY data only",
						newest->name);
			} else if (!have_shares) {
				sbtc_result_add(root, SBTC_CRITICAL, "newest backup %s holds no data of "
						"sbtc_signer.dkg_shares (is it the signer's database?)", newest->name);
			} else {
				usable = true;
			}
		} else if (!dump.has_dkg_data) {
			sbtc_dkg_shares_free(&shares);
			sbtc_result_add(root, SBTC_CRITICAL, "newest backup %s holds no data of sbtc_signer.dkg_shares (is "
					"it the signer's database?)", newest->name);
		} else {
			usable = true;
		}
		/* The references first: the backup's rows of their keys are what is kept. */
		references ref;
		bool fetched = false;
		if (usable) {
			uint8_t keys[2][SBTC_AGGREGATE_KEY_LEN];
			fetch_references(&cfg, &ref);
			fetched = true;
			size_t nkeys = reference_keys(&ref, keys);
			if (ref.timed_out_live || ref.timed_out_node) {
				/* Name what used the time up, not the reading of the backup that
				 * would come next and find no time left. */
				const char *why = ref.timed_out_live ? ref.live_err : ref.onchain_err;
				if (why[0] != '\0') {
					char *e = sbtc_sanitize(why, 700);
					sbtc_result_add(root, sbtc_deadline_timeout_state(), "%s", e);
					free(e);
				} else {
					sbtc_result_add(root, sbtc_deadline_timeout_state(), "timed out after %g s before "
							"the backup could be read for the key", sbtc_deadline_seconds());
				}
				usable = false;
			} else if (dump.format == SBTC_DUMP_PLAIN) {
				usable = plain_shares_for_keys(root, newest, (const uint8_t(*)[SBTC_AGGREGATE_KEY_LEN])keys,
							       nkeys, &shares);
			} else {
				sbtc_dkg_shares_free(&shares);
				usable = shares_via_pg_restore(root, &cfg, newest,
							       (const uint8_t(*)[SBTC_AGGREGATE_KEY_LEN])keys, nkeys,
							       &shares);
			}
		}
		if (usable) {
			shares.now = now;
			describe_shares(root, &shares);
			if (ref.want_live)
				verdict = compare_live(root, &cfg, &ref, &shares);
			if (ref.want_onchain) {
				sbtc_result *v = compare_onchain(root, &cfg, &ref, &shares);
				if (v != NULL && (verdict == NULL || sbtc_state_rank(sbtc_result_state(v)) >
									    sbtc_state_rank(sbtc_result_state(verdict))))
					verdict = v;
			}
		}
		if (fetched)
			sbtc_dkg_shares_free(&ref.live);
	}
	sbtc_dkg_shares_free(&shares);

	/* Presentation: a healthy run says everything on its first line. */
	if (sbtc_result_state(root) == SBTC_OK) {
		char age[32], sz[32], what[160];
		sbtc_format_duration(fmax(0, now - newest->mtime), age, sizeof age);
		sbtc_format_size(newest->size, sz, sizeof sz);
		describe_format(&dump, what, sizeof what);
		sbtc_result_set_summary(root, "newest backup %s is %s old, %s, %s%s%s%s", newest->name, age, sz, what,
					    sbtc_dump_format_encrypted(dump.format) ? " (only age and size checked)"
										    : " and whole",
					    verdict != NULL ? "; " : "", verdict != NULL ? sbtc_result_text(verdict) : "");
	}
	sbtc_perf_add_time(root);
	backups_free(&list);
	return sbtc_finish(root);
}
