/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for lib/extra_opts.c's ini reader: any bytes as the extra-opts file,
 * read through a memfd (sbtc_ini_read_section takes a path: /proc/self/fd/N). The first
 * byte chooses the section asked for; the rest is the file. Besides memory errors it
 * stops on broken promises: an option that is not "--name" or "--name=value", a failure
 * without a message. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "extra_opts.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int g_fd = -1;
static char g_path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const sections[] = {"check_sbtc_version", "sbtc", "a b", "x"};
	if (size < 1)
		return 0;
	if (g_fd < 0) {
		g_fd = memfd_create("sbtc-fuzz-ini", MFD_CLOEXEC);
		if (g_fd < 0)
			abort();
		snprintf(g_path, sizeof g_path, "/proc/self/fd/%d", g_fd);
	}
	if (ftruncate(g_fd, 0) != 0)
		abort();
	for (size_t off = 1; off < size;) {
		ssize_t n = pwrite(g_fd, data + off, size - off, (off_t)(off - 1));
		if (n <= 0)
			abort();
		off += (size_t)n;
	}

	char **list = NULL;
	size_t count = 0;
	char err[400];
	memset(err, 'Z', sizeof err);
	int rc = sbtc_ini_read_section(g_path, sections[data[0] & 3], &list, &count, err, sizeof err);
	if (rc == 0) {
		for (size_t i = 0; i < count; i++) {
			const char *o = list[i];
			if (strncmp(o, "--", 2) != 0 || o[2] == '\0' || o[2] == '-' || o[2] == '=')
				abort();
			size_t kl = strcspn(o + 2, "=");
			if (memchr(o + 2, ' ', kl) != NULL || memchr(o + 2, '\t', kl) != NULL)
				abort();
		}
	} else if (rc == -1) {
		fuzz_check_err(err, sizeof err);
	} else {
		abort();
	}
	for (size_t i = 0; i < count; i++)
		free(list[i]);
	free(list);
	return 0;
}
