# SPDX-License-Identifier: GPL-2.0-or-later
"""Numbers a peer or an operator gives that no status line can show: an infinite threshold,
a verification progress of 1e308 or NaN, a cache entry dated in the future. Each is refused
with a message saying what and where, never printed as "inf%", "U" or "-365d old".
"""

import json
import os
import re
import shutil
import tempfile
import unittest

import harness

from bitcoind import BitcoindFixture
from github_api import GitHubApiFixture

# A percentage that is no number: "inf%", "nan%", "1e+310%".
BAD_PERCENT = re.compile(r"(inf|nan|[eE][-+]?\d+)%", re.IGNORECASE)


class Fixtures(harness.StateAssertions, unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="remote-numbers-")
        cls.btc = BitcoindFixture(cookie_dir=cls.tmp).start()
        cls.gh = GitHubApiFixture()
        cls.gh.start()

    @classmethod
    def tearDownClass(cls):
        cls.btc.stop()
        cls.gh.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.btc.reset_config()
        self.gh.reset_config()
        self.gh.clear_requests()

    def block_lag(self, *args):
        return harness.run("check_sbtc_block_lag", ["--bitcoin-url", self.btc.url, "--bitcoin-cookie",
                                                    self.btc.cookie_file] + list(args))

    def test_infinite_threshold_is_a_usage_error(self):
        for opt in ("-w", "-c", "--bitcoin-warning"):
            for value in ("1e400", "~:1e400", "-1e400:", "1" + "0" * 400):
                r = self.block_lag(opt, value)
                self.assertEqual(r.rc, 3, r)
                self.assertTrue(r.first_line.startswith("SBTC BLOCK_LAG UNKNOWN - invalid range '%s"
                                                        % value[:40]), r)
                self.assertIn("is not a finite number", r.first_line, r)
                self.assertNotIn("'bitcoin_lag'", r.stdout, r)  # no perfdata with a 'U' threshold
            for value in ("inf", "nan", "Infinity"):
                r = self.block_lag(opt, value)
                self.assertEqual(r.rc, 3, r)
                self.assertIn("invalid range '%s'" % value, r.first_line, r)

    def test_verification_progress_out_of_range(self):
        for progress in (1e308, float("inf"), float("nan"), -0.5, 1.5):
            self.btc.set(initialblockdownload=True, verificationprogress=progress)
            r = self.block_lag()
            self.assertState(r, 3, "unexpected answer to getblockchaininfo: ", perfdata=False,
                             prefix="SBTC BLOCK_LAG ")
            if progress == progress and abs(progress) != float("inf"):
                self.assertIn("verificationprogress is not a fraction between 0 and 1", r.first_line, r)
            else:  # JSON's NaN and Infinity are refused as they are read (lib/json_field.c)
                self.assertIn("field 'verificationprogress' is", r.first_line, r)
            self.assertIsNone(BAD_PERCENT.search(r.stdout), r)
            self.assertNotIn("verified", r.stdout, r)
        # a real fraction still reads as before
        self.btc.set(initialblockdownload=True, verificationprogress=0.8123)
        r = self.block_lag()
        self.assertEqual(r.rc, 2, r)
        self.assertIn("81.2% verified", r.first_line, r)
        self.btc.set(initialblockdownload=True, verificationprogress=1)
        self.assertIn("100.0% verified", self.block_lag().first_line)

    def test_cache_entry_dated_in_the_future(self):
        cache = os.path.join(self.tmp, "cache")
        args = ["--github-api", self.gh.url, "--cache-dir", cache, "--signer-version", "v1.3.3"]
        env = {"GITHUB_TOKEN": None}
        r = harness.run("check_sbtc_version", args, env=env)
        self.assertEqual(r.rc, 0, r)
        asked = len(self.gh.requests)
        year = 365 * 86400
        for name in os.listdir(cache):
            path = os.path.join(cache, name)
            with open(path, "rb") as fh:
                data = fh.read()
            data = re.sub(rb"\nfetched (\d+)\n", lambda m: b"\nfetched %d\n" % (int(m.group(1)) + year), data, 1)
            with open(path, "wb") as fh:
                fh.write(data)
        # not fresh: GitHub is asked again
        r = harness.run("check_sbtc_version", args, env=env)
        self.assertEqual(r.rc, 0, r)
        self.assertGreater(len(self.gh.requests), asked, r)
        # GitHub cannot answer: the entry does not stand in, and its date is named as such
        for name in os.listdir(cache):
            path = os.path.join(cache, name)
            with open(path, "rb") as fh:
                data = fh.read()
            now_plus = re.search(rb"\nfetched (\d+)\n", data)
            self.assertIsNotNone(now_plus)
            data = data.replace(now_plus.group(0), b"\nfetched %d\n" % (int(now_plus.group(1)) + year), 1)
            with open(path, "wb") as fh:
                fh.write(data)
        self.gh.set(mood="rate-limit")
        r = harness.run("check_sbtc_version", args, env=env)
        self.assertEqual(r.rc, 3, r)
        self.assertRegex(r.first_line, r"\(the cached answer is dated in the future, 36[45]d \d+h ahead of "
                         r"this host's clock, and not used\)", r)
        self.assertNotIn("-365d", r.stdout, r)


if __name__ == "__main__":
    unittest.main()
