/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The OpenSSH server's login settings, from `sshd -T` or from sshd_config (sshd_config.h). */
#include "sshd_config.h"

#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "deadline.h"
#include "sanitize.h"
#include "smallfile.h"
#include "strbuf.h"
#include "subprocess.h"

/* sshd -T prints some 90 short lines; sshd_config files are small. */
#define SSHD_OUTPUT_MAX (1024u * 1024u)
#define INCLUDE_DEPTH_MAX 16
/* Built-in defaults of OpenSSH 9.x (servconf.c, fill_default_server_options), used when a
 * configuration read directly does not set a keyword. */
#define DEFAULT_AKF1 ".ssh/authorized_keys"
#define DEFAULT_AKF2 ".ssh/authorized_keys2"

/* Splits the arguments of a line: words separated by blanks, a double-quoted word may hold
 * blanks (sshd's argv_split). Returns the number of words (at most max), or -1 for an
 * unterminated quote. Words are copied into buf (NUL-separated). */
static int split_args(const char *p, size_t n, char *buf, size_t buflen, const char **words, int max)
{
	size_t i = 0, o = 0;
	int nw = 0;
	while (i < n) {
		while (i < n && (p[i] == ' ' || p[i] == '\t'))
			i++;
		if (i >= n)
			break;
		if (nw == max || o >= buflen)
			return nw;
		words[nw++] = buf + o;
		bool quoted = false;
		while (i < n) {
			char c = p[i];
			if (c == '"') {
				quoted = !quoted;
				i++;
				continue;
			}
			if (!quoted && (c == ' ' || c == '\t'))
				break;
			if (o + 1 < buflen)
				buf[o++] = c;
			i++;
		}
		if (quoted)
			return -1;
		if (o < buflen)
			buf[o++] = '\0';
		else
			buf[buflen - 1] = '\0';
	}
	return nw;
}

static int yes_no(const char *v, bool *out)
{
	if (strcasecmp(v, "yes") == 0) {
		*out = true;
		return 0;
	}
	if (strcasecmp(v, "no") == 0) {
		*out = false;
		return 0;
	}
	return -1;
}

/* How much permitrootlogin lets root in: 2 with a password, 1 with keys only, 0 not at all;
 * -1 for an unknown value. without-password is the old name of prohibit-password. */
static int root_rank(const char *v)
{
	if (strcasecmp(v, "yes") == 0)
		return 2;
	if (strcasecmp(v, "prohibit-password") == 0 || strcasecmp(v, "without-password") == 0 ||
	    strcasecmp(v, "forced-commands-only") == 0)
		return 1;
	if (strcasecmp(v, "no") == 0)
		return 0;
	return -1;
}

/* True when every comma-separated list of methods holds publickey ("any" holds none). */
static bool methods_need_pubkey(const char *const *words, int n)
{
	if (n <= 0 || (n == 1 && strcasecmp(words[0], "any") == 0))
		return false;
	for (int i = 0; i < n; i++) {
		bool has = false;
		const char *p = words[i];
		while (*p) {
			size_t len = strcspn(p, ",");
			/* publickey, or publickey:... is not a form; a method may carry :submethod */
			if ((len == 9 && strncmp(p, "publickey", 9) == 0))
				has = true;
			p += len;
			if (*p == ',')
				p++;
		}
		if (!has)
			return false;
	}
	return true;
}

static void akf_add(sbtc_sshd_settings *s, const char *w)
{
	for (size_t i = 0; i < s->nakf; i++)
		if (strcmp(s->akf[i], w) == 0)
			return;
	s->akf = sbtc_xrealloc(s->akf, (s->nakf + 1) * sizeof *s->akf);
	s->akf[s->nakf++] = sbtc_xstrdup(w);
}

static char *join_words(const char *const *w, int n)
{
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	for (int i = 0; i < n; i++)
		sbtc_strbuf_printf(&b, "%s%s", i ? " " : "", w[i]);
	return sbtc_strbuf_steal(&b);
}

void sbtc_sshd_settings_free(sbtc_sshd_settings *s)
{
	for (size_t i = 0; i < s->nakf; i++)
		free(s->akf[i]);
	free(s->akf);
	free(s->akc);
	free(s->methods);
	memset(s, 0, sizeof *s);
}

void sbtc_sshd_settings_copy(sbtc_sshd_settings *dst, const sbtc_sshd_settings *src)
{
	*dst = *src;
	dst->akf = src->nakf ? sbtc_xcalloc(src->nakf, sizeof *dst->akf) : NULL;
	for (size_t i = 0; i < src->nakf; i++)
		dst->akf[i] = sbtc_xstrdup(src->akf[i]);
	dst->akc = src->akc ? sbtc_xstrdup(src->akc) : NULL;
	dst->methods = src->methods ? sbtc_xstrdup(src->methods) : NULL;
}

enum { K_PASSWORD = 1, K_KBD = 2, K_ROOT = 4, K_PUBKEY = 8, K_AKF = 16, K_AKC = 32, K_METHODS = 64 };

/* The keywords judged, as sshd_config(5) spells them; sshd -T writes them in lower case
 * and sshd reads them in any case. ChallengeResponseAuthentication is the older name of
 * KbdInteractiveAuthentication. 0 for any other keyword. */
static unsigned keyword_bit(const char *k)
{
	static const struct {
		const char *name;
		unsigned bit;
	} keywords[] = {
		{"PasswordAuthentication", K_PASSWORD},   {"KbdInteractiveAuthentication", K_KBD},
		{"ChallengeResponseAuthentication", K_KBD}, {"PubkeyAuthentication", K_PUBKEY},
		{"PermitRootLogin", K_ROOT},              {"AuthorizedKeysFile", K_AKF},
		{"AuthorizedKeysCommand", K_AKC},         {"AuthenticationMethods", K_METHODS},
	};
	for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
		if (strcasecmp(k, keywords[i].name) == 0)
			return keywords[i].bit;
	return 0;
}

#define WORDS_MAX 64

int sbtc_sshd_parse_T(const char *text, size_t len, sbtc_sshd_settings *s, char *err, size_t errlen)
{
	memset(s, 0, sizeof *s);
	unsigned seen = 0;
	const char *p = text, *end = text + len, *line;
	size_t n, lineno = 0;
	char buf[4096];
	const char *w[WORDS_MAX];
	while (sbtc_next_line(&p, end, &line, &n)) {
		lineno++;
		if (memchr(line, '\0', n) != NULL) {
			snprintf(err, errlen, "sshd -T output line %zu holds a NUL byte", lineno);
			goto fail;
		}
		int nw = split_args(line, n, buf, sizeof buf, w, WORDS_MAX);
		if (nw <= 0)
			continue;
		const char *k = w[0];
		unsigned bit = 0;
		bool v = false;
		bit = keyword_bit(k);
		if (bit == 0)
			continue;
		if (nw < 2) {
			snprintf(err, errlen, "sshd -T output line %zu: %s has no value", lineno, k);
			goto fail;
		}
		if (bit & (K_PASSWORD | K_KBD | K_PUBKEY)) {
			if (yes_no(w[1], &v) != 0) {
				char *shown = sbtc_sanitize(w[1], 40);
				snprintf(err, errlen, "sshd -T output line %zu: %s '%s' is neither yes nor no", lineno, k,
					 shown);
				free(shown);
				goto fail;
			}
			if (bit == K_PASSWORD)
				s->password = v;
			else if (bit == K_KBD)
				s->kbd = s->kbd || v; /* either name on: keyboard-interactive is on */
			else
				s->pubkey = v;
		} else if (bit == K_ROOT) {
			if (root_rank(w[1]) < 0) {
				char *shown = sbtc_sanitize(w[1], 40);
				snprintf(err, errlen, "sshd -T output line %zu: permitrootlogin '%s' is not a known value",
					 lineno, shown);
				free(shown);
				goto fail;
			}
			sbtc_strlcpy(s->permit_root, w[1], sizeof s->permit_root);
		} else if (bit == K_AKF) {
			for (int i = 1; i < nw; i++)
				if (!(nw == 2 && strcasecmp(w[i], "none") == 0))
					akf_add(s, w[i]);
		} else if (bit == K_AKC) {
			free(s->akc);
			s->akc = strcasecmp(w[1], "none") == 0 ? NULL : join_words(w + 1, nw - 1);
		} else if (bit == K_METHODS) {
			free(s->methods);
			s->methods = join_words(w + 1, nw - 1);
			s->methods_require_pubkey = methods_need_pubkey(w + 1, nw - 1);
		}
		seen |= bit;
	}
	static const struct {
		unsigned bit;
		const char *name;
	} needed[] = {{K_PASSWORD, "passwordauthentication"},
		      {K_KBD, "kbdinteractiveauthentication"},
		      {K_PUBKEY, "pubkeyauthentication"},
		      {K_ROOT, "permitrootlogin"},
		      {K_AKF, "authorizedkeysfile"}};
	for (size_t i = 0; i < sizeof needed / sizeof needed[0]; i++)
		if (!(seen & needed[i].bit)) {
			snprintf(err, errlen, "sshd -T output lacks %s (%zu lines read)", needed[i].name, lineno);
			goto fail;
		}
	if (s->methods == NULL)
		s->methods = sbtc_xstrdup("any");
	return 0;
fail:
	sbtc_sshd_settings_free(s);
	return -1;
}

/* ---- sshd_config read directly ---- */

typedef struct {
	sbtc_sshd_settings *s;
	unsigned global_seen;
	unsigned match_seen;
	int root_rank_now;
} config_state;

static int parse_config_text(config_state *st, const char *text, size_t len, const char *name, const char *incdir,
			     bool in_match, int depth, char *err, size_t errlen);

static int include_files(config_state *st, const char *pattern, const char *name, size_t lineno, const char *incdir,
			 bool in_match, int depth, char *err, size_t errlen)
{
	if (depth >= INCLUDE_DEPTH_MAX) {
		snprintf(err, errlen, "%s line %zu: Include nested more than %d deep", name, lineno, INCLUDE_DEPTH_MAX);
		return -1;
	}
	char *full = pattern[0] == '/' ? sbtc_xstrdup(pattern) : sbtc_xasprintf("%s/%s", incdir, pattern);
	glob_t g;
	memset(&g, 0, sizeof g);
	int gr = glob(full, 0, NULL, &g);
	int rc = 0;
	if (gr == 0) {
		for (size_t i = 0; i < g.gl_pathc && rc == 0; i++) {
			char *data = NULL;
			size_t dlen = 0;
			char e[400];
			if (sbtc_read_small_file(g.gl_pathv[i], "sshd configuration file", SSHD_OUTPUT_MAX, false, &data,
						 &dlen, e, sizeof e) != 0) {
				snprintf(err, errlen, "%s line %zu: Include: %s", name, lineno, e);
				rc = -1;
				break;
			}
			char *shown = sbtc_sanitize(g.gl_pathv[i], 200);
			rc = parse_config_text(st, data, dlen, shown, incdir, in_match, depth + 1, err, errlen);
			free(shown);
			free(data);
		}
	} else if (gr != GLOB_NOMATCH) {
		char *shown = sbtc_sanitize(full, 200);
		snprintf(err, errlen, "%s line %zu: Include %s cannot be expanded", name, lineno, shown);
		free(shown);
		rc = -1;
	}
	/* sshd accepts an Include that matches nothing. */
	globfree(&g);
	free(full);
	return rc;
}

static int parse_config_text(config_state *st, const char *text, size_t len, const char *name, const char *incdir,
			     bool in_match, int depth, char *err, size_t errlen)
{
	sbtc_sshd_settings *s = st->s;
	const char *p = text, *end = text + len, *line;
	size_t n, lineno = 0;
	char buf[4096];
	const char *w[WORDS_MAX];
	while (sbtc_next_line(&p, end, &line, &n)) {
		lineno++;
		size_t i = 0;
		while (i < n && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i == n || line[i] == '#')
			continue;
		/* "Keyword value" or "Keyword=value" (sshd's strdelim accepts one '='). */
		size_t ks = i;
		while (i < n && line[i] != ' ' && line[i] != '\t' && line[i] != '=')
			i++;
		char key[64];
		size_t kl = i - ks < sizeof key - 1 ? i - ks : sizeof key - 1;
		memcpy(key, line + ks, kl);
		key[kl] = '\0';
		while (i < n && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i < n && line[i] == '=')
			i++;
		int nw = split_args(line + i, n - i, buf, sizeof buf, w, WORDS_MAX);
		if (nw < 0) {
			snprintf(err, errlen, "%s line %zu: unterminated quote", name, lineno);
			return -1;
		}
		if (memchr(line, '\0', n) != NULL) {
			snprintf(err, errlen, "%s line %zu holds a NUL byte", name, lineno);
			return -1;
		}
		if (strcasecmp(key, "Match") == 0) {
			in_match = true;
			continue;
		}
		if (strcasecmp(key, "Include") == 0) {
			for (int k = 0; k < nw; k++)
				if (include_files(st, w[k], name, lineno, incdir, in_match, depth, err, errlen) != 0)
					return -1;
			continue;
		}
		unsigned bit = keyword_bit(key);
		if (bit == 0)
			continue;
		if (nw < 1) {
			snprintf(err, errlen, "%s line %zu: %s has no value", name, lineno, key);
			return -1;
		}
		/* Outside Match the first value wins; inside, every block may apply to someone:
		 * the worst value counts. */
		bool first = !in_match && !(st->global_seen & bit);
		bool v = false;
		if (bit & (K_PASSWORD | K_KBD | K_PUBKEY)) {
			if (yes_no(w[0], &v) != 0) {
				char *shown = sbtc_sanitize(w[0], 40);
				snprintf(err, errlen, "%s line %zu: %s '%s' is neither yes nor no", name, lineno, key, shown);
				free(shown);
				return -1;
			}
			if (bit == K_PASSWORD) {
				if (first)
					s->password = v;
				else if (in_match && v && !s->password)
					s->password = s->match_password = true;
			} else if (bit == K_KBD) {
				if (first)
					s->kbd = v;
				else if (in_match && v && !s->kbd)
					s->kbd = s->match_kbd = true;
			} else {
				if (first)
					s->pubkey = v;
			}
		} else if (bit == K_ROOT) {
			int r = root_rank(w[0]);
			if (r < 0) {
				char *shown = sbtc_sanitize(w[0], 40);
				snprintf(err, errlen, "%s line %zu: PermitRootLogin '%s' is not a known value", name, lineno,
					 shown);
				free(shown);
				return -1;
			}
			if (first || (in_match && r > st->root_rank_now)) {
				sbtc_strlcpy(s->permit_root, w[0], sizeof s->permit_root);
				for (char *c = s->permit_root; *c; c++)
					if (*c >= 'A' && *c <= 'Z')
						*c = (char)(*c - 'A' + 'a');
				if (!first)
					s->match_root = true;
				st->root_rank_now = r;
			}
		} else if (bit == K_AKF) {
			if (first || in_match) {
				if (first) {
					for (size_t k = 0; k < s->nakf; k++)
						free(s->akf[k]);
					s->nakf = 0;
				}
				for (int k = 0; k < nw; k++)
					if (!(nw == 1 && strcasecmp(w[k], "none") == 0))
						akf_add(s, w[k]);
			}
		} else if (bit == K_AKC) {
			if ((first || (in_match && s->akc == NULL)) && strcasecmp(w[0], "none") != 0) {
				free(s->akc);
				s->akc = join_words(w, nw);
			}
		} else if (bit == K_METHODS) {
			bool need = methods_need_pubkey(w, nw);
			if (first) {
				free(s->methods);
				s->methods = join_words(w, nw);
				s->methods_require_pubkey = need;
			} else if (in_match && !need) {
				s->methods_require_pubkey = false;
			}
		}
		if (!in_match)
			st->global_seen |= bit;
		else
			st->match_seen |= bit;
	}
	return 0;
}

int sbtc_sshd_parse_config(const char *text, size_t len, const char *name, const char *dir_for_include,
			   sbtc_sshd_settings *s, char *err, size_t errlen)
{
	memset(s, 0, sizeof *s);
	/* OpenSSH's built-in defaults (servconf.c, fill_default_server_options). */
	s->password = true;
	s->kbd = true;
	s->pubkey = true;
	sbtc_strlcpy(s->permit_root, "prohibit-password", sizeof s->permit_root);
	config_state st = {.s = s, .root_rank_now = 1};
	if (parse_config_text(&st, text, len, name, dir_for_include, false, 0, err, errlen) != 0) {
		sbtc_sshd_settings_free(s);
		return -1;
	}
	if (!(st.global_seen & K_AKF)) { /* the default applies outside the Match blocks */
		akf_add(s, DEFAULT_AKF1);
		akf_add(s, DEFAULT_AKF2);
	}
	if (s->methods == NULL)
		s->methods = sbtc_xstrdup("any");
	return 0;
}

int sbtc_sshd_read_config(const char *path, sbtc_sshd_settings *s, char *err, size_t errlen)
{
	char *data = NULL;
	size_t len = 0;
	if (sbtc_read_small_file(path, "sshd configuration file", SSHD_OUTPUT_MAX, false, &data, &len, err, errlen) != 0)
		return -1;
	char *shown = sbtc_sanitize(path, 200);
	/* sshd resolves a relative Include under its own directory, /etc/ssh (SSHDIR). */
	int rc = sbtc_sshd_parse_config(data, len, shown, "/etc/ssh", s, err, errlen);
	free(shown);
	free(data);
	return rc;
}

/* ---- sshd -T run ---- */

int sbtc_sshd_T_start(const char *sshd, const char *config, char *const *host_keys, size_t nhost_keys,
		      const char *user, sbtc_sshd_T_run *run, char *err, size_t errlen)
{
	static char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL};
	memset(run, 0, sizeof *run);
	if (user != NULL && strpbrk(user, ",=") != NULL) {
		/* sshd -C reads "user=NAME,addr=..." split at commas. */
		char *shown = sbtc_sanitize(user, 64);
		snprintf(err, errlen, "user name '%s' holds ',' or '=': sshd -T -C cannot be asked for it", shown);
		free(shown);
		return -1;
	}
	size_t argc = 0;
	char **argv = sbtc_xcalloc(8 + 2 * nhost_keys, sizeof *argv);
	char *cspec = user != NULL ? sbtc_xasprintf("user=%s", user) : NULL;
	argv[argc++] = (char *)sshd;
	argv[argc++] = "-T";
	if (config != NULL) {
		argv[argc++] = "-f";
		argv[argc++] = (char *)config;
	}
	for (size_t i = 0; i < nhost_keys; i++) {
		argv[argc++] = "-h";
		argv[argc++] = host_keys[i];
	}
	if (cspec != NULL) {
		argv[argc++] = "-C";
		argv[argc++] = cspec;
	}
	argv[argc] = NULL;
	char *what = sbtc_xasprintf("sshd -T%s%s", user ? " -C user=" : "", user ? user : "");
	run->what = sbtc_sanitize(what, 120);
	free(what);
	sbtc_deadline_activity(run->what);
	char e[400];
	int rc = 0;
	if (sbtc_child_spawn(sshd, argv, envp, &run->child, e, sizeof e) != 0) {
		snprintf(err, errlen, "cannot run %s", e);
		free(run->what);
		run->what = NULL;
		rc = -1;
	}
	free(argv);
	free(cspec);
	return rc;
}

int sbtc_sshd_T_finish(sbtc_sshd_T_run *run, sbtc_sshd_settings *s, char *err, size_t errlen)
{
	int rc = -1;
	sbtc_child *c = &run->child;
	const char *shown = run->what;
	char e[400];
	sbtc_strbuf out = SBTC_STRBUF_INIT;
	sbtc_deadline_activity(shown);
	bool timed_out = false, too_big = false;
	sbtc_child_read_output(c, SSHD_OUTPUT_MAX, &out, &timed_out, &too_big);
	if (timed_out || too_big) {
		sbtc_child_kill(c);
		snprintf(err, errlen, too_big ? "%s: output larger than 1 MB" : "%s did not finish before the deadline",
			 shown);
		goto done;
	}
	int code;
	bool killed;
	if (sbtc_child_finish(c, &code, &killed, e, sizeof e) != 0) {
		snprintf(err, errlen, "%s did not finish before the deadline", shown);
		goto done;
	}
	if (code != 0) {
		/* Debian's sshd 9.2 needs its privilege separation directory (/run/sshd) and
		 * loads the host keys (readable by root only) even for -T. */
		const char *hint = "";
		if (strstr(e, "privilege separation directory") != NULL)
			hint = " (sshd needs /run/sshd, which its service creates; or use --sshd-config FILE)";
		else if (strstr(e, "host key") != NULL || strstr(e, "hostkeys") != NULL)
			hint = " (sshd -T loads the host keys: run the check as root, for example through sudo "
			       "from NRPE, or use --sshd-config FILE)";
		if (code < 0)
			snprintf(err, errlen, "%s was killed by signal %d", shown, -code);
		else
			snprintf(err, errlen, "%s failed (exit %d): %s%s", shown, code, e[0] ? e : "no message", hint);
		goto done;
	}
	if (sbtc_sshd_parse_T(out.data ? out.data : "", out.len, s, e, sizeof e) != 0) {
		snprintf(err, errlen, "%s: %s", shown, e);
		goto done;
	}
	rc = 0;
done:
	sbtc_strbuf_free(&out);
	free(run->what);
	run->what = NULL;
	return rc;
}

int sbtc_sshd_run_T(const char *sshd, const char *config, char *const *host_keys, size_t nhost_keys,
		    const char *user, sbtc_sshd_settings *s, char *err, size_t errlen)
{
	sbtc_sshd_T_run run;
	if (sbtc_sshd_T_start(sshd, config, host_keys, nhost_keys, user, &run, err, errlen) != 0)
		return -1;
	return sbtc_sshd_T_finish(&run, s, err, errlen);
}

char *sbtc_sshd_expand_akf(const char *pattern, const char *home, const char *user, unsigned long uid, char *err,
			   size_t errlen)
{
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	for (const char *p = pattern; *p; p++) {
		if (*p != '%') {
			sbtc_strbuf_putc(&b, *p);
			continue;
		}
		switch (p[1]) {
		case '%': sbtc_strbuf_putc(&b, '%'); break;
		case 'h': sbtc_strbuf_puts(&b, home); break;
		case 'u': sbtc_strbuf_puts(&b, user); break;
		case 'U': sbtc_strbuf_printf(&b, "%lu", uid); break;
		default: {
			char *shown = sbtc_sanitize(pattern, 100);
			char tok = p[1];
			/* the token itself only when it can stand in a message (not '|', no control) */
			if (tok > ' ' && tok < 0x7f && tok != '|')
				snprintf(err, errlen, "AuthorizedKeysFile '%s': unknown token %%%c", shown, tok);
			else
				snprintf(err, errlen, "AuthorizedKeysFile '%s': unknown token after '%%'", shown);
			free(shown);
			sbtc_strbuf_free(&b);
			return NULL;
		}
		}
		p++;
	}
	char *s = sbtc_strbuf_steal(&b);
	if (s[0] != '/') {
		char *full = sbtc_xasprintf("%s/%s", home, s);
		free(s);
		s = full;
	}
	return s;
}
