/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_sbtc_ssh: SSH into the signer host only with hardware keys, and more than one
 * administrator. Reads the OpenSSH server's effective configuration (sshd -T, per login
 * user, so that Match blocks count) and every login user's authorized_keys. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "authorized_keys.h"
#include "cli.h"
#include "deadline.h"
#include "output.h"
#include "range.h"
#include "sanitize.h"
#include "smallfile.h"
#include "sshd_config.h"
#include "strbuf.h"

#define DEFAULT_SSHD "/usr/sbin/sshd"
#define DEFAULT_MIN_ADMINS 2
#define TEXT_OF_(x) #x
#define TEXT_OF(x) TEXT_OF_(x)
/* authorized_keys files hold a few lines; far more than any real one. */
#define AK_FILE_MAX (1024u * 1024u)
/* How many keys or users a message names before it says "and N more". */
#define LIST_MAX 10
/* sshd -T runs at once (one per account). */
#define SSHD_PARALLEL 8

enum {
	OPT_USERS = SBTC_OPT_PLUGIN_FIRST,
	OPT_PASSWD_FILE,
	OPT_SSHD,
	OPT_HOST_KEY,
	OPT_SSHD_CONFIG,
	OPT_MIN_ADMINS,
	OPT_REQUIRE_VERIFY,
};

typedef struct {
	char **users; /* --users, NULL: every login user */
	size_t nusers;
	const char *passwd_file;
	const char *sshd;
	const char *config;
	char **host_keys;
	size_t nhost_keys;
	const char *sshd_config; /* read directly instead of running sshd -T */
	unsigned min_admins;
	bool require_verify;
	int verbose;
} config;

static const sbtc_option options[] = {
	{"users", 0, SBTC_ARG_REQUIRED, "LIST", OPT_USERS,
	 "The accounts to check, comma-separated. Without it: every login user of the\n"
	 "passwd database (a home directory and a shell that is not nologin or false), root\n"
	 "included.", NULL},
	{"passwd-file", 0, SBTC_ARG_REQUIRED, "FILE", OPT_PASSWD_FILE,
	 "Read the accounts from FILE (passwd(5) format) instead of the passwd database.", NULL},
	{"sshd", 0, SBTC_ARG_REQUIRED, "FILE", OPT_SSHD, "The sshd program run as sshd -T.", DEFAULT_SSHD},
	{"config", 'f', SBTC_ARG_REQUIRED, "FILE", 'f',
	 "The configuration sshd -T reads (its -f). Without it: sshd's own\n"
	 "(/etc/ssh/sshd_config).", NULL},
	{"host-key", 0, SBTC_ARG_REQUIRED, "FILE", OPT_HOST_KEY,
	 "A host key for sshd -T (its -h; repeatable). Without it: the HostKey lines of\n"
	 "the configuration.", NULL},
	{"sshd-config", 0, SBTC_ARG_REQUIRED, "FILE", OPT_SSHD_CONFIG,
	 "Do not run sshd: read this sshd_config (and its Include files) directly, where sshd\n"
	 "-T cannot run. Every Match block is then taken as if it applied to every user (the\n"
	 "worst value counts), since who matches depends on the connection.", NULL},
	{"min-admins", 0, SBTC_ARG_REQUIRED, "N", OPT_MIN_ADMINS,
	 "WARNING when fewer than N distinct hardware keys can log in. The check counts keys,\n"
	 "not people: the same key in two accounts is one, two keys of one person are two\n"
	 "(name each key's holder in its comment to tell). 0 turns this off.", TEXT_OF(DEFAULT_MIN_ADMINS)},
	{"require-verify", 0, SBTC_ARG_NONE, NULL, OPT_REQUIRE_VERIFY,
	 "CRITICAL also for hardware keys without the verify-required option (a PIN or\n"
	 "biometric on the authenticator, not only a touch).", NULL},
};

static const sbtc_plugin_info info = {
	.progname = "check_sbtc_ssh",
	.check_label = "SSH",
	.purpose =
		"Checks that SSH into the signer host takes hardware keys only, and that more than\n"
		"one administrator holds one: password and keyboard-interactive logins off, root\n"
		"never with a password, every authorized key a FIDO authenticator's\n"
		"(sk-ssh-ed25519@openssh.com, sk-ecdsa-sha2-nistp256@openssh.com).",
	.usage = "[--users LIST] [--passwd-file FILE] [--min-admins N]\n"
		 "  [--require-verify] [--sshd FILE] [-f FILE] [--host-key FILE]\n"
		 "  [--sshd-config FILE] [-t SECONDS[:STATE]] [-v] [--output-format FORMAT]",
	.options = options,
	.noptions = sizeof options / sizeof options[0],
	.notes =
		"States:\n"
		"  OK        password and keyboard-interactive logins off, root by key at most,\n"
		"            every key a hardware key, at least --min-admins of them.\n"
		"  WARNING   fewer than --min-admins distinct hardware keys can log in; an\n"
		"            authorized_keys line sshd cannot read (it skips it); a hardware key\n"
		"            with no-touch-required; keys come from an AuthorizedKeysCommand too,\n"
		"            which the check does not run.\n"
		"  CRITICAL  PasswordAuthentication or KbdInteractiveAuthentication (on old\n"
		"            releases ChallengeResponseAuthentication) is on for a login user;\n"
		"            PermitRootLogin yes; a key that is not a hardware key (named by user,\n"
		"            file, line, type and comment, never its material); with\n"
		"            --require-verify, a hardware key without verify-required; a\n"
		"            cert-authority line (it lets in any key it signs, hardware or not); an\n"
		"            authorized_keys file, or a directory above it up to the home, owned by\n"
		"            another user or writable by group or others (sshd's StrictModes refuses\n"
		"            such a file too, so those keys may not work at all).\n"
		"  UNKNOWN   sshd -T fails or its output cannot be read, an authorized_keys file\n"
		"            cannot be read, bad arguments, the deadline.\n"
		"\n"
		"Password logins: AuthenticationMethods lists that each require publickey make a\n"
		"password a second factor only, which is not a password login. PermitRootLogin\n"
		"prohibit-password (without-password) and forced-commands-only let root in by key\n"
		"only, so they are not password logins; the keys in root's authorized_keys are\n"
		"judged like everyone's. Certificates of FIDO keys (sk-...-cert-v01@openssh.com)\n"
		"count as hardware keys.\n"
		"\n"
		"sshd -T runs once per account with -C user=NAME, so that Match User and Match\n"
		"Group blocks count. Match Address, Host and LocalPort blocks need a connection:\n"
		"they are not evaluated (read the file with --sshd-config to take them as\n"
		"applying). sshd -T loads the host keys, so it needs root (run the check through\n"
		"sudo from NRPE), and Debian's sshd needs /run/sshd, which its service creates.\n"
		"\n"
		"Perfdata: hardware_keys, other_keys (key lines in every account), admins\n"
		"(distinct hardware keys that can log in), time (s).\n"
		"\n"
		"Examples:\n"
		"  sudo check_sbtc_ssh\n"
		"  sudo check_sbtc_ssh --users root,alice,bob --min-admins 2 --require-verify\n"
		"  check_sbtc_ssh --sshd-config /etc/ssh/sshd_config",
	.default_timeout = 10,
};

static void list_add(char ***v, size_t *n, const char *s)
{
	*v = sbtc_xrealloc(*v, (*n + 1) * sizeof **v);
	(*v)[(*n)++] = sbtc_xstrdup(s);
}

static void list_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int handle_option(void *ctx, int key, const char *arg, char *err, size_t errlen)
{
	config *cfg = ctx;
	switch (key) {
	case OPT_USERS: {
		list_free(cfg->users, cfg->nusers);
		cfg->users = NULL;
		cfg->nusers = 0;
		const char *p = arg;
		for (;;) {
			size_t len = strcspn(p, ",");
			if (len == 0 || len > 255) {
				snprintf(err, errlen, "--users: empty or overlong name in the list");
				return -1;
			}
			char *name = sbtc_xstrndup(p, len);
			list_add(&cfg->users, &cfg->nusers, name);
			free(name);
			if (p[len] == '\0')
				break;
			p += len + 1;
		}
		return 0;
	}
	case OPT_PASSWD_FILE: cfg->passwd_file = arg; return 0;
	case OPT_SSHD:
		if (arg[0] != '/') {
			snprintf(err, errlen, "--sshd must be an absolute path");
			return -1;
		}
		cfg->sshd = arg;
		return 0;
	case 'f': cfg->config = arg; return 0;
	case OPT_HOST_KEY: list_add(&cfg->host_keys, &cfg->nhost_keys, arg); return 0;
	case OPT_SSHD_CONFIG: cfg->sshd_config = arg; return 0;
	case OPT_MIN_ADMINS: {
		char *end;
		errno = 0;
		unsigned long v = strtoul(arg, &end, 10);
		if (end == arg || *end != '\0' || arg[0] == '-' || errno != 0 || v > 1000) {
			snprintf(err, errlen, "--min-admins '%s' must be a number from 0 to 1000", arg);
			return -1;
		}
		cfg->min_admins = (unsigned)v;
		return 0;
	}
	case OPT_REQUIRE_VERIFY: cfg->require_verify = true; return 0;
	}
	snprintf(err, errlen, "unhandled option");
	return -1;
}

/* ---- measure ---- */

typedef struct {
	char *path;  /* as expanded, sanitised for messages */
	bool exists;
	char *problem; /* CRITICAL: ownership or modes */
	char *error;   /* UNKNOWN: could not be read */
	sbtc_ak_list keys;
} key_file;

typedef struct {
	char *name;  /* as in the passwd database, for sshd */
	char *shown; /* sanitised, for messages */
	char *home;
	uid_t uid;
	bool have_settings;
	char *settings_error;
	sbtc_sshd_settings settings;
	key_file *files;
	size_t nfiles;
} account;

typedef struct {
	account *v;
	size_t n;
	char *error; /* the accounts could not be listed */
	sbtc_sshd_settings global; /* --sshd-config, or sshd -T -C user=root */
	bool have_global;
	char *global_error;
} measurement;

static bool login_shell(const char *shell)
{
	if (shell == NULL || shell[0] == '\0')
		return true; /* an empty shell is /bin/sh */
	size_t n = strlen(shell);
	return !((n >= 8 && strcmp(shell + n - 8, "/nologin") == 0) || (n >= 6 && strcmp(shell + n - 6, "/false") == 0));
}

static bool wanted(const config *cfg, const struct passwd *pw)
{
	if (cfg->users == NULL)
		return pw->pw_dir != NULL && pw->pw_dir[0] == '/' && login_shell(pw->pw_shell);
	for (size_t i = 0; i < cfg->nusers; i++)
		if (strcmp(cfg->users[i], pw->pw_name) == 0)
			return true;
	return false;
}

static void account_add(measurement *m, const struct passwd *pw)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->v[i].name, pw->pw_name) == 0)
			return; /* sshd uses the first entry of a name */
	m->v = sbtc_xrealloc(m->v, (m->n + 1) * sizeof *m->v);
	account *a = &m->v[m->n++];
	memset(a, 0, sizeof *a);
	a->name = sbtc_xstrdup(pw->pw_name);
	a->shown = sbtc_sanitize(pw->pw_name, 64);
	a->home = sbtc_xstrdup(pw->pw_dir ? pw->pw_dir : "");
	a->uid = pw->pw_uid;
}

/* The accounts from the passwd database or --passwd-file. */
static void list_accounts(const config *cfg, measurement *m)
{
	FILE *f = NULL;
	if (cfg->passwd_file != NULL) {
		f = fopen(cfg->passwd_file, "re");
		if (f == NULL) {
			char *shown = sbtc_sanitize(cfg->passwd_file, 200);
			m->error = sbtc_xasprintf("cannot open --passwd-file %s: %s", shown, strerror(errno));
			free(shown);
			return;
		}
	} else {
		setpwent();
	}
	for (;;) {
		errno = 0;
		struct passwd *pw = f != NULL ? fgetpwent(f) : getpwent();
		if (pw == NULL)
			break;
		if (wanted(cfg, pw))
			account_add(m, pw);
	}
	if (f != NULL)
		fclose(f);
	else
		endpwent();
	/* A name given with --users that is not there. */
	for (size_t i = 0; i < cfg->nusers; i++) {
		bool found = false;
		for (size_t k = 0; k < m->n && !found; k++)
			found = strcmp(m->v[k].name, cfg->users[i]) == 0;
		if (!found && m->error == NULL) {
			char *shown = sbtc_sanitize(cfg->users[i], 64);
			m->error = sbtc_xasprintf("--users: no account '%s' in %s", shown,
						  cfg->passwd_file ? "--passwd-file" : "the passwd database");
			free(shown);
		}
	}
}

/* sshd's StrictModes rule (upstream misc.c, safe_path): the file, and every directory
 * above it up to the home directory (or to / when the file lies outside the home), must
 * be owned by root or the user and not writable by group or others. NULL, or a problem
 * (malloc'd). */
static char *strict_modes_problem(const char *real, const char *home_real, uid_t uid)
{
	char buf[PATH_MAX];
	sbtc_strlcpy(buf, real, sizeof buf);
	bool is_file = true;
	for (;;) {
		struct stat st;
		if (stat(buf, &st) != 0)
			return sbtc_xasprintf("cannot stat %s: %s", buf, strerror(errno));
		const char *what = is_file ? "the file" : "directory";
		if (st.st_uid != 0 && st.st_uid != uid)
			return sbtc_xasprintf("%s %s is owned by uid %lu, not by the user or root", what, buf,
					      (unsigned long)st.st_uid);
		if (st.st_mode & 022)
			return sbtc_xasprintf("%s %s is writable by %s (mode %04o)", what, buf,
					      (st.st_mode & 002) ? "others" : "its group",
					      (unsigned)(st.st_mode & 07777));
		if (!is_file && home_real != NULL && strcmp(buf, home_real) == 0)
			return NULL;
		if (strcmp(buf, "/") == 0)
			return NULL;
		char *slash = strrchr(buf, '/');
		if (slash == buf)
			buf[1] = '\0';
		else if (slash != NULL)
			*slash = '\0';
		else
			return NULL;
		is_file = false;
	}
}

static void read_key_file(account *a, const char *path)
{
	a->files = sbtc_xrealloc(a->files, (a->nfiles + 1) * sizeof *a->files);
	key_file *kf = &a->files[a->nfiles++];
	memset(kf, 0, sizeof *kf);
	kf->path = sbtc_sanitize(path, 200);
	struct stat st;
	if (stat(path, &st) != 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			kf->error = sbtc_xasprintf("cannot read %s: %s", kf->path, strerror(errno));
		return;
	}
	kf->exists = true;
	char real[PATH_MAX], home_real[PATH_MAX];
	if (realpath(path, real) == NULL) {
		kf->error = sbtc_xasprintf("cannot resolve %s: %s", kf->path, strerror(errno));
		return;
	}
	bool have_home = realpath(a->home, home_real) != NULL;
	size_t hl = have_home ? strlen(home_real) : 0;
	bool under_home = have_home && strncmp(real, home_real, hl) == 0 && (real[hl] == '/' || hl == 1);
	char *p = strict_modes_problem(real, under_home ? home_real : NULL, a->uid);
	if (p != NULL) {
		kf->problem = sbtc_sanitize(p, 300);
		free(p);
	}
	char *data = NULL;
	size_t len = 0;
	char err[400];
	if (sbtc_read_small_file(path, "authorized_keys file", AK_FILE_MAX, false, &data, &len, err, sizeof err) != 0) {
		kf->error = sbtc_xstrdup(err);
		return;
	}
	sbtc_ak_parse(data, len, &kf->keys);
	free(data);
}

/* May this account log in with a key? */
static bool key_login(const account *a)
{
	if (!a->have_settings || !a->settings.pubkey)
		return false;
	return a->uid != 0 || strcmp(a->settings.permit_root, "no") != 0;
}

static void measure(const config *cfg, measurement *m)
{
	memset(m, 0, sizeof *m);
	char err[600];
	if (cfg->sshd_config != NULL) {
		if (sbtc_sshd_read_config(cfg->sshd_config, &m->global, err, sizeof err) == 0)
			m->have_global = true;
		else
			m->global_error = sbtc_xstrdup(err);
	} else {
		if (sbtc_sshd_run_T(cfg->sshd, cfg->config, cfg->host_keys, cfg->nhost_keys, "root", &m->global, err,
				    sizeof err) == 0)
			m->have_global = true;
		else
			m->global_error = sbtc_xstrdup(err);
	}
	if (!m->have_global)
		return;
	list_accounts(cfg, m);
	if (m->error != NULL)
		return;
	/* Per account, so that Match User and Match Group blocks count; the file read
	 * directly, and root's, are the settings read above. Up to SSHD_PARALLEL runs of
	 * sshd -T at once. */
	sbtc_sshd_T_run *runs = sbtc_xcalloc(m->n ? m->n : 1, sizeof *runs);
	bool *started = sbtc_xcalloc(m->n ? m->n : 1, sizeof *started);
	size_t next_finish = 0;
	for (size_t i = 0; i <= m->n; i++) {
		/* Finish the oldest runs while too many are in flight, and all at the end. */
		while (next_finish < i && (i == m->n || i - next_finish >= SSHD_PARALLEL)) {
			account *f = &m->v[next_finish];
			if (started[next_finish]) {
				if (sbtc_sshd_T_finish(&runs[next_finish], &f->settings, err, sizeof err) == 0)
					f->have_settings = true;
				else
					f->settings_error = sbtc_xstrdup(err);
			}
			next_finish++;
		}
		if (i == m->n)
			break;
		account *a = &m->v[i];
		if (cfg->sshd_config != NULL || strcmp(a->name, "root") == 0) {
			sbtc_sshd_settings_copy(&a->settings, &m->global);
			a->have_settings = true;
		} else if (sbtc_sshd_T_start(cfg->sshd, cfg->config, cfg->host_keys, cfg->nhost_keys, a->name,
					     &runs[i], err, sizeof err) == 0) {
			started[i] = true;
		} else {
			a->settings_error = sbtc_xstrdup(err);
		}
	}
	free(runs);
	free(started);
	for (size_t i = 0; i < m->n; i++) {
		account *a = &m->v[i];
		if (!key_login(a))
			continue;
		for (size_t k = 0; k < a->settings.nakf; k++) {
			char *path = sbtc_sshd_expand_akf(a->settings.akf[k], a->home, a->name, (unsigned long)a->uid,
							  err, sizeof err);
			if (path == NULL) {
				a->files = sbtc_xrealloc(a->files, (a->nfiles + 1) * sizeof *a->files);
				key_file *kf = &a->files[a->nfiles++];
				memset(kf, 0, sizeof *kf);
				kf->path = sbtc_xstrdup("?");
				kf->error = sbtc_xstrdup(err);
				continue;
			}
			read_key_file(a, path);
			free(path);
		}
	}
}

static void measurement_free(measurement *m)
{
	for (size_t i = 0; i < m->n; i++) {
		account *a = &m->v[i];
		for (size_t k = 0; k < a->nfiles; k++) {
			free(a->files[k].path);
			free(a->files[k].problem);
			free(a->files[k].error);
			sbtc_ak_list_free(&a->files[k].keys);
		}
		free(a->files);
		free(a->name);
		free(a->shown);
		free(a->home);
		free(a->settings_error);
		sbtc_sshd_settings_free(&a->settings);
	}
	free(m->v);
	free(m->error);
	free(m->global_error);
	sbtc_sshd_settings_free(&m->global);
}

/* ---- judge ---- */

/* Appends a name to a list of at most LIST_MAX names. */
static void name_append(sbtc_strbuf *b, size_t *n, const char *name)
{
	if (*n < LIST_MAX)
		sbtc_strbuf_printf(b, "%s%s", *n ? ", " : "", name);
	(*n)++;
}

static void name_list_end(sbtc_strbuf *b, size_t n)
{
	if (n > LIST_MAX)
		sbtc_strbuf_printf(b, " and %zu more", n - LIST_MAX);
}

/* "alice: /home/alice/.ssh/authorized_keys line 3: ssh-ed25519 key 'alice@laptop'" */
static void key_name(sbtc_strbuf *b, const account *a, const key_file *kf, const sbtc_ak_key *k)
{
	sbtc_strbuf_printf(b, "%s: %s line %zu: %s key", a->shown, kf->path, k->line, k->type);
	if (k->comment[0])
		sbtc_strbuf_printf(b, " '%s'", k->comment);
}

/* Password-like logins (password, keyboard-interactive) per account: CRITICAL when one
 * is on for some login user and not made a second factor by AuthenticationMethods. */
static void judge_method(sbtc_result *root, const measurement *m, const char *id, const char *what,
			 const char *keyword, bool (*on)(const sbtc_sshd_settings *), bool (*in_match)(const sbtc_sshd_settings *),
			 bool direct)
{
	sbtc_strbuf users = SBTC_STRBUF_INIT;
	size_t n = 0, asked = 0;
	bool match = false;
	for (size_t i = 0; i < m->n; i++) {
		const account *a = &m->v[i];
		if (!a->have_settings)
			continue;
		const sbtc_sshd_settings *s = &a->settings;
		/* root with PermitRootLogin other than yes cannot use a password at all. */
		if (a->uid == 0 && strcmp(s->permit_root, "yes") != 0)
			continue;
		asked++;
		if (on(s) && !s->methods_require_pubkey) {
			name_append(&users, &n, a->shown);
			match = match || in_match(s);
		}
	}
	name_list_end(&users, n);
	sbtc_result *r;
	if (n > 0)
		r = sbtc_result_add(root, SBTC_CRITICAL, "%s is on for %s%s (%s yes%s): set %s no", what,
				    n == asked ? "every login user: " : "", sbtc_strbuf_str(&users), keyword,
				    direct && match ? " in a Match block" : "", keyword);
	else if (m->have_global && on(&m->global) && !m->global.methods_require_pubkey)
		/* On in the configuration, though no account checked may use it now (root with
		 * prohibit-password, a narrow --users): any other account with a password could. */
		r = sbtc_result_add(root, SBTC_CRITICAL, "%s is on (%s yes), though no account checked may use it: set %s no",
				    what, keyword, keyword);
	else
		r = sbtc_result_add(root, SBTC_OK, "%s is off%s", what,
				    asked > 0 && on(&m->v[0].settings) ? " (AuthenticationMethods requires publickey)" : "");
	sbtc_result_set_id(r, id);
	sbtc_strbuf_free(&users);
}

static bool password_on(const sbtc_sshd_settings *s) { return s->password; }
static bool password_match(const sbtc_sshd_settings *s) { return s->match_password; }
static bool kbd_on(const sbtc_sshd_settings *s) { return s->kbd; }
static bool kbd_match(const sbtc_sshd_settings *s) { return s->match_kbd; }

static void judge_root(sbtc_result *root, const measurement *m, bool direct)
{
	const sbtc_sshd_settings *s = &m->global;
	sbtc_result *r;
	if (strcmp(s->permit_root, "yes") == 0)
		r = sbtc_result_add(root, SBTC_CRITICAL,
				    "root may log in with a password (PermitRootLogin yes%s): set PermitRootLogin "
				    "prohibit-password, or no",
				    direct && s->match_root ? " in a Match block" : "");
	else if (strcmp(s->permit_root, "no") == 0)
		r = sbtc_result_add(root, SBTC_OK, "root may not log in (PermitRootLogin no)");
	else
		r = sbtc_result_add(root, SBTC_OK, "root may log in by key only (PermitRootLogin %s)", s->permit_root);
	sbtc_result_set_id(r, "root_login");
}

/* A hardware key counted as an administrator's, to tell keys apart. */
typedef struct {
	const sbtc_ak_key *key;
	const char *user;
} admin_key;

static bool admin_seen(const admin_key *v, size_t n, const sbtc_ak_key *k)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].key->bloblen == k->bloblen && memcmp(v[i].key->blob, k->blob, k->bloblen) == 0)
			return true;
	return false;
}

/* Each key, each file's modes, the admins. */
static void judge_keys(sbtc_result *root, const config *cfg, const measurement *m)
{
	size_t hardware = 0, other = 0, bad_keys = 0, files_bad = 0, nkeys_crit = 0, nwarn = 0;
	admin_key *admins = NULL;
	size_t nadmins = 0;
	sbtc_strbuf who = SBTC_STRBUF_INIT;
	size_t nwho = 0;
	const account *last_who = NULL;
	bool akc = false, any_unreadable = false;
	for (size_t i = 0; i < m->n; i++) {
		const account *a = &m->v[i];
		if (a->settings_error != NULL) {
			sbtc_result_set_id(sbtc_result_add(root, SBTC_UNKNOWN, "%s", a->settings_error), "sshd");
			continue;
		}
		if (!key_login(a))
			continue;
		akc = akc || a->settings.akc != NULL;
		for (size_t f = 0; f < a->nfiles; f++) {
			const key_file *kf = &a->files[f];
			if (kf->problem != NULL) {
				files_bad++;
				sbtc_result_set_id(sbtc_result_add(root, SBTC_CRITICAL,
								   "%s: %s: %s (sshd's StrictModes refuses such a file; "
								   "chmod go-w, chown to the user)",
								   a->shown, kf->path, kf->problem),
						   "key_files");
			}
			if (kf->error != NULL) {
				any_unreadable = true;
				sbtc_result_set_id(sbtc_result_add(root, SBTC_UNKNOWN, "%s: %s%s", a->shown, kf->error,
								   geteuid() != 0 ? " (run the check as root)" : ""),
						   "key_files");
			}
			for (size_t b = 0; b < kf->keys.nbad; b++) {
				if (nwarn++ < LIST_MAX)
					sbtc_result_set_id(sbtc_result_add(root, SBTC_WARNING,
									   "%s: %s line %zu: %s (sshd skips the line)",
									   a->shown, kf->path, kf->keys.bad[b].line,
									   kf->keys.bad[b].why),
							   "keys");
			}
			for (size_t x = 0; x < kf->keys.n; x++) {
				const sbtc_ak_key *k = &kf->keys.keys[x];
				sbtc_strbuf name = SBTC_STRBUF_INIT;
				key_name(&name, a, kf, k);
				sbtc_state st = SBTC_OK;
				const char *why = NULL;
				if (k->cert_authority) {
					st = SBTC_CRITICAL;
					why = "is a cert-authority: any key it signs may log in, hardware or not";
				} else if (!k->hardware) {
					st = SBTC_CRITICAL;
					why = "is not a hardware key: replace it with an sk-ssh-ed25519@openssh.com key "
					      "(ssh-keygen -t ed25519-sk)";
				} else if (cfg->require_verify && !k->verify_required) {
					st = SBTC_CRITICAL;
					why = "lacks verify-required (--require-verify): add the option, and a PIN to "
					      "the authenticator";
				} else if (k->no_touch_required) {
					st = SBTC_WARNING;
					why = "has no-touch-required: it signs without a touch";
				}
				if (k->hardware && !k->cert_authority)
					hardware++;
				else
					other++;
				if (st != SBTC_OK) {
					bad_keys++;
					if (nkeys_crit++ < LIST_MAX)
						sbtc_result_set_id(sbtc_result_add(root, st, "%s %s", sbtc_strbuf_str(&name),
										   why),
								   "keys");
				} else if (cfg->verbose > 0) {
					sbtc_result_set_id(sbtc_result_add(root, SBTC_OK, "%s: hardware key",
									   sbtc_strbuf_str(&name)),
							   "keys");
				}
				/* A hardware key that passes counts as an administrator once. */
				bool counts = (st == SBTC_OK || (st == SBTC_WARNING && k->no_touch_required)) &&
					      k->hardware && !k->cert_authority;
				if (counts && last_who != a) {
					name_append(&who, &nwho, a->shown);
					last_who = a;
				}
				if (counts && !admin_seen(admins, nadmins, k)) {
					admins = sbtc_xrealloc(admins, (nadmins + 1) * sizeof *admins);
					admins[nadmins].key = k;
					admins[nadmins].user = a->shown;
					nadmins++;
				}
				sbtc_strbuf_free(&name);
			}
		}
	}
	if (nkeys_crit > LIST_MAX)
		sbtc_result_set_id(sbtc_result_add(root, SBTC_CRITICAL, "and %zu more keys that are not acceptable",
						   nkeys_crit - LIST_MAX),
				   "keys");
	if (nwarn > LIST_MAX)
		sbtc_result_set_id(sbtc_result_add(root, SBTC_WARNING, "and %zu more lines sshd skips", nwarn - LIST_MAX),
				   "keys");
	if (bad_keys == 0)
		sbtc_result_set_id(sbtc_result_add(root, SBTC_OK, "%zu hardware keys, no other keys", hardware), "keys");
	if (files_bad == 0 && !any_unreadable)
		sbtc_result_set_id(sbtc_result_add(root, SBTC_OK, "authorized_keys files owned by their users, "
								  "writable by nobody else"),
				   "key_files");
	if (akc)
		sbtc_result_set_id(sbtc_result_add(root, SBTC_WARNING,
						   "AuthorizedKeysCommand is set: the keys it returns are not checked"),
				   "keys_command");

	/* Admins: distinct hardware keys, and the accounts that hold them. */
	name_list_end(&who, nwho);
	sbtc_result *r;
	if (cfg->min_admins > 0 && nadmins < cfg->min_admins)
		r = sbtc_result_add(root, SBTC_WARNING,
				    "only %zu distinct hardware key%s can log in%s%s%s: the guide asks for redundancy "
				    "among administrators (--min-admins %u); add another administrator's hardware key",
				    nadmins, nadmins == 1 ? "" : "s", nwho ? " (" : "", sbtc_strbuf_str(&who),
				    nwho ? ")" : "", cfg->min_admins);
	else
		r = sbtc_result_add(root, SBTC_OK, "%zu distinct hardware keys can log in (%s)", nadmins,
				    nwho ? sbtc_strbuf_str(&who) : "none");
	sbtc_result_set_id(r, "admins");
	sbtc_strbuf_free(&who);

	sbtc_perf_add_count(root, "hardware_keys", (double)hardware, "keys", NULL, 0, NAN);
	sbtc_perf_add_count(root, "other_keys", (double)other, "keys", NULL, 0, NAN);
	sbtc_thresholds t;
	memset(&t, 0, sizeof t);
	if (cfg->min_admins > 0) {
		char txt[32], e[200];
		snprintf(txt, sizeof txt, "%u:", cfg->min_admins);
		if (sbtc_range_parse(txt, SBTC_UNIT_NONE, &t.warning, e, sizeof e) != 0)
			memset(&t, 0, sizeof t);
	}
	sbtc_perf_add_count(root, "admins", (double)nadmins, "admins", &t, 0, NAN);
	free(admins);
	sbtc_result_set_ok_summary(root, "password and keyboard-interactive logins off, root %s; %zu hardware keys, "
					 "%zu distinct, no other keys",
				   strcmp(m->global.permit_root, "no") == 0 ? "may not log in" : "by key only", hardware,
				   nadmins);
}

static sbtc_result *judge(const config *cfg, const measurement *m)
{
	sbtc_result *root = sbtc_result_new();
	if (!m->have_global) {
		sbtc_result_set_id(sbtc_result_add(root, SBTC_UNKNOWN, "%s", m->global_error), "sshd");
		return root;
	}
	if (m->error != NULL) {
		sbtc_result_set_id(sbtc_result_add(root, SBTC_UNKNOWN, "%s", m->error), "accounts");
		return root;
	}
	bool direct = cfg->sshd_config != NULL;
	judge_method(root, m, "password_auth", "password authentication", "PasswordAuthentication", password_on,
		     password_match, direct);
	judge_method(root, m, "kbd_interactive", "keyboard-interactive authentication", "KbdInteractiveAuthentication",
		     kbd_on, kbd_match, direct);
	judge_root(root, m, direct);
	judge_keys(root, cfg, m);
	return root;
}

static void config_init(config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->sshd = DEFAULT_SSHD;
	cfg->min_admins = DEFAULT_MIN_ADMINS;
}

int main(int argc, char **argv)
{
	config cfg;
	sbtc_common_opts common;
	measurement m;

	config_init(&cfg);
	sbtc_cli_parse(&info, argc, argv, &common, handle_option, &cfg);
	cfg.verbose = common.verbose;

	measure(&cfg, &m);
	sbtc_result *root = judge(&cfg, &m);
	measurement_free(&m);
	list_free(cfg.users, cfg.nusers);
	list_free(cfg.host_keys, cfg.nhost_keys);
	sbtc_perf_add_time(root);
	return sbtc_finish(root);
}
