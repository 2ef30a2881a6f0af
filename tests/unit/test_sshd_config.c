/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/sshd_config.c: the output of sshd -T and sshd_config read directly. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sshd_config.h"

/* The lines of sshd -T (OpenSSH 9.2) that matter, among others it prints. */
#define T_BASE                                                   \
	"port 22\n"                                              \
	"permitrootlogin without-password\n"                     \
	"pubkeyauthentication yes\n"                             \
	"passwordauthentication no\n"                            \
	"kbdinteractiveauthentication no\n"                      \
	"authorizedkeysfile .ssh/authorized_keys .ssh/authorized_keys2\n" \
	"usepam yes\n"

static void test_parse_T(void **unused)
{
	(void)unused;
	sbtc_sshd_settings s;
	char err[300];
	const char *t = T_BASE "authenticationmethods any\nauthorizedkeyscommand none\n";
	assert_int_equal(sbtc_sshd_parse_T(t, strlen(t), &s, err, sizeof err), 0);
	assert_false(s.password);
	assert_false(s.kbd);
	assert_true(s.pubkey);
	assert_string_equal(s.permit_root, "without-password");
	assert_int_equal(s.nakf, 2);
	assert_string_equal(s.akf[1], ".ssh/authorized_keys2");
	assert_null(s.akc);
	assert_false(s.methods_require_pubkey);
	sbtc_sshd_settings_free(&s);

	/* old releases print challengeresponseauthentication; either name on counts */
	t = T_BASE "challengeresponseauthentication yes\nauthenticationmethods publickey,password publickey,keyboard-interactive\n";
	assert_int_equal(sbtc_sshd_parse_T(t, strlen(t), &s, err, sizeof err), 0);
	assert_true(s.kbd);
	assert_true(s.methods_require_pubkey);
	sbtc_sshd_settings_free(&s);

	t = T_BASE "authenticationmethods publickey password\nauthorizedkeyscommand /usr/bin/keys %u\n";
	assert_int_equal(sbtc_sshd_parse_T(t, strlen(t), &s, err, sizeof err), 0);
	assert_false(s.methods_require_pubkey);
	assert_string_equal(s.akc, "/usr/bin/keys %u");
	sbtc_sshd_settings_free(&s);

	t = "permitrootlogin yes\npubkeyauthentication yes\npasswordauthentication yes\n"
	    "kbdinteractiveauthentication no\nauthorizedkeysfile none\n";
	assert_int_equal(sbtc_sshd_parse_T(t, strlen(t), &s, err, sizeof err), 0);
	assert_int_equal(s.nakf, 0);
	assert_true(s.password);
	sbtc_sshd_settings_free(&s);

	static const struct {
		const char *text, *why;
	} bad[] = {
		{"", "lacks passwordauthentication"},
		{"port 22\n", "lacks passwordauthentication"},
		{"passwordauthentication maybe\n", "neither yes nor no"},
		{"passwordauthentication\n", "has no value"},
		{"passwordauthentication no\nkbdinteractiveauthentication no\npubkeyauthentication yes\n"
		 "permitrootlogin sometimes\n", "not a known value"},
		{"passwordauthentication no\nkbdinteractiveauthentication no\npubkeyauthentication yes\n"
		 "permitrootlogin no\n", "lacks authorizedkeysfile"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (sbtc_sshd_parse_T(bad[i].text, strlen(bad[i].text), &s, err, sizeof err) != -1)
			fail_msg("case %zu accepted", i);
		if (strstr(err, bad[i].why) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, err, bad[i].why);
	}
}

static void test_parse_config(void **unused)
{
	(void)unused;
	sbtc_sshd_settings s;
	char err[300];
	/* Nothing set: OpenSSH's built-in defaults. */
	assert_int_equal(sbtc_sshd_parse_config("", 0, "x", "/nonexistent", &s, err, sizeof err), 0);
	assert_true(s.password);
	assert_true(s.kbd);
	assert_string_equal(s.permit_root, "prohibit-password");
	assert_int_equal(s.nakf, 2);
	sbtc_sshd_settings_free(&s);

	/* First value wins, '=' and any case, quoted arguments. */
	const char *c = "# comment\n"
			"  passwordAuthentication=no\n"
			"PasswordAuthentication yes\n"
			"KbdInteractiveAuthentication no\n"
			"PermitRootLogin No\n"
			"AuthorizedKeysFile \"/etc/ssh/keys/%u\" .ssh/authorized_keys\n";
	assert_int_equal(sbtc_sshd_parse_config(c, strlen(c), "x", "/nonexistent", &s, err, sizeof err), 0);
	assert_false(s.password);
	assert_false(s.kbd);
	assert_string_equal(s.permit_root, "no");
	assert_int_equal(s.nakf, 2);
	assert_string_equal(s.akf[0], "/etc/ssh/keys/%u");
	assert_false(s.match_password);
	sbtc_sshd_settings_free(&s);

	/* A Match block may apply to someone: the worse value counts, and says so. */
	c = "PasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin no\n"
	    "Match User alice\n  PasswordAuthentication yes\n  PermitRootLogin yes\n"
	    "Match Address 10.0.0.0/8\n  AuthorizedKeysFile /srv/keys/%u\n  AuthenticationMethods password\n";
	assert_int_equal(sbtc_sshd_parse_config(c, strlen(c), "x", "/nonexistent", &s, err, sizeof err), 0);
	assert_true(s.password);
	assert_true(s.match_password);
	assert_false(s.kbd);
	assert_string_equal(s.permit_root, "yes");
	assert_true(s.match_root);
	assert_int_equal(s.nakf, 3); /* the global default two and the block's */
	sbtc_sshd_settings_free(&s);

	/* A Match block's stricter value does not hide the global one. */
	c = "PasswordAuthentication yes\nAuthenticationMethods publickey,password\n"
	    "Match User bob\n  PasswordAuthentication no\n";
	assert_int_equal(sbtc_sshd_parse_config(c, strlen(c), "x", "/nonexistent", &s, err, sizeof err), 0);
	assert_true(s.password);
	assert_false(s.match_password);
	assert_true(s.methods_require_pubkey);
	sbtc_sshd_settings_free(&s);

	static const struct {
		const char *text, *why;
	} bad[] = {
		{"PasswordAuthentication perhaps\n", "x line 1: PasswordAuthentication 'perhaps' is neither yes nor no"},
		{"\n\nPermitRootLogin always\n", "x line 3: PermitRootLogin 'always' is not a known value"},
		{"AuthorizedKeysFile \"open\n", "x line 1: unterminated quote"},
		{"PasswordAuthentication\n", "has no value"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (sbtc_sshd_parse_config(bad[i].text, strlen(bad[i].text), "x", "/nonexistent", &s, err, sizeof err) != -1)
			fail_msg("case %zu accepted", i);
		if (strstr(err, bad[i].why) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, err, bad[i].why);
	}
}

/* Include: relative names under the given directory, globs, the first value wins across
 * files, as sshd reads them in order. */
static void test_include(void **unused)
{
	(void)unused;
	char dir[] = "/tmp/test_sshd_config.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char sub[200], p1[300], p2[300];
	snprintf(sub, sizeof sub, "%s/sshd_config.d", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	snprintf(p1, sizeof p1, "%s/10-pw.conf", sub);
	snprintf(p2, sizeof p2, "%s/20-pw.conf", sub);
	FILE *f = fopen(p1, "w");
	assert_non_null(f);
	fputs("PasswordAuthentication yes\n", f);
	assert_int_equal(fclose(f), 0);
	f = fopen(p2, "w");
	assert_non_null(f);
	fputs("PasswordAuthentication no\nKbdInteractiveAuthentication no\n", f);
	assert_int_equal(fclose(f), 0);
	sbtc_sshd_settings s;
	char err[300];
	const char *c = "Include sshd_config.d/*.conf\nPasswordAuthentication no\n";
	assert_int_equal(sbtc_sshd_parse_config(c, strlen(c), "main", dir, &s, err, sizeof err), 0);
	assert_true(s.password); /* 10-pw.conf came first */
	assert_false(s.kbd);
	sbtc_sshd_settings_free(&s);
	/* A pattern that matches nothing is no error (sshd accepts it). */
	c = "Include none/*.conf\n";
	assert_int_equal(sbtc_sshd_parse_config(c, strlen(c), "main", dir, &s, err, sizeof err), 0);
	sbtc_sshd_settings_free(&s);
	/* A file that includes itself ends at the depth limit with a message. */
	f = fopen(p1, "w");
	assert_non_null(f);
	fprintf(f, "Include %s\n", p1);
	assert_int_equal(fclose(f), 0);
	c = "Include sshd_config.d/10-pw.conf\n";
	assert_int_equal(sbtc_sshd_parse_config(c, strlen(c), "main", dir, &s, err, sizeof err), -1);
	assert_non_null(strstr(err, "nested more than 16 deep"));
	assert_int_equal(unlink(p1), 0);
	assert_int_equal(unlink(p2), 0);
	assert_int_equal(rmdir(sub), 0);
	assert_int_equal(rmdir(dir), 0);
}

static void test_expand(void **unused)
{
	(void)unused;
	char err[200];
	char *p = sbtc_sshd_expand_akf(".ssh/authorized_keys", "/home/a", "a", 1000, err, sizeof err);
	assert_string_equal(p, "/home/a/.ssh/authorized_keys");
	free(p);
	p = sbtc_sshd_expand_akf("/etc/ssh/keys/%u.%U.%%", "/home/a", "a", 1000, err, sizeof err);
	assert_string_equal(p, "/etc/ssh/keys/a.1000.%");
	free(p);
	p = sbtc_sshd_expand_akf("%h/.ssh/k", "/root", "root", 0, err, sizeof err);
	assert_string_equal(p, "/root/.ssh/k");
	free(p);
	assert_null(sbtc_sshd_expand_akf("%x/keys", "/h", "u", 1, err, sizeof err));
	assert_non_null(strstr(err, "unknown token %x"));
	assert_null(sbtc_sshd_expand_akf("keys%", "/h", "u", 1, err, sizeof err));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_T),
		cmocka_unit_test(test_parse_config),
		cmocka_unit_test(test_include),
		cmocka_unit_test(test_expand),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
