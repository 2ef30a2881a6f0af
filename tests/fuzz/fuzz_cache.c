/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for lib/cache.c's reader: any bytes as a cache entry file, read back
 * with sbtc_cache_get under the key the version check uses. The entry lives in a private
 * directory under /dev/shm (else $TMPDIR), removed at exit. Besides memory errors it stops
 * on broken promises: a hit without a terminated body of the stated length, a miss or
 * refusal that hands out a body, a refusal without a message. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char key[] = "https://api.github.com/repos/stacks-network/stacks-core/releases?per_page=100";
static char g_dir[256];
static char *g_path;
static sbtc_cache g_cache;

static void cleanup(void)
{
	if (g_path != NULL)
		unlink(g_path);
	free(g_path);
	sbtc_cache_close(&g_cache);
	rmdir(g_dir);
}

static void setup(void)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char err[400];
	snprintf(g_dir, sizeof g_dir, "%s/sbtc-fuzz-cache-XXXXXX", base);
	if (mkdtemp(g_dir) == NULL) {
		perror("mkdtemp");
		abort();
	}
	if (sbtc_cache_open(&g_cache, g_dir, err, sizeof err) != 0) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	g_path = sbtc_cache_path(&g_cache, key);
	if (atexit(cleanup) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (g_path == NULL)
		setup();
	int fd = open(g_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		abort();
	for (size_t off = 0; off < size;) {
		ssize_t n = write(fd, data + off, size - off);
		if (n <= 0)
			abort();
		off += (size_t)n;
	}
	if (close(fd) != 0)
		abort();

	char *body = (char *)0x1;
	size_t len = 12345;
	time_t fetched = -7;
	char err[400];
	memset(err, 'Z', sizeof err);
	int rc = sbtc_cache_get(&g_cache, key, &body, &len, &fetched, err, sizeof err);
	if (rc == 1) {
		if (body == NULL || body[len] != '\0' || len > SBTC_CACHE_MAX_BODY || len >= size)
			abort();
		/* the body is the file's tail */
		if (memcmp(body, data + size - len, len) != 0)
			abort();
		free(body);
	} else if (rc == 0) {
		if (body != NULL)
			abort();
	} else if (rc == -1) {
		if (body != NULL)
			abort();
		fuzz_check_err(err, sizeof err);
	} else {
		abort();
	}
	return 0;
}
