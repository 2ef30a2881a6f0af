/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/file_guard.c (directories judged by their metadata; a file and a
 * symlink in a private folder) and lib/proc_cmdline.c (the shapes of a key on a command
 * line, hidepid's values). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "file_guard.h"
#include "proc_cmdline.h"
#include "strbuf.h"

#define OWNER 1234

static void test_dir_judge(void **state)
{
	(void)state;
	static const struct {
		mode_t mode;
		uid_t uid;
		gid_t gid;
		int want; /* -1: fine */
	} t[] = {
		{040755, 0, 0, -1},
		{040700, OWNER, 0, -1},
		{040775, 0, 0, -1},                          /* root's group only */
		{040775, 0, 27, SBTC_DIR_GROUP_WRITABLE},
		{040777, 0, 0, SBTC_DIR_OTHERS_WRITABLE},
		{041777, 0, 0, SBTC_DIR_STICKY_SHARED},      /* /tmp */
		{040755, 1001, 0, SBTC_DIR_FOREIGN_OWNER},
		{040757, 1001, 0, SBTC_DIR_OTHERS_WRITABLE}, /* the worst first */
		{041777, 1001, 0, SBTC_DIR_FOREIGN_OWNER},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		sbtc_dir_problem p = (sbtc_dir_problem)99;
		bool bad = sbtc_dir_judge(t[i].mode, t[i].uid, t[i].gid, OWNER, &p);
		if (bad != (t[i].want >= 0) || (bad && (int)p != t[i].want))
			fail_msg("case %zu: %d/%d, want %d", i, bad, (int)p, t[i].want);
	}
}

/* A folder of our own, below directories whose judgement depends on where the tests run:
 * only the flaws inside it are looked at. */
static void test_file_and_symlink(void **state)
{
	(void)state;
	char dir[] = "/tmp/sbtc-guard-XXXXXX";
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0777), 0);
	char *f = sbtc_xasprintf("%s/key.toml", dir);
	char *l = sbtc_xasprintf("%s/link.toml", dir);
	char *none = sbtc_xasprintf("%s/none.toml", dir);
	char *dangling = sbtc_xasprintf("%s/dangling.toml", dir);
	FILE *fp = fopen(f, "w");
	assert_non_null(fp);
	assert_true(fputs("private_key = \"k\"\n", fp) >= 0);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(f, 0640), 0);
	assert_int_equal(symlink(f, l), 0);
	assert_int_equal(symlink(none, dangling), 0);

	sbtc_guarded_file g;
	sbtc_file_guard(f, OWNER, 4096, &g);
	assert_true(g.present);
	assert_false(g.is_symlink);
	assert_true(g.regular);
	assert_int_equal(g.mode & 0777, 0640);
	assert_int_equal(g.len, 18);
	bool found = false;
	for (size_t i = 0; i < g.nflaws; i++)
		if (strcmp(g.flaws[i].path, dir) == 0) {
			found = true;
			assert_int_equal(g.flaws[i].problem, SBTC_DIR_OTHERS_WRITABLE);
			assert_false(g.flaws[i].via_symlink);
		}
	assert_true(found);
	sbtc_guarded_file_free(&g);

	sbtc_file_guard(f, OWNER, 10, &g); /* over the cap: not read */
	assert_true(g.too_large);
	assert_null(g.text);
	sbtc_guarded_file_free(&g);

	sbtc_file_guard(l, OWNER, 4096, &g);
	assert_true(g.is_symlink);
	assert_non_null(g.target);
	assert_int_equal(g.len, 18);
	sbtc_guarded_file_free(&g);

	sbtc_file_guard(none, OWNER, 4096, &g);
	assert_false(g.present);
	sbtc_guarded_file_free(&g);

	sbtc_file_guard(dangling, OWNER, 4096, &g);
	assert_true(g.present);
	assert_true(g.is_symlink);
	assert_null(g.target);
	sbtc_guarded_file_free(&g);

	assert_int_equal(unlink(dangling), 0);
	assert_int_equal(unlink(l), 0);
	assert_int_equal(unlink(f), 0);
	assert_int_equal(rmdir(dir), 0);
	free(f);
	free(l);
	free(none);
	free(dangling);
}

#define K64 "41634762d89dfa09133a4a8e9c1378d0161d29cd0a9433b51f1e3d32947a73dc"

static void test_cmdline(void **state)
{
	(void)state;
	static const struct {
		const char *argv; /* NUL-separated; sizeof - 1 bytes */
		size_t len;
		bool hit;
	} t[] = {
#define A(s, h) {s, sizeof s - 1, h}
		A("/usr/bin/env\0SIGNER_SIGNER__PRIVATE_KEY=" K64 "\0/usr/local/bin/signer", true),
		A("docker\0run\0-e\0SIGNER_SIGNER__PRIVATE_KEY=" K64 "\0img", true),
		A("sh\0-c\0export SIGNER_SIGNER__PRIVATE_KEY=" K64 "; exec signer", true),
		A("sh\0-c\0SIGNER_SIGNER__PRIVATE_KEY=$KEY signer", false),
		A("docker\0run\0-e\0SIGNER_SIGNER__PRIVATE_KEY\0img", false),
		A("/usr/local/bin/signer\0--config\0/signer-config.toml\0" K64, true),
		A("signer\0" "0x" K64 "01", true),
		A("/usr/local/bin/signer\0--config\0/signer-config.toml\0--migrate-db", false),
		/* a container id is 64 hex digits too: only the signer's own arguments count */
		A("/usr/bin/containerd-shim-runc-v2\0-namespace\0moby\0-id\0" K64, false),
		A(K64, false),
		A("", false),
		A("SIGNER_SIGNER__PRIVATE_KEY=", false),
#undef A
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if ((sbtc_cmdline_judge(t[i].argv, t[i].len) != NULL) != t[i].hit)
			fail_msg("case %zu: want %d", i, t[i].hit);
}

static void test_hidepid(void **state)
{
	(void)state;
	char v[24];
	assert_false(sbtc_hidepid_hides("rw,nosuid,nodev,noexec,relatime", 31, v, sizeof v));
	assert_true(sbtc_hidepid_hides("rw,hidepid=2,gid=4", 18, v, sizeof v));
	assert_string_equal(v, "2");
	assert_true(sbtc_hidepid_hides("rw,hidepid=invisible", 20, v, sizeof v));
	assert_string_equal(v, "invisible");
	assert_false(sbtc_hidepid_hides("rw,hidepid=0", 12, v, sizeof v));
	assert_false(sbtc_hidepid_hides("rw,hidepid=off", 14, v, sizeof v));
	/* found by fuzz_cmdline: a NUL in the value, nothing before it */
	assert_false(sbtc_hidepid_hides("rw,nosuid,hidepid=\0d=2,=4", 26, v, sizeof v));
	assert_string_equal(v, "");
	assert_true(sbtc_hidepid_hides("hidepid=2\n|x", 13, v, sizeof v));
	assert_string_equal(v, "2??x");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dir_judge),
		cmocka_unit_test(test_file_and_symlink),
		cmocka_unit_test(test_cmdline),
		cmocka_unit_test(test_hidepid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
