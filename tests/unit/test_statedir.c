/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/statedir.c: the private directory kept between runs, named in its
 * messages as the caller says ("state directory"), refused when it is not safe. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "statedir.h"
#include "strbuf.h"

static char g_base[64];

static int setup(void **state)
{
	(void)state;
	snprintf(g_base, sizeof g_base, "/tmp/sbtc-test-statedir-XXXXXX");
	return mkdtemp(g_base) == NULL ? -1 : 0;
}

static void test_creates_private_dir(void **unused)
{
	(void)unused;
	char err[300];
	char *dir = sbtc_xasprintf("%s/new", g_base);
	int fd = sbtc_statedir_open(dir, "state directory", err, sizeof err);
	assert_true(fd >= 0);
	assert_string_equal(err, "");
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	/* files are reached through the descriptor */
	int f = openat(fd, "x", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
	assert_true(f >= 0);
	close(f);
	close(fd);
	/* an existing safe directory opens again */
	fd = sbtc_statedir_open(dir, "state directory", err, sizeof err);
	assert_true(fd >= 0);
	close(fd);
	char *x = sbtc_xasprintf("%s/x", dir);
	unlink(x);
	rmdir(dir);
	free(x);
	free(dir);
}

static void test_refuses_unsafe_dirs_naming_what(void **unused)
{
	(void)unused;
	char err[300], expect[300];
	char *open_dir = sbtc_xasprintf("%s/world", g_base);
	assert_int_equal(mkdir(open_dir, 0700), 0);
	assert_int_equal(chmod(open_dir, 0777), 0);
	assert_int_equal(sbtc_statedir_open(open_dir, "state directory", err, sizeof err), -1);
	snprintf(expect, sizeof expect, "state directory %s is not used: others may write to it (chmod 0700)",
		 open_dir);
	assert_string_equal(err, expect);
	assert_int_equal(chmod(open_dir, 0720), 0); /* group-writable */
	assert_int_equal(sbtc_statedir_open(open_dir, "state directory", err, sizeof err), -1);

	char *good = sbtc_xasprintf("%s/good", g_base), *link = sbtc_xasprintf("%s/link", g_base);
	assert_int_equal(mkdir(good, 0700), 0);
	assert_int_equal(symlink(good, link), 0);
	assert_int_equal(sbtc_statedir_open(link, "state directory", err, sizeof err), -1);
	snprintf(expect, sizeof expect, "cannot open state directory %s: not a directory (or a symbolic link)", link);
	assert_string_equal(err, expect);

	assert_int_equal(sbtc_statedir_open("", "cache directory", err, sizeof err), -1);
	assert_string_equal(err, "no cache directory given");
	assert_int_equal(sbtc_statedir_open(NULL, "cache directory", err, sizeof err), -1);

	/* a name with control characters is shown cleaned */
	char *odd = sbtc_xasprintf("%s/no\nsuch/dir", g_base);
	assert_int_equal(sbtc_statedir_open(odd, "state directory", err, sizeof err), -1);
	assert_null(strchr(err, '\n'));
	assert_non_null(strstr(err, "cannot create state directory"));

	unlink(link);
	rmdir(good);
	rmdir(open_dir);
	free(odd);
	free(open_dir);
	free(good);
	free(link);
}

static void test_default_is_per_user(void **unused)
{
	(void)unused;
	char expect[100];
	snprintf(expect, sizeof expect, "/var/tmp/check_x-%ju", (uintmax_t)geteuid());
	char *d = sbtc_statedir_default("/var/tmp/check_x-");
	assert_string_equal(d, expect);
	free(d);
}

static int teardown(void **state)
{
	(void)state;
	return rmdir(g_base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_creates_private_dir),
		cmocka_unit_test(test_refuses_unsafe_dirs_naming_what),
		cmocka_unit_test(test_default_is_per_user),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
