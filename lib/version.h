/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Version strings as the sBTC signer, the Stacks node and Bitcoin Core write them, and
 * their order: semver with or without 'v' (v1.3.3, 0.0.9-rc6), Stacks' five-part node
 * versions (3.1.0.0.5) and six-part signer tags (signer-3.1.0.0.5.0), three-part from
 * 4.0 on, Bitcoin Core's tags (v27.0, v28.0rc1) and its subversion (/Satoshi:25.1.0/).
 * Tags that are not versions (test_x, 0.0.0-test, nightly) are refused with a reason. */
#ifndef SBTC_VERSION_H
#define SBTC_VERSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SBTC_VERSION_MAX_PARTS 6
#define SBTC_VERSION_TEXT_MAX 64

typedef enum {
	SBTC_PRE_NONE = 0, /* a stable release */
	SBTC_PRE_ALPHA,
	SBTC_PRE_BETA,
	SBTC_PRE_RC
} sbtc_prerelease;

typedef struct {
	uint32_t part[SBTC_VERSION_MAX_PARTS];
	int nparts;             /* 2..6 numbers written; missing ones count as 0 */
	sbtc_prerelease pre;    /* -rcN, -beta.N, rcN, ... */
	uint32_t pre_number;    /* N (0 when none was written) */
	bool signer_prefix;     /* "signer-": a Stacks signer tag, not a node tag */
	char text[SBTC_VERSION_TEXT_MAX]; /* as written (trimmed), for messages */
	char suffix[SBTC_VERSION_TEXT_MAX]; /* sbtc_version_parse_suffixed only: "epoch32" of
					     * v1.0.3-epoch32; "" otherwise */
} sbtc_version;

/* Parses one version or release tag. Returns 0, or -1 with *out untouched and a
 * message such as "'test_v1' is not a version: it does not start with a number". */
int sbtc_version_parse(const char *text, sbtc_version *out, char *err, size_t errlen);

/* As sbtc_version_parse, and also a release tag with a build suffix as the sBTC project
 * tagged special builds: v1.0.3-epoch32, v1.0.3-epoch32v2. The suffix (a letter, then
 * letters and digits, or dots and dashes between them; not a prerelease word) is kept in
 * out->suffix and takes no part in the order: the version is ordered as its base
 * (v1.0.3). For what a component reports, never for release lists. */
int sbtc_version_parse_suffixed(const char *text, sbtc_version *out, char *err, size_t errlen);

/* True when a signer's reported revision names no release and no commit: "" (an image
 * built without the GIT_COMMIT build argument) or a branch name such as "main" (the
 * official v1.0.1 and v1.0.2 images). See stacks-sbtc/sbtc signer/build.rs,
 * set_up_build_info(): `git rev-parse HEAD`, else $GIT_COMMIT, else "". */
bool sbtc_version_is_branch_name(const char *text);

/* <0, 0, >0 as a is older than, the same as, or newer than b. Numbers first (1.3 equals
 * 1.3.0), then a stable release above its prereleases, alpha < beta < rc, then the
 * prerelease number. The signer- prefix does not take part (compare like with like). */
int sbtc_version_cmp(const sbtc_version *a, const sbtc_version *b);

/* True for a git commit id as source builds report it: 7 to 40 hex digits, with at
 * least one letter or 40 digits long (so that "2024" is not a commit). */
bool sbtc_version_is_commit(const char *text);

/* The commit of a `git describe` string such as v1.3.3-5-gabc1234 (or ...-dirty): a
 * build made 5 commits after the tag. True with the commit's hex copied into commit. */
bool sbtc_version_git_describe(const char *text, char *commit, size_t commitlen);

/* The version inside the Stacks node's /v2/info server_version:
 * "stacks-node 3.1.0.0.12 (release/3.1.0.0.12:ae969ca+, release build, linux [x86_64])"
 * gives 3.1.0.0.12. The word before the version may also be "stacks-signer". */
int sbtc_version_from_stacks_server(const char *server_version, sbtc_version *out, char *err,
				    size_t errlen);

/* The version inside Bitcoin Core's getnetworkinfo subversion: "/Satoshi:25.1.0/",
 * "/Satoshi:27.1.0(comment)/", "/Satoshi:27.1.0/Knots:20240801/" give 25.1.0, 27.1.0... */
int sbtc_version_from_bitcoin_subversion(const char *subversion, sbtc_version *out, char *err,
					 size_t errlen);

#endif
