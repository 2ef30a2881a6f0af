/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/cache.c: entries round-trip, the directory's permissions, corrupt
 * and foreign entries read as absent, and concurrent writers never expose half an entry. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cache.h"
#include "strbuf.h"

static char g_base[64];

static int setup(void **state)
{
	(void)state;
	snprintf(g_base, sizeof g_base, "/tmp/sbtc-test-cache-XXXXXX");
	return mkdtemp(g_base) == NULL ? -1 : 0;
}

static void remove_tree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		if (d != NULL) {
			struct dirent *e;
			while ((e = readdir(d)) != NULL) {
				if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
					continue;
				char *p = sbtc_xasprintf("%s/%s", path, e->d_name);
				remove_tree(p);
				free(p);
			}
			closedir(d);
		}
		rmdir(path);
	} else {
		unlink(path);
	}
}

static int teardown(void **state)
{
	(void)state;
	remove_tree(g_base);
	return 0;
}

static char *sub(const char *name)
{
	return sbtc_xasprintf("%s/%s", g_base, name);
}

static void write_file(const char *path, const char *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static void test_open_creates_private_dir(void **unused)
{
	(void)unused;
	char *dir = sub("c1");
	sbtc_cache c;
	char err[300];
	assert_int_equal(sbtc_cache_open(&c, dir, err, sizeof err), 0);
	assert_string_equal(err, "");
	struct stat st;
	assert_int_equal(stat(dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(st.st_uid, geteuid());
	sbtc_cache_close(&c);
	/* opening again is fine */
	assert_int_equal(sbtc_cache_open(&c, dir, err, sizeof err), 0);
	sbtc_cache_close(&c);
	free(dir);
}

static void test_open_refuses_unsafe_dirs(void **unused)
{
	(void)unused;
	sbtc_cache c;
	char err[300];
	/* writable by others */
	char *open_dir = sub("world");
	assert_int_equal(mkdir(open_dir, 0700), 0);
	assert_int_equal(chmod(open_dir, 0777), 0);
	assert_int_equal(sbtc_cache_open(&c, open_dir, err, sizeof err), -1);
	assert_non_null(strstr(err, "others may write to it"));
	assert_null(c.dir);
	/* a symbolic link to a good directory */
	char *good = sub("good"), *link = sub("link");
	assert_int_equal(mkdir(good, 0700), 0);
	assert_int_equal(symlink(good, link), 0);
	assert_int_equal(sbtc_cache_open(&c, link, err, sizeof err), -1);
	assert_non_null(strstr(err, "symbolic link"));
	/* a plain file */
	char *file = sub("file");
	write_file(file, "x", 1, 0600);
	assert_int_equal(sbtc_cache_open(&c, file, err, sizeof err), -1);
	/* no parent */
	char *deep = sub("no/such/dir");
	assert_int_equal(sbtc_cache_open(&c, deep, err, sizeof err), -1);
	assert_non_null(strstr(err, "cannot create cache directory"));
	/* empty name */
	assert_int_equal(sbtc_cache_open(&c, "", err, sizeof err), -1);
	/* owned by someone else: as root, give it away; otherwise "/" is root's */
	if (geteuid() == 0) {
		char *foreign = sub("foreign");
		assert_int_equal(mkdir(foreign, 0700), 0);
		assert_int_equal(chown(foreign, 65534, 65534), 0);
		assert_int_equal(sbtc_cache_open(&c, foreign, err, sizeof err), -1);
		free(foreign);
	} else {
		assert_int_equal(sbtc_cache_open(&c, "/", err, sizeof err), -1);
	}
	assert_non_null(strstr(err, "owned by uid"));
	free(open_dir);
	free(good);
	free(link);
	free(file);
	free(deep);
}

static void test_roundtrip(void **unused)
{
	(void)unused;
	char *dir = sub("rt");
	sbtc_cache c;
	char err[300];
	assert_int_equal(sbtc_cache_open(&c, dir, err, sizeof err), 0);
	char *body;
	size_t len;
	time_t when = 0;
	assert_int_equal(sbtc_cache_get(&c, "https://api.github.com/a", &body, &len, &when, err, sizeof err), 0);
	assert_null(body);
	static const char data[] = "[{\"tag_name\":\"v1.3.3\"}]\n\0binary\xff";
	assert_int_equal(sbtc_cache_put(&c, "https://api.github.com/a", data, sizeof data, 1700000000, err, sizeof err), 0);
	assert_int_equal(sbtc_cache_get(&c, "https://api.github.com/a", &body, &len, &when, err, sizeof err), 1);
	assert_int_equal(len, sizeof data);
	assert_memory_equal(body, data, sizeof data);
	assert_int_equal(body[len], '\0');
	assert_int_equal(when, 1700000000);
	free(body);
	/* replaced by a newer answer */
	assert_int_equal(sbtc_cache_put(&c, "https://api.github.com/a", "new", 3, 1700000100, err, sizeof err), 0);
	assert_int_equal(sbtc_cache_get(&c, "https://api.github.com/a", &body, &len, &when, err, sizeof err), 1);
	assert_int_equal(len, 3);
	assert_string_equal(body, "new");
	assert_int_equal(when, 1700000100);
	free(body);
	/* an empty body is an answer too */
	assert_int_equal(sbtc_cache_put(&c, "k-empty", "", 0, 5, err, sizeof err), 0);
	assert_int_equal(sbtc_cache_get(&c, "k-empty", &body, &len, &when, err, sizeof err), 1);
	assert_int_equal(len, 0);
	free(body);
	/* other keys are separate */
	assert_int_equal(sbtc_cache_get(&c, "https://api.github.com/b", &body, &len, &when, err, sizeof err), 0);
	/* the entry is private and no temporary file is left */
	char *path = sbtc_cache_path(&c, "https://api.github.com/a");
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	DIR *d = opendir(dir);
	struct dirent *e;
	int entries = 0;
	while ((e = readdir(d)) != NULL) {
		assert_null(strstr(e->d_name, ".tmp-"));
		entries += e->d_name[0] != '.';
	}
	closedir(d);
	assert_int_equal(entries, 2);
	/* unusable keys and bodies */
	assert_int_equal(sbtc_cache_put(&c, "a\nb", "x", 1, 5, err, sizeof err), -1);
	assert_int_equal(sbtc_cache_get(&c, "a\nb", &body, &len, &when, err, sizeof err), 0);
	assert_int_equal(sbtc_cache_put(&c, "", "x", 1, 5, err, sizeof err), -1);
	char *big = sbtc_xcalloc(1, SBTC_CACHE_MAX_BODY + 1);
	assert_int_equal(sbtc_cache_put(&c, "big", big, SBTC_CACHE_MAX_BODY + 1, 5, err, sizeof err), -1);
	free(big);
	free(path);
	sbtc_cache_close(&c);
	free(dir);
}

static void test_no_cache(void **unused)
{
	(void)unused;
	sbtc_cache c = {NULL, -1};
	char *body;
	size_t len;
	time_t when;
	char err[100];
	assert_int_equal(sbtc_cache_get(&c, "k", &body, &len, &when, err, sizeof err), 0);
	assert_int_equal(sbtc_cache_put(&c, "k", "x", 1, 1, err, sizeof err), 0);
	sbtc_cache_close(&c);
}

/* Damaged entries read as unusable (-1, a message) and never as an answer. */
static void test_corrupt_entries(void **unused)
{
	(void)unused;
	char *dir = sub("corrupt");
	sbtc_cache c;
	char err[300];
	assert_int_equal(sbtc_cache_open(&c, dir, err, sizeof err), 0);
	char *path = sbtc_cache_path(&c, "key");
	static const struct {
		const char *content;
		const char *why;
	} cases[] = {
		{"", "bad header"},
		{"garbage\n", "bad header"},
		{"sbtc-cache 1\n", "corrupt (key)"},
		{"sbtc-cache 1\nkey key\n", "corrupt (header)"},
		{"sbtc-cache 1\nkey key\nfetched x\nlength 3\n\nabc", "corrupt (header)"},
		{"sbtc-cache 1\nkey key\nfetched 5\nlength 4\n\nabc", "truncated"},
		{"sbtc-cache 1\nkey key\nfetched 5\nlength 2\n\nabc", "truncated"},
		{"sbtc-cache 1\nkey key\nfetched 5\nlength 3\nabc", "corrupt (header)"},
		{"sbtc-cache 1\nkey key\nfetched 5\nlength 99999999999999999999\n\nabc", "corrupt (header)"},
		{"sbtc-cache 2\nkey key\nfetched 5\nlength 3\n\nabc", "bad header"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		write_file(path, cases[i].content, strlen(cases[i].content), 0600);
		char *body = (char *)1;
		size_t len;
		time_t when;
		err[0] = '\0';
		if (sbtc_cache_get(&c, "key", &body, &len, &when, err, sizeof err) != -1)
			fail_msg("case %zu accepted", i);
		assert_null(body);
		if (strstr(err, cases[i].why) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, err, cases[i].why);
	}
	/* the same hash under another key (a collision) is a miss, not an error */
	const char *other = "sbtc-cache 1\nkey another\nfetched 5\nlength 3\n\nabc";
	write_file(path, other, strlen(other), 0600);
	char *body;
	size_t len;
	time_t when;
	assert_int_equal(sbtc_cache_get(&c, "key", &body, &len, &when, err, sizeof err), 0);
	/* writable by others, or a symbolic link, or a directory: not trusted */
	const char *good = "sbtc-cache 1\nkey key\nfetched 5\nlength 3\n\nabc";
	write_file(path, good, strlen(good), 0666);
	assert_int_equal(sbtc_cache_get(&c, "key", &body, &len, &when, err, sizeof err), -1);
	assert_non_null(strstr(err, "writable by another user"));
	if (geteuid() == 0) {
		write_file(path, good, strlen(good), 0600);
		assert_int_equal(chown(path, 65534, 65534), 0);
		assert_int_equal(sbtc_cache_get(&c, "key", &body, &len, &when, err, sizeof err), -1);
		assert_non_null(strstr(err, "owned"));
	}
	assert_int_equal(unlink(path), 0);
	char *target = sub("target");
	write_file(target, good, strlen(good), 0600);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(sbtc_cache_get(&c, "key", &body, &len, &when, err, sizeof err), -1);
	assert_non_null(strstr(err, "symbolic link"));
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(sbtc_cache_get(&c, "key", &body, &len, &when, err, sizeof err), -1);
	assert_int_equal(rmdir(path), 0);
	/* a good file reads back */
	write_file(path, good, strlen(good), 0600);
	assert_int_equal(sbtc_cache_get(&c, "key", &body, &len, &when, err, sizeof err), 1);
	assert_string_equal(body, "abc");
	assert_int_equal(when, 5);
	free(body);
	/* a put replaces a corrupt entry */
	write_file(path, "junk", 4, 0600);
	assert_int_equal(sbtc_cache_put(&c, "key", "fresh", 5, 9, err, sizeof err), 0);
	assert_int_equal(sbtc_cache_get(&c, "key", &body, &len, &when, err, sizeof err), 1);
	assert_string_equal(body, "fresh");
	free(body);
	free(target);
	free(path);
	sbtc_cache_close(&c);
	free(dir);
}

enum { PROCS = 4, ROUNDS = 300, BODY = 20000 };

/* One process of test_concurrent: writes its own body and reads whatever is there. */
static int hammer(const char *dir, int p)
{
	sbtc_cache cc;
	char err[300];
	int rc = 0;
	if (sbtc_cache_open(&cc, dir, err, sizeof err) != 0)
		return 10;
	char *mine = malloc(BODY);
	if (mine == NULL) {
		sbtc_cache_close(&cc);
		return 11;
	}
	memset(mine, 'a' + p, BODY);
	for (int r = 0; r < ROUNDS && rc == 0; r++) {
		if (sbtc_cache_put(&cc, "shared", mine, (size_t)(BODY - p), r, err, sizeof err) != 0) {
			rc = 12;
			break;
		}
		char *body;
		size_t len;
		time_t when;
		if (sbtc_cache_get(&cc, "shared", &body, &len, &when, err, sizeof err) != 1) {
			rc = 13;
			break;
		}
		/* whole: one writer's byte throughout, and that writer's length */
		int who = body[0] - 'a';
		if (who < 0 || who >= PROCS || len != (size_t)(BODY - who))
			rc = 14;
		for (size_t i = 0; i < len && rc == 0; i++)
			if (body[i] != body[0])
				rc = 15;
		free(body);
	}
	free(mine);
	sbtc_cache_close(&cc);
	return rc;
}

/* Writers and readers in several processes at once: every read is a whole entry. */
static void test_concurrent(void **unused)
{
	(void)unused;
	char *dir = sub("conc");
	sbtc_cache c;
	char err[300];
	assert_int_equal(sbtc_cache_open(&c, dir, err, sizeof err), 0);
	sbtc_cache_close(&c);
	pid_t pids[PROCS];
	for (int p = 0; p < PROCS; p++) {
		pids[p] = fork();
		assert_true(pids[p] >= 0);
		if (pids[p] == 0) {
			int rc = hammer(dir, p);
			free(dir);
			_exit(rc);
		}
	}
	for (int p = 0; p < PROCS; p++) {
		int status;
		assert_int_equal(waitpid(pids[p], &status, 0), pids[p]);
		assert_true(WIFEXITED(status));
		if (WEXITSTATUS(status) != 0)
			fail_msg("process %d failed with %d", p, WEXITSTATUS(status));
	}
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_creates_private_dir),
		cmocka_unit_test(test_open_refuses_unsafe_dirs),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_no_cache),
		cmocka_unit_test(test_corrupt_entries),
		cmocka_unit_test(test_concurrent),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
