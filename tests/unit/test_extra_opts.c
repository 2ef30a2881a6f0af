/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/extra_opts.c: ini sections turned into long options, and the
 * expansion of --extra-opts on a command line. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "deadline.h"
#include "extra_opts.h"
#include "smallfile.h"
#include "strbuf.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- temporary files -------------------------------------------------------------- */

struct tmpfile {
	char path[64];
};

/* The file in use, so that a failing test does not leave it behind (see remove_tmp). */
static char g_tmp_path[64];

static void tmp_write(struct tmpfile *t, const char *template_path, const char *content)
{
	sbtc_strlcpy(t->path, template_path, sizeof t->path);
	int fd = mkstemp(t->path);
	assert_true(fd >= 0);
	sbtc_strlcpy(g_tmp_path, t->path, sizeof g_tmp_path);
	size_t len = strlen(content);
	assert_int_equal(write(fd, content, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static void tmp_remove(struct tmpfile *t)
{
	g_tmp_path[0] = '\0';
	assert_int_equal(unlink(t->path), 0);
}

static int remove_tmp(void **unused)
{
	(void)unused;
	if (g_tmp_path[0] != '\0')
		unlink(g_tmp_path);
	g_tmp_path[0] = '\0';
	unsetenv("MP_CONFIG_FILE");
	return 0;
}

/* Replaces every "FILE" in pattern by path (malloc'd). */
static char *with_path(const char *pattern, const char *path)
{
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	const char *p = pattern;
	const char *hit;
	while ((hit = strstr(p, "FILE")) != NULL) {
		sbtc_strbuf_append(&b, p, (size_t)(hit - p));
		sbtc_strbuf_puts(&b, path);
		p = hit + 4;
	}
	sbtc_strbuf_puts(&b, p);
	return sbtc_strbuf_steal(&b);
}

static void free_list(char **list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(list[i]);
	free(list);
}

/* Joins a list with '\n' for comparison (malloc'd). */
static char *join(char **list, size_t count)
{
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	for (size_t i = 0; i < count; i++) {
		if (i > 0)
			sbtc_strbuf_putc(&b, '\n');
		sbtc_strbuf_puts(&b, list[i]);
	}
	return sbtc_strbuf_steal(&b);
}

/* ---- sbtc_ini_read_section -------------------------------------------------------- */

struct ini_case {
	const char *content;
	const char *section;
	int rc;
	const char *want; /* options joined by '\n', or the error with FILE for the path */
};

static const struct ini_case ini_cases[] = {
	{"[check_x]\nurl = http://a\nverbose\n", "check_x", 0, "--url=http://a\n--verbose"},
	/* sections: only ours, even when it comes back later */
	{"[a]\nk=1\n[b]\nk=2\n[a]\nj=3\n", "a", 0, "--k=1\n--j=3"},
	{"[a]\nk=1\n[b]\nk=2\n", "b", 0, "--k=2"},
	{"[ab]\nk=1\n[a]\nk=2\n", "a", 0, "--k=2"},
	{"[A]\nk=1\n[a]\nk=2\n", "a", 0, "--k=2"},
	/* lines before any section belong to none */
	{"k=0\n[a]\nk=1\n", "a", 0, "--k=1"},
	/* comments and blank lines */
	{"# head\n; also\n[a]\n# k=1\n  ; k=2\n\t# k=3\n\n   \nk=4\n", "a", 0, "--k=4"},
	/* blanks around names, values and headers */
	{"\n[ a ]\n\t key\t=\t value with  spaces \t\n", "a", 0, "--key=value with  spaces"},
	{"[\ta\t]  \nk=1\n", "a", 0, "--k=1"},
	/* CRLF line ends and no newline at the end */
	{"[a]\r\nk = v\r\nflag\r\n", "a", 0, "--k=v\n--flag"},
	{"[a]\nk=last", "a", 0, "--k=last"},
	/* a byte order mark before the first line */
	{"\xef\xbb\xbf[a]\nk=1\n", "a", 0, "--k=1"},
	{"\xef\xbb\xbf# comment\n[a]\nk=1\n", "a", 0, "--k=1"},
	/* quoted values keep their blanks and may hold '#' */
	{"[a]\nk = \"  spaced # not a comment  \"\n", "a", 0, "--k=  spaced # not a comment  "},
	{"[a]\nk = \"\"\n", "a", 0, "--k="},
	{"[a]\nk = \"\n", "a", 0, "--k=\""},
	{"[a]\nk = \"a\" b\"\n", "a", 0, "--k=a\" b"},
	/* '#' inside an unquoted value is part of it (passwords may hold one) */
	{"[a]\npassword = ab#cd;ef\n", "a", 0, "--password=ab#cd;ef"},
	/* '=' inside the value, empty value, key alone */
	{"[a]\nk = a=b=c\n", "a", 0, "--k=a=b=c"},
	{"[a]\nk =\n", "a", 0, "--k="},
	{"[a]\ninsecure\n", "a", 0, "--insecure"},
	{"[a]\n  insecure  \n", "a", 0, "--insecure"},
	/* a section that is there but empty */
	{"[a]\n[b]\nk=1\n", "a", 0, ""},
	{"[a]", "a", 0, ""},
	/* errors */
	{"[b]\nk=1\n", "a", -1, "section [a] not found in FILE"},
	{"", "a", -1, "section [a] not found in FILE"},
	{"# [a]\n", "a", -1, "section [a] not found in FILE"},
	{"[a]\nk=1\n[b\n", "a", -1, "FILE line 3: malformed section header"},
	{"[a] x\nk=1\n", "a", -1, "FILE line 1: malformed section header"},
	{"\n\n\n[a]]\n", "a", -1, "FILE line 4: malformed section header"},
	{"[a]\n= v\n", "a", -1, "FILE line 2: expected 'option = value' with a long option name"},
	{"[a]\nk=1\n\n--url = x\n", "a", -1,
	 "FILE line 4: expected 'option = value' with a long option name"},
	{"[a]\nsome key = x\n", "a", -1, "FILE line 2: expected 'option = value' with a long option name"},
	/* a bad line in another section is not ours to judge */
	{"[b]\nsome key = x\n[a]\nk=1\n", "a", 0, "--k=1"},
};

static void test_ini_cases(void **unused)
{
	(void)unused;
	for (size_t i = 0; i < N_ELEMS(ini_cases); i++) {
		const struct ini_case *c = &ini_cases[i];
		struct tmpfile t;
		tmp_write(&t, "/tmp/sbtc_ini_XXXXXX", c->content);
		char **list = NULL;
		size_t count = 0;
		char err[512] = "";
		int rc = sbtc_ini_read_section(t.path, c->section, &list, &count, err, sizeof err);
		char *got = rc == 0 ? join(list, count) : sbtc_xstrdup(err);
		char *want = with_path(c->want, t.path);
		if (rc != c->rc || strcmp(got, want) != 0)
			fail_msg("case %zu: rc %d \"%s\", expected rc %d \"%s\"", i, rc, got, c->rc, want);
		free(got);
		free(want);
		free_list(list, count);
		tmp_remove(&t);
	}
}

static void test_ini_appends_and_missing_file(void **unused)
{
	struct tmpfile t;
	char **list = NULL;
	size_t count = 0;
	char err[512];
	(void)unused;
	tmp_write(&t, "/tmp/sbtc_ini_XXXXXX", "[a]\nk=1\n[b]\nj=2\n");
	/* Two reads append to the same list. */
	assert_int_equal(sbtc_ini_read_section(t.path, "a", &list, &count, err, sizeof err), 0);
	assert_int_equal(sbtc_ini_read_section(t.path, "b", &list, &count, err, sizeof err), 0);
	assert_int_equal(count, 2);
	assert_string_equal(list[0], "--k=1");
	assert_string_equal(list[1], "--j=2");
	/* A failed read leaves what is there. */
	assert_int_equal(sbtc_ini_read_section(t.path, "c", &list, &count, err, sizeof err), -1);
	assert_int_equal(count, 2);
	free_list(list, count);
	tmp_remove(&t);

	list = NULL;
	count = 0;
	assert_int_equal(sbtc_ini_read_section("/nonexistent/dir/x.ini", "a", &list, &count, err, sizeof err), -1);
	assert_string_equal(err, "cannot read the extra-opts file /nonexistent/dir/x.ini: No such file or directory");
	assert_int_equal(count, 0);
	free(list);

	/* A long message is cut, not overrun. */
	char small[16];
	assert_int_equal(sbtc_ini_read_section("/nonexistent/dir/x.ini", "a", &list, &count, small, sizeof small), -1);
	assert_int_equal(strlen(small), sizeof small - 1);
	free(list);
}

/* ---- sbtc_extra_opts_expand ------------------------------------------------------- */

/* argv pattern: "FILE" in any argument becomes the ini file's path; the expected result
 * is joined by '\n'. */
struct expand_case {
	const char *argv[8];
	const char *mp_config_file; /* NULL: unset; "FILE": the ini file */
	int rc;
	const char *want;
};

static const char expand_ini[] =
	"[check_sbtc_demo]\n"
	"url = http://node:20443\n"
	"timeout = 20\n"
	"[other]\n"
	"password-file = /etc/secret\n"
	"insecure\n"
	"[empty]\n";

static const struct expand_case expand_cases[] = {
	/* no --extra-opts: a copy */
	{{"prog", "-v", "-t", "5", NULL}, NULL, 0, "prog\n-v\n-t\n5"},
	{{"prog", NULL}, NULL, 0, "prog"},
	/* ini options first, then the command line */
	{{"prog", "-v", "--extra-opts=other@FILE", "-t", "5", NULL}, NULL, 0,
	 "prog\n--password-file=/etc/secret\n--insecure\n-v\n-t\n5"},
	/* several, in their order */
	{{"prog", "--extra-opts=other@FILE", "-x", "--extra-opts=check_sbtc_demo@FILE", NULL}, NULL, 0,
	 "prog\n--password-file=/etc/secret\n--insecure\n--url=http://node:20443\n--timeout=20\n-x"},
	/* default section: the name passed */
	{{"prog", "--extra-opts=@FILE", NULL}, NULL, 0, "prog\n--url=http://node:20443\n--timeout=20"},
	/* default file: MP_CONFIG_FILE */
	{{"prog", "--extra-opts", "-v", NULL}, "FILE", 0, "prog\n--url=http://node:20443\n--timeout=20\n-v"},
	{{"prog", "--extra-opts=", NULL}, "FILE", 0, "prog\n--url=http://node:20443\n--timeout=20"},
	{{"prog", "--extra-opts=other", NULL}, "FILE", 0, "prog\n--password-file=/etc/secret\n--insecure"},
	/* an explicit file wins over MP_CONFIG_FILE */
	{{"prog", "--extra-opts=other@FILE", NULL}, "/nonexistent.ini", 0,
	 "prog\n--password-file=/etc/secret\n--insecure"},
	{{"prog", "--extra-opts=empty@FILE", "x", NULL}, NULL, 0, "prog\nx"},
	/* after "--" nothing is expanded, and the ini options stay before it */
	{{"prog", "--extra-opts=other@FILE", "--", "--extra-opts=check_sbtc_demo@FILE", "x", NULL}, NULL, 0,
	 "prog\n--password-file=/etc/secret\n--insecure\n--\n--extra-opts=check_sbtc_demo@FILE\nx"},
	{{"prog", "--", "--extra-opts", NULL}, "FILE", 0, "prog\n--\n--extra-opts"},
	/* look-alikes are left alone */
	{{"prog", "--extra-optsX", "--extra-opts-2=a", "-extra-opts", NULL}, NULL, 0,
	 "prog\n--extra-optsX\n--extra-opts-2=a\n-extra-opts"},
	/* "--extra-opts VALUE" as in the official plugins: the next argument is the value
	 * unless it starts with one or two '-' (monitoring-plugins lib/extra_opts.c, is_option2) */
	{{"prog", "--extra-opts", "other@FILE", "-v", NULL}, NULL, 0,
	 "prog\n--password-file=/etc/secret\n--insecure\n-v"},
	{{"prog", "-v", "--extra-opts", "other", NULL}, "FILE", 0,
	 "prog\n--password-file=/etc/secret\n--insecure\n-v"},
	{{"prog", "--extra-opts", "--", "x", NULL}, "FILE", 0,
	 "prog\n--url=http://node:20443\n--timeout=20\n--\nx"},
	{{"prog", "--extra-opts", "missing@FILE", NULL}, NULL, -1, "section [missing] not found in FILE"},
	/* followed by an option, or by nothing: the default section, then the option */
	{{"prog", "--extra-opts", "-w", "5", NULL}, "FILE", 0,
	 "prog\n--url=http://node:20443\n--timeout=20\n-w\n5"},
	{{"prog", "--extra-opts", "--warning=5", NULL}, "FILE", 0,
	 "prog\n--url=http://node:20443\n--timeout=20\n--warning=5"},
	{{"prog", "-v", "--extra-opts", NULL}, "FILE", 0, "prog\n--url=http://node:20443\n--timeout=20\n-v"},
	/* a lone "-" counts as an option there too (one '-') */
	{{"prog", "--extra-opts", "-", NULL}, "FILE", 0, "prog\n--url=http://node:20443\n--timeout=20\n-"},
	/* three dashes are no option: a section name */
	{{"prog", "--extra-opts", "---", NULL}, "FILE", -1, "section [---] not found in FILE"},
	/* errors */
	{{"prog", "--extra-opts=other@", NULL}, NULL, -1, "--extra-opts: empty file name after '@'"},
	{{"prog", "--extra-opts=missing@FILE", NULL}, NULL, -1, "section [missing] not found in FILE"},
	{{"prog", "-v", "--extra-opts=@FILE.none", NULL}, NULL, -1,
	 "cannot read the extra-opts file FILE.none: No such file or directory"},
	{{"prog", "--extra-opts", NULL}, "/nonexistent.ini", -1,
	 "cannot read the extra-opts file /nonexistent.ini: No such file or directory"},
	{{"prog", "--extra-opts=other", NULL}, "FILE.none", -1,
	 "cannot read the extra-opts file FILE.none: No such file or directory"},
};

static void run_expand_case(size_t i, const struct expand_case *c, const char *path)
{
	char *args[8];
	int argc = 0;
	for (; c->argv[argc] != NULL; argc++)
		args[argc] = with_path(c->argv[argc], path);
	args[argc] = NULL;
	if (c->mp_config_file == NULL) {
		unsetenv("MP_CONFIG_FILE");
	} else {
		char *v = with_path(c->mp_config_file, path);
		setenv("MP_CONFIG_FILE", v, 1);
		free(v);
	}
	int out_argc = -1;
	char **out_argv = NULL;
	char err[512] = "";
	int rc = sbtc_extra_opts_expand(argc, args, "check_sbtc_demo", &out_argc, &out_argv, err, sizeof err);
	char *got;
	if (rc == 0) {
		assert_non_null(out_argv);
		assert_null(out_argv[out_argc]);
		got = join(out_argv, (size_t)out_argc);
	} else {
		got = sbtc_xstrdup(err);
	}
	char *want = with_path(c->want, path);
	if (rc != c->rc || strcmp(got, want) != 0)
		fail_msg("case %zu: rc %d\n%s\nexpected rc %d\n%s", i, rc, got, c->rc, want);
	free(got);
	free(want);
	if (rc == 0)
		sbtc_extra_opts_free(out_argc, out_argv);
	/* The input is left as it was. */
	for (int k = 0; k < argc; k++)
		free(args[k]);
	unsetenv("MP_CONFIG_FILE");
}

static void test_expand_cases(void **unused)
{
	struct tmpfile t;
	(void)unused;
	tmp_write(&t, "/tmp/sbtc_ini_XXXXXX", expand_ini);
	for (size_t i = 0; i < N_ELEMS(expand_cases); i++)
		run_expand_case(i, &expand_cases[i], t.path);
	tmp_remove(&t);
}

static void test_expand_at_in_path(void **unused)
{
	/* The first '@' ends the section; the file name may hold more. */
	struct tmpfile t;
	(void)unused;
	tmp_write(&t, "/tmp/sbtc@ini_XXXXXX", expand_ini);
	const struct expand_case c = {{"prog", "--extra-opts=other@FILE", NULL}, NULL, 0,
				      "prog\n--password-file=/etc/secret\n--insecure"};
	run_expand_case(0, &c, t.path);
	const struct expand_case d = {{"prog", "--extra-opts=@FILE", NULL}, NULL, 0,
				      "prog\n--url=http://node:20443\n--timeout=20"};
	run_expand_case(1, &d, t.path);
	tmp_remove(&t);
}

static bool any_default_file_exists(void)
{
	static const char *const paths[] = {SBTC_EXTRA_OPTS_PATHS};
	for (size_t i = 0; i < N_ELEMS(paths); i++)
		if (access(paths[i], F_OK) == 0)
			return true;
	return false;
}

static void test_expand_no_default_file(void **unused)
{
	int out_argc;
	char **out_argv = NULL;
	char err[512];
	char *args[] = {(char *)"prog", (char *)"--extra-opts=mysection", NULL};
	(void)unused;
	/* With one of the system's ini files present there is nothing to test here (and a
	 * skipped cmocka test would count as a failure in the TAP driver). */
	if (any_default_file_exists())
		return;
	unsetenv("MP_CONFIG_FILE");
	assert_int_equal(sbtc_extra_opts_expand(2, args, "check_sbtc_demo", &out_argc, &out_argv, err, sizeof err), -1);
	assert_string_equal(err, "--extra-opts: no file given and none of the default ini files exists "
				 "(set MP_CONFIG_FILE or use --extra-opts=mysection@/path/to/file.ini)");
	/* An empty MP_CONFIG_FILE counts as unset; the default section is named. */
	setenv("MP_CONFIG_FILE", "", 1);
	args[1] = (char *)"--extra-opts";
	assert_int_equal(sbtc_extra_opts_expand(2, args, "check_sbtc_demo", &out_argc, &out_argv, err, sizeof err), -1);
	assert_string_equal(err, "--extra-opts: no file given and none of the default ini files exists "
				 "(set MP_CONFIG_FILE or use --extra-opts=check_sbtc_demo@/path/to/file.ini)");
	unsetenv("MP_CONFIG_FILE");
}

static void test_expand_edge_argc(void **unused)
{
	int out_argc = -1;
	char **out_argv = NULL;
	char err[64];
	(void)unused;
	/* No argv[0] at all: the section name stands in for it. */
	assert_int_equal(sbtc_extra_opts_expand(0, NULL, "check_sbtc_demo", &out_argc, &out_argv, err, sizeof err), 0);
	assert_int_equal(out_argc, 1);
	assert_string_equal(out_argv[0], "check_sbtc_demo");
	assert_null(out_argv[1]);
	sbtc_extra_opts_free(out_argc, out_argv);
	sbtc_extra_opts_free(0, NULL);
}

/* ---- files that are not small regular files ------------------------------------------- */

static void expect_ini_error(const char *path, const char *want)
{
	char **list = NULL;
	size_t count = 0;
	char err[512] = "";
	double t0 = sbtc_now_monotonic();
	int rc = sbtc_ini_read_section(path, "a", &list, &count, err, sizeof err);
	double took = sbtc_now_monotonic() - t0;
	if (rc != -1 || strcmp(err, want) != 0)
		fail_msg("%s: rc %d \"%s\", expected -1 \"%s\"", path, rc, err, want);
	/* Refused at once, not after reading. */
	assert_true(took < 1.0);
	assert_int_equal(count, 0);
	free(list);
}

static void test_ini_not_regular(void **unused)
{
	(void)unused;
	/* A FIFO would block the open and the read; /dev/zero never ends. */
	char fifo[64];
	sbtc_strlcpy(fifo, "/tmp/sbtc_ini_XXXXXX", sizeof fifo);
	int fd = mkstemp(fifo);
	assert_true(fd >= 0);
	assert_int_equal(close(fd), 0);
	assert_int_equal(unlink(fifo), 0);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	sbtc_strlcpy(g_tmp_path, fifo, sizeof g_tmp_path);
	char *want = sbtc_xasprintf("the extra-opts file %s is a FIFO, not a regular file", fifo);
	expect_ini_error(fifo, want);
	free(want);
	assert_int_equal(unlink(fifo), 0);
	g_tmp_path[0] = '\0';
	expect_ini_error("/dev/zero", "the extra-opts file /dev/zero is a character device, not a regular file");
	expect_ini_error("/dev/null", "the extra-opts file /dev/null is a character device, not a regular file");
	expect_ini_error("/tmp", "the extra-opts file /tmp is a directory, not a regular file");
}

static void test_ini_size_cap(void **unused)
{
	(void)unused;
	/* Up to SBTC_INI_FILE_MAX (1 MiB) is read; one byte more is refused. */
	size_t n = SBTC_INI_FILE_MAX + 1;
	char *big = sbtc_xmalloc(n + 1);
	memcpy(big, "[a]\n", 4);
	memset(big + 4, '#', n - 4);
	big[n - 1] = '\n';
	big[n] = '\0';
	struct tmpfile t;
	tmp_write(&t, "/tmp/sbtc_ini_XXXXXX", big);
	char *want = sbtc_xasprintf("the extra-opts file %s is larger than 1048576 bytes", t.path);
	expect_ini_error(t.path, want);
	free(want);
	tmp_remove(&t);
	big[n - 2] = '\n';
	big[n - 1] = '\0';
	tmp_write(&t, "/tmp/sbtc_ini_XXXXXX", big);
	char **list = NULL;
	size_t count = 0;
	char err[512] = "";
	assert_int_equal(sbtc_ini_read_section(t.path, "a", &list, &count, err, sizeof err), 0);
	assert_int_equal(count, 0);
	free(list);
	tmp_remove(&t);
	free(big);
}

static void test_ini_many_lines(void **unused)
{
	(void)unused;
	/* 200,000 options (within the 1 MiB cap) in linear time: the list grows geometrically. */
	enum { LINES = 200000 };
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	sbtc_strbuf_puts(&b, "[a]\n");
	for (int i = 0; i < LINES; i++)
		sbtc_strbuf_puts(&b, "v\n");
	struct tmpfile t;
	tmp_write(&t, "/tmp/sbtc_ini_XXXXXX", sbtc_strbuf_str(&b));
	sbtc_strbuf_free(&b);
	char **list = NULL;
	size_t count = 0;
	char err[512] = "";
	assert_int_equal(sbtc_ini_read_section(t.path, "a", &list, &count, err, sizeof err), 0);
	assert_int_equal(count, LINES);
	assert_string_equal(list[0], "--v");
	assert_string_equal(list[LINES - 1], "--v");
	free_list(list, count);
	tmp_remove(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_ini_cases, remove_tmp),
		cmocka_unit_test_teardown(test_ini_appends_and_missing_file, remove_tmp),
		cmocka_unit_test_teardown(test_expand_cases, remove_tmp),
		cmocka_unit_test_teardown(test_expand_at_in_path, remove_tmp),
		cmocka_unit_test_teardown(test_expand_no_default_file, remove_tmp),
		cmocka_unit_test_teardown(test_expand_edge_argc, remove_tmp),
		cmocka_unit_test_teardown(test_ini_not_regular, remove_tmp),
		cmocka_unit_test_teardown(test_ini_size_cap, remove_tmp),
		cmocka_unit_test_teardown(test_ini_many_lines, remove_tmp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
