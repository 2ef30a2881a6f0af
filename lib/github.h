/* SPDX-License-Identifier: GPL-2.0-or-later */
/* GitHub's REST API as the version check uses it: a repository's releases and how a
 * commit relates to a release (compare). The whole list rather than releases/latest:
 * "latest" is the newest by date, which in stacks-core can be a Stacks signer tag or a
 * backport, and it cannot say how many releases a component is behind. Answers are cached
 * (lib/cache) for a time to live, and a cached answer stands in, with its age said, when
 * GitHub is unreachable or rate-limits (403/429 with x-ratelimit-remaining: 0). */
#ifndef SBTC_GITHUB_H
#define SBTC_GITHUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "acquire.h"
#include "cache.h"
#include "http.h"

#define SBTC_GITHUB_API "https://api.github.com"
/* Releases asked for in one request (GitHub's maximum page). */
#define SBTC_GITHUB_PER_PAGE 100
/* Release lists carry release notes and assets: far larger than a node's answers. */
#define SBTC_GITHUB_MAX_BODY (8u << 20)

typedef struct {
	const char *api;      /* base URL, SBTC_GITHUB_API or a mirror / GitHub Enterprise */
	const char *token;    /* sent as a bearer token; NULL for none; never shown */
	sbtc_http_opts http;  /* TLS options and verbosity */
	const sbtc_cache *cache; /* NULL: no cache */
	double ttl;           /* seconds a cached answer is used without asking GitHub */
	double max_age;       /* seconds a cached answer may stand in when GitHub fails */
} sbtc_github;

/* Where an answer came from. */
typedef struct {
	bool from_cache;   /* served from the cache */
	bool stale;        /* ...because GitHub could not be asked; why holds GitHub's reason */
	double age;        /* seconds since the answer was fetched from GitHub */
	char why[SBTC_FETCH_MSG_MAX];
	char note[400];    /* a cache problem worth mentioning ("" when none) */
	int requests;      /* requests sent to GitHub */
} sbtc_github_source;

typedef struct {
	char *tag;         /* tag_name as GitHub sends it */
	char *html_url;    /* "" when absent */
	time_t published;  /* published_at, else created_at; -1 when neither is readable */
	bool draft;
	bool prerelease;
} sbtc_github_release;

typedef struct {
	sbtc_github_release *v;
	size_t n;
} sbtc_github_releases;

/* "owner/name" with GitHub's characters only: true or false. */
bool sbtc_github_repo_valid(const char *repo);

/* The token: the first line of file (blanks around it dropped), else $GITHUB_TOKEN when
 * file is NULL. 0 with *token malloc'd or NULL (no token), -1 with a message that never
 * contains the token. */
int sbtc_github_token(const char *file, char **token, char *err, size_t errlen);

/* Started into an acquisition (acquire.h): GET /repos/REPO/releases?per_page=100, every
 * release, drafts and prereleases included (the caller chooses). A cached answer younger
 * than ttl ends the exchange at once, without a request (then is called before this
 * returns). Failures: 404 -> ERROR "repository ... not found on GitHub"; rate limit,
 * unreachable, 5xx, garbage, the deadline -> the cache if it has an answer younger than
 * max_age (src says so, with GitHub's reason), else UNREACHABLE / ERROR / BAD_ANSWER /
 * TIMEOUT with GitHub's reason in oc. gh must stay valid until sbtc_acq_run returns. */
void sbtc_github_releases_start(sbtc_acq *a, const sbtc_github *gh, const char *repo,
				sbtc_github_releases *out, sbtc_github_source *src, sbtc_outcome *oc,
				sbtc_then then, void *ctx);
void sbtc_github_releases_free(sbtc_github_releases *r);

typedef enum {
	SBTC_COMPARE_IDENTICAL = 0,
	SBTC_COMPARE_AHEAD,    /* head has commits base lacks, and none missing */
	SBTC_COMPARE_BEHIND,   /* head lacks commits of base */
	SBTC_COMPARE_DIVERGED  /* both */
} sbtc_compare_status;

typedef struct {
	sbtc_compare_status status;
	int64_t ahead_by;
	int64_t behind_by;
} sbtc_github_compare;

/* GET /repos/REPO/compare/BASE...HEAD: how head (a commit) relates to base (a tag),
 * started and cached as the release list is. 404: ERROR "commit ... not found in REPO". */
void sbtc_github_compare_start(sbtc_acq *a, const sbtc_github *gh, const char *repo, const char *base,
			       const char *head, sbtc_github_compare *out, sbtc_github_source *src,
			       sbtc_outcome *oc, sbtc_then then, void *ctx);

/* The parsers, on a body GitHub sent or the cache kept: 0, or -1 with a message. */
int sbtc_github_parse_releases(const char *body, size_t len, sbtc_github_releases *out, char *err,
			       size_t errlen);
int sbtc_github_parse_compare(const char *body, size_t len, sbtc_github_compare *out, char *err,
			      size_t errlen);
/* "2025-03-14T17:02:55Z" -> seconds since the epoch; -1 when not that form. */
time_t sbtc_github_time(const char *text);

#endif
