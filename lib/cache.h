/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A small file cache for answers from remote APIs (GitHub's, which allows 60 requests
 * an hour without a token): key -> body and the time it was fetched.
 *
 * The directory is created 0700 and must belong to the user running the check and be
 * writable by nobody else; a directory that does not qualify is refused, not repaired.
 * Entries are written to a temporary name and renamed, so that concurrent runs only
 * ever see whole entries. A file that is corrupt, foreign-owned, not a regular file or
 * stored under another key reads as absent. */
#ifndef SBTC_CACHE_H
#define SBTC_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* Largest body stored or read back. */
#define SBTC_CACHE_MAX_BODY (4u << 20)

typedef struct {
	char *dir; /* NULL: no cache */
	int fd;    /* the directory, opened once: entries are reached through it */
} sbtc_cache;

/* Opens (creating if needed, mode 0700) the cache directory. Returns 0, or -1 with a
 * message saying why it cannot be used ("cache directory /x is owned by uid 0, not 110");
 * c->dir is NULL then and every operation reads as absent / does nothing. */
int sbtc_cache_open(sbtc_cache *c, const char *dir, char *err, size_t errlen);
void sbtc_cache_close(sbtc_cache *c);

/* Looks key up: 1 with a malloc'd body (NUL-terminated), its length and the time it was
 * stored; 0 when absent; -1 when an entry exists but cannot be used (corrupt, foreign,
 * unreadable), with a message (the caller treats it as absent). */
int sbtc_cache_get(const sbtc_cache *c, const char *key, char **body, size_t *len, time_t *fetched,
		   char *err, size_t errlen);

/* Stores body under key with the time fetched, atomically. 0, or -1 with a message. */
int sbtc_cache_put(const sbtc_cache *c, const char *key, const char *body, size_t len, time_t fetched,
		   char *err, size_t errlen);

/* The entry's file name for key (a hash of it), malloc'd; for messages and tests. */
char *sbtc_cache_path(const sbtc_cache *c, const char *key);

#endif
