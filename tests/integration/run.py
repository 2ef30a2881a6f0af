#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Run the integration tests: tests/integration/test_*.py (unittest.TestCase classes).

    SBTC_PLUGIN_DIR=$PWD/plugins /usr/bin/python3 tests/integration/run.py [FILTER...]

FILTER: a substring of a module name or of a test id (module.Class.method);
several filters select the union. --exclude MODULE (repeatable) leaves a whole
module out. Output, one line per test:

    ok test_harness.ClusterTest.test_schema_0022
    FAIL test_backup.BackupTest.test_stale   (the failure's details follow, indented)
    ERROR test_x.Y.test_z
    SKIP test_x.Y.test_w: <reason>

and last exactly one line "N passed, N failed". Errors count as failed; a
skipped test counts as failed too unless SBTC_ALLOW_SKIP=1 (a suite must not
hide failures behind skips). Exit status 0 only when nothing failed and at
least one test ran.

Test modules share one PostgreSQL cluster through harness.shared_cluster();
the runner stops it at the end (and on SIGTERM/SIGINT).
"""

import argparse
import importlib
import os
import signal
import sys
import time
import traceback
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


def _indent(text, prefix="    "):
    return "".join(prefix + line + "\n" for line in text.rstrip("\n").splitlines())


class LineResult(unittest.TestResult):
    """Prints one line per test as it finishes, details after failures."""

    def __init__(self, stream, allow_skip):
        super().__init__()
        self.stream = stream
        self.allow_skip = allow_skip
        self.passed = 0
        self.failed = 0
        self.buffer = True  # a test's own prints are shown only when it fails
        # Seconds per module, its class and module set-ups included (they run between one
        # test's end and the next one's start): where a slow suite spends its time.
        self.module_seconds = {}
        self._since = time.monotonic()

    def stopTest(self, test):
        super().stopTest(test)
        now = time.monotonic()
        module = self._name(test).split(".")[0]
        self.module_seconds[module] = self.module_seconds.get(module, 0.0) + now - self._since
        self._since = now

    def _name(self, test):
        if isinstance(test, unittest.TestCase):
            return test.id()
        return str(test)

    def _emit(self, line, details=None):
        self.stream.write(line + "\n")
        if details:
            self.stream.write(_indent(details))
        self.stream.flush()

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed += 1
        self._emit("ok %s" % self._name(test))

    # With buffer on, _exc_info_to_string() already appends the test's captured
    # output to the details; _mirrorOutput is cleared so that unittest does not
    # print it a second time, unindented, when the test stops.

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._mirrorOutput = False
        self.failed += 1
        self._emit("FAIL %s" % self._name(test), self._exc_info_to_string(err, test))

    def addError(self, test, err):
        super().addError(test, err)
        self._mirrorOutput = False
        self.failed += 1
        self._emit("ERROR %s" % self._name(test), self._exc_info_to_string(err, test))

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self.failed += 1
            kind = "FAIL" if issubclass(err[0], test.failureException) else "ERROR"
            self._emit("%s %s" % (kind, subtest.id()), self._exc_info_to_string(err, test))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        if self.allow_skip:
            self._emit("SKIP %s: %s" % (self._name(test), reason))
        else:
            self.failed += 1
            self._emit("SKIP %s: %s (counted as failed; SBTC_ALLOW_SKIP=1 allows skips)"
                       % (self._name(test), reason))

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self.passed += 1
        self._emit("ok %s (expected failure)" % self._name(test))

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self.failed += 1
        self._emit("FAIL %s: unexpected success" % self._name(test))


def _matches(test_id, filters):
    if not filters:
        return True
    return any(f in test_id for f in filters)


def _iter_tests(suite):
    for item in suite:
        if isinstance(item, unittest.TestSuite):
            yield from _iter_tests(item)
        else:
            yield item


VALGRIND = os.environ.get("SBTC_VALGRIND") == "1"


def _marked_for_valgrind(test):
    method = getattr(test, getattr(test, "_testMethodName", ""), None)
    return bool(getattr(method, "under_valgrind", False))


def discover(test_dir, filters, result, exclude=()):
    """Import test_*.py from test_dir (but the modules named in exclude); return a
    suite of the selected tests. A module that fails to import is reported as an
    ERROR line."""
    loader = unittest.TestLoader()
    suite = unittest.TestSuite()
    if test_dir not in sys.path:
        sys.path.insert(0, test_dir)
    for fname in sorted(os.listdir(test_dir)):
        if not (fname.startswith("test_") and fname.endswith(".py")):
            continue
        modname = fname[:-3]
        if modname in exclude:
            continue
        try:
            module = importlib.import_module(modname)
        except Exception:
            if _matches(modname, filters):
                result.failed += 1
                result._emit("ERROR %s (import)" % modname, traceback.format_exc())
            continue
        module_suite = loader.loadTestsFromModule(module)
        for test in _iter_tests(module_suite):
            test_id = test.id() if isinstance(test, unittest.TestCase) else str(test)
            # a loader error (e.g. a bad class) is a test of its own: always keep it
            # under valgrind only the tests marked for it run (timing tests would not hold)
            if VALGRIND and not _marked_for_valgrind(test):
                continue
            if _matches(test_id, filters) or _matches(modname, filters) or \
                    test_id.startswith("unittest.loader"):
                suite.addTest(test)
    return suite


def main(argv=None):
    parser = argparse.ArgumentParser(description="Run the integration tests.")
    parser.add_argument("filters", nargs="*", help="module or test-name substrings")
    parser.add_argument("--exclude", action="append", default=[], metavar="MODULE",
                        help="leave out this test module (test_consumers, ...)")
    parser.add_argument("--dir", default=HERE, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    def on_signal(signum, frame):
        raise KeyboardInterrupt("signal %d" % signum)

    signal.signal(signal.SIGTERM, on_signal)

    allow_skip = os.environ.get("SBTC_ALLOW_SKIP") == "1"
    result = LineResult(sys.stdout, allow_skip)
    test_dir = os.path.abspath(args.dir)
    if HERE not in sys.path:
        sys.path.insert(0, HERE)  # for `import harness`
    interrupted = False
    try:
        unknown = [m for m in args.exclude
                   if not os.path.exists(os.path.join(test_dir, m + ".py"))]
        if unknown:
            parser.error("--exclude: no test module %s" % ", ".join(unknown))
        suite = discover(test_dir, args.filters, result, exclude=set(args.exclude))
        suite.run(result)
    except KeyboardInterrupt as e:
        interrupted = True
        result.failed += 1
        result._emit("ERROR interrupted (%s)" % (e or "SIGINT"))
    finally:
        harness = sys.modules.get("harness")
        if harness is not None and hasattr(harness, "shutdown_shared"):
            try:
                harness.shutdown_shared()
            except Exception:
                result.failed += 1
                result._emit("ERROR stopping the shared cluster", traceback.format_exc())
    ran = result.passed + result.failed
    if ran == 0 and not interrupted:
        sys.stderr.write("no tests matched %s\n" % (" ".join(args.filters) or "(all)"))
    slowest = sorted(result.module_seconds.items(), key=lambda kv: -kv[1])[:8]
    if slowest:
        sys.stdout.write("time by module: %s\n" % ", ".join("%s %.0fs" % kv for kv in slowest))
    sys.stdout.write("%d passed, %d failed\n" % (result.passed, result.failed))
    sys.stdout.flush()
    return 0 if result.failed == 0 and ran > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
