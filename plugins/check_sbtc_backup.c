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

#include "acquire.h"
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
#include "registry.h"
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

/* ------------------------------------------------------------------ defaults */

/* The defaults as values: -w and -c as DEFAULT_WARNING and DEFAULT_CRITICAL say in --help. */
static void config_init(config *cfg)
{
	*cfg = (config){
		.pattern = "*",
		.age = {.warning = {.set = true, .end = 26 * 3600.0}, .critical = {.set = true, .end = 50 * 3600.0}},
		.min_size = NAN,
		.max_shrink = NAN,
		.format = -1,
		.stacks_url = SBTC_DEFAULT_STACKS_URL,
	};
}

/* ------------------------------------------------------------------ what is measured */

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

/* What the backup's shares are judged against, and how asking each ended. */
typedef struct {
	bool want_onchain, want_live;
	sbtc_outcome onchain_oc, live_oc;
	sbtc_registry_key onchain;
	sbtc_dkg_shares live;
	char live_where[200]; /* "dbname at host:port" once connected */
	sbtc_pg_session *session; /* while asking */
} references;

/* Everything a run looks at, before any of it is judged. */
typedef struct {
	bool listed;             /* false: list_problem says why there is no backup to judge */
	char list_problem[600];
	backup_list list;        /* newest first */
	double now;              /* wall clock when the backups were listed */
	sbtc_dump_info dump;     /* the newest backup, read to its end */
	/* --verify-key */
	bool copy_found;         /* plain SQL: the COPY block of dkg_shares was there */
	char copy_err[300];      /* plain SQL: why that block could not be read */
	sbtc_dkg_shares shares;  /* the backup's shares (a summary, lib/dkg_copy.h) */
	references ref;
	sbtc_outcome read;       /* reading the backup for the references' keys (done: tried) */
} measurement;

/* The messages a backup's dkg_shares earn, whichever way they were read. */
#define MSG_INSERTS                                                                                          \
	"newest backup %s holds sbtc_signer.dkg_shares as INSERT statements (pg_dump --inserts): --verify-key " \
	"reads COPY data only"
#define MSG_NO_DATA "newest backup %s holds no data of sbtc_signer.dkg_shares (is it the signer's database?)"

/* ------------------------------------------------------------------ finding the backups */

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

/* The matching entries of the directory at cfg->path; false with *problem when it cannot
 * be read. */
static bool list_directory(const config *cfg, const char *where, backup_list *l, char *problem, size_t plen)
{
	struct stat st;
	double mtime, size;
	DIR *d = opendir(cfg->path);
	if (d == NULL) {
		snprintf(problem, plen, "cannot read directory %s: %s", where, strerror(errno));
		return false;
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
	int e = errno;
	closedir(d);
	if (e != 0) {
		snprintf(problem, plen, "cannot read directory %s: %s", where, strerror(e));
		return false;
	}
	if (l->n == 0) {
		char *pat = sbtc_sanitize(cfg->pattern, 100);
		if (l->dirs_ignored > 0)
			snprintf(problem, plen, "no backup matching '%s' in %s (%zu matching directories are not "
				 "directory-format dumps: no toc.dat)", pat, where, l->dirs_ignored);
		else
			snprintf(problem, plen, "no backup matching '%s' in %s", pat, where);
		free(pat);
		return false;
	}
	return true;
}

/* Lists the backups, newest first: --path itself when it is a file or a directory-format
 * dump, else what matches --pattern in it. False with *problem (a CRITICAL one) when the
 * path cannot be read or nothing matches. */
static bool find_backups(const config *cfg, backup_list *l, char *problem, size_t plen)
{
	struct stat st;
	char *where = sbtc_sanitize(cfg->path, 200);
	const char *slash = strrchr(cfg->path, '/');
	bool ok = false;
	double mtime, size;
	sbtc_deadline_activity("listing the backups");
	if (stat(cfg->path, &st) != 0) {
		snprintf(problem, plen, "cannot read %s: %s", where, strerror(errno));
	} else if (S_ISREG(st.st_mode)) {
		add_backup(l, cfg->path, slash ? slash + 1 : cfg->path, false, mtime_of(&st), (double)st.st_size);
		ok = true;
	} else if (!S_ISDIR(st.st_mode)) {
		snprintf(problem, plen, "%s is neither a file nor a directory", where);
	} else if (dir_dump(cfg->path, &mtime, &size)) {
		add_backup(l, cfg->path, slash && slash[1] ? slash + 1 : cfg->path, true, mtime, size);
		ok = true;
	} else if (list_directory(cfg, where, l, problem, plen)) {
		qsort(l->v, l->n, sizeof *l->v, newest_first);
		ok = true;
	}
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

/* ------------------------------------------------------------------ what the dump is */

typedef enum {
	FORMAT_TIMED_OUT,  /* the deadline passed while reading it */
	FORMAT_BROKEN,     /* decodes to nothing (a compressed stream that does not decode) */
	FORMAT_ENCRYPTED,  /* only age and size apply */
	FORMAT_WRONG,      /* another format than --format */
	FORMAT_BEYOND,     /* larger than this check reads: not judged */
	FORMAT_NOT_WHOLE,  /* cut short, or not a backup */
	FORMAT_WHOLE
} format_class;

static format_class classify_format(const config *cfg, const sbtc_dump_info *d)
{
	if (d->timed_out)
		return FORMAT_TIMED_OUT;
	if (d->format == SBTC_DUMP_EMPTY && !d->whole)
		return FORMAT_BROKEN;
	if (sbtc_dump_format_encrypted(d->format))
		return FORMAT_ENCRYPTED;
	if (cfg->format >= 0 && d->format != (sbtc_dump_format)cfg->format && d->format != SBTC_DUMP_UNKNOWN)
		return FORMAT_WRONG;
	if (d->beyond_limits)
		return FORMAT_BEYOND;
	return d->whole ? FORMAT_WHOLE : FORMAT_NOT_WHOLE;
}

/* Where --verify-key finds the backup's shares, or why it cannot. */
typedef enum {
	SHARES_ENCRYPTED,   /* nothing to read them from */
	SHARES_NOT_WHOLE,   /* the format's verdict says why */
	SHARES_COPY_BROKEN, /* plain SQL: the COPY block is malformed (copy_err) */
	SHARES_INSERTS,     /* dumped with --inserts */
	SHARES_NO_DATA,     /* no data of the table: another database's backup */
	SHARES_PLAIN,       /* read with the dump (and again for other keys) */
	SHARES_ARCHIVE      /* extracted with pg_restore */
} shares_class;

static shares_class classify_shares(const config *cfg, const measurement *m)
{
	const sbtc_dump_info *d = &m->dump;
	if (sbtc_dump_format_encrypted(d->format))
		return SHARES_ENCRYPTED;
	if (classify_format(cfg, d) != FORMAT_WHOLE)
		return SHARES_NOT_WHOLE;
	if (d->format != SBTC_DUMP_PLAIN)
		return d->has_dkg_data ? SHARES_ARCHIVE : SHARES_NO_DATA;
	if (m->copy_err[0] != '\0')
		return SHARES_COPY_BROKEN;
	if (d->dkg_as_inserts)
		return SHARES_INSERTS;
	return m->copy_found ? SHARES_PLAIN : SHARES_NO_DATA;
}

/* ------------------------------------------------------------------ the references */

/* Asks what the backup is judged against, the sources at once in one acquisition under
 * the deadline: the registry's key on chain (--stacks-url, or without --dbconn), as
 * check_sbtc_aggregate_key asks it, and the live database's shares (--dbconn). */
static void ask_references(const config *cfg, references *ref)
{
	ref->want_live = cfg->dbconn != NULL;
	ref->want_onchain = cfg->dbconn == NULL || cfg->stacks_url_given;
	sbtc_acq *a = sbtc_acq_new();
	sbtc_outcome connected = {0};
	if (ref->want_live) {
		ref->session = sbtc_acq_pg_connect(a, cfg->dbconn, info.progname, &connected, NULL, NULL);
		/* A connect that failed at once (a bad conninfo, refused) has nothing to load. */
		if (!connected.done)
			sbtc_dkg_load_start(ref->session, &ref->live, &ref->live_oc, NULL, NULL);
	}
	if (ref->want_onchain)
		sbtc_registry_aggregate_key_start(a, cfg->stacks_url, "Stacks node", &cfg->registry.contract,
						  cfg->registry.sender, &cfg->http, &ref->onchain, &ref->onchain_oc,
						  NULL, NULL);
	sbtc_deadline_activity(!ref->want_live ? "asking the Stacks node for the registry's key"
			       : ref->want_onchain ? "asking the Stacks node and reading the live database"
						   : "reading the live database");
	sbtc_acq_run(a);
	sbtc_acq_free(a);
	ref->session = NULL;
	if (connected.status == SBTC_FETCH_OK)
		sbtc_strlcpy(ref->live_where, connected.msg, sizeof ref->live_where);
	/* A load that never ended is no answer, whatever its zeroed status says. */
	if (ref->want_live && !ref->live_oc.done) {
		if (connected.done && connected.status != SBTC_FETCH_OK)
			ref->live_oc = connected;
		else
			sbtc_outcome_set(&ref->live_oc, SBTC_FETCH_BAD_ANSWER, "the live database's shares were not read");
	}
}

static bool references_timed_out(const references *ref)
{
	return (ref->want_live && ref->live_oc.status == SBTC_FETCH_TIMEOUT) ||
	       (ref->want_onchain && ref->onchain_oc.status == SBTC_FETCH_TIMEOUT);
}

/* The keys whose rows the backup must yield: the registry's, the live database's newest
 * verified share's. */
static size_t reference_keys(const references *ref, uint8_t keys[2][SBTC_AGGREGATE_KEY_LEN])
{
	size_t n = 0;
	if (ref->want_onchain && ref->onchain_oc.status == SBTC_FETCH_OK && ref->onchain.has_key)
		memcpy(keys[n++], ref->onchain.key, SBTC_AGGREGATE_KEY_LEN);
	if (ref->want_live && ref->live_oc.status == SBTC_FETCH_OK) {
		sbtc_dkg_counts lc;
		sbtc_dkg_count(&ref->live, &lc);
		if (lc.newest_verified != NULL)
			memcpy(keys[n++], lc.newest_verified->key, SBTC_AGGREGATE_KEY_LEN);
	}
	return n;
}

/* ------------------------------------------------------------------ the shares inside */

/* pg_restore extracts the one table as SQL text, whose COPY block is read as plain SQL's.
 * It starts before the references are asked (the pipe holds what it writes meanwhile),
 * so that its start-up costs nothing of their time. */
static bool pg_restore_start(const config *cfg, const backup *b, sbtc_child *child, sbtc_outcome *oc)
{
	char err[600];
	char *exe = cfg->pg_restore ? sbtc_xstrdup(cfg->pg_restore) : sbtc_find_in_path("pg_restore");
	if (exe == NULL) {
		sbtc_outcome_set(oc, SBTC_FETCH_USAGE, "--verify-key needs pg_restore for a %s-format backup: none on "
				 "PATH (apt-get install postgresql-client, or give --pg-restore)",
				 b->is_dir ? "directory" : "archive");
		return false;
	}
	char *argv[] = {"pg_restore", "--data-only", "--schema=sbtc_signer", "--table=dkg_shares", "--file=-",
			b->path, NULL};
	char *envp[] = {"LC_ALL=C", "PATH=/usr/local/bin:/usr/bin:/bin", NULL};
	if (cfg->verbose >= 2)
		fprintf(stderr, "running %s --data-only --schema=sbtc_signer --table=dkg_shares --file=- %s\n", exe,
			b->name);
	int r = sbtc_child_spawn(exe, argv, envp, child, err, sizeof err);
	free(exe);
	if (r != 0) {
		char *e = sbtc_sanitize(err, 300);
		sbtc_outcome_set(oc, SBTC_FETCH_USAGE, "cannot run pg_restore: %s", e);
		free(e);
		return false;
	}
	return true;
}

/* Reads pg_restore's output for the rows of the keys, and how pg_restore ended. */
static void pg_restore_read(const backup *b, sbtc_child *child, const uint8_t (*keys)[SBTC_AGGREGATE_KEY_LEN],
			    size_t nkeys, sbtc_dkg_shares *shares, sbtc_outcome *oc)
{
	char err[600], errtext[400] = "";
	int code = 0;
	bool timed_out = true;
	sbtc_deadline_activity("reading the backup with pg_restore");
	sbtc_src *src = sbtc_src_fd(child->out_fd, true, SBTC_COMP_NONE);
	int r = sbtc_dkg_copy_src(src, keys, nkeys, false, shares, err, sizeof err);
	sbtc_src_free(src);
	if (sbtc_deadline_expired())
		sbtc_child_kill(child);
	else
		sbtc_child_finish(child, &code, &timed_out, errtext, sizeof errtext);
	if (timed_out) {
		sbtc_outcome_set(oc, SBTC_FETCH_TIMEOUT, "timed out after %g s while pg_restore read the backup (killed)",
				 sbtc_deadline_seconds());
	} else if (code != 0) {
		char how[32];
		if (code < 0)
			snprintf(how, sizeof how, "killed by signal %d", -code);
		else
			snprintf(how, sizeof how, "exit %d", code);
		sbtc_outcome_set(oc, SBTC_FETCH_ERROR, "pg_restore cannot read %s (%s): %s", b->name, how,
				 errtext[0] ? errtext : "no message");
	} else if (r < 0) {
		char *e = sbtc_sanitize(err, 300);
		sbtc_outcome_set(oc, SBTC_FETCH_ERROR, "%s: %s", b->name, e);
		free(e);
	} else if (r == 2) {
		sbtc_outcome_set(oc, SBTC_FETCH_BAD_ANSWER, MSG_INSERTS, b->name);
	} else if (r == 1) {
		sbtc_outcome_set(oc, SBTC_FETCH_ERROR, MSG_NO_DATA, b->name);
	} else {
		sbtc_outcome_set(oc, SBTC_FETCH_OK, "%s", "");
	}
	if (oc->status != SBTC_FETCH_OK)
		sbtc_dkg_shares_free(shares);
}

/* Whether a plain dump's first reading (the newest shares only) holds every row a
 * verdict on these keys looks at. */
static bool shares_answer(const sbtc_dkg_shares *shares, const uint8_t (*keys)[SBTC_AGGREGATE_KEY_LEN], size_t nkeys)
{
	for (size_t i = 0; i < nkeys; i++)
		if (!sbtc_dkg_copy_answers(shares, keys[i]))
			return false;
	return true;
}

/* When a reference key is another than the newest shares', a plain dump's COPY block is
 * read again for that key's rows. */
static void plain_read_again(const backup *b, const uint8_t (*keys)[SBTC_AGGREGATE_KEY_LEN], size_t nkeys,
			     sbtc_dkg_shares *shares, sbtc_outcome *oc)
{
	if (shares_answer(shares, keys, nkeys)) {
		sbtc_outcome_set(oc, SBTC_FETCH_OK, "%s", "");
		return;
	}
	sbtc_dkg_shares_free(shares);
	char err[300];
	int fd = open(b->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		sbtc_outcome_set(oc, SBTC_FETCH_ERROR, "newest backup %s: reading it again: %s", b->name, strerror(errno));
		return;
	}
	sbtc_src *src = sbtc_src_fd(fd, false, -1);
	int r = sbtc_dkg_copy_src(src, keys, nkeys, true, shares, err, sizeof err);
	bool timed_out = sbtc_deadline_expired();
	sbtc_src_free(src);
	close(fd);
	if (r == 0) {
		sbtc_outcome_set(oc, SBTC_FETCH_OK, "%s", "");
		return;
	}
	sbtc_dkg_shares_free(shares);
	if (timed_out) {
		sbtc_outcome_set(oc, SBTC_FETCH_TIMEOUT, "timed out after %g s while reading %s for its shares",
				 sbtc_deadline_seconds(), b->name);
	} else {
		char *e = sbtc_sanitize(r < 0 ? err : "the COPY block of sbtc_signer.dkg_shares is gone", 300);
		sbtc_outcome_set(oc, SBTC_FETCH_ERROR, "newest backup %s changed while read (again): %s", b->name, e);
		free(e);
	}
}

/* --verify-key: the references, and the backup's rows of their keys. pg_restore runs
 * while the references are asked. A reference that uses the time up costs only itself:
 * the shares a plain dump yielded with its first reading are still judged against the
 * references that answered, when they hold what those need; otherwise the backup is
 * left unread (read.done false) and each stalled source's line says why. */
static void measure_shares(const config *cfg, measurement *m)
{
	shares_class sc = classify_shares(cfg, m);
	const backup *b = &m->list.v[0];
	sbtc_child child;
	if (sc == SHARES_ARCHIVE) {
		sbtc_dkg_shares_free(&m->shares);
		if (!pg_restore_start(cfg, b, &child, &m->read))
			return;
	} else if (sc != SHARES_PLAIN) {
		return;
	}
	ask_references(cfg, &m->ref);
	uint8_t keys[2][SBTC_AGGREGATE_KEY_LEN];
	size_t nkeys = reference_keys(&m->ref, keys);
	const uint8_t(*k)[SBTC_AGGREGATE_KEY_LEN] = (const uint8_t(*)[SBTC_AGGREGATE_KEY_LEN])keys;
	bool stalled = references_timed_out(&m->ref);
	if (!stalled && !sbtc_deadline_expired()) {
		if (sc == SHARES_ARCHIVE)
			pg_restore_read(b, &child, k, nkeys, &m->shares, &m->read);
		else
			plain_read_again(b, k, nkeys, &m->shares, &m->read);
		return;
	}
	if (sc == SHARES_ARCHIVE)
		sbtc_child_kill(&child);
	if (sc == SHARES_PLAIN && nkeys > 0 && shares_answer(&m->shares, k, nkeys))
		sbtc_outcome_set(&m->read, SBTC_FETCH_OK, "%s", "");
	else if (!stalled)
		sbtc_outcome_set(&m->read, SBTC_FETCH_TIMEOUT, "timed out after %g s before the backup could be read "
				 "for the key", sbtc_deadline_seconds());
}

/* Finds the backups, reads the newest to its end, and with --verify-key its shares and
 * what they are judged against. Touches no result: everything lands in *m. */
static void measure(const config *cfg, measurement *m)
{
	memset(m, 0, sizeof *m);
	m->listed = find_backups(cfg, &m->list, m->list_problem, sizeof m->list_problem);
	if (!m->listed)
		return;
	const backup *newest = &m->list.v[0];
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	m->now = (double)ts.tv_sec + ts.tv_nsec / 1e9;
	char *activity = sbtc_xasprintf("reading backup %s", newest->name);
	sbtc_deadline_activity(activity);
	free(activity);
	sbtc_dump_examine_path(newest->path, &m->dump, cfg->verify_key ? &m->shares : NULL, &m->copy_found,
			       m->copy_err, sizeof m->copy_err);
	if (cfg->verify_key) {
		measure_shares(cfg, m);
		m->shares.now = m->now;
	}
}

static void measurement_free(measurement *m)
{
	backups_free(&m->list);
	sbtc_dkg_shares_free(&m->shares);
	sbtc_dkg_shares_free(&m->ref.live);
}

/* ------------------------------------------------------------------ judging */

static void judge_age(sbtc_result *root, const config *cfg, const backup *b, double now)
{
	char age[32];
	double a = now - b->mtime;
	if (a < -FUTURE_TOLERANCE) {
		sbtc_format_duration(-a, age, sizeof age);
		sbtc_result_set_id(sbtc_result_add(root, SBTC_WARNING, "newest backup %s is dated %s in the future (clock or copy problem)",
				b->name, age), "age");
	} else {
		if (a < 0)
			a = 0;
		sbtc_format_duration(a, age, sizeof age);
		sbtc_state st = sbtc_thresholds_eval(&cfg->age, a);
		sbtc_result_set_id(sbtc_result_add(root, st, "newest backup %s is %s old", b->name, age), "age");
	}
	sbtc_perf_add(root, "age", round(now - b->mtime), "s", &cfg->age, NAN, NAN);
}

static void judge_size(sbtc_result *root, const config *cfg, const backup_list *l)
{
	const backup *b = &l->v[0];
	char sz[32], lim[32], psz[32];
	sbtc_thresholds t = {0};
	sbtc_format_size(b->size, sz, sizeof sz);
	if (!isnan(cfg->min_size))
		t.critical = (sbtc_range){.set = true, .start = cfg->min_size, .end_infinite = true, .end = HUGE_VAL};
	if (b->size == 0 && !b->is_dir) {
		sbtc_result_set_id(sbtc_result_add(root, SBTC_CRITICAL, "newest backup %s is empty (0 bytes)", b->name), "size");
	} else if (!isnan(cfg->min_size) && b->size < cfg->min_size) {
		sbtc_format_size(cfg->min_size, lim, sizeof lim);
		sbtc_result_set_id(sbtc_result_add(root, SBTC_CRITICAL, "newest backup %s is %s, under the minimum of %s", b->name, sz, lim), "size");
	} else if (!isnan(cfg->max_shrink) && l->n >= 2 && l->v[1].size > 0 &&
		   (l->v[1].size - b->size) / l->v[1].size * 100 > cfg->max_shrink) {
		sbtc_format_size(l->v[1].size, psz, sizeof psz);
		sbtc_result_set_id(sbtc_result_add(root, SBTC_WARNING,
				"newest backup %s is %.0f%% smaller than the one before it (%s: %s, now %s; "
				"--max-shrink %g%%)",
				b->name, (l->v[1].size - b->size) / l->v[1].size * 100, l->v[1].name, psz, sz,
				cfg->max_shrink), "size");
	} else {
		sbtc_result_set_id(sbtc_result_add(root, SBTC_OK, "size %s", sz), "size");
	}
	sbtc_perf_add(root, "size", b->size, "B", &t, 0, NAN);
}

static void judge_count(sbtc_result *root, const config *cfg, const backup_list *l)
{
	sbtc_thresholds t = {0};
	if (cfg->count_min > 0) {
		t.warning = (sbtc_range){.set = true, .start = (double)cfg->count_min, .end_infinite = true,
					 .end = HUGE_VAL};
		if ((long)l->n < cfg->count_min) {
			char *pat = sbtc_sanitize(cfg->pattern, 100);
			sbtc_result_set_id(sbtc_result_add(root, SBTC_WARNING, "only %zu backup%s match '%s', fewer than --count-min %ld "
					"(retention broken?)", l->n, l->n == 1 ? "" : "s", pat, cfg->count_min), "count");
			free(pat);
		} else {
			sbtc_result_set_id(sbtc_result_add(root, SBTC_OK, "%zu backups", l->n), "count");
		}
	}
	sbtc_perf_add_count(root, "backups", (double)l->n, "backups", &t, 0, NAN);
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

/* The whole backup's line: "pg_dump custom format, whole (12 TOC entries, ...)". */
static void add_whole(sbtc_result *root, const sbtc_dump_info *d, const char *what)
{
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
	sbtc_result_set_id(sbtc_result_add(root, SBTC_OK, "%s", sbtc_strbuf_str(&t)), "integrity");
	sbtc_strbuf_free(&t);
}

static void judge_format(sbtc_result *root, const config *cfg, const backup *b, const sbtc_dump_info *d)
{
	char what[160];
	describe_format(d, what, sizeof what);
	switch (classify_format(cfg, d)) {
	case FORMAT_TIMED_OUT:
		sbtc_result_set_id(sbtc_result_add(root, sbtc_deadline_timeout_state(), "timed out after %g s while reading %s (%s)",
				sbtc_deadline_seconds(), b->name, what), "integrity");
		break;
	case FORMAT_BROKEN:
		if (b->size > 0)
			sbtc_result_set_id(sbtc_result_add(root, SBTC_CRITICAL, "newest backup %s: %s", b->name, d->problem), "integrity");
		break;
	case FORMAT_ENCRYPTED:
		sbtc_result_set_id(sbtc_result_add(root, SBTC_OK, "%s is %s: only its age and size are checked", b->name, what), "integrity");
		break;
	case FORMAT_WRONG:
		sbtc_result_set_id(sbtc_result_add(root, SBTC_CRITICAL, "newest backup %s is a %s, not the %s format --format requires",
				b->name, what, sbtc_dump_format_name((sbtc_dump_format)cfg->format)), "format");
		break;
	case FORMAT_BEYOND:
		sbtc_result_set_id(sbtc_result_add(root, SBTC_UNKNOWN, "newest backup %s (%s) is not judged: %s", b->name, what, d->problem), "integrity");
		break;
	case FORMAT_NOT_WHOLE:
		if (d->format == SBTC_DUMP_UNKNOWN)
			sbtc_result_set_id(sbtc_result_add(root, SBTC_CRITICAL, "newest backup %s is %s", b->name, d->problem), "integrity");
		else
			sbtc_result_set_id(sbtc_result_add(root, SBTC_CRITICAL, "newest backup %s (%s) is not whole: %s", b->name, what,
					d->problem), "integrity");
		break;
	case FORMAT_WHOLE:
		add_whole(root, d, what);
		break;
	}
}

static void describe_shares(sbtc_result *root, const sbtc_dkg_shares *s)
{
	sbtc_dkg_counts c;
	sbtc_dkg_count(s, &c);
	sbtc_result *r;
	if (!s->has_status)
		r = sbtc_result_set_id(sbtc_result_add(root, SBTC_WARNING, "the backup " SBTC_DKG_PRE0012_WHY ": its %zu shares carry no "
				    "verification status; " SBTC_DKG_PRE0012_FIX " and take a new backup", c.total), "shares");
	else
		r = sbtc_result_set_id(sbtc_result_add(root, SBTC_OK, "the backup holds %zu verified, %zu unverified, %zu failed shares",
				    c.verified, c.unverified, c.failed), "shares");
	if (s->malformed > 0)
		sbtc_result_add(r, SBTC_WARNING, "%zu rows with an aggregate_key that is not a 33-byte compressed key "
				"were ignored", s->malformed);
}

/* The key on chain, judged by the same code as check_sbtc_aggregate_key. */
static sbtc_result *judge_onchain(sbtc_result *root, const config *cfg, const references *ref,
				  const sbtc_dkg_shares *shares)
{
	char k[80];
	if (ref->onchain_oc.status != SBTC_FETCH_OK) {
		sbtc_result_set_id(sbtc_result_add(root, sbtc_fetch_state(ref->onchain_oc.status), "%s", ref->onchain_oc.msg), "stacks_node");
		return NULL;
	}
	const sbtc_registry_key *onchain = &ref->onchain;
	char *masked = sbtc_url_origin(cfg->stacks_url);
	if (onchain->has_key)
		sbtc_result_set_id(sbtc_result_add(root, SBTC_OK, "Stacks node %s: registry %s.%s holds key %s", masked,
				cfg->registry.contract.address, cfg->registry.contract.name,
				sbtc_key_text(onchain->key, cfg->verbose, k, sizeof k)), "stacks_node");
	free(masked);
	return sbtc_result_set_id(sbtc_dkg_verdict(root, shares, onchain, cfg->registry.rotation_grace, "the backup",
						   cfg->verbose),
				  "key_in_backup");
}

/* The live database's newest verified share must be the backup's. */
static sbtc_result *judge_live(sbtc_result *root, const config *cfg, const references *ref,
			       const sbtc_dkg_shares *shares)
{
	char k1[80], k2[80];
	const char *where = ref->live_where;
	if (ref->live_oc.status != SBTC_FETCH_OK) {
		if (where[0] != '\0')
			sbtc_result_set_id(sbtc_result_add(root, sbtc_fetch_state(ref->live_oc.status), "database %s: %s", where,
					ref->live_oc.msg), "database");
		else
			sbtc_result_set_id(sbtc_result_add(root, sbtc_fetch_state(ref->live_oc.status), "%s", ref->live_oc.msg), "database");
		return NULL;
	}
	sbtc_dkg_counts lc, bc;
	sbtc_dkg_count(&ref->live, &lc);
	sbtc_dkg_count(shares, &bc);
	if (lc.newest_verified == NULL)
		return sbtc_result_set_id(sbtc_result_add(root, SBTC_UNKNOWN, "database %s has no verified share to compare the backup with",
				       where), "key_in_backup");
	const uint8_t *lk = lc.newest_verified->key;
	sbtc_key_text(lk, cfg->verbose, k1, sizeof k1);
	if (bc.newest_verified != NULL)
		sbtc_key_text(bc.newest_verified->key, cfg->verbose, k2, sizeof k2);
	else
		snprintf(k2, sizeof k2, "none");
	/* The summary holds the newest verified row of lk when there is one. */
	bool held = false;
	for (size_t i = 0; i < shares->n; i++)
		held = held || (shares->v[i].status == SBTC_SHARE_VERIFIED &&
				memcmp(shares->v[i].key, lk, SBTC_AGGREGATE_KEY_LEN) == 0);
	if (bc.newest_verified != NULL && memcmp(bc.newest_verified->key, lk, SBTC_AGGREGATE_KEY_LEN) == 0)
		return sbtc_result_set_id(sbtc_result_add(root, SBTC_OK, "the newest verified share of database %s, %s, is the newest "
				       "verified share in the backup", where, k1), "key_in_backup");
	if (held)
		return sbtc_result_set_id(sbtc_result_add(root, SBTC_WARNING, "the backup's newest verified share %s differs from "
				       "database %s's newest, %s, which it holds only as an older share", k2, where, k1), "key_in_backup");
	return sbtc_result_set_id(sbtc_result_add(root, SBTC_CRITICAL, "the newest verified share of database %s, %s, is not among the "
			       "verified shares of the backup: it cannot restore a signer for it (newest verified "
			       "share there is %s)", where, k1, k2), "key_in_backup");
}

/* The worse of two verdicts (either may be NULL). */
static sbtc_result *worse(sbtc_result *a, sbtc_result *b)
{
	if (a == NULL)
		return b;
	if (b != NULL && sbtc_state_rank(sbtc_result_state(b)) > sbtc_state_rank(sbtc_result_state(a)))
		return b;
	return a;
}

/* --verify-key: whether the backup holds the references' key. Returns the verdict for
 * the summary (NULL when there is none). */
static sbtc_result *judge_shares(sbtc_result *root, const config *cfg, const measurement *m)
{
	const backup *b = &m->list.v[0];
	const references *ref = &m->ref;
	switch (classify_shares(cfg, m)) {
	case SHARES_ENCRYPTED:
		sbtc_result_set_id(sbtc_result_add(root, SBTC_UNKNOWN, "--verify-key cannot read inside the %s backup %s",
				sbtc_dump_format_name(m->dump.format), b->name), "key_in_backup");
		return NULL;
	case SHARES_NOT_WHOLE:
		return NULL; /* the format's verdict already says why */
	case SHARES_COPY_BROKEN: {
		char *e = sbtc_sanitize(m->copy_err, 300);
		sbtc_result_set_id(sbtc_result_add(root, SBTC_CRITICAL, "%s: %s", b->name, e), "key_in_backup");
		free(e);
		return NULL;
	}
	case SHARES_INSERTS:
		sbtc_result_set_id(sbtc_result_add(root, SBTC_UNKNOWN, MSG_INSERTS, b->name), "key_in_backup");
		return NULL;
	case SHARES_NO_DATA:
		sbtc_result_set_id(sbtc_result_add(root, SBTC_CRITICAL, MSG_NO_DATA, b->name), "key_in_backup");
		return NULL;
	case SHARES_PLAIN:
	case SHARES_ARCHIVE:
		break;
	}
	if (!m->read.done) {
		/* The sources used the time up, and each says so; the backup was not read. */
		if (ref->want_live && ref->live_oc.status != SBTC_FETCH_OK)
			judge_live(root, cfg, ref, &m->shares);
		if (ref->want_onchain && ref->onchain_oc.status != SBTC_FETCH_OK)
			judge_onchain(root, cfg, ref, &m->shares);
		return NULL;
	}
	if (m->read.status != SBTC_FETCH_OK) {
		sbtc_result_set_id(sbtc_result_add(root, sbtc_fetch_state(m->read.status), "%s", m->read.msg), "key_in_backup");
		return NULL;
	}
	describe_shares(root, &m->shares);
	sbtc_result *verdict = NULL;
	if (ref->want_live)
		verdict = judge_live(root, cfg, ref, &m->shares);
	if (ref->want_onchain)
		verdict = worse(verdict, judge_onchain(root, cfg, ref, &m->shares));
	return verdict;
}

/* Thresholds and verdicts: the results, and the verdict on the key for the summary. */
static sbtc_result *judge(sbtc_result *root, const config *cfg, const measurement *m)
{
	if (!m->listed) {
		sbtc_result_set_id(sbtc_result_add(root, SBTC_CRITICAL, "%s", m->list_problem), "list");
		sbtc_perf_add_count(root, "backups", 0, "backups", NULL, 0, NAN);
		return NULL;
	}
	const backup *newest = &m->list.v[0];
	judge_age(root, cfg, newest, m->now);
	judge_size(root, cfg, &m->list);
	judge_count(root, cfg, &m->list);
	judge_format(root, cfg, newest, &m->dump);
	return cfg->verify_key ? judge_shares(root, cfg, m) : NULL;
}

/* A healthy run says everything on its first line. */
static void present(sbtc_result *root, const measurement *m, const sbtc_result *verdict)
{
	if (m->listed) {
		const backup *newest = &m->list.v[0];
		char age[32], sz[32], what[160];
		sbtc_format_duration(fmax(0, m->now - newest->mtime), age, sizeof age);
		sbtc_format_size(newest->size, sz, sizeof sz);
		describe_format(&m->dump, what, sizeof what);
		sbtc_result_set_ok_summary(root, "newest backup %s is %s old, %s, %s%s%s%s", newest->name, age, sz, what,
					   sbtc_dump_format_encrypted(m->dump.format) ? " (only age and size checked)"
										      : " and whole",
					   verdict != NULL ? "; " : "", verdict != NULL ? sbtc_result_text(verdict) : "");
	}
	sbtc_perf_add_time(root);
}

int main(int argc, char **argv)
{
	config cfg;
	sbtc_common_opts common;

	config_init(&cfg);
	sbtc_cli_parse(&info, argc, argv, &common, handle_option, &cfg);
	if (cfg.path == NULL)
		sbtc_usage_error(&info, "--path is required (the backup directory or file)");
	cfg.verbose = common.verbose;
	cfg.http.verbose = common.verbose;

	measurement m;
	measure(&cfg, &m);
	sbtc_result *root = sbtc_result_new();
	sbtc_result *verdict = judge(root, &cfg, &m);
	present(root, &m, verdict);
	measurement_free(&m);
	return sbtc_finish(root);
}
