/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_sbtc_keyfile: is the signer's private key (and its database password) kept where
 * only the signer can read it? Every file that holds one must be readable by its owner
 * only, owned by the signer's user or root, in directories nobody else may write, and
 * not reached through a symlink into such a place; the key must not be inline in a
 * compose file or a unit's Environment=, nor on a running process's command line. The
 * key is never printed, hashed or copied: findings name the key and the line. */
#define _DEFAULT_SOURCE /* getpwnam, getgrgid */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <math.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "file_guard.h"
#include "output.h"
#include "proc_cmdline.h"
#include "sanitize.h"
#include "secret_scan.h"
#include "strbuf.h"

#define MAX_FILES 64
#define CONFIG_FILE_MAX (1024u * 1024u) /* a config is a few kB; anything larger is not one */
#define NAME_MAX_SHOWN 200

/* Where the signer's secrets are when no --config is given, the reference deployment's
 * files (stacks-sbtc/sbtc docker/mainnet/docker-compose.yml mounts
 * ./sbtc-signer/signer-config.toml and takes SIGNER_SIGNER__PRIVATE_KEY from the .env
 * beside it, docker/mainnet/README.md), checked out in /opt/sbtc as this project's
 * backup job assumes; the path the signer's image reads its config from
 * (.github/actions/dockerfiles/Dockerfile.signer.debian: --config /signer-config.toml),
 * for a host that runs the binary the same way; and a systemd unit by the signer's name.
 * A default that does not exist is not looked at further. */
static const struct {
	const char *path;
	sbtc_conf_kind kind;
} default_files[] = {
	{"/opt/sbtc/docker/mainnet/sbtc-signer/signer-config.toml", SBTC_CONF_TOML},
	{"/opt/sbtc/docker/mainnet/.env", SBTC_CONF_ENV},
	{"/opt/sbtc/docker/mainnet/docker-compose.yml", SBTC_CONF_COMPOSE},
	{"/signer-config.toml", SBTC_CONF_TOML},
	{"/etc/systemd/system/sbtc-signer.service", SBTC_CONF_UNIT},
};

enum {
	OPT_CONFIG = SBTC_OPT_PLUGIN_FIRST,
	OPT_OWNER,
	OPT_PROC,
};

typedef struct {
	char *path; /* absolute */
	sbtc_conf_kind kind;
	bool given; /* named by --config: missing is CRITICAL */
} conf_file;

typedef struct {
	conf_file files[MAX_FILES];
	size_t nfiles;
	bool any_given;
	uid_t owner;
	char owner_name[64]; /* "" without --owner */
	const char *proc;
	int verbose;
} config;

static const sbtc_option options[] = {
	{"config", 0, SBTC_ARG_REQUIRED, "[KIND:]FILE", OPT_CONFIG,
	 "A file that may hold the signer's private key or database password (repeatable). KIND is\n"
	 "toml, env, compose or unit; without it the name decides: *.toml, *.service,\n"
	 "docker-compose*.yml and compose*.yml, anything else an environment file. Files a unit's\n"
	 "EnvironmentFile= or a compose service's env_file: names are read too. Without --config:\n"
	 "the reference deployment's files under /opt/sbtc/docker/mainnet\n"
	 "(sbtc-signer/signer-config.toml, .env, docker-compose.yml), /signer-config.toml and\n"
	 "/etc/systemd/system/sbtc-signer.service, those that exist.", NULL},
	{"owner", 0, SBTC_ARG_REQUIRED, "USER", OPT_OWNER,
	 "The signer's user (a name or a number): a file holding a secret must be owned by it or\n"
	 "by root. Without it: by root.", NULL},
	{"proc", 0, SBTC_ARG_REQUIRED, "DIR", OPT_PROC,
	 "Where the processes' command lines are read.", "/proc"},
};

static const sbtc_plugin_info info = {
	.progname = "check_sbtc_keyfile",
	.check_label = "KEYFILE",
	.purpose =
		"Checks that the signer's private key and database password are kept where only the\n"
		"signer can read them: every file holding one (the TOML keys private_key and\n"
		"db_endpoint with a password, SIGNER_SIGNER__PRIVATE_KEY, SIGNER_SIGNER__DB_ENDPOINT or\n"
		"POSTGRES_PASSWORD in an environment file, a compose file or a unit) readable by its\n"
		"owner only, owned by the signer's user or root, in directories no one else may write;\n"
		"the key not inline in a compose file or a unit's Environment=, nor on the command line\n"
		"of a running process. The key is never printed, hashed or copied: a finding names the\n"
		"key and the line that holds it.",
	.usage = "[--config [KIND:]FILE]... [--owner USER]\n"
		 "  [-t SECONDS[:STATE]] [-v]",
	.options = options,
	.noptions = sizeof options / sizeof options[0],
	.notes =
		"States:\n"
		"  OK        every secret is in a file of mode 0600 or 0400 (or stricter), owned by\n"
		"            --owner or root, below directories only root or --owner may write.\n"
		"  WARNING   the key inline in a compose file's environment: (docker inspect shows it)\n"
		"            or a unit's Environment= (systemctl show shows it to every user); a\n"
		"            process started with the key on its command line; a directory above a\n"
		"            secret writable by a group other than root's, or shared by all with the\n"
		"            sticky bit (/tmp); no file read holds the private key.\n"
		"  CRITICAL  a file holding a secret readable or writable by group or others, owned by\n"
		"            another user, below a directory others may write or owned by another user,\n"
		"            or a symlink into such a place; a file named by --config missing (as\n"
		"            check_file_age: the key moved where nobody watches).\n"
		"  UNKNOWN   bad arguments; a file that cannot be read (the message says what to\n"
		"            grant); a line of a file this check cannot read (a secret there would go\n"
		"            unseen); none of the default files exists; --proc shows no process\n"
		"            but the check's own (a PID namespace of its own: the signer unseen).\n"
		"Run it as root or as the signer's user: the secrets are readable by nobody else. Through\n"
		"NRPE, allow the nagios user to run exactly this command with sudo (README.md,\n"
		"check_sbtc_keyfile). Processes: other users' command lines are read unless /proc is\n"
		"mounted with hidepid, which the message then says (not checked). In a container, run\n"
		"it in the host's PID namespace (docker run --pid=host).\n"
		"\n"
		"Perfdata: files (count read), secrets (count found), time (s).\n"
		"\n"
		"Examples:\n"
		"  check_sbtc_keyfile --owner sbtc\n"
		"  check_sbtc_keyfile --config /etc/sbtc/signer.toml --config /etc/sbtc/signer.env \\\n"
		"      --owner sbtc",
	.default_timeout = 10,
};

/* ------------------------------------------------------------------ options */

static bool add_file(config *cfg, const char *path, sbtc_conf_kind kind, bool given)
{
	for (size_t i = 0; i < cfg->nfiles; i++)
		if (strcmp(cfg->files[i].path, path) == 0)
			return true;
	if (cfg->nfiles == MAX_FILES)
		return false;
	cfg->files[cfg->nfiles++] = (conf_file){.path = sbtc_xstrdup(path), .kind = kind, .given = given};
	return true;
}

static int handle_option(void *ctx, int key, const char *arg, char *err, size_t errlen)
{
	config *cfg = ctx;
	switch (key) {
	case OPT_CONFIG: {
		const char *colon = strchr(arg, ':');
		const char *path = arg;
		int kind = -1;
		const char *slash = strchr(arg, '/');
		if (colon != NULL && colon != arg && slash != NULL && slash > colon) {
			kind = sbtc_conf_kind_parse(arg, (size_t)(colon - arg));
			if (kind < 0) {
				char *a = sbtc_sanitize(arg, 100);
				snprintf(err, errlen, "invalid --config '%s': KIND is toml, env, compose or unit", a);
				free(a);
				return -1;
			}
			path = colon + 1;
		}
		if (path[0] != '/') {
			char *a = sbtc_sanitize(arg, 100);
			snprintf(err, errlen, "--config '%s' must be an absolute path", a);
			free(a);
			return -1;
		}
		if (kind < 0)
			kind = (int)sbtc_conf_kind_guess(path);
		if (!add_file(cfg, path, (sbtc_conf_kind)kind, true)) {
			snprintf(err, errlen, "at most %d --config files", MAX_FILES);
			return -1;
		}
		cfg->any_given = true;
		return 0;
	}
	case OPT_OWNER: {
		char *end;
		errno = 0;
		unsigned long n = strtoul(arg, &end, 10);
		if (arg[0] >= '0' && arg[0] <= '9' && *end == '\0' && errno == 0 && n < UINT_MAX) {
			cfg->owner = (uid_t)n;
		} else {
			struct passwd *pw = getpwnam(arg);
			if (pw == NULL) {
				char *a = sbtc_sanitize(arg, 64);
				snprintf(err, errlen, "--owner '%s': no such user", a);
				free(a);
				return -1;
			}
			cfg->owner = pw->pw_uid;
		}
		char *a = sbtc_sanitize(arg, 60);
		sbtc_strlcpy(cfg->owner_name, a, sizeof cfg->owner_name);
		free(a);
		return 0;
	}
	case OPT_PROC:
		if (arg[0] != '/') {
			snprintf(err, errlen, "--proc must be an absolute path");
			return -1;
		}
		cfg->proc = arg;
		return 0;
	}
	snprintf(err, errlen, "unhandled option");
	return -1;
}

static void config_init(config *cfg)
{
	*cfg = (config){.owner = 0, .proc = "/proc"};
}

/* The defaults, when no --config was given. */
static void config_finish(config *cfg)
{
	if (cfg->any_given)
		return;
	for (size_t i = 0; i < sizeof default_files / sizeof default_files[0]; i++)
		add_file(cfg, default_files[i].path, default_files[i].kind, false);
}

static void config_free(config *cfg)
{
	for (size_t i = 0; i < cfg->nfiles; i++)
		free(cfg->files[i].path);
}

/* ------------------------------------------------------------------ what is measured */

typedef struct {
	sbtc_guarded_file g;
	sbtc_secret_scan scan;
	bool scanned;
} looked_file;

typedef struct {
	looked_file files[MAX_FILES];
	size_t nfiles; /* as cfg->nfiles, which measuring may grow */
	bool too_many; /* referenced files beyond MAX_FILES were not looked at */
	int proc_rc;
	char proc_err[300];
	sbtc_cmdline_scan procs;
} measurement;

/* A file a unit or compose file names: absolute, or relative to the naming file's folder. */
static char *referenced_path(const char *from, const char *ref)
{
	if (ref[0] == '/')
		return sbtc_xstrdup(ref);
	const char *slash = strrchr(from, '/');
	size_t n = (size_t)(slash - from);
	return sbtc_xasprintf("%.*s/%s", (int)n, from, ref[0] == '.' && ref[1] == '/' ? ref + 2 : ref);
}

/* Reads every file (those named inside them included) and every process's command line.
 * Touches no result: everything lands in *m. */
static void measure(config *cfg, measurement *m)
{
	memset(m, 0, sizeof *m);
	for (size_t i = 0; i < cfg->nfiles; i++) {
		looked_file *f = &m->files[i];
		sbtc_file_guard(cfg->files[i].path, cfg->owner, CONFIG_FILE_MAX, &f->g);
		if (f->g.text == NULL)
			continue;
		sbtc_secret_scan_text(cfg->files[i].kind, f->g.text, f->g.len, &f->scan);
		f->scanned = true;
		for (size_t k = 0; k < f->scan.nenv_files; k++) {
			char *p = referenced_path(cfg->files[i].path, f->scan.env_files[k]);
			if (!add_file(cfg, p, SBTC_CONF_ENV, false))
				m->too_many = true;
			free(p);
		}
	}
	m->nfiles = cfg->nfiles;
	m->proc_rc = sbtc_cmdline_scan_proc(cfg->proc, &m->procs, m->proc_err, sizeof m->proc_err);
}

static void measurement_free(measurement *m)
{
	for (size_t i = 0; i < m->nfiles; i++) {
		sbtc_guarded_file_free(&m->files[i].g);
		sbtc_secret_scan_free(&m->files[i].scan);
	}
	sbtc_cmdline_scan_free(&m->procs);
}

/* ------------------------------------------------------------------ judging */

static sbtc_result *add(sbtc_result *root, const char *id, sbtc_state st, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static sbtc_result *add(sbtc_result *root, const char *id, sbtc_state st, const char *fmt, ...)
{
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sbtc_strbuf_vprintf(&b, fmt, ap);
	va_end(ap);
	sbtc_result *r = sbtc_result_add(root, st, "%s", sbtc_strbuf_str(&b));
	sbtc_strbuf_free(&b);
	return sbtc_result_set_id(r, id);
}

/* "uid 1001 (alice)", "gid 27 (sudo)". */
static void user_text(uid_t uid, char *dst, size_t n)
{
	struct passwd *pw = getpwuid(uid);
	char *name = pw != NULL ? sbtc_sanitize(pw->pw_name, 40) : NULL;
	if (name != NULL)
		snprintf(dst, n, "uid %lu (%s)", (unsigned long)uid, name);
	else
		snprintf(dst, n, "uid %lu", (unsigned long)uid);
	free(name);
}

static void group_text(gid_t gid, char *dst, size_t n)
{
	struct group *gr = getgrgid(gid);
	char *name = gr != NULL ? sbtc_sanitize(gr->gr_name, 40) : NULL;
	if (name != NULL)
		snprintf(dst, n, "gid %lu (%s)", (unsigned long)gid, name);
	else
		snprintf(dst, n, "gid %lu", (unsigned long)gid);
	free(name);
}

/* "private_key line 12, db_endpoint line 14" */
static void secrets_text(const sbtc_secret_scan *s, sbtc_strbuf *b)
{
	for (size_t i = 0; i < s->n && i < 6; i++)
		sbtc_strbuf_printf(b, "%s%s line %lu", i > 0 ? ", " : "", s->hits[i].name, s->hits[i].line);
	if (s->n > 6)
		sbtc_strbuf_printf(b, " and %zu more", s->n - 6);
}

/* Counts of what was judged, for the OK lines and the summary. */
typedef struct {
	size_t files_read, secret_files, secrets, keys;
	size_t problems[8]; /* by id below */
} tally;

enum { ID_FILES, ID_MODE, ID_OWNER, ID_DIRECTORIES, ID_SYMLINK, ID_INLINE, ID_CMDLINE };
static const char *const ids[] = {"files", "mode", "owner", "directories", "symlink", "inline", "cmdline"};

static sbtc_result *problem(sbtc_result *root, tally *t, int id, sbtc_state st, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static sbtc_result *problem(sbtc_result *root, tally *t, int id, sbtc_state st, const char *fmt, ...)
{
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sbtc_strbuf_vprintf(&b, fmt, ap);
	va_end(ap);
	sbtc_result *r = add(root, ids[id], st, "%s", sbtc_strbuf_str(&b));
	sbtc_strbuf_free(&b);
	t->problems[id]++;
	return r;
}

/* The file could not be looked at as a whole: said, and false. */
static bool judge_reading(sbtc_result *root, const config *cfg, const conf_file *cf, const looked_file *f,
			  const char *name, tally *t)
{
	const sbtc_guarded_file *g = &f->g;
	if (!g->present) {
		if (cf->given)
			problem(root, t, ID_FILES, SBTC_CRITICAL, "%s %s named by --config does not exist",
				sbtc_conf_kind_name(cf->kind), name);
		return false;
	}
	if (g->is_symlink && g->target == NULL) {
		problem(root, t, ID_SYMLINK, cf->given ? SBTC_CRITICAL : SBTC_WARNING,
			"%s is a symlink that leads nowhere (%s): whoever creates its target decides what the signer "
			"reads", name, strerror(g->read_errno));
		return false;
	}
	if (g->read_errno == EACCES || g->read_errno == EPERM) {
		char who[80];
		user_text(geteuid(), who, sizeof who);
		problem(root, t, ID_FILES, SBTC_UNKNOWN,
			"cannot read %s as %s: run this check as root (sudo, see --help) or as the file's owner%s; "
			"whether it holds a secret is not known", name, who,
			cfg->owner_name[0] != '\0' ? " (--owner)" : "");
		return false;
	}
	if (g->statted && !g->regular) {
		problem(root, t, ID_FILES, SBTC_UNKNOWN, "%s is not a regular file", name);
		return false;
	}
	if (g->too_large) {
		problem(root, t, ID_FILES, SBTC_UNKNOWN, "%s is larger than %u kB: not a config file this check reads",
			name, CONFIG_FILE_MAX / 1024);
		return false;
	}
	if (g->read_errno != 0 || !f->scanned) {
		problem(root, t, ID_FILES, SBTC_UNKNOWN, "cannot read %s: %s", name, strerror(g->read_errno));
		return false;
	}
	t->files_read++;
	if (f->scan.bad_line != 0) {
		char more[64] = "";
		if (f->scan.bad_lines > 1)
			snprintf(more, sizeof more, ", and %zu more lines", f->scan.bad_lines - 1);
		problem(root, t, ID_FILES, SBTC_UNKNOWN, "%s %s line %lu cannot be read (%s)%s: a secret there would go unseen",
			sbtc_conf_kind_name(cf->kind), name, f->scan.bad_line, f->scan.bad_why, more);
	}
	return true;
}

static void judge_directories(sbtc_result *root, const sbtc_guarded_file *g, const char *name, tally *t)
{
	for (size_t i = 0; i < g->nflaws; i++) {
		const sbtc_dir_flaw *fl = &g->flaws[i];
		char *d = sbtc_sanitize(fl->path, NAME_MAX_SHOWN);
		char who[80];
		unsigned mode = (unsigned)(fl->mode & 07777);
		int id = fl->via_symlink ? ID_SYMLINK : ID_DIRECTORIES;
		char *via = fl->via_symlink && g->target != NULL ? sbtc_sanitize(g->target, NAME_MAX_SHOWN) : NULL;
		sbtc_strbuf where = SBTC_STRBUF_INIT;
		if (via != NULL)
			sbtc_strbuf_printf(&where, "%s is a symlink to %s, and directory %s above it", name, via, d);
		else
			sbtc_strbuf_printf(&where, "directory %s above %s", d, name);
		const char *w = sbtc_strbuf_str(&where);
		switch (fl->problem) {
		case SBTC_DIR_OTHERS_WRITABLE:
			problem(root, t, id, SBTC_CRITICAL, "%s is writable by others (mode %04o): anyone can replace the "
				"file; chmod o-w %s", w, mode, d);
			break;
		case SBTC_DIR_FOREIGN_OWNER:
			user_text(fl->uid, who, sizeof who);
			problem(root, t, id, SBTC_CRITICAL, "%s is owned by %s, neither root nor the signer's user, who can "
				"replace the file", w, who);
			break;
		case SBTC_DIR_GROUP_WRITABLE:
			group_text(fl->gid, who, sizeof who);
			problem(root, t, id, SBTC_WARNING, "%s is writable by group %s (mode %04o): its members can "
				"replace the file; chmod g-w %s", w, who, mode, d);
			break;
		case SBTC_DIR_STICKY_SHARED:
			problem(root, t, id, fl->via_symlink ? SBTC_CRITICAL : SBTC_WARNING,
				"%s is shared by all users (mode %04o, sticky): keep secrets in a directory of their "
				"own", w, mode);
			break;
		}
		sbtc_strbuf_free(&where);
		free(via);
		free(d);
	}
}

/* A file that holds secrets: who can read or replace it. */
static void judge_secret_file(sbtc_result *root, const config *cfg, const conf_file *cf, const looked_file *f,
			      const char *name, tally *t)
{
	const sbtc_guarded_file *g = &f->g;
	sbtc_strbuf what = SBTC_STRBUF_INIT;
	secrets_text(&f->scan, &what);
	const char *w = sbtc_strbuf_str(&what);
	unsigned mode = (unsigned)(g->mode & 07777);
	if (g->mode & (S_IRGRP | S_IROTH | S_IWGRP | S_IWOTH)) {
		const char *by = (g->mode & (S_IRGRP | S_IWGRP)) && (g->mode & (S_IROTH | S_IWOTH)) ? "group and others"
				 : (g->mode & (S_IRGRP | S_IWGRP))                                   ? "group"
												     : "others";
		problem(root, t, ID_MODE, SBTC_CRITICAL, "%s holds %s and is %s by %s (mode %04o): chmod 600 it", name, w,
			(g->mode & (S_IRGRP | S_IROTH)) ? "readable" : "writable", by, mode);
	}
	if (g->uid != 0 && g->uid != cfg->owner) {
		char who[80];
		user_text(g->uid, who, sizeof who);
		problem(root, t, ID_OWNER, SBTC_CRITICAL, "%s holds %s and is owned by %s, not by %s: chown %s %s", name, w,
			who, cfg->owner_name[0] != '\0' ? "root or --owner" : "root (give the signer's user with --owner)",
			cfg->owner_name[0] != '\0' ? cfg->owner_name : "root", name);
	}
	judge_directories(root, g, name, t);
	for (size_t i = 0; i < f->scan.n; i++) {
		const sbtc_secret_hit *h = &f->scan.hits[i];
		if (!h->inline_env)
			continue;
		if (cf->kind == SBTC_CONF_UNIT)
			problem(root, t, ID_INLINE, SBTC_WARNING, "%s is inline in Environment= of %s line %lu: systemctl "
				"show prints it to every user; move it to an EnvironmentFile= of mode 600", h->name, name,
				h->line);
		else
			problem(root, t, ID_INLINE, SBTC_WARNING, "%s is inline in the environment of %s line %lu: docker "
				"inspect shows it to everyone who may use Docker; move it to the .env file (mode 600) as "
				"${%s}", h->name, name, h->line, h->name);
	}
	sbtc_strbuf_free(&what);
}

static void judge_processes(sbtc_result *root, const config *cfg, const measurement *m, tally *t)
{
	const sbtc_cmdline_scan *p = &m->procs;
	if (m->proc_rc != 0) {
		char *e = sbtc_sanitize(m->proc_err, 300);
		problem(root, t, ID_CMDLINE, SBTC_UNKNOWN, "command lines not checked: %s", e);
		free(e);
		return;
	}
	if (p->scanned == 0 && !p->hidden) {
		/* Not even init or the shell that started the check: not the host's /proc (a
		 * folder, or a PID namespace of the check's own), so nothing was looked at. */
		char *e = sbtc_sanitize(cfg->proc, 200);
		problem(root, t, ID_CMDLINE, SBTC_UNKNOWN, "command lines not checked: no other process in %s "
			"(not the host's /proc: a PID namespace of the check's own?)", e);
		free(e);
		return;
	}
	for (size_t i = 0; i < p->n; i++)
		problem(root, t, ID_CMDLINE, SBTC_WARNING, "process %ld (%s) was started with the private key on its "
			"command line (%s): every user can read it in /proc/%ld/cmdline; give it through the "
			"config file or an environment file of mode 600", p->hits[i].pid, p->hits[i].comm,
			p->hits[i].what, p->hits[i].pid);
	if (p->n == 0 && p->hidden)
		add(root, ids[ID_CMDLINE], SBTC_OK, "other users' command lines not checked: /proc is mounted with "
		    "hidepid=%s (no process visible to this user has the key)", p->hidepid);
	else if (p->n == 0)
		add(root, ids[ID_CMDLINE], SBTC_OK, "no process has the key on its command line");
}

static void judge(sbtc_result *root, const config *cfg, const measurement *m, tally *t)
{
	memset(t, 0, sizeof *t);
	size_t present = 0;
	for (size_t i = 0; i < m->nfiles; i++) {
		const conf_file *cf = &cfg->files[i];
		const looked_file *f = &m->files[i];
		present += f->g.present;
		char *name = sbtc_sanitize(cf->path, NAME_MAX_SHOWN);
		if (judge_reading(root, cfg, cf, f, name, t) && f->scan.n > 0) {
			t->secret_files++;
			t->secrets += f->scan.n;
			for (size_t k = 0; k < f->scan.n; k++)
				t->keys += f->scan.hits[k].kind == SBTC_SECRET_PRIVATE_KEY;
			judge_secret_file(root, cfg, cf, f, name, t);
		}
		free(name);
	}
	if (m->too_many)
		problem(root, t, ID_FILES, SBTC_UNKNOWN, "more than %d files to read: the rest were not", MAX_FILES);
	if (present == 0 && !cfg->any_given)
		problem(root, t, ID_FILES, SBTC_UNKNOWN, "none of the default files exists (see --help): name the signer's "
			"config, environment, compose or unit file with --config");
	else if (t->keys == 0 && t->problems[ID_FILES] == 0)
		problem(root, t, ID_FILES, SBTC_WARNING, "none of the %zu files read holds the signer's private key: name "
			"the file that does with --config", t->files_read);
	if (t->problems[ID_FILES] == 0)
		add(root, ids[ID_FILES], SBTC_OK, "%zu file%s read, %zu of them hold%s %zu secret%s", t->files_read,
		    t->files_read == 1 ? "" : "s", t->secret_files, t->secret_files == 1 ? "s" : "", t->secrets,
		    t->secrets == 1 ? "" : "s");
	static const char *const ok_text[] = {
		[ID_MODE] = "no secret readable or writable by group or others",
		[ID_OWNER] = "secrets owned by root or the signer's user",
		[ID_DIRECTORIES] = "no directory above a secret writable by another user",
		[ID_SYMLINK] = "no symlink into a place others may write",
		[ID_INLINE] = "no secret inline in a compose file or Environment=",
	};
	for (int id = ID_MODE; id <= ID_INLINE; id++)
		if (t->problems[id] == 0)
			add(root, ids[id], SBTC_OK, "%s", ok_text[id]);
	judge_processes(root, cfg, m, t);
}

static void present(sbtc_result *root, const measurement *m, const tally *t)
{
	sbtc_result_set_ok_summary(root, "%zu secret%s in %zu file%s, readable by the owner only, owned by root or "
				   "the signer's user, in safe directories; none inline or on a command line%s",
				   t->secrets, t->secrets == 1 ? "" : "s", t->secret_files, t->secret_files == 1 ? "" : "s",
				   m->procs.hidden ? " (others' processes hidden)" : "");
	sbtc_perf_add_count(root, "files", (double)t->files_read, "files", NULL, 0, NAN);
	sbtc_perf_add_count(root, "secrets", (double)t->secrets, "secrets", NULL, 0, NAN);
	sbtc_perf_add_time(root);
}

int main(int argc, char **argv)
{
	config cfg;
	sbtc_common_opts common;

	config_init(&cfg);
	sbtc_cli_parse(&info, argc, argv, &common, handle_option, &cfg);
	cfg.verbose = common.verbose;
	config_finish(&cfg);

	measurement m;
	measure(&cfg, &m);
	sbtc_result *root = sbtc_result_new();
	tally t;
	judge(root, &cfg, &m, &t);
	present(root, &m, &t);
	measurement_free(&m);
	config_free(&cfg);
	return sbtc_finish(root);
}
