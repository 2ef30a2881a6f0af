# SPDX-License-Identifier: GPL-2.0-or-later
"""Remote text that tries to forge a status line for a Unicode-aware reader.

A peer's text (Bitcoin Core's warnings, the signer's git revision) carrying U+2028 LINE
SEPARATOR, U+2029 PARAGRAPH SEPARATOR, NEL (U+0085), bidi controls or a BOM must not give
Python's str.splitlines(), JavaScript or a log shipper a line of its own: in every output
format the plugin prints exactly the lines it means to (lib/sanitize.c).
"""

import json
import os
import shutil
import tempfile
import unittest

import harness

from bitcoind import BitcoindFixture
from github_api import GitHubApiFixture
from signer_api import SignerApiFixture

FORGED_LINE = "SBTC BLOCK_LAG OK - all good"
# Every character a Unicode-aware reader may take for a line break or that reorders text.
BREAKS = ["\u2028", "\u2029", "\u0085", "\x1c", "\x1d", "\x1e", "\x0b", "\x0c"]
BIDI = ["\u200e", "\u200f", "\u061c", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
        "\u2066", "\u2067", "\u2068", "\u2069", "\ufeff"]
FORMATS = ("multi-line", "one-line", "json")


def forged(prefix):
    return (prefix + "\u2028" + FORGED_LINE + "\u2029\u0085" + FORGED_LINE + "\u202e" +
            "".join(BIDI) + "\u2066 end" + "".join(BREAKS) + "x")


class RemoteTextCase(unittest.TestCase):

    def assertOneResult(self, r, fmt, lines):
        """r prints exactly `lines` lines however they are counted, and no forged one."""
        out = r.stdout
        self.assertEqual(len(out.splitlines()), lines, r)      # Unicode-aware
        self.assertEqual(out.count("\n"), lines, r)             # what Nagios counts
        for ch in BREAKS + BIDI:
            self.assertNotIn(ch, out, "U+%04X in the output:\n%r" % (ord(ch), r))
        self.assertFalse([l for l in out.splitlines()[1:] if l.lstrip().startswith("SBTC ")], r)
        if fmt == "json":
            doc = json.loads(out)
            self.assertEqual(doc["state"], r.rc, r)
            blob = json.dumps(doc, ensure_ascii=False)
            for ch in BREAKS + BIDI:
                self.assertNotIn(ch, blob, "U+%04X in the document:\n%r" % (ord(ch), r))


class BitcoinWarnings(RemoteTextCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="remote-text-")
        cls.btc = BitcoindFixture(cookie_dir=cls.tmp).start()

    @classmethod
    def tearDownClass(cls):
        cls.btc.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_warnings_cannot_forge_a_line(self):
        self.btc.set(warnings=forged("Disk space is low!"))
        for fmt in FORMATS:
            r = harness.run("check_sbtc_block_lag", ["--bitcoin-url", self.btc.url, "--bitcoin-cookie",
                                                     self.btc.cookie_file, "--output-format", fmt])
            self.assertEqual(r.rc, 1, r)
            # multi-line: the status, one line per sub-result (the warning and the
            # Bitcoin Core lines), the perfdata; the others: one line
            want = 1
            if fmt == "multi-line":
                want = len([l for l in r.stdout.split("\n") if l.startswith("  [")]) + 2
                self.assertGreater(want, 2, r)
                self.assertTrue(r.first_line.startswith("SBTC BLOCK_LAG WARNING - "), r)
                self.assertIn("Disk space is low! " + FORGED_LINE + " " + FORGED_LINE + " end x",
                              r.first_line, r)
            self.assertOneResult(r, fmt, want)


class SignerRevision(RemoteTextCase):

    @classmethod
    def setUpClass(cls):
        cls.gh = GitHubApiFixture()
        cls.gh.start()
        cls.tmp = tempfile.mkdtemp(prefix="remote-text-")

    @classmethod
    def tearDownClass(cls):
        cls.gh.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_git_revision_cannot_forge_a_line(self):
        with SignerApiFixture(git_revision=forged("v1.3.3")) as s:
            for fmt in FORMATS:
                r = harness.run("check_sbtc_version",
                                ["--github-api", self.gh.url, "--cache-dir", os.path.join(self.tmp, "c"),
                                 "--signer-url", s.url, "--output-format", fmt],
                                env={"GITHUB_TOKEN": None})
                self.assertEqual(r.rc, 3, r)  # not a version
                self.assertOneResult(r, fmt, 3 if fmt == "multi-line" else 1)


if __name__ == "__main__":
    unittest.main()
