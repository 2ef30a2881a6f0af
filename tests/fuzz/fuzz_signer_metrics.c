/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for lib/signer_metrics.c: any bytes as the signer exporter's text
 * body (as the scrape judges a 200 answer), and as the state file the error rates are
 * kept in (a cache entry with these bytes as its body, or, when they begin as an entry
 * does, the bytes themselves in the entry's place), read and
 * replaced in a private directory (on /dev/shm where there is one: the replacement is
 * fsync'd). Besides memory errors it stops on broken promises: counters that are not
 * counts, more failures than samples, a rate outside 0..1, a message that is not one
 * clean line, a state file that is not read back as written. */
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "fuzz_common.h"
#include "signer_metrics.h"
#include "statedir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_counter(const sbtc_signer_counter *c)
{
	if (!c->found && (c->total != 0 || c->failed != 0))
		abort();
	if (!isfinite(c->total) || !isfinite(c->failed) || c->failed < 0 || c->failed > c->total)
		abort();
}

static void check_rate(const sbtc_signer_rate *r)
{
	if (!r->known)
		return;
	if (!(r->window > 0) || r->total < 0 || r->failed < 0 || r->failed > r->total || r->ratio < 0 || r->ratio > 1)
		abort();
}

static char dir[64];

/* The directory and its one entry go when the fuzzer exits. */
static void remove_state_dir(void)
{
	sbtc_cache c = {.dir = dir, .fd = -1};
	char *entry = sbtc_cache_path(&c, "signer-state");
	(void)unlink(entry);
	(void)rmdir(dir);
	free(entry);
}

static int state_dir(void)
{
	static int fd = -2;
	if (fd != -2)
		return fd;
	char err[300];
	snprintf(dir, sizeof dir, "%s/sbtc-fuzz-signer-state-%ld", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp",
		 (long)getpid());
	fd = sbtc_statedir_open(dir, "state directory", err, sizeof err);
	if (fd < 0 || atexit(remove_state_dir) != 0)
		abort();
	return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	sbtc_signer_metrics m;
	char err[200];
	memset(err, 'Z', sizeof err);
	bool ok = sbtc_signer_metrics_parse(text, &m, err, sizeof err);
	if (ok) {
		check_counter(&m.sign_requests);
		check_counter(&m.signing_rounds);
		check_counter(&m.transactions);
	} else {
		fuzz_check_err(err, sizeof err);
		if (m.sign_requests.found || m.signing_rounds.found || m.transactions.found || !isnan(m.peers_connected))
			abort();
	}

	/* the same bytes as the state file: an entry holding them, or them in its place */
	int dirfd = state_dir();
	sbtc_cache c = {.dir = (char *)"fuzz", .fd = dirfd};
	if (size < 10 || memcmp(data, "sbtc-cache", 10) != 0) {
		if (sbtc_cache_put(&c, "signer-state", text, strlen(text), 1000, err, sizeof err) != 0)
			abort();
	} else {
		char *name = sbtc_cache_path(&c, "signer-state");
		const char *base = strrchr(name, '/') + 1;
		(void)unlinkat(dirfd, base, 0);
		FILE *f = NULL;
		int wfd = openat(dirfd, base, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600);
		if (wfd >= 0)
			f = fdopen(wfd, "w");
		if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0)
			abort();
		free(name);
	}
	sbtc_signer_metrics now = ok ? m : (sbtc_signer_metrics){.peers_connected = NAN};
	sbtc_signer_state_now sn = {.metrics = &now, .failed_shares = 7};
	sbtc_signer_rates r;
	long long prev;
	char serr[400];
	if (sbtc_signer_state_update(dirfd, "signer-state", &sn, 2000, &r, &prev, serr, sizeof serr) != 0)
		abort(); /* a private directory: the file can always be replaced */
	check_rate(&r.sign_requests);
	check_rate(&r.signing_rounds);
	check_rate(&r.transactions);
	if (prev < -1)
		abort();
	/* what was written reads back: the next run knows the shares and the counters */
	sn.metrics = NULL;
	sn.failed_shares = -1;
	if (sbtc_signer_state_update(dirfd, "signer-state", &sn, 2100, &r, &prev, serr, sizeof serr) != 0 || prev != 7)
		abort();
	free(text);
	return 0;
}
