# SPDX-License-Identifier: GPL-2.0-or-later
"""check_sbtc_version against the fixture GitHub API, the signer's metrics exporter, the
Stacks node and (when present) the signer's API and Bitcoin Core fixtures.

Every state and failure of the check, the cache (freshness, expiry, corruption, unsafe
permissions, concurrent runs) and the token: each test asserts the exit code, the first
line and the perfdata.
"""

import os
import re
import shutil
import stat
import subprocess
import tempfile
import time
import unittest

import harness
from harness import under_valgrind
from harness.net import SilentServer, closed_port

from bitcoind import BitcoindFixture
from signer_api import SignerApiFixture
from github_api import (GitHubApiFixture, SIGNER_COMMIT_AHEAD, SIGNER_COMMIT_BEHIND,
                        SIGNER_COMMIT_DIVERGED, SIGNER_COMMIT_IDENTICAL, release)
from metrics_exporter import MetricsExporterFixture

CHECK = "check_sbtc_version"
PREFIX = "SBTC VERSION "
DAY = 86400.0
W_DEFAULT = 3 * DAY
C_DEFAULT = 28 * DAY
SBTC = "stacks-sbtc/sbtc"
TOKEN = "ghp_fixtureToken0123456789abcdefSECRET"


class VersionCase(harness.StateAssertions, unittest.TestCase):
    """A GitHub fixture for the class; a fresh cache directory per test."""

    PREFIX = PREFIX

    @classmethod
    def setUpClass(cls):
        cls.gh = GitHubApiFixture()
        cls.gh.start()

    @classmethod
    def tearDownClass(cls):
        cls.gh.stop()

    def setUp(self):
        self.gh.reset_config()
        self.gh.clear_requests()
        self.tmp = tempfile.mkdtemp(prefix="sbtc-version-test-")
        self.cache = os.path.join(self.tmp, "cache")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def check(self, *args, cache=True, env=None, timeout=30):
        argv = ["--github-api", self.gh.url]
        if cache:
            argv += ["--cache-dir", self.cache]
        env = dict(env or {})
        env.setdefault("GITHUB_TOKEN", None)  # a developer's token must not change a test
        return harness.run(CHECK, argv + list(args), env=env, timeout=timeout)

    def assertBehind(self, r, comp, releases, seconds, delta=600):
        rb = r.perfdata["%s_releases_behind" % comp]
        self.assertEqual(rb.value, releases, r)
        self.assertEqual(rb.uom, "", r)
        self.assertEqual(rb.min, 0, r)
        b = r.perfdata["%s_behind" % comp]
        self.assertEqual(b.uom, "s", r)
        if seconds is None:
            self.assertIsNone(b.value, r)
        else:
            self.assertAlmostEqual(b.value, seconds, delta=delta, msg=str(r))

    def api_requests(self):
        return self.gh.requests_to_api

    def entry_files(self):
        return [os.path.join(self.cache, f) for f in os.listdir(self.cache) if f.startswith("entry-")]


class States(VersionCase):

    @under_valgrind
    def test_ok_newest_release(self):
        r = self.check("--signer-version", "v1.3.3")
        self.assertState(r, 0, "signer v1.3.3 is the newest release (published 12 days ago)")
        self.assertBehind(r, "signer", 0, 0)
        self.assertEqual(r.perfdata["signer_behind"].warn, W_DEFAULT, r)
        self.assertEqual(r.perfdata["signer_behind"].crit, C_DEFAULT, r)
        req = self.api_requests()
        self.assertEqual(len(req), 1, req)
        self.assertEqual(req[0]["path"], "/repos/stacks-sbtc/sbtc/releases")
        self.assertEqual(req[0]["query"]["per_page"], ["100"])
        self.assertEqual(req[0]["headers"]["accept"], "application/vnd.github+json")
        self.assertIn("user-agent", req[0]["headers"])
        self.assertNotIn("authorization", req[0]["headers"])

    def test_ok_without_v_and_newer_candidate(self):
        r = self.check("--signer-version", "1.3.3")
        self.assertState(r, 0, "signer 1.3.3 is the newest release")
        r = self.check("--signer-version", "v1.4.0-rc1")
        self.assertState(r, 0, "signer v1.4.0-rc1 is newer than the newest release v1.3.3 (published 12 days ago)")
        self.assertBehind(r, "signer", 0, 0)

    def test_ok_within_grace(self):
        self.gh.set(releases={SBTC: [release("v1.3.4", 1), release("v1.3.3", 12)]})
        r = self.check("--signer-version", "v1.3.3")
        self.assertState(r, 0, "signer v1.3.3, newest v1.3.4 published 1 day ago (within the grace of -w 3d)")
        self.assertBehind(r, "signer", 1, DAY)

    def test_warning_newer_release_past_grace(self):
        r = self.check("--signer-version", "v1.3.2")
        self.assertState(r, 1, "signer v1.3.2, newest v1.3.3 published 12 days ago")
        self.assertBehind(r, "signer", 1, 12 * DAY)

    def test_critical_behind_since_first_newer_release(self):
        # v1.3.3 is only 12 days old, but v1.3.2 came out 30 days ago: behind for 30 days
        r = self.check("--signer-version", "v1.3.1")
        self.assertState(r, 2, "signer v1.3.1, newest v1.3.3 published 12 days ago, 2 releases behind "
                               "since v1.3.2 published 30 days ago")
        self.assertBehind(r, "signer", 2, 30 * DAY)

    def test_thresholds_are_options(self):
        r = self.check("--signer-version", "v1.3.1", "-w", "20d", "-c", "60d")
        self.assertState(r, 1, "2 releases behind")
        self.assertEqual(r.perfdata["signer_behind"].warn, 20 * DAY)
        self.assertEqual(r.perfdata["signer_behind"].crit, 60 * DAY)
        r = self.check("--signer-version", "v1.3.1", "-w", "40d", "-c", "60d")
        self.assertState(r, 0, "(within the grace of -w 40d)")

    def test_release_candidate_running_behind_its_release(self):
        self.gh.set(releases={SBTC: [release("v1.1.0", 10), release("v1.1.0-rc1", 20, prerelease=True)]})
        r = self.check("--signer-version", "v1.1.0-rc1")
        self.assertState(r, 1, "signer v1.1.0-rc1, newest v1.1.0 published 10 days ago")

    def test_drafts_prereleases_and_junk_tags_ignored(self):
        self.gh.set(releases={SBTC: [
            release("v9.9.9", 0.1, draft=True), release("v2.0.0-rc1", 1, prerelease=True),
            release("v2.0.0", 2, prerelease=True),                # marked prerelease: not stable
            release("test_v3.0.0", 3), release("0.0.0-test", 4), release("nightly", 5),
            release("v1.5.0-rc2", 6),                             # an rc not marked as one
            release("v1.3.3", 12)]})
        r = self.check("--signer-version", "v1.3.3", "-vv")
        self.assertState(r, 0, "signer v1.3.3 is the newest release")
        self.assertBehind(r, "signer", 0, 0)
        self.assertTrue(any("1 stable releases of stacks-sbtc/sbtc considered, 7 ignored" in l
                            for l in r.long_text), r)

    def test_major_version_behind(self):
        self.gh.set(releases={SBTC: [release("v2.0.0", 5), release("v1.3.3", 12)]})
        r = self.check("--signer-version", "v1.3.3")
        self.assertState(r, 2, "signer v1.3.3, newest v2.0.0 published 5 days ago; major version 1 is behind 2")
        self.assertBehind(r, "signer", 1, 5 * DAY)
        # a new major within the warning grace is not an alarm yet
        self.gh.set(releases={SBTC: [release("v2.0.0", 1), release("v1.3.3", 12)]})
        r = self.check("--signer-version", "v1.3.3", "--cache-ttl", "0")
        self.assertState(r, 0, "major version 1 is behind 2 (within the grace of -w 3d)")

    def test_stacks_node_versions_and_signer_tags(self):
        # signer-3.1.0.0.13.0 is the Stacks signer's tag: it is not a newer node release
        r = self.check("--stacks-version", "3.1.0.0.13")
        self.assertState(r, 0, "Stacks node 3.1.0.0.13 is the newest release (published 10 days ago)")
        r = self.check("--stacks-version", "3.1.0.0.12")
        self.assertState(r, 1, "Stacks node 3.1.0.0.12, newest 3.1.0.0.13 published 10 days ago")
        self.assertBehind(r, "stacks", 1, 10 * DAY)
        self.assertEqual(self.api_requests()[0]["path"], "/repos/stacks-network/stacks-core/releases")

    def test_stacks_three_part_versions_from_4_0(self):
        rels = [release("4.0.0", 8), release("3.1.0.0.13", 10), release("signer-3.1.0.0.13.0", 9)]
        self.gh.set(releases={"stacks-network/stacks-core": rels})
        r = self.check("--stacks-version", "3.1.0.0.13")
        self.assertState(r, 2, "Stacks node 3.1.0.0.13, newest 4.0.0 published 8 days ago; major version 3 "
                               "is behind 4")
        r = self.check("--stacks-version", "4.0.0")
        self.assertState(r, 0, "Stacks node 4.0.0 is the newest release")

    def test_three_components_worst_first(self):
        r = self.check("--signer-version", "v1.3.3", "--stacks-version", "3.1.0.0.12",
                       "--bitcoin-version", "v30.1")
        self.assertState(r, 1, "Stacks node 3.1.0.0.12, newest 3.1.0.0.13")
        self.assertTrue(r.long_text[0].startswith("  [WARNING] Stacks node"), r)
        for comp in ("signer", "stacks", "bitcoin"):
            self.assertIn("%s_releases_behind" % comp, r.perfdata, r)
            self.assertIn("%s_behind" % comp, r.perfdata, r)
        self.assertEqual(len(self.api_requests()), 3)

    def test_component_option_selects(self):
        r = self.check("--signer-version", "v1.3.3", "--stacks-version", "3.1.0.0.12", "--component", "signer")
        self.assertState(r, 0, "signer v1.3.3")
        self.assertNotIn("stacks_behind", r.perfdata, r)

    def test_repo_override(self):
        self.gh.set(releases={"myorg/sbtc-fork": [release("v1.3.3-fork.1", 1), release("v1.2.0", 3)]})
        r = self.check("--signer-version", "v1.2.0", "--repo", "signer=myorg/sbtc-fork")
        # v1.3.3-fork.1 is not a version this check orders: v1.2.0 is the newest
        self.assertState(r, 0, "signer v1.2.0 is the newest release (published 3 days ago)")
        self.assertEqual(self.api_requests()[0]["path"], "/repos/myorg/sbtc-fork/releases")

    def test_verbose_shows_release_url(self):
        r = self.check("--signer-version", "v1.3.2", "-v")
        self.assertState(r, 1)
        self.assertTrue(any("newest release: https://github.com/stacks-sbtc/sbtc/releases/tag/v1.3.3" in l
                            for l in r.long_text), r)
        r = self.check("--signer-version", "v1.3.2")
        self.assertFalse(any("https://github.com" in l for l in r.long_text), r)

    def test_json_output(self):
        import json
        r = self.check("--signer-version", "v1.3.2", "--output-format=json")
        self.assertEqual(r.rc, 1, r)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["check"], "VERSION")
        self.assertEqual(doc["state_text"], "WARNING")
        perf = {p["label"]: p for p in doc["perfdata"]}
        self.assertEqual(perf["signer_releases_behind"]["value"], 1)
        self.assertEqual(perf["signer_behind"]["warn"], W_DEFAULT)


class BitcoinPolicy(VersionCase):
    """Bitcoin Core maintains its newest three majors with point releases (REFERENCE.md
    section 5, bitcoincore.org/en/lifecycle): the fixture lists 30.x, 29.x and 28.x as
    maintained and 27.x as ended by v30.0, 60 days ago."""

    def test_newest_point_release_of_a_maintained_major_is_ok(self):
        r = self.check("--bitcoin-version", "v30.1")
        self.assertState(r, 0, "Bitcoin Core v30.1 is the newest release of 30.x (published 20 days ago)")
        self.assertBehind(r, "bitcoin", 0, 0)
        self.assertEqual(self.api_requests()[0]["path"], "/repos/bitcoin/bitcoin/releases")
        for running, days in (("29.2", 22), ("/Satoshi:28.3.0/", 24)):
            r = self.check("--bitcoin-version", running)
            major = "29.x" if running == "29.2" else "28.x"
            self.assertState(r, 0, "is the newest release of %s (published %d days ago); %s is maintained "
                                   "(newest release v30.1)" % (major, days, major))
            self.assertBehind(r, "bitcoin", 0, 0)

    def test_behind_its_majors_point_release(self):
        # 29.1 is behind v29.2 only; v30.x do not count
        r = self.check("--bitcoin-version", "29.1")
        self.assertState(r, 1, "Bitcoin Core 29.1, newest of 29.x v29.2 published 22 days ago; 29.x is "
                               "maintained (newest release v30.1)")
        self.assertBehind(r, "bitcoin", 1, 22 * DAY)
        # the pinned 28.1 of sbtc's reference deployment: behind v28.2 for 150 days, past -c
        r = self.check("--bitcoin-version", "/Satoshi:28.1.0/")
        self.assertState(r, 2, "Bitcoin Core 28.1.0, newest of 28.x v28.3 published 24 days ago, 2 releases "
                               "behind since v28.2 published 150 days ago")
        self.assertBehind(r, "bitcoin", 2, 150 * DAY)
        # thresholds as for every component
        r = self.check("--bitcoin-version", "28.2", "-w", "30d", "-c", "60d")
        self.assertState(r, 0, "Bitcoin Core 28.2, newest of 28.x v28.3 published 24 days ago (within the "
                               "grace of -w 30d)")

    @under_valgrind
    def test_unmaintained_major_is_critical(self):
        r = self.check("--bitcoin-version", "27.2")
        self.assertState(r, 2, "Bitcoin Core 27.2 is the newest release of 27.x (published 230 days ago); 27.x "
                               "is no longer maintained since v30.0 published 60 days ago (maintained: 30.x, "
                               "29.x, 28.x)")
        self.assertBehind(r, "bitcoin", 0, 60 * DAY)
        r = self.check("--bitcoin-version", "/Satoshi:26.1.0/")
        self.assertState(r, 2, "26.x is no longer maintained since v29.0 published 200 days ago")
        # behind since the first newer release, v26.2, 600 days ago
        self.assertBehind(r, "bitcoin", 1, 600 * DAY)
        # before 22.0 Bitcoin Core was 0.N: a major with no release on the page
        r = self.check("--bitcoin-version", "/Satoshi:0.21.1/")
        self.assertState(r, 2, "0.21.x is no longer maintained since v28.0 published 380 days ago")

    def test_end_of_maintenance_within_grace(self):
        self.gh.set(releases={"bitcoin/bitcoin": [release("v31.0", 1), release("v30.1", 20), release("v29.2", 22),
                                                  release("v28.3", 24), release("v30.0", 60)]})
        r = self.check("--bitcoin-version", "28.3")
        self.assertState(r, 0, "Bitcoin Core 28.3 is the newest release of 28.x (published 24 days ago); 28.x "
                               "is no longer maintained since v31.0 published 1 day ago (maintained: 31.x, 30.x, "
                               "29.x), within the grace of -w 3d")
        self.assertBehind(r, "bitcoin", 0, DAY)
        r = self.check("--bitcoin-version", "28.3", "-w", "12h")
        self.assertState(r, 2, "28.x is no longer maintained since v31.0")

    def test_newer_than_every_release(self):
        r = self.check("--bitcoin-version", "v31.0rc1")
        self.assertState(r, 0, "Bitcoin Core v31.0rc1 is newer than the newest release v30.1")
        r = self.check("--bitcoin-version", "v30.0rc1")
        self.assertState(r, 2, "Bitcoin Core v30.0rc1, newest of 30.x v30.1 published 20 days ago, 2 releases "
                               "behind since v30.0 published 60 days ago")

    def test_latest_policy_counts_every_newer_release(self):
        r = self.check("--bitcoin-version", "/Satoshi:29.2.0/", "--bitcoin-policy", "latest")
        self.assertState(r, 2, "Bitcoin Core 29.2.0, newest v30.1 published 20 days ago, 2 releases behind "
                               "since v30.0 published 60 days ago; major version 29 is behind 30")
        self.assertBehind(r, "bitcoin", 2, 60 * DAY)
        r = self.check("--bitcoin-version", "v30.1", "--bitcoin-policy=latest")
        self.assertState(r, 0, "Bitcoin Core v30.1 is the newest release (published 20 days ago)")
        r = self.check("--bitcoin-version", "v30.1", "--bitcoin-policy=newest")
        self.assertEqual(r.rc, 3, r)
        self.assertIn("invalid --bitcoin-policy 'newest': maintained or latest", r.first_line, r)


class ReleaseFamilies(VersionCase):
    """The signer's /info and metrics as each release family answers them (shapes from
    stacks-sbtc/sbtc signer/src/api/info.rs and signer/src/metrics.rs of each tag), read
    by the checks that use them: this one and check_sbtc_block_lag."""

    FAMILIES = {"v1.0": ("v1.0.0", 10), "v1.1": ("v1.1.1", 5), "v1.2": ("v1.2.0", 4), "v1.3": ("v1.3.3", 0)}

    def setUp(self):
        super().setUp()
        # the real tags from v1.0.0 on (-epoch32 builds and release candidates aside)
        self.gh.set(releases={SBTC: [release(t, d) for t, d in (
            ("v1.3.3", 12), ("v1.3.2", 30), ("v1.3.1", 45), ("v1.3.0", 60), ("v1.2.0", 100), ("v1.1.1", 120),
            ("v1.1.0", 150), ("v1.0.3", 200), ("v1.0.2", 220), ("v1.0.1", 240), ("v1.0.0", 250))]})

    def test_version_from_info_and_metrics_of_each_family(self):
        for family, (tag, behind) in self.FAMILIES.items():
            with SignerApiFixture(release=family) as s, MetricsExporterFixture(release=family) as m:
                for source in (["--signer-url", s.url], ["--metrics-url", m.url]):
                    with self.subTest(family=family, source=source[0]):
                        r = self.check(*source)
                        self.assertState(r, 0 if behind == 0 else 2, "signer %s" % tag)
                        self.assertEqual(r.perfdata["signer_releases_behind"].value, behind, r)

    def test_block_lag_reads_info_of_each_family(self):
        for family in self.FAMILIES:
            with SignerApiFixture(release=family) as s:
                with self.subTest(family=family):
                    r = harness.run("check_sbtc_block_lag", ["--signer-url", s.url], timeout=30)
                    self.assertEqual(r.rc, 0, r)
                    self.assertTrue(r.first_line.startswith("SBTC BLOCK_LAG OK - "), r)
                    self.assertEqual([q["path"] for q in s.requests], ["/info"])

    def test_info_shape_of_each_family(self):
        import json
        import urllib.request
        for family in self.FAMILIES:
            with SignerApiFixture(release=family) as s:
                with urllib.request.urlopen(s.url + "/info", timeout=10) as f:
                    doc = json.load(f)
            with self.subTest(family=family):
                self.assertIsNotNone(doc["config"])
                self.assertEqual("dkg_target_rounds" in doc["config"], family in ("v1.0", "v1.1"))
                self.assertRegex(doc["build_info"]["rust_version"], r"^rustc \d+\.\d+\.\d+ \([0-9a-f]{9} \d{4}-\d\d-\d\d\)$")
                self.assertEqual(doc["build_info"]["git_revision"], self.FAMILIES[family][0])


class Commits(VersionCase):
    """A signer built from source reports a commit: GitHub's compare API places it."""

    def test_commit_ahead_is_ok(self):
        r = self.check("--signer-version", SIGNER_COMMIT_AHEAD)
        self.assertState(r, 0, "signer commit %s is 7 commits ahead of the newest release v1.3.3"
                               % SIGNER_COMMIT_AHEAD[:12])
        self.assertBehind(r, "signer", 0, 0)
        paths = [q["path"] for q in self.api_requests()]
        self.assertEqual(paths, ["/repos/stacks-sbtc/sbtc/releases",
                                 "/repos/stacks-sbtc/sbtc/compare/v1.3.3...%s" % SIGNER_COMMIT_AHEAD])

    def test_commit_identical_is_ok(self):
        r = self.check("--signer-version", SIGNER_COMMIT_IDENTICAL)
        self.assertState(r, 0, "is the newest release v1.3.3")

    @under_valgrind
    def test_commit_behind(self):
        r = self.check("--signer-version", SIGNER_COMMIT_BEHIND)
        self.assertState(r, 1, "signer commit %s is 42 commits behind the newest release v1.3.3 "
                               "(published 12 days ago)" % SIGNER_COMMIT_BEHIND[:12])
        self.assertBehind(r, "signer", None, 12 * DAY)

    def test_commit_diverged(self):
        r = self.check("--signer-version", SIGNER_COMMIT_DIVERGED, "-c", "10d")
        self.assertState(r, 2, "is 12 commits behind the newest release v1.3.3 (published 12 days ago) and "
                               "has 3 commits of its own")

    def test_short_commit(self):
        r = self.check("--signer-version", SIGNER_COMMIT_AHEAD[:10])
        self.assertState(r, 0, "7 commits ahead")

    def test_git_describe(self):
        r = self.check("--signer-version", "v1.3.3-7-g%s-dirty" % SIGNER_COMMIT_AHEAD[:10])
        self.assertState(r, 0, "signer commit %s is 7 commits ahead" % SIGNER_COMMIT_AHEAD[:10])
        self.assertEqual(self.api_requests()[-1]["path"],
                         "/repos/stacks-sbtc/sbtc/compare/v1.3.3...%s" % SIGNER_COMMIT_AHEAD[:10])

    def test_unknown_commit(self):
        r = self.check("--signer-version", "f" * 40)
        self.assertState(r, 3, "cannot compare it with v1.3.3: commit %s or tag v1.3.3 not found in "
                               "stacks-sbtc/sbtc" % ("f" * 40))
        self.assertIsNone(r.perfdata["signer_behind"].value)

    def test_compare_cached(self):
        self.check("--signer-version", SIGNER_COMMIT_BEHIND)
        n = len(self.api_requests())
        r = self.check("--signer-version", SIGNER_COMMIT_BEHIND)
        self.assertState(r, 1, "42 commits behind")
        self.assertEqual(len(self.api_requests()), n, "the second run must be answered from the cache")


class Concurrency(VersionCase):
    """Every source of a run is asked at once under the one deadline: one that stalls costs
    only itself, and the other components are judged with their lines and perfdata."""

    def line(self, r, start):
        lines = [l for l in r.long_text if l.lstrip().startswith(start)]
        self.assertEqual(len(lines), 1, r)
        return lines[0]

    def test_stalled_repository_costs_only_itself(self):
        self.gh.set(mood="stall", stall_repos=["stacks-network/stacks-core"], stall_seconds=30)
        start = time.monotonic()
        r = self.check("--signer-version", "v1.3.3", "--stacks-version", "3.1.0.0.12",
                       "--bitcoin-version", "v29.1", "-t", "5")
        elapsed = time.monotonic() - start
        self.assertLess(elapsed, 6.5, r)  # -t 5: the deadline, with room for a loaded machine
        # the worst news that was judged leads (WARNING over the stalled one's UNKNOWN)
        self.assertState(r, 1, "Bitcoin Core v29.1, newest of 29.x v29.2 published 22 days ago")
        self.assertIn("newest release of stacks-network/stacks-core unknown: no answer from GitHub API %s within "
                      "the deadline of 5 s" % self.gh.url, self.line(r, "[UNKNOWN] Stacks node 3.1.0.0.12"))
        self.line(r, "[OK] signer v1.3.3 is the newest release")
        self.assertBehind(r, "signer", 0, 0)
        self.assertBehind(r, "bitcoin", 1, 22 * DAY)
        self.assertIsNone(r.perfdata["stacks_behind"].value, r)
        self.assertEqual(sorted(q["path"] for q in self.api_requests()),
                         ["/repos/bitcoin/bitcoin/releases", "/repos/stacks-network/stacks-core/releases",
                          "/repos/stacks-sbtc/sbtc/releases"])

    def test_stalled_signer_api_costs_only_itself(self):
        with SignerApiFixture(mood="stall", stall_seconds=30) as s:
            start = time.monotonic()
            r = self.check("--signer-url", s.url, "--stacks-version", "3.1.0.0.12", "--bitcoin-version", "v29.2",
                           "-t", "5")
            elapsed = time.monotonic() - start
        self.assertLess(elapsed, 6.5, r)  # -t 5: the deadline, with room for a loaded machine
        self.assertState(r, 1, "Stacks node 3.1.0.0.12, newest 3.1.0.0.13 published 10 days ago")
        self.assertIn("within the deadline of 5 s", self.line(r, "[UNKNOWN] no answer from signer %s" % s.url))
        self.assertIn("Bitcoin Core v29.2 is the newest release of 29.x", self.line(r, "[OK] Bitcoin Core"))
        self.assertBehind(r, "stacks", 1, 10 * DAY)
        self.assertBehind(r, "bitcoin", 0, 0)
        self.assertIsNone(r.perfdata["signer_behind"].value, r)


class Failures(VersionCase):

    @under_valgrind
    def test_unreadable_version_is_unknown_and_sanitised(self):
        r = self.check("--signer-version", "test_build|\x1b[31mx")
        self.assertState(r, 3, "--signer-version: 'test_build/ [31mx' is not a version")
        self.assertEqual(r.perfdata["signer_releases_behind"].value, None)
        self.assertNotIn("\x1b", r.stdout)
        r = self.check("--signer-version", "0.0.0-test")
        self.assertState(r, 3, "'0.0.0-test' is not a version")

    def test_repository_not_found(self):
        r = self.check("--signer-version", "v1.3.3", "--repo", "signer=nobody/nothing")
        self.assertState(r, 3, "newest release of nobody/nothing unknown: repository nobody/nothing not found "
                               "on GitHub: Not Found")

    def test_no_stable_release(self):
        self.gh.set(releases={SBTC: [release("v1.0.0-rc1", 3, prerelease=True), release("test_x", 2)]})
        r = self.check("--signer-version", "v1.0.0")
        self.assertState(r, 3, "stacks-sbtc/sbtc lists no stable release (2 releases, 2 drafts, prereleases")

    def test_github_failures_without_cache(self):
        cases = [
            ("rate-limit", "rate limit reached (HTTP 403, x-ratelimit-remaining: 0, resets in"),
            ("rate-limit-429", "rate limit reached (HTTP 429"),
            ("forbidden", "answered HTTP 403: Resource not accessible by integration"),
            ("http-500", "answered HTTP 500: Server Error"),
            ("http-502", "answered HTTP 502"),
            ("garbage", "sent an answer that is not JSON"),  # lib/acquire_loop.c's one wording
            ("wrong-shape", "expected an array of releases, got object"),
            ("reset", "GitHub API %s" % self.gh.url),
        ]
        for mood, text in cases:
            with self.subTest(mood=mood):
                self.gh.set(mood=mood)
                r = self.check("--signer-version", "v1.3.3", cache=False)
                self.assertState(r, 3, text)
                self.assertIsNone(r.perfdata["signer_behind"].value, r)
        self.gh.set(mood="rate-limit")
        r = self.check("--signer-version", "v1.3.3")
        self.assertIn("a token raises the limit", r.text)

    def test_github_unreachable_without_cache(self):
        down = "http://127.0.0.1:%d" % closed_port()
        r = harness.run(CHECK, ["--signer-version", "v1.3.3", "--github-api", down, "--cache-dir", self.cache])
        self.assertState(r, 3, "newest release of stacks-sbtc/sbtc unknown: cannot connect to GitHub API %s"
                               % down)

    def test_github_stalls_deadline(self):
        with SilentServer() as s:
            start = time.monotonic()
            r = harness.run(CHECK, ["--signer-version", "v1.3.3", "--github-api", "http://127.0.0.1:%d" % s.port,
                                    "--cache-dir", self.cache, "-t", "2"])
            elapsed = time.monotonic() - start
            self.assertState(r, 3, "within the deadline of 2 s")
            self.assertLess(elapsed, 8, r)
            r = harness.run(CHECK, ["--signer-version", "v1.3.3", "--github-api", "http://127.0.0.1:%d" % s.port,
                                    "--cache-dir", self.cache, "-t", "1:CRITICAL"])
            self.assertState(r, 2, "within the deadline")

    def test_metrics_exporter(self):
        with MetricsExporterFixture(revision="v1.3.2") as m:
            url = m.url + "/metrics"
            r = self.check("--metrics-url", url)
            self.assertState(r, 1, "signer v1.3.2, newest v1.3.3 published 12 days ago")
            m.set(revision=SIGNER_COMMIT_AHEAD)
            r = self.check("--metrics-url", url)
            self.assertState(r, 0, "7 commits ahead")
            m.set(mood="no-build-info")
            r = self.check("--metrics-url", url)
            self.assertState(r, 3, "signer's metrics exporter %s has no build_info metric with a revision label"
                                   % m.url)
            m.set(mood="escaped", revision="v1.3.3")
            r = self.check("--metrics-url", url)
            self.assertState(r, 3, "is not a version")
            self.assertEqual(len(r.stdout.splitlines()[0].split(" - ")), 2, r)
            m.set(mood="http-500")
            r = self.check("--metrics-url", url)
            self.assertState(r, 2, "signer's metrics exporter %s answered HTTP 500" % m.url)
            m.set(mood="garbage")
            r = self.check("--metrics-url", url)
            self.assertState(r, 3, "has no build_info metric")
        down = "http://127.0.0.1:%d/metrics" % closed_port()
        r = self.check("--metrics-url", down)
        self.assertState(r, 2, "cannot connect to signer's metrics exporter")
        self.assertIsNone(r.perfdata["signer_behind"].value)

    @under_valgrind
    def test_metrics_url_as_prometheus_users_write_it(self):
        # A scrape target without a path is scraped at /metrics (Prometheus' default
        # metrics_path); the fixture routes only /metrics, as a proxy in front may.
        with MetricsExporterFixture(revision="v1.3.2") as m:
            for url in (m.url, m.url + "?x=1"):
                with self.subTest(url=url):
                    m.clear_requests()
                    r = self.check("--metrics-url", url)
                    self.assertState(r, 1, "signer v1.3.2, newest v1.3.3 published 12 days ago")
                    self.assertEqual([q["path"] for q in m.requests], ["/metrics"])
            # a path, even "/", is used as given
            m.clear_requests()
            r = self.check("--metrics-url", m.url + "/")
            self.assertState(r, 2, "signer's metrics exporter %s answered HTTP 404" % m.url)
            self.assertEqual([q["path"] for q in m.requests], ["/"])
            m.clear_requests()
            r = self.check("--metrics-url", m.url + "/prometheus/metrics")
            self.assertState(r, 2, "answered HTTP 404")
            self.assertEqual([q["path"] for q in m.requests], ["/prometheus/metrics"])

    def test_usage_errors(self):
        cases = [
            ([], "nothing to check"),
            (["--component", "lightning"], "unknown --component 'lightning'"),
            (["--signer-version", "v1", "--repo", "signer"], "invalid --repo 'signer'"),
            (["--signer-version", "v1", "--repo", "wallet=a/b"], "invalid --repo"),
            (["--signer-version", "v1", "--repo", "signer=../x"], "invalid --repo"),
            (["--signer-version", "v1", "-w", "soon"], "soon"),
            (["--signer-version", "v1", "--cache-ttl", "-5"], "cache-ttl"),
            (["--signer-version", "v1", "--github-api", "ftp://x"], "--github-api"),
            (["--signer-version", "v1", "--token", TOKEN], "token"),
        ]
        for args, text in cases:
            with self.subTest(args=args):
                r = self.check(*args)
                self.assertEqual(r.rc, 3, r)
                self.assertTrue(r.first_line.startswith(PREFIX + "UNKNOWN - "), r)
                self.assertIn(text, r.stdout, r)
                self.assertNotIn(TOKEN, r.stdout + r.stderr)
        self.assertEqual(self.api_requests(), [])


class Cache(VersionCase):

    def test_fresh_answer_is_reused(self):
        r1 = self.check("--signer-version", "v1.3.2")
        for _ in range(5):
            r = self.check("--signer-version", "v1.3.2")
            self.assertEqual(r.first_line, r1.first_line)
        self.assertEqual(len(self.api_requests()), 1, "a fresh answer must not be asked again")
        # the directory and entries are private
        self.assertEqual(stat.S_IMODE(os.stat(self.cache).st_mode), 0o700)
        for f in self.entry_files():
            self.assertEqual(stat.S_IMODE(os.stat(f).st_mode), 0o600)
        r = self.check("--signer-version", "v1.3.2", "-v")
        self.assertTrue(any("releases of stacks-sbtc/sbtc from the cache" in l for l in r.long_text), r)

    def test_many_runs_stay_inside_the_rate_limit(self):
        # a budget of 3 requests: three components, then a run every "minute" for an hour
        self.gh.set(limit=3)
        args = ("--signer-version", "v1.3.3", "--stacks-version", "3.1.0.0.13", "--bitcoin-version", "v30.1")
        for _ in range(20):
            r = self.check(*args)
            self.assertState(r, 0, "signer v1.3.3 is the newest release")
        self.assertEqual(len(self.api_requests()), 3)
        # without the cache the budget is gone at once
        r = self.check(*args, cache=False)
        self.assertState(r, 3, "rate limit reached (HTTP 403, x-ratelimit-remaining: 0")

    def age_entries(self, seconds):
        for f in self.entry_files():
            with open(f, "rb") as fh:
                data = fh.read()
            data = re.sub(rb"\nfetched (\d+)\n", lambda m: b"\nfetched %d\n" % (int(m.group(1)) - seconds), data, 1)
            with open(f, "wb") as fh:
                fh.write(data)

    def test_expired_answer_is_refreshed(self):
        self.check("--signer-version", "v1.3.3")
        self.age_entries(7200)
        self.gh.set(releases={SBTC: [release("v1.3.4", 5), release("v1.3.3", 12)]})
        r = self.check("--signer-version", "v1.3.3")
        self.assertState(r, 1, "newest v1.3.4 published 5 days ago")
        self.assertEqual(len(self.api_requests()), 2)
        # --cache-ttl decides what is fresh
        self.age_entries(600)
        self.check("--signer-version", "v1.3.3", "--cache-ttl", "5m")
        self.assertEqual(len(self.api_requests()), 3)
        self.check("--signer-version", "v1.3.3", "--cache-ttl", "1h")
        self.assertEqual(len(self.api_requests()), 3)

    @under_valgrind
    def test_rate_limited_uses_cache_and_says_how_old(self):
        self.check("--signer-version", "v1.3.1")
        self.age_entries(7200)
        self.gh.set(mood="rate-limit")
        r = self.check("--signer-version", "v1.3.1")
        self.assertState(r, 2, "signer v1.3.1, newest v1.3.3 published 12 days ago")
        self.assertBehind(r, "signer", 2, 30 * DAY)
        line = [l for l in r.long_text if "from the cache" in l]
        self.assertTrue(line and "from the cache, 2h 0m old" in line[0] and "rate limit reached" in line[0], r)

    def test_unreachable_uses_cache(self):
        self.check("--signer-version", "v1.3.3")
        self.gh.stop()
        try:
            r = harness.run(CHECK, ["--signer-version", "v1.3.3", "--github-api", self.gh.url, "--cache-dir",
                                    self.cache, "--cache-ttl", "0"], env={"GITHUB_TOKEN": None})
            self.assertState(r, 0, "signer v1.3.3 is the newest release")
            self.assertTrue(any("from the cache" in l and "cannot connect" in l for l in r.long_text), r)
        finally:
            self.gh.start()
        # answers are kept per API: another (dead) mirror has no cached answer
        down = "http://127.0.0.1:%d" % closed_port()
        r = harness.run(CHECK, ["--signer-version", "v1.3.3", "--github-api", down, "--cache-dir", self.cache])
        self.assertState(r, 3, "cannot connect")

    def test_stalled_github_uses_cache_within_deadline(self):
        self.check("--signer-version", "v1.3.2")
        self.gh.set(mood="stall", stall_seconds=30)
        start = time.monotonic()
        r = self.check("--signer-version", "v1.3.2", "--cache-ttl", "0", "-t", "2")
        self.assertLess(time.monotonic() - start, 8, r)
        self.assertState(r, 1, "signer v1.3.2, newest v1.3.3 published 12 days ago")
        self.assertTrue(any("from the cache" in l and "within the deadline of 2 s" in l for l in r.long_text), r)

    def test_cache_too_old_is_not_used(self):
        self.check("--signer-version", "v1.3.3")
        self.age_entries(8 * 86400)
        self.gh.set(mood="http-500")
        r = self.check("--signer-version", "v1.3.3")
        self.assertState(r, 3, "answered HTTP 500: Server Error (the cached answer, 8d 0h old, is too old to use)")
        r = self.check("--signer-version", "v1.3.3", "--cache-max-age", "9d")
        self.assertState(r, 0, "is the newest release")

    def test_not_found_overrides_cache(self):
        self.check("--signer-version", "v1.3.3")
        self.age_entries(7200)
        self.gh.set(mood="not-found")
        r = self.check("--signer-version", "v1.3.3")
        self.assertState(r, 3, "not found on GitHub")

    def test_corrupt_entry_is_ignored_and_replaced(self):
        self.check("--signer-version", "v1.3.3")
        [entry] = self.entry_files()
        for garbage in (b"", b"sbtc-cache 1\nkey x", b"\x00\xff| garbage\n",
                        open(entry, "rb").read()[:-10]):
            with self.subTest(garbage=garbage[:20]):
                with open(entry, "wb") as fh:
                    fh.write(garbage)
                n = len(self.api_requests())
                r = self.check("--signer-version", "v1.3.3")
                self.assertState(r, 0, "is the newest release")
                self.assertEqual(len(self.api_requests()), n + 1)
        # the last run wrote a good entry again: answered from the cache now
        n = len(self.api_requests())
        self.check("--signer-version", "v1.3.3")
        self.assertEqual(len(self.api_requests()), n)
        # a valid header around a body that is not a release list
        data = open(entry, "rb").read()
        head, _, _ = data.partition(b"\n\n")
        body = b"{\"not\": \"a list\"}"
        head = re.sub(rb"length \d+", b"length %d" % len(body), head)
        with open(entry, "wb") as fh:
            fh.write(head + b"\n\n" + body)
        r = self.check("--signer-version", "v1.3.3", "-v")
        self.assertState(r, 0)
        self.assertEqual(len(self.api_requests()), n + 1)
        # corrupt and GitHub down: no usable cache
        with open(entry, "wb") as fh:
            fh.write(b"junk")
        self.gh.set(mood="http-502")
        r = self.check("--signer-version", "v1.3.3")
        self.assertState(r, 3, "answered HTTP 502")

    def test_unsafe_cache_dir_is_not_used(self):
        os.mkdir(self.cache, 0o700)
        os.chmod(self.cache, 0o777)
        r = self.check("--signer-version", "v1.3.3")
        self.assertState(r, 3, "is not used: others may write to it (chmod 0700): GitHub is asked at every run")
        self.assertTrue(any("[OK] signer v1.3.3 is the newest release" in l for l in r.long_text), r)
        self.assertEqual(os.listdir(self.cache), [])
        link = os.path.join(self.tmp, "link")
        os.chmod(self.cache, 0o700)
        os.symlink(self.cache, link)
        r = harness.run(CHECK, ["--signer-version", "v1.3.3", "--github-api", self.gh.url, "--cache-dir", link])
        self.assertState(r, 3, "symbolic link")

    def test_untrusted_entries_are_ignored(self):
        self.check("--signer-version", "v1.3.3")
        [entry] = self.entry_files()
        # writable by others: anyone could have put an answer there
        os.chmod(entry, 0o666)
        n = len(self.api_requests())
        r = self.check("--signer-version", "v1.3.3", "-v")
        self.assertState(r, 0)
        self.assertTrue(any("writable by another user" in l for l in r.long_text), r)
        self.assertEqual(len(self.api_requests()), n + 1)
        if os.geteuid() == 0:  # giving files away needs root
            os.chown(entry, 65534, 65534)
            r = self.check("--signer-version", "v1.3.3", "-v")
            self.assertState(r, 0)
            self.assertEqual(len(self.api_requests()), n + 2)
            os.chown(self.cache, 65534, 65534)
            r = self.check("--signer-version", "v1.3.3")
            self.assertState(r, 3, "owned by uid 65534")

    def test_concurrent_runs(self):
        argv = [harness.plugin.plugin_path(CHECK), "--signer-version", "v1.3.2", "--stacks-version",
                "3.1.0.0.13", "--github-api", self.gh.url, "--cache-dir", self.cache]
        env = {k: v for k, v in os.environ.items() if k != "GITHUB_TOKEN"}
        for round_ in range(2):
            procs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
                     for _ in range(8)]
            outs = [p.communicate(timeout=60) for p in procs]
            for p, (out, err) in zip(procs, outs):
                self.assertEqual(p.returncode, 1, (out, err))
                self.assertTrue(out.decode().startswith(
                    PREFIX + "WARNING - signer v1.3.2, newest v1.3.3 published 12 days ago"), out)
            if round_ == 0:
                first = len(self.api_requests())
                self.assertLessEqual(first, 16)
        self.assertEqual(len(self.api_requests()), first, "the second round must come from the cache")
        self.assertEqual(len(self.entry_files()), 2)
        self.assertEqual([f for f in os.listdir(self.cache) if f.startswith(".tmp")], [])


class Token(VersionCase):

    def write_token(self, text):
        path = os.path.join(self.tmp, "token")
        with open(path, "w") as fh:
            fh.write(text)
        os.chmod(path, 0o600)
        return path

    @under_valgrind
    def test_token_file_is_sent_never_printed(self):
        self.gh.set(token=TOKEN)
        path = self.write_token(TOKEN + "\n")
        r = self.check("--signer-version", "v1.3.3", "--token-file", path, "-vvv")
        self.assertState(r, 0, "is the newest release")
        self.assertEqual(self.api_requests()[0]["headers"]["authorization"], "Bearer " + TOKEN)
        self.assertNotIn(TOKEN, r.stdout + r.stderr)
        for f in self.entry_files():
            self.assertNotIn(TOKEN.encode(), open(f, "rb").read())

    def test_token_file_from_extra_opts(self):
        self.gh.set(token=TOKEN)
        ini = os.path.join(self.tmp, "plugins.ini")
        with open(ini, "w") as fh:
            fh.write("[check_sbtc_version]\ntoken-file = %s\nsigner-version = v1.3.2\n"
                     % self.write_token(TOKEN + "\n"))
        r = self.check("--extra-opts=@" + ini, "-vvv")
        self.assertState(r, 1, "signer v1.3.2, newest v1.3.3")
        self.assertEqual(self.api_requests()[0]["headers"]["authorization"], "Bearer " + TOKEN)
        self.assertNotIn(TOKEN, r.stdout + r.stderr)

    def test_token_from_environment(self):
        self.gh.set(token=TOKEN)
        r = self.check("--signer-version", "v1.3.3", "-vvv", env={"GITHUB_TOKEN": TOKEN})
        self.assertState(r, 0)
        self.assertEqual(self.api_requests()[0]["headers"]["authorization"], "Bearer " + TOKEN)
        self.assertNotIn(TOKEN, r.stdout + r.stderr)

    def test_refused_token(self):
        self.gh.set(token="another-token")
        path = self.write_token("  %s  \r\n" % TOKEN)
        r = self.check("--signer-version", "v1.3.3", "--token-file", path, "-vvv")
        self.assertState(r, 3, "refused the token (HTTP 401: Bad credentials)")
        self.assertNotIn(TOKEN, r.stdout + r.stderr)

    def assertRefused(self, r, text):
        self.assertState(r, 3, text, perfdata=False)
        self.assertEqual(r.stdout.count("\n"), 1, r)
        self.assertNotIn(TOKEN, r.stdout + r.stderr)

    def test_token_file_problems(self):
        missing = os.path.join(self.tmp, "missing")
        r = self.check("--signer-version", "v1.3.3", "--token-file", missing)
        self.assertRefused(r, "cannot read the token file %s: No such file or directory" % missing)
        r = self.check("--signer-version", "v1.3.3", "--token-file", self.write_token("\n"))
        self.assertRefused(r, "is empty")
        r = self.check("--signer-version", "v1.3.3", "--token-file", self.write_token("two words " + TOKEN))
        self.assertRefused(r, "contains a blank")
        # the token itself where its file belongs: the message does not repeat it
        r = self.check("--signer-version", "v1.3.3", "--token-file", TOKEN)
        self.assertRefused(r, "cannot read the token file (not shown")
        self.assertEqual(self.api_requests(), [])

    def test_secret_option_abbreviations_are_refused(self):
        """getopt_long would take --token=SECRET for --token-file and show SECRET as a file
        name; long options are taken only in full, and an unknown one without its value."""
        for opt in ("--token=" + TOKEN, "--token-f=" + TOKEN, "--bitcoin-password=" + TOKEN,
                    "--bitcoin-coo=" + TOKEN):
            r = self.check("--signer-version", "v1.3.3", opt)
            self.assertEqual(r.rc, 3, r)
            self.assertEqual(r.first_line, PREFIX + "UNKNOWN - unknown option '%s' (long options "
                             "must be written in full)" % opt.partition("=")[0], r)
            self.assertNotIn(TOKEN, r.stdout + r.stderr)
            self.assertNotIn("|", r.stdout, r)
        self.assertEqual(self.api_requests(), [])

    def test_token_file_must_be_small_and_regular(self):
        fifo = os.path.join(self.tmp, "token-fifo")
        if not os.path.exists(fifo):
            os.mkfifo(fifo)
        r = self.check("--signer-version", "v1.3.3", "--token-file", fifo, "-t", "2")
        self.assertLess(r.elapsed, 2.5, r)
        self.assertRefused(r, "the token file %s is a FIFO, not a regular file" % fifo)
        r = self.check("--signer-version", "v1.3.3", "--token-file", "/dev/zero", "-t", "2")
        self.assertRefused(r, "the token file /dev/zero is a character device, not a regular file")
        self.assertEqual(self.api_requests(), [])

    def test_rate_limit_message_with_token(self):
        self.gh.set(mood="rate-limit")
        r = self.check("--signer-version", "v1.3.3", env={"GITHUB_TOKEN": TOKEN})
        self.assertState(r, 3, "rate limit reached")
        self.assertNotIn("a token raises the limit", r.stdout)
        self.assertNotIn(TOKEN, r.stdout + r.stderr)


class Sources(VersionCase):
    """The running version read from the components themselves."""

    def test_stacks_node_server_version(self):
        with harness.StacksNodeFixture() as node:
            r = self.check("-u", node.url)
            self.assertState(r, 1, "Stacks node 3.1.0.0.12, newest 3.1.0.0.13 published 10 days ago")
            node.set(server_version="stacks-node 3.1.0.0.13 (release/3.1.0.0.13:0a1b2c3, release build, "
                                    "linux [x86_64])")
            r = self.check("-u", node.url)
            self.assertState(r, 0, "Stacks node 3.1.0.0.13 is the newest release")
            node.set(server_version="stacks-node nightly | (dev)")
            r = self.check("-u", node.url)
            self.assertState(r, 3, "Stacks node %s reports a version I cannot read: server_version "
                                   "'stacks-node nightly / (dev)'" % node.url)
            node.set(info_mood="http-500")
            r = self.check("-u", node.url)
            self.assertState(r, 2, "Stacks node")
        down = "http://127.0.0.1:%d" % closed_port()
        r = self.check("-u", down)
        self.assertState(r, 2, "cannot connect")
        self.assertIsNone(r.perfdata["stacks_behind"].value)

    @under_valgrind
    def test_signer_api_git_revision(self):
        with SignerApiFixture(git_revision="v1.3.2") as s:
            r = self.check("--signer-url", s.url)
            self.assertState(r, 1, "signer v1.3.2, newest v1.3.3 published 12 days ago")
            self.assertEqual([q["path"] for q in s.requests], ["/info"])
            s.set(git_revision=SIGNER_COMMIT_BEHIND)
            r = self.check("--signer-url", s.url)
            self.assertState(r, 1, "signer commit %s is 42 commits behind" % SIGNER_COMMIT_BEHIND[:12])
            s.set(git_revision="1.3.x nightly|build")
            r = self.check("--signer-url", s.url)
            self.assertState(r, 3, "signer API %s reports a version I cannot read: '1.3.x nightly/build' is not "
                                   "a version" % s.url)
            s.set(git_revision="v1.3.3", mood="http-500")
            r = self.check("--signer-url", s.url)
            self.assertState(r, 2, "answered HTTP 500")
        r = self.check("--signer-url", "http://127.0.0.1:%d" % closed_port())
        self.assertState(r, 2, "cannot connect")

    @under_valgrind
    def test_signer_revisions_that_name_no_release(self):
        # signer/build.rs: `git rev-parse HEAD`, else the GIT_COMMIT build argument, else "":
        # the official v1.0.1 and v1.0.2 images say "main", images built without the
        # argument say "".
        with SignerApiFixture(release="v1.0", git_revision="main") as s, \
                MetricsExporterFixture(release="v1.0", revision="main") as m:
            for source in (["--signer-url", s.url], ["--metrics-url", m.url]):
                for revision in ("main", ""):
                    s.set(git_revision=revision)
                    m.set(revision=revision)
                    with self.subTest(source=source[0], revision=revision):
                        r = self.check(*source)
                        self.assertState(r, 1, "signer revision '%s' does not name a release; pass "
                                               "--signer-version or use an official image (newest release "
                                               "v1.3.3, published 12 days ago)" % revision)
                        self.assertIsNone(r.perfdata["signer_releases_behind"].value, r)
                        self.assertIsNone(r.perfdata["signer_behind"].value, r)
            # GitHub cannot be asked: the revision is named in the UNKNOWN
            self.gh.set(mood="http-500")
            s.set(git_revision="main")
            r = self.check("--signer-url", s.url, "--cache-dir", os.path.join(self.tmp, "empty"), cache=False)
            self.assertState(r, 3, "signer revision 'main': newest release of stacks-sbtc/sbtc unknown")
            self.gh.set(mood="ok")
        # the operator who knows which release it is says so
        r = self.check("--signer-version", "v1.0.2")
        self.assertState(r, 2, "signer v1.0.2, newest v1.3.3")
        # given by hand, "main" is a mistake: UNKNOWN as before
        r = self.check("--signer-version", "main")
        self.assertState(r, 3, "--signer-version: 'main' is not a version")

    @under_valgrind
    def test_suffixed_signer_tags(self):
        # v1.0.3-epoch32 and v1.0.3-epoch32v2 are tags of special v1.0.3 builds
        with SignerApiFixture(release="v1.0", git_revision="v1.0.3-epoch32") as s:
            r = self.check("--signer-url", s.url)
            self.assertState(r, 2, "signer v1.0.3-epoch32 (a -epoch32 build, ordered as v1.0.3), newest v1.3.3 "
                                   "published 12 days ago, 6 releases behind since v1.1.0 published 150 days ago")
            self.assertBehind(r, "signer", 6, 150 * DAY)
        self.gh.set(releases={SBTC: [release("v1.0.3-epoch32v2", 5), release("v1.0.3", 10), release("v1.0.2", 40)]})
        r = self.check("--signer-version", "v1.0.3-epoch32v2", "--cache-ttl", "0")
        self.assertState(r, 0, "signer v1.0.3-epoch32v2 (a -epoch32v2 build, ordered as v1.0.3) is the newest "
                               "release (published 10 days ago)")
        # in a release list a suffixed tag is not a version this check orders
        r = self.check("--signer-version", "v1.0.3", "-vv", "--cache-ttl", "0")
        self.assertState(r, 0, "signer v1.0.3 is the newest release")
        self.assertTrue(any("2 stable releases of stacks-sbtc/sbtc considered, 1 ignored" in l
                            for l in r.long_text), r)

    def test_signer_api_stalls(self):
        with SignerApiFixture(mood="stall", stall_seconds=30) as s:
            start = time.monotonic()
            r = self.check("--signer-url", s.url, "-t", "2")
            self.assertLess(time.monotonic() - start, 8, r)
            self.assertState(r, 3, "within the deadline of 2 s")
            # the release list is asked at the same time (and kept for the next run)
            self.assertEqual([q["path"] for q in self.api_requests()], ["/repos/stacks-sbtc/sbtc/releases"])

    def test_bitcoin_core_subversion(self):
        cookie_dir = os.path.join(self.tmp, "btc")
        os.mkdir(cookie_dir)
        with BitcoindFixture(cookie_dir=cookie_dir, subversion="/Satoshi:29.1.0/") as btc:
            args = ["--bitcoin-url", btc.url, "--bitcoin-cookie", btc.cookie_file]
            r = self.check(*args)
            self.assertState(r, 1, "Bitcoin Core 29.1.0, newest of 29.x v29.2 published 22 days ago")
            self.assertBehind(r, "bitcoin", 1, 22 * DAY)
            self.assertEqual(btc.requests[-1]["json"]["method"], "getnetworkinfo")
            btc.set(subversion="/Satoshi:29.2.0(sbtc-host)/")
            r = self.check(*args)
            self.assertState(r, 0, "Bitcoin Core 29.2.0 is the newest release of 29.x")
            btc.set(subversion="/btcd:0.24.2/")
            r = self.check(*args)
            self.assertState(r, 3, "subversion '/btcd:0.24.2/' names no Bitcoin Core version")
            btc.set(mood="http-401")
            r = self.check(*args)
            self.assertState(r, 2, "Bitcoin Core")
            # a URL alone selects nothing: its credentials (or --component) do
            r = self.check("--bitcoin-url", btc.url)
            self.assertEqual(r.rc, 3, r)
            self.assertIn("nothing to check", r.stdout)
