# SPDX-License-Identifier: GPL-2.0-or-later
"""The project is GPL-2.0-or-later: COPYING holds the licence, every source file says so
in an SPDX line near its top, and each check's --version names it."""

import os
import re
import unittest

import harness

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TAG = "SPDX-License-Identifier: GPL-2.0-or-later"
SOURCE_SUFFIXES = (".c", ".h", ".py", ".am", ".ac", ".sql", ".sh", ".pl", ".conf", ".cfg",
                   ".ini", ".yaml", ".service", ".timer", ".spec")
# Made by autotools or a build, not written here.
SKIP_DIRS = {"build", "autom4te.cache", "build-aux", "corpus", "__pycache__", ".git", "locale"}


def listed_checks():
    with open(os.path.join(TOP, "plugins", "Makefile.am"), encoding="utf-8") as f:
        text = f.read()
    return [p for m in re.finditer(r"^plugin_PROGRAMS\s*\+?=(.*)$", text, re.M) for p in m.group(1).split()]


def source_files():
    for root, dirs, files in os.walk(TOP):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith("monitoring-plugins-sbtc-")]
        for f in files:
            path = os.path.join(root, f)
            rel = os.path.relpath(path, TOP)
            if rel in ("configure", "aclocal.m4", "config.h.in", "config.status", "config.log") or f.endswith("~") or \
                    f in ("Makefile", "Makefile.in"):
                continue
            if f.endswith(SOURCE_SUFFIXES):
                yield rel
                continue
            with open(path, "rb") as fh:
                if fh.read(2) == b"#!":
                    yield rel


class Licence(unittest.TestCase):
    def test_copying_is_the_gpl_version_2(self):
        with open(os.path.join(TOP, "COPYING"), encoding="utf-8") as f:
            text = f.read()
        self.assertIn("GNU GENERAL PUBLIC LICENSE", text)
        self.assertIn("Version 2, June 1991", text)

    def test_every_source_file_has_an_spdx_line_near_its_top(self):
        missing = []
        files = list(source_files())
        self.assertGreater(len(files), 100)
        for rel in files:
            with open(os.path.join(TOP, rel), encoding="utf-8", errors="replace") as f:
                head = [f.readline() for _ in range(3)]
            if not any(TAG in line for line in head):
                missing.append(rel)
        self.assertEqual(missing, [], "files without '%s' in their first 3 lines" % TAG)

    def test_version_names_the_licence(self):
        checks = listed_checks()
        self.assertGreaterEqual(len(checks), 5)
        for check in checks:
            r = harness.run(check, ["--version"])
            self.assertEqual(r.rc, 3, r)
            self.assertRegex(r.first_line, r"^%s \(monitoring-plugins-sbtc\) \d+\.\d+" % check)
            self.assertIn("License GPL-2.0-or-later", r.stdout)
            self.assertIn("NO WARRANTY", r.stdout)


if __name__ == "__main__":
    unittest.main()
